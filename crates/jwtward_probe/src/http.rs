//! The HTTP engine: every request the prober sends goes through [`Engine::send`], which
//! enforces the safety limits: same origin only (the user's token never leaves the target),
//! redirects never followed, a per-request timeout, a response-size cap read incrementally,
//! bounded concurrency, a rate limit and a total request budget.

use anyhow::{Result, bail};
use reqwest::Url;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The limits of one run.
#[derive(Clone, Debug)]
pub struct Limits {
    pub concurrency: usize,
    /// Requests per second; `None` for no limit.
    pub rate: Option<f64>,
    pub timeout: Duration,
    /// Bytes of a response body kept; the rest is never read.
    pub max_body: usize,
    /// Total requests the run may send.
    pub max_requests: usize,
    /// Accept invalid TLS certificates.
    pub insecure: bool,
    /// The whole run's deadline (`--max-time`); no request starts after it.
    pub max_time: Duration,
}

/// The default `--max-time`: ten minutes.
pub const DEFAULT_MAX_TIME: Duration = Duration::from_secs(600);

/// Requests in a row without an HTTP answer, before any answer was ever received, after
/// which the target is taken as not answering and the run stops.
pub const DEAD_TARGET_FAILURES: usize = 2;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrency: 8,
            rate: None,
            timeout: Duration::from_secs(10),
            max_body: 256 * 1024,
            max_requests: 20_000,
            insecure: false,
            max_time: DEFAULT_MAX_TIME,
        }
    }
}

/// One request, as the prober builds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Req {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Req {
    pub fn new(method: &str, url: impl Into<String>) -> Req {
        Req {
            method: method.to_string(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Req {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// True when `needle` appears anywhere in the request (URL, headers, body).
    pub fn contains(&self, needle: &str) -> bool {
        self.url.contains(needle)
            || self
                .headers
                .iter()
                .any(|(n, v)| n.contains(needle) || v.contains(needle))
            || self.body.as_deref().is_some_and(|b| b.contains(needle))
    }

    /// `METHOD URL` and the headers, one per line (evidence).
    pub fn describe(&self) -> String {
        let mut s = format!("{} {}", self.method, self.url);
        for (n, v) in &self.headers {
            s.push_str(&format!("\n{n}: {v}"));
        }
        if let Some(b) = &self.body {
            s.push_str(&format!("\n\n{b}"));
        }
        s
    }

    /// A copy-paste `curl` command that sends exactly this request.
    pub fn curl(&self) -> String {
        let mut parts = vec!["curl -sS -i --path-as-is".to_string()];
        if self.method == "HEAD" {
            parts.push("-I".into());
        } else if self.method != "GET" || self.body.is_some() {
            parts.push(format!("-X {}", self.method));
        }
        for (n, v) in &self.headers {
            parts.push(format!("-H {}", shell_quote(&format!("{n}: {v}"))));
        }
        if let Some(b) = &self.body {
            parts.push(format!("--data-raw {}", shell_quote(b)));
        }
        parts.push(shell_quote(&self.url));
        parts.join(" ")
    }
}

/// Quotes for a POSIX shell (single quotes, `'` as `'\''`).
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%,+".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// What came back. `status` is 0 when no HTTP response arrived (`error` says why).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resp {
    pub status: u16,
    /// Response headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than the cap; only the first `max_body` bytes were read.
    pub truncated: bool,
    pub error: Option<String>,
    pub elapsed: Duration,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first `max` characters of the body on one line, for evidence.
    pub fn excerpt(&self, max: usize) -> String {
        if self.status == 0 {
            let e = self.error.as_deref().unwrap_or("unknown error");
            return format!("(no response: {e})");
        }
        let text = self.body_text();
        let one_line: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut out: String = one_line.chars().take(max).collect();
        if one_line.chars().count() > max || self.truncated {
            out.push('…');
        }
        out
    }

    pub fn is_answer(&self) -> bool {
        self.status != 0
    }
}

/// Why [`Engine::send`] refused to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The request budget (`--max-requests`) is spent.
    Budget,
    /// The URL is not on the target's origin.
    OffOrigin(String),
    /// The run was stopped (the valid token stopped working, the target does not answer...).
    Stopped,
    /// The run's deadline (`--max-time`) has passed.
    Deadline,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Budget => f.write_str("the request budget (--max-requests) is spent"),
            Refused::OffOrigin(u) => {
                write!(f, "refused to send a request off the target origin: {u}")
            }
            Refused::Stopped => f.write_str("the run was stopped"),
            Refused::Deadline => f.write_str("the run's deadline (--max-time) has passed"),
        }
    }
}

