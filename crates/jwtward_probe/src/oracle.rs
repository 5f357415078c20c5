//! The acceptance oracle: per endpoint, what the valid token gets, what rejections look
//! like, and whether an attack's response clusters with the first and away from the others.
//!
//! Responses are compared by status, `WWW-Authenticate`, `Location` (redirects are never
//! followed), JSON shape and a body fingerprint with the dynamic parts masked. The dynamic
//! parts are learnt by replaying the valid request: JSON leaves that differ between the
//! replays are masked; for non-JSON bodies that differ, digit and hex runs are masked.

use crate::http::Resp;
use serde_json::Value;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

/// What dynamic content an endpoint's responses carry, learnt from replays of one request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mask {
    /// JSON leaf paths whose values changed between replays.
    pub json_paths: BTreeSet<String>,
    /// The (non-JSON) text changed between replays: mask digit and hex runs.
    pub text: bool,
}

impl Mask {
    /// Learns the mask from two or more responses to the same request.
    pub fn learn(replays: &[&Resp]) -> Mask {
        let mut mask = Mask::default();
        let Some(first) = replays.first() else {
            return mask;
        };
        let first_json = parse_json(first);
        for other in &replays[1..] {
            match (&first_json, parse_json(other)) {
                (Some(a), Some(b)) => diff_paths(a, &b, String::new(), &mut mask.json_paths),
                _ => {
                    if first.body != other.body {
                        mask.text = true;
                    }
                }
            }
        }
        mask
    }
}

fn parse_json(r: &Resp) -> Option<Value> {
    if r.body.is_empty() || r.truncated {
        return None;
    }
    let first = r.body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' && *first != b'[' {
        return None;
    }
    serde_json::from_slice(&r.body).ok()
}

fn diff_paths(a: &Value, b: &Value, at: String, out: &mut BTreeSet<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => diff_paths(va, vb, format!("{at}/{k}"), out),
                    None => {
                        out.insert(format!("{at}/{k}"));
                    }
                }
            }
            for k in y.keys() {
                if !x.contains_key(k) {
                    out.insert(format!("{at}/{k}"));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                diff_paths(va, vb, format!("{at}/{i}"), out);
            }
        }
        _ => {
            if a != b {
                out.insert(at);
            }
        }
    }
}

/// The comparable features of one response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Features {
    pub status: u16,
    pub www_authenticate: bool,
    pub location: Option<String>,
    /// Sorted `path:type` pairs of the JSON body, `None` when the body is not JSON.
    pub shape: Option<String>,
    /// A hash of the body with the dynamic parts masked.
    pub fingerprint: u64,
}

impl Features {
    pub fn of(r: &Resp, mask: &Mask) -> Features {
        let json = parse_json(r);
        let (shape, fingerprint) = match &json {
            Some(v) => {
                let mut shape = Vec::new();
                shape_of(v, String::new(), &mut shape);
                shape.sort();
                shape.dedup();
                let mut masked = v.clone();
                for p in &mask.json_paths {
                    if let Some(slot) = masked.pointer_mut(p) {
                        *slot = Value::String("<dynamic>".into());
                    }
                }
                (Some(shape.join(",")), hash(&masked.to_string()))
            }
            None => {
                let text = r.body_text();
                let text = if mask.text { mask_text(&text) } else { text };
                (None, hash(&text))
            }
        };
        Features {
            status: r.status,
            www_authenticate: r.header("www-authenticate").is_some(),
            location: r.header("location").map(str::to_string),
            shape,
            fingerprint,
        }
    }

    /// Same status, redirect, challenge and masked body.
    pub fn same(&self, other: &Features) -> bool {
        self.status == other.status
            && self.location == other.location
            && self.www_authenticate == other.www_authenticate
            && self.fingerprint == other.fingerprint
    }

    /// Same status, redirect and JSON shape (the values may differ).
    pub fn same_shape(&self, other: &Features) -> bool {
        self.status == other.status
            && self.location == other.location
            && self.shape.is_some()
            && self.shape == other.shape
    }
}

fn shape_of(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            out.push(format!("{at}:object"));
            for (k, x) in m {
                shape_of(x, format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            out.push(format!("{at}:array"));
            for x in a.iter().take(3) {
                shape_of(x, format!("{at}/*"), out);
            }
        }
        Value::Null => out.push(format!("{at}:null")),
        Value::Bool(_) => out.push(format!("{at}:bool")),
        Value::Number(_) => out.push(format!("{at}:number")),
        Value::String(_) => out.push(format!("{at}:string")),
    }
}

