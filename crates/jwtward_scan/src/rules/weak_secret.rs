use crate::jwt_model::{Algorithms, DecodeKind, Library};
use crate::rules::Seen;
use crate::rules::algorithm_confusion::{Family, family};
use crate::secrets::{is_pem, preview};
use crate::{Ctx, decode_trace, encode_trace, finding, place};
use jwtward_python::{Origin, Ranged, Value};
use jwtward_report::{Finding, RuleMeta, Severity, TraceStep};

pub const META: RuleMeta = RuleMeta {
    name: "weak-secret",
    severity: Severity::High,
    cwe: &[326, 798],
    summary: "An HMAC signing key is short, low-entropy or a well-known default, even as an environment-variable fallback.",
    explanation: "HS256/384/512 tokens are only as strong as the shared secret: a short key, a dictionary word or a key copied from a tutorial is recovered offline from a single captured token (`jwtward crack`), after which the attacker mints tokens for any user. A weak fallback such as `os.getenv(\"SECRET_KEY\", \"changeme\")` ships whenever the variable is missing. The key is followed through settings classes and their subclasses (the class an environment variable picks by default), `self.attr` set once in a method, `.env` files and the YAML/TOML/JSON configuration templates the project names and parses (reported at the line of the value in the file). jwcrypto keys are followed to the secret they are built from (`JWK.from_password(secret)`, `JWK(kty=\"oct\", k=...)`); jwcrypto 1.6 refuses an HMAC key shorter than the hash (32 bytes for HS256) unless `jwa.default_enforce_hmac_key_length` is switched off, which the message says. Keys used only by test code (`tests/`, `test_*.py`, `*_test.py`, `conftest.py`, a `TestCase` subclass or a pytest module) are not reported. When every verification with the key also requires the presented token itself to be a stored row (an API key or session that happens to be a JWT, matched by its exact string before anything is accepted), a forged token is refused and the key is reported at low severity.",
    remediation: "Generate a random key of at least 32 bytes (`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), load it from the environment or a secret store, and fail at start-up when it is missing instead of falling back to a default.",
    example: "SECRET_KEY = os.getenv(\"SECRET_KEY\", \"changeme\")\ntoken = jwt.encode(claims, SECRET_KEY, algorithm=\"HS256\")",
    fixed_example: "SECRET_KEY = os.environ[\"SECRET_KEY\"]  # 48 random bytes, from the secret store\ntoken = jwt.encode(claims, SECRET_KEY, algorithm=\"HS256\")",
};

/// A literal key reaching a JWT call.
pub(crate) struct KeyUse {
    pub bytes: Vec<u8>,
    pub env: Option<String>,
    pub origin: Origin,
    /// `jwt.encode` at `auth.py:12`.
    pub used_by: String,
    pub trace: Vec<TraceStep>,
    /// The algorithms are known to be HMAC only (not unknown, not mixed).
    pub hmac: Option<bool>,
    /// The repository file the key is read from at run time.
    pub file: Option<String>,
    /// A jwcrypto key (`JWK(kty="oct", k=...)`, `JWK.from_password(...)`).
    pub jwcrypto: bool,
    /// A verification (decode) use: and when the verified token must also be found as
    /// stored (the exact string), who matches it.
    pub verifies: Option<Option<String>>,
}

fn file_of(c: &jwtward_python::Const) -> Option<String> {
    match &c.or_default().value {
        Value::FileText { path, .. } => Some(path.clone()),
        _ => None,
    }
}

