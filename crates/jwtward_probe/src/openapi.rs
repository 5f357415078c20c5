//! A lenient OpenAPI model read straight from `serde_json::Value`.
//!
//! FastAPI's 3.1 output (numeric `exclusiveMinimum`, relative `tokenUrl`, `anyOf` with
//! `null`) breaks the typed Rust OpenAPI crates, so this module reads only what the prober
//! needs (operations, parameters, request bodies, security) and ignores everything else.
//! Swagger 2.0, OpenAPI 3.0 and 3.1 are accepted, in JSON or YAML. `$ref`s are resolved
//! inside the document with a cycle guard.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::BTreeSet;

/// The HTTP methods an OpenAPI path item can hold, in the order they are tested.
pub const METHODS: [&str; 8] = [
    "get", "head", "options", "post", "put", "patch", "delete", "trace",
];

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
    Header,
    Cookie,
}

/// One operation parameter, with the value the prober fills in.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub location: ParamIn,
    pub required: bool,
    /// A concrete value for a request: the example, default or first enum value, or a
    /// value of the declared type.
    pub sample: String,
}

/// How an operation expects its credentials, from the security schemes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Credential {
    /// `Authorization: <scheme> <token>` (http bearer, oauth2, openIdConnect).
    Authorization,
    /// An API key in a named header.
    Header(String),
    /// An API key in a named cookie.
    Cookie(String),
    /// An API key in a named query parameter.
    Query(String),
}

/// One operation of the spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    /// Upper-case method (`GET`).
    pub method: String,
    /// The path template as written in the spec (`/items/{item_id}`).
    pub path: String,
    pub params: Vec<Param>,
    /// The operation declares a request body.
    pub has_body: bool,
    /// The effective security requirement declares at least one scheme.
    pub secured: bool,
    /// The credentials the declared schemes accept (empty when unsecured or unknown).
    pub credentials: BTreeSet<Credential>,
    pub operation_id: Option<String>,
}

impl Operation {
    /// The path with its path parameters filled in with their sample values
    /// (percent-encoded), plus the required query parameters.
    pub fn concrete_path(&self) -> String {
        let mut path = self.path.clone();
        for p in self.params.iter().filter(|p| p.location == ParamIn::Path) {
            path = path.replace(&format!("{{{}}}", p.name), &encode_component(&p.sample));
        }
        let query: Vec<String> = self
            .params
            .iter()
            .filter(|p| p.location == ParamIn::Query && p.required)
            .map(|p| {
                format!(
                    "{}={}",
                    encode_component(&p.name),
                    encode_component(&p.sample)
                )
            })
            .collect();
        if !query.is_empty() {
            path.push('?');
            path.push_str(&query.join("&"));
        }
        path
    }

