//! Configuration the ruff way.
//!
//! jwtward reads `[tool.jwtward]` from the nearest `pyproject.toml`, or a `jwtward.toml` /
//! `.jwtward.toml`, searching upward from the scanned path. In one directory `.jwtward.toml`
//! wins over `jwtward.toml`, which wins over `pyproject.toml`; a `pyproject.toml` without a
//! `[tool.jwtward]` table is skipped. There is no merging: the closest file wins. Paths and
//! globs inside a file are relative to that file's directory. Command-line flags override the
//! file. Unknown keys are errors that name the key, the file and the line.

use globset::{Glob, GlobSet, GlobSetBuilder};
use jwtward_report::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A configuration error, always naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration in {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The keys of `[tool.jwtward]` (kebab-case in the file).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Options {
    /// Only these rules run (default: all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub select: Option<Vec<String>>,
    /// These rules never run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// Glob (relative to the config file) -> rules ignored in matching files.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    /// Replaces the default exclusions (virtual environments, site-packages, build output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Vec<String>>,
    /// Added to the exclusions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extend_exclude: Vec<String>,
    /// Whether `.gitignore` files are honoured (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respect_gitignore: Option<bool>,
    /// Lowest severity that makes the exit code 1 (default `low`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Severity>,
    /// Token lifetimes above this are `long-token-lifetime` (default `24h`). A number of
    /// seconds or a duration such as `90m`, `12h`, `7d`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_lifetime_threshold: Option<Duration>,
    /// Extra secrets to treat as known-weak (`weak-secret`), e.g. your old leaked keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weak_secrets: Vec<String>,
    /// Extra path patterns that are public by design (`*` wildcards), e.g. `/metrics`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_paths: Vec<String>,
    /// Project-specific auth dependencies (`company_auth.require_user`,
    /// `app.deps.require_user` or a bare `require_user`): dependencies that raise when the
    /// token is missing or invalid. The FastAPI model treats a dependency with one of these
    /// names as authenticating, also when it comes from a package outside the scan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auth_dependencies: Vec<String>,
    /// Token helpers (`company_auth.jwt.verify` or a bare `verify`): functions that decode
    /// *and* verify a token and raise on an invalid one, defined outside the scan or too
    /// indirect to follow. A dependency that calls one on the request's token authenticates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_helpers: Vec<String>,
    /// Where the rule pages (`docs/rules/`) are published, e.g.
    /// `https://github.com/ORG/REPO/blob/main/docs/rules`: SARIF rules get a `helpUri`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs_url: Option<String>,
}

/// A duration in seconds, written as a number or as `30s`, `90m`, `12h`, `7d`, `2w`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Duration(pub u64);

impl From<Duration> for String {
    fn from(d: Duration) -> String {
        format_duration(d.0)
    }
}

/// Formats seconds the way they are written in a config file.
pub fn format_duration(secs: u64) -> String {
    for (unit, n) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)] {
        if secs >= n && secs.is_multiple_of(n) {
            return format!("{}{unit}", secs / n);
        }
    }
    format!("{secs}s")
}

/// Parses a duration: `3600` (seconds), `30s`, `90m`, `12h`, `7d`, `2w`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    let mut total: u64 = 0;
    let mut chars = s.chars().peekable();
    while chars.peek().is_some() {
        let num: String = std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect();
        let unit: String = std::iter::from_fn(|| chars.next_if(|c| !c.is_ascii_digit())).collect();
        if unit.is_empty() {
            return Err(format!("invalid duration `{s}`: `{num}` has no unit"));
        }
        let mul = match unit.as_str() {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86400,
            "w" => 604800,
            _ => {
                return Err(format!(
                    "invalid duration `{s}`: unknown unit `{unit}` (use s, m, h, d or w, e.g. 90m, 12h, 7d)"
                ));
            }
        };
        if num.is_empty() {
            return Err(format!(
                "invalid duration `{s}`: a number must come before `{unit}`"
            ));
        }
        let n: u64 = num
            .parse()
            .map_err(|_| format!("duration `{s}` is too large"))?;
        total = n
            .checked_mul(mul)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration `{s}` is too large"))?;
    }
    Ok(total)
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Str(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(Duration(n)),
            Raw::Str(s) => parse_duration(&s)
                .map(Duration)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// A loaded configuration file.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub options: Options,
}