/// A scheme/host/port triple.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Origin {
    pub fn of(url: &Url) -> Option<Origin> {
        Some(Origin {
            scheme: url.scheme().to_ascii_lowercase(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default()?,
        })
    }

    /// True when the host is a loopback address or `localhost`.
    pub fn is_loopback(&self) -> bool {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h == "localhost"
            || h.parse::<std::net::IpAddr>()
                .map(|ip| ip.is_loopback())
                .unwrap_or(false)
    }
}

/// Body cap for documents (specs, JWKS).
const DOCUMENT_CAP: usize = crate::openapi::MAX_SPEC_BYTES;

type Observer = Box<dyn Fn(usize) + Send + Sync>;

/// The one HTTP client of a run.
pub struct Engine {
    client: reqwest::Client,
    pub origin: Origin,
    pub limits: Limits,
    semaphore: Arc<Semaphore>,
    next_slot: Mutex<Instant>,
    sent: AtomicUsize,
    /// Requests that got an HTTP answer (any status).
    answered: AtomicUsize,
    /// Requests without an answer since the last answer.
    failures_in_row: AtomicUsize,
    stopped: AtomicBool,
    /// Why the run was stopped by the engine itself (a dead target, the deadline).
    stop_reason: Mutex<Option<String>>,
    deadline: Instant,
    observer: Option<Observer>,
}

