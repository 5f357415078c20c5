//! The FastAPI rules, one per file. Each file holds the rule's [`RuleMeta`] and its check.

use crate::analysis::Ctx;
use jwtward_python::ModuleId;
use jwtward_report::{Finding, RuleMeta, TraceStep};
use ruff_text_size::TextRange;

pub mod auth_dependency_overridden;
pub mod auth_disabled_by_default;
pub mod auth_exemption_too_broad;
pub mod claims_not_checked;
pub mod fail_open_auth_dependency;
pub mod fail_open_auth_middleware;
pub mod login_without_rate_limit;
pub mod missing_www_authenticate;
pub mod no_revocation_check;
pub mod optional_auth_scheme;
pub mod public_fallback_route;
pub mod token_from_cookie;
pub mod token_from_query;
pub mod token_not_verified;
pub mod unprotected_route;

type RuleCheck = fn(&Ctx, &mut Vec<Finding>);

/// Runs every rule; `JWTWARD_FASTAPI_TIMING=1` prints the time each one takes.
pub(crate) fn run_all(cx: &Ctx, out: &mut Vec<Finding>) {
    let timing = std::env::var_os("JWTWARD_FASTAPI_TIMING").is_some();
    let checks: [(&str, RuleCheck); 15] = [
        (
            fail_open_auth_dependency::META.name,
            fail_open_auth_dependency::check,
        ),
        (optional_auth_scheme::META.name, optional_auth_scheme::check),
        (
            public_fallback_route::META.name,
            public_fallback_route::check,
        ),
        (unprotected_route::META.name, unprotected_route::check),
        (token_not_verified::META.name, token_not_verified::check),
        (
            auth_disabled_by_default::META.name,
            auth_disabled_by_default::check,
        ),
        (
            auth_exemption_too_broad::META.name,
            auth_exemption_too_broad::check,
        ),
        (
            fail_open_auth_middleware::META.name,
            fail_open_auth_middleware::check,
        ),
        (
            auth_dependency_overridden::META.name,
            auth_dependency_overridden::check,
        ),
        (claims_not_checked::META.name, claims_not_checked::check),
        (token_from_cookie::META.name, token_from_cookie::check),
        (token_from_query::META.name, token_from_query::check),
        (no_revocation_check::META.name, no_revocation_check::check),
        (
            login_without_rate_limit::META.name,
            login_without_rate_limit::check,
        ),
        (
            missing_www_authenticate::META.name,
            missing_www_authenticate::check,
        ),
    ];
    for (name, check) in checks {
        let t = std::time::Instant::now();
        check(cx, out);
        if timing {
            eprintln!("jwtward_fastapi timing: {name} {:?}", t.elapsed());
        }
    }
}

/// A finding of `meta` at `range` of module `mid`.
pub(crate) fn finding(
    cx: &Ctx,
    meta: &RuleMeta,
    message: impl Into<String>,
    mid: ModuleId,
    range: TextRange,
    trace: Vec<TraceStep>,
) -> Finding {
    Finding::new(meta, message)
        .at(cx.m().ix.module(mid).location(range))
        .with_trace(trace)
}

/// A finding on route `ri`: located at the route declaration, with method and path.
pub(crate) fn route_finding(
    cx: &Ctx,
    meta: &RuleMeta,
    ri: usize,
    message: impl Into<String>,
    trace: Vec<TraceStep>,
) -> Finding {
    let r = &cx.routes[ri];
    finding(cx, meta, message, r.mid, r.range, trace)
        .with_route(r.methods.join(","), r.path.clone())
}

/// Every function dependency reachable from the routes, with the top-level apps whose
/// routes reach it.
pub(crate) fn reachable_deps_by_root<'p>(
    cx: &Ctx<'_, 'p>,
) -> Vec<(crate::model::Func<'p>, std::collections::BTreeSet<usize>)> {
    let mut index: std::collections::HashMap<crate::model::FuncKey, usize> =
        std::collections::HashMap::new();
    let mut out: Vec<(crate::model::Func<'p>, std::collections::BTreeSet<usize>)> = Vec::new();
    for r in &cx.routes {
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<crate::model::DepUse<'p>> =
            r.deps.iter().rev().map(|(d, _)| d.clone()).collect();
        while let Some(d) = stack.pop() {
            if let crate::model::DepTarget::Func(f) = d.target
                && seen.insert(f.key())
            {
                let i = *index.entry(f.key()).or_insert_with(|| {
                    out.push((f, Default::default()));
                    out.len() - 1
                });
                out[i].1.insert(r.root);
                for p in cx.an.params(f).iter().rev() {
                    if let Some(sub) = &p.dep {
                        stack.push(sub.clone());
                    }
                }
            }
        }
    }
    out
}

/// Every function dependency reachable from the routes (any depth), each once, in order.
pub(crate) fn reachable_deps<'p>(cx: &Ctx<'_, 'p>) -> Vec<crate::model::Func<'p>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut stack: Vec<crate::model::DepUse<'p>> = Vec::new();
    for r in &cx.routes {
        for (d, _) in r.deps.iter().rev() {
            stack.push(d.clone());
        }
        while let Some(d) = stack.pop() {
            if let crate::model::DepTarget::Func(f) = d.target
                && seen.insert(f.key())
            {
                out.push(f);
                for p in cx.an.params(f).iter().rev() {
                    if let Some(sub) = &p.dep {
                        stack.push(sub.clone());
                    }
                }
            }
        }
    }
    out
}

/// A route that runs without an identity is no bypass when it is public by design (login,
/// reset, OAuth, static...), nor when it only reads (GET, HEAD, OPTIONS) through a
/// dependency whose name or arguments say that the identity is optional
/// (`get_optional_user`, `current_user(optional=True)`, `authorizer(required=False)`): a
/// public page that an identity only personalises. A write through such a dependency, or a
/// read through one that does not say so, is still reported.
pub(crate) fn anonymous_by_design(
    cx: &Ctx,
    ri: usize,
    dep: Option<&crate::model::DepUse<'_>>,
) -> bool {
    if cx.is_public(ri) {
        return true;
    }
    let r = &cx.routes[ri];
    let reads = !r.methods.is_empty()
        && r.methods
            .iter()
            .all(|m| matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS"));
    reads && dep.is_some_and(|d| says_optional(&d.text))
}

/// `get_optional_user`, `maybe_user`, `current_user(optional=True)`, `required=False`.
pub(crate) fn says_optional(text: &str) -> bool {
    let t: String = text
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    t.contains("optional") || t.contains("maybe_") || t.contains("required=false")
}
