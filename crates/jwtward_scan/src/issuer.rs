//! Where the tokens a decode accepts come from, and whether the project's own tokens always
//! carry `exp`: what makes the claim rules (`audience-not-verified`, `issuer-not-verified`,
//! `expiration-not-required`) a real risk or hygiene.

use crate::jwt_model::{Algorithms, DecodeCall, EncodeCall, KeyArg};
use crate::rules::algorithm_confusion::{Family, family};
use crate::rules::short_callee;
use crate::secrets::is_pem;
use crate::{Ctx, place};
use jwtward_python::ast::{Expr, Stmt};
use jwtward_python::{Origin, Ranged, TextRange, Value, walk};
use jwtward_report::Severity;

/// Who issues the tokens a decode accepts.
#[derive(Clone, Debug)]
pub enum Issuer<'a, 'p> {
    /// An HMAC secret this application holds and mints with (the encodes using it).
    Own(Vec<&'a EncodeCall<'p>>),
    /// An issuer that may also serve others: why, and whether the key is a public key or a
    /// key set (JWKS, OIDC) rather than a shared secret.
    Shared(String, bool),
}

impl Issuer<'_, '_> {
    /// Medium when tokens come from an issuer that also serves others, low otherwise.
    pub fn severity(&self) -> Severity {
        match self {
            Issuer::Own(_) => Severity::Low,
            Issuer::Shared(..) => Severity::Medium,
        }
    }

    /// The reason, for messages.
    pub fn reason(&self) -> String {
        match self {
            Issuer::Own(encodes) => {
                let at = encodes
                    .first()
                    .map(|e| {
                        format!(
                            " (`{}` at {})",
                            short_callee(&e.callee),
                            place(e.module, e.call.range())
                        )
                    })
                    .unwrap_or_default();
                // An application that signs with its own key pair (a jwcrypto RSA JWK) is the
                // only holder of the private key just the same.
                let hmac = encodes.iter().all(|e| {
                    e.algorithm
                        .as_ref()
                        .is_some_and(|(a, _)| hmac_only(&[a.as_str()]) == Some(true))
                });
                let key = if hmac { "HMAC key" } else { "signing key" };
                format!(
                    "low: the {key} is held by this application, which mints these tokens itself{at}; it matters once another service shares the key"
                )
            }
            Issuer::Shared(why, _) => format!("medium: {why}"),
        }
    }
}

fn text(d: &jwtward_python::Module, e: &Expr) -> String {
    d.slice(e.range()).split_whitespace().collect()
}

/// The same key in two calls: the same definition, environment variable, literal or text.
pub fn same_key(
    a: &KeyArg<'_>,
    am: &jwtward_python::Module,
    b: &KeyArg<'_>,
    bm: &jwtward_python::Module,
) -> bool {
    if a.identity.is_some() && a.identity == b.identity {
        return true;
    }
    if let (Value::Env { var: x, .. }, Value::Env { var: y, .. }) = (&a.value.value, &b.value.value)
        && x == y
    {
        return true;
    }
    if let (Some((x, _, _)), Some((y, _, _))) = (a.value.secret_bytes(), b.value.secret_bytes()) {
        return x == y;
    }
    // The same spelling: `settings.SECRET_KEY` anywhere, a local spelling in one module.
    let (ta, tb) = (text(am, a.expr), text(bm, b.expr));
    ta == tb && (ta.contains('.') || am.id == bm.id)
}

pub(crate) fn hmac_only(algs: &[&str]) -> Option<bool> {
    if algs.is_empty() {
        return None;
    }
    let f: Vec<Option<Family>> = algs.iter().map(|a| family(a)).collect();
    if f.iter().any(Option::is_none) {
        return None;
    }
    Some(f.iter().all(|x| *x == Some(Family::Hmac)))
}