fn hash(s: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Replaces digit runs and long hex runs by `#`.
pub fn mask_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.is_empty() {
            return;
        }
        let digits = run.chars().any(|c| c.is_ascii_digit());
        if digits || run.len() >= 16 {
            out.push('#');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// How an attack's response was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Clusters with the valid baseline (exactly, or by shape when the shape alone tells
    /// the valid response from every rejection) and away from every rejection.
    Accepted { exact: bool },
    /// Anything else that is an HTTP answer below 500.
    Rejected,
    /// 5xx: reported as `server-error-on-token`, never as a bypass.
    ServerError,
    /// No HTTP answer (timeout, reset, malformed).
    NoAnswer,
}

impl Verdict {
    pub fn accepted(self) -> bool {
        matches!(self, Verdict::Accepted { .. })
    }
}

/// The baselines of one endpoint: what the valid token gets and what rejections look like.
#[derive(Clone, Debug)]
pub struct Profile {
    pub mask: Mask,
    pub valid: Features,
    /// Named rejection baselines (`no-credentials`, `garbage`, `corrupted-signature`, ...).
    pub rejections: Vec<(String, Features)>,
}

impl Profile {
    pub fn new(mask: Mask, valid: &Resp) -> Profile {
        let valid = Features::of(valid, &mask);
        Profile {
            mask,
            valid,
            rejections: Vec::new(),
        }
    }

    pub fn add_rejection(&mut self, name: &str, r: &Resp) {
        if r.is_answer() {
            let f = Features::of(r, &self.mask);
            self.rejections.push((name.to_string(), f));
        }
    }

    pub fn features(&self, r: &Resp) -> Features {
        Features::of(r, &self.mask)
    }

    /// True when `r` looks exactly like the valid baseline.
    pub fn like_valid(&self, r: &Resp) -> bool {
        r.is_answer() && self.features(r).same(&self.valid)
    }

    /// The name of the rejection baseline `r` looks exactly like, if any.
    pub fn like_rejection(&self, r: &Resp) -> Option<&str> {
        let f = self.features(r);
        self.rejections
            .iter()
            .find(|(_, x)| x.same(&f))
            .map(|(n, _)| n.as_str())
    }

    /// The shape alone separates the valid baseline from every rejection.
    fn shape_discriminates(&self) -> bool {
        self.valid.shape.is_some()
            && self
                .rejections
                .iter()
                .all(|(_, r)| !r.same_shape(&self.valid))
    }

    pub fn judge(&self, r: &Resp) -> Verdict {
        if !r.is_answer() {
            return Verdict::NoAnswer;
        }
        if r.status >= 500 {
            return Verdict::ServerError;
        }
        let f = self.features(r);
        if self.rejections.iter().any(|(_, x)| x.same(&f)) {
            return Verdict::Rejected;
        }
        if f.same(&self.valid) {
            return Verdict::Accepted { exact: true };
        }
        if f.same_shape(&self.valid) && self.shape_discriminates() {
            return Verdict::Accepted { exact: false };
        }
        Verdict::Rejected
    }
}

/// Whose answer an accepted response is, compared with the valid baseline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Whose {
    /// The valid user's own answer: it names the same user, or no identity is changed and
    /// nothing else differs.
    Same(String),
    /// Another identity's answer: it names the forged identity, no longer names the valid
    /// user, or changed where the valid answer names no one.
    Other(String),
    /// The answer is the valid one while the identity changed: it does not show whose it is.
    Unknown(String),
}

/// The leaf values of a JSON body (strings, and numbers as text), or the whole text of a
/// body that is not JSON.
fn leaves(r: &Resp) -> (Vec<String>, Option<String>) {
    fn walk(v: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 32 || out.len() > 4096 {
            return;
        }
        match v {
            Value::Object(m) => m.values().for_each(|x| walk(x, out, depth + 1)),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out, depth + 1)),
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            _ => {}
        }
    }
    match parse_json(r) {
        Some(v) => {
            let mut out = Vec::new();
            walk(&v, &mut out, 0);
            (out, None)
        }
        None => (Vec::new(), Some(r.body_text())),
    }
}

/// The body names `value`: a JSON leaf equal to it, or (not JSON) the text contains it.
fn names(body: &(Vec<String>, Option<String>), value: &str) -> bool {
    match body {
        (_, Some(text)) => text.contains(value),
        (leaves, None) => leaves.iter().any(|l| l == value),
    }
}

