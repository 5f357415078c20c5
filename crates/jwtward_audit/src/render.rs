//! The audit report: JSON with `status`/`proof`/`summary`, and text grouped by status,
//! confirmed first. SARIF, GitHub and HTML reuse the shared renderers with
//! [`as_findings`].

use crate::Outcome;
use crate::correlate::{Correlated, Counts, Status, counts};
use jwtward_report::Finding;
use serde_json::json;

/// The static findings the report shows (`--confirmed-only`: the proven ones).
pub fn shown(outcome: &Outcome, confirmed_only: bool) -> Vec<&Correlated> {
    let mut v: Vec<&Correlated> = outcome
        .findings
        .iter()
        .filter(|c| !confirmed_only || c.status == Status::Confirmed)
        .collect();
    let rank = |s: Status| match s {
        Status::Confirmed => 0,
        Status::NotReproduced => 1,
        Status::NotTested => 2,
    };
    v.sort_by(|a, b| {
        (rank(a.status), b.finding.severity, a.finding.sort_key()).cmp(&(
            rank(b.status),
            a.finding.severity,
            b.finding.sort_key(),
        ))
    });
    v
}

/// The static findings as plain findings, the verdict in the message (SARIF, GitHub, HTML).
pub fn as_findings(outcome: &Outcome, confirmed_only: bool) -> Vec<Finding> {
    shown(outcome, confirmed_only)
        .into_iter()
        .map(|c| {
            let mut f = c.finding.clone();
            match (&c.proof, c.status) {
                (Some(p), _) => {
                    f.message = format!("{} [confirmed by {}: {}]", f.message, p.rule, p.message);
                    f.curl = p.curl.clone();
                }
                (None, s) => f.message = format!("{} [{}: {}]", f.message, s.as_str(), c.reason),
            }
            f
        })
        .collect()
}