/// Whether the key of `d` is an entry of a key set: a JWK (`jwk`, `get_signing_key` in its
/// spelling), or picked in a function that fetches a JWKS or OIDC discovery document
/// (`requests.get(JWKS_URL).json()["keys"]`, or any `["keys"]` it picks from).
pub fn key_from_key_set(ctx: &Ctx<'_, '_>, d: &DecodeCall<'_>) -> bool {
    let Some(k) = &d.key else { return false };
    if k.value.secret_bytes().is_some_and(|(b, _, _)| is_pem(&b)) {
        return false;
    }
    let t = text(d.module, k.expr).to_ascii_lowercase();
    let fetches_key_set = d
        .function
        .as_deref()
        .and_then(|q| ctx.project.function(q))
        .is_some_and(|f| {
            let body = d.module.slice(f.def.range()).to_ascii_lowercase();
            body.contains("jwks")
                || body.contains("openid-configuration")
                || body.contains("[\"keys\"]")
                || body.contains("get(\"keys\"")
        });
    t.contains("jwk") || t.contains("get_signing_key") || fetches_key_set
}

/// Who issues the tokens `d` accepts.
pub fn token_issuer<'a, 'p>(ctx: &'a Ctx<'_, 'p>, d: &DecodeCall<'p>) -> Issuer<'a, 'p> {
    let algs = d.algorithms.names();
    if let Algorithms::List(_) = &d.algorithms
        && hmac_only(&algs) == Some(false)
    {
        return Issuer::Shared(
            format!(
                "tokens are verified with a public key ({}): the key pair's owner can issue tokens for other services too",
                algs.join(", ")
            ),
            true,
        );
    }
    if let Some(k) = &d.key {
        if k.value.secret_bytes().is_some_and(|(b, _, _)| is_pem(&b)) {
            return Issuer::Shared(
                "tokens are verified with a public key: its owner can issue tokens for other services too".into(),
                true,
            );
        }
        let t = text(d.module, k.expr).to_ascii_lowercase();
        if key_from_key_set(ctx, d) || t.contains("public") {
            return Issuer::Shared(
                "the key comes from a key set or public key (JWKS, OIDC): that issuer signs tokens for other clients too".into(),
                true,
            );
        }
    }
    let encodes: Vec<&EncodeCall<'p>> = ctx.model.app_encodes().collect();
    let same: Vec<&EncodeCall<'p>> = match &d.key {
        Some(k) => encodes
            .iter()
            .copied()
            .filter(|e| {
                e.key
                    .as_ref()
                    .is_some_and(|ek| same_key(k, d.module, ek, e.module))
            })
            .collect(),
        None => Vec::new(),
    };
    if !same.is_empty() {
        return Issuer::Own(same);
    }
    // The key is not traceable to one definition (a parameter, an attribute of an object):
    // an HMAC verifier in a project that mints HMAC tokens verifies its own.
    let untraceable = d.key.as_ref().is_none_or(|k| k.value.is_unknown());
    let hmac_decode = untraceable && hmac_only(&algs) == Some(true);
    let hmac_encodes: Vec<&EncodeCall<'p>> = encodes
        .iter()
        .copied()
        .filter(|e| {
            e.algorithm
                .as_ref()
                .is_some_and(|(a, _)| hmac_only(&[a.as_str()]) == Some(true))
        })
        .collect();
    if hmac_decode && !hmac_encodes.is_empty() {
        return Issuer::Own(hmac_encodes);
    }
    // A library mints with the key: fastapi-users' `JWTStrategy(secret=SECRET)` (or a project
    // subclass of it), `generate_jwt(data, SECRET, ...)`, authx and fastapi-jwt-auth settings.
    if let Some(k) = &d.key
        && ctx.model.app_key_sites().any(|site| {
            !site.session
                && !site.used_by.contains("decode_jwt")
                && same_key(k, d.module, &site.key, site.module)
        })
    {
        return Issuer::Own(Vec::new());
    }
    Issuer::Shared(
        "no code in this project mints tokens with this key: they come from another service or a key shared with one".into(),
        false,
    )
}

/// Whether an encode's payload gets `exp`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ExpSet {
    /// On every path.
    Always,
    /// Only on some paths (`if expires_delta: ...`), at this place.
    Conditional(Origin),
    /// Not seen: the payload is built elsewhere or has no `exp`.
    Unknown,
}

