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
