//! Transport: path and method variants without credentials, and the token in a cookie or a
//! query parameter instead of the documented channel.

use crate::context::{Ctx, State, finding, is_2xx};
use crate::http::Req;
use crate::openapi::Credential;
use crate::oracle::{Profile, Verdict};
use crate::rules::*;
use reqwest::Url;

/// Variants of `url`'s path a router may match differently from a middleware: trailing
/// slash, upper case and one percent-encoded letter of the last word, a double slash. Built
/// with the `url` crate, so any path (non-ASCII included) is handled.
pub fn path_variants(url: &str) -> Vec<(String, String)> {
    let Ok(u) = Url::parse(url) else {
        return Vec::new();
    };
    let path = u.path().to_string();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |label: &str, p: String| {
        if p == path {
            return;
        }
        let mut v = u.clone();
        v.set_path(&p);
        let s = v.to_string();
        if s != url && !out.iter().any(|(_, x)| x == &s) {
            out.push((label.to_string(), s));
        }
    };
    if path.len() > 1 && path.ends_with('/') {
        push(
            "trailing slash removed",
            path.trim_end_matches('/').to_string(),
        );
    } else {
        push("trailing slash added", format!("{path}/"));
    }
    // The last segment that has letters (and no escapes).
    let segs: Vec<&str> = path.split('/').collect();
    if let Some(i) = segs
        .iter()
        .rposition(|s| s.chars().any(|c| c.is_ascii_alphabetic()) && !s.contains('%'))
    {
        let mut upper: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
        upper[i] = segs[i].to_ascii_uppercase();
        push("upper case", upper.join("/"));
        let seg = segs[i];
        if let Some((j, c)) = seg.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
            let enc = format!("{}%{:02X}{}", &seg[..j], c as u32, &seg[j + c.len_utf8()..]);
            let mut e: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
            e[i] = enc;
            push("percent-encoded character", e.join("/"));
        }
    }
    push("double slash", format!("/{path}"));
    out
}

pub async fn run(ctx: &Ctx, st: &State) {
    let Some(p) = &st.profile else { return };
    path_variant(ctx, st, p).await;
    method_variants(ctx, st, p).await;
    let Some(tok) = ctx.original().map(str::to_string) else {
        return;
    };
    if !matches!(st.ep.channel, Credential::Cookie(_)) {
        cookie_channel(ctx, st, p, &tok).await;
    }
    if !matches!(st.ep.channel, Credential::Query(_)) {
        query_channel(ctx, st, p, &tok).await;
    }
}

async fn path_variant(ctx: &Ctx, st: &State, p: &Profile) {
    if !matches!(st.ep.method.as_str(), "GET" | "HEAD") {
        return;
    }
    let nresp = &st.no_creds.1;
    for (label, url) in path_variants(&st.ep.url) {
        let mut req = ctx.request(&st.ep, None);
        req.url = url;
        let Some(resp) = ctx.send(&req).await else {
            return;
        };
        if p.judge(&resp).accepted() {
            ctx.push_finding(finding(
                &PATH_VARIANT_BYPASS,
                st,
                format!(
                    "{} {} requires a token ({} without one), but the variant `{}` ({label}) answers like the valid token without credentials",
                    st.ep.method, st.ep.path, nresp.status, req.url
                ),
                &req,
                &resp,
            ));
            return;
        }
    }
}

async fn method_variants(ctx: &Ctx, st: &State, p: &Profile) {
    if st.ep.method != "GET" {
        return;
    }
    let Some((_, valid)) = &st.valid else { return };
    let nresp = &st.no_creds.1;
    let mut head = ctx.request(&st.ep, None);
    head.method = "HEAD".into();
    if let Some(resp) = ctx.send(&head).await {
        let len = resp
            .header("content-length")
            .and_then(|l| l.trim().parse::<usize>().ok());
        let valid_len = (!valid.truncated).then_some(valid.body.len());
        if is_2xx(&resp)
            && resp.status == valid.status
            && len.is_some()
            && len == valid_len
            && valid_len != Some(0)
        {
            ctx.push_finding(finding(
                &METHOD_BYPASS,
                st,
                format!(
                    "GET {} requires a token ({} without one), but HEAD without credentials answers {} with the Content-Length of the protected body ({} bytes)",
                    st.ep.path,
                    nresp.status,
                    resp.status,
                    len.unwrap_or(0)
                ),
                &head,
                &resp,
            ));
        }
    }
    let mut opt = ctx.request(&st.ep, None);
    opt.method = "OPTIONS".into();
    if let Some(resp) = ctx.send(&opt).await
        && is_2xx(&resp)
        && p.judge(&resp) == (Verdict::Accepted { exact: true })
    {
        ctx.push_finding(finding(
            &METHOD_BYPASS,
            st,
            format!(
                "GET {} requires a token ({} without one), but OPTIONS without credentials returns the protected body",
                st.ep.path, nresp.status
            ),
            &opt,
            &resp,
        ));
    }
}