/// The places a function body puts an `exp` claim into a payload: dict literals with an
/// `"exp"` key, `payload["exp"] = ...`, and `exp=` keywords of calls (`dict.update(exp=...)`,
/// `Claims(exp=...)`).
pub fn exp_sites(body: &[Stmt]) -> Vec<TextRange> {
    let mut out = Vec::new();
    let exp_key = |i: &jwtward_python::ast::DictItem| matches!(&i.key, Some(Expr::StringLiteral(k)) if k.value.to_str() == "exp");
    walk::for_each_expr_shallow(body, &mut |e| match e {
        Expr::Dict(d) if d.items.iter().any(exp_key) => out.push(e.range()),
        Expr::Call(c)
            if c.arguments
                .keywords
                .iter()
                .any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "exp")) =>
        {
            out.push(e.range())
        }
        _ => {}
    });
    walk::for_each_stmt_shallow(body, &mut |s| {
        if let Stmt::Assign(a) = s {
            for t in &a.targets {
                if let Expr::Subscript(sub) = t
                    && matches!(&*sub.slice, Expr::StringLiteral(k) if k.value.to_str() == "exp")
                {
                    out.push(s.range());
                }
            }
        }
    });
    out
}

/// True when every path through `body` reaches one of `sites`.
fn always(body: &[Stmt], sites: &[TextRange]) -> bool {
    let has = |r: TextRange| sites.iter().any(|s| r.contains_range(*s));
    body.iter().any(|s| match s {
        Stmt::If(i) => {
            let has_else = i.elif_else_clauses.last().is_some_and(|c| c.test.is_none());
            // The test itself (`if "exp" in ...`) does not set it.
            has_else
                && always(&i.body, sites)
                && i.elif_else_clauses.iter().all(|c| always(&c.body, sites))
        }
        Stmt::For(_) | Stmt::While(_) | Stmt::FunctionDef(_) | Stmt::ClassDef(_) => false,
        Stmt::With(w) => always(&w.body, sites),
        Stmt::Try(t) => always(&t.body, sites),
        _ => has(s.range()),
    })
}

/// Whether the encode `e` always sets `exp` (looked for in its function, then in the
/// functions that call it and build the payload).
pub fn exp_set(ctx: &Ctx<'_, '_>, e: &EncodeCall<'_>) -> ExpSet {
    if e.sets_exp {
        return ExpSet::Always;
    }
    if let Some(Expr::Dict(d)) = e.payload
        && d.items
            .iter()
            .any(|i| matches!(&i.key, Some(Expr::StringLiteral(k)) if k.value.to_str() == "exp"))
    {
        return ExpSet::Always;
    }
    let Some(f) = e.function.as_deref().and_then(|q| ctx.project.function(q)) else {
        return ExpSet::Unknown;
    };
    let sites = exp_sites(&f.def.body);
    if !sites.is_empty() {
        if always(&f.def.body, &sites) {
            return ExpSet::Always;
        }
        return ExpSet::Conditional(Origin {
            module: e.module.id,
            range: sites[0],
        });
    }
    // The payload comes from the callers (`def encode(payload): return jwt.encode(payload, ...)`).
    let mut any = false;
    for site in ctx.project.call_sites_of(&f.qualname).into_iter().take(16) {
        any = true;
        let in_args = site.call.arguments.args.iter().any(|a| {
            matches!(a, Expr::Dict(d) if d.items.iter().any(|i| matches!(&i.key, Some(Expr::StringLiteral(k)) if k.value.to_str() == "exp")))
        });
        if in_args {
            continue;
        }
        let Some(cf) = ctx
            .project
            .enclosing_function(site.module, site.call.start())
        else {
            return ExpSet::Unknown;
        };
        let sites = exp_sites(&cf.def.body);
        if sites.is_empty() {
            return ExpSet::Unknown;
        }
        if !always(&cf.def.body, &sites) {
            return ExpSet::Conditional(Origin {
                module: site.module.id,
                range: sites[0],
            });
        }
    }
    if any { ExpSet::Always } else { ExpSet::Unknown }
}
