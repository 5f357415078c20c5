//! The OpenAPI document the probe is given: the app's own (when it serves one) completed from
//! the static route table.
//!
//! - Routes the source declares but the document lacks (`include_in_schema=False`, plain
//!   Starlette routes, routes of mounted sub-apps) are added, with their path parameters.
//! - Routes the static model reports as missing authentication (`unprotected-route`) get a
//!   security requirement: the source's siblings say a token is expected there, so the
//!   probe's `missing-auth` check applies to them.
//! - WebSocket routes are left out (the probe speaks HTTP only; [`crate::ws`] does their
//!   handshakes), and so are operations whose
//!   path looks destructive (`/del_items`, `/reset`...) unless `--unsafe-methods` is given:
//!   a GET that deletes is still a delete.

use jwtward_fastapi::RouteInfo;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// Words that make an operation look destructive, whatever its method.
const DESTRUCTIVE: &[&str] = &[
    "del", "delete", "remove", "drop", "wipe", "purge", "reset", "destroy", "truncate", "clear",
    "flush", "erase", "kill", "shutdown", "logout",
];

/// The security scheme name used for requirements the source implies.
pub const SOURCE_SCHEME: &str = "jwtward-source";

pub fn looks_destructive(path: &str) -> bool {
    path.split('/')
        .filter(|s| !s.starts_with('{'))
        .flat_map(|s| s.split(['-', '_', '.']))
        .any(|w| DESTRUCTIVE.contains(&w.to_ascii_lowercase().as_str()))
}

/// `{id:int}` (Starlette convertors) -> `{id}`.
pub fn template(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    let mut skip = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                skip = false;
                out.push(c);
            }
            '}' => {
                in_param = false;
                skip = false;
                out.push(c);
            }
            ':' if in_param => skip = true,
            _ if skip => {}
            _ => out.push(c),
        }
    }
    out
}

/// The path as routes are compared: template form, no trailing slash, parameter names erased.
pub fn route_key(method: &str, path: &str) -> (String, String) {
    let t = template(path);
    let t = t.trim_end_matches('/');
    let mut norm = String::new();
    let mut depth = 0;
    for c in t.chars() {
        match c {
            '{' => {
                depth += 1;
                norm.push_str("{}");
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => norm.push(c),
        }
    }
    if norm.is_empty() {
        norm.push('/');
    }
    (method.to_ascii_uppercase(), norm)
}

/// What the plan did to the document.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub spec: Value,
    /// Operations added from the route table.
    pub added: Vec<(String, String)>,
    /// Operations left out, with the reason.
    pub skipped: Vec<(String, String, String)>,
    /// Every operation the probe is given (method, path), and the WebSocket routes
    /// handshaken.
    pub tested: BTreeSet<(String, String)>,
    /// What the WebSocket handshakes got, per route key.
    pub ws_evidence: std::collections::BTreeMap<(String, String), String>,
    /// WebSocket routes that open with the valid token only, with the curl.
    pub ws_valid_only: std::collections::BTreeMap<(String, String), String>,
    /// Source routes the app serves under a prefix the model did not resolve (an
    /// `include_router(prefix=settings.API_PREFIX)`): source key -> (the document's key, the
    /// prefix).
    pub alias: std::collections::BTreeMap<(String, String), ((String, String), String)>,
}

impl Plan {
    /// The key under which the probe knows a source route.
    pub fn served_key(&self, k: &(String, String)) -> (String, String) {
        self.alias
            .get(k)
            .map(|(d, _)| d.clone())
            .unwrap_or_else(|| k.clone())
    }

    /// The prefix the app serves a source route under (empty when the model knows the path).
    pub fn prefix(&self, k: &(String, String)) -> &str {
        self.alias.get(k).map(|(_, p)| p.as_str()).unwrap_or("")
    }
}

