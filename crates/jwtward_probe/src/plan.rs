//! Planning: which operations of the spec are tested, how (parameters, credential channel,
//! body), and which are not, with the reason.
//!
//! Safety first: by default only GET/HEAD/OPTIONS operations are sent, and never one whose
//! path, `operationId` or summary carries a destructive word ([`DESTRUCTIVE_WORDS`], plus
//! `--skip-destructive`), whatever its method. With `--unsafe-methods` an unsafe operation
//! is sent only when the spec proves the request invalid (`{}` against a body with a
//! required field, or a required query parameter left out): FastAPI then answers 422 after
//! authentication and before the handler runs. Header parameters named in
//! [`FORBIDDEN_SPEC_HEADERS`] are never taken from the spec; values with CR/LF are refused.
//!
//! Path and query parameters are filled, in order, with values harvested from earlier
//! answers of the same API ([`Harvest`]), values of the token's claims, the spec's
//! example/default/enum, then a placeholder of the declared type.

use crate::context::error;
use crate::http::Req;
use crate::openapi::{Credential, FORBIDDEN_SPEC_HEADERS, Operation, Param, ParamIn, ParamKind};
use jwtward_report::ErrorEntry;
use serde_json::Value;
use std::collections::BTreeSet;

/// Words that make an operation destructive-looking, whatever its method.
pub const DESTRUCTIVE_WORDS: &[&str] = &[
    "delete",
    "del",
    "remove",
    "rm",
    "purge",
    "wipe",
    "drop",
    "truncate",
    "reset",
    "clear",
    "destroy",
    "revoke",
    "logout",
    "signout",
    "shutdown",
    "restart",
    "reboot",
    "run",
    "execute",
    "exec",
    "send",
    "pay",
    "transfer",
    "kill",
    "flush",
    "erase",
    "terminate",
    "cancel",
    "disable",
    "deactivate",
    "ban",
    "unsubscribe",
];

/// Cookie names the token is tried in, besides `--cookie-name` and the spec's.
pub const COMMON_COOKIES: &[&str] = &[
    "access_token",
    "auth_token",
    "token",
    "jwt",
    "Authorization",
    "authorization",
    "session",
    "sessionid",
    "auth",
    "id_token",
    "accessToken",
    "authToken",
    "jwt_token",
    "jwtToken",
    "bearer",
    "access-token",
    "auth-token",
    "user_token",
    "api_token",
    "sid",
];

/// Query parameter names the token is tried in.
pub const COMMON_QUERY: &[&str] = &[
    "token",
    "access_token",
    "jwt",
    "auth",
    "id_token",
    "api_key",
    "apikey",
    "auth_token",
];

/// Parameter names that carry a credential: a declared one becomes a channel.
pub fn is_credential_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    [
        "token",
        "access_token",
        "jwt",
        "auth",
        "api_key",
        "apikey",
        "auth_token",
        "id_token",
        "bearer",
        "authorization",
    ]
    .contains(&n.as_str())
}

/// Cookie parameter names that carry a credential: the plain credential names, and compound
/// ones that end like a token (`cookie_access_token`, `session_token`, `app_jwt`), but no
/// CSRF token. A declared one is a documented channel (not `token-in-cookie-accepted`).
pub fn is_credential_cookie_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    is_credential_name(&n)
        || ((n.ends_with("_token") || n.ends_with("_jwt") || n.ends_with("accesstoken"))
            && !n.contains("csrf")
            && !n.contains("xsrf"))
}

/// One endpoint under test: a spec operation made concrete.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub method: String,
    pub path: String,
    pub url: String,
    pub body: Option<String>,
    pub headers: Vec<(String, String)>,
    pub channel: Credential,
    pub secured: bool,
    pub declared: BTreeSet<Credential>,
    /// Sent only because `--unsafe-methods` and the spec proves the request invalid: the
    /// valid answer must be 422, and the valid token is sent once.
    pub unsafe_op: bool,
    /// The operation has path parameters (it gets a "missing id" baseline).
    pub templated: bool,
    /// The URL with ids that cannot exist, for the "missing id" baseline.
    pub missing_url: Option<String>,
    /// Where each path parameter's value came from (`harvested from GET /items`, ...).
    pub filled: Vec<String>,
    /// The word before the token in `Authorization` (`Bearer`).
    pub auth_scheme: String,
}

