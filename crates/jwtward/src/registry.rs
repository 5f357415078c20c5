//! Every rule jwtward can report, by the subcommand that reports it. One place, built from the
//! registries of the crates, so `--select`, SARIF's rule list and `jwtward rule` agree.

use jwtward_report::RuleMeta;

/// The subcommands that report findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Scan,
    Probe,
    Token,
    /// Run-time rules of `audit` itself (WebSocket handshakes).
    Audit,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Scan => "scan",
            Origin::Probe => "probe",
            Origin::Token => "token",
            Origin::Audit => "audit",
        }
    }
}

/// The rules one subcommand reports.
pub fn rules(origin: Origin) -> Vec<&'static RuleMeta> {
    match origin {
        Origin::Scan => jwtward_scan::RULES
            .iter()
            .chain(jwtward_fastapi::RULES.iter())
            .chain(std::iter::once(
                &jwtward_report::suppress::UNUSED_SUPPRESSION,
            ))
            .collect(),
        Origin::Probe => jwtward_probe::RULES.iter().collect(),
        Origin::Token => jwtward_jose::audit::RULES.to_vec(),
        Origin::Audit => jwtward_audit::ws::RULES.to_vec(),
    }
}

/// Every rule of every subcommand.
pub fn all() -> Vec<(&'static RuleMeta, Origin)> {
    [Origin::Scan, Origin::Probe, Origin::Token, Origin::Audit]
        .into_iter()
        .flat_map(|o| rules(o).into_iter().map(move |r| (r, o)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_kebab_case_and_unique_per_subcommand() {
        for origin in [Origin::Scan, Origin::Probe, Origin::Token, Origin::Audit] {
            let mut seen = HashSet::new();
            for r in rules(origin) {
                assert!(
                    !r.name.is_empty()
                        && r.name
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "{} is not kebab-case",
                    r.name
                );
                assert!(
                    seen.insert(r.name),
                    "{} registered twice in {origin:?}",
                    r.name
                );
                assert!(!r.summary.is_empty(), "{} has no summary", r.name);
                assert!(!r.explanation.is_empty(), "{} has no explanation", r.name);
                assert!(!r.remediation.is_empty(), "{} has no remediation", r.name);
            }
        }
    }

    /// A rule reported by several subcommands is one rule to the user: `jwtward rule NAME`
    /// shows one CWE set, and the same key-generation command everywhere.
    #[test]
    fn same_named_rules_agree() {
        let all = all();
        for (r, o) in &all {
            for (s, p) in &all {
                if r.name == s.name {
                    assert_eq!(r.cwe, s.cwe, "{} in {o:?} and {p:?}", r.name);
                }
            }
        }
        let commands: HashSet<&str> = all
            .iter()
            .filter(|(r, _)| r.name == "weak-secret")
            .map(|(r, _)| {
                let at = r
                    .remediation
                    .find("`python -c")
                    .expect("a key-generation command");
                let end = at + 1 + r.remediation[at + 1..].find('`').unwrap();
                &r.remediation[at..=end]
            })
            .collect();
        assert_eq!(commands.len(), 1, "{commands:?}");
    }
}