impl ConfigFile {
    /// The directory the file's relative paths and globs are resolved against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

#[derive(Deserialize)]
struct Pyproject {
    #[serde(default)]
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    #[serde(default)]
    jwtward: Option<Options>,
}

fn invalid(path: &Path, e: impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    }
}

/// Loads one file: a `pyproject.toml` (its `[tool.jwtward]` table; `None` when it has
/// none) or a `jwtward.toml` / `.jwtward.toml` (the whole file).
pub fn load(path: &Path) -> Result<Option<ConfigFile>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Parses the text of a configuration file named `path` (a `pyproject.toml` is read for its
/// `[tool.jwtward]` table, any other name as a whole `jwtward.toml`), as [`load`] does.
pub fn parse(text: &str, path: &Path) -> Result<Option<ConfigFile>, ConfigError> {
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let options = if is_pyproject {
        let p: Pyproject = toml::from_str(text).map_err(|e| invalid(path, e))?;
        match p.tool.and_then(|t| t.jwtward) {
            Some(o) => o,
            None => return Ok(None),
        }
    } else {
        toml::from_str(text).map_err(|e| invalid(path, e))?
    };
    let file = ConfigFile {
        path: path.to_path_buf(),
        options,
    };
    file.validate()?;
    Ok(Some(file))
}

/// The file names looked for in each directory, in order of precedence.
pub const FILE_NAMES: [&str; 3] = [".jwtward.toml", "jwtward.toml", "pyproject.toml"];

/// Finds the nearest configuration, searching upward from `start` (a file or directory).
pub fn discover(start: &Path) -> Result<Option<ConfigFile>, ConfigError> {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let candidate = d.join(name);
            if candidate.is_file()
                && let Some(found) = load(&candidate)?
            {
                return Ok(Some(found));
            }
        }
        dir = d.parent();
    }
    Ok(None)
}

impl ConfigFile {
    fn validate(&self) -> Result<(), ConfigError> {
        let globs = self
            .options
            .exclude
            .iter()
            .flatten()
            .chain(&self.options.extend_exclude)
            .chain(self.options.per_file_ignores.keys());
        for g in globs {
            Glob::new(g).map_err(|e| invalid(&self.path, format!("bad glob `{g}`: {e}")))?;
        }
        Ok(())
    }

    /// The `per-file-ignores` as matchers over paths relative to the config directory.
    pub fn per_file_ignores(&self) -> Vec<(GlobSet, Vec<String>)> {
        self.options
            .per_file_ignores
            .iter()
            .filter_map(|(g, rules)| {
                let mut b = GlobSetBuilder::new();
                b.add(Glob::new(g).ok()?);
                // `tests/` style patterns also match everything below.
                if !g.contains('*') {
                    b.add(Glob::new(&format!("{}/**", g.trim_end_matches('/'))).ok()?);
                }
                Some((b.build().ok()?, rules.clone()))
            })
            .collect()
    }
}

