//! The finding model shared by every jwtward front end (`scan`, `probe`, `token`),
//! the rule metadata they register, and the reporters that print a [`Report`].
//!
//! A front end produces [`Finding`]s; it never formats them itself. That is what keeps the
//! output of `scan` and `probe` identical in shape.

pub mod baseline;
pub mod docs;
mod finding;
pub mod fingerprint;
pub mod github;
pub mod html;
mod rule;
pub mod sarif;
pub mod suppress;
pub mod text;

pub use finding::{
    ErrorEntry, Evidence, Finding, Location, MAX_FINDINGS_PER_FILE_AND_RULE, Report, Summary,
    TraceStep, cap_per_file_and_rule,
};
pub use rule::{RuleMeta, Severity};

/// Output formats every subcommand understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

impl Report {
    /// The JSON document of `--format json` (`{"version": 1, ...}`).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("report serialises");
        s.push('\n');
        s
    }
}
