//! Classifying HMAC keys: weak (short, low-entropy, known defaults) or strong.

/// Keys shipped in documentation, tutorials and framework templates, and common placeholders.
pub const KNOWN_DEFAULTS: &[&str] = &[
    "secret",
    "secret-key",
    "secret_key",
    "secretkey",
    "mysecret",
    "my-secret",
    "my_secret",
    "mysecretkey",
    "supersecret",
    "super-secret",
    "super_secret",
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "password",
    "jwt-secret",
    "jwt_secret",
    "jwtsecret",
    "your-secret-key",
    "your_secret_key",
    "yoursecretkey",
    "your-256-bit-secret",
    "your-512-bit-secret",
    "development",
    "dev",
    "test",
    "key",
    "s3cr3t",
    "shhhhh",
    "keyboard cat",
    // FastAPI's OAuth2/JWT tutorial key (docs, "OAuth2 with Password (and hashing), Bearer with JWT tokens").
    "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
    // full-stack-fastapi-template / cookiecutter placeholders.
    "changethis-secret-key",
];

/// Words that mark a placeholder however long the key is.
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "change-this",
    "change_this",
    "replace-me",
    "replace_me",
    "replaceme",
    "your-secret",
    "your_secret",
    "yoursecret",
    "placeholder",
    "example",
    "insecure",
    "dummy",
    "not-a-secret",
    "notsecret",
    "secret-key",
    "secret_key",
    "secretkey",
    "xxxxxxxx",
];

/// Minimum HMAC key length: RFC 7518 §3.2 asks for a key at least as long as the hash (32 bytes
/// for HS256).
pub const MIN_KEY_BYTES: usize = 32;

/// Why a key is weak.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Weakness {
    KnownDefault,
    Placeholder(&'static str),
    Short(usize),
    LowEntropy,
    /// Listed in the configuration's `weak-secrets`.
    Configured,
}

impl Weakness {
    pub fn describe(&self) -> String {
        match self {
            Weakness::KnownDefault => "a well-known default key".into(),
            Weakness::Placeholder(w) => format!("a placeholder (contains `{w}`)"),
            Weakness::Short(n) => {
                format!("only {n} bytes long (HMAC keys need at least {MIN_KEY_BYTES})")
            }
            Weakness::LowEntropy => "low-entropy (few distinct characters, guessable)".into(),
            Weakness::Configured => "listed in `weak-secrets` of the configuration".into(),
        }
    }
}

/// Shannon entropy of `key`, in bits for the whole key.
pub fn entropy_bits(key: &[u8]) -> f64 {
    if key.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &b in key {
        counts[b as usize] += 1;
    }
    let n = key.len() as f64;
    let per_char: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum();
    per_char * n
}

/// `Some(why)` when `key` is weak as an HMAC key.
pub fn weakness(key: &[u8]) -> Option<Weakness> {
    let text = String::from_utf8_lossy(key).to_lowercase();
    if KNOWN_DEFAULTS.contains(&text.trim()) {
        return Some(Weakness::KnownDefault);
    }
    if let Some(w) = PLACEHOLDER_WORDS.iter().find(|w| text.contains(*w)) {
        return Some(Weakness::Placeholder(w));
    }
    if key.len() < MIN_KEY_BYTES {
        return Some(Weakness::Short(key.len()));
    }
    let distinct = {
        let mut seen = [false; 256];
        key.iter()
            .filter(|&&b| !std::mem::replace(&mut seen[b as usize], true))
            .count()
    };
    if distinct < 8 || entropy_bits(key) < 96.0 {
        return Some(Weakness::LowEntropy);
    }
    None
}

/// True for PEM text (`-----BEGIN ...`).
pub fn is_pem(key: &[u8]) -> bool {
    key.windows(10).any(|w| w == b"-----BEGIN")
}

/// True for a PEM private key.
pub fn is_private_pem(key: &[u8]) -> bool {
    is_pem(key) && key.windows(11).any(|w| w == b"PRIVATE KEY")
}

/// A redacted preview of a key for messages: the first characters and the length.
pub fn preview(key: &[u8]) -> String {
    let s = String::from_utf8_lossy(key);
    if s.chars().count() <= 12 {
        format!("\"{s}\"")
    } else {
        let head: String = s.chars().take(6).collect();
        format!("\"{head}…\" ({} bytes)", key.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_keys() {
        assert_eq!(weakness(b"secret"), Some(Weakness::KnownDefault));
        assert_eq!(weakness(b"short-but-random-Zx9"), Some(Weakness::Short(20)));
        assert!(matches!(
            weakness(b"please-changeme-in-production-0123456789"),
            Some(Weakness::Placeholder(_))
        ));
        assert_eq!(weakness(&[b'a'; 40]), Some(Weakness::LowEntropy));
        assert_eq!(
            weakness(b"N3v8qZ1pX7rT0yLk4Wm9sB2cH6fJ5dG8aQeRtUvXyZ"),
            None
        );
        assert!(is_private_pem(b"-----BEGIN RSA PRIVATE KEY-----\nabc"));
        assert!(!is_private_pem(b"-----BEGIN PUBLIC KEY-----\nabc"));
    }
}
