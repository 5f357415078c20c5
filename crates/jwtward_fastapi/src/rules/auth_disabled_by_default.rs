//! `auth-disabled-by-default`: authentication that runs only when a setting differs from
//! its default.

use super::finding;
use crate::analysis::Ctx;
use crate::defaults::{Gate, GateKind};
use crate::model::Func;
use jwtward_report::{Finding, RuleMeta, Severity};
use ruff_python_ast::Stmt;
use ruff_text_size::Ranged;
use std::collections::BTreeMap;

pub static META: RuleMeta = RuleMeta {
    name: "auth-disabled-by-default",
    severity: Severity::High,
    cwe: &[306, 1188],
    summary: "Authentication runs only when a setting differs from its default",
    explanation: "A credential check behind an `if` on configuration is only as safe as the \
configuration's default. `if not settings.AUTH_ENABLED: return dev_user` with \
`AUTH_ENABLED: bool = False`, a password middleware that lets everything through while \
`APP_PASSWORD` is unset, a setup secret checked only `if settings.setup_token:` (default \
`None`), `if settings.ENV == \"production\": <check>` with `ENV = \"dev\"`: an install that \
keeps the defaults (a fresh deployment, a container started without the variable) serves \
every route behind that check to anyone. The rule evaluates the `if` with every setting at \
its default (a settings-class field, an environment read and its fallback, a module \
constant) and reports the check when the defaults leave it off; a default that turns \
authentication on is not reported. The routes behind it are `conditional` in the route \
table.",
    remediation: "Make the secure state the default: authentication on unless explicitly \
disabled for development (`AUTH_ENABLED: bool = True`), refuse to start when the secret the \
check needs is not configured, and never hand out an identity (a default admin) to requests \
without credentials.",
    example: "class Settings(BaseSettings):\n    require_auth: bool = False\n\ndef current_user(creds=Depends(bearer)):\n    if not settings.require_auth:\n        return ADMIN\n    return verify(creds)",
    fixed_example: "class Settings(BaseSettings):\n    require_auth: bool = True\n\ndef current_user(creds=Depends(bearer)):\n    if not settings.require_auth:\n        return ADMIN\n    return verify(creds)",
};

fn effect(g: &Gate) -> String {
    match g.kind {
        GateKind::Skip => format!(
            "with the defaults `{}` holds and the credential check is skipped",
            g.test_text
        ),
        GateKind::Guard => format!(
            "with the defaults `{}` is false and the credential check never runs",
            g.test_text
        ),
        GateKind::Register => format!(
            "with the defaults `{}` is false and the auth middleware is never added",
            g.test_text
        ),
    }
}

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // One finding per gate, with the routes behind it.
    let mut by_gate: BTreeMap<(usize, u32), (Gate, String, Vec<usize>)> = BTreeMap::new();
    for ri in 0..cx.routes.len() {
        if cx.shadowed_by[ri].is_some() {
            continue;
        }
        if let Some((g, what)) = cx.off_by_default(ri) {
            by_gate
                .entry((g.mid, u32::from(g.test.start())))
                .or_insert_with(|| (g, what, Vec::new()))
                .2
                .push(ri);
        }
    }
    // Dependencies the model reaches from no route (built in factories, attached by class
    // based routers): a function FastAPI would call as a dependency (a `Depends`/`Security`
    // parameter) that checks credentials behind an `if` on a setting.
    for f in dependency_shaped(cx) {
        for g in cx.gates(f).iter().filter(|g| g.off_by_default()) {
            by_gate
                .entry((g.mid, u32::from(g.test.start())))
                .or_insert_with(|| (g.clone(), format!("{}()", f.display()), Vec::new()));
        }
    }
    for (g, what, routes) in by_gate.into_values() {
        let mut trace = vec![cx.an.step(
            g.mid,
            g.test,
            match g.kind {
                GateKind::Skip => format!("{what} skips authentication when `{}`", g.test_text),
                GateKind::Guard => {
                    format!("{what} checks the credential only when `{}`", g.test_text)
                }
                GateKind::Register => format!("{what} is added only when `{}`", g.test_text),
            },
        )];
        for s in &g.settings {
            trace.push(cx.an.step(
                s.mid,
                s.range,
                format!("{} defaults to {} ({})", s.name, s.default.show(), s.origin),
            ));
        }
        for &ri in routes.iter().take(12) {
            trace.push(cx.route_step(ri));
        }
        let routes_note = match routes.len() {
            0 => String::new(),
            1 => format!(
                "; {} {} is open",
                cx.routes[routes[0]].methods.join(","),
                cx.routes[routes[0]].path
            ),
            n => format!("; {n} routes are open"),
        };
        let msg = format!(
            "{what} authenticates only when a setting differs from its default: {}{routes_note}",
            effect(&g)
        );
        out.push(finding(cx, &META, msg, g.mid, g.test, trace));
    }
}

/// Functions with a `Depends(...)`/`Security(...)` parameter that reject with 401/403:
/// dependencies, whether or not a route the model sees uses them.
fn dependency_shaped<'p>(cx: &Ctx<'_, 'p>) -> Vec<Func<'p>> {
    fn walk<'p>(
        cx: &Ctx<'_, 'p>,
        mid: usize,
        body: &'p [Stmt],
        class: Option<&'p ruff_python_ast::StmtClassDef>,
        out: &mut Vec<Func<'p>>,
        depth: u32,
    ) {
        if depth > 4 {
            return;
        }
        let md = cx.m().ix.module(mid);
        for s in body {
            match s {
                Stmt::FunctionDef(def) => {
                    let sig = md.slice(def.parameters.range());
                    if (sig.contains("Depends(") || sig.contains("Security("))
                        && def.body.iter().any(|s| matches!(s, Stmt::If(_)))
                        && crate::defaults::is_denial_text(md.slice(def.range()))
                    {
                        out.push(Func {
                            mid,
                            def,
                            class,
                            bound: None,
                        });
                    }
                    walk(cx, mid, &def.body, None, out, depth + 1);
                }
                Stmt::ClassDef(c) => walk(cx, mid, &c.body, Some(c), out, depth + 1),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for md in &cx.m().ix.project.modules {
        if md.is_test || !md.interesting {
            continue;
        }
        if !(md.source.contains("Depends(") || md.source.contains("Security(")) {
            continue;
        }
        walk(cx, md.id, &md.ast().body, None, &mut out, 0);
    }
    out
}