/// An identity value long enough to be looked for in a body (`1` would match any count).
pub fn identity_value(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (s.chars().count() >= 3).then_some(s)
}

impl Profile {
    /// Whose answer `r` (an accepted response) is. `own`: the identity values of the valid
    /// token (its `sub`, `uid`, e-mail...); `forged`: the identity value the attack token
    /// carries instead, if it changed one.
    pub fn whose(&self, valid: &Resp, own: &[String], forged: Option<&str>, r: &Resp) -> Whose {
        if let Some(f) = forged
            && names(&leaves(r), f)
            && !names(&leaves(valid), f)
        {
            return Whose::Other(format!("the answer names `{f}`, the forged identity"));
        }
        if let Some(w) = named_user(valid, own, r) {
            return w;
        }
        if self.features(r).same(&self.valid) {
            return Whose::Unknown(
                "the answer is the valid one, which names no user: it does not show whose it is"
                    .into(),
            );
        }
        Whose::Other("the answer changed: the valid one names no user, this one differs".into())
    }
}

/// Whose answer `r` is by the user the valid answer names (one of `own`), when it names one.
pub fn named_user(valid: &Resp, own: &[String], r: &Resp) -> Option<Whose> {
    let before = leaves(valid);
    let after = leaves(r);
    let named: Vec<&String> = own.iter().filter(|v| names(&before, v)).collect();
    if let Some(gone) = named.iter().find(|v| !names(&after, v)) {
        return Some(Whose::Other(format!(
            "the answer no longer names `{gone}`, the valid token's user"
        )));
    }
    named.first().map(|v| {
        Whose::Same(format!(
            "the answer still names `{v}`, the valid token's user"
        ))
    })
}

/// True for a status that means "not authenticated/authorised".
pub fn is_auth_rejection_status(status: u16) -> bool {
    matches!(status, 401 | 403 | 407 | 419 | 440 | 498 | 499)
}

