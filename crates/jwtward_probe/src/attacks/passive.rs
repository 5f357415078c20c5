//! Rules that need no request beyond the baselines: `missing-auth`, `optional-auth`,
//! `invalid-token-accepted`, `auth-error-leak`, `missing-www-authenticate`, and the
//! `server-error-on-token` summary of every 5xx seen.

use crate::context::{Ctx, State, finding, is_2xx, is_rejection};
use crate::http::{Req, Resp};
use crate::oracle;
use crate::rules::*;
use std::collections::BTreeSet;
use std::sync::Arc;

const SENSITIVE: [&str; 14] = [
    "admin", "internal", "export", "users", "user", "settings", "config", "private", "manage",
    "secret", "debug", "billing", "account", "backup",
];

pub fn is_sensitive(path: &str) -> bool {
    path.split('/')
        .filter(|s| !s.starts_with('{'))
        .flat_map(|s| s.split(['-', '_', '.']))
        .any(|w| SENSITIVE.contains(&w.to_ascii_lowercase().as_str()))
}

/// Runs every passive rule on every endpoint.
pub fn run(ctx: &Ctx, states: &[Arc<State>], rejection_status: Option<u16>) {
    let protected_siblings = states
        .iter()
        .filter(|s| is_rejection(&s.no_creds.1) && (s.ep.secured || s.eligible))
        .count();
    for st in states {
        missing_or_optional_auth(ctx, st, protected_siblings, rejection_status);
        invalid_token(ctx, st);
        rejection_hygiene(ctx, st);
    }
}

fn missing_or_optional_auth(
    ctx: &Ctx,
    st: &State,
    protected_siblings: usize,
    rejection_status: Option<u16>,
) {
    let (nreq, nresp) = &st.no_creds;
    let no_2xx = is_2xx(nresp) && !nresp.truncated && !oracle::looks_like_auth_error(&nresp.body);
    if !no_2xx {
        return;
    }
    let suspicious = st.ep.secured || (is_sensitive(&st.ep.path) && protected_siblings > 0);
    let why = if st.ep.secured {
        "the spec declares a security requirement".to_string()
    } else {
        format!(
            "its path looks sensitive and {protected_siblings} sibling endpoint(s) require a token{}",
            rejection_status
                .map(|r| format!(", answering {r} without one"))
                .unwrap_or_default()
        )
    };
    match (&st.valid, &st.profile) {
        (Some((_, v)), Some(p)) => {
            let same = p.like_valid(nresp);
            if same && !oracle::looks_like_auth_error(&v.body) {
                if suspicious {
                    ctx.push_finding(finding(
                        &MISSING_AUTH,
                        st,
                        format!(
                            "{} {} answers {} without credentials, exactly as with the token ({why})",
                            st.ep.method, st.ep.path, nresp.status
                        ),
                        nreq,
                        nresp,
                    ));
                }
            } else if is_2xx(v) && !same && st.eligible {
                ctx.push_finding(finding(
                    &OPTIONAL_AUTH,
                    st,
                    format!(
                        "{} {} answers {} without credentials and {} with the token, with different content: authentication is optional",
                        st.ep.method, st.ep.path, nresp.status, v.status
                    ),
                    nreq,
                    nresp,
                ));
            }
        }
        _ => {
            if suspicious {
                ctx.report(
                    st,
                    &MISSING_AUTH,
                    format!(
                        "answers {} without credentials although {why}",
                        nresp.status
                    ),
                    nreq,
                    nresp,
                );
            }
        }
    }
}

fn invalid_token(ctx: &Ctx, st: &State) {
    let (_, nresp) = &st.no_creds;
    let (Some((_, v)), Some(p)) = (&st.valid, &st.profile) else {
        return;
    };
    if is_rejection(nresp) && !st.any_token {
        for (name, bad) in [
            ("garbage", &st.garbage),
            ("corrupted-signature", &st.corrupted),
        ] {
            let Some((breq, bresp)) = bad else { continue };
            if is_2xx(bresp) && !p.like_valid(bresp) && !oracle::looks_like_auth_error(&bresp.body)
            {
                ctx.push_finding(finding(
                    &INVALID_TOKEN_ACCEPTED,
                    st,
                    format!(
                        "{} {} rejects requests without credentials ({}) but answers {} to a {name} token: the bad token is treated as anonymous",
                        st.ep.method, st.ep.path, nresp.status, bresp.status
                    ),
                    breq,
                    bresp,
                ));
                break;
            }
        }
    }
    // 5xx on the bad-token baselines.
    if v.status < 500 {
        for (name, bad) in [
            ("garbage", &st.garbage),
            ("corrupted-signature", &st.corrupted),
        ] {
            if let Some((breq, bresp)) = bad
                && bresp.status >= 500
            {
                st.server_errors.lock().expect("errors").push((
                    name.to_string(),
                    breq.clone(),
                    bresp.clone(),
                ));
            }
        }
    }
}

/// `auth-error-leak` and `missing-www-authenticate` on the rejections.
fn rejection_hygiene(ctx: &Ctx, st: &State) {
    let (nreq, nresp) = &st.no_creds;
    let mut rejections: Vec<(&str, &Req, &Resp)> = vec![("no-credentials", nreq, nresp)];
    for (name, bad) in [
        ("garbage", &st.garbage),
        ("corrupted-signature", &st.corrupted),
    ] {
        if let Some((r, s)) = bad {
            rejections.push((name, r, s));
        }
    }
    for (name, req, resp) in &rejections {
        if (400..500).contains(&resp.status)
            && let Some(leak) = oracle::leaked_error(&resp.body)
        {
            ctx.push_finding(finding(
                &AUTH_ERROR_LEAK,
                st,
                format!(
                    "the {name} rejection of {} {} carries exception text: \"{leak}\"",
                    st.ep.method, st.ep.path
                ),
                req,
                resp,
            ));
            break;
        }
    }
    for (name, req, resp) in &rejections {
        if resp.status == 401 && resp.header("www-authenticate").is_none() {
            ctx.push_finding(finding(
                &MISSING_WWW_AUTHENTICATE,
                st,
                format!(
                    "{} {} answers 401 to the {name} request without a WWW-Authenticate header",
                    st.ep.method, st.ep.path
                ),
                req,
                resp,
            ));
            break;
        }
    }
}

/// One `server-error-on-token` finding per endpoint that answered 5xx to a bad token.
pub fn server_errors(ctx: &Ctx, states: &[Arc<State>]) {
    for st in states {
        let errs = st.server_errors.lock().expect("errors");
        if let Some((_, req, resp)) = errs.first() {
            let kinds: BTreeSet<&str> = errs.iter().map(|(w, _, _)| w.as_str()).collect();
            let f = finding(
                &SERVER_ERROR_ON_TOKEN,
                st,
                format!(
                    "{} {} answers {} to a bad token ({}): the token error is not handled",
                    st.ep.method,
                    st.ep.path,
                    resp.status,
                    kinds.into_iter().collect::<Vec<_>>().join(", ")
                ),
                req,
                resp,
            );
            ctx.push_finding(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_paths() {
        assert!(is_sensitive("/admin/export"));
        assert!(is_sensitive("/api/user-settings"));
        assert!(!is_sensitive("/items/{user}"));
        assert!(!is_sensitive("/health"));
    }
}
