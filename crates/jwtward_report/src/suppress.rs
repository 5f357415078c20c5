//! Inline suppressions: `# jwtward: ignore[rule-a, rule-b] -- reason`.
//!
//! A suppression applies to findings that start on its line. For a route-level finding
//! (one with a method and path) it also applies when written on the handler's `def` line.
//! `# jwtward: ignore` without a rule list suppresses every rule on the line;
//! `# jwtward: ignore-file[rule]` suppresses the rule in the whole file (bare: every rule).
//! `# jwtward:ignore[...]` (no space) is the same comment. Rule names that no rule has are
//! reported by [`check_rule_names`].

use crate::finding::{Finding, Location};
use crate::rule::{RuleMeta, Severity};
use crate::text::SourceProvider;
use std::collections::HashMap;

/// The meta-rule under which unused suppressions are reported (`--report-unused-ignores`).
pub static UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    name: "unused-suppression",
    severity: Severity::Info,
    cwe: &[],
    summary: "A `# jwtward: ignore[...]` comment that suppresses nothing.",
    explanation: "Stale suppressions hide future findings on the same line: once the code they \
        excused is fixed, the comment should go.",
    remediation: "Remove the comment, or the rule names in it that no longer match a finding.",
    example: "KEY = os.environ[\"JWT_KEY\"]  # jwtward: ignore[weak-secret]",
    fixed_example: "KEY = os.environ[\"JWT_KEY\"]",
};

/// What every suppression comment contains; files without it are not parsed.
const NEEDLE: &str = "jwtward";

/// One suppression comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// 1-based line.
    pub line: u32,
    /// 1-based character column of the `#`.
    pub column: u32,
    /// `None` for a blanket `# jwtward: ignore` (every rule).
    pub rules: Option<Vec<String>>,
    pub reason: Option<String>,
    /// `# jwtward: ignore-file[...]`: applies to the whole file.
    pub file_level: bool,
}

/// Parses the comment text after `#`: `jwtward: ignore[...]`, `jwtward:ignore[...]`,
/// `jwtward: ignore-file[...]`, each with an optional ` -- reason`.
fn parse_comment(rest: &str) -> Option<(bool, Option<Vec<String>>, Option<String>)> {
    let after = rest.trim_start().strip_prefix(NEEDLE)?;
    let after = after.trim_start().strip_prefix(':')?.trim_start();
    let (file_level, after) = if let Some(a) = after.strip_prefix("ignore-file") {
        (true, a)
    } else {
        (false, after.strip_prefix("ignore")?)
    };
    // `ignore` must end there: `# jwtward: ignored` is prose, not a suppression.
    if after
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    let (rules, tail) = if let Some(list) = after.strip_prefix('[') {
        match list.find(']') {
            Some(end) => (
                Some(
                    list[..end]
                        .split(',')
                        .map(|r| r.trim().to_string())
                        .filter(|r| !r.is_empty())
                        .collect(),
                ),
                &list[end + 1..],
            ),
            None => (None, ""),
        }
    } else {
        (None, after)
    };
    let reason = tail
        .trim_start()
        .strip_prefix("--")
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    Some((file_level, rules, reason))
}

/// Finds the suppression comments of a source file.
pub fn parse(source: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (i, line) in source.lines().enumerate() {
        if !line.contains(NEEDLE) {
            continue;
        }
        // The marker must be in a comment; look at every `#` on the line.
        let mut search = 0;
        while let Some(off) = line[search..].find('#') {
            let at = search + off;
            if let Some((file_level, rules, reason)) = parse_comment(&line[at + 1..]) {
                out.push(Suppression {
                    line: i as u32 + 1,
                    column: line[..at].chars().count() as u32 + 1,
                    rules,
                    reason,
                    file_level,
                });
                break;
            }
            search = at + 1;
        }
    }
    out
}

/// The line of the `def` a route-level finding at `line` belongs to: the finding's own line
/// when it is a `def`, else the first `def` below a run of decorator lines.
fn def_line(lines: &[&str], line: u32) -> Option<u32> {
    let start = (line as usize).checked_sub(1)?;
    lines
        .iter()
        .enumerate()
        .skip(start)
        .take(40)
        .find(|(_, l)| {
            let l = l.trim_start();
            l.starts_with("def ") || l.starts_with("async def ")
        })
        .map(|(i, _)| i as u32 + 1)
}