/// Checks that every rule name in the options exists. `known` is the union of the
/// registries of the subcommand. The error shows the line of the file that holds the name,
/// and the known name it is probably a typo of.
pub fn check_rule_names(file: &ConfigFile, known: &[&str]) -> Result<(), ConfigError> {
    let o = &file.options;
    let names = o
        .select
        .iter()
        .flatten()
        .chain(&o.ignore)
        .chain(o.per_file_ignores.values().flatten());
    for n in names {
        if !known.contains(&n.as_str()) {
            let hint = match jwtward_report::did_you_mean(n, known) {
                Some(k) => format!("did you mean `{k}`? (`jwtward rule --all` lists every rule)"),
                None => "`jwtward rule --all` lists every rule".to_string(),
            };
            let text = std::fs::read_to_string(&file.path).unwrap_or_default();
            let frame = span_of(&text, n)
                .map(|(line, col, src)| {
                    let w = line.to_string().len();
                    format!(
                        " at line {line}, column {col}\n{pad} |\n{line} | {src}\n{pad} | {}{}",
                        " ".repeat(col - 1),
                        "^".repeat(n.chars().count() + 2),
                        pad = " ".repeat(w)
                    )
                })
                .unwrap_or_default();
            return Err(invalid(
                &file.path,
                format!("unknown rule `{n}`{frame}\n{hint}"),
            ));
        }
    }
    Ok(())
}

