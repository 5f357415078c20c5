use crate::rules::Seen;
use crate::{Ctx, finding};
use jwtward_python::ast::{Expr, ExprCall};
use jwtward_python::{Origin, Ranged, Scope, Value, walk};
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "insecure-token-cookie",
    severity: Severity::Medium,
    cwe: &[614, 1004],
    summary: "A token is stored in a cookie without `httponly`, `secure` or a safe `samesite`.",
    explanation: "A cookie that holds a session or access token must not be readable by page scripts (`httponly=True`, or any XSS steals the token), must only travel over HTTPS (`secure=True`, or anyone on the network path reads it) and must not be sent on cross-site requests (`samesite=\"lax\"` or `\"strict\"`, or other sites ride the session: CSRF). Starlette's `set_cookie` defaults to `httponly=False`, `secure=False` and `samesite=\"lax\"`, so the first two must be set explicitly; `samesite=\"none\"` or `None` is reported. A cookie counts as holding a token when its name or value mentions a token, JWT, session, auth or access. Not reported: a cookie whose value is a short constant (a UI flag such as `is_authorized=\"true\"`), a CSRF double-submit cookie (its name or value says `csrf`/`xsrf`: the page's script must read it), and `samesite=\"none\"` alone on an `httponly`, `secure` refresh-token cookie (the refresh endpoint then answers a cross-site page with tokens that page cannot read).",
    remediation: "Set the cookie with `httponly=True, secure=True, samesite=\"lax\"` (or `\"strict\"`), and give it a `max_age` no longer than the token's lifetime.",
    example: "response.set_cookie(\"access_token\", token)",
    fixed_example: "response.set_cookie(\"access_token\", token, httponly=True, secure=True, samesite=\"strict\")",
};

const TOKEN_WORDS: &[&str] = &[
    "token", "jwt", "session", "auth", "access", "refresh", "bearer", "sid",
];

fn kw<'a>(call: &'a ExprCall, name: &str) -> Option<&'a Expr> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        .map(|k| &k.value)
}

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    for m in &ctx.project.modules {
        if !m.interesting || !m.source.contains("set_cookie") {
            continue;
        }
        let mut calls: Vec<&ExprCall> = Vec::new();
        walk::for_each_expr(&m.ast().body, &mut |e, _| {
            if let Expr::Call(c) = e
                && let Expr::Attribute(a) = &*c.func
                && a.attr.as_str() == "set_cookie"
            {
                calls.push(c);
            }
        });
        for c in calls {
            let scope = match ctx.project.enclosing_function(m, c.start()) {
                Some(f) => Scope::function(m, f.def),
                None => Scope::module(m),
            };
            let key = kw(c, "key").or(c.arguments.args.first());
            let value = kw(c, "value").or(c.arguments.args.get(1));
            let key_name =
                key.and_then(|k| ctx.project.eval(&scope, k).as_str().map(str::to_string));
            let mentions = |t: &str| {
                let t = t.to_ascii_lowercase();
                TOKEN_WORDS.iter().any(|w| t.contains(w))
            };
            let is_token = key_name.as_deref().is_some_and(mentions)
                || value.is_some_and(|v| {
                    let t = m.slice(v.range()).to_ascii_lowercase();
                    t.contains("token") || t.contains("jwt")
                });
            // A constant flag for the UI (`is_authorized="true"`, `expired=1`) holds no token.
            let constant_value = value.is_some_and(|v| {
                matches!(
                    v,
                    Expr::BooleanLiteral(_) | Expr::NumberLiteral(_) | Expr::NoneLiteral(_)
                ) || matches!(v, Expr::StringLiteral(l) if l.value.to_str().len() <= 16)
            });
            // A CSRF double-submit cookie is read by the page's script by design: not a
            // credential (`CSRF_TOKEN_COOKIE_NAME`, `value=csrf_token`).
            let csrf = [key, value].into_iter().flatten().any(|e| {
                let t = m.slice(e.range()).to_ascii_lowercase();
                t.contains("csrf") || t.contains("xsrf")
            }) || key_name.as_deref().is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                n.contains("csrf") || n.contains("xsrf")
            });
            if !is_token || constant_value || csrf {
                continue;
            }
            let flag = |name: &str| -> Option<bool> {
                match kw(c, name) {
                    None => Some(false),
                    Some(e) => {
                        let v = ctx.project.eval(&scope, e);
                        match &v.value {
                            Value::Env {
                                default: Some(d), ..
                            } => d.truthy(),
                            _ => v.truthy(),
                        }
                    }
                }
            };
            let mut missing = Vec::new();
            if flag("httponly") == Some(false) {
                missing.push("`httponly=True`");
            }
            if flag("secure") == Some(false) {
                missing.push("`secure=True`");
            }
            if let Some(e) = kw(c, "samesite") {
                let v = ctx.project.eval(&scope, e);
                let bad = match &v.value {
                    Value::None => true,
                    Value::Str(s) => s.eq_ignore_ascii_case("none"),
                    _ => false,
                };
                if bad {
                    missing.push("`samesite=\"lax\"` (it is `none`)");
                }
            }
            // A refresh-token cookie that script and the network cannot read: riding it
            // cross-site (`samesite="none"`) only makes the refresh endpoint answer the
            // attacker's page with tokens that page cannot read (CORS).
            let refresh_only = key_name
                .as_deref()
                .is_some_and(|k| k.to_ascii_lowercase().contains("refresh"))
                && missing.len() == 1
                && missing[0].starts_with("`samesite");
            if missing.is_empty() || refresh_only {
                continue;
            }
            let loc = ctx.location(Origin {
                module: m.id,
                range: c.range(),
            });
            if !seen.first(&loc) {
                continue;
            }
            let name = key_name
                .map(|k| format!("cookie `{k}`"))
                .unwrap_or_else(|| "a cookie".into());
            out.push(finding(
                &META,
                format!(
                    "{name} holds a token but is set without {}: the token can be stolen by script, read on the network or sent cross-site",
                    missing.join(", ")
                ),
                loc,
                Vec::new(),
            ));
        }
    }
    out
}