/// What the source told the probe: token names and the identity claim.
fn source_line(outcome: &Outcome) -> Option<String> {
    let n = &outcome.source_names;
    let mut parts = Vec::new();
    for (what, v) in [
        ("headers", &n.headers),
        ("cookies", &n.cookies),
        ("query parameters", &n.queries),
    ] {
        if !v.is_empty() {
            parts.push(format!("token {what} {}", v.join(", ")));
        }
    }
    if let Some((c, at)) = &outcome.identity_claim {
        parts.push(format!(
            "identity claim `{c}` (read after the decode at {at})"
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

pub fn to_json(outcome: &Outcome, confirmed_only: bool, files: usize, lines: usize) -> String {
    let all: Counts = counts(&outcome.findings);
    let findings: Vec<&Correlated> = shown(outcome, confirmed_only);
    let doc = json!({
        "version": 1,
        "target": outcome.target,
        "launched": outcome.launched,
        "credentials": outcome.credentials,
        "minted_claims": outcome.minted_claims,
        "source": {
            "token_headers": outcome.source_names.headers,
            "token_cookies": outcome.source_names.cookies,
            "token_query": outcome.source_names.queries,
            "identity_claim": outcome.identity_claim.as_ref().map(|(c, _)| c),
        },
        "routes_added_from_source": outcome.added_routes.iter().map(|(m, p)| format!("{m} {p}")).collect::<Vec<_>>(),
        "websockets": outcome.websockets.iter().map(|(p, e)| json!({"path": p, "handshakes": e})).collect::<Vec<_>>(),
        "routes_skipped": outcome.skipped_routes.iter().map(|(m, p, w)| json!({"method": m, "path": p, "reason": w})).collect::<Vec<_>>(),
        "findings": findings,
        "dynamic": outcome.dynamic,
        "errors": outcome.errors,
        "summary": {
            "findings": findings.len(),
            "confirmed": all.confirmed,
            "not_reproduced": all.not_reproduced,
            "not_tested": all.not_tested,
            "dynamic": outcome.dynamic.len(),
            "requests": outcome.requests,
            "endpoints": outcome.endpoints,
            "files": files,
            "lines": lines,
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("serialises");
    s.push('\n');
    s
}

fn place(f: &Finding) -> String {
    match &f.location {
        Some(l) => format!("{}:{}:{}", l.file, l.line, l.column),
        None => "-".into(),
    }
}

pub fn to_text(outcome: &Outcome, confirmed_only: bool) -> String {
    let mut s = String::new();
    s.push_str(&format!("jwtward audit of {}\n", outcome.target));
    if let Some(l) = &outcome.launched {
        s.push_str(&format!("  started: {l}\n"));
    }
    s.push_str(&format!("  credentials: {}\n", outcome.credentials));
    if let Some(line) = source_line(outcome) {
        s.push_str(&format!("  from the source: {line}\n"));
    }
    if !outcome.added_routes.is_empty() {
        s.push_str(&format!(
            "  routes added from the source (absent from the app's OpenAPI document): {}\n",
            outcome
                .added_routes
                .iter()
                .map(|(m, p)| format!("{m} {p}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (p, e) in &outcome.websockets {
        s.push_str(&format!("  WebSocket {p}: {e}\n"));
    }
    for (m, p, why) in &outcome.skipped_routes {
        s.push_str(&format!("  not probed: {m} {p}: {why}\n"));
    }
    let shown = shown(outcome, confirmed_only);
    for status in [Status::Confirmed, Status::NotReproduced, Status::NotTested] {
        let group: Vec<&&Correlated> = shown.iter().filter(|c| c.status == status).collect();
        if group.is_empty() {
            continue;
        }
        s.push_str(&format!(
            "\n{} ({})\n",
            status.as_str().to_uppercase(),
            group.len()
        ));
        for c in group {
            let f = &c.finding;
            s.push_str(&format!(
                "  {} [{}] {}  {}\n",
                f.rule,
                f.severity.as_str(),
                place(f),
                match (&f.method, &f.path) {
                    (Some(m), Some(p)) => format!("{m} {p}"),
                    _ => String::new(),
                }
            ));
            s.push_str(&format!("      {}\n", f.message));
            match &c.proof {
                Some(p) => {
                    s.push_str(&format!("      proof ({}): {}\n", p.rule, p.message));
                    if let Some(curl) = &p.curl {
                        s.push_str(&format!("      {curl}\n"));
                    }
                    if let Some(st) = p.status {
                        s.push_str(&format!("      -> {st} {}\n", p.body_excerpt));
                    }
                }
                None => s.push_str(&format!("      {}\n", c.reason)),
            }
        }
    }
    let unmatched: Vec<&Finding> = outcome
        .dynamic
        .iter()
        .filter(|d| {
            !outcome.findings.iter().any(|c| {
                c.proof
                    .as_ref()
                    .is_some_and(|p| p.rule == d.rule && p.message == d.message)
            })
        })
        .collect();
    if !confirmed_only && !unmatched.is_empty() {
        s.push_str(&format!(
            "\nRUN-TIME ONLY ({}): proven by the probe, no static finding points at them\n",
            unmatched.len()
        ));
        for d in unmatched {
            s.push_str(&format!(
                "  {} [{}] {} {}\n      {}\n",
                d.rule,
                d.severity.as_str(),
                d.method.as_deref().unwrap_or(""),
                d.path.as_deref().unwrap_or(""),
                d.message
            ));
            if let Some(t) = d.trace.first() {
                s.push_str(&format!(
                    "      {}:{} {}\n",
                    t.file.as_deref().unwrap_or("?"),
                    t.line.unwrap_or(0),
                    t.note
                ));
            }
            if let Some(c) = &d.curl {
                s.push_str(&format!("      {c}\n"));
            }
        }
    }
    let c = counts(&outcome.findings);
    s.push_str(&format!(
        "\n{} confirmed, {} not reproduced, {} not tested; {} run-time finding(s), {} requests to {} endpoint(s)\n",
        c.confirmed, c.not_reproduced, c.not_tested, outcome.dynamic.len(), outcome.requests, outcome.endpoints
    ));
    s
}