impl Endpoint {
    /// A request carrying `token` (if any) in `channel`.
    pub fn request(&self, token: Option<&str>, channel: &Credential) -> Req {
        let mut url = self.url.clone();
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
            .filter(|(n, _)| !matches!(channel, Credential::Header(h) if h.eq_ignore_ascii_case(n)))
            .cloned()
            .collect();
        if let Some(t) = token {
            match channel {
                Credential::Authorization => {
                    headers.push(("Authorization".into(), format!("{} {t}", self.auth_scheme)))
                }
                Credential::Header(n) => headers.push((n.clone(), t.to_string())),
                Credential::Cookie(n) => headers.push(("Cookie".into(), format!("{n}={t}"))),
                Credential::Query(n) => add_query(&mut url, n, t),
            }
        }
        Req {
            method: self.method.clone(),
            url,
            headers,
            body: self.body.clone(),
        }
    }
}

pub fn add_query(url: &mut String, name: &str, value: &str) {
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str(&format!(
        "{}={}",
        crate::openapi::encode_component(name),
        crate::openapi::encode_component(value)
    ));
}

/// What the planner needs from the command line.
pub struct PlanOptions<'a> {
    pub origin: &'a str,
    pub prefix: &'a str,
    pub unsafe_methods: bool,
    pub skip_destructive: &'a [String],
    pub user_headers: &'a [(String, String)],
    pub nonce: &'a str,
    /// The word before the token in `Authorization` (`Bearer`; `Token` for some APIs).
    pub auth_scheme: &'a str,
}

/// The words of a path, operationId or summary: split at non-alphanumerics and camelCase.
pub fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Why `op` looks destructive (the word and where it was seen), or `None`.
pub fn destructive_reason(op: &Operation, extra: &[String]) -> Option<String> {
    let path: String = op
        .path
        .split('/')
        .filter(|s| !s.starts_with('{'))
        .collect::<Vec<_>>()
        .join("/");
    let sources = [
        ("path", Some(path.as_str())),
        ("operationId", op.operation_id.as_deref()),
        ("summary", op.summary.as_deref()),
    ];
    let extra_words: Vec<String> = extra
        .iter()
        .filter(|p| !is_glob(p))
        .map(|p| p.to_lowercase())
        .collect();
    for (what, text) in sources {
        let Some(text) = text else { continue };
        for w in words(text) {
            if DESTRUCTIVE_WORDS.contains(&w.as_str()) || extra_words.contains(&w) {
                return Some(format!("its {what} has the word `{w}`"));
            }
        }
    }
    for p in extra.iter().filter(|p| is_glob(p)) {
        if let Ok(g) = globset::GlobBuilder::new(p)
            .literal_separator(false)
            .case_insensitive(true)
            .build()
            && g.compile_matcher().is_match(&op.path)
        {
            return Some(format!("its path matches --skip-destructive `{p}`"));
        }
    }
    None
}

fn is_glob(p: &str) -> bool {
    p.contains(['/', '*', '?', '['])
}

/// The result of planning: endpoints to test and the operations left out, with reasons.
pub struct Plan {
    /// Endpoints without path parameters (tested first: their answers are harvested).
    pub plain: Vec<(Operation, Endpoint)>,
    /// Endpoints with path parameters (filled after the harvest).
    pub templated: Vec<Operation>,
    pub skipped: Vec<ErrorEntry>,
}

