use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`. Written in
/// lowercase; read in any letter case (`HIGH`, `High`), on the command line and in files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity `{s}` (expected one of: critical, high, medium, low, info; any letter case)"
            )),
        }
    }
}

/// A rule as data: what every front end registers about each of its rules.
///
/// The same record drives the finding (severity, CWE, remediation), the CLI's
/// `--select`/`--ignore` validation and the rule documentation.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    /// Stable kebab-case name, e.g. `signature-not-verified`.
    pub name: &'static str,
    pub severity: Severity,
    pub cwe: &'static [u32],
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Why it is an authentication bypass (a paragraph).
    pub explanation: &'static str,
    /// How to fix it (a paragraph).
    pub remediation: &'static str,
    /// A short vulnerable example (Python for scan rules, an HTTP exchange for probe rules).
    pub example: &'static str,
    /// The fixed twin of `example`.
    pub fixed_example: &'static str,
}