async fn cookie_channel(ctx: &Ctx, st: &State, p: &Profile, tok: &str) {
    let names: Vec<String> = ctx
        .cookie_names
        .iter()
        .filter(|n| !st.ep.declared.contains(&Credential::Cookie((*n).clone())))
        .cloned()
        .collect();
    if names.is_empty() {
        return;
    }
    let with = |names: &[String]| {
        let mut req = ctx.request(&st.ep, None);
        let jar = names
            .iter()
            .map(|n| format!("{n}={tok}"))
            .collect::<Vec<_>>()
            .join("; ");
        req.headers.push(("Cookie".into(), jar));
        req
    };
    try_channel(
        ctx,
        st,
        p,
        &names,
        with,
        &TOKEN_IN_COOKIE_ACCEPTED,
        "cookie",
        "jar",
    )
    .await;
}

async fn query_channel(ctx: &Ctx, st: &State, p: &Profile, tok: &str) {
    let names: Vec<String> = ctx
        .query_names
        .iter()
        .filter(|n| !st.ep.declared.contains(&Credential::Query((*n).clone())))
        .cloned()
        .collect();
    if names.is_empty() {
        return;
    }
    let with = |names: &[String]| {
        let mut req = ctx.request(&st.ep, None);
        for n in names {
            crate::plan::add_query(&mut req.url, n, tok);
        }
        req
    };
    try_channel(
        ctx,
        st,
        p,
        &names,
        with,
        &TOKEN_IN_QUERY_ACCEPTED,
        "query parameter",
        "list",
    )
    .await;
}

/// Sends the token under every name of `names` at once (`with` builds that request); when it
/// is accepted, narrows it down to the one name that carries it and reports `rule`:
/// "accepts the token from the {channel} `name`" (or the whole {all} when no single name does).
#[allow(clippy::too_many_arguments)]
async fn try_channel(
    ctx: &Ctx,
    st: &State,
    p: &Profile,
    names: &[String],
    with: impl Fn(&[String]) -> Req,
    rule: &jwtward_report::RuleMeta,
    channel: &str,
    all: &str,
) {
    let req = with(names);
    let Some(resp) = ctx.send(&req).await else {
        return;
    };
    if !p.judge(&resp).accepted() {
        return;
    }
    let (req, resp, name) = narrow(ctx, p, names, with, req, resp).await;
    ctx.report(
        st,
        rule,
        format!(
            "accepts the token from the {channel} {} (no Authorization header sent)",
            name.map(|n| format!("`{n}`"))
                .unwrap_or_else(|| all.to_string())
        ),
        &req,
        &resp,
    );
}

/// Finds which single name of `names` is accepted (the whole list was).
pub async fn narrow(
    ctx: &Ctx,
    p: &Profile,
    names: &[String],
    with: impl Fn(&[String]) -> Req,
    req: Req,
    resp: crate::http::Resp,
) -> (Req, crate::http::Resp, Option<String>) {
    for n in names {
        let one = with(std::slice::from_ref(n));
        if let Some(r) = ctx.send(&one).await
            && p.judge(&r).accepted()
        {
            return (one, r, Some(n.clone()));
        }
    }
    (req, resp, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_of_a_path() {
        let v = path_variants("http://h:1/api/reports?x=1");
        let urls: Vec<&str> = v.iter().map(|(_, u)| u.as_str()).collect();
        assert!(urls.contains(&"http://h:1/api/reports/?x=1"), "{urls:?}");
        assert!(urls.contains(&"http://h:1/api/REPORTS?x=1"), "{urls:?}");
        assert!(urls.contains(&"http://h:1/api/%72eports?x=1"), "{urls:?}");
        assert!(urls.contains(&"http://h:1//api/reports?x=1"), "{urls:?}");
    }

    #[test]
    fn non_ascii_paths_do_not_panic() {
        for u in [
            "http://h/éééé",
            "http://h/%C3%A9%C3%A9",
            "http://h/é/x?q=é",
            "http://h/",
            "http://h/日本/ab",
        ] {
            let v = path_variants(u);
            assert!(!v.is_empty(), "{u}");
            for (_, x) in v {
                assert!(Url::parse(&x).is_ok(), "{x}");
            }
        }
    }
}