/// Decides which operations are tested and builds their endpoints.
pub fn plan(ops: &[Operation], opts: &PlanOptions) -> Plan {
    let mut plan = Plan {
        plain: Vec::new(),
        templated: Vec::new(),
        skipped: Vec::new(),
    };
    let mut skipped_unsafe = 0usize;
    for op in ops {
        if op.method == "TRACE" {
            continue;
        }
        let safe_method = matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        let destructive = destructive_reason(op, opts.skip_destructive);
        if !safe_method || destructive.is_some() {
            let why = match &destructive {
                Some(d) => format!("it looks destructive ({d})"),
                None => format!("{} can change server state", op.method),
            };
            let reason = if !opts.unsafe_methods {
                Some(format!(
                    "not sent: {why}; --unsafe-methods sends it only when the spec proves the request invalid"
                ))
            } else if !invalid_request_possible(op) {
                Some(format!(
                    "not sent although --unsafe-methods: {why}, and the spec declares no required body field or query parameter, so any request could run the handler"
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                skipped_unsafe += 1;
                if skipped_unsafe <= 200 {
                    plan.skipped.push(error(
                        "skipped-unsafe",
                        format!("{} {}: {reason}", op.method, op.path),
                    ));
                }
                continue;
            }
        }
        if op.params.iter().any(|p| p.location == ParamIn::Path) {
            plan.templated.push(op.clone());
        } else {
            let (ep, errs) = endpoint(op, opts, &Fill::default());
            plan.skipped.extend(errs);
            plan.plain.push((op.clone(), ep));
        }
    }
    if skipped_unsafe > 200 {
        plan.skipped.push(error(
            "skipped-unsafe",
            format!(
                "{} more unsafe or destructive-looking operations not sent",
                skipped_unsafe - 200
            ),
        ));
    }
    plan
}

/// The request can be made schema-invalid: `{}` against a required body field, or a
/// required query parameter left out.
pub fn invalid_request_possible(op: &Operation) -> bool {
    op.empty_body_invalid || required_query(op).is_some()
}

fn required_query(op: &Operation) -> Option<&Param> {
    op.params
        .iter()
        .find(|p| p.location == ParamIn::Query && p.required && !is_credential_name(&p.name))
}

/// Values chosen for the path and query parameters of one operation.
#[derive(Clone, Debug, Default)]
pub struct Fill {
    /// `(param name, value, where it came from)`.
    pub values: Vec<(String, String, String)>,
}

/// Builds the endpoint of `op`; returns it with the error entries of refused headers.
pub fn endpoint(op: &Operation, opts: &PlanOptions, fill: &Fill) -> (Endpoint, Vec<ErrorEntry>) {
    let mut errs = Vec::new();
    let declared_query: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| p.location == ParamIn::Query && is_credential_name(&p.name))
        .collect();
    let mut declared = op.credentials.clone();
    for p in &declared_query {
        declared.insert(Credential::Query(p.name.clone()));
    }
    for p in op
        .params
        .iter()
        .filter(|p| p.location == ParamIn::Cookie && is_credential_cookie_name(&p.name))
    {
        declared.insert(Credential::Cookie(p.name.clone()));
    }
    let channel = if declared.is_empty() || declared.contains(&Credential::Authorization) {
        Credential::Authorization
    } else {
        declared
            .iter()
            .next()
            .cloned()
            .unwrap_or(Credential::Authorization)
    };
    let mut headers: Vec<(String, String)> = opts.user_headers.to_vec();
    for (n, v) in op.required_headers() {
        if n.contains(['\r', '\n']) || v.contains(['\r', '\n']) {
            errs.push(error(
                "spec-header-refused",
                format!(
                    "{} {}: the header parameter `{}` has a CR/LF in its name or example: not sent",
                    op.method,
                    op.path,
                    n.escape_debug()
                ),
            ));
            continue;
        }
        // The header that carries the token (an apiKey scheme, `X-Token: str = Header()`):
        // the channel fills it; a placeholder there would be a garbage token sent first.
        let is_channel = declared
            .iter()
            .any(|c| matches!(c, Credential::Header(h) if h.eq_ignore_ascii_case(&n)));
        if !is_channel && !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(&n)) {
            headers.push((n, v));
        }
    }
    // A declared `Authorization` header is the credential channel itself: not an error.
    for n in op
        .forbidden_headers()
        .into_iter()
        .filter(|n| !n.eq_ignore_ascii_case("authorization"))
    {
        errs.push(error(
            "spec-header-refused",
            format!(
                "{} {}: the spec declares a `{n}` header parameter; {} are never taken from a spec",
                op.method,
                op.path,
                FORBIDDEN_SPEC_HEADERS.join("/")
            ),
        ));
    }
    let safe_method = matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS");
    let destructive = destructive_reason(op, opts.skip_destructive).is_some();
    let unsafe_op = !safe_method || destructive;
    let value_of = |p: &Param| -> String {
        fill.values
            .iter()
            .find(|(n, _, _)| n == &p.name)
            .map(|(_, v, _)| v.clone())
            .unwrap_or_else(|| p.sample.clone())
    };
    let mut path = op.path.clone();
    let mut missing = op.path.clone();
    let mut filled = Vec::new();
    for p in op.params.iter().filter(|p| p.location == ParamIn::Path) {
        let v = value_of(p);
        path = path.replace(
            &format!("{{{}}}", p.name),
            &crate::openapi::encode_component(&v),
        );
        missing = missing.replace(
            &format!("{{{}}}", p.name),
            &crate::openapi::encode_component(&missing_value(p.kind, opts.nonce)),
        );
        let from = fill
            .values
            .iter()
            .find(|(n, _, _)| n == &p.name)
            .map(|(_, _, f)| f.clone())
            .unwrap_or_else(|| {
                if p.from_spec {
                    "the spec's example".into()
                } else {
                    "a placeholder".into()
                }
            });
        filled.push(format!("`{}` = `{v}` ({from})", p.name));
    }
    // Required query parameters, except the credential ones (the channel fills those) and,
    // for an unsafe operation without a body check, the one left out on purpose.
    let omit = if unsafe_op && !op.empty_body_invalid {
        required_query(op).map(|p| p.name.clone())
    } else {
        None
    };
    let query: Vec<String> = op
        .params
        .iter()
        .filter(|p| p.location == ParamIn::Query && p.required && !is_credential_name(&p.name))
        .filter(|p| Some(&p.name) != omit.as_ref())
        .map(|p| {
            format!(
                "{}={}",
                crate::openapi::encode_component(&p.name),
                crate::openapi::encode_component(&value_of(p))
            )
        })
        .collect();
    let qs = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    let body = if unsafe_op && op.empty_body_invalid {
        headers.push(("Content-Type".into(), "application/json".into()));
        Some("{}".to_string())
    } else {
        None
    };
    let templated = op.params.iter().any(|p| p.location == ParamIn::Path);
    let ep = Endpoint {
        method: op.method.clone(),
        path: op.path.clone(),
        url: normalize(&format!("{}{}{path}{qs}", opts.origin, opts.prefix)),
        body,
        headers,
        channel,
        secured: op.secured,
        declared,
        unsafe_op,
        templated,
        missing_url: templated
            .then(|| normalize(&format!("{}{}{missing}{qs}", opts.origin, opts.prefix))),
        filled,
        auth_scheme: opts.auth_scheme.to_string(),
    };
    (ep, errs)
}