/// The modules that run as scripts (`if __name__ == "__main__":`), serve no app (no
/// `FastAPI(...)`, router or `uvicorn`), and that no other module of the project imports (by the words of its `import` lines: a name that might be the
/// module counts as an import, which keeps the finding).
fn standalone_scripts(project: &jwtward_python::Project) -> Vec<jwtward_python::ModuleId> {
    let mains: Vec<&jwtward_python::Module> = project
        .modules
        .iter()
        .filter(|m| {
            let src = m.source.as_str();
            // A single-file app started with `uvicorn.run(app)` under `__main__` is the app.
            let serves = [
                "FastAPI(",
                "APIRouter(",
                "Starlette(",
                "uvicorn",
                "@app.",
                "@router.",
            ]
            .iter()
            .any(|w| src.contains(w));
            !serves
                && (src.contains("__name__ == \"__main__\"")
                    || src.contains("__name__ == '__main__'"))
        })
        .collect();
    if mains.is_empty() {
        return Vec::new();
    }
    // Every word of every import line, once for the project.
    let mut imported: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for m in &project.modules {
        for line in m.source.lines() {
            let t = line.trim_start();
            if !(t.starts_with("from ") || t.starts_with("import ")) {
                continue;
            }
            imported.extend(
                t.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty()),
            );
        }
    }
    mains
        .into_iter()
        .filter(|m| {
            let last = m.name.rsplit('.').next().unwrap_or(&m.name);
            !imported.contains(last)
        })
        .map(|m| m.id)
        .collect()
}

pub(crate) fn key_uses(ctx: &Ctx<'_, '_>) -> Vec<KeyUse> {
    let mut out = Vec::new();
    let fam = |algs: &[&str]| -> Option<bool> {
        let f: Vec<Option<Family>> = algs.iter().map(|a| family(a)).collect();
        if f.is_empty() || f.iter().any(Option::is_none) {
            return None;
        }
        Some(f.iter().all(|x| *x == Some(Family::Hmac)))
    };
    for d in ctx.model.app_decodes() {
        if !matches!(d.kind, DecodeKind::Decode | DecodeKind::SignatureOnly) || d.signature.is_off()
        {
            continue;
        }
        let Some(k) = &d.key else { continue };
        let Some((bytes, env, origin)) = k.value.secret_bytes() else {
            continue;
        };
        let hmac = match &d.algorithms {
            Algorithms::List(_) => fam(&d.algorithms.names()),
            _ => None,
        };
        out.push(KeyUse {
            bytes,
            env: env.map(str::to_string),
            origin,
            used_by: format!(
                "`{}` at {}",
                crate::rules::short_callee(&d.callee),
                place(d.module, d.call.range())
            ),
            trace: decode_trace(ctx, d),
            hmac,
            file: file_of(&k.value),
            jwcrypto: d.library == Library::Jwcrypto,
            verifies: Some(ctx.model.store_checked(d)),
        });
    }
    let scripts = std::cell::OnceCell::new();
    for e in ctx.model.app_encodes() {
        let Some(k) = &e.key else { continue };
        let Some((bytes, env, origin)) = k.value.secret_bytes() else {
            continue;
        };
        // A token minted by a script run by hand (`python get_token.py`) is a developer's
        // tool, not where the app signs or checks tokens: the key the app uses is reported
        // where the app uses it.
        if scripts
            .get_or_init(|| standalone_scripts(ctx.project))
            .contains(&e.module.id)
        {
            continue;
        }
        let hmac = e.algorithm.as_ref().and_then(|(a, _)| fam(&[a.as_str()]));
        out.push(KeyUse {
            bytes,
            env: env.map(str::to_string),
            origin,
            used_by: format!(
                "`{}` at {}",
                crate::rules::short_callee(&e.callee),
                place(e.module, e.call.range())
            ),
            trace: encode_trace(ctx, e),
            hmac,
            file: file_of(&k.value),
            jwcrypto: e.library == Library::Jwcrypto,
            verifies: None,
        });
    }
    for s in ctx.model.app_key_sites() {
        let Some((bytes, env, origin)) = s.key.value.secret_bytes() else {
            continue;
        };
        out.push(KeyUse {
            bytes,
            env: env.map(str::to_string),
            origin,
            used_by: s.used_by.clone(),
            trace: Vec::new(),
            hmac: None,
            file: file_of(&s.key.value),
            jwcrypto: false,
            verifies: None,
        });
    }
    // Test-only keys are not findings: the key's own file, or the call, is test code.
    out.retain(|u| !ctx.project.module(u.origin.module).is_test);
    out
}

