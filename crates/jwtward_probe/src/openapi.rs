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
    /// The sample comes from the spec (`example`, `examples`, `default`, `enum`, `const`),
    /// not from the declared type.
    pub from_spec: bool,
    /// The declared type, for typed placeholders and harvested values.
    pub kind: ParamKind,
}

/// The declared type of a parameter, as far as the prober cares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ParamKind {
    Integer,
    Uuid,
    #[default]
    Text,
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
    /// `summary` (or `description` when there is no summary), for the destructive-words check.
    pub summary: Option<String>,
    /// The request body schema is violated by `{}` (a required field, or not an object):
    /// FastAPI answers 422 after authentication and before the handler runs.
    pub empty_body_invalid: bool,
}

/// Header names never taken from a spec: they route the request or carry credentials.
pub const FORBIDDEN_SPEC_HEADERS: [&str; 6] = [
    "host",
    "authorization",
    "cookie",
    "content-length",
    "transfer-encoding",
    "connection",
];

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

    /// Required header parameters with their sample values, except the ones of
    /// [`FORBIDDEN_SPEC_HEADERS`] (never taken from a spec).
    pub fn required_headers(&self) -> Vec<(String, String)> {
        self.params
            .iter()
            .filter(|p| p.location == ParamIn::Header && p.required)
            .filter(|p| {
                !FORBIDDEN_SPEC_HEADERS
                    .iter()
                    .any(|f| p.name.eq_ignore_ascii_case(f))
            })
            .map(|p| (p.name.clone(), p.sample.clone()))
            .collect()
    }

    /// The header parameters of [`FORBIDDEN_SPEC_HEADERS`] the spec declares (not sent).
    pub fn forbidden_headers(&self) -> Vec<String> {
        self.params
            .iter()
            .filter(|p| p.location == ParamIn::Header)
            .filter(|p| {
                FORBIDDEN_SPEC_HEADERS
                    .iter()
                    .any(|f| p.name.eq_ignore_ascii_case(f))
            })
            .map(|p| p.name.clone())
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

/// The largest spec read (the biggest public specs, GitHub's and Stripe's, are under 12 MB).
pub const MAX_SPEC_BYTES: usize = 16 * 1024 * 1024;
/// The deepest nesting a YAML spec may have (flow `[`/`{` and block indentation); real
/// specs stay under 30. Checked before the YAML parser runs, in one linear pass.
pub const MAX_YAML_DEPTH: usize = 128;

/// Parses a spec document (JSON or YAML). `origin` names it in error messages.
pub fn parse_spec(text: &str, origin: &str) -> Result<Spec> {
    if text.len() > MAX_SPEC_BYTES {
        bail!(
            "{origin}: the spec is {} bytes, over the {} MiB limit",
            text.len(),
            MAX_SPEC_BYTES >> 20
        );
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let doc: Value = if trimmed.starts_with('{') {
        serde_json::from_str(trimmed)
            .with_context(|| format!("{origin}: the spec is not valid JSON"))?
    } else {
        let depth = yaml_depth(trimmed);
        if depth > MAX_YAML_DEPTH {
            bail!(
                "{origin}: the YAML spec nests deeper than {MAX_YAML_DEPTH} levels (at least {depth}): not read"
            );
        }
        serde_norway::from_str(trimmed)
            .with_context(|| format!("{origin}: the spec is neither valid JSON nor valid YAML"))?
    };
    from_value(&doc, origin)
}

/// An upper estimate of a YAML text's nesting, in one pass: the flow depth (`[`, `{`
/// outside quotes and comments) plus the block depth (indentation and `- ` prefixes, one
/// level per column at most), whichever is larger on any line. Stops counting past the bound.
pub fn yaml_depth(text: &str) -> usize {
    let mut max = 0usize;
    let mut flow = 0usize;
    for line in text.lines() {
        let bytes = line.as_bytes();
        // Block depth: leading spaces and `- ` / `? ` / `: ` indicators.
        let mut i = 0;
        let mut levels = 0;
        while i < bytes.len() {
            match bytes[i] {
                b' ' => i += 1,
                b'-' | b'?' if bytes.get(i + 1).is_none_or(|b| *b == b' ') => {
                    levels += 1;
                    i += 1;
                }
                _ => break,
            }
        }
        // Two spaces a level is the usual indent; one is the tightest.
        max = max.max(flow + levels + i / 2);
        let mut quote: Option<u8> = None;
        for &b in &bytes[i..] {
            match (quote, b) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'#') => break,
                (None, b'[' | b'{') => {
                    flow += 1;
                    max = max.max(flow + i / 2);
                }
                (None, b']' | b'}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
        if max > MAX_YAML_DEPTH * 4 {
            return max;
        }
    }
    max
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
                        from_spec: false,
                        kind: ParamKind::Text,
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
            let empty_body_invalid = if swagger2 {
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| resolver.resolve(p).ok())
                    .filter(|p| p.get("in").and_then(Value::as_str) == Some("body"))
                    .any(|p| {
                        p.get("schema")
                            .is_some_and(|s| empty_object_invalid(&resolver, s, 0))
                    })
            } else {
                op.get("requestBody")
                    .and_then(|b| resolver.resolve(b).ok())
                    .and_then(|b| b.get("content"))
                    .and_then(Value::as_object)
                    .and_then(|c| c.iter().find(|(t, _)| t.contains("json")).map(|(_, v)| v))
                    .and_then(|m| m.get("schema"))
                    .is_some_and(|s| empty_object_invalid(&resolver, s, 0))
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
                summary: op
                    .get("summary")
                    .or_else(|| op.get("description"))
                    .and_then(Value::as_str)
                    .map(|s| s.chars().take(512).collect()),
                empty_body_invalid,
            });
        }
    }
    Ok(spec)
}