    /// Required header parameters (never credentials) with their sample values.
    pub fn required_headers(&self) -> Vec<(String, String)> {
        self.params
            .iter()
            .filter(|p| p.location == ParamIn::Header && p.required)
            .filter(|p| !p.name.eq_ignore_ascii_case("authorization"))
            .map(|p| (p.name.clone(), p.sample.clone()))
            .collect()
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The parts of a spec the prober uses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spec {
    /// `2.0`, `3.0.3`, `3.1.0`...
    pub version: String,
    pub title: Option<String>,
    /// The path prefix every operation is relative to (`basePath` or a relative
    /// `servers[0].url`); empty for none.
    pub base_path: String,
    pub operations: Vec<Operation>,
    /// Cookie names the spec mentions (cookie parameters and apiKey-in-cookie schemes).
    pub cookie_names: BTreeSet<String>,
    /// Problems met while reading (unresolvable `$ref`s...): reported, never fatal.
    pub warnings: Vec<String>,
}

/// Parses a spec document (JSON or YAML). `origin` names it in error messages.
pub fn parse_spec(text: &str, origin: &str) -> Result<Spec> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let doc: Value = if trimmed.starts_with('{') {
        serde_json::from_str(trimmed)
            .with_context(|| format!("{origin}: the spec is not valid JSON"))?
    } else {
        serde_norway::from_str(trimmed)
            .with_context(|| format!("{origin}: the spec is neither valid JSON nor valid YAML"))?
    };
    from_value(&doc, origin)
}

/// Reads a spec that is already a JSON value.
pub fn from_value(doc: &Value, origin: &str) -> Result<Spec> {
    let Some(obj) = doc.as_object() else {
        bail!("{origin}: the spec is not an object (found {})", kind(doc));
    };
    let (version, swagger2) = if let Some(v) = obj.get("openapi") {
        (value_text(v), false)
    } else if let Some(v) = obj.get("swagger") {
        (value_text(v), true)
    } else {
        bail!("{origin}: neither an `openapi` nor a `swagger` field: not an OpenAPI document");
    };
    if !swagger2 && !version.starts_with('3') {
        bail!("{origin}: unsupported OpenAPI version `{version}` (expected 2.0, 3.0 or 3.1)");
    }
    let mut spec = Spec {
        version: version.clone(),
        title: doc
            .pointer("/info/title")
            .and_then(Value::as_str)
            .map(str::to_string),
        ..Spec::default()
    };
    spec.base_path = if swagger2 {
        obj.get("basePath")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim_end_matches('/')
            .to_string()
    } else {
        server_base_path(doc)
    };

    let resolver = Resolver { doc };
    let schemes = read_security_schemes(&resolver, swagger2, &mut spec);
    let global_security = obj.get("security");

    let Some(paths) = obj.get("paths").and_then(Value::as_object) else {
        if obj.get("paths").is_some() {
            bail!("{origin}: `paths` is not an object");
        }
        return Ok(spec);
    };
    for (path, item) in paths {
        let item = match resolver.resolve(item) {
            Ok(v) => v,
            Err(e) => {
                spec.warnings.push(format!("{origin}: paths.{path}: {e}"));
                continue;
            }
        };
        let Some(item) = item.as_object() else {
            continue;
        };
        let common_params = item.get("parameters");
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let op = match resolver.resolve(op) {
                Ok(v) => v,
                Err(e) => {
                    spec.warnings
                        .push(format!("{origin}: paths.{path}.{method}: {e}"));
                    continue;
                }
            };
            let mut params: Vec<Param> = Vec::new();
            for list in [common_params, op.get("parameters")].into_iter().flatten() {
                let Some(list) = list.as_array() else {
                    continue;
                };
                for p in list {
                    match resolver.resolve(p) {
                        Ok(p) => {
                            if let Some(param) = read_param(&resolver, p, swagger2) {
                                if param.location == ParamIn::Cookie {
                                    spec.cookie_names.insert(param.name.clone());
                                }
                                // An operation-level parameter overrides a path-level one.
                                params.retain(|q| {
                                    !(q.name == param.name && q.location == param.location)
                                });
                                params.push(param);
                            }
                        }
                        Err(e) => spec
                            .warnings
                            .push(format!("{origin}: paths.{path}.{method}.parameters: {e}")),
                    }
                }
            }
            // Path parameters the spec forgot to declare still need a value.
            for name in template_names(path) {
                if !params
                    .iter()
                    .any(|p| p.location == ParamIn::Path && p.name == name)
                {
                    params.push(Param {
                        name,
                        location: ParamIn::Path,
                        required: true,
                        sample: "1".into(),
                    });
                }
            }
            let has_body = if swagger2 {
                op.get("parameters")
                    .and_then(Value::as_array)
                    .is_some_and(|l| {
                        l.iter().any(|p| {
                            resolver
                                .resolve(p)
                                .ok()
                                .and_then(|p| p.get("in"))
                                .and_then(Value::as_str)
                                .is_some_and(|i| i == "body" || i == "formData")
                        })
                    })
            } else {
                op.get("requestBody").is_some()
            };
            let security = op.get("security").or(global_security);
            let (secured, credentials) = read_requirement(security, &schemes);
            spec.operations.push(Operation {
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                params,
                has_body,
                secured,
                credentials,
                operation_id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
        }
    }
    Ok(spec)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The path of `servers[0].url` when it is relative or on the same host (`/api/v1`).
fn server_base_path(doc: &Value) -> String {
    let Some(url) = doc.pointer("/servers/0/url").and_then(Value::as_str) else {
        return String::new();
    };
    let path = if let Some(rest) = url.split_once("://").map(|(_, r)| r) {
        match rest.find('/') {
            Some(i) => &rest[i..],
            None => "",
        }
    } else {
        url
    };
    if path.contains('{') {
        return String::new();
    }
    path.trim_end_matches('/').to_string()
}

fn template_names(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + end].to_string());
        rest = &rest[start + end + 1..];
    }
    out
}

/// Resolves local `$ref`s (`#/components/...`), following chains with a cycle guard.
struct Resolver<'a> {
    doc: &'a Value,
}

const MAX_REF_CHAIN: usize = 32;

