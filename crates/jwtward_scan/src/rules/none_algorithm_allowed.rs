use crate::jwt_model::{Algorithms, DecodeKind};
use crate::rules::{Seen, short_callee};
use crate::{Ctx, decode_trace, encode_trace, finding};
use jwtward_python::ast::{CmpOp, Expr, Stmt};
use jwtward_python::{Origin, Ranged, walk};
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "none-algorithm-allowed",
    severity: Severity::Critical,
    cwe: &[347],
    summary: "The `none` algorithm (unsigned tokens) is accepted or used.",
    explanation: "A token whose header says `\"alg\": \"none\"` carries no signature at all. If `none` (in any case: `None`, `NONE`) is in the allowed-algorithms list, in the list an Authlib `JsonWebToken` is built with, or a branch decodes without verification when the header says `none`, anyone can mint a token with any claims and an empty signature. python_jwt's `verify_jwt` with `none` in `allowed_algs`, and its `generate_jwt` without a key, count too, and so does jwcrypto's `JWT(header={\"alg\": \"none\"}, algs=[\"none\"]).make_signed_token(key)` (without `none` in `algs=` jwcrypto refuses to sign, and it verifies a `none` token only with an empty key; checked with jwcrypto 1.6.1). fastapi-jwt-auth and authx never accept `none` (their decode refuses it, authx's settings reject it). Minting tokens with `algorithm=\"none\"` produces tokens that any receiver accepting them cannot tell from forgeries.",
    remediation: "Remove `none` from every algorithm list and pin the one algorithm your keys use (for example `algorithms=[\"HS256\"]` or `[\"RS256\"]`). Reject tokens whose header names `none` instead of decoding them without a signature check.",
    example: "payload = jwt.decode(token, key, algorithms=[\"HS256\", \"none\"])",
    fixed_example: "payload = jwt.decode(token, key, algorithms=[\"HS256\"])",
};

fn is_none_alg(s: &str) -> bool {
    s.eq_ignore_ascii_case("none")
}

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    for d in ctx.model.app_decodes() {
        let Algorithms::List(items) = &d.algorithms else {
            continue;
        };
        for (alg, origin) in items {
            if !is_none_alg(alg) {
                continue;
            }
            let o = origin.unwrap_or(crate::rules::kw_origin(d.module, d.call, "algorithms"));
            let loc = ctx.location(o);
            if seen.first(&loc) {
                out.push(finding(
                    &META,
                    format!(
                        "`{}` accepts the `{alg}` algorithm: unsigned tokens with any claims are accepted",
                        short_callee(&d.callee)
                    ),
                    loc,
                    decode_trace(ctx, d),
                ));
            }
        }
    }
    for e in ctx.model.app_encodes() {
        let Some((alg, origin)) = &e.algorithm else {
            continue;
        };
        if !is_none_alg(alg) {
            continue;
        }
        let o = origin.unwrap_or(crate::rules::call_origin(e.module, e.call));
        let loc = ctx.location(o);
        if seen.first(&loc) {
            out.push(finding(
                &META,
                format!(
                    "`{}` mints an unsigned token (`alg: {alg}`): receivers that accept it accept forgeries",
                    short_callee(&e.callee)
                ),
                loc,
                encode_trace(ctx, e),
            ));
        }
    }
    // `if header["alg"] == "none": <decode without verification>`.
    for d in ctx.model.app_decodes() {
        if d.kind != DecodeKind::UnverifiedClaims || d.via.is_some() {
            continue;
        }
        let Some(f) = d.function.as_deref().and_then(|f| ctx.project.function(f)) else {
            continue;
        };
        let call_start = d.call.start();
        walk::for_each_stmt_shallow(&f.def.body, &mut |s| {
            let Stmt::If(i) = s else { return };
            if !i.body.iter().any(|b| b.range().contains(call_start)) {
                return;
            }
            let Expr::Compare(c) = &*i.test else { return };
            let mentions_none = std::iter::once(&*c.left)
                .chain(c.comparators.iter())
                .any(|e| matches!(e, Expr::StringLiteral(l) if is_none_alg(l.value.to_str())));
            if !mentions_none
                || !c
                    .ops
                    .iter()
                    .all(|op| matches!(op, CmpOp::Eq | CmpOp::In | CmpOp::Is))
            {
                return;
            }
            let loc = ctx.location(Origin {
                module: d.module.id,
                range: i.test.range(),
            });
            if seen.first(&loc) {
                out.push(finding(
                    &META,
                    format!(
                        "when the token header says `none`, this branch decodes it with `{}` without a signature check",
                        short_callee(&d.callee)
                    ),
                    loc,
                    decode_trace(ctx, d),
                ));
            }
        });
    }
    out
}