/// The URL as `url` would serialise it (non-ASCII percent-encoded), so every later step
/// works on one form.
fn normalize(u: &str) -> String {
    reqwest::Url::parse(u)
        .map(|x| x.to_string())
        .unwrap_or_else(|_| u.to_string())
}

/// A value of `kind` that names no existing object.
pub fn missing_value(kind: ParamKind, nonce: &str) -> String {
    match kind {
        ParamKind::Integer => "2147483646".to_string(),
        ParamKind::Uuid => format!("ffffffff-ffff-4fff-bfff-{}", &format!("{nonce:0>12}")[..12]),
        ParamKind::Text => format!("jwtward-missing-{nonce}"),
    }
}

/// Values seen in answers of the API: ids, UUIDs, slugs, names, `Location` headers.
#[derive(Debug, Default)]
pub struct Harvest {
    /// `(key, value, source route)`, in the order seen.
    pub values: Vec<(String, String, String)>,
}

const MAX_HARVEST: usize = 2000;

pub fn looks_like_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn id_like_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    k == "id"
        || k.ends_with("_id")
        || k.ends_with("id") && k.len() <= 12
        || [
            "uuid", "slug", "key", "name", "username", "email", "code", "login", "handle", "sub",
            "uid",
        ]
        .contains(&k.as_str())
}

