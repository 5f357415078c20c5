//! Finding the OpenAPI document and the server's public keys.

use crate::http::{Engine, Resp};
use crate::openapi::{Spec, parse_spec};
use reqwest::Url;

/// Where the spec comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecSource {
    File(std::path::PathBuf),
    Url(String),
}

/// The spec and where it was read.
pub struct Found {
    pub spec: Spec,
    pub source: String,
}

/// Reads the spec named by `--spec`, or discovers it on the target: `openapi.json` (next to
/// the target path, then at the root), the URL named by `/docs` and `/redoc`,
/// `/swagger.json`, `/openapi.yaml`.
pub async fn find_spec(
    engine: &Engine,
    target: &Url,
    given: Option<&SpecSource>,
) -> anyhow::Result<Found> {
    match given {
        Some(SpecSource::File(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read the spec `{}`: {e}", path.display()))?;
            let origin = path.display().to_string();
            Ok(Found {
                spec: parse_spec(&text, &origin)?,
                source: origin,
            })
        }
        Some(SpecSource::Url(u)) => {
            let url = target
                .join(u)
                .map_err(|e| anyhow::anyhow!("--spec `{u}` is not a URL: {e}"))?;
            let resp = engine
                .fetch_document(url.as_str())
                .await
                .map_err(|e| anyhow::anyhow!("--spec {url}: {e}"))?;
            if !(200..300).contains(&resp.status) {
                anyhow::bail!("--spec {url}: {}", describe(&resp));
            }
            Ok(Found {
                spec: parse_spec(&resp.body_text(), url.as_str())?,
                source: url.to_string(),
            })
        }
        None => discover(engine, target).await,
    }
}

fn describe(r: &Resp) -> String {
    if r.status == 0 {
        format!(
            "no response ({})",
            r.error.as_deref().unwrap_or("unknown error")
        )
    } else {
        format!("HTTP {}", r.status)
    }
}

async fn discover(engine: &Engine, target: &Url) -> anyhow::Result<Found> {
    let mut candidates: Vec<Url> = Vec::new();
    fn push(candidates: &mut Vec<Url>, u: Option<Url>) {
        if let Some(u) = u
            && !candidates.contains(&u)
        {
            candidates.push(u);
        }
    }
    // Relative to the target path first (an app mounted under /api), then the root.
    let dir = if target.path().ends_with('/') {
        target.clone()
    } else {
        let mut t = target.clone();
        t.set_path(&format!("{}/", target.path()));
        t
    };
    push(&mut candidates, dir.join("openapi.json").ok());
    push(&mut candidates, target.join("/openapi.json").ok());
    let mut tried = Vec::new();
    let mut i = 0;
    let mut docs_done = false;
    loop {
        if i == candidates.len() {
            if docs_done {
                break;
            }
            docs_done = true;
            // The documentation pages name the spec URL.
            for page in ["docs", "redoc"] {
                let urls = [dir.join(page).ok(), target.join(&format!("/{page}")).ok()];
                for url in urls.into_iter().flatten() {
                    if tried
                        .iter()
                        .any(|(u, _): &(String, String)| u == url.as_str())
                    {
                        continue;
                    }
                    let Ok(resp) = engine.fetch_document(url.as_str()).await else {
                        continue;
                    };
                    tried.push((url.to_string(), describe(&resp)));
                    if (200..300).contains(&resp.status)
                        && let Some(link) = spec_link(&resp.body_text())
                        && let Ok(u) = url.join(&link)
                    {
                        push(&mut candidates, Some(u));
                    }
                }
            }
            push(&mut candidates, target.join("/swagger.json").ok());
            push(&mut candidates, target.join("/openapi.yaml").ok());
            continue;
        }
        let url = candidates[i].clone();
        i += 1;
        let resp = match engine.fetch_document(url.as_str()).await {
            Ok(r) => r,
            Err(e) => anyhow::bail!("spec discovery stopped: {e}"),
        };
        if !(200..300).contains(&resp.status) {
            tried.push((url.to_string(), describe(&resp)));
            continue;
        }
        match parse_spec(&resp.body_text(), url.as_str()) {
            Ok(spec) => {
                return Ok(Found {
                    spec,
                    source: url.to_string(),
                });
            }
            Err(e) => tried.push((url.to_string(), format!("{e:#}"))),
        }
    }
    let list: Vec<String> = tried
        .iter()
        .map(|(u, why)| format!("  {u}: {why}"))
        .collect();
    anyhow::bail!(
        "no OpenAPI document found on {target}; tried:\n{}\ngive one with --spec FILE|URL",
        list.join("\n")
    )
}

/// The spec URL named in a Swagger UI or ReDoc page.
pub fn spec_link(html: &str) -> Option<String> {
    for key in [
        "url: '",
        "url: \"",
        "url:'",
        "url:\"",
        "spec-url=\"",
        "spec-url='",
    ] {
        if let Some(at) = html.find(key) {
            let rest = &html[at + key.len()..];
            let quote = key.chars().last()?;
            if let Some(end) = rest.find(quote) {
                let link = rest[..end].trim();
                if !link.is_empty() && link.len() < 2048 {
                    return Some(link.to_string());
                }
            }
        }
    }
    None
}

/// Where servers publish their public keys.
pub const JWKS_PATHS: [&str; 6] = [
    "/.well-known/jwks.json",
    "/jwks.json",
    "/.well-known/openid-configuration",
    "/oauth2/v1/keys",
    "/.well-known/jwks_uri",
    "/openid/connect/jwks.json",
];

/// Fetches the well-known JWKS locations of the target; returns `(url, body)` of each
/// document that parses as a JWKS (following `jwks_uri` of an OIDC discovery document).
pub async fn find_jwks(engine: &Engine, target: &Url) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for path in JWKS_PATHS {
        let Ok(url) = target.join(path) else { continue };
        let Ok(resp) = engine.fetch_document(url.as_str()).await else {
            break;
        };
        if !(200..300).contains(&resp.status) {
            continue;
        }
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&resp.body) else {
            continue;
        };
        if v.get("keys").is_some_and(|k| k.is_array()) {
            out.push((url.to_string(), resp.body.clone()));
        } else if let Some(uri) = v.get("jwks_uri").and_then(|u| u.as_str())
            && let Ok(u) = url.join(uri)
            && let Ok(r) = engine.fetch_document(u.as_str()).await
            && (200..300).contains(&r.status)
        {
            out.push((u.to_string(), r.body.clone()));
        }
        if !out.is_empty() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_fastapi_doc_pages() {
        let swagger = "<script>const ui = SwaggerUIBundle({\n url: '/openapi.json',\n";
        assert_eq!(spec_link(swagger).as_deref(), Some("/openapi.json"));
        let redoc = r#"<redoc spec-url="/api/openapi.json"></redoc>"#;
        assert_eq!(spec_link(redoc).as_deref(), Some("/api/openapi.json"));
        assert_eq!(spec_link("<html></html>"), None);
    }
}
