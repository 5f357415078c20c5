//! The OpenAPI document the probe is given: the app's own (when it serves one) completed from
//! the static route table.
//!
//! - Routes the source declares but the document lacks (`include_in_schema=False`, plain
//!   Starlette routes, routes of mounted sub-apps) are added, with their path parameters.
//! - Routes the static model reports as missing authentication (`unprotected-route`) get a
//!   security requirement: the source's siblings say a token is expected there, so the
//!   probe's `missing-auth` check applies to them.
//! - WebSocket routes are left out (the probe speaks HTTP only), and so are operations whose
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
    /// Every operation the probe is given (method, path).
    pub tested: BTreeSet<(String, String)>,
}

fn path_params(path: &str) -> Vec<Value> {
    template(path)
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
        .map(|name| {
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer", "example": 1}})
        })
        .collect()
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
    let mut additions: Vec<(String, String, Value)> = Vec::new();
    for r in routes {
        for m in &r.methods {
            let key = route_key(m, &r.path);
            if m == "WEBSOCKET" {
                plan.skipped.push((
                    m.clone(),
                    r.path.clone(),
                    "WebSocket routes are not probed".into(),
                ));
                continue;
            }
            if have.contains(&key) || m == "HEAD" {
                continue;
            }
            have.insert(key);
            let mut op = json!({
                "summary": format!("from the source: {}", r.handler.clone().unwrap_or_default()),
                "parameters": path_params(&r.path),
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
            if expect_auth.contains(&key)
                && let Some(op) = item.get_mut(&m).and_then(Value::as_object_mut)
            {
                let declared = op
                    .get("security")
                    .and_then(Value::as_array)
                    .is_some_and(|a| {
                        a.iter()
                            .any(|s| s.as_object().is_some_and(|o| !o.is_empty()))
                    });
                if !declared {
                    op.insert("security".into(), json!([{SOURCE_SCHEME: []}]));
                    needs_scheme = true;
                }
            }
            plan.tested.insert(key);
        }
    }
    if needs_scheme {
        let schemes = doc
            .as_object_mut()
            .expect("object")
            .entry("components")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .map(|c| c.entry("securitySchemes").or_insert_with(|| json!({})));
        if let Some(Value::Object(s)) = schemes {
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
}
