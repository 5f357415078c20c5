//! What a new user meets in the first hour, end to end: the order and volume of findings,
//! exit codes and inputs the ruff way, error messages, suppression comments, SARIF for GitHub
//! and `--changed-files` (the pre-commit hook's mode).

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

mod pyjwt_support;
use pyjwt_support::pyjwt_tokens;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn jwtward(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("jwtward").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

/// A project whose cross-file finding sits in `notes/config.py`: the weak fallback key is
/// defined there and used by the decode in `notes/security.py`.
fn cross_file_project(dir: &Path) {
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/__init__.py"), "").unwrap();
    std::fs::write(
        dir.join("notes/config.py"),
        "import os\n\nSECRET_KEY = os.getenv(\"NOTES_KEY\", \"changeme\")\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("notes/security.py"),
        "import jwt\n\nfrom notes.config import SECRET_KEY\n\n\ndef current(token: str) -> dict:\n    return jwt.decode(token, SECRET_KEY, algorithms=[\"HS256\"], audience=\"a\", issuer=\"i\", options={\"require\": [\"exp\"]})\n\n\ndef peek(token: str) -> dict:\n    return jwt.decode(token, options={\"verify_signature\": False})\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("notes/util.py"),
        "def add(a, b):\n    return a + b\n",
    )
    .unwrap();
}

#[test]
fn the_example_reads_most_severe_first_concise_and_statistics() {
    let r = root();
    let out = jwtward(&r)
        .args(["scan", "examples/notes_api", "--output-format", "concise"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].contains(": critical[signature-not-verified] "),
        "the critical finding comes first: {text}"
    );
    let rank = |l: &str| {
        ["critical[", "high[", "medium[", "low[", "info["]
            .iter()
            .position(|s| l.contains(&format!(" {s}")))
    };
    let ranks: Vec<usize> = lines.iter().filter_map(|l| rank(l)).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{text}");
    assert_eq!(ranks.len(), lines.len() - 1, "one line a finding: {text}");
    assert!(lines.last().unwrap().starts_with("Found "), "{text}");
    // The route is not repeated after a message that names it.
    let rate = lines
        .iter()
        .find(|l| l.contains("login-without-rate-limit"))
        .unwrap();
    assert_eq!(rate.matches("POST /auth/token").count(), 1, "{rate}");

    // Text (code frames) in the same order.
    let out = jwtward(&r)
        .args(["scan", "examples/notes_api"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.find("critical[").unwrap();
    assert!(first < text.find("low[").unwrap(), "{text}");

    let out = jwtward(&r)
        .args(["scan", "examples/notes_api", "--statistics"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "statistics keep the exit code");
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.split_whitespace().collect::<Vec<_>>() == ["3", "missing-www-authenticate", "low"],
        "{text}"
    );
    let out = jwtward(&r)
        .args([
            "scan",
            "examples/notes_api",
            "--statistics",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stats = json_of(&out.stdout);
    let total: u64 = stats
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 16, "{stats}");
}

#[test]
fn the_summary_says_what_suppressions_and_the_baseline_hid() {
    let d = tempfile::tempdir().unwrap();
    cross_file_project(d.path());
    jwtward(d.path())
        .args(["scan", "--write-baseline", "base.json"])
        .assert()
        .success();
    std::fs::write(
        d.path().join("notes/extra.py"),
        "import jwt\n\ndef f(t):\n    return jwt.decode(t, options={\"verify_signature\": False})  # jwtward: ignore[signature-not-verified] -- test\n",
    )
    .unwrap();
    let out = jwtward(d.path())
        .args(["scan", "--baseline", "base.json", "--format", "json"])
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    assert_eq!(v["summary"]["suppressed"], 1, "{v}");
    assert_eq!(v["summary"]["baselined"], 2, "{v}");
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{v}");
    assert_eq!(out.status.code(), Some(0));
    jwtward(d.path())
        .args(["scan", "--baseline", "base.json"])
        .assert()
        .stdout(predicate::str::contains(
            "hidden: 1 by `# jwtward: ignore` comments, 2 by the baseline.",
        ));
}

#[test]
fn inputs_and_exit_codes_the_ruff_way() {
    let d = tempfile::tempdir().unwrap();
    cross_file_project(d.path());
    // No PATH: the current directory.
    let out = jwtward(d.path())
        .args(["scan", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out.stdout);
    assert_eq!(v["summary"]["files"], 4, "{v}");

    // A path with no Python file warns (exit 0); `-q` keeps quiet.
    std::fs::create_dir_all(d.path().join("empty")).unwrap();
    std::fs::write(d.path().join("empty/README.md"), "hi\n").unwrap();
    jwtward(d.path())
        .args(["scan", "empty"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "warning: no Python files found under `empty`",
        ));
    jwtward(d.path())
        .args(["scan", "empty", "-q"])
        .assert()
        .code(0)
        .stderr("")
        .stdout("");
    // Everything excluded: the same warning.
    jwtward(d.path())
        .args(["scan", "notes", "--exclude", "*.py"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("no Python files found"));

    // A non-UTF-8 file makes the run exit 1, unless --exit-zero.
    std::fs::create_dir_all(d.path().join("legacy")).unwrap();
    std::fs::write(d.path().join("legacy/old.py"), b"x = '\xff'\n").unwrap();
    jwtward(d.path())
        .args(["scan", "legacy"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("not-utf8"));
    jwtward(d.path())
        .args(["scan", "legacy", "--exit-zero"])
        .assert()
        .code(0);
    jwtward(d.path())
        .args(["scan", "notes", "--exit-zero"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("critical[signature-not-verified]"));

    // -q: findings only, no summary line.
    let out = jwtward(d.path())
        .args(["scan", "notes", "-q", "--format", "concise"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("Found "), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");

    // Severities in any letter case, on the command line and in the configuration.
    jwtward(d.path())
        .args(["scan", "notes", "--fail-on", "CRITICAL"])
        .assert()
        .code(1);
    std::fs::write(d.path().join("jwtward.toml"), "fail-on = \"Critical\"\n").unwrap();
    jwtward(d.path())
        .args(["scan", "notes", "--ignore", "signature-not-verified"])
        .assert()
        .code(0);
    std::fs::remove_file(d.path().join("jwtward.toml")).unwrap();

    // --threads 0 is one per core, as for crack.
    jwtward(d.path())
        .args(["scan", "notes", "--threads", "0"])
        .assert()
        .code(1);
}

#[test]
fn standard_input_with_stdin_filename() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("jwtward.toml"),
        "[per-file-ignores]\n\"tests\" = [\"signature-not-verified\"]\n",
    )
    .unwrap();
    let src = "import jwt\n\ndef f(t):\n    return jwt.decode(t, options={\"verify_signature\": False})\n";
    let out = jwtward(d.path())
        .args([
            "scan",
            "-",
            "--stdin-filename",
            "app/auth.py",
            "--format",
            "concise",
        ])
        .write_stdin(src)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("app/auth.py:4:55: critical[signature-not-verified]"),
        "{text}"
    );
    // The code frame comes from standard input, not from disk (there is no app/auth.py).
    jwtward(d.path())
        .args(["scan", "-", "--stdin-filename", "app/auth.py"])
        .write_stdin(src)
        .assert()
        .stdout(predicate::str::contains(
            "options={\"verify_signature\": False}",
        ));
    // Per-file ignores apply to the name given.
    jwtward(d.path())
        .args(["scan", "-", "--stdin-filename", "tests/test_auth.py"])
        .write_stdin(src)
        .assert()
        .code(0);
    jwtward(d.path())
        .args(["scan", "-", "app"])
        .write_stdin(src)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be combined"));
}

#[test]
fn errors_are_said_once_and_name_what_the_user_typed() {
    let d = tempfile::tempdir().unwrap();
    cross_file_project(d.path());
    let out = jwtward(d.path())
        .args(["scan", "--config", "missing.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    jwtward(d.path())
        .args(["scan", "--token-lifetime-threshold", "1day"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown unit `day`"));
    jwtward(d.path())
        .args(["rule", "weak-secrte"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean weak-secret?"));
    jwtward(d.path())
        .args(["scan", "--select", "weak-secrt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `weak-secret`?"));
    std::fs::write(
        d.path().join("pyproject.toml"),
        "[project]\nname = \"notes\"\n\n[tool.jwtward]\nignore = [\"weak-secrt\"]\n",
    )
    .unwrap();
    let out = jwtward(d.path()).args(["scan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("unknown rule `weak-secrt` at line 5"), "{err}");
    assert!(err.contains("5 | ignore = [\"weak-secrt\"]"), "{err}");
    assert!(err.contains("did you mean `weak-secret`?"), "{err}");
    // A truncated gzip wordlist.
    std::fs::write(
        d.path().join("w.gz"),
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x4b],
    )
    .unwrap();
    let t = "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo";
    let out = jwtward(d.path())
        .args(["crack", t, "-w", "w.gz", "--no-builtin", "--threads", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("w.gz"), "{err}");
    assert!(
        err.lines().all(|l| {
            let parts: Vec<&str> = l.split(": ").collect();
            parts.windows(2).all(|w| w[0] != w[1])
        }),
        "{err}"
    );
}

#[test]
fn suppression_comments_warn_and_work_file_wide() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("app")).unwrap();
    std::fs::write(
        d.path().join("app/a.py"),
        "# jwtward: ignore-file[signature-not-verified] -- a test double\nimport jwt\n\ndef f(t):\n    return jwt.decode(t, options={\"verify_signature\": False})\n\ndef g(t):\n    return jwt.decode(t, options={\"verify_signature\": False})\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("app/b.py"),
        "import jwt\n\nKEY = \"changeme\"\n\ndef mint(sub):\n    return jwt.encode({\"sub\": sub}, KEY, algorithm=\"HS256\")  # jwtward:ignore[weak-secret, long-token-lifetme]\n",
    )
    .unwrap();
    let out = jwtward(d.path())
        .args(["scan", "app", "--format", "json"])
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"signature-not-verified"), "{v}");
    let err = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "invalid-suppression")
        .unwrap_or_else(|| panic!("no invalid-suppression in {v}"));
    assert_eq!(err["file"], "app/b.py");
    assert_eq!(err["line"], 6);
    let msg = err["message"].as_str().unwrap();
    assert!(msg.contains("long-token-lifetme") && msg.contains("long-token-lifetime"));
    // The no-space form suppressed weak-secret on its line (the key is used there).
    let weak_lines: Vec<u64> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "weak-secret")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert!(!weak_lines.contains(&6), "{v}");
    assert!(v["summary"]["suppressed"].as_u64().unwrap() >= 2, "{v}");
}

#[test]
fn token_inspect_reports_a_missing_or_truncated_signature() {
    let t = pyjwt_tokens(&json!([
        {"alg": "HS256", "key": "a-long-random-key-0123456789abcdef", "claims": {"sub": "7"}},
    ]));
    let token = &t[0];
    let (head, _) = token.rsplit_once('.').unwrap();
    let cut = &token[..token.len() - 5];
    for (tok, want) in [
        (head.to_string(), "has no signature"),
        (cut.to_string(), "HS256 signatures are 32"),
    ] {
        let out = Command::cargo_bin("jwtward")
            .unwrap()
            .args(["token", "inspect", &tok, "--format", "json"])
            .output()
            .unwrap();
        let v = json_of(&out.stdout);
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "truncated-signature")
            .unwrap_or_else(|| panic!("no truncated-signature for {tok}: {v}"));
        assert!(f["message"].as_str().unwrap().contains(want), "{f}");
        assert_eq!(out.status.code(), Some(1));
    }
    let out = Command::cargo_bin("jwtward")
        .unwrap()
        .args(["token", "inspect", token, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("truncated-signature"),
        "the whole token is fine"
    );
}

#[test]
fn sarif_paths_are_relative_to_the_repository_root() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join(".git")).unwrap();
    let svc = d.path().join("services/api");
    cross_file_project(&svc);
    std::fs::write(
        svc.join("pyproject.toml"),
        "[tool.jwtward]\ndocs-url = \"https://github.com/o/r/blob/main/docs/rules\"\n",
    )
    .unwrap();
    // Run from the service directory, and from the repository root: the same URIs.
    let run = |cwd: &Path, path: &str| -> Value {
        let out = jwtward(cwd)
            .args(["scan", path, "--format", "sarif"])
            .output()
            .unwrap();
        json_of(&out.stdout)
    };
    for doc in [run(&svc, "."), run(d.path(), "services/api")] {
        let run = &doc["runs"][0];
        let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap();
        let root = d.path().canonicalize().unwrap();
        assert!(
            base == format!("file://{}/", root.display())
                || base == format!("file://{}/", d.path().display()),
            "{base}"
        );
        let results = run["results"].as_array().unwrap();
        assert!(!results.is_empty());
        let mut uris: Vec<&str> = results
            .iter()
            .map(|r| {
                let a = &r["locations"][0]["physicalLocation"]["artifactLocation"];
                assert_eq!(a["uriBaseId"], "%SRCROOT%", "{r}");
                a["uri"].as_str().unwrap()
            })
            .collect();
        uris.sort();
        uris.dedup();
        assert!(
            uris.iter().all(|u| u.starts_with("services/api/notes/")),
            "{uris:?}"
        );
        let rule = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "weak-secret")
            .unwrap();
        assert_eq!(
            rule["helpUri"],
            "https://github.com/o/r/blob/main/docs/rules/scan/weak-secret.md"
        );
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("**Fix**")
        );
    }
    // Token findings have no source location: no results GitHub would reject.
    let out = Command::cargo_bin("jwtward")
        .unwrap()
        .args([
            "token",
            "inspect",
            "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    let doc = json_of(&out.stdout);
    assert_eq!(doc["runs"][0]["results"], json!([]));
    let notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(notes.iter().any(|n| n["descriptor"]["id"] == "missing-exp"));
}

#[test]
fn changed_files_report_what_touches_them_across_the_project() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join(".git")).unwrap();
    cross_file_project(d.path());
    let concise = |args: &[&str]| -> (i32, String) {
        let out = jwtward(d.path())
            .args(["scan", "--format", "concise"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
        )
    };
    // Scanned alone, config.py has no finding: the key is used in another file.
    let (code, text) = concise(&["notes/config.py"]);
    assert_eq!(code, 0, "{text}");
    // With --changed-files the project is analysed and the weak key reported.
    let (code, text) = concise(&["--changed-files", "notes/config.py"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("notes/config.py:3:"), "{text}");
    assert!(text.contains("high[weak-secret]"), "{text}");
    assert!(!text.contains("signature-not-verified"), "{text}");
    // security.py: its own findings, and the weak key whose trace goes through its decode.
    let (code, text) = concise(&["--changed-files", "./notes/security.py"]);
    assert_eq!(code, 1);
    assert!(text.contains("critical[signature-not-verified]"), "{text}");
    // A file nothing touches.
    let (code, text) = concise(&["--changed-files", "notes/util.py"]);
    assert_eq!(code, 0, "{text}");
}

/// Every flag the README's `scan` synopsis and the example workflow use exists in
/// `jwtward scan --help`; `crack --format json` has the envelope of the other subcommands.
#[test]
fn the_docs_match_the_cli() {
    let r = root();
    let help = |args: &[&str]| -> String {
        let out = jwtward(&r).args(args).arg("--help").output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let flags = |text: &str| -> Vec<String> {
        let mut v: Vec<String> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|w| w.starts_with("--") && w.len() > 2)
            .map(str::to_string)
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let scan_help = help(&["scan"]);
    let readme = std::fs::read_to_string(r.join("README.md")).unwrap();
    let section = &readme[readme.find("## jwtward scan").unwrap()..];
    let synopsis = &section[..section.find("```\n\n").unwrap()];
    let workflow = std::fs::read_to_string(r.join("docs/github-actions-jwtward.yml")).unwrap();
    let scan_line = workflow
        .lines()
        .find(|l| l.trim_start().starts_with("run: jwtward scan"))
        .expect("the workflow runs jwtward scan");
    let hook = std::fs::read_to_string(r.join(".pre-commit-hooks.yaml")).unwrap();
    let entry = hook
        .lines()
        .find(|l| l.trim_start().starts_with("entry:"))
        .unwrap();
    for flag in flags(synopsis)
        .into_iter()
        .chain(flags(scan_line))
        .chain(flags(entry))
    {
        assert!(
            scan_help.contains(&flag),
            "{flag} is documented but `jwtward scan --help` does not list it"
        );
    }
    assert!(
        !scan_line.contains("|| true"),
        "exit codes are handled by --exit-zero"
    );

    let t = pyjwt_tokens(&json!([
        {"alg": "HS256", "key": "secret", "claims": {"sub": "7"}},
    ]));
    let out = jwtward(&r)
        .args(["crack", &t[0], "--format", "json"])
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    assert_eq!(v["version"], 1, "{v}");
    assert!(v["errors"].is_array() && v["summary"].is_object(), "{v}");
    assert_eq!(v["status"], "found", "{v}");
    assert_eq!(v["findings"][0]["rule"], "weak-secret", "{v}");
    assert_eq!(v["key"], "secret", "{v}");
    let out = jwtward(&r)
        .args([
            "crack",
            &t[0],
            "--format",
            "json",
            "--no-builtin",
            "--mask",
            "?d",
        ])
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    assert_eq!(v["status"], "exhausted", "{v}");
    assert_eq!(v["findings"], json!([]), "{v}");
}