/// True when the JSON body `{}` violates `schema`: a required property, or a type that is
/// not an object. Unknown or permissive schemas are `false` (sending `{}` could run the handler).
fn empty_object_invalid(resolver: &Resolver, schema: &Value, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    let Ok(s) = resolver.resolve(schema) else {
        return false;
    };
    if s.get("required")
        .and_then(Value::as_array)
        .is_some_and(|r| !r.is_empty())
    {
        return true;
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array)
        && all
            .iter()
            .any(|x| empty_object_invalid(resolver, x, depth + 1))
    {
        return true;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(list) = s.get(key).and_then(Value::as_array)
            && !list.is_empty()
            && list
                .iter()
                .all(|x| empty_object_invalid(resolver, x, depth + 1))
        {
            return true;
        }
    }
    match s.get("type") {
        Some(Value::String(t)) => t != "object",
        Some(Value::Array(types)) => !types.iter().any(|t| t == "object" || t == "null"),
        _ => false,
    }
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
    let given = p.get("example").and_then(scalar).or_else(|| {
        p.get("examples")
            .and_then(Value::as_object)
            .and_then(|o| o.values().next())
            .and_then(|e| e.get("value"))
            .and_then(scalar)
    });
    let kind = schema
        .map(|s| schema_kind(resolver, s, 0))
        .unwrap_or_default();
    let from_spec = given.is_some() || schema.is_some_and(|s| spec_value(resolver, s, 0).is_some());
    let sample = given
        .or_else(|| schema.and_then(|s| schema_sample(resolver, s, 0)))
        .unwrap_or_else(|| "1".to_string());
    Some(Param {
        name,
        location,
        required,
        sample,
        from_spec,
        kind,
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

/// The declared type of a parameter schema.
fn schema_kind(resolver: &Resolver, s: &Value, depth: usize) -> ParamKind {
    let Ok(s) = resolver.resolve(s) else {
        return ParamKind::Text;
    };
    if depth > 8 {
        return ParamKind::Text;
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(list) = s.get(key).and_then(Value::as_array) {
            for alt in list {
                let k = schema_kind(resolver, alt, depth + 1);
                if k != ParamKind::Text {
                    return k;
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
    match (ty, s.get("format").and_then(Value::as_str)) {
        ("integer", _) => ParamKind::Integer,
        (_, Some("uuid")) => ParamKind::Uuid,
        _ => ParamKind::Text,
    }
}

/// A value the schema itself names (`example`, `examples`, `default`, `enum`, `const`).
fn spec_value(resolver: &Resolver, s: &Value, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let s = resolver.resolve(s).ok()?;
    let named = s
        .get("example")
        .and_then(scalar)
        .or_else(|| {
            s.get("examples")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(scalar)
        })
        .or_else(|| s.get("default").and_then(scalar))
        .or_else(|| {
            s.get("enum")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(scalar)
        })
        .or_else(|| s.get("const").and_then(scalar));
    if named.is_some() {
        return named;
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(list) = s.get(key).and_then(Value::as_array) {
            for alt in list {
                if let Some(v) = spec_value(resolver, alt, depth + 1) {
                    return Some(v);
                }
            }
        }
    }
    None
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
    fn deep_yaml_is_refused_before_parsing_and_fast() {
        let deep = format!("paths: {}", "[".repeat(100_000));
        let t = std::time::Instant::now();
        let e = parse_spec(&deep, "deep.yaml").unwrap_err().to_string();
        assert!(e.contains("nests deeper"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
        let dashes = format!("paths:\n{}x\n", "- ".repeat(50_000));
        assert!(
            parse_spec(&dashes, "d.yaml")
                .unwrap_err()
                .to_string()
                .contains("nests deeper")
        );
        // A normal swagger YAML is far below the bound.
        assert!(yaml_depth("a:\n  b:\n    - c: [1, {d: 2}]\n    - 'x[y'\n") < 10);
        let big = " ".repeat(MAX_SPEC_BYTES + 1);
        assert!(
            parse_spec(&big, "big.yaml")
                .unwrap_err()
                .to_string()
                .contains("limit")
        );
    }

    #[test]
    fn empty_body_validity_and_forbidden_headers() {
        let doc = r##"{"openapi": "3.0.3", "paths": {
          "/a": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
                          "parameters": [{"name": "Host", "in": "header", "required": true, "schema": {"type": "string", "example": "evil.example"}},
                                         {"name": "X-Tenant", "in": "header", "required": true, "schema": {"type": "string"}}]}},
          "/b": {"patch": {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"x": {"type": "string"}}}}}}}},
          "/c": {"delete": {}},
          "/d/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}]}}},
          "components": {"schemas": {"Item": {"type": "object", "required": ["name"]}}}}"##;
        let spec = parse_spec(doc, "b.json").unwrap();
        let by = |p: &str| spec.operations.iter().find(|o| o.path == p).unwrap();
        assert!(by("/a").empty_body_invalid);
        assert!(!by("/b").empty_body_invalid);
        assert!(!by("/c").empty_body_invalid && !by("/c").has_body);
        assert_eq!(
            by("/a").required_headers(),
            vec![("X-Tenant".to_string(), "1".to_string())]
        );
        assert_eq!(by("/a").forbidden_headers(), vec!["Host".to_string()]);
        assert_eq!(by("/d/{id}").params[0].kind, ParamKind::Uuid);
        assert!(!by("/d/{id}").params[0].from_spec);
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
