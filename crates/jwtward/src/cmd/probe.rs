//! `jwtward probe URL`: attack a running API, guided by its OpenAPI document, and report
//! only what was proven.

use crate::output::{self, OutputFormat};
use jwtward_probe::{Config, Limits, SpecSource};
use jwtward_report::text::NoSources;
use jwtward_report::{ErrorEntry, Report, Severity, Summary};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Base URL of the running API (e.g. http://127.0.0.1:8000).
    pub url: String,
    /// The OpenAPI document (file or URL). Default: discovered on the target
    /// (/openapi.json, the /docs and /redoc links, /swagger.json, /openapi.yaml).
    #[arg(long, value_name = "FILE|URL")]
    pub spec: Option<String>,
    /// A valid token (repeatable). The first is the baseline identity; all are cracked offline.
    #[arg(long, value_name = "T")]
    pub token: Vec<String>,
    /// Key material to sign tokens with: an HMAC secret, or a PEM/JWK private key.
    #[arg(long, value_name = "KEY", conflicts_with = "signing_key_file")]
    pub signing_key: Option<String>,
    /// Read --signing-key from a file (PEM, JWK, or the raw HMAC secret bytes).
    #[arg(long, value_name = "F")]
    pub signing_key_file: Option<PathBuf>,
    /// The server's public key for algorithm confusion: a PEM or JWK text, a PEM/JWK/JWKS
    /// file, or a URL of a JWKS (repeatable). Default: the JWKS at the well-known paths.
    #[arg(long, value_name = "PEM|JWKS-file|URL")]
    pub public_key: Vec<String>,
    /// An extra wordlist for the weak-secret search (one candidate per line).
    #[arg(long, value_name = "F")]
    pub wordlist: Option<PathBuf>,
    /// A hashcat-style mask for the weak-secret search, after the default tier (e.g.
    /// `?d?d?d?d?d?d?d?d` for 8-digit PINs).
    #[arg(long, value_name = "MASK")]
    pub mask: Option<String>,
    /// A cookie name to try the token in (repeatable; common names are always tried).
    #[arg(long, value_name = "N")]
    pub cookie_name: Vec<String>,
    /// The word before the token in the `Authorization` header [default: Bearer]
    /// (`Token` for APIs that want `Authorization: Token <jwt>`).
    #[arg(long, value_name = "WORD")]
    pub auth_scheme: Option<String>,
    /// An extra header sent with every request, `NAME:VALUE` (repeatable).
    #[arg(long, value_name = "NAME:VALUE")]
    pub header: Vec<String>,
    /// Only test operations whose path matches this glob (repeatable).
    #[arg(long, value_name = "PATH-GLOB")]
    pub include: Vec<String>,
    /// Skip operations whose path matches this glob (repeatable).
    #[arg(long, value_name = "PATH-GLOB")]
    pub exclude: Vec<String>,
    /// Also test POST/PUT/PATCH/DELETE and destructive-looking operations, only when the
    /// spec proves the request invalid (`{}` against a required body field, or a required
    /// query parameter left out): FastAPI then answers 422 before the handler runs.
    #[arg(long)]
    pub unsafe_methods: bool,
    /// Also skip operations whose path, operationId or summary has this word, or whose path
    /// matches this glob (repeatable; adds to the built-in destructive words).
    #[arg(long, value_name = "WORD|PATH-GLOB")]
    pub skip_destructive: Vec<String>,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    /// Requests per second, e.g. `20` or `20/s` (default: no limit).
    #[arg(long, value_name = "N/s")]
    pub rate: Option<String>,
    /// Seconds to wait for each response.
    #[arg(long, value_name = "S", default_value_t = 10.0)]
    pub timeout: f64,
    /// The whole run's deadline in seconds; no request starts after it.
    #[arg(long, value_name = "S", default_value_t = 600.0)]
    pub max_time: f64,
    /// The most requests the run may send.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub max_requests: usize,
    /// Bytes of each response body read (the rest is never downloaded).
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024)]
    pub max_body: usize,
    /// Accept invalid TLS certificates.
    #[arg(long)]
    pub insecure: bool,
    /// The URL at which the target can reach jwtward's jku server (default: loopback,
    /// only when the target is on loopback).
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Exit 1 when a finding at or above this severity is reported.
    #[arg(long, value_name = "SEV", default_value = "low")]
    pub fail_on: Severity,
}

fn parse_rate(s: &str) -> anyhow::Result<f64> {
    let n = s.trim().trim_end_matches("/s").trim();
    match n.parse::<f64>() {
        Ok(r) if r > 0.0 && r.is_finite() => Ok(r),
        _ => anyhow::bail!(
            "--rate `{s}`: expected a positive number of requests per second, e.g. 20/s"
        ),
    }
}

fn parse_header(h: &str) -> anyhow::Result<(String, String)> {
    let Some((name, value)) = h.split_once(':') else {
        anyhow::bail!("--header `{h}`: expected NAME:VALUE");
    };
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
        anyhow::bail!("--header `{h}`: `{name}` is not a valid header name");
    }
    Ok((name.to_string(), value.trim().to_string()))
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

