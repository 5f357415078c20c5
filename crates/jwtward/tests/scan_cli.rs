//! `jwtward scan` end to end: exit codes, formats, rule selection, and the shipped example
//! (run under uvicorn and attacked, to show the findings are real).

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn jwtward() -> Command {
    let mut c = Command::cargo_bin("jwtward").unwrap();
    c.current_dir(root());
    c
}

fn fixture(rule: &str, which: &str) -> String {
    format!("crates/jwtward_scan/tests/fixtures/{rule}/{which}")
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

fn rules_of(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn example_json_report() {
    let out = jwtward()
        .args(["scan", "examples/notes_api", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    assert_eq!(report["version"], 1);
    let rules = rules_of(&report);
    for r in [
        "signature-not-verified",
        "weak-secret",
        "long-token-lifetime",
        "error-detail-leak",
        "insecure-token-cookie",
    ] {
        assert!(rules.contains(&r.to_string()), "{r} missing from {rules:?}");
    }
    // The app verifies only tokens it mints itself, with a key only it holds: the aud/iss
    // notes are hygiene, reported only when the rule is selected by name.
    for r in ["audience-not-verified", "issuer-not-verified"] {
        assert!(!rules.contains(&r.to_string()), "{r} in {rules:?}");
    }
    let asked = jwtward()
        .args(["scan", "examples/notes_api", "--format", "json"])
        .args(["--select", "issuer-not-verified"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let asked = json_of(&asked);
    assert_eq!(rules_of(&asked), vec!["issuer-not-verified".to_string()]);
    assert!(
        asked["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("low: the HMAC key is held by this application"),
        "{asked}"
    );
    // The weak key names the routes it protects (forgeable through the decode it signs for),
    // in the message and as trace steps.
    let ws = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "weak-secret")
        .unwrap();
    let msg = ws["message"].as_str().unwrap();
    assert!(
        msg.contains("it protects 4 routes: GET /notes/, POST /notes/, DELETE /notes/{note_id}, POST /shared/{note_id}"),
        "{msg}"
    );
    assert!(
        ws["trace"].as_array().unwrap().iter().any(|t| t["note"]
            == "DELETE /notes/{note_id} is protected only by this key (forgeable)"
            && t["file"].as_str().unwrap().ends_with("routers/notes.py")),
        "{ws}"
    );
    // The app mints every token with `exp` and its own key: not requiring `exp` is no risk.
    assert!(!rules.contains(&"expiration-not-required".to_string()));
    for f in report["findings"].as_array().unwrap() {
        for key in [
            "rule",
            "severity",
            "cwe",
            "message",
            "remediation",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
        ] {
            assert!(!f[key].is_null(), "finding without {key}: {f}");
        }
        assert!(
            f["file"]
                .as_str()
                .unwrap()
                .starts_with("examples/notes_api/"),
            "{f}"
        );
        assert!(f["cwe"].as_array().unwrap().iter().all(|c| c.is_u64()));
    }
    let summary = &report["summary"];
    assert_eq!(summary["findings"].as_u64().unwrap() as usize, rules.len());
    assert!(summary["files"].as_u64().unwrap() >= 7);
    assert!(summary["lines"].as_u64().unwrap() > 100);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn text_report_has_code_frames_and_summary() {
    jwtward()
        .args(["scan", "examples/notes_api"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("critical[signature-not-verified]"))
        .stdout(predicate::str::contains(
            "--> examples/notes_api/security.py:41:59",
        ))
        .stdout(predicate::str::contains("verify_signature"))
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn fail_on_threshold() {
    // The error-detail-leak fixtures only hold low findings of that rule.
    let dir = fixture("error-detail-leak", "vulnerable");
    jwtward()
        .args(["scan", &dir, "--select", "error-detail-leak"])
        .assert()
        .code(1);
    jwtward()
        .args([
            "scan",
            &dir,
            "--select",
            "error-detail-leak",
            "--fail-on",
            "medium",
        ])
        .assert()
        .code(0);
    jwtward()
        .args([
            "scan",
            "examples/notes_api",
            "--fail-on",
            "critical",
            "--format",
            "json",
        ])
        .assert()
        .code(1);
    jwtward()
        .args([
            "scan",
            "examples/notes_api",
            "--fail-on",
            "CRITICAL",
            "--ignore",
            "signature-not-verified",
        ])
        .assert()
        .code(0);
}

#[test]
fn select_and_ignore() {
    let out = jwtward()
        .args([
            "scan",
            "examples/notes_api",
            "--format",
            "json",
            "--select",
            "weak-secret,error-detail-leak",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let mut rules = rules_of(&json_of(&out));
    rules.sort();
    rules.dedup();
    assert_eq!(rules, ["error-detail-leak", "weak-secret"]);
    let out = jwtward()
        .args([
            "scan",
            "examples/notes_api",
            "--format",
            "json",
            "--ignore",
            "weak-secret",
        ])
        .assert()
        .get_output()
        .stdout
        .clone();
    assert!(!rules_of(&json_of(&out)).contains(&"weak-secret".to_string()));
}

#[test]
fn fixed_twins_are_clean_for_their_rule() {
    jwtward()
        .args([
            "scan",
            &fixture("signature-not-verified", "fixed"),
            "--select",
            "signature-not-verified",
        ])
        .assert()
        .code(0);
}

#[test]
fn usage_errors_exit_2() {
    jwtward()
        .args(["scan", "examples/notes_api", "--select", "no-such-rule"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown rule `no-such-rule`"));
    jwtward()
        .args(["scan", "does/not/exist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does/not/exist"));
    jwtward()
        .args(["scan", "examples/notes_api", "--fail-on", "severe"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown severity"));
    jwtward()
        .args([
            "scan",
            "examples/notes_api",
            "--token-lifetime-threshold",
            "12parsecs",
        ])
        .assert()
        .code(2);
    jwtward()
        .args(["scan", "examples/notes_api", "--exclude", "[unclosed"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--exclude"));
}

#[test]
fn lifetime_threshold_and_exclude() {
    let out = jwtward()
        .args([
            "scan",
            "examples/notes_api",
            "--format",
            "json",
            "--token-lifetime-threshold",
            "31d",
        ])
        .assert()
        .get_output()
        .stdout
        .clone();
    assert!(!rules_of(&json_of(&out)).contains(&"long-token-lifetime".to_string()));
    let out = jwtward()
        .args([
            "scan",
            "examples/notes_api",
            "--format",
            "json",
            "--exclude",
            "routers",
            "--threads",
            "1",
        ])
        .assert()
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    assert!(!rules_of(&report).contains(&"insecure-token-cookie".to_string()));
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["file"].as_str().unwrap().contains("routers"))
    );
}

#[test]
fn file_errors_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ok.py"),
        "import jwt\nKEY = 'secret'\nt = jwt.encode({}, KEY, algorithm='HS256')\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("bad.py"), b"x = '\xff'\n").unwrap();
    // Syntax errors are reported for the files parsed up front: this one has JWT code.
    std::fs::write(dir.path().join("broken.py"), "import jwt\ndef f(:\n").unwrap();
    let out = jwtward()
        .args(["scan", dir.path().to_str().unwrap(), "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    let kinds: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"not-utf8"), "{kinds:?}");
    assert!(kinds.contains(&"parse-error"), "{kinds:?}");
    assert!(rules_of(&report).contains(&"weak-secret".to_string()));
}

/// A broken file with nothing the analysis looks for is not parsed by default, so it gets no
/// `parse-error`; `--parse-all` parses it and reports it.
#[test]
fn parse_all_reports_syntax_errors_of_every_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.py"), "def f(:\n    pass\n").unwrap();
    let errors = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["scan", dir.path().to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        let out = jwtward()
            .args(&args)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        json_of(&out)["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["kind"].as_str().unwrap(),
                    e["file"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(errors(&[]), Vec::<String>::new());
    // One entry per syntax error the parser met.
    let all = errors(&["--parse-all"]);
    assert!(!all.is_empty());
    assert!(
        all.iter()
            .all(|e| e.starts_with("parse-error ") && e.ends_with("notes.py")),
        "{all:?}"
    );
}

use jwtward_testkit::python;

/// The example really is vulnerable the way the scan says: under uvicorn, an unsigned token
/// and a token signed with the fallback key get in, tokens live 30 days, the cookie is not
/// HttpOnly, and the error detail leaks the library message.
#[test]
fn example_app_runs_and_the_findings_are_real() {
    let out = std::process::Command::new(python())
        .arg(root().join("crates/jwtward/tests/support/notes_api_attack.py"))
        .arg(root().join("examples/notes_api"))
        .env_remove("NOTES_SECRET_KEY")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "attack script failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(out.stdout.trim_ascii()).unwrap();
    assert_eq!(got["unsigned_cookie_status"], 200, "{got}");
    assert_eq!(got["weak_key_status"], 200, "{got}");
    assert_eq!(got["no_exp_status"], 200, "{got}");
    assert_eq!(got["wrong_key_status"], 401, "{got}");
    assert_eq!(got["lifetime_secs"], 30 * 86400, "{got}");
    assert_eq!(got["cookie_httponly"], false, "{got}");
    assert!(
        got["garbage_detail"]
            .as_str()
            .unwrap()
            .starts_with("Invalid token: "),
        "{got}"
    );
}