/// A key produced by a generator that does not make secret keys.
struct GeneratedKey {
    source: String,
    log10: Option<f64>,
    origin: Origin,
    used_by: String,
    trace: Vec<TraceStep>,
}

fn generated_keys(ctx: &Ctx<'_, '_>) -> Vec<GeneratedKey> {
    let mut out = Vec::new();
    let mut push = |k: &crate::jwt_model::KeyArg<'_>, used_by: String, trace: Vec<TraceStep>| {
        let c = k.value.or_default();
        if let Value::Generated {
            source,
            log10_candidates,
        } = &c.value
            && let Some(origin) = c.origin
        {
            out.push(GeneratedKey {
                source: source.clone(),
                log10: *log10_candidates,
                origin,
                used_by,
                trace,
            });
        }
    };
    for d in ctx.model.app_decodes() {
        if let Some(k) = &d.key {
            push(
                k,
                format!(
                    "`{}` at {}",
                    crate::rules::short_callee(&d.callee),
                    place(d.module, d.call.range())
                ),
                decode_trace(ctx, d),
            );
        }
    }
    for e in ctx.model.app_encodes() {
        if let Some(k) = &e.key {
            push(
                k,
                format!(
                    "`{}` at {}",
                    crate::rules::short_callee(&e.callee),
                    place(e.module, e.call.range())
                ),
                encode_trace(ctx, e),
            );
        }
    }
    for s in ctx.model.app_key_sites() {
        push(&s.key, s.used_by.clone(), Vec::new());
    }
    out.retain(|u| !ctx.project.module(u.origin.module).is_test);
    out
}

/// "10^6 candidates", "about 2^32 (4.3e9) candidates".
pub(crate) fn search_space(log10: f64) -> String {
    if (log10 - log10.round()).abs() < 1e-9 {
        format!("10^{} candidates", log10.round() as i64)
    } else {
        let bits = log10 / 2f64.log10();
        format!("about 2^{bits:.0} (10^{log10:.1}) candidates")
    }
}

