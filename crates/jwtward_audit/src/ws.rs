//! WebSocket routes: the handshake only. Each route of the source's table is opened three
//! times — without a token, with a garbage token, and with the audit's valid token when it
//! has one — placed where the source reads it (its query, header and cookie names; else
//! `Authorization` and `?token=`). Success is `101 Switching Protocols` with the socket
//! left open: a `101` followed at once by a close frame is a refusal after `accept()`, and
//! so is the `403` uvicorn answers when the handler closes before accepting. No message is
//! sent; every socket is closed by the audit.

use crate::spec::{self, route_key};
use jwtward_fastapi::{Auth, RouteInfo};
use jwtward_report::{Evidence, Finding, RuleMeta, Severity};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub static WEBSOCKET_MISSING_AUTH: RuleMeta = RuleMeta {
    name: "websocket-missing-auth",
    severity: Severity::High,
    cwe: &[306],
    summary: "A WebSocket route completes the handshake without a token.",
    explanation: "The route's source reads a token (or its siblings require one), but the \
handshake without any credential is answered 101 and the socket stays open: anyone can \
connect and receive what the socket sends.",
    remediation: "Authenticate before `websocket.accept()`: read the token, verify it, and \
close with code 1008 (or raise WebSocketException) when it is missing or invalid.",
    example: "@app.websocket(\"/feed\")\nasync def feed(ws: WebSocket, user=Depends(optional_user)):\n    await ws.accept()  # user may be None",
    fixed_example: "def ws_user(token: str | None = Query(None)):\n    if token is None:\n        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION)\n    return verify(token)\n\n@app.websocket(\"/feed\")\nasync def feed(ws: WebSocket, user=Depends(ws_user)):\n    await ws.accept()",
};

pub static WEBSOCKET_INVALID_TOKEN: RuleMeta = RuleMeta {
    name: "websocket-invalid-token-accepted",
    severity: Severity::High,
    cwe: &[287],
    summary: "A WebSocket route completes the handshake with a garbage token.",
    explanation: "A token that is not a valid JWT is accepted at the handshake: the route \
checks that a token is present, or swallows the decode error and goes on.",
    remediation: "Verify the token's signature and claims before `accept()`, and close \
the socket when verification fails.",
    example: "try:\n    claims = jwt.decode(token, KEY, algorithms=[\"HS256\"])\nexcept jwt.PyJWTError:\n    claims = {}\nawait ws.accept()",
    fixed_example: "try:\n    claims = jwt.decode(token, KEY, algorithms=[\"HS256\"])\nexcept jwt.PyJWTError:\n    await ws.close(code=status.WS_1008_POLICY_VIOLATION)\n    return\nawait ws.accept()",
};

/// The rules this module reports.
pub static RULES: &[&RuleMeta] = &[&WEBSOCKET_MISSING_AUTH, &WEBSOCKET_INVALID_TOKEN];

const GARBAGE: &str =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJqd3R3YXJkIn0.bm90LWEtc2lnbmF0dXJl";
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// What one handshake got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shake {
    pub status: u16,
    /// The close code of a close frame received right after the 101 (0 when it had none).
    pub closed: Option<u16>,
}

impl Shake {
    /// 101 and the socket still open.
    pub fn open(&self) -> bool {
        self.status == 101 && self.closed.is_none()
    }

    pub fn describe(&self) -> String {
        match (self.status, self.closed) {
            (101, None) => "101, socket open".into(),
            (101, Some(0)) => "101, then closed at once".into(),
            (101, Some(c)) => format!("101, then closed at once with code {c}"),
            (s, _) => format!("{s} (handshake refused)"),
        }
    }
}

