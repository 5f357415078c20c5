use crate::jwt_model::DecodeKind;
use crate::rules::{Seen, short_callee};
use crate::{Ctx, decode_trace, finding};
use jwtward_python::ast::{Expr, StmtFunctionDef};
use jwtward_python::{Module, Origin, Ranged, walk};
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "untrusted-verification-input",
    severity: Severity::Critical,
    cwe: &[347],
    summary: "The verification key or the allowed algorithms of a decode come from the request.",
    explanation: "A signature check proves only that the token was signed with the key the verifier uses. When that key (or the list of algorithms) is read from the request itself (a query parameter, a header, a cookie, the body, a FastAPI `Header()`/`Query()`/`Cookie()`/`Body()` parameter), the attacker signs a token with a key of their choosing, sends that key along, and the check passes; with the algorithms from the request they pick `none` or HMAC with a public key. The key and the algorithm list are followed through local variables.",
    remediation: "Take verification keys and algorithms from the server's configuration (a constant, a settings field, the issuer's JWKS chosen by a configured URL), never from the request; select among configured keys by `kid` if needed.",
    example: "key = request.headers.get(\"X-Key\")\nclaims = jwt.decode(token, key, algorithms=[\"HS256\"])",
    fixed_example: "claims = jwt.decode(token, settings.jwt_key, algorithms=[\"HS256\"])",
};

/// Request readers: `request.<one of these>`.
const REQUEST_PARTS: &[&str] = &[
    "args",
    "headers",
    "query_params",
    "path_params",
    "cookies",
    "form",
    "json",
    "get_json",
    "GET",
    "POST",
    "data",
    "values",
    "body",
];

/// FastAPI parameter markers whose value is supplied by the client.
const PARAM_MARKERS: &[&str] = &["Header(", "Query(", "Cookie(", "Body(", "Form(", "Path("];

/// Where in `e` the request is read, following local assignments of `def`.
fn from_request(
    m: &Module,
    def: Option<&StmtFunctionDef>,
    e: &Expr,
    depth: u32,
) -> Option<(Origin, String)> {
    if depth > 6 {
        return None;
    }
    // `validate_algorithm(alg)`, `load_key(kid)`: a project function between the request and
    // the decode decides what comes out (an allowlist, a key store).
    if let Expr::Call(c) = e
        && let Expr::Name(n) = &*c.func
        && !matches!(n.id.as_str(), "str" | "bytes" | "list" | "tuple" | "dict")
    {
        return None;
    }
    if let Expr::List(jwtward_python::ast::ExprList { elts, .. })
    | Expr::Tuple(jwtward_python::ast::ExprTuple { elts, .. }) = e
    {
        return elts.iter().find_map(|x| from_request(m, def, x, depth + 1));
    }
    // `KEYS[kid]`: the request may pick among configured keys; the index is not the key.
    if let Expr::Subscript(sub) = e {
        return from_request(m, def, &sub.value, depth + 1);
    }
    // `PARTNER_KEY if is_partner_token(token) else WEB_KEY`: the request may pick one of two
    // configured keys; the test is not the key.
    if let Expr::If(i) = e {
        return from_request(m, def, &i.body, depth + 1)
            .or_else(|| from_request(m, def, &i.orelse, depth + 1));
    }
    let mut found = None;
    let mut names = Vec::new();
    walk::for_each_subexpr(e, &mut |x| {
        if found.is_some() {
            return;
        }
        match x {
            Expr::Attribute(a) => {
                if let Expr::Name(n) = &*a.value
                    && matches!(n.id.as_str(), "request" | "req")
                    && REQUEST_PARTS.contains(&a.attr.as_str())
                {
                    found = Some((
                        Origin {
                            module: m.id,
                            range: x.range(),
                        },
                        format!("`request.{}`", a.attr.as_str()),
                    ));
                }
            }
            Expr::Name(n) => names.push(n.id.as_str().to_string()),
            _ => {}
        }
    });
    if found.is_some() {
        return found;
    }
    let def = def?;
    for name in names {
        for (value, _) in local_values(def, &name) {
            if let Some(f) = from_request(m, Some(def), value, depth + 1) {
                return Some(f);
            }
        }
        // A FastAPI parameter the client fills in: `key: str = Header(...)`.
        let p = def
            .parameters
            .iter_non_variadic_params()
            .find(|p| p.parameter.name.as_str() == name);
        if let Some(p) = p {
            let text = |r: jwtward_python::TextRange| m.slice(r).to_string();
            let default = p.default.as_deref().map(|d| text(d.range()));
            let annotation = p.parameter.annotation.as_deref().map(|a| text(a.range()));
            for t in [default, annotation].into_iter().flatten() {
                if let Some(marker) = PARAM_MARKERS.iter().find(|k| t.contains(*k)) {
                    return Some((
                        Origin {
                            module: m.id,
                            range: p.range(),
                        },
                        format!("the `{})` parameter `{name}`", marker),
                    ));
                }
            }
        }
    }
    None
}

fn local_values<'a>(
    def: &'a StmtFunctionDef,
    name: &str,
) -> Vec<(&'a Expr, jwtward_python::TextRange)> {
    let mut out = Vec::new();
    walk::for_each_stmt_shallow(&def.body, &mut |s| {
        if let jwtward_python::ast::Stmt::Assign(a) = s {
            for t in &a.targets {
                if matches!(t, Expr::Name(n) if n.id.as_str() == name) {
                    out.push((&*a.value, s.range()));
                }
            }
        }
    });
    out
}

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    for d in ctx.model.app_decodes() {
        if !matches!(d.kind, DecodeKind::Decode | DecodeKind::SignatureOnly) || d.via.is_some() {
            continue;
        }
        let f = d.function.as_deref().and_then(|q| ctx.project.function(q));
        let def = f.as_ref().map(|f| f.def);
        let key = d.key.as_ref().map(|k| k.expr);
        let algs = d
            .call
            .arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "algorithms"))
            .map(|k| &k.value)
            .or_else(|| d.call.arguments.args.get(2));
        for (what, verb, e) in [
            ("verification key", "comes", key),
            ("allowed algorithms", "come", algs),
        ] {
            let Some(e) = e else { continue };
            let Some((origin, source)) = from_request(d.module, def, e, 0) else {
                continue;
            };
            let loc = ctx.location(origin);
            if !seen.first(&loc) {
                continue;
            }
            out.push(finding(
                &META,
                format!(
                    "the {what} of `{}` {verb} from the request ({source}): the client chooses what the signature is checked against, so any token it signs passes",
                    short_callee(&d.callee)
                ),
                loc,
                decode_trace(ctx, d),
            ));
        }
    }
    out
}