impl<'a> Resolver<'a> {
    fn resolve(&self, mut v: &'a Value) -> Result<&'a Value> {
        let mut seen: Vec<&str> = Vec::new();
        while let Some(r) = v.get("$ref").and_then(Value::as_str) {
            if seen.contains(&r) || seen.len() >= MAX_REF_CHAIN {
                bail!("`$ref` cycle through `{r}`");
            }
            seen.push(r);
            let Some(pointer) = r.strip_prefix('#') else {
                bail!("external `$ref` `{r}` is not followed");
            };
            // A URI fragment: `~1`-escaped JSON pointer, possibly percent-encoded.
            let pointer = pointer
                .replace("%7B", "{")
                .replace("%7D", "}")
                .replace("%7b", "{")
                .replace("%7d", "}")
                .replace("%20", " ");
            v = self
                .doc
                .pointer(&pointer)
                .ok_or_else(|| anyhow::anyhow!("unresolvable `$ref` `{r}`"))?;
        }
        Ok(v)
    }
}

/// A sample value for a parameter: example, default, enum, or one of its type.
fn read_param(resolver: &Resolver, p: &Value, swagger2: bool) -> Option<Param> {
    let name = p.get("name")?.as_str()?.to_string();
    let location = match p.get("in")?.as_str()? {
        "path" => ParamIn::Path,
        "query" => ParamIn::Query,
        "header" => ParamIn::Header,
        "cookie" => ParamIn::Cookie,
        _ => return None, // body / formData: handled as a request body
    };
    let required = location == ParamIn::Path || p.get("required") == Some(&Value::Bool(true));
    let schema = if swagger2 {
        Some(p)
    } else {
        p.get("schema").and_then(|s| resolver.resolve(s).ok())
    };
    let sample = p
        .get("example")
        .and_then(scalar)
        .or_else(|| {
            p.get("examples")
                .and_then(Value::as_object)
                .and_then(|o| o.values().next())
                .and_then(|e| e.get("value"))
                .and_then(scalar)
        })
        .or_else(|| schema.and_then(|s| schema_sample(resolver, s, 0)))
        .unwrap_or_else(|| "1".to_string());
    Some(Param {
        name,
        location,
        required,
        sample,
    })
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn schema_sample(resolver: &Resolver, s: &Value, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let s = resolver.resolve(s).ok()?;
    if let Some(v) = s.get("example").and_then(scalar) {
        return Some(v);
    }
    if let Some(v) = s
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(scalar)
    {
        return Some(v);
    }
    if let Some(v) = s.get("default").and_then(scalar) {
        return Some(v);
    }
    if let Some(v) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(scalar)
    {
        return Some(v);
    }
    if let Some(v) = s.get("const").and_then(scalar) {
        return Some(v);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(list) = s.get(key).and_then(Value::as_array) {
            for alt in list {
                let alt = resolver.resolve(alt).ok()?;
                if alt.get("type").and_then(Value::as_str) == Some("null") {
                    continue;
                }
                if let Some(v) = schema_sample(resolver, alt, depth + 1) {
                    return Some(v);
                }
            }
        }
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ => "string",
    };
    Some(match ty {
        "integer" | "number" => {
            // Respect a lower bound (`gt=0`, `ge=1`): FastAPI emits numbers for both.
            let min = s.get("minimum").and_then(Value::as_f64).or_else(|| {
                s.get("exclusiveMinimum")
                    .and_then(Value::as_f64)
                    .map(|m| m + 1.0)
            });
            match min {
                Some(m) if m > 1.0 => format!("{}", m.ceil() as i64),
                _ => "1".to_string(),
            }
        }
        "boolean" => "true".to_string(),
        _ => match s.get("format").and_then(Value::as_str) {
            Some("uuid") => "00000000-0000-4000-8000-000000000001".to_string(),
            Some("date") => "2024-01-01".to_string(),
            Some("date-time") => "2024-01-01T00:00:00Z".to_string(),
            Some("email") => "user@example.com".to_string(),
            _ => "1".to_string(),
        },
    })
}

/// Security schemes by name, as the credentials they accept.
fn read_security_schemes(
    resolver: &Resolver,
    swagger2: bool,
    spec: &mut Spec,
) -> Vec<(String, Option<Credential>)> {
    let container = if swagger2 {
        resolver.doc.get("securityDefinitions")
    } else {
        resolver.doc.pointer("/components/securitySchemes")
    };
    let mut out = Vec::new();
    let Some(map) = container.and_then(Value::as_object) else {
        return out;
    };
    for (name, scheme) in map {
        let Ok(scheme) = resolver.resolve(scheme) else {
            continue;
        };
        let ty = scheme.get("type").and_then(Value::as_str).unwrap_or("");
        let cred = match ty {
            "http" => {
                let s = scheme.get("scheme").and_then(Value::as_str).unwrap_or("");
                if s.eq_ignore_ascii_case("bearer") {
                    Some(Credential::Authorization)
                } else {
                    None // basic/digest: not a token
                }
            }
            "oauth2" | "openIdConnect" => Some(Credential::Authorization),
            "apiKey" => {
                let key = scheme
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                match scheme.get("in").and_then(Value::as_str) {
                    Some("header") if key.eq_ignore_ascii_case("authorization") => {
                        Some(Credential::Authorization)
                    }
                    Some("header") => Some(Credential::Header(key)),
                    Some("cookie") => {
                        spec.cookie_names.insert(key.clone());
                        Some(Credential::Cookie(key))
                    }
                    Some("query") => Some(Credential::Query(key)),
                    _ => None,
                }
            }
            _ => None,
        };
        out.push((name.clone(), cred));
    }
    out
}

/// `security: [{name: [scopes]}, ...]`: secured when some alternative names a scheme.
/// An empty object among the alternatives (`{}`) makes security optional.
fn read_requirement(
    security: Option<&Value>,
    schemes: &[(String, Option<Credential>)],
) -> (bool, BTreeSet<Credential>) {
    let mut creds = BTreeSet::new();
    let Some(list) = security.and_then(Value::as_array) else {
        return (false, creds);
    };
    let mut secured = !list.is_empty();
    for alt in list {
        let Some(alt) = alt.as_object() else { continue };
        if alt.is_empty() {
            secured = false;
        }
        for name in alt.keys() {
            if let Some((_, Some(c))) = schemes.iter().find(|(n, _)| n == name) {
                creds.insert(c.clone());
            }
        }
    }
    (secured, creds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fastapi_31_with_numeric_exclusive_minimum_and_relative_token_url() {
        let doc = r##"{
          "openapi": "3.1.0",
          "info": {"title": "t", "version": "1"},
          "paths": {
            "/items/{item_id}": {
              "get": {
                "parameters": [
                  {"name": "item_id", "in": "path", "required": true,
                   "schema": {"type": "integer", "exclusiveMinimum": 0}},
                  {"name": "q", "in": "query", "required": true,
                   "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]}}
                ],
                "security": [{"OAuth2PasswordBearer": []}]
              }
            },
            "/public": {"get": {}}
          },
          "components": {"securitySchemes": {
            "OAuth2PasswordBearer": {"type": "oauth2",
              "flows": {"password": {"tokenUrl": "token", "scopes": {}}}}
          }}
        }"##;
        let spec = parse_spec(doc, "t.json").unwrap();
        assert_eq!(spec.version, "3.1.0");
        let op = &spec.operations[0];
        assert_eq!(op.method, "GET");
        assert!(op.secured);
        assert!(op.credentials.contains(&Credential::Authorization));
        assert_eq!(op.concrete_path(), "/items/1?q=1");
        assert!(!spec.operations[1].secured);
    }

    #[test]
    fn swagger2_yaml_with_base_path_and_refs() {
        let doc = "swagger: '2.0'\nbasePath: /api/\nsecurityDefinitions:\n  key:\n    type: apiKey\n    in: cookie\n    name: sid\nsecurity:\n  - key: []\nparameters:\n  Id:\n    name: id\n    in: path\n    type: string\n    enum: [abc]\npaths:\n  /things/{id}:\n    parameters:\n      - $ref: '#/parameters/Id'\n    get:\n      responses: {}\n    delete:\n      security: []\n      parameters:\n        - in: body\n          name: b\n";
        let spec = parse_spec(doc, "s.yaml").unwrap();
        assert_eq!(spec.base_path, "/api");
        assert!(spec.cookie_names.contains("sid"));
        let get = spec.operations.iter().find(|o| o.method == "GET").unwrap();
        assert!(get.secured);
        assert_eq!(get.concrete_path(), "/things/abc");
        let del = spec
            .operations
            .iter()
            .find(|o| o.method == "DELETE")
            .unwrap();
        assert!(!del.secured);
        assert!(del.has_body);
    }

    #[test]
    fn ref_cycles_are_reported_not_followed_forever() {
        let doc = r##"{"openapi": "3.0.3",
          "components": {"parameters": {
             "A": {"$ref": "#/components/parameters/B"},
             "B": {"$ref": "#/components/parameters/A"}},
           "schemas": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}}},
          "paths": {"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/A"}]}},
                    "/y": {"$ref": "#/nowhere"}}}"##;
        let spec = parse_spec(doc, "c.json").unwrap();
        assert_eq!(spec.operations.len(), 1);
        assert!(
            spec.warnings.iter().any(|w| w.contains("cycle")),
            "{:?}",
            spec.warnings
        );
        assert!(
            spec.warnings.iter().any(|w| w.contains("unresolvable")),
            "{:?}",
            spec.warnings
        );
    }

    #[test]
    fn not_a_spec_is_a_clear_error() {
        let e = parse_spec("[1, 2]", "x.json").unwrap_err().to_string();
        assert!(e.contains("x.json") && e.contains("not an object"), "{e}");
        let e = parse_spec("{\"info\": {}}", "y.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an OpenAPI document"), "{e}");
        let e = parse_spec("{\"openapi\": \"4.0\"}", "z.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unsupported OpenAPI version"), "{e}");
        let e = parse_spec("a: [", "w.yaml").unwrap_err().to_string();
        assert!(e.contains("w.yaml"), "{e}");
    }
}