/// True when a body reads like an authentication error envelope (`{"error": "invalid
/// token"}` served with 200, ...).
pub fn looks_like_auth_error(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_ascii_lowercase();
    [
        "invalid token",
        "invalid_token",
        "token invalid",
        "unauthorized",
        "unauthorised",
        "unauthenticated",
        "not authenticated",
        "authentication required",
        "authentication failed",
        "could not validate",
        "access denied",
        "forbidden",
        "expired",
        "invalid credentials",
        "\"error\"",
        "retcode",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// Exception text or stack traces in a body: the fragments that betray the JWT library.
pub fn leaked_error(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(16 * 1024)]);
    let needles = [
        "Traceback (most recent call last)",
        "File \"/",
        ".py\", line ",
        "jwt.exceptions",
        "jose.exceptions",
        "authlib.jose",
        "joserfc.errors",
        "InvalidSignatureError",
        "DecodeError",
        "ExpiredSignatureError",
        "InvalidAlgorithmError",
        "InvalidKeyError",
        "InvalidAudienceError",
        "InvalidIssuerError",
        "ImmatureSignatureError",
        "MissingRequiredClaimError",
        "JWTError",
        "JWSError",
        "JWTClaimsError",
        "BadSignatureError",
        "DecodeError",
        "Signature verification failed",
        "Not enough segments",
        "Invalid header padding",
        "Invalid payload padding",
        "Invalid crypto padding",
        "Invalid header string",
        "Signature has expired",
        "Signature verification failed",
        "binascii.Error",
        "UnicodeDecodeError",
        "KeyError",
        "ValueError:",
        "TypeError:",
    ];
    needles.iter().find(|n| text.contains(*n)).map(|n| {
        let at = text.find(n).unwrap_or(0);
        let start = text[..at]
            .char_indices()
            .rev()
            .nth(40)
            .map(|(i, _)| i)
            .unwrap_or(0);
        let excerpt: String = text[start..].chars().take(120).collect();
        excerpt.replace(['\n', '\r'], " ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> Resp {
        Resp {
            status,
            body: body.as_bytes().to_vec(),
            ..Resp::default()
        }
    }

    #[test]
    fn dynamic_json_fields_are_masked() {
        let a = resp(200, r#"{"user":"alice","request_id":"r1","at":1}"#);
        let b = resp(200, r#"{"user":"alice","request_id":"r2","at":2}"#);
        let mask = Mask::learn(&[&a, &b]);
        assert!(mask.json_paths.contains("/request_id"));
        let mut p = Profile::new(mask, &a);
        p.add_rejection(
            "no-credentials",
            &resp(401, r#"{"detail":"Not authenticated"}"#),
        );
        assert_eq!(
            p.judge(&resp(200, r#"{"user":"alice","request_id":"r9","at":7}"#)),
            Verdict::Accepted { exact: true }
        );
        // Same shape, another user: accepted by shape only (the rejection has another shape).
        assert_eq!(
            p.judge(&resp(200, r#"{"user":"bob","request_id":"r9","at":7}"#)),
            Verdict::Accepted { exact: false }
        );
        assert_eq!(
            p.judge(&resp(401, r#"{"detail":"Not authenticated"}"#)),
            Verdict::Rejected
        );
        assert_eq!(p.judge(&resp(500, "boom")), Verdict::ServerError);
        assert_eq!(p.judge(&Resp::default()), Verdict::NoAnswer);
    }

    #[test]
    fn a_200_error_envelope_is_never_accepted_by_shape() {
        let valid = resp(200, r#"{"user":"alice"}"#);
        let mut p = Profile::new(Mask::learn(&[&valid, &valid]), &valid);
        p.add_rejection("garbage", &resp(200, r#"{"user":"anonymous"}"#));
        // Same shape as a rejection: only an exact match with the valid baseline counts.
        assert_eq!(
            p.judge(&resp(200, r#"{"user":"mallory"}"#)),
            Verdict::Rejected
        );
        assert_eq!(
            p.judge(&resp(200, r#"{"user":"anonymous"}"#)),
            Verdict::Rejected
        );
        assert!(p.judge(&resp(200, r#"{"user":"alice"}"#)).accepted());
    }

    #[test]
    fn whose_answer_from_the_body() {
        let valid = resp(200, r#"{"uid":"u-2001","login":"alice","plan":"team"}"#);
        let mut p = Profile::new(Mask::learn(&[&valid, &valid]), &valid);
        p.add_rejection("no-credentials", &resp(401, r#"{"detail":"nope"}"#));
        let own = vec!["alice".to_string(), "u-2001".to_string()];
        let forged = resp(
            200,
            r#"{"uid":"jwtward-nobody-1","login":"guest","plan":"free"}"#,
        );
        assert!(matches!(
            p.whose(&valid, &own, Some("jwtward-nobody-1"), &forged),
            Whose::Other(w) if w.contains("names `jwtward-nobody-1`")
        ));
        let guest = resp(200, r#"{"uid":"guest","login":"guest","plan":"free"}"#);
        assert!(matches!(
            p.whose(&valid, &own, None, &guest),
            Whose::Other(w) if w.contains("no longer names `alice`")
        ));
        assert!(matches!(
            p.whose(&valid, &own, None, &valid),
            Whose::Same(_)
        ));
        // An answer that names no one: the same answer shows nothing, a changed one does.
        let list = resp(200, r#"{"products":["basic","team"]}"#);
        let q = Profile::new(Mask::learn(&[&list, &list]), &list);
        assert!(matches!(
            q.whose(&list, &own, Some("jwtward-nobody-1"), &list),
            Whose::Unknown(_)
        ));
        let other = resp(200, r#"{"products":["solo"]}"#);
        assert!(matches!(
            q.whose(&list, &own, None, &other),
            Whose::Other(_)
        ));
        // Short values (an id of 1) are never looked for.
        assert_eq!(identity_value(&serde_json::json!(1)), None);
        assert_eq!(
            identity_value(&serde_json::json!(1001)),
            Some("1001".into())
        );
    }

    #[test]
    fn text_masking_and_leaks() {
        assert_eq!(
            mask_text("id 12345 at deadbeefdeadbeef00 ok"),
            "id # at # ok"
        );
        let a = resp(200, "<p>now 10:01</p>");
        let b = resp(200, "<p>now 10:02</p>");
        let m = Mask::learn(&[&a, &b]);
        assert!(m.text);
        assert_eq!(Features::of(&a, &m), Features::of(&b, &m));
        assert!(leaked_error(b"{\"detail\":\"DecodeError: Not enough segments\"}").is_some());
        assert!(leaked_error(b"{\"detail\":\"Could not validate credentials\"}").is_none());
        assert!(looks_like_auth_error(
            b"{\"retcode\":1,\"message\":\"invalid token\"}"
        ));
    }
}