fn predictable(source: &str) -> &'static str {
    if source.starts_with("uuid") {
        "a version-1 UUID is the host's MAC address and a timestamp: guessable"
    } else if source.starts_with("random") {
        "the `random` module is not a cryptographic generator: its output is predictable from other outputs"
    } else {
        "not a cryptographic source"
    }
}

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    // Keys read from the environment whose value ships in a `.env` file the settings read.
    if !ctx.model.dotenv.is_empty() {
        let mut vars: Vec<(String, String)> = Vec::new();
        let mut add = |k: &crate::jwt_model::KeyArg<'_>, used_by: String| {
            if let Value::Env { var, .. } = &k.value.value
                && !vars.iter().any(|(v, _)| v == var)
            {
                vars.push((var.clone(), used_by));
            }
        };
        for d in ctx.model.app_decodes() {
            if let Some(k) = &d.key
                && !d.signature.is_off()
            {
                add(
                    k,
                    format!(
                        "`{}` at {}",
                        crate::rules::short_callee(&d.callee),
                        place(d.module, d.call.range())
                    ),
                );
            }
        }
        for e in ctx.model.app_encodes() {
            if let Some(k) = &e.key {
                add(
                    k,
                    format!(
                        "`{}` at {}",
                        crate::rules::short_callee(&e.callee),
                        place(e.module, e.call.range())
                    ),
                );
            }
        }
        for s in ctx.model.app_key_sites() {
            add(&s.key, s.used_by.clone());
        }
        for (var, used_by) in vars {
            for entry in ctx
                .model
                .dotenv
                .iter()
                .filter(|e| e.var == var || e.config && e.var.eq_ignore_ascii_case(&var))
            {
                let bytes = entry.value.as_bytes();
                if bytes.is_empty() || is_pem(bytes) {
                    continue;
                }
                let Some(why) = ctx.weakness(bytes) else {
                    continue;
                };
                let loc = jwtward_report::Location {
                    file: entry.file.clone(),
                    line: entry.line,
                    column: 1,
                    end_line: entry.line,
                    end_column: (entry.var.len() + entry.value.len() + 2) as u32,
                };
                if !seen.first(&loc) {
                    continue;
                }
                let reader = if entry.config {
                    "the project loads"
                } else {
                    "the settings read"
                };
                out.push(finding(
                    &META,
                    format!(
                        "`{}` is {} in this file, which {reader} ({}), and it is the HMAC key used by {used_by}; it is {}: tokens can be forged after guessing it",
                        entry.var,
                        preview(bytes),
                        entry.read_by,
                        why.describe()
                    ),
                    loc,
                    Vec::new(),
                ));
            }
        }
    }
    for g in generated_keys(ctx) {
        let loc = ctx.location(g.origin);
        if !seen.first(&loc) {
            continue;
        }
        let why = match g.log10 {
            Some(l) if g.source.starts_with("random") => format!(
                "{}, and it draws from only {}",
                predictable(&g.source),
                search_space(l)
            ),
            Some(l) => format!("an attacker tries {}", search_space(l)),
            None => predictable(&g.source).to_string(),
        };
        out.push(finding(
            &META,
            format!(
                "the signing key comes from `{}` and is used by {}: {why}; tokens can be forged after guessing it",
                g.source, g.used_by
            ),
            loc,
            g.trace,
        ));
    }
    let mut uses = key_uses(ctx);
    // Name a verification that accepts a forged token first (one whose token is not also
    // matched against a store), then other verifications, then the signing uses.
    uses.sort_by_key(|u| match &u.verifies {
        Some(None) => 0,
        Some(Some(_)) => 1,
        None => 2,
    });
    for u in &uses {
        // An empty key is a "must be set" marker: PyJWT refuses to sign or verify with it.
        if is_pem(&u.bytes) || u.hmac == Some(false) || u.bytes.is_empty() {
            continue;
        }
        let Some(why) = ctx.weakness(&u.bytes) else {
            continue;
        };
        let loc = ctx.location(u.origin);
        if !seen.first(&loc) {
            continue;
        }
        // Every verification with this key also requires the exact token to be stored (an
        // API key or session row matched by its token): a token forged with the guessed key
        // is refused, so the weak key is a hygiene issue here, not a bypass.
        let verifications: Vec<&Option<String>> = uses
            .iter()
            .filter(|v| v.origin == u.origin)
            .filter_map(|v| v.verifies.as_ref())
            .collect();
        let store_only = !verifications.is_empty() && verifications.iter().all(|c| c.is_some());
        if store_only {
            let checked = verifications[0].as_deref().unwrap_or_default();
            let what = match &u.env {
                Some(var) => format!(
                    "the fallback of environment variable `{var}`, {}, is",
                    preview(&u.bytes)
                ),
                None => format!("HMAC key {} is", preview(&u.bytes)),
            };
            out.push(
                finding(
                    &META,
                    format!(
                        "{what} {} but every verification with it also requires the exact token to be stored ({}): a token forged with the guessed key is refused (low: fix the key before the store check goes)",
                        why.describe(),
                        checked
                    ),
                    loc,
                    u.trace.clone(),
                )
                .with_severity(Severity::Low),
            );
            continue;
        }
        let what = match &u.env {
            Some(var) => format!(
                "the fallback of environment variable `{var}`, {}, is used as the HMAC key",
                preview(&u.bytes)
            ),
            None => format!("HMAC key {} is used", preview(&u.bytes)),
        };
        // Checked with jwcrypto 1.6.1: an HMAC key shorter than the hash (32 bytes for
        // HS256) raises at signing and verification unless `jwa.default_enforce_hmac_key_length`
        // is switched off; releases before that check sign with it.
        let refused = if u.jwcrypto && u.bytes.len() < 32 {
            " (jwcrypto 1.6 refuses an HMAC key shorter than the hash, 32 bytes for HS256, unless `jwa.default_enforce_hmac_key_length` is switched off; older releases sign with it)"
        } else {
            ""
        };
        out.push(finding(
            &META,
            format!(
                "{what} by {}; it is {}: tokens can be forged after guessing it{refused}",
                u.used_by,
                why.describe()
            ),
            loc,
            u.trace.clone(),
        ));
    }
    out
}