impl Harvest {
    /// Collects the values of a 2xx JSON answer of `route` and its `Location` header.
    pub fn collect(&mut self, route: &str, resp: &crate::http::Resp) {
        if !(200..400).contains(&resp.status) {
            return;
        }
        if let Some(loc) = resp.header("location")
            && let Some(seg) = loc
                .split(['?', '#'])
                .next()
                .and_then(|p| p.rsplit('/').next())
            && !seg.is_empty()
        {
            self.push("location", seg, route);
        }
        if resp.truncated {
            return;
        }
        if let Ok(v) = serde_json::from_slice::<Value>(&resp.body) {
            self.walk(&v, route, 0);
        }
    }

    fn push(&mut self, key: &str, value: &str, route: &str) {
        if self.values.len() >= MAX_HARVEST || value.is_empty() || value.len() > 200 {
            return;
        }
        if !self.values.iter().any(|(k, v, _)| k == key && v == value) {
            self.values
                .push((key.to_string(), value.to_string(), route.to_string()));
        }
    }

    fn walk(&mut self, v: &Value, route: &str, depth: usize) {
        if depth > 8 || self.values.len() >= MAX_HARVEST {
            return;
        }
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::String(s) if id_like_key(k) || looks_like_uuid(s) => {
                            self.push(k, s, route)
                        }
                        Value::Number(n) if id_like_key(k) => self.push(k, &n.to_string(), route),
                        Value::Object(_) | Value::Array(_) => self.walk(x, route, depth + 1),
                        _ => {}
                    }
                }
            }
            Value::Array(a) => {
                for x in a.iter().take(50) {
                    self.walk(x, route, depth + 1);
                }
            }
            _ => {}
        }
    }

    /// User names and e-mails seen (escalation candidates).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .filter(|(k, _, _)| {
                matches!(
                    k.to_ascii_lowercase().as_str(),
                    "username" | "login" | "email" | "handle"
                )
            })
            .map(|(_, v, _)| v.as_str())
    }

    /// The best harvested value for `p` on the operation at `path`, with its source.
    pub fn pick(&self, p: &Param, path: &str) -> Option<(String, String)> {
        let name = p.name.to_ascii_lowercase();
        let stem = name
            .trim_end_matches("_id")
            .trim_end_matches("id")
            .trim_end_matches('_')
            .to_string();
        // The path segment before `{param}` (`/items/{item_id}` -> `items`).
        let before = path
            .split(&format!("{{{}}}", p.name))
            .next()
            .and_then(|s| s.trim_end_matches('/').rsplit('/').next())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut best: Option<(i32, &(String, String, String))> = None;
        for entry in &self.values {
            let (k, v, src) = entry;
            let fits = match p.kind {
                ParamKind::Integer => v.bytes().all(|b| b.is_ascii_digit()),
                ParamKind::Uuid => looks_like_uuid(v),
                ParamKind::Text => true,
            };
            if !fits {
                continue;
            }
            let k = k.to_ascii_lowercase();
            let mut score = 0;
            if k == name {
                score += 4;
            }
            if !stem.is_empty() && (k.starts_with(&stem) || k == "id" && before.starts_with(&stem))
            {
                score += 2;
            }
            if k == "id" {
                score += 1;
            }
            if !before.is_empty() && src.ends_with(&format!("/{before}")) {
                score += 2;
            }
            if p.kind == ParamKind::Uuid {
                score += 1;
            }
            if score > 0 && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, entry));
            }
        }
        best.map(|(_, (k, v, src))| (v.clone(), format!("harvested from `{k}` of {src}")))
    }
}

/// A claim value for a parameter that names the caller (`user_id`, `username`, ...).
pub fn from_claims(p: &Param, claims: Option<&Value>) -> Option<(String, String)> {
    let claims = claims?.as_object()?;
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let fits = |v: &str| match p.kind {
        ParamKind::Integer => v.bytes().all(|b| b.is_ascii_digit()),
        ParamKind::Uuid => looks_like_uuid(v),
        ParamKind::Text => true,
    };
    if let Some(v) = claims.get(&p.name).and_then(scalar)
        && fits(&v)
    {
        return Some((v, format!("the token's `{}` claim", p.name)));
    }
    let n = p.name.to_ascii_lowercase();
    if [
        "user_id",
        "userid",
        "uid",
        "user",
        "username",
        "owner",
        "owner_id",
        "account_id",
        "email",
        "sub",
        "me",
    ]
    .contains(&n.as_str())
    {
        for c in ["sub", "uid", "user_id", "username", "email"] {
            if let Some(v) = claims.get(c).and_then(scalar)
                && fits(&v)
            {
                return Some((v, format!("the token's `{c}` claim")));
            }
        }
    }
    None
}