/// Rule names in suppression comments of `files` that are not in `known`: one
/// `invalid-suppression` error entry each, with a "did you mean" when a known name is close.
pub fn check_rule_names(
    files: &[String],
    sources: &dyn SourceProvider,
    known: &[&str],
) -> Vec<crate::ErrorEntry> {
    let mut out = Vec::new();
    for file in files {
        let Some(src) = sources.source(file) else {
            continue;
        };
        if !src.contains(NEEDLE) {
            continue;
        }
        for s in parse(&src) {
            for r in s.rules.iter().flatten() {
                if known.contains(&r.as_str()) {
                    continue;
                }
                let hint = crate::did_you_mean(r, known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                out.push(crate::ErrorEntry {
                    kind: "invalid-suppression".into(),
                    message: format!(
                        "unknown rule `{r}` in a `# jwtward: ignore` comment{hint}; it suppresses nothing"
                    ),
                    file: Some(file.clone()),
                    line: Some(s.line),
                    column: Some(s.column),
                });
            }
        }
    }
    out
}

/// The outcome of applying suppressions.
pub struct Applied {
    pub kept: Vec<Finding>,
    pub suppressed: usize,
    /// `unused-suppression` findings (only when asked for).
    pub unused: Vec<Finding>,
}

struct FileInfo {
    sups: Vec<Suppression>,
    used: Vec<Vec<bool>>,
    lines: Vec<String>,
}

/// Reads and parses `file` once; false when it has no suppression comment.
fn load(
    cache: &mut HashMap<String, Option<FileInfo>>,
    sources: &dyn SourceProvider,
    file: &str,
) -> bool {
    cache
        .entry(file.to_string())
        .or_insert_with(|| {
            let src = sources.source(file)?;
            if !src.contains(NEEDLE) {
                return None;
            }
            let sups = parse(&src);
            let used = sups
                .iter()
                .map(|s| vec![false; s.rules.as_ref().map_or(1, Vec::len)])
                .collect();
            Some(FileInfo {
                sups,
                used,
                lines: src.lines().map(str::to_string).collect(),
            })
        })
        .is_some()
}

/// Drops the findings a suppression comment covers. With `report_unused`, every suppression
/// comment in `files` (and in the files of the findings) that matched nothing is reported.
pub fn apply(
    findings: Vec<Finding>,
    sources: &dyn SourceProvider,
    report_unused: bool,
    files: &[String],
) -> Applied {
    let mut cache: HashMap<String, Option<FileInfo>> = HashMap::new();

    let mut kept = Vec::new();
    let mut suppressed = 0;
    for f in findings {
        let Some(loc) = f.location.clone() else {
            kept.push(f);
            continue;
        };
        if !load(&mut cache, sources, &loc.file) {
            kept.push(f);
            continue;
        }
        let info = cache.get_mut(&loc.file).and_then(|i| i.as_mut()).unwrap();
        let mut target_lines = vec![loc.line];
        if f.method.is_some() {
            let lines: Vec<&str> = info.lines.iter().map(String::as_str).collect();
            if let Some(d) = def_line(&lines, loc.line) {
                target_lines.push(d);
            }
        }
        let mut hit = false;
        for (si, s) in info.sups.iter().enumerate() {
            if !s.file_level && !target_lines.contains(&s.line) {
                continue;
            }
            match &s.rules {
                None => {
                    info.used[si][0] = true;
                    hit = true;
                }
                Some(rules) => {
                    if let Some(ri) = rules.iter().position(|r| *r == f.rule) {
                        info.used[si][ri] = true;
                        hit = true;
                    }
                }
            }
        }
        if hit {
            suppressed += 1;
        } else {
            kept.push(f);
        }
    }

    let mut unused = Vec::new();
    if report_unused {
        for file in files {
            load(&mut cache, sources, file);
        }
        let mut names: Vec<&String> = cache.keys().collect();
        names.sort();
        for file in names {
            let Some(info) = &cache[file] else { continue };
            for (s, used) in info.sups.iter().zip(&info.used) {
                let stale: Vec<String> = match &s.rules {
                    None if !used[0] => vec!["(all rules)".to_string()],
                    None => continue,
                    Some(rules) => rules
                        .iter()
                        .zip(used)
                        .filter(|(_, u)| !**u)
                        .map(|(r, _)| r.clone())
                        .collect(),
                };
                if stale.is_empty() {
                    continue;
                }
                let len = info
                    .lines
                    .get(s.line as usize - 1)
                    .map_or(0, |l| l.chars().count() as u32);
                unused.push(
                    Finding::new(
                        &UNUSED_SUPPRESSION,
                        format!("unused suppression for {}", stale.join(", ")),
                    )
                    .at(Location {
                        file: file.clone(),
                        line: s.line,
                        column: s.column,
                        end_line: s.line,
                        end_column: len + 1,
                    }),
                );
            }
        }
    }
    Applied {
        kept,
        suppressed,
        unused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::Severity;

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
    static ROUTE: RuleMeta = RuleMeta {
        name: "unprotected-route",
        ..R
    };

    struct Src(&'static str);
    impl SourceProvider for Src {
        fn source(&self, _: &str) -> Option<String> {
            Some(self.0.to_string())
        }
    }

    fn at(rule: &RuleMeta, line: u32) -> Finding {
        Finding::new(rule, "m").at(Location {
            file: "a.py".into(),
            line,
            column: 1,
            end_line: line,
            end_column: 2,
        })
    }

    #[test]
    fn parses_rules_and_reason() {
        let s = parse(
            "x = '#'  # jwtward: ignore[weak-secret, hardcoded-secret] -- test key\ny = 1 #jwtward: ignore\n",
        );
        assert_eq!(
            s[0].rules.as_deref(),
            Some(&["weak-secret".to_string(), "hardcoded-secret".to_string()][..])
        );
        assert_eq!(s[0].reason.as_deref(), Some("test key"));
        assert_eq!(s[0].column, 10);
        assert_eq!(s[1].rules, None);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn suppresses_on_the_line_and_on_the_def_line() {
        let src = "KEY = 'x'  # jwtward: ignore[weak-secret] -- local dev\n\n@app.get('/x')\ndef x():  # jwtward: ignore[unprotected-route] -- public by design\n    return 1\nOTHER = 'y'  # jwtward: ignore[hardcoded-secret]\n";
        let findings = vec![at(&R, 1), at(&ROUTE, 3).with_route("GET", "/x"), at(&R, 6)];
        let a = apply(findings, &Src(src), true, &["a.py".to_string()]);
        assert_eq!(a.suppressed, 2);
        assert_eq!(a.kept.len(), 1);
        assert_eq!(a.kept[0].location.as_ref().unwrap().line, 6);
        assert_eq!(a.unused.len(), 1);
        assert_eq!(
            a.unused[0].message,
            "unused suppression for hardcoded-secret"
        );
        assert_eq!(a.unused[0].location.as_ref().unwrap().line, 6);
    }

    #[test]
    fn a_suppression_for_another_rule_does_not_hide() {
        let src = "KEY = 'x'  # jwtward: ignore[hardcoded-secret]\n";
        let a = apply(vec![at(&R, 1)], &Src(src), false, &[]);
        assert_eq!(a.suppressed, 0);
        assert_eq!(a.kept.len(), 1);
        assert!(a.unused.is_empty());
    }

    #[test]
    fn no_space_form_file_level_and_unknown_names() {
        let src = "# jwtward: ignore-file[hardcoded-secret] -- fixtures\nKEY = 'x'  # jwtward:ignore[weak-secret]\nA = 1  # jwtward: ignored by nobody\nB = 2  # jwtward: ignore[weak-secrt]\n";
        let s = parse(src);
        assert_eq!(s.len(), 3, "{s:?}");
        assert!(s[0].file_level);
        assert_eq!(
            s[1].rules.as_deref(),
            Some(&["weak-secret".to_string()][..])
        );
        static HC: RuleMeta = RuleMeta {
            name: "hardcoded-secret",
            ..R
        };
        let a = apply(vec![at(&R, 2), at(&HC, 4)], &Src(src), false, &[]);
        assert_eq!(a.suppressed, 2);
        assert!(a.kept.is_empty());
        let errs = check_rule_names(
            &["a.py".to_string()],
            &Src(src),
            &["weak-secret", "hardcoded-secret"],
        );
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].kind, "invalid-suppression");
        assert_eq!(errs[0].line, Some(4));
        assert!(
            errs[0].message.contains("unknown rule `weak-secrt`")
                && errs[0].message.contains("did you mean `weak-secret`?"),
            "{}",
            errs[0].message
        );
    }
}
