//! The HTML report: one self-contained file (no external assets) with the authentication
//! coverage map of every route, the findings with their code frames, and, when a probe
//! report is merged in, whether each bypass was proven at run time.

use crate::finding::{Finding, Report};
use crate::rule::Severity;
use crate::text::{SourceProvider, render_finding};
use annotate_snippets::Renderer;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt::Write as _;

/// The effective authentication of a route, as the static model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthStatus {
    /// An auth dependency that raises on missing or bad credentials runs for the route.
    Protected,
    /// Authentication runs but lets anonymous requests through by design.
    Optional,
    /// Authentication runs but fails open (returns None / passes on errors).
    FailOpen,
    /// No authentication runs.
    None,
    /// Public by design (health, docs, login, ...).
    Public,
    /// Protected by a guard that accepts forged tokens (no signature check, `none`
    /// accepted, a committed key).
    Forgeable,
    /// Authentication a setting can switch off.
    Conditional,
}

impl AuthStatus {
    pub fn label(self) -> &'static str {
        match self {
            AuthStatus::Protected => "protected",
            AuthStatus::Optional => "optional",
            AuthStatus::FailOpen => "fail-open",
            AuthStatus::None => "none",
            AuthStatus::Public => "public by design",
            AuthStatus::Forgeable => "forgeable",
            AuthStatus::Conditional => "conditional",
        }
    }
    fn class(self) -> &'static str {
        match self {
            AuthStatus::Protected => "ok",
            AuthStatus::Public => "public",
            AuthStatus::Optional => "warn",
            AuthStatus::FailOpen | AuthStatus::None => "bad",
            AuthStatus::Forgeable => "sev-critical",
            AuthStatus::Conditional => "warn",
        }
    }
}

/// One route of the coverage map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouteCoverage {
    /// The app that serves it (`main:app`).
    pub app: String,
    /// The router it is registered on, with the prefix its routes are served under
    /// (`app.routers.items.router (/api/items)`); empty for routes of the app itself.
    pub group: String,
    /// How the router is reached from the app: the app, then each included router, each
    /// with its prefix (`app.main.app (/)`, `app.routers.items.router (/api/items)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    pub method: String,
    pub path: String,
    /// The handler, as `module.function`.
    pub handler: String,
    pub file: String,
    pub line: u32,
    pub auth: AuthStatus,
    /// Why: the dependency or middleware that decides `auth`, or the recogniser that made
    /// the route public.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The dependency chain that decides `auth`, outermost first.
    pub chain: Vec<String>,
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn same_route(f: &Finding, method: &str, path: &str) -> bool {
    f.path.as_deref() == Some(path)
        && f.method
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(method) || m == "*")
}

fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "sev-critical",
        Severity::High => "sev-high",
        Severity::Medium => "sev-medium",
        Severity::Low => "sev-low",
        Severity::Info => "sev-info",
    }
}

