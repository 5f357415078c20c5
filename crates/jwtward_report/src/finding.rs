use crate::rule::{RuleMeta, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A source range, 1-based lines and 1-based character columns (end exclusive).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// The path as given on the command line, joined with the path below it.
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// One step of the chain that explains a finding, from the route to the cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStep {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub note: String,
}

/// What a run-time finding (probe) saw: the attack and the baselines it was compared with.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The request that proves the finding, as `METHOD URL` plus the relevant headers.
    pub request: String,
    pub status: u16,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub body_excerpt: String,
    /// Named baselines (`valid`, `no-credentials`, `garbage`, ...) as `status: excerpt`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub baselines: BTreeMap<String, String>,
}

/// A finding: the one record `scan`, `probe` and `token` all produce.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub cwe: Vec<u32>,
    pub message: String,
    pub remediation: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// HTTP method of the route (route-level findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Route path (the spec's template for probe findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub trace: Vec<TraceStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// A command that reproduces a run-time finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
}

impl Finding {
    /// A finding of `rule` with its default severity, CWE and remediation.
    pub fn new(rule: &RuleMeta, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.name.to_string(),
            severity: rule.severity,
            cwe: rule.cwe.to_vec(),
            message: message.into(),
            remediation: rule.remediation.to_string(),
            location: None,
            method: None,
            path: None,
            url: None,
            trace: Vec::new(),
            evidence: None,
            curl: None,
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn with_route(mut self, method: impl Into<String>, path: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self.path = Some(path.into());
        self
    }

    pub fn with_trace(mut self, trace: Vec<TraceStep>) -> Self {
        self.trace = trace;
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Sort key: file, position, rule; location-less findings last.
    pub fn sort_key(&self) -> (bool, Option<&Location>, &str, Option<&str>, Option<&str>) {
        (
            self.location.is_none(),
            self.location.as_ref(),
            self.rule.as_str(),
            self.path.as_deref(),
            self.method.as_deref(),
        )
    }
}

/// Something that went wrong while producing findings (unreadable file, parse error, ...).
/// Errors never stop the run: they are reported next to the findings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// A short kebab-case kind: `parse-error`, `io-error`, `not-utf8`, ...
    pub kind: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub findings: usize,
    pub by_severity: BTreeMap<String, usize>,
    pub errors: usize,
    /// Files analysed (scan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<usize>,
    /// Lines analysed (scan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<usize>,
    /// HTTP requests sent (probe).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<usize>,
    /// Endpoints tested (probe).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<usize>,
    /// The routes the probe requested, as `METHOD /path` (the spec's template). A route of
    /// the HTML map that is not listed here was not tested.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tested_routes: Option<Vec<String>>,
    /// Findings hidden by `# jwtward: ignore` comments (scan).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub suppressed: Option<usize>,
    /// Findings hidden because the baseline (`--baseline`) holds them (scan).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub baselined: Option<usize>,
}

/// The document every subcommand prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub findings: Vec<Finding>,
    pub errors: Vec<ErrorEntry>,
    pub summary: Summary,
    /// The route table of `scan` (one row per route and method), absent elsewhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteRow>,
}

/// One route of `scan`'s route table: what authenticates it, in one word and a reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRow {
    /// `GET`, `POST`... (`WS` for websockets).
    pub method: String,
    pub path: String,
    /// The file of the handler's decorator (or `add_*route` call), as displayed.
    pub file: String,
    /// The decorator's line.
    pub line: u32,
    /// `protected`, `forgeable`, `optional`, `fail-open`, `conditional`, `public` (public
    /// by design) or `unprotected`.
    pub class: String,
    /// The dependency or middleware that decides the class, or the recogniser that made
    /// the route public.
    pub reason: String,
}

impl Report {
    /// Builds a report: sorts the findings and fills in the counts of the summary.
    /// `summary` carries the front end's own figures (files, lines, requests...).
    pub fn new(mut findings: Vec<Finding>, errors: Vec<ErrorEntry>, mut summary: Summary) -> Self {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup();
        summary.findings = findings.len();
        summary.errors = errors.len();
        summary.by_severity = BTreeMap::new();
        for f in &findings {
            *summary
                .by_severity
                .entry(f.severity.as_str().to_string())
                .or_default() += 1;
        }
        Report {
            version: 1,
            findings,
            errors,
            summary,
            routes: Vec::new(),
        }
    }

    /// The findings for people to read: the most severe first, then by file and line (the
    /// order of [`Report::findings`], which machine formats keep).
    pub fn by_severity(&self) -> Vec<&Finding> {
        let mut v: Vec<&Finding> = self.findings.iter().collect();
        // Stable: within one severity the file/line order of `findings` stays.
        v.sort_by_key(|f| std::cmp::Reverse(f.severity));
        v
    }

    /// Findings per rule, most frequent first (`--statistics`): `(rule, highest severity,
    /// count)`.
    pub fn statistics(&self) -> Vec<(&str, Severity, usize)> {
        let mut by_rule: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
        for f in &self.findings {
            let e = by_rule.entry(f.rule.as_str()).or_insert((f.severity, 0));
            e.0 = e.0.max(f.severity);
            e.1 += 1;
        }
        let mut v: Vec<(&str, Severity, usize)> =
            by_rule.into_iter().map(|(r, (s, n))| (r, s, n)).collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(b.0)));
        v
    }

    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// True when a finding at or above `threshold` exists (`--fail-on`).
    pub fn fails_at(&self, threshold: Severity) -> bool {
        self.max_severity().is_some_and(|s| s >= threshold)
    }
}

/// The most findings of one rule listed for one file ([`cap_per_file_and_rule`]).
pub const MAX_FINDINGS_PER_FILE_AND_RULE: usize = 100;

/// Keeps at most `max` findings of each rule in each file (the most severe first, then in
/// report order) and returns, for every (file, rule) over the cap, a `findings-capped` entry
/// counting what was left out. A 60 MB file with 875,000 decode calls printed 2 GB of JSON.
/// Findings without a location are never capped.
pub fn cap_per_file_and_rule(
    mut findings: Vec<Finding>,
    max: usize,
) -> (Vec<Finding>, Vec<ErrorEntry>) {
    use std::collections::HashMap;
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut groups: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if let Some(l) = &f.location {
            groups
                .entry((l.file.clone(), f.rule.clone()))
                .or_default()
                .push(i);
        }
    }
    let mut drop = vec![false; findings.len()];
    let mut entries = Vec::new();
    for ((file, rule), mut idx) in groups {
        if idx.len() <= max {
            continue;
        }
        // Stable: equally severe findings keep the report order.
        idx.sort_by_key(|&i| std::cmp::Reverse(findings[i].severity));
        for &i in &idx[max..] {
            drop[i] = true;
        }
        entries.push(ErrorEntry {
            kind: "findings-capped".into(),
            message: format!(
                "{} more `{rule}` findings in this file not listed (at most {max} per file and rule)",
                idx.len() - max
            ),
            file: Some(file),
            line: None,
            column: None,
        });
    }
    entries.sort_by(|a, b| (&a.file, &a.message).cmp(&(&b.file, &b.message)));
    let kept = findings
        .into_iter()
        .zip(drop)
        .filter_map(|(f, d)| (!d).then_some(f))
        .collect();
    (kept, entries)
}
