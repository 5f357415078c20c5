//! The rule reference of `docs/fastapi-rules.md`, generated from [`crate::RULES`] so that
//! the documentation cannot drift from the rules (a test compares them).

use jwtward_report::RuleMeta;
use std::fmt::Write as _;

/// The Markdown section of one rule.
pub fn rule_markdown(r: &RuleMeta) -> String {
    let mut s = String::new();
    let cwe = if r.cwe.is_empty() {
        "-".to_string()
    } else {
        r.cwe
            .iter()
            .map(|c| format!("CWE-{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(s, "### `{}`\n", r.name);
    let _ = writeln!(s, "Severity **{}**, {cwe}. {}.\n", r.severity, r.summary);
    let _ = writeln!(s, "{}\n", r.explanation);
    let _ = writeln!(s, "Vulnerable:\n\n```python\n{}\n```\n", r.example);
    let _ = writeln!(s, "Fixed:\n\n```python\n{}\n```\n", r.fixed_example);
    let _ = writeln!(s, "Fix: {}\n", r.remediation);
    s
}

/// The summary table and every rule's section.
pub fn rules_markdown() -> String {
    let mut s = String::from("| rule | severity | CWE | finds |\n|---|---|---|---|\n");
    for r in crate::RULES {
        let cwe = if r.cwe.is_empty() {
            "-".to_string()
        } else {
            r.cwe
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            s,
            "| [`{}`](#{}) | {} | {cwe} | {} |",
            r.name, r.name, r.severity, r.summary
        );
    }
    s.push('\n');
    for r in crate::RULES {
        s.push_str(&rule_markdown(r));
    }
    s
}
