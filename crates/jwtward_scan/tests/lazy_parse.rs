//! `Project::load` parses only the files the analysis starts from (those mentioning a JWT
//! library or FastAPI, and their importers); every other file is parsed on first use. These
//! tests check that no finding is lost that way, and which files get `parse-error` entries.

use jwtward_python::{DiscoveryOptions, Project};
use jwtward_report::Finding;
use jwtward_scan::{Settings, check};
use std::path::{Path, PathBuf};

fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn load(root: &Path, parse_all: bool) -> Project {
    let opts = DiscoveryOptions {
        parse_all,
        ..DiscoveryOptions::default()
    };
    Project::load(&[root.to_path_buf()], &opts).unwrap()
}

fn parsed(project: &Project, file: &str) -> bool {
    project
        .modules
        .iter()
        .find(|m| m.relative == Path::new(file))
        .unwrap_or_else(|| panic!("no module {file}"))
        .parsed
}

fn sorted(mut findings: Vec<Finding>) -> Vec<String> {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.iter().map(|f| format!("{f:?}")).collect()
}

fn at<'a>(findings: &'a [Finding], rule: &str, file: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.rule == rule && f.location.as_ref().unwrap().file.ends_with(file))
        .collect()
}

#[test]
fn a_wrapper_called_from_a_module_that_never_mentions_jwt_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            ("app/__init__.py", ""),
            (
                "app/tokens.py",
                "import jwt\n\n\ndef read_token(token):\n    return jwt.decode(token, options={\"verify_signature\": False})\n",
            ),
            // Never mentions the library: reached through the import of `app.tokens`
            // (a parenthesised import over several lines).
            (
                "app/auth.py",
                "from .tokens import (\n    read_token,\n)\n\n\ndef current_user(token):\n    claims = read_token(token)\n    return claims[\"sub\"]\n",
            ),
            // An importer of an importer.
            (
                "app/views.py",
                "from app import auth\n\n\ndef me(token):\n    return {\"user\": auth.current_user(token)}\n",
            ),
            ("app/unrelated.py", "def add(a, b):\n    return a + b\n"),
        ],
    );
    let project = load(root, false);
    assert!(parsed(&project, "app/tokens.py"));
    assert!(parsed(&project, "app/auth.py"));
    assert!(parsed(&project, "app/views.py"));
    assert!(!parsed(&project, "app/unrelated.py"));
    let findings = check(&project, &Settings::default());
    let hits = at(&findings, "signature-not-verified", "app/tokens.py");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    assert!(
        hits[0].trace.iter().any(|s| s
            .file
            .as_deref()
            .is_some_and(|f| f.ends_with("app/auth.py"))),
        "the trace leads to the caller that never mentions jwt: {:#?}",
        hits[0].trace
    );
    assert_eq!(
        sorted(findings),
        sorted(check(&load(root, true), &Settings::default()))
    );
}

#[test]
fn a_secret_in_a_settings_module_that_never_mentions_jwt_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            ("app/__init__.py", ""),
            (
                "app/settings.py",
                "SECRET_KEY = \"changeme\"\nALGORITHM = \"HS256\"\n",
            ),
            (
                "app/security.py",
                "import jwt\nfrom app.settings import SECRET_KEY, ALGORITHM\n\n\ndef mint(sub):\n    return jwt.encode({\"sub\": sub}, SECRET_KEY, algorithm=ALGORITHM)\n",
            ),
        ],
    );
    let project = load(root, false);
    // Not parsed while loading: the analysis parses it when it evaluates `SECRET_KEY`.
    assert!(!parsed(&project, "app/settings.py"));
    assert!(parsed(&project, "app/security.py"));
    let findings = check(&project, &Settings::default());
    assert_eq!(
        at(&findings, "weak-secret", "app/settings.py").len(),
        1,
        "{findings:#?}"
    );
    assert_eq!(
        sorted(findings),
        sorted(check(&load(root, true), &Settings::default()))
    );
}

#[test]
fn syntax_errors_are_reported_for_parsed_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            ("unrelated_broken.py", "def f(:\n    return 1\n"),
            (
                "auth_broken.py",
                "import jwt\n\ndef f(token:\n    return jwt.decode(token, options={'verify_signature': False})\n",
            ),
        ],
    );
    let files_with = |project: &Project| -> Vec<String> {
        let mut v: Vec<String> = project
            .errors
            .iter()
            .filter(|e| e.kind == "parse-error")
            .map(|e| {
                Path::new(e.file.as_deref().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        v.dedup();
        v
    };
    let lazy = load(root, false);
    assert_eq!(files_with(&lazy), ["auth_broken.py"]);
    assert_eq!(lazy.modules.len(), 2, "both files are still counted");
    assert!(lazy.line_count() >= 5);
    let all = load(root, true);
    assert_eq!(files_with(&all), ["auth_broken.py", "unrelated_broken.py"]);
    // A file named on the command line is always parsed.
    let one = Project::load(
        &[root.join("unrelated_broken.py")],
        &DiscoveryOptions::default(),
    )
    .unwrap();
    assert_eq!(files_with(&one), ["unrelated_broken.py"]);
}

/// Every fixture of this crate gives the same findings whether every file is parsed while
/// loading or only the ones the analysis starts from.
#[test]
fn fixtures_give_the_same_findings_with_and_without_parse_all() {
    let mut dirs: Vec<PathBuf> = vec![PathBuf::from("../../examples/notes_api")];
    for rule in std::fs::read_dir("tests/fixtures").unwrap() {
        let rule = rule.unwrap().path();
        for kind in ["vulnerable", "fixed"] {
            if rule.join(kind).is_dir() {
                dirs.push(rule.join(kind));
            }
        }
    }
    assert!(dirs.len() > 20, "{dirs:?}");
    for dir in dirs {
        let lazy = load(&dir, false);
        let all = load(&dir, true);
        assert_eq!(
            sorted(check(&lazy, &Settings::default())),
            sorted(check(&all, &Settings::default())),
            "{}",
            dir.display()
        );
    }
}
