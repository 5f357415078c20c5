//! SARIF 2.1.0 output, shaped for GitHub code scanning.
//!
//! Written over `serde_json` rather than with `serde-sarif`: that crate generates the whole
//! schema at build time (schemafy + syn) to emit the few objects we need. The test suite
//! validates this output against the official OASIS schema instead.

use crate::finding::{Report, TraceStep};
use crate::fingerprint::{self, relative_path as artifact_uri};
use crate::rule::{RuleMeta, Severity};
use crate::text::SourceProvider;
use serde_json::{Value, json};
use std::collections::HashMap;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// What a SARIF run needs beyond the report.
pub struct SarifOptions<'a> {
    /// Every rule the run could report (the run's `tool.driver.rules`).
    pub rules: &'a [RuleMeta],
    /// `runAutomationDetails.id`, e.g. `jwtward/scan/` or `jwtward/probe/`.
    pub category: &'a str,
    /// The repository root: artifact URIs are written relative to it when they are below it,
    /// with `uriBaseId` `%SRCROOT%` (the run's `originalUriBaseIds` gives its `file://` URI).
    pub root: Option<&'a std::path::Path>,
    pub tool_version: &'a str,
    /// Where the rule pages are published (`docs-url` of the configuration): each rule gets
    /// `helpUri` `{docs_url}/{origin}/{rule}.md`, the layout of `docs/rules/`.
    pub docs_url: Option<&'a str>,
    /// The subcommand that reports the rules (`scan`, `probe`, `token`), for `helpUri`.
    pub origin: &'a str,
}

/// The `uriBaseId` of artifact URIs relative to the repository root.
pub const SRCROOT: &str = "%SRCROOT%";

/// GitHub's `security-severity` score for a severity.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// SARIF `level` for a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn rule_descriptor(r: &RuleMeta, o: &SarifOptions) -> Value {
    let mut tags = vec![json!("security")];
    tags.extend(r.cwe.iter().map(|c| json!(format!("external/cwe/cwe-{c}"))));
    let markdown = format!(
        "{}\n\n{}\n\n**Example**\n\n```\n{}\n```\n\n**Fix**\n\n{}\n\n```\n{}\n```\n",
        r.summary,
        r.explanation,
        r.example.trim_end(),
        r.remediation,
        r.fixed_example.trim_end()
    );
    let mut d = json!({
        "id": r.name,
        "name": to_pascal(r.name),
        "shortDescription": {"text": truncate(r.summary, 1024)},
        "fullDescription": {"text": truncate(r.explanation, 1024)},
        "help": {"text": format!("{}\n\n{}", r.explanation, r.remediation), "markdown": markdown},
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "tags": tags,
            "precision": "high",
            "security-severity": security_severity(r.severity),
        }
    });
    if let Some(base) = o.docs_url {
        d["helpUri"] = json!(format!(
            "{}/{}/{}.md",
            base.trim_end_matches('/'),
            o.origin,
            r.name
        ));
    }
    d
}

/// The `artifactLocation` of a file: relative to the root with `uriBaseId` when it is below
/// it, else an absolute `file://` URI.
fn artifact(file: &str, o: &SarifOptions) -> Value {
    let below = o.root.and_then(|r| {
        let abs = std::path::absolute(file).ok()?;
        let root = std::path::absolute(r).ok()?;
        abs.starts_with(&root).then_some(())
    });
    match below {
        Some(()) => json!({"uri": artifact_uri(file, o.root), "uriBaseId": SRCROOT}),
        None => {
            let abs = std::path::absolute(file).unwrap_or_else(|_| file.into());
            json!({"uri": file_uri(&abs)})
        }
    }
}