/// The one key of `have` with `key`'s method whose path ends with `key`'s path after a
/// non-empty prefix: `(GET, /api/user)` for `(GET, /user)`.
fn prefixed_match(
    have: &BTreeSet<(String, String)>,
    key: &(String, String),
) -> Option<((String, String), String)> {
    if key.1 == "/" {
        return None;
    }
    let mut found = have.iter().filter(|(m, p)| {
        *m == key.0
            && p.len() > key.1.len()
            && p.ends_with(key.1.as_str())
            && !p[..p.len() - key.1.len()].ends_with('/')
    });
    let one = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let prefix = one.1[..one.1.len() - key.1.len()].to_string();
    // A prefix with parameters cannot be written out.
    (!prefix.contains('{')).then(|| (one.clone(), prefix))
}

/// The type a Starlette convertor gives a path parameter (`{id:int}`).
fn convertor_type(path: &str, name: &str) -> Option<&'static str> {
    path.split('{').skip(1).find_map(|s| {
        let (inner, _) = s.split_once('}')?;
        let (n, conv) = inner.split_once(':')?;
        (n == name).then_some(match conv {
            "int" => "integer",
            "float" => "number",
            "uuid" => "uuid",
            _ => "string",
        })
    })
}

/// A value of type `ty` a handler accepts: the default, else the example, else a typed
/// placeholder.
pub fn sample(ty: &str, default: Option<&str>, example: Option<&str>) -> String {
    if let Some(v) = default.or(example) {
        return v.to_string();
    }
    match ty {
        "boolean" => "true",
        "uuid" => "00000000-0000-4000-8000-000000000001",
        "date-time" => "2024-01-01T00:00:00Z",
        "date" => "2024-01-01",
        _ => "1",
    }
    .to_string()
}

/// The OpenAPI schema of a parameter type, with the sample as its example.
fn schema(ty: &str, default: Option<&str>, example: Option<&str>) -> Value {
    let ex = sample(ty, default, example);
    let typed = |t: &str| -> Value {
        match t {
            "integer" => ex.parse::<i64>().map(Value::from).unwrap_or(json!(1)),
            "number" => ex.parse::<f64>().map(Value::from).unwrap_or(json!(1)),
            "boolean" => json!(ex == "true" || ex == "True"),
            _ => Value::String(ex.clone()),
        }
    };
    match ty {
        "uuid" => json!({"type": "string", "format": "uuid", "example": ex}),
        "date-time" | "date" => json!({"type": "string", "format": ty, "example": ex}),
        "array" => json!({"type": "array", "items": {"type": "string"}, "example": [ex]}),
        "integer" | "number" | "boolean" => json!({"type": ty, "example": typed(ty)}),
        _ => json!({"type": "string", "example": ex}),
    }
}

/// The type of path parameter `name` of `r`: its handler's annotation, else the Starlette
/// convertor, else `integer` (ids are the common case).
fn path_type(r: &RouteInfo, name: &str) -> &'static str {
    r.params
        .iter()
        .find(|p| p.location == "path" && p.name == name)
        .map(|p| p.ty)
        .or_else(|| convertor_type(&r.path, name))
        .unwrap_or("integer")
}

/// The parameters of an operation added from the source: the path's, typed by the
/// handler's signature, and the required query parameters.
fn route_params(r: &RouteInfo) -> Vec<Value> {
    let mut out: Vec<Value> = template(&r.path)
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
        .map(|name| {
            let ty = path_type(r, &name);
            json!({"name": name, "in": "path", "required": true, "schema": schema(ty, None, None)})
        })
        .collect();
    for p in r
        .params
        .iter()
        .filter(|p| p.location == "query" && p.required)
    {
        out.push(json!({
            "name": p.name, "in": "query", "required": true,
            "schema": schema(p.ty, p.default.as_deref(), p.example.as_deref()),
        }));
    }
    out
}