/// Fills the path and query parameters of `op`: harvested, then claims, then the spec.
pub fn fill(op: &Operation, harvest: &Harvest, claims: Option<&Value>) -> Fill {
    let mut f = Fill::default();
    for p in op
        .params
        .iter()
        .filter(|p| p.location == ParamIn::Path || p.location == ParamIn::Query && p.required)
    {
        if let Some((v, src)) = harvest.pick(p, &op.path).or_else(|| from_claims(p, claims)) {
            f.values.push((p.name.clone(), v, src));
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::parse_spec;

    /// Default-mode options against `http://h`.
    fn test_options() -> PlanOptions<'static> {
        PlanOptions {
            origin: "http://h",
            prefix: "",
            unsafe_methods: false,
            skip_destructive: &[],
            user_headers: &[],
            nonce: "n",
            auth_scheme: "Bearer",
        }
    }

    fn op(method: &str, path: &str, id: Option<&str>, summary: Option<&str>) -> Operation {
        Operation {
            method: method.into(),
            path: path.into(),
            params: Vec::new(),
            has_body: false,
            secured: true,
            credentials: BTreeSet::new(),
            operation_id: id.map(str::to_string),
            summary: summary.map(str::to_string),
            empty_body_invalid: false,
        }
    }

    #[test]
    fn compound_cookie_names_that_end_like_a_token_are_credentials() {
        for n in [
            "cookie_access_token",
            "session_token",
            "app-jwt",
            "access_token",
            "token",
        ] {
            assert!(is_credential_cookie_name(n), "{n}");
        }
        for n in ["csrf_token", "XSRF-TOKEN", "theme", "page"] {
            assert!(!is_credential_cookie_name(n), "{n}");
        }
    }

    #[test]
    fn destructive_words_whatever_the_method() {
        assert!(destructive_reason(&op("GET", "/del_items", None, None), &[]).is_some());
        assert!(
            destructive_reason(&op("GET", "/maintenance/purge-sessions", None, None), &[])
                .is_some()
        );
        assert!(destructive_reason(&op("GET", "/x", Some("wipeAll"), None), &[]).is_some());
        assert!(destructive_reason(&op("GET", "/x", None, Some("Log out")), &[]).is_none());
        assert!(destructive_reason(&op("GET", "/x", None, Some("Logout user")), &[]).is_some());
        assert!(destructive_reason(&op("GET", "/items/{item_id}", None, None), &[]).is_none());
        assert!(destructive_reason(&op("GET", "/runs", None, None), &[]).is_none());
        assert!(destructive_reason(&op("GET", "/archive", None, None), &[]).is_none());
        let extra = vec!["archive".to_string(), "/ops/*".to_string()];
        assert!(destructive_reason(&op("GET", "/archive", None, None), &extra).is_some());
        assert!(destructive_reason(&op("GET", "/ops/rotate", None, None), &extra).is_some());
        assert_eq!(words("purgeSessions_now"), vec!["purge", "sessions", "now"]);
    }

    #[test]
    fn a_header_credential_is_not_filled_with_a_placeholder() {
        let doc = r##"{"openapi": "3.0.3",
          "components": {"securitySchemes": {"s": {"type": "apiKey", "in": "header", "name": "x-session-token"}}},
          "paths": {"/m": {"get": {"security": [{"s": []}], "parameters": [
            {"name": "x-session-token", "in": "header", "required": true, "schema": {"type": "string"}},
            {"name": "x-tenant", "in": "header", "required": true, "schema": {"type": "string"}}]}}}}"##;
        let spec = parse_spec(doc, "t").unwrap();
        let opts = test_options();
        let p = plan(&spec.operations, &opts);
        let (_, ep) = &p.plain[0];
        assert_eq!(ep.channel, Credential::Header("x-session-token".into()));
        let req = ep.request(Some("tok"), &ep.channel);
        let sent: Vec<&(String, String)> = req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("x-session-token"))
            .collect();
        assert_eq!(
            sent,
            vec![&("x-session-token".to_string(), "tok".to_string())]
        );
        assert!(req.headers.iter().any(|(n, _)| n == "x-tenant"));
        let none = ep.request(None, &ep.channel);
        assert!(
            !none
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("x-session-token"))
        );
    }

    #[test]
    fn unsafe_operations_need_a_provably_invalid_request() {
        let doc = r##"{"openapi": "3.0.3", "paths": {
          "/items": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["name"]}}}}}},
          "/sessions": {"delete": {}},
          "/profile": {"patch": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}},
          "/del_items": {"get": {"parameters": [{"name": "confirm", "in": "query", "required": true, "schema": {"type": "boolean"}}]}},
          "/purge": {"get": {}},
          "/list": {"get": {}}}}"##;
        let spec = parse_spec(doc, "t").unwrap();
        let opts = |unsafe_methods| PlanOptions {
            origin: "http://h",
            prefix: "",
            unsafe_methods,
            skip_destructive: &[],
            user_headers: &[],
            nonce: "n",
            auth_scheme: "Bearer",
        };
        let p = plan(&spec.operations, &opts(false));
        assert_eq!(p.plain.len(), 1, "only GET /list");
        assert_eq!(p.skipped.len(), 5);
        let p = plan(&spec.operations, &opts(true));
        let sent: Vec<String> = p
            .plain
            .iter()
            .map(|(_, e)| format!("{} {}", e.method, e.url))
            .collect();
        assert!(
            sent.contains(&"POST http://h/items".to_string()),
            "{sent:?}"
        );
        assert!(
            sent.contains(&"GET http://h/del_items".to_string()),
            "{sent:?}"
        );
        assert!(sent.contains(&"GET http://h/list".to_string()), "{sent:?}");
        assert_eq!(sent.len(), 3, "{sent:?}");
        assert!(
            p.skipped
                .iter()
                .any(|e| e.message.contains("DELETE /sessions"))
        );
        assert!(
            p.skipped
                .iter()
                .any(|e| e.message.contains("PATCH /profile"))
        );
        assert!(p.skipped.iter().any(|e| e.message.contains("GET /purge")));
        let post = &p.plain.iter().find(|(_, e)| e.method == "POST").unwrap().1;
        assert_eq!(post.body.as_deref(), Some("{}"));
        assert!(post.unsafe_op);
    }

    #[test]
    fn harvested_ids_beat_placeholders() {
        let mut h = Harvest::default();
        let resp = crate::http::Resp {
            status: 200,
            body: br#"[{"id": "3f2b8c9e-1d4a-4b6e-9f0a-2c5d7e8f9a1b", "title": "a"}, {"owner_id": 7}]"#.to_vec(),
            ..Default::default()
        };
        h.collect("GET /notes", &resp);
        let p = Param {
            name: "note_id".into(),
            location: ParamIn::Path,
            required: true,
            sample: "00000000-0000-4000-8000-000000000001".into(),
            from_spec: false,
            kind: ParamKind::Uuid,
        };
        let (v, src) = h.pick(&p, "/notes/{note_id}").unwrap();
        assert_eq!(v, "3f2b8c9e-1d4a-4b6e-9f0a-2c5d7e8f9a1b");
        assert!(src.contains("GET /notes"), "{src}");
        let int = Param {
            name: "owner_id".into(),
            kind: ParamKind::Integer,
            ..p.clone()
        };
        assert_eq!(h.pick(&int, "/owners/{owner_id}").unwrap().0, "7");
        let user = Param {
            name: "user_id".into(),
            kind: ParamKind::Text,
            ..p
        };
        let claims = serde_json::json!({"sub": "alice", "uid": "u-1"});
        assert_eq!(from_claims(&user, Some(&claims)).unwrap().0, "alice");
    }

    #[test]
    fn non_ascii_paths_are_normalised() {
        let spec = parse_spec(
            r#"{"openapi": "3.0.3", "paths": {"/éééé": {"get": {}}}}"#,
            "t",
        )
        .unwrap();
        let opts = test_options();
        let p = plan(&spec.operations, &opts);
        assert_eq!(p.plain[0].1.url, "http://h/%C3%A9%C3%A9%C3%A9%C3%A9");
    }
}
