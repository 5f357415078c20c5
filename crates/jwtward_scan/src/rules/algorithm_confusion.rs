use crate::jwt_model::{Algorithms, DecodeCall, EncodeCall};
use crate::rules::{Seen, call_origin, kw_origin, short_callee};
use crate::{Ctx, decode_trace, encode_trace, finding, place};
use jwtward_python::Origin;
use jwtward_report::{Finding, RuleMeta, Severity};
use std::collections::BTreeMap;

pub const META: RuleMeta = RuleMeta {
    name: "algorithm-confusion",
    severity: Severity::High,
    cwe: &[347],
    summary: "One key is used with both HMAC (HS*) and public-key (RS/ES/PS/EdDSA) algorithms.",
    explanation: "With an HMAC algorithm the verification key is a shared secret; with RS/ES/PS/EdDSA it is a public key that anyone may know. When the same key is accepted under both families (`algorithms=[\"RS256\", \"HS256\"]` with a public key, or one key variable used for HS256 in one place and RS256 in another), an attacker signs a token with HS256 using the public key as the HMAC secret and the verifier accepts it. Libraries try to refuse PEM keys as HMAC secrets, but not every key encoding is caught (JWK, raw bytes, certificates).",
    remediation: "Give each key exactly one algorithm family: verify RS256 tokens with `algorithms=[\"RS256\"]` only, and use a separate random secret for HMAC tokens.",
    example: "jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\", \"HS256\"])",
    fixed_example: "jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\"])",
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Family {
    Hmac,
    PublicKey,
}

pub(crate) fn family(alg: &str) -> Option<Family> {
    let a = alg.to_ascii_uppercase();
    if a.starts_with("HS") {
        Some(Family::Hmac)
    } else if a.starts_with("RS") || a.starts_with("ES") || a.starts_with("PS") || a == "EDDSA" {
        Some(Family::PublicKey)
    } else {
        None
    }
}

struct Use<'a, 'p> {
    family: Family,
    alg: String,
    origin: Origin,
    decode: Option<&'a DecodeCall<'p>>,
    encode: Option<&'a EncodeCall<'p>>,
}

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    let mut by_key: BTreeMap<String, Vec<Use>> = BTreeMap::new();
    for d in ctx.model.app_decodes() {
        let Algorithms::List(items) = &d.algorithms else {
            continue;
        };
        let fams: Vec<(Family, &str)> = items
            .iter()
            .filter_map(|(a, _)| family(a).map(|f| (f, a.as_str())))
            .collect();
        let has_h = fams.iter().find(|f| f.0 == Family::Hmac);
        let has_p = fams.iter().find(|f| f.0 == Family::PublicKey);
        if let (Some(h), Some(p)) = (has_h, has_p) {
            let loc = ctx.location(kw_origin(d.module, d.call, "algorithms"));
            if seen.first(&loc) {
                out.push(finding(
                    &META,
                    format!(
                        "`{}` accepts both `{}` and `{}` with the same key: a token signed with HMAC using the public key as secret is accepted",
                        short_callee(&d.callee),
                        p.1,
                        h.1
                    ),
                    loc,
                    decode_trace(ctx, d),
                ));
            }
            continue;
        }
        let Some(id) = d.key.as_ref().and_then(|k| k.identity.clone()) else {
            continue;
        };
        for (f, a) in fams {
            by_key.entry(id.clone()).or_default().push(Use {
                family: f,
                alg: a.to_string(),
                origin: call_origin(d.module, d.call),
                decode: Some(d),
                encode: None,
            });
        }
    }
    for e in ctx.model.app_encodes() {
        let (Some((alg, _)), Some(id)) = (
            &e.algorithm,
            e.key.as_ref().and_then(|k| k.identity.clone()),
        ) else {
            continue;
        };
        // Signing with a private key and verifying with the public one are different keys.
        let Some(f) = family(alg) else { continue };
        by_key.entry(id).or_default().push(Use {
            family: f,
            alg: alg.clone(),
            origin: call_origin(e.module, e.call),
            decode: None,
            encode: Some(e),
        });
    }
    for (key, uses) in by_key {
        let Some(h) = uses.iter().find(|u| u.family == Family::Hmac) else {
            continue;
        };
        let Some(p) = uses.iter().find(|u| u.family == Family::PublicKey) else {
            continue;
        };
        let loc = ctx.location(h.origin);
        if !seen.first(&loc) {
            continue;
        }
        let pm = ctx.project.module(p.origin.module);
        let key_name = if key.starts_with('@') {
            "the same key".to_string()
        } else {
            format!("key `{}`", key.rsplit('.').next().unwrap_or(&key))
        };
        let trace_of = |u: &Use| match (u.decode, u.encode) {
            (Some(d), _) => decode_trace(ctx, d),
            (_, Some(e)) => encode_trace(ctx, e),
            _ => Vec::new(),
        };
        let mut trace = trace_of(h);
        let message = if h.origin == p.origin {
            // One call in a helper, reached from callers that pass the same key.
            trace.extend(trace_of(p));
            format!(
                "{key_name} reaches this call with `{}` from one caller and with `{}` from another (see the trace): one key must not serve both HMAC and public-key algorithms",
                h.alg, p.alg
            )
        } else {
            format!(
                "{key_name} is used with `{}` here and with `{}` at {}: one key must not serve both HMAC and public-key algorithms",
                h.alg,
                p.alg,
                place(pm, p.origin.range)
            )
        };
        out.push(finding(&META, message, loc, trace));
    }
    out
}
