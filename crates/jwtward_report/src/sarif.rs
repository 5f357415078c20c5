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
    /// The repository root: artifact URIs are written relative to it when they are below it.
    pub root: Option<&'a std::path::Path>,
    pub tool_version: &'a str,
}

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

fn rule_descriptor(r: &RuleMeta) -> Value {
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
    json!({
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
    })
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
        "artifactLocation": {"uri": artifact_uri(file, o.root)},
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
            "artifactLocation": {"uri": artifact_uri(file, o.root)},
            "region": {"startLine": line.max(1)}
        });
    }
    json!({"location": loc})
}

/// Renders `report` as a SARIF 2.1.0 log (one run).
pub fn to_sarif(report: &Report, sources: &dyn SourceProvider, o: &SarifOptions) -> Value {
    let index: HashMap<&str, usize> = o
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name, i))
        .collect();
    let fps = fingerprint::compute(&report.findings, sources, o.root);
    let mut results = Vec::new();
    for (f, fp) in report.findings.iter().zip(fps) {
        let mut text = f.message.clone();
        if let (Some(m), Some(p)) = (&f.method, &f.path) {
            text = format!("{text} ({m} {p})");
        }
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
        let mut location = if let Some(l) = &f.location {
            json!({"physicalLocation": physical(&l.file, l.line, l.column, l.end_line, l.end_column, o)})
        } else if let Some(url) = &f.url {
            // A run-time finding: the URL is the artifact.
            json!({"physicalLocation": {"artifactLocation": {"uri": url}, "region": {"startLine": 1}}})
        } else {
            json!({"message": {"text": "no source location"}})
        };
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
        results.push(result);
    }
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({"level": "warning", "message": {"text": format!("{}: {}", e.kind, e.message)}});
            if let Some(file) = &e.file {
                n["locations"] = json!([{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(file, o.root)}}}]);
            }
            n
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "jwtward",
                "version": o.tool_version,
                "informationUri": "https://github.com/jwtward/jwtward",
                "rules": o.rules.iter().map(rule_descriptor).collect::<Vec<_>>(),
            }},
            "automationDetails": {"id": o.category},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    })
}