/// The first quoted occurrence of `name` in `text` (outside comments): 1-based line, 1-based
/// character column of the opening quote, and the line.
fn span_of<'t>(text: &'t str, name: &str) -> Option<(usize, usize, &'t str)> {
    for (i, line) in text.lines().enumerate() {
        let code = line.split('#').next().unwrap_or("");
        for q in ['"', '\''] {
            if let Some(at) = code.find(&format!("{q}{name}{q}")) {
                return Some((i + 1, line[..at].chars().count() + 1, line));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn nearest_pyproject_with_a_tool_table_wins() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "pyproject.toml",
            "[tool.jwtward]\nfail-on = \"high\"\n",
        );
        // A pyproject without [tool.jwtward] is skipped.
        write(
            d.path(),
            "svc/pyproject.toml",
            "[project]\nname = \"svc\"\n[tool.ruff]\nline-length = 100\n",
        );
        let found = discover(&d.path().join("svc")).unwrap().unwrap();
        assert_eq!(found.path, d.path().join("pyproject.toml"));
        assert_eq!(found.options.fail_on, Some(Severity::High));

        write(
            d.path(),
            "svc/jwtward.toml",
            "token-lifetime-threshold = \"2h\"\n",
        );
        let found = discover(&d.path().join("svc/app.py")).unwrap().unwrap();
        assert_eq!(found.path, d.path().join("svc/jwtward.toml"));
        assert_eq!(found.options.token_lifetime_threshold, Some(Duration(7200)));

        write(
            d.path(),
            "svc/.jwtward.toml",
            "ignore = [\"weak-secret\"]\n",
        );
        let found = discover(&d.path().join("svc")).unwrap().unwrap();
        assert_eq!(found.path, d.path().join("svc/.jwtward.toml"));
    }

    #[test]
    fn unknown_keys_name_the_key_and_the_file() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "pyproject.toml",
            "[tool.jwtward]\nselect = [\"weak-secret\"]\nfail_on = \"high\"\n",
        );
        let err = load(&p).unwrap_err().to_string();
        assert!(err.contains("pyproject.toml"), "{err}");
        assert!(err.contains("fail_on"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn bad_values_are_errors() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "jwtward.toml", "fail-on = \"severe\"\n");
        assert!(load(&p).unwrap_err().to_string().contains("severe"));
        let p = write(
            d.path(),
            "jwtward.toml",
            "token-lifetime-threshold = \"soon\"\n",
        );
        assert!(load(&p).unwrap_err().to_string().contains("soon"));
        let p = write(d.path(), "jwtward.toml", "extend-exclude = [\"a[\"]\n");
        assert!(load(&p).unwrap_err().to_string().contains("bad glob"));
        let p = write(d.path(), "jwtward.toml", "ignore = [\"nope\"]\n");
        let f = load(&p).unwrap().unwrap();
        let err = check_rule_names(&f, &["weak-secret"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown rule `nope` at line 1, column 11"),
            "{err}"
        );
        assert!(
            err.contains("1 | ignore = [\"nope\"]\n  |           ^^^^^^"),
            "{err}"
        );
        let p = write(
            d.path(),
            "pyproject.toml",
            "[tool.jwtward]\n# weak-secrt here is a comment\nselect = ['weak-secret', 'weak-secrt']\n",
        );
        let f = load(&p).unwrap().unwrap();
        let err = check_rule_names(&f, &["weak-secret"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("at line 3, column 26"), "{err}");
        assert!(err.contains("did you mean `weak-secret`?"), "{err}");
    }

    #[test]
    fn auth_dependencies_and_token_helpers() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "pyproject.toml",
            "[tool.jwtward]\nauth-dependencies = [\"company_auth.require_user\"]\ntoken-helpers = [\"company_auth.jwt.verify\", \"verify_token\"]\n",
        );
        let f = load(&p).unwrap().unwrap();
        assert_eq!(f.options.auth_dependencies, ["company_auth.require_user"]);
        assert_eq!(
            f.options.token_helpers,
            ["company_auth.jwt.verify", "verify_token"]
        );
        // A string instead of a list, and the snake_case spelling, are errors.
        let p = write(d.path(), "jwtward.toml", "token-helpers = \"verify\"\n");
        assert!(load(&p).unwrap_err().to_string().contains("token-helpers"));
        let p = write(d.path(), "jwtward.toml", "token_helpers = [\"verify\"]\n");
        assert!(load(&p).unwrap_err().to_string().contains("token_helpers"));
    }

    #[test]
    fn severities_are_case_insensitive() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "jwtward.toml", "fail-on = \"HIGH\"\n");
        assert_eq!(
            load(&p).unwrap().unwrap().options.fail_on,
            Some(Severity::High)
        );
        let p = write(d.path(), "jwtward.toml", "fail-on = \"Severe\"\n");
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("unknown severity `Severe`"), "{e}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m"), Ok(5400));
        assert_eq!(parse_duration("3600"), Ok(3600));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert!(parse_duration("h").is_err());
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert!(parse_duration("12x").is_err());
        assert!(parse_duration("10h5").is_err());
        assert!(parse_duration("99999999999999999999w").is_err());
        let e = parse_duration("1day").unwrap_err();
        assert!(e.contains("unknown unit `day`"), "{e}");
        assert!(
            parse_duration("m5")
                .unwrap_err()
                .contains("number must come before `m`")
        );
        assert_eq!(parse_duration("2w1d"), Ok(2 * 604_800 + 86_400));
        assert_eq!(format_duration(86_400), "1d");
        assert_eq!(format_duration(5400), "90m");
        assert_eq!(format_duration(61), "61s");
    }

    #[test]
    fn per_file_ignores_match_below_directories() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "jwtward.toml",
            "[per-file-ignores]\n\"tests\" = [\"hardcoded-secret\"]\n\"**/legacy_*.py\" = [\"weak-secret\"]\n",
        );
        let f = load(&p).unwrap().unwrap();
        let pfi = f.per_file_ignores();
        let hits = |path: &str| -> Vec<String> {
            pfi.iter()
                .filter(|(g, _)| g.is_match(path))
                .flat_map(|(_, r)| r.clone())
                .collect()
        };
        assert_eq!(hits("tests/test_auth.py"), vec!["hardcoded-secret"]);
        assert_eq!(hits("app/legacy_auth.py"), vec!["weak-secret"]);
        assert!(hits("app/auth.py").is_empty());
    }

    #[test]
    fn the_readme_example_is_valid() {
        let readme =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
                .unwrap();
        let section = &readme[readme.find("## Configuration").expect("section")..];
        let start = section.find("```toml\n").expect("a toml block") + 8;
        let block = &section[start..start + section[start..].find("```").unwrap()];
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "pyproject.toml", block);
        let f = load(&p).unwrap().expect("[tool.jwtward] is there");
        assert_eq!(f.options.fail_on, Some(Severity::Medium));
        assert_eq!(
            f.options.token_lifetime_threshold,
            Some(Duration(12 * 3600))
        );
        assert_eq!(f.per_file_ignores().len(), 2);
        assert!(!f.options.auth_dependencies.is_empty());
        assert!(!f.options.token_helpers.is_empty());
    }
}