/// A concrete request target for `r`: typed path parameters and its required query
/// parameters.
pub fn sample_target(r: &RouteInfo) -> String {
    let t = template(&r.path);
    let mut out = String::new();
    let mut name = String::new();
    let mut depth = 0;
    for c in t.chars() {
        match c {
            '{' => {
                depth += 1;
                name.clear();
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    out.push_str(&sample(path_type(r, &name), None, None));
                }
            }
            _ if depth > 0 => name.push(c),
            _ => out.push(c),
        }
    }
    let query: Vec<String> = r
        .params
        .iter()
        .filter(|p| p.location == "query" && p.required)
        .map(|p| {
            format!(
                "{}={}",
                p.name,
                sample(p.ty, p.default.as_deref(), p.example.as_deref())
            )
        })
        .collect();
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query.join("&"));
    }
    out
}

/// The security scheme for a token the source reads from `(kind, name)`.
fn source_scheme(kind: &str, name: &str) -> (String, Value) {
    let name = if kind == "header" {
        name.replace('_', "-")
    } else {
        name.to_string()
    };
    (
        format!("jwtward-source-{kind}-{name}"),
        json!({"type": "apiKey", "in": kind, "name": name,
               "description": "the source reads the token here"}),
    )
}

/// The operation declares a security requirement that names a scheme.
fn declared_security(op: &Map<String, Value>) -> bool {
    op.get("security")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .any(|s| s.as_object().is_some_and(|o| !o.is_empty()))
        })
}

