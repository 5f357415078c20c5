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
    ErrorEntry, Evidence, Finding, Location, MAX_FINDINGS_PER_FILE_AND_RULE, Report, RouteRow,
    Summary, TraceStep, cap_per_file_and_rule,
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

/// The known name closest to `name`, when it is close enough to be a typo (edit distance at
/// most a third of the name, or one name contains the other): the "did you mean" of every
/// unknown rule name (command line, configuration, suppression comments).
pub fn did_you_mean<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, cb) in b.iter().enumerate() {
                cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }
    let lower = name.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (distance(&lower, k), *k))
        .filter(|(d, k)| {
            *d <= (lower.chars().count() / 3).max(1)
                || (lower.len() >= 4 && (k.contains(lower.as_str()) || lower.contains(k)))
        })
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    #[test]
    fn did_you_mean_finds_typos_only() {
        let known = ["weak-secret", "hardcoded-secret", "unprotected-route"];
        assert_eq!(
            super::did_you_mean("weak-secrt", &known),
            Some("weak-secret")
        );
        assert_eq!(
            super::did_you_mean("Weak-Secret", &known),
            Some("weak-secret")
        );
        assert_eq!(
            super::did_you_mean("unprotected", &known),
            Some("unprotected-route")
        );
        assert_eq!(super::did_you_mean("nope", &known), None);
    }
}