impl Engine {
    /// A client for `target`'s origin.
    pub fn new(target: &Url, limits: Limits) -> Result<Engine> {
        let Some(origin) = Origin::of(target) else {
            bail!("`{target}` has no host: give an http:// or https:// URL");
        };
        if origin.scheme != "http" && origin.scheme != "https" {
            bail!(
                "`{target}`: unsupported scheme `{}` (expected http or https)",
                origin.scheme
            );
        }
        if limits.concurrency == 0 {
            bail!("--concurrency must be at least 1");
        }
        // reqwest is built without a bundled crypto provider: install ring's once.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout)
            .danger_accept_invalid_certs(limits.insecure)
            .user_agent(concat!("jwtward-probe/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .pool_max_idle_per_host(limits.concurrency)
            .build()?;
        Ok(Engine {
            client,
            origin,
            semaphore: Arc::new(Semaphore::new(limits.concurrency)),
            next_slot: Mutex::new(Instant::now()),
            sent: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
            failures_in_row: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
            stop_reason: Mutex::new(None),
            deadline: Instant::now() + limits.max_time,
            observer: None,
            limits,
        })
    }

    /// Calls `f(requests sent so far)` after each request (a progress bar).
    pub fn set_observer(&mut self, f: impl Fn(usize) + Send + Sync + 'static) {
        self.observer = Some(Box::new(f));
    }

    /// `scheme://host[:port]` of the target.
    pub fn origin_url(&self) -> String {
        let default = if self.origin.scheme == "https" {
            443
        } else {
            80
        };
        if self.origin.port == default {
            format!("{}://{}", self.origin.scheme, self.origin.host)
        } else {
            format!(
                "{}://{}:{}",
                self.origin.scheme, self.origin.host, self.origin.port
            )
        }
    }

    pub fn sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    /// Stops the run and records why (the first reason wins).
    pub fn stop_because(&self, why: String) {
        let mut r = self.stop_reason.lock().expect("stop reason");
        if r.is_none() {
            *r = Some(why);
        }
        drop(r);
        self.stop();
    }

    /// Why the engine stopped the run by itself, if it did.
    pub fn stop_reason(&self) -> Option<String> {
        self.stop_reason.lock().expect("stop reason").clone()
    }

    /// Requests that got an HTTP answer.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::Relaxed)
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// True when `url` is on the target origin.
    pub fn same_origin(&self, url: &str) -> bool {
        Url::parse(url)
            .ok()
            .and_then(|u| Origin::of(&u))
            .is_some_and(|o| o == self.origin)
    }

    /// Sends `req` under every limit. A transport failure is a [`Resp`] with status 0.
    pub async fn send(&self, req: &Req) -> Result<Resp, Refused> {
        if !self.same_origin(&req.url) {
            return Err(Refused::OffOrigin(req.url.clone()));
        }
        self.send_capped(req, self.limits.max_body).await
    }

    /// Fetches a public document (a spec, a JWKS) that may live on another origin. Only a
    /// plain GET without any header of the user's is sent, so no credential can leak; the
    /// body cap is larger (specs can be big) but still bounded.
    pub async fn fetch_document(&self, url: &str) -> Result<Resp, Refused> {
        let req = Req::new("GET", url).header(
            "Accept",
            "application/json, application/yaml, text/html;q=0.5, */*;q=0.1",
        );
        self.send_capped(&req, DOCUMENT_CAP.max(self.limits.max_body))
            .await
    }

    async fn send_capped(&self, req: &Req, cap: usize) -> Result<Resp, Refused> {
        if self.is_stopped() {
            return Err(Refused::Stopped);
        }
        let _permit = self
            .semaphore
            .acquire()
            .await
            .map_err(|_| Refused::Stopped)?;
        if Instant::now() >= self.deadline {
            self.stop_because(format!(
                "the run reached --max-time ({:.0} s)",
                self.limits.max_time.as_secs_f64()
            ));
            return Err(Refused::Deadline);
        }
        // Reserve a request from the budget.
        let n = self.sent.fetch_add(1, Ordering::Relaxed);
        if n >= self.limits.max_requests {
            self.sent.fetch_sub(1, Ordering::Relaxed);
            return Err(Refused::Budget);
        }
        self.rate_slot().await;
        let start = Instant::now();
        // A request in flight is cut at the run's deadline too.
        let deadline = (self.limits.timeout + Duration::from_millis(500))
            .min(self.deadline.saturating_duration_since(start) + Duration::from_millis(100));
        let mut attempt = 0;
        let mut resp = loop {
            let result = tokio::time::timeout(deadline, self.exchange(req, cap)).await;
            let resp = match result {
                Ok(r) => r,
                Err(_) => Resp {
                    error: Some(format!(
                        "no complete response within {:.1} s",
                        self.limits.timeout.as_secs_f64()
                    )),
                    ..Resp::default()
                },
            };
            // A kept-alive connection the server closed (after a 500, say) fails before the
            // request is processed: retry once on a fresh connection. Timeouts are final.
            let retry = resp.status == 0
                && attempt == 0
                && resp
                    .error
                    .as_deref()
                    .is_some_and(|e| !e.starts_with("timed out") && !e.starts_with("no complete"));
            if !retry {
                break resp;
            }
            if self.sent.fetch_add(1, Ordering::Relaxed) >= self.limits.max_requests {
                self.sent.fetch_sub(1, Ordering::Relaxed);
                break resp;
            }
            // A retry is a request like any other: it waits for its own rate slot.
            self.rate_slot().await;
            attempt += 1;
        };
        resp.elapsed = start.elapsed();
        if resp.is_answer() {
            self.answered.fetch_add(1, Ordering::Relaxed);
            self.failures_in_row.store(0, Ordering::Relaxed);
        } else {
            let failures = self.failures_in_row.fetch_add(1, Ordering::Relaxed) + 1;
            if self.answered() == 0 && failures >= DEAD_TARGET_FAILURES {
                self.stop_because(format!(
                    "the target gave no HTTP answer to the first {failures} requests ({}): it does not answer",
                    resp.error.as_deref().unwrap_or("no response")
                ));
            }
        }
        if let Some(f) = &self.observer {
            f(self.sent());
        }
        Ok(resp)
    }

    /// Waits for the next slot of `--rate` (no wait without a rate).
    async fn rate_slot(&self) {
        let Some(rate) = self.limits.rate.filter(|r| *r > 0.0) else {
            return;
        };
        let wait = {
            let mut next = self.next_slot.lock().expect("rate lock");
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + Duration::from_secs_f64(1.0 / rate);
            slot.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    async fn exchange(&self, req: &Req, cap: usize) -> Resp {
        let method = match reqwest::Method::from_bytes(req.method.as_bytes()) {
            Ok(m) => m,
            Err(_) => {
                return Resp {
                    error: Some(format!("invalid method `{}`", req.method)),
                    ..Resp::default()
                };
            }
        };
        if let Some((n, _)) = req
            .headers
            .iter()
            .find(|(n, v)| n.contains(['\r', '\n']) || v.contains(['\r', '\n']))
        {
            return Resp {
                error: Some(format!("header `{}` holds CR/LF: not sent", n.trim())),
                ..Resp::default()
            };
        }
        let mut builder = self.client.request(method, &req.url);
        for (n, v) in &req.headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        if let Some(b) = &req.body {
            builder = builder.body(b.clone());
        }
        let mut response = match builder.send().await {
            Ok(r) => r,
            Err(e) => {
                return Resp {
                    error: Some(describe_error(&e)),
                    ..Resp::default()
                };
            }
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body: Vec<u8> = Vec::new();
        let mut truncated = false;
        let mut error = None;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = cap.saturating_sub(body.len());
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break; // dropping the response closes the connection
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    error = Some(format!("body: {}", describe_error(&e)));
                    break;
                }
            }
        }
        Resp {
            status,
            headers,
            body,
            truncated,
            // A body cut short after a status line is still an answer; the note stays.
            error,
            elapsed: Duration::ZERO,
        }
    }
}

fn describe_error(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else if e.is_body() || e.is_decode() {
        "malformed body".to_string()
    } else {
        "malformed or failed HTTP exchange".to_string()
    };
    let mut source = std::error::Error::source(e);
    let mut depth = 0;
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
        depth += 1;
        if depth > 3 {
            break;
        }
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_quotes_and_methods() {
        let r = Req::new("GET", "http://127.0.0.1:8000/a b").header("Authorization", "Bearer x'y");
        assert_eq!(
            r.curl(),
            "curl -sS -i --path-as-is -H 'Authorization: Bearer x'\\''y' 'http://127.0.0.1:8000/a b'"
        );
        let mut p = Req::new("POST", "http://h/x");
        p.body = Some("{}".into());
        assert!(p.curl().contains("-X POST") && p.curl().contains("--data-raw '{}'"));
        assert!(Req::new("HEAD", "http://h/").curl().contains(" -I "));
    }

    /// A server that accepts connections and closes them at once: every request fails
    /// before an answer and is retried once. Each retry waits for its own rate slot.
    #[test]
    fn retries_take_a_rate_slot_and_a_dead_target_stops_the_run() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in listener.incoming() {
                drop(s);
            }
        });
        let limits = Limits {
            rate: Some(5.0),
            timeout: Duration::from_secs(2),
            ..Limits::default()
        };
        let url = format!("http://127.0.0.1:{port}/x");
        let engine = Engine::new(&Url::parse(&url).unwrap(), limits).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let start = Instant::now();
        let results: Vec<_> = rt.block_on(async {
            let mut out = Vec::new();
            for _ in 0..3 {
                out.push(engine.send(&Req::new("GET", url.clone())).await);
            }
            out
        });
        // Two requests, each with its retry: four slots at 5/s, three intervals of 200 ms.
        assert_eq!(engine.sent(), 4);
        assert!(
            start.elapsed() >= Duration::from_millis(550),
            "{:?}",
            start.elapsed()
        );
        // The target never answered: the third request is not sent.
        assert_eq!(results[2], Err(Refused::Stopped));
        assert!(engine.stop_reason().unwrap().contains("no HTTP answer"));
    }

    #[test]
    fn the_deadline_refuses_new_requests() {
        let limits = Limits {
            max_time: Duration::ZERO,
            ..Limits::default()
        };
        let engine = Engine::new(&Url::parse("http://127.0.0.1:9/").unwrap(), limits).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let r = rt.block_on(engine.send(&Req::new("GET", "http://127.0.0.1:9/a")));
        assert_eq!(r, Err(Refused::Deadline));
        assert!(engine.stop_reason().unwrap().contains("--max-time"));
    }

    #[test]
    fn origins() {
        let u = Url::parse("http://LOCALHOST:80/x").unwrap();
        let o = Origin::of(&u).unwrap();
        assert_eq!(o.port, 80);
        assert!(o.is_loopback());
        let e = Engine::new(
            &Url::parse("http://127.0.0.1:9/").unwrap(),
            Limits::default(),
        )
        .unwrap();
        assert!(e.same_origin("http://127.0.0.1:9/a"));
        assert!(!e.same_origin("http://127.0.0.1:10/a"));
        assert!(!e.same_origin("https://127.0.0.1:9/a"));
        assert!(!e.same_origin("http://evil.example:9/a"));
    }
}