fn config(args: &Args) -> anyhow::Result<Config> {
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        anyhow::bail!(
            "--timeout {}: expected a positive number of seconds",
            args.timeout
        );
    }
    if !(args.max_time > 0.0 && args.max_time.is_finite()) {
        anyhow::bail!(
            "--max-time {}: expected a positive number of seconds",
            args.max_time
        );
    }
    if args.concurrency == 0 {
        anyhow::bail!("--concurrency must be at least 1");
    }
    let spec = args.spec.as_ref().map(|s| {
        if is_url(s) {
            SpecSource::Url(s.clone())
        } else {
            SpecSource::File(PathBuf::from(s))
        }
    });
    let signing_key = match (&args.signing_key, &args.signing_key_file) {
        (Some(k), _) => Some(k.as_bytes().to_vec()),
        (None, Some(f)) => Some(
            std::fs::read(f)
                .map_err(|e| anyhow::anyhow!("--signing-key-file `{}`: {e}", f.display()))?,
        ),
        (None, None) => None,
    };
    let mut public_keys = Vec::new();
    let mut public_key_urls = Vec::new();
    for k in &args.public_key {
        if is_url(k) {
            public_key_urls.push(k.clone());
        } else if std::path::Path::new(k).is_file() {
            let bytes = std::fs::read(k).map_err(|e| anyhow::anyhow!("--public-key `{k}`: {e}"))?;
            public_keys.push((k.clone(), bytes));
        } else if k.contains("-----BEGIN") || k.trim_start().starts_with('{') {
            public_keys.push(("--public-key".to_string(), k.as_bytes().to_vec()));
        } else {
            anyhow::bail!("--public-key `{k}`: no such file, and not a PEM, JWK or URL");
        }
    }
    if let Some(w) = &args.wordlist
        && !w.is_file()
    {
        anyhow::bail!("--wordlist `{}`: no such file", w.display());
    }
    let mut headers = args
        .header
        .iter()
        .map(|h| parse_header(h))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // `--header "Authorization: Bearer T"` is the token: the prober decides where it goes.
    let mut tokens = args.token.clone();
    if let Some(i) = headers
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case("authorization"))
    {
        let (_, value) = headers.remove(i);
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_string())
            .ok_or_else(|| {
                anyhow::anyhow!("--header `Authorization: {value}`: only a Bearer token can be probed; give it with --token")
            })?;
        if tokens.is_empty() {
            tokens.push(token);
        }
    }
    Ok(Config {
        target: args.url.clone(),
        spec,
        tokens,
        signing_key,
        public_keys,
        public_key_urls,
        wordlist: args.wordlist.clone(),
        mask: args.mask.clone(),
        cookie_names: args.cookie_name.clone(),
        query_names: Vec::new(),
        identity_claim: None,
        auth_scheme: args.auth_scheme.clone(),
        headers,
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        unsafe_methods: args.unsafe_methods,
        skip_destructive: args.skip_destructive.clone(),
        limits: Limits {
            concurrency: args.concurrency,
            rate: args.rate.as_deref().map(parse_rate).transpose()?,
            timeout: Duration::from_secs_f64(args.timeout),
            max_body: args.max_body.max(1024),
            max_requests: args.max_requests,
            insecure: args.insecure,
            max_time: Duration::from_secs_f64(args.max_time),
        },
        callback_url: args.callback_url.clone(),
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = config(&args)?;
    let observer: Option<Box<dyn Fn(usize) + Send + Sync>> = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} probing {msg} ({elapsed})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let url = args.url.clone();
        bar.set_message(format!("{url}: reading the spec"));
        Some(Box::new(move |n: usize| {
            bar.set_message(format!("{url}: {}", requests(n)));
        }))
    } else {
        None
    };
    let outcome = jwtward_probe::run(config, observer)?;
    if std::io::stderr().is_terminal() {
        // Clear the spinner line.
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
    let failed = outcome.failed.clone();
    let mut errors: Vec<ErrorEntry> = outcome.errors;
    errors.sort_by(|a, b| (&a.kind, &a.message).cmp(&(&b.kind, &b.message)));
    let report = Report::new(
        outcome.findings,
        errors,
        Summary {
            requests: Some(outcome.requests),
            endpoints: Some(outcome.endpoints),
            tested_routes: Some(outcome.tested),
            ..Summary::default()
        },
    );
    let code = output::emit(&report, args.format, args.fail_on, &NoSources)?;
    if let Some(why) = &failed {
        eprintln!("jwtward probe: nothing was tested: {why}");
        return Ok(ExitCode::from(EXIT_NOT_TESTED));
    }
    Ok(code)
}

/// Exit code when the probe could not test the target (no HTTP answer, budget or deadline
/// spent before any attack): distinct from 0 (nothing found), 1 (found) and 2 (usage).
pub const EXIT_NOT_TESTED: u8 = 3;

/// `1 request`, `2,345 requests`.
fn requests(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} request{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_headers() {
        assert_eq!(parse_rate("20/s").unwrap(), 20.0);
        assert_eq!(parse_rate("2.5").unwrap(), 2.5);
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("fast").is_err());
        assert_eq!(
            parse_header("X-Api-Key: abc:def").unwrap(),
            ("X-Api-Key".to_string(), "abc:def".to_string())
        );
        assert!(parse_header("nocolon").is_err());
        assert!(parse_header(": v").is_err());
        assert_eq!(requests(1), "1 request");
        assert_eq!(requests(2_696_538), "2,696,538 requests");
        assert_eq!(requests(999), "999 requests");
    }
}