/// `file:///abs/path` (with a trailing `/` for a directory), percent-encoding what a URI
/// cannot hold.
fn file_uri(path: &std::path::Path) -> String {
    let mut s = String::from("file://");
    let text = path.to_string_lossy().replace('\\', "/");
    if !text.starts_with('/') {
        s.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn to_pascal(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max - 3;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

fn physical(
    file: &str,
    line: u32,
    col: u32,
    end_line: u32,
    end_col: u32,
    o: &SarifOptions,
) -> Value {
    json!({
        "artifactLocation": artifact(file, o),
        "region": {
            "startLine": line.max(1),
            "startColumn": col.max(1),
            "endLine": end_line.max(line.max(1)),
            "endColumn": end_col.max(1),
        }
    })
}

fn trace_location(step: &TraceStep, o: &SarifOptions) -> Value {
    let mut loc = json!({"message": {"text": step.note}});
    if let Some(file) = &step.file {
        let line = step.line.unwrap_or(1);
        loc["physicalLocation"] = json!({
            "artifactLocation": artifact(file, o),
            "region": {"startLine": line.max(1)}
        });
    }
    json!({"location": loc})
}

/// Renders `report` as a SARIF 2.1.0 log (one run).
///
/// Only findings with a source location become `results`: GitHub code scanning rejects a
/// result without a physical location in the repository. The others (`token` findings,
/// probe findings not tied to source) are listed as `toolExecutionNotifications` that name
/// the rule, the route and the URL.
pub fn to_sarif(report: &Report, sources: &dyn SourceProvider, o: &SarifOptions) -> Value {
    let index: HashMap<&str, usize> = o
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name, i))
        .collect();
    let fps = fingerprint::compute(&report.findings, sources, o.root);
    let mut results = Vec::new();
    let mut notifications: Vec<Value> = Vec::new();
    for (f, fp) in report.findings.iter().zip(fps) {
        if f.location.is_none() {
            let mut text = crate::text::title(f);
            if let Some(url) = &f.url {
                text = format!("{text} ({url})");
            }
            let mut n = json!({
                "level": level(f.severity),
                "message": {"text": text},
                "descriptor": {"id": f.rule},
                "properties": {"severity": f.severity.as_str(), "cwe": f.cwe},
            });
            if let Some(i) = index.get(f.rule.as_str()) {
                n["descriptor"]["index"] = json!(i);
            }
            if let Some(curl) = &f.curl {
                n["properties"]["curl"] = json!(curl);
            }
            notifications.push(n);
            continue;
        }
        let text = crate::text::title(f);
        let mut result = json!({
            "ruleId": f.rule,
            "level": level(f.severity),
            "message": {"text": text},
            "partialFingerprints": {"primaryLocationLineHash": fp},
            "properties": {"severity": f.severity.as_str(), "cwe": f.cwe},
        });
        if let Some(i) = index.get(f.rule.as_str()) {
            result["ruleIndex"] = json!(i);
        }
        let l = f
            .location
            .as_ref()
            .expect("location-less findings are notifications");
        let mut location = json!({"physicalLocation": physical(&l.file, l.line, l.column, l.end_line, l.end_column, o)});
        if let (Some(m), Some(p)) = (&f.method, &f.path) {
            location["logicalLocations"] =
                json!([{"fullyQualifiedName": format!("{m} {p}"), "kind": "function"}]);
        }
        result["locations"] = json!([location]);
        if !f.trace.is_empty() {
            let steps: Vec<Value> = f.trace.iter().map(|s| trace_location(s, o)).collect();
            result["codeFlows"] = json!([{"threadFlows": [{"locations": steps}]}]);
        }
        if let Some(curl) = &f.curl {
            result["properties"]["curl"] = json!(curl);
        }
        if let Some(url) = &f.url {
            result["properties"]["url"] = json!(url);
        }
        results.push(result);
    }
    notifications.extend(report.errors.iter().map(|e| {
        let mut n =
            json!({"level": "warning", "message": {"text": format!("{}: {}", e.kind, e.message)}});
        if let Some(file) = &e.file {
            n["locations"] = json!([{"physicalLocation": {"artifactLocation": artifact(file, o)}}]);
        }
        n
    }));
    let mut run = json!({
        "tool": {"driver": {
            "name": "jwtward",
            "version": o.tool_version,
            "informationUri": "https://github.com/jwtward/jwtward",
            "rules": o.rules.iter().map(|r| rule_descriptor(r, o)).collect::<Vec<_>>(),
        }},
        "automationDetails": {"id": o.category},
        "invocations": [{
            "executionSuccessful": true,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
    });
    if let Some(root) = o.root {
        let abs = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let mut uri = file_uri(&abs);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run["originalUriBaseIds"] = json!({SRCROOT: {"uri": uri}});
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run]
    })
}
