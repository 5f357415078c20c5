//! GitHub Actions workflow commands (`::error file=...::message`), one line per finding.

use crate::finding::Report;
use crate::rule::Severity;
use std::fmt::Write as _;

/// Escapes the message part of a workflow command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`) of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// Renders a report as GitHub annotations.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let mut props = Vec::new();
        if let Some(l) = &f.location {
            props.push(format!("file={}", escape_property(&l.file)));
            props.push(format!("line={}", l.line));
            props.push(format!("col={}", l.column));
            props.push(format!("endLine={}", l.end_line));
            props.push(format!("endColumn={}", l.end_column));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("jwtward {} ({})", f.rule, f.severity))
        ));
        let mut msg = crate::text::title(f);
        if let Some(url) = &f.url {
            let _ = write!(msg, "\n{url}");
        }
        for step in &f.trace {
            let _ = write!(msg, "\n-> {}", step.note);
        }
        let _ = writeln!(
            out,
            "::{} {}::{}",
            command(f.severity),
            props.join(","),
            escape_data(&msg)
        );
    }
    for e in &report.errors {
        let mut props = Vec::new();
        if let Some(file) = &e.file {
            props.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = e.line {
            props.push(format!("line={line}"));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("jwtward {}", e.kind))
        ));
        let _ = writeln!(
            out,
            "::warning {}::{}",
            props.join(","),
            escape_data(&e.message)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Location, Summary, TraceStep};
    use crate::rule::RuleMeta;

    #[test]
    fn escapes_and_locates() {
        let rule = RuleMeta {
            name: "weak-secret",
            severity: Severity::High,
            cwe: &[326],
            summary: "",
            explanation: "",
            remediation: "",
            example: "",
            fixed_example: "",
        };
        let f = Finding::new(&rule, "key is 100%\nweak")
            .at(Location {
                file: "a,b:c.py".into(),
                line: 3,
                column: 1,
                end_line: 3,
                end_column: 9,
            })
            .with_trace(vec![TraceStep {
                file: None,
                line: None,
                note: "GET /x".into(),
            }]);
        let out = render(&Report::new(vec![f], vec![], Summary::default()));
        assert_eq!(
            out,
            "::error file=a%2Cb%3Ac.py,line=3,col=1,endLine=3,endColumn=9,title=jwtward weak-secret (high)::key is 100%25%0Aweak%0A-> GET /x\n"
        );
    }
}
