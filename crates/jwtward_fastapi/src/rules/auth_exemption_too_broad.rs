//! `auth-exemption-too-broad`: a middleware's exemption test lets more paths through than
//! the public paths it names.

use super::finding;
use crate::analysis::Ctx;
use crate::exempt::PathTest;
use jwtward_report::{Finding, RuleMeta, Severity, TraceStep};

pub static META: RuleMeta = RuleMeta {
    name: "auth-exemption-too-broad",
    severity: Severity::High,
    cwe: &[287],
    summary: "An auth middleware's exemption lets more paths through than its public paths",
    explanation: "An authentication middleware that skips its check for public paths is only \
as exact as the test it uses. `path.endswith((\"health\", \"ready\"))` meant for `/health` and \
`/ready` also skips `/api/admin/unhealth`, `/x/already`, and `/api/users/health` (served by \
`/api/users/{user_id}`); `path.startswith(\"/auth\")` meant for `/auth/login` also skips \
`/authors`; `\"static\" in path`, an unanchored `re.search` and `re.match` without `$` match \
far more than the paths they were written for. The rule models the test exactly \
(`startswith`/`endswith` on strings and tuples, `in` on sets, lists and tuples, `==`, \
`re.match`/`fullmatch`/`search`, `path.split(\"/\")[i]`, `any(...)`, a helper that returns \
such a test) and reports it with one concrete path it lets through: a route of the app when \
one is reachable that way, else a path built around the matched word. Exact tests (`in` on \
literal paths, `==`) are never reported.",
    remediation: "Exempt exact paths (`if request.url.path in {\"/health\", \"/docs\", \
\"/openapi.json\"}`) or whole path segments (`path == \"/static\" or \
path.startswith(\"/static/\")`), anchor regular expressions at both ends, and keep the list \
to paths that really are public.",
    example: "async def dispatch(self, request, call_next):\n    if request.url.path.endswith((\"health\", \"ready\")):\n        return await call_next(request)\n    ...",
    fixed_example: "PUBLIC = {\"/health\", \"/ready\"}\n\nasync def dispatch(self, request, call_next):\n    if request.url.path in PUBLIC:\n        return await call_next(request)\n    ...",
};

/// Normalised public paths of the test's literals (`"health"` -> `/health`, `^/docs$` ->
/// `/docs`).
fn public_paths(t: &PathTest) -> Vec<String> {
    let mut lits = Vec::new();
    t.literals(&mut lits);
    lits.iter()
        .map(|l| {
            let l = l
                .trim_start_matches('^')
                .trim_end_matches('$')
                .trim_end_matches(".*")
                .trim_end_matches("(/.*)?")
                .trim_end_matches('/');
            format!("/{}", l.trim_start_matches('/'))
        })
        .collect()
}

/// A path the public paths name: one of them or below one.
fn intended(path: &str, public: &[String]) -> bool {
    public.iter().any(|p| {
        path == p
            || p == "/" && path == "/"
            || path
                .strip_prefix(p.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Request paths a route template serves, for probing a test: the template itself, and
/// each parameter filled with each word the test names.
fn instances(template: &str, words: &[String]) -> Vec<String> {
    let segs: Vec<&str> = template.split('/').collect();
    let params: Vec<usize> = segs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.starts_with('{') && s.ends_with('}'))
        .map(|(i, _)| i)
        .collect();
    let mut out = Vec::new();
    for &pi in params.iter().rev() {
        for w in words {
            let mut v: Vec<String> = segs
                .iter()
                .map(|s| {
                    if s.starts_with('{') {
                        "1".to_string()
                    } else {
                        s.to_string()
                    }
                })
                .collect();
            v[pi] = w.clone();
            out.push(v.join("/"));
        }
    }
    out
}

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let m = cx.m();
    for (w, mw) in cx.mws.iter().enumerate() {
        if !mw.is_auth {
            continue;
        }
        let decl = &m.objs[mw.obj].middleware[mw.idx];
        for e in &mw.exempt {
            if e.test.is_exact() || matches!(e.test, PathTest::Not(_)) {
                continue;
            }
            let public = public_paths(&e.test);
            let words: Vec<String> = public
                .iter()
                .filter_map(|p| p.rsplit('/').next())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            // A route of the app behind this middleware that the test lets through although
            // no public path names it, and that is not public by design itself.
            // Routes as they are first, then routes reached through a parameter.
            let behind: Vec<usize> = (0..cx.routes.len())
                .filter(|&ri| {
                    cx.routes[ri].middleware.contains(&w)
                        && cx.shadowed_by[ri].is_none()
                        && cx.public_reason(ri).is_none()
                })
                .collect();
            let as_is = behind.iter().find_map(|&ri| {
                let p = &cx.routes[ri].path;
                (e.test.matches(p) && !intended(p, &public)).then(|| (ri, p.clone()))
            });
            let witness = as_is.or_else(|| {
                behind.iter().find_map(|&ri| {
                    instances(&cx.routes[ri].path, &words)
                        .into_iter()
                        .find(|c| e.test.matches(c) && !intended(c, &public))
                        .map(|c| (ri, c))
                })
            });
            let mut synthetic = Vec::new();
            e.test.word_witnesses(&mut synthetic);
            let synthetic = synthetic
                .into_iter()
                .find(|p| e.test.matches(p) && !intended(p, &public));
            let (what, steps): (String, Vec<TraceStep>) = match (&witness, synthetic) {
                (Some((ri, c)), _) => {
                    let r = &cx.routes[*ri];
                    let via = if *c == r.path {
                        format!("{} {}", r.methods.join(","), r.path)
                    } else {
                        format!("{c} (served by {} {})", r.methods.join(","), r.path)
                    };
                    (
                        via.clone(),
                        vec![
                            cx.route_step(*ri),
                            cx.an.step(
                                r.mid,
                                r.range,
                                format!("{via} is let through without authentication"),
                            ),
                        ],
                    )
                }
                (None, Some(p)) => (
                    format!("{p} (a path a protected route could have)"),
                    vec![TraceStep {
                        file: None,
                        line: None,
                        note: format!("{p} passes the test too, without authentication"),
                    }],
                ),
                (None, None) => continue,
            };
            let mut trace = vec![
                cx.an.step(
                    decl.mid,
                    decl.range,
                    format!("auth middleware {}", decl.name),
                ),
                cx.an.step(
                    e.mid,
                    e.range,
                    format!(
                        "`{}` passes requests on before the credential check; its public paths: {}",
                        e.text,
                        public.join(", ")
                    ),
                ),
            ];
            trace.extend(steps);
            let msg = format!(
                "middleware {} exempts more than its public paths: `{}` also lets {what} through unauthenticated",
                decl.name, e.text
            );
            out.push(finding(cx, &META, msg, e.mid, e.range, trace));
        }
    }
}
