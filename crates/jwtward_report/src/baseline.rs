//! Baselines: record today's findings, report only new ones tomorrow.
//!
//! `--write-baseline FILE` stores the fingerprints (see [`crate::fingerprint`]) of the current
//! findings; `--baseline FILE` drops the findings whose fingerprint is in it. Paths in the
//! fingerprints are relative to the baseline file's directory, so the file can be committed.

use crate::finding::Finding;
use crate::fingerprint;
use crate::text::SourceProvider;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    /// fingerprint -> a human hint (`rule file:line`), for reviewers of the file.
    findings: BTreeMap<String, String>,
}

fn root_of(path: &Path) -> std::path::PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    abs.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Writes the baseline of `findings` to `path`.
pub fn write(
    path: &Path,
    findings: &[Finding],
    sources: &dyn SourceProvider,
) -> std::io::Result<usize> {
    let root = root_of(path);
    let fps = fingerprint::compute(findings, sources, Some(&root));
    let findings: BTreeMap<String, String> = fps
        .into_iter()
        .zip(findings)
        .map(|(fp, f)| {
            let hint = match &f.location {
                Some(l) => format!(
                    "{} {}:{}",
                    f.rule,
                    fingerprint::relative_path(&l.file, Some(&root)),
                    l.line
                ),
                None => format!("{} {}", f.rule, f.url.as_deref().unwrap_or("")),
            };
            (fp, hint)
        })
        .collect();
    let n = findings.len();
    let text = serde_json::to_string_pretty(&BaselineFile {
        version: 1,
        findings,
    })
    .map_err(std::io::Error::other)?;
    std::fs::write(path, text + "\n")?;
    Ok(n)
}

/// Keeps the findings that are not in the baseline at `path`; returns them and how many
/// were dropped.
pub fn filter(
    path: &Path,
    findings: Vec<Finding>,
    sources: &dyn SourceProvider,
) -> Result<(Vec<Finding>, usize), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let base: BaselineFile = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a jwtward baseline: {e}", path.display()))?;
    if base.version != 1 {
        return Err(format!(
            "{}: unsupported baseline version {}",
            path.display(),
            base.version
        ));
    }
    let root = root_of(path);
    let fps = fingerprint::compute(&findings, sources, Some(&root));
    let before = findings.len();
    let kept: Vec<Finding> = findings
        .into_iter()
        .zip(fps)
        .filter(|(_, fp)| !base.findings.contains_key(fp))
        .map(|(f, _)| f)
        .collect();
    let dropped = before - kept.len();
    Ok((kept, dropped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;
    use crate::rule::{RuleMeta, Severity};
    use crate::text::DiskSources;

    static R: RuleMeta = RuleMeta {
        name: "weak-secret",
        severity: Severity::High,
        cwe: &[],
        summary: "",
        explanation: "",
        remediation: "",
        example: "",
        fixed_example: "",
    };

    fn finding(file: &str, line: u32) -> Finding {
        Finding::new(&R, "weak").at(Location {
            file: file.into(),
            line,
            column: 1,
            end_line: line,
            end_column: 4,
        })
    }

    #[test]
    fn only_new_findings_survive_and_moves_are_tolerated() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("a.py");
        std::fs::write(&src, "KEY = 'secret'\n").unwrap();
        let file = src.to_string_lossy().to_string();
        let base = d.path().join("jwtward-baseline.json");
        assert_eq!(write(&base, &[finding(&file, 1)], &DiskSources).unwrap(), 1);

        // The old finding moves down two lines; a new one appears.
        std::fs::write(&src, "import os\n\nKEY = 'secret'\nOTHER = 'changeme'\n").unwrap();
        let (kept, dropped) = filter(
            &base,
            vec![finding(&file, 3), finding(&file, 4)],
            &DiskSources,
        )
        .unwrap();
        assert_eq!(dropped, 1);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].location.as_ref().unwrap().line, 4);
    }

    #[test]
    fn a_broken_baseline_is_a_clear_error() {
        let d = tempfile::tempdir().unwrap();
        let base = d.path().join("b.json");
        std::fs::write(&base, "{\"nope\": 1}").unwrap();
        let err = filter(&base, vec![], &DiskSources).unwrap_err();
        assert!(err.contains("is not a jwtward baseline"), "{err}");
        let err = filter(&d.path().join("missing.json"), vec![], &DiskSources).unwrap_err();
        assert!(err.contains("cannot read baseline"), "{err}");
    }
}