/// One handshake on 127.0.0.1:`port`.
pub fn handshake(
    port: u16,
    target: &str,
    headers: &[(String, String)],
    timeout: Duration,
) -> std::io::Result<Shake> {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let mut req = format!(
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n"
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    // The status line and headers.
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > 64 * 1024 {
            return Err(std::io::Error::other("handshake answer too long"));
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            if buf.is_empty() {
                return Err(std::io::Error::other("connection closed without an answer"));
            }
            break buf.len();
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buf[..head_end]);
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP answer"))?;
    if status != 101 {
        return Ok(Shake {
            status,
            closed: None,
        });
    }
    // A close frame sent right after the accept: a refusal.
    let mut rest = buf[head_end..].to_vec();
    s.set_read_timeout(Some(Duration::from_millis(700)))?;
    while rest.len() < 4 {
        match s.read(&mut chunk) {
            Ok(0) => {
                if rest.is_empty() {
                    // The server dropped the connection after the 101.
                    return Ok(Shake {
                        status,
                        closed: Some(0),
                    });
                }
                break;
            }
            Ok(n) => rest.extend_from_slice(&chunk[..n]),
            Err(_) => break, // nothing more within the wait: the socket is open
        }
    }
    let closed = match rest.as_slice() {
        [b0, b1, c0, c1, ..] if b0 & 0x0f == 0x8 && b1 & 0x7f >= 2 => {
            Some(u16::from_be_bytes([*c0, *c1]))
        }
        [b0, ..] if b0 & 0x0f == 0x8 => Some(0),
        _ => None,
    };
    // Close politely (a masked close frame, code 1000), then drop the connection.
    let _ = s.write_all(&[0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2]);
    Ok(Shake { status, closed })
}

/// The request target and headers that carry `token` for route `r`.
fn placed(r: &RouteInfo, target: &str, token: Option<&str>) -> (String, Vec<(String, String)>) {
    let Some(t) = token else {
        return (target.to_string(), Vec::new());
    };
    let mut url = target.to_string();
    let mut headers = Vec::new();
    let mut cookies = Vec::new();
    let mut add_query = |n: &str| {
        let sep = if url.contains('?') { '&' } else { '?' };
        url.push_str(&format!("{sep}{n}={t}"));
    };
    if r.token_sources.is_empty() {
        headers.push(("Authorization".to_string(), format!("Bearer {t}")));
        add_query("token");
    }
    for (k, n) in &r.token_sources {
        match k.as_str() {
            "query" => add_query(n),
            "cookie" => cookies.push(format!("{n}={t}")),
            _ if n.eq_ignore_ascii_case("authorization") => {
                headers.push(("Authorization".to_string(), format!("Bearer {t}")))
            }
            _ => headers.push((n.replace('_', "-"), t.to_string())),
        }
    }
    // A token parameter of the handler (`token: str = Query(...)`) the summaries missed.
    for p in &r.params {
        if p.location == "query"
            && p.name.to_ascii_lowercase().contains("token")
            && !url.contains(&format!("{}=", p.name))
        {
            let sep = if url.contains('?') { '&' } else { '?' };
            url.push_str(&format!("{sep}{}={t}", p.name));
        }
    }
    if !cookies.is_empty() {
        headers.push(("Cookie".to_string(), cookies.join("; ")));
    }
    (url, headers)
}

fn curl(base: &str, target: &str, headers: &[(String, String)]) -> String {
    let hs: String = headers
        .iter()
        .map(|(n, v)| format!(" -H '{n}: {v}'"))
        .collect();
    format!(
        "curl -sS -i --http1.1 -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: {KEY}'{hs} '{base}{target}'"
    )
}

/// What the WebSocket checks did.
#[derive(Debug, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    /// Route keys handshaken.
    pub tested: BTreeSet<(String, String)>,
    /// Per route key: what each handshake got.
    pub evidence: BTreeMap<(String, String), String>,
    /// Routes whose handshake opens with the valid token and is refused without one, with
    /// the curl of the valid handshake.
    pub valid_only: BTreeMap<(String, String), String>,
    pub requests: usize,
}

/// Handshakes on every WebSocket route of `routes`. `expect_auth`: route keys the scan
/// reports as unprotected (their siblings require a token).
pub fn check(
    port: u16,
    base: &str,
    routes: &[RouteInfo],
    token: Option<&str>,
    expect_auth: &BTreeSet<(String, String)>,
    timeout: Duration,
) -> Checked {
    let mut out = Checked::default();
    for r in routes
        .iter()
        .filter(|r| r.methods.iter().any(|m| m == "WEBSOCKET"))
    {
        let key = route_key("WEBSOCKET", &r.path);
        if !out.tested.insert(key.clone()) {
            continue;
        }
        let target = spec::sample_target(r);
        let mut sent = 0;
        let mut shake = |tok: Option<&str>| {
            let (t, h) = placed(r, &target, tok);
            sent += 1;
            let s = handshake(port, &t, &h, timeout);
            (t, h, s)
        };
        let (t0, h0, none) = shake(None);
        let (t1, h1, garbage) = shake(Some(GARBAGE));
        let valid = token.map(|t| shake(Some(t)));
        out.requests += sent;
        let show = |s: &std::io::Result<Shake>| match s {
            Ok(s) => s.describe(),
            Err(e) => format!("no answer ({e})"),
        };
        let mut baselines = BTreeMap::new();
        baselines.insert("no-credentials".to_string(), show(&none));
        baselines.insert("garbage".to_string(), show(&garbage));
        if let Some((_, _, v)) = &valid {
            baselines.insert("valid".to_string(), show(v));
        }
        out.evidence.insert(
            key.clone(),
            baselines
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("; "),
        );
        let (Ok(none), Ok(garbage)) = (none, garbage) else {
            out.tested.remove(&key);
            continue;
        };
        if let Some((t, h, Ok(v))) = &valid
            && v.open()
            && !none.open()
            && !garbage.open()
        {
            out.valid_only.insert(key.clone(), curl(base, t, h));
        }
        let expects_auth = !r.token_sources.is_empty()
            || matches!(r.auth, Auth::Protected | Auth::FailOpen | Auth::Optional)
            || expect_auth.contains(&key);
        if !expects_auth {
            continue;
        }
        let found = if none.open() {
            Some((&WEBSOCKET_MISSING_AUTH, t0, h0, none, "without a token"))
        } else if garbage.open() {
            Some((
                &WEBSOCKET_INVALID_TOKEN,
                t1,
                h1,
                garbage,
                "with a garbage token",
            ))
        } else {
            None
        };
        if let Some((meta, t, h, s, how)) = found {
            let mut f = Finding::new(
                meta,
                format!(
                    "WEBSOCKET {}: the handshake {how} is accepted ({})",
                    r.path,
                    s.describe()
                ),
            )
            .with_route("WEBSOCKET", r.path.clone());
            f.url = Some(format!("{base}{t}"));
            f.evidence = Some(Evidence {
                request: format!(
                    "GET {t} (WebSocket upgrade){}",
                    h.iter()
                        .map(|(n, v)| format!(", {n}: {v}"))
                        .collect::<String>()
                ),
                status: s.status,
                body_excerpt: String::new(),
                baselines,
            });
            f.curl = Some(curl(base, &t, &h));
            out.findings.push(f);
        }
    }
    out
}