const STYLE: &str = r#"
:root { --ok:#1a7f37; --bad:#cf222e; --warn:#9a6700; --public:#57606a; --bg:#ffffff; --fg:#1f2328; --muted:#656d76; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.muted { color: var(--muted); }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; color: var(--muted); }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 12.5px; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.ok { background: var(--ok); } .bad { background: var(--bad); } .warn { background: var(--warn); } .public { background: var(--public); }
.sev-critical { background: #82071e; } .sev-high { background: var(--bad); } .sev-medium { background: var(--warn); } .sev-low { background: #0969da; } .sev-info { background: var(--public); }
.not-proven { background: var(--public); } .not-tested { background: #fff; color: var(--muted); border: 1px dashed var(--muted); }
td.probe { max-width: 220px; } td.probe .badge, td .badge { white-space: normal; overflow-wrap: anywhere; }
td { overflow-wrap: anywhere; }
.method { font-weight: 700; font-family: ui-monospace, monospace; }
a { color: #0969da; }
"#;

/// Renders the HTML report. `probe` is a probe report to merge (`--probe-report`).
pub fn render(
    title: &str,
    report: &Report,
    routes: &[RouteCoverage],
    probe: Option<&Report>,
    sources: &dyn SourceProvider,
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(title));
    let _ = writeln!(
        h,
        "<p class=\"muted\">jwtward {} &middot; {} routes &middot; {} findings{}</p>",
        env!("CARGO_PKG_VERSION"),
        routes.len(),
        report.findings.len(),
        if probe.is_some() {
            " &middot; probe results merged"
        } else {
            ""
        }
    );

    // Summary cards.
    h.push_str("<div class=\"cards\" id=\"summary\">");
    for status in [
        AuthStatus::Protected,
        AuthStatus::Forgeable,
        AuthStatus::Conditional,
        AuthStatus::Optional,
        AuthStatus::FailOpen,
        AuthStatus::None,
        AuthStatus::Public,
    ] {
        let n = routes.iter().filter(|r| r.auth == status).count();
        let _ = write!(
            h,
            "<div class=\"card\"><b>{n}</b><span class=\"badge {}\">{}</span></div>",
            status.class(),
            status.label()
        );
    }
    h.push_str("</div>\n");

    // The coverage map, grouped by app, then router/mount.
    h.push_str("<h2>Authentication coverage</h2>\n");
    if routes.is_empty() {
        h.push_str("<p class=\"muted\">No FastAPI routes were found.</p>\n");
    }
    // Apps and groups in the order the routes come (declaration order: an app's own
    // routes, its routers in include order, then its mounted sub-apps); routes by path.
    let mut app_rank: HashMap<&str, usize> = HashMap::new();
    let mut group_rank: HashMap<(&str, &str), usize> = HashMap::new();
    for r in routes {
        let n = app_rank.len();
        app_rank.entry(r.app.as_str()).or_insert(n);
        let n = group_rank.len();
        group_rank
            .entry((r.app.as_str(), r.group.as_str()))
            .or_insert(n);
    }
    let mut order: Vec<&RouteCoverage> = routes.iter().collect();
    order.sort_by_key(|r| {
        (
            app_rank[r.app.as_str()],
            group_rank[&(r.app.as_str(), r.group.as_str())],
            r.path.as_str(),
            r.method.as_str(),
        )
    });
    let mut current: Option<(&str, &str)> = None;
    let mut open = false;
    for r in order {
        if current != Some((r.app.as_str(), r.group.as_str())) {
            if open {
                h.push_str("</tbody></table>\n");
            }
            let group = if r.group.is_empty() {
                "(app routes)".to_string()
            } else {
                r.group.clone()
            };
            let _ = writeln!(
                h,
                "<h3 class=\"group\" data-app=\"{}\" data-group=\"{}\">{} &rsaquo; {}</h3>",
                esc(&r.app),
                esc(&r.group),
                esc(&r.app),
                esc(&group),
            );
            // Routers included through other routers: the chain that leads to this one.
            if r.via.len() > 2 {
                let _ = writeln!(
                    h,
                    "<p class=\"muted via\">included via {}</p>",
                    r.via
                        .iter()
                        .map(|v| format!("<code>{}</code>", esc(v)))
                        .collect::<Vec<_>>()
                        .join(" &rarr; ")
                );
            }
            let _ = writeln!(
                h,
                "<table class=\"routes\"><thead><tr><th>method</th><th>path</th><th>authentication</th><th>dependency chain</th><th>handler</th><th>findings</th>{}</tr></thead><tbody>",
                if probe.is_some() {
                    "<th>probe</th>"
                } else {
                    ""
                }
            );
            current = Some((r.app.as_str(), r.group.as_str()));
            open = true;
        }
        let mut findings: Vec<(usize, &Finding)> = report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| same_route(f, &r.method, &r.path))
            .collect();
        findings.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity));
        let mut cell = String::new();
        for (i, f) in &findings {
            let _ = write!(
                cell,
                "<a href=\"#finding-{i}\"><span class=\"badge {}\">{}</span></a> ",
                sev_class(f.severity),
                esc(&f.rule)
            );
        }
        let chain = if r.chain.is_empty() {
            "&mdash;".to_string()
        } else {
            r.chain
                .iter()
                .map(|c| format!("<code>{}</code>", esc(c)))
                .collect::<Vec<_>>()
                .join(" &rarr; ")
        };
        let _ = write!(
            h,
            "<tr data-auth=\"{}\"><td class=\"method\">{}</td><td><code>{}</code></td><td><span class=\"badge {}\">{}</span><br><span class=\"muted reason\">{}</span></td><td>{chain}</td><td><code>{}</code><br><span class=\"muted\">{}:{}</span></td><td>{cell}</td>",
            r.auth.label(),
            esc(&r.method),
            esc(&r.path),
            r.auth.class(),
            r.auth.label(),
            esc(&r.reason),
            esc(&r.handler),
            esc(&r.file),
            r.line,
        );
        if let Some(p) = probe {
            let proven: Vec<&Finding> = p
                .findings
                .iter()
                .filter(|f| same_route(f, &r.method, &r.path))
                .collect();
            // A report that lists the routes it requested tells "not tested" apart from
            // "tested, nothing proven"; an older report without the list cannot.
            let tested = p.summary.tested_routes.as_ref().is_none_or(|t| {
                t.iter().any(|x| {
                    x.split_once(' ').is_some_and(|(m, path)| {
                        path == r.path && m.eq_ignore_ascii_case(&r.method)
                    })
                })
            });
            if !proven.is_empty() {
                h.push_str("<td class=\"probe\">");
                for f in proven {
                    let _ = write!(
                        h,
                        "<span class=\"badge {}\" title=\"{}\">proven: {}</span> ",
                        sev_class(f.severity),
                        esc(f.curl.as_deref().unwrap_or(&f.message)),
                        esc(&f.rule)
                    );
                }
                h.push_str("</td>");
            } else if tested {
                h.push_str("<td class=\"probe\"><span class=\"badge not-proven\">no bypass proven</span></td>");
            } else {
                h.push_str("<td class=\"probe\"><span class=\"badge not-tested\" title=\"the probe sent no request to this route\">not tested</span></td>");
            }
        }
        h.push_str("</tr>\n");
    }
    if open {
        h.push_str("</tbody></table>\n");
    }

    // Findings with code frames.
    h.push_str("<h2>Findings</h2>\n");
    if report.findings.is_empty() {
        h.push_str("<p class=\"muted\">No findings.</p>\n");
    }
    let renderer = Renderer::plain();
    let mut ordered: Vec<(usize, &Finding)> = report.findings.iter().enumerate().collect();
    ordered.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity));
    for (i, f) in ordered {
        let _ = writeln!(
            h,
            "<div class=\"finding\" id=\"finding-{i}\"><p><span class=\"badge {}\">{}</span> <b>{}</b> {}</p><pre>{}</pre></div>",
            sev_class(f.severity),
            f.severity,
            esc(&f.rule),
            esc(&f.message),
            esc(&render_finding(f, sources, &renderer))
        );
    }
    if let Some(p) = probe {
        h.push_str("<h2>Probe findings</h2>\n");
        if p.findings.is_empty() {
            h.push_str("<p class=\"muted\">The probe proved no bypass.</p>\n");
        }
        for f in p.by_severity() {
            let _ = writeln!(
                h,
                "<div class=\"finding\"><p><span class=\"badge {}\">{}</span> <b>{}</b> {}</p><pre>{}</pre></div>",
                sev_class(f.severity),
                f.severity,
                esc(&f.rule),
                esc(&f.message),
                esc(&render_finding(f, sources, &renderer))
            );
        }
    }
    h.push_str("</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Summary;
    use crate::rule::RuleMeta;
    use crate::text::NoSources;

    #[test]
    fn escapes_and_links_findings_to_routes() {
        static R: RuleMeta = RuleMeta {
            name: "unprotected-route",
            severity: Severity::High,
            cwe: &[306],
            summary: "",
            explanation: "",
            remediation: "fix",
            example: "",
            fixed_example: "",
        };
        let routes = vec![RouteCoverage {
            app: "main:app".into(),
            group: "/admin".into(),
            via: vec![],
            method: "GET".into(),
            path: "/admin/<users>".into(),
            handler: "admin.users".into(),
            file: "admin.py".into(),
            line: 3,
            auth: AuthStatus::None,
            reason: String::new(),
            chain: vec![],
        }];
        let report = Report::new(
            vec![Finding::new(&R, "no auth").with_route("GET", "/admin/<users>")],
            vec![],
            Summary::default(),
        );
        let out = render("t", &report, &routes, None, &NoSources);
        assert!(out.contains("/admin/&lt;users&gt;"));
        assert!(!out.contains("/admin/<users>"));
        assert!(out.contains("href=\"#finding-0\""));
        assert!(out.contains("<span class=\"badge bad\">none</span>"));
        assert!(
            !out.contains("http://") && !out.contains("https://"),
            "no external assets"
        );
    }

    #[test]
    fn routes_are_grouped_by_app_then_router_in_declaration_order() {
        let route = |app: &str, group: &str, via: &[&str], path: &str| RouteCoverage {
            app: app.into(),
            group: group.into(),
            via: via.iter().map(|s| s.to_string()).collect(),
            method: "GET".into(),
            path: path.into(),
            handler: "h".into(),
            file: "main.py".into(),
            line: 1,
            auth: AuthStatus::Protected,
            reason: String::new(),
            chain: vec![],
        };
        let items = [
            "app.main.app (/)",
            "app.api.router (/api)",
            "app.items.router (/api/items)",
        ];
        let routes = vec![
            route("app.main.app", "", &["app.main.app (/)"], "/health"),
            route(
                "app.main.app",
                "app.items.router (/api/items)",
                &items,
                "/api/items/{id}",
            ),
            route(
                "app.admin.app (mounted at /admin)",
                "",
                &["app.admin.app (/admin)"],
                "/admin/users",
            ),
            route(
                "app.main.app",
                "app.items.router (/api/items)",
                &items,
                "/api/items",
            ),
        ];
        let report = Report::new(vec![], vec![], Summary::default());
        let out = render("t", &report, &routes, None, &NoSources);
        let headings: Vec<&str> = out
            .split("<h3 class=\"group\"")
            .skip(1)
            .map(|s| &s[s.find('>').unwrap() + 1..s.find("</h3>").unwrap()])
            .collect();
        assert_eq!(
            headings,
            [
                "app.main.app &rsaquo; (app routes)",
                "app.main.app &rsaquo; app.items.router (/api/items)",
                "app.admin.app (mounted at /admin) &rsaquo; (app routes)",
            ]
        );
        // One table per group, its routes sorted by path; the include chain is shown for
        // routers reached through other routers.
        let items_section = out.split("<h3").nth(2).unwrap();
        assert!(items_section.contains("included via <code>app.main.app (/)</code>"));
        let a = items_section.find("<code>/api/items</code>").unwrap();
        let b = items_section.find("<code>/api/items/{id}</code>").unwrap();
        assert!(a < b);
    }
}
