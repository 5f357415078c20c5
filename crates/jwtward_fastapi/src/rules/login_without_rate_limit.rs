//! `login-without-rate-limit`: a token-issuing endpoint with no throttling.

use super::route_finding;
use crate::analysis::{Auth, Ctx};
use crate::model::DepTarget;
use jwtward_report::{Finding, RuleMeta, Severity};

pub static META: RuleMeta = RuleMeta {
    name: "login-without-rate-limit",
    severity: Severity::Low,
    cwe: &[307],
    summary: "A token-issuing endpoint has no throttling dependency, decorator or middleware",
    explanation: "An endpoint that exchanges a password for a token (`OAuth2PasswordRequestForm`, \
`POST /token`, `POST /login`) without throttling lets an attacker try passwords as fast as \
the server answers: credential stuffing and password spraying against every account. A token endpoint that another credential check already guards (an admin minting a token for a user it manages, an OAuth client authenticated by its secret) is not reported, unless that check is HTTP Basic, the password being guessed; nor is a login that only redirects to an identity provider (`authorize_redirect`), which checks the password and throttles.",
    remediation: "Throttle the endpoint per client and per account: a rate-limiting dependency \
(`Depends(RateLimiter(times=5, seconds=60))`), a `slowapi` `@limiter.limit(...)` decorator or a \
rate-limiting middleware.",
    example: "@router.post(\"/token\")\nasync def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]): ...",
    fixed_example: "@router.post(\"/token\", dependencies=[Depends(RateLimiter(times=5, seconds=60))])\nasync def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]): ...",
};

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for ri in 0..cx.routes.len() {
        if !cx.is_login(ri) || cx.is_throttled(ri) {
            continue;
        }
        let r = &cx.routes[ri];
        // A token endpoint behind another credential check (an admin minting for a user it
        // manages, an OAuth client authenticated by its secret, an account's own API token):
        // an anonymous caller has nothing to guess there. HTTP Basic is the exception: it is
        // the password being guessed.
        let basic = r.deps.iter().any(|(d, _)| {
            matches!(d.target, DepTarget::Scheme(s) if cx.m().schemes[s].kind == "HTTPBasic")
        });
        if (cx.auths[ri].auth == Auth::Protected || cx.auths[ri].flow_check.is_some()) && !basic {
            continue;
        }
        // A login that only sends the browser to an identity provider
        // (`oauth.google.authorize_redirect(...)`) checks no password here: the provider
        // does, and throttles it.
        if let Some(h) = r.handler {
            let text = cx.func_text_lower(h);
            if crate::analysis::IDP_REDIRECT_CALLS
                .iter()
                .any(|w| text.contains(w))
                && !text.contains("password")
            {
                continue;
            }
        }
        let mut trace = vec![cx.route_step(ri)];
        if let Some(h) = r.handler {
            trace.push(cx.an.step(
                h.mid,
                h.def.name.range,
                format!("{}() issues tokens", h.def.name.as_str()),
            ));
        }
        trace.push(jwtward_report::TraceStep {
            file: None,
            line: None,
            note: "no rate-limiting dependency, decorator or middleware applies".into(),
        });
        let msg = format!(
            "{} {} issues tokens without any rate limiting",
            r.methods.join(","),
            r.path
        );
        out.push(route_finding(cx, &META, ri, msg, trace));
    }
}
