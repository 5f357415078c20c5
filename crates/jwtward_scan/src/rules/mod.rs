//! The rules, one per file. Each file holds its [`jwtward_report::RuleMeta`] (`META`) and a
//! `check` function over the [`crate::Ctx`].

pub mod algorithm_confusion;
pub mod algorithms_not_pinned;
pub mod audience_not_verified;
pub mod error_detail_leak;
pub mod expiration_not_required;
pub mod expiration_not_verified;
pub mod hardcoded_secret;
pub mod insecure_token_cookie;
pub mod issuer_not_verified;
pub mod long_token_lifetime;
pub mod none_algorithm_allowed;
pub mod signature_not_verified;
pub mod untrusted_verification_input;
pub mod weak_secret;

use crate::jwt_model::{DecodeCall, DecodeKind};
use jwtward_python::Ranged;
use jwtward_python::ast::ExprCall;
use jwtward_python::{Module, Origin};
use jwtward_report::Location;
use std::collections::HashSet;

/// Keeps one finding per place.
#[derive(Default)]
pub(crate) struct Seen(HashSet<Location>);

impl Seen {
    pub fn first(&mut self, l: &Location) -> bool {
        self.0.insert(l.clone())
    }
}

pub(crate) fn call_origin(module: &Module, call: &ExprCall) -> Origin {
    Origin {
        module: module.id,
        range: call.range(),
    }
}

/// The `name=` keyword's value range, or the call.
pub(crate) fn kw_origin(module: &Module, call: &ExprCall, name: &str) -> Origin {
    let range = call
        .arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        .map(|k| k.range())
        .unwrap_or_else(|| call.range());
    Origin {
        module: module.id,
        range,
    }
}

/// The code handles `claim` itself after the decode: the function that decodes, or one that
/// calls it (one level up), compares or reads it (`claims["aud"] != API`, `payload.get("iss")`,
/// `claims.aud`) or calls a function whose name says so (`_validate_token_audience(...)`,
/// `check_expiry(...)`: `words` are the name fragments, lower case).
pub(crate) fn claim_checked_by_hand(
    ctx: &crate::Ctx<'_, '_>,
    d: &DecodeCall<'_>,
    claim: &str,
    words: &[&str],
) -> bool {
    let Some(q) = d.function.as_deref() else {
        return false;
    };
    if body_handles_claim(ctx, q, claim, words, 1) {
        return true;
    }
    ctx.project
        .call_sites_of(q)
        .iter()
        .filter_map(|c| c.caller.as_deref())
        .any(|caller| body_handles_claim(ctx, caller, claim, words, 0))
}

/// `depth`: how many levels of project callees to look into as well
/// (`_validate_contract(payload)` that calls `_validate_token_audience`).
fn body_handles_claim(
    ctx: &crate::Ctx<'_, '_>,
    qname: &str,
    claim: &str,
    words: &[&str],
    depth: u8,
) -> bool {
    use jwtward_python::ast::Expr;
    let Some(f) = ctx.project.function(qname) else {
        return false;
    };
    let mut callees: Vec<String> = Vec::new();
    let is_claim = |e: &Expr| matches!(e, Expr::StringLiteral(l) if l.value.to_str() == claim);
    let mut found = false;
    jwtward_python::walk::for_each_expr_shallow(&f.def.body, &mut |e| match e {
        Expr::Compare(c) => {
            for x in std::iter::once(&*c.left).chain(c.comparators.iter()) {
                jwtward_python::walk::for_each_subexpr(x, &mut |y| match y {
                    Expr::StringLiteral(l) if l.value.to_str() == claim => found = true,
                    Expr::Attribute(a) if a.attr.as_str() == claim => found = true,
                    _ => {}
                });
            }
        }
        // `payload["exp"]`, `payload.exp`: the claim is read to be acted on.
        Expr::Subscript(sub) if is_claim(&sub.slice) => found = true,
        Expr::Attribute(a) if a.attr.as_str() == claim => found = true,
        Expr::Call(c) => {
            let name = match &*c.func {
                Expr::Name(n) => n.id.as_str(),
                Expr::Attribute(a) => a.attr.as_str(),
                _ => "",
            };
            let lower = name.to_ascii_lowercase();
            if words.iter().any(|w| lower.contains(w)) {
                found = true;
            }
            if name == "get" && c.arguments.args.first().is_some_and(is_claim) {
                found = true;
            }
            if depth > 0
                && let Some(q) = ctx.project.qualified_name(f.module, &c.func)
                && q != qname
            {
                callees.push(q);
            }
        }
        _ => {}
    });
    found
        || callees
            .iter()
            .any(|q| body_handles_claim(ctx, q, claim, words, depth - 1))
}

/// A decode that verifies the signature (the claim rules only make sense for those).
pub(crate) fn verified_decode(d: &DecodeCall<'_>) -> bool {
    d.kind == DecodeKind::Decode && !d.signature.is_off()
}

/// Short name of the callee for messages (`jwt.decode`, `JsonWebToken.decode`).
pub(crate) fn short_callee(d: &str) -> String {
    let parts: Vec<&str> = d.rsplitn(3, '.').collect();
    match parts.as_slice() {
        [m, c, _] | [m, c] => format!("{c}.{m}"),
        _ => d.to_string(),
    }
}
