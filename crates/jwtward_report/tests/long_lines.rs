//! Reports over hostile sources stay linear: one 80 KB line with thousands of findings, and
//! thousands of findings of one rule in one file. Each test failed before its fix (the text
//! reporter read and split the file again per finding and framed the whole line; SARIF
//! normalised and hashed the line per finding; nothing capped the findings).

use jwtward_report::sarif::{SarifOptions, to_sarif};
use jwtward_report::text::{MAX_FRAME_WIDTH, SourceProvider, render_report};
use jwtward_report::{
    Finding, Location, MAX_FINDINGS_PER_FILE_AND_RULE, Report, RuleMeta, Severity, Summary,
    cap_per_file_and_rule,
};
use std::cell::Cell;
use std::time::Instant;

const RULE: RuleMeta = RuleMeta {
    name: "signature-not-verified",
    severity: Severity::Critical,
    cwe: &[347],
    summary: "s",
    explanation: "e",
    remediation: "Verify the signature.",
    example: "",
    fixed_example: "",
};

/// A source that counts how often it is read.
struct Counting {
    text: String,
    reads: Cell<usize>,
}

impl SourceProvider for Counting {
    fn source(&self, _: &str) -> Option<String> {
        self.reads.set(self.reads.get() + 1);
        Some(self.text.clone())
    }
}

/// One line of `n` decode calls, 16 bytes each, and a finding on every call.
fn one_long_line(n: usize) -> (Counting, Vec<Finding>) {
    let call = "jwt.decode(t,k);";
    let text = format!("{}\n", call.repeat(n));
    let findings = (0..n)
        .map(|i| {
            let col = (i * call.len() + 1) as u32;
            Finding::new(&RULE, "signature check is off").at(Location {
                file: "min.py".into(),
                line: 1,
                column: col,
                end_line: 1,
                end_column: col + 10,
            })
        })
        .collect();
    (
        Counting {
            text,
            reads: Cell::new(0),
        },
        findings,
    )
}

#[test]
fn text_frames_of_a_long_line_are_windows_and_the_file_is_read_once() {
    let n = 5_000;
    let (src, findings) = one_long_line(n);
    let report = Report::new(findings, Vec::new(), Summary::default());
    let t = Instant::now();
    let out = render_report(&report, &src, false);
    let took = t.elapsed();
    assert_eq!(src.reads.get(), 1, "the source is read once per report");
    // The place of a finding deep in the line is its real column, not the window's.
    let col = 2_500 * 16 + 1;
    assert!(
        out.contains(&format!("--> min.py:1:{col}")),
        "no header for column {col}"
    );
    // Every frame line is bounded.
    let widest = out.lines().map(str::len).max().unwrap();
    assert!(
        widest < MAX_FRAME_WIDTH + 40,
        "a {widest}-byte line in the text report"
    );
    let at = out.find(&format!("--> min.py:1:{col}")).unwrap();
    assert!(
        out[at..].contains("..."),
        "the window is marked as cut: {}",
        &out[at..at + 600]
    );
    // 50 s for 5,000 findings before (release); a generous bound for a debug build.
    assert!(took.as_secs() < 20, "{took:?}");
}

#[test]
fn sarif_of_a_long_line_is_linear() {
    let n = 5_000;
    let (src, findings) = one_long_line(n);
    let report = Report::new(findings, Vec::new(), Summary::default());
    let t = Instant::now();
    let doc = to_sarif(
        &report,
        &src,
        &SarifOptions {
            rules: &[RULE],
            category: "jwtward/scan/",
            root: None,
            tool_version: "test",
            docs_url: None,
            origin: "scan",
        },
    );
    let took = t.elapsed();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), n);
    // Identical places keep distinct fingerprints (the occurrence counter).
    let fps: std::collections::HashSet<_> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(fps.len(), n);
    assert!(took.as_secs() < 10, "{took:?}");
}

#[test]
fn findings_are_capped_per_file_and_rule_with_a_summary_entry() {
    let (_, mut findings) = one_long_line(1_000);
    // The most severe finding is kept even when it comes last.
    let last = findings.pop().unwrap().with_severity(Severity::Critical);
    for f in &mut findings {
        f.severity = Severity::Low;
    }
    findings.push(last);
    // Another file and another rule are capped apart.
    findings.push(Finding::new(&RULE, "other").at(Location {
        file: "other.py".into(),
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 2,
    }));
    let (kept, entries) = cap_per_file_and_rule(findings, MAX_FINDINGS_PER_FILE_AND_RULE);
    assert_eq!(kept.len(), MAX_FINDINGS_PER_FILE_AND_RULE + 1);
    assert!(kept.iter().any(|f| f.severity == Severity::Critical));
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].kind, "findings-capped");
    assert_eq!(entries[0].file.as_deref(), Some("min.py"));
    assert!(
        entries[0].message.starts_with(&format!(
            "{} more `signature-not-verified`",
            1_000 - MAX_FINDINGS_PER_FILE_AND_RULE
        )),
        "{}",
        entries[0].message
    );
}
