//! `token-from-query`: a token accepted from a query parameter.

use super::{finding, reachable_deps};
use crate::analysis::Ctx;
use crate::flow::SourceKind;
use jwtward_report::{Finding, RuleMeta, Severity};
use std::collections::HashSet;

pub static META: RuleMeta = RuleMeta {
    name: "token-from-query",
    severity: Severity::Medium,
    cwe: &[598],
    summary: "A token is accepted from a query parameter",
    explanation: "URLs end up in access logs, proxy logs, browser history, `Referer` headers \
and monitoring tools. A bearer token in `?access_token=` leaks to all of them and stays \
valid until it expires. The one-time token of an e-mailed link (password reset, e-mail \
verification, an invitation, an OAuth callback), read by that flow's own handler, is not \
reported: it arrives in the URL by design.",
    remediation: "Accept tokens only in the `Authorization` header. For links that must carry \
a credential (downloads, websockets from browsers), issue a short-lived, single-use ticket \
bound to that one resource.",
    example: "@router.get(\"/export\")\ndef export(access_token: str = Query(...)):\n    claims = jwt.decode(access_token, KEY, algorithms=[\"HS256\"])",
    fixed_example: "@router.get(\"/export\")\ndef export(principal: Principal):  # Authorization header\n    ...",
};

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let mut funcs = reachable_deps(cx);
    funcs.extend(cx.mws.iter().filter(|w| w.is_auth).filter_map(|w| w.func));
    // Handlers: only those with a token-like query parameter or a `query_params` read.
    funcs.extend(cx.routes.iter().filter_map(|r| r.handler).filter(|h| {
        cx.an.params(*h).iter().any(|p| {
            p.source
                .as_ref()
                .is_some_and(|s| s.kind == SourceKind::Query && s.is_token_like())
        }) || cx
            .m()
            .ix
            .module(h.mid)
            .slice(h.def.range)
            .contains("query_params")
    }));
    // Handlers of the emailed-link flows (password reset, e-mail verification, invitations,
    // OAuth callbacks): the link's one-time token arrives in the URL by design; it is not
    // the API credential.
    let link_flow = |f: &crate::model::Func| {
        let routes: Vec<usize> = (0..cx.routes.len())
            .filter(|&ri| {
                cx.routes[ri]
                    .handler
                    .is_some_and(|h| std::ptr::eq(h.def, f.def))
            })
            .collect();
        !routes.is_empty()
            && routes.iter().all(|&ri| {
                cx.public_reason(ri).is_some_and(|why| {
                    ["reset", "recovery", "verification", "invit", "OAuth"]
                        .iter()
                        .any(|w| why.contains(w))
                })
            })
    };
    let mut seen = HashSet::new();
    for f in funcs {
        if link_flow(&f) {
            continue;
        }
        let s = cx.an.summary(f);
        let is_auth = s.decodes.is_some()
            || s.verifies.is_some()
            || s.sources
                .iter()
                .any(|t| t.kind == SourceKind::Header && t.is_token_like());
        if !is_auth {
            continue;
        }
        for q in s
            .sources
            .iter()
            .filter(|t| t.kind == SourceKind::Query && t.is_token_like())
        {
            if !seen.insert((q.mid, q.range.start())) {
                continue;
            }
            let mut trace = vec![cx.an.step(
                q.mid,
                q.range,
                format!("reads the token from the `{}` query parameter", q.name),
            )];
            if let Some(d) = &s.decodes {
                trace.extend(d.trace.iter().cloned());
            }
            let msg = format!(
                "{} accepts a token from the `{}` query parameter",
                f.display(),
                q.name
            );
            out.push(finding(cx, &META, msg, q.mid, q.range, trace));
        }
    }
}