/// Builds the document: `live` is the app's own, `routes` the scan's table, `expect_auth`
/// the (method, path) keys the scan reports as unprotected.
pub fn build(
    live: Option<Value>,
    routes: &[RouteInfo],
    expect_auth: &BTreeSet<(String, String)>,
    unsafe_methods: bool,
) -> Plan {
    let mut plan = Plan::default();
    let mut doc = match live {
        Some(v) if v.get("paths").is_some_and(Value::is_object) => v,
        _ => {
            json!({"openapi": "3.1.0", "info": {"title": "from the source", "version": "0"}, "paths": {}})
        }
    };
    // What the document already has, by normalised key.
    let mut have: BTreeSet<(String, String)> = BTreeSet::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (p, item) in paths {
            if let Some(item) = item.as_object() {
                for m in item.keys() {
                    have.insert(route_key(m, p));
                }
            }
        }
    }
    let doc_keys = have.clone();
    let mut additions: Vec<(String, String, Value)> = Vec::new();
    for r in routes {
        for m in &r.methods {
            let key = route_key(m, &r.path);
            if m == "WEBSOCKET" {
                continue; // handshaken by `ws`, not in the document
            }
            if have.contains(&key) || m == "HEAD" {
                continue;
            }
            if let Some(a) = prefixed_match(&doc_keys, &key) {
                plan.alias.insert(key, a);
                continue;
            }
            have.insert(key);
            let mut op = json!({
                "summary": format!("from the source: {}", r.handler.clone().unwrap_or_default()),
                "parameters": route_params(r),
                "responses": {"200": {"description": "OK"}},
            });
            if !matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS") {
                op["requestBody"] =
                    json!({"content": {"application/json": {"schema": {"type": "object"}}}});
            }
            additions.push((m.to_ascii_lowercase(), template(&r.path), op));
            plan.added.push((m.clone(), r.path.clone()));
        }
    }
    let paths = doc
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .expect("paths is an object");
    for (m, p, op) in additions {
        let item = paths.entry(p).or_insert_with(|| Value::Object(Map::new()));
        if let Some(item) = item.as_object_mut() {
            item.insert(m, op);
        }
    }
    // Where the source reads the token, for routes that read one from a header other than
    // `Authorization`, a cookie or the query and never from `Authorization`: the probe
    // sends its tokens there.
    let mut source_channel: std::collections::BTreeMap<(String, String), (String, Value)> =
        Default::default();
    for r in routes {
        if r.token_sources
            .iter()
            .any(|(k, n)| k == "header" && n.eq_ignore_ascii_case("authorization"))
            || !matches!(
                r.auth,
                jwtward_fastapi::Auth::Protected
                    | jwtward_fastapi::Auth::FailOpen
                    | jwtward_fastapi::Auth::Optional
            )
        {
            continue;
        }
        if let Some((k, n)) = r.token_sources.first() {
            for m in &r.methods {
                source_channel.insert(plan.served_key(&route_key(m, &r.path)), source_scheme(k, n));
            }
        }
    }
    let expect_auth: BTreeSet<(String, String)> =
        expect_auth.iter().map(|k| plan.served_key(k)).collect();
    let mut extra_schemes: Vec<(String, Value)> = Vec::new();
    // Security the source implies, destructive-looking operations, the final list.
    let mut needs_scheme = false;
    for (p, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let methods: Vec<String> = item.keys().cloned().collect();
        for m in methods {
            if !crate::METHODS.contains(&m.as_str()) {
                continue;
            }
            let key = route_key(&m, p);
            if !unsafe_methods && looks_destructive(p) {
                item.remove(&m);
                plan.skipped.push((
                    m.to_ascii_uppercase(),
                    p.clone(),
                    "its path looks destructive (give --unsafe-methods to test it)".into(),
                ));
                continue;
            }
            if !unsafe_methods && !matches!(m.as_str(), "get" | "head" | "options") {
                plan.skipped.push((
                    m.to_ascii_uppercase(),
                    p.clone(),
                    format!("{} needs --unsafe-methods", m.to_ascii_uppercase()),
                ));
                continue;
            }
            if let Some((name, scheme)) = source_channel.get(&key)
                && let Some(op) = item.get_mut(&m).and_then(Value::as_object_mut)
                && !declared_security(op)
            {
                op.insert("security".into(), json!([{name.as_str(): []}]));
                extra_schemes.push((name.clone(), scheme.clone()));
            }
            if expect_auth.contains(&key)
                && let Some(op) = item.get_mut(&m).and_then(Value::as_object_mut)
                && !declared_security(op)
            {
                op.insert("security".into(), json!([{SOURCE_SCHEME: []}]));
                needs_scheme = true;
            }
            plan.tested.insert(key);
        }
    }
    if needs_scheme || !extra_schemes.is_empty() {
        let schemes = doc
            .as_object_mut()
            .expect("object")
            .entry("components")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .map(|c| c.entry("securitySchemes").or_insert_with(|| json!({})));
        if let Some(Value::Object(s)) = schemes {
            for (n, v) in extra_schemes {
                s.insert(n, v);
            }
            s.insert(
                SOURCE_SCHEME.into(),
                json!({"type": "http", "scheme": "bearer", "description": "the source's siblings of this route require a token"}),
            );
        }
    }
    plan.spec = doc;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_templates() {
        assert_eq!(template("/a/{id:int}/b"), "/a/{id}/b");
        assert_eq!(
            route_key("get", "/items/{x}/"),
            route_key("GET", "/items/{item_id}")
        );
        assert_ne!(route_key("GET", "/items"), route_key("POST", "/items"));
        assert_eq!(route_key("GET", "/").1, "/");
        assert!(looks_destructive("/del_items"));
        assert!(looks_destructive("/admin/reset-db"));
        assert!(!looks_destructive("/items/{delete}"));
        assert!(!looks_destructive("/models"));
    }

    #[test]
    fn a_prefix_the_model_missed_is_matched_once() {
        let have: BTreeSet<(String, String)> = [
            route_key("GET", "/api/user"),
            route_key("GET", "/api/articles/{slug}"),
            route_key("GET", "/v1/articles/{slug}"),
            route_key("GET", "/apiuser"),
        ]
        .into_iter()
        .collect();
        let (k, prefix) = prefixed_match(&have, &route_key("GET", "/user")).unwrap();
        assert_eq!((k.1.as_str(), prefix.as_str()), ("/api/user", "/api"));
        // Two candidates: ambiguous, no match; another method: no match.
        assert!(prefixed_match(&have, &route_key("GET", "/articles/{x}")).is_none());
        assert!(prefixed_match(&have, &route_key("PUT", "/user")).is_none());
        assert!(prefixed_match(&have, &route_key("GET", "/")).is_none());
    }
}
