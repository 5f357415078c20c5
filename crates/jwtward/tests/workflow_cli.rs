//! jwtward in the developer's workflow: configuration, suppressions, baselines, SARIF and
//! GitHub output, `--output`, `--force-exclude`, and the generated rule documentation.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn jwtward(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("jwtward").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

/// `jwtward scan app --format json EXTRA...` run in `dir`.
fn scan_app(dir: &Path, extra: &[&str]) -> std::process::Output {
    jwtward(dir)
        .args(["scan", "app", "--format", "json"])
        .args(extra)
        .output()
        .unwrap()
}

/// A small project: a weak fallback key, an unverified decode and a public health route.
fn project(dir: &Path) {
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(dir.join("app/__init__.py"), "").unwrap();
    std::fs::write(
        dir.join("app/security.py"),
        r#"import os

import jwt

SIGNING_KEY = os.getenv("APP_SIGNING_KEY", "changeme")


def read_claims(token: str) -> dict:
    return jwt.decode(token, SIGNING_KEY, algorithms=["HS256"], audience="app", issuer="me", options={"require": ["exp"]})


def peek(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})
"#,
    )
    .unwrap();
}

fn rules(out: &[u8]) -> Vec<String> {
    let v: Value = serde_json::from_slice(out).expect("JSON report");
    let mut r: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r
}

#[test]
fn pyproject_configuration_is_found_and_applied() {
    let d = tempfile::tempdir().unwrap();
    project(d.path());
    let all = scan_app(d.path(), &[]);
    assert_eq!(all.status.code(), Some(1));
    assert!(rules(&all.stdout).contains(&"weak-secret".to_string()));
    assert!(rules(&all.stdout).contains(&"signature-not-verified".to_string()));

    std::fs::write(
        d.path().join("pyproject.toml"),
        "[project]\nname = \"x\"\n\n[tool.jwtward]\nignore = [\"signature-not-verified\"]\nfail-on = \"critical\"\n",
    )
    .unwrap();
    let cfg = scan_app(d.path(), &[]);
    let r = rules(&cfg.stdout);
    assert!(!r.contains(&"signature-not-verified".to_string()), "{r:?}");
    assert!(r.contains(&"weak-secret".to_string()));
    assert_eq!(
        cfg.status.code(),
        Some(0),
        "fail-on = critical and no critical left"
    );

    // The command line overrides the file; --isolated ignores it.
    let cli = scan_app(d.path(), &["--fail-on", "high"]);
    assert_eq!(cli.status.code(), Some(1));
    let iso = scan_app(d.path(), &["--isolated"]);
    assert!(rules(&iso.stdout).contains(&"signature-not-verified".to_string()));

    let shown = jwtward(d.path())
        .args(["scan", "app", "--show-settings"])
        .output()
        .unwrap();
    assert!(shown.status.success());
    let s: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(s["fail_on"], "critical");
    assert_eq!(s["ignore"][0], "signature-not-verified");
    assert!(
        s["config_file"]
            .as_str()
            .unwrap()
            .ends_with("pyproject.toml")
    );
}

#[test]
fn configuration_errors_name_the_key_and_the_file() {
    let d = tempfile::tempdir().unwrap();
    project(d.path());
    std::fs::write(
        d.path().join("jwtward.toml"),
        "fail-on = \"high\"\nselct = [\"weak-secret\"]\n",
    )
    .unwrap();
    let out = jwtward(d.path()).args(["scan", "app"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("jwtward.toml") && err.contains("selct"),
        "{err}"
    );

    std::fs::write(
        d.path().join("jwtward.toml"),
        "ignore = [\"no-such-rule\"]\n",
    )
    .unwrap();
    let out = jwtward(d.path()).args(["scan", "app"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown rule `no-such-rule`"), "{err}");
}

#[test]
fn per_file_ignores_weak_secrets_and_exclusions() {
    let d = tempfile::tempdir().unwrap();
    project(d.path());
    std::fs::write(
        d.path().join(".jwtward.toml"),
        "[per-file-ignores]\n\"app/security.py\" = [\"weak-secret\"]\n",
    )
    .unwrap();
    let out = scan_app(d.path(), &[]);
    let r = rules(&out.stdout);
    assert!(!r.contains(&"weak-secret".to_string()), "{r:?}");
    assert!(r.contains(&"signature-not-verified".to_string()));

    // --force-exclude drops a file named on the command line when an exclusion covers it.
    std::fs::write(
        d.path().join(".jwtward.toml"),
        "extend-exclude = [\"security.py\"]\n",
    )
    .unwrap();
    let named = jwtward(d.path())
        .args(["scan", "app/security.py", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        !rules(&named.stdout).is_empty(),
        "named files are scanned by default"
    );
    let forced = jwtward(d.path())
        .args([
            "scan",
            "app/security.py",
            "--format",
            "json",
            "--force-exclude",
        ])
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), Some(0));
    assert!(rules(&forced.stdout).is_empty());
}

#[test]
fn suppressions_and_unused_suppressions() {
    let d = tempfile::tempdir().unwrap();
    project(d.path());
    let path = d.path().join("app/security.py");
    let src = std::fs::read_to_string(&path)
        .unwrap()
        .replace(
            "    return jwt.decode(token, options={\"verify_signature\": False})",
            "    return jwt.decode(token, options={\"verify_signature\": False})  # jwtward: ignore[signature-not-verified] -- display only",
        )
        .replace(
            "import jwt\n",
            "import jwt  # jwtward: ignore[weak-secret] -- nothing here\n",
        );
    std::fs::write(&path, src).unwrap();
    let out = scan_app(d.path(), &["--report-unused-ignores"]);
    let r = rules(&out.stdout);
    assert!(!r.contains(&"signature-not-verified".to_string()), "{r:?}");
    assert!(
        r.contains(&"weak-secret".to_string()),
        "the suppression on another line does not hide it"
    );
    assert!(r.contains(&"unused-suppression".to_string()), "{r:?}");
}

#[test]
fn baselines_report_only_new_findings() {
    let d = tempfile::tempdir().unwrap();
    project(d.path());
    let w = jwtward(d.path())
        .args(["scan", "app", "--write-baseline", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(
        w.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&w.stderr)
    );
    let base = jwtward(d.path())
        .args([
            "scan",
            "app",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(base.status.code(), Some(0));
    assert!(rules(&base.stdout).is_empty());

    // Code moves down and a new bypass appears: only the new one is reported.
    let path = d.path().join("app/security.py");
    let src = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("# a comment that moves everything\n\n{src}\n\ndef other(t):\n    return jwt.decode(t, 'k', algorithms=['HS256', 'none'])\n"),
    )
    .unwrap();
    let after = jwtward(d.path())
        .args([
            "scan",
            "app",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(after.status.code(), Some(1));
    let r = rules(&after.stdout);
    assert!(r.contains(&"none-algorithm-allowed".to_string()), "{r:?}");
    assert!(!r.contains(&"signature-not-verified".to_string()), "{r:?}");
}

#[test]
fn sarif_github_and_output_file() {
    let d = tempfile::tempdir().unwrap();
    project(d.path());
    let out = jwtward(d.path())
        .args(["scan", "app", "--format", "sarif", "--output", "r.sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "--output sends the report to the file"
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("r.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "jwtward/scan/");
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rule_ids.contains(&"unprotected-route") && rule_ids.contains(&"weak-secret"));
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "signature-not-verified")
        .unwrap();
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/security.py"
    );

    let gh = jwtward(d.path())
        .args(["scan", "app", "--format", "github"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&gh.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error file=app/security.py,line=")
                && l.contains("title=jwtward signature-not-verified (critical)")),
        "{text}"
    );
}

#[test]
fn rule_docs_are_generated_and_up_to_date() {
    let d = tempfile::tempdir().unwrap();
    let out = jwtward(&root())
        .args(["rule", "--all", "--write-docs"])
        .arg(d.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed = root().join("docs/rules");
    let mut stale = Vec::new();
    let mut generated = Vec::new();
    let mut stack = vec![d.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(d.path()).unwrap().to_path_buf();
            let want = std::fs::read_to_string(&p).unwrap();
            if std::fs::read_to_string(committed.join(&rel))
                .ok()
                .as_deref()
                != Some(want.as_str())
            {
                stale.push(rel.display().to_string());
            }
            generated.push(rel);
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale ({}); regenerate with `cargo run -- rule --all --write-docs docs/rules`",
        stale.join(", ")
    );
    assert!(generated.len() > 40, "every rule has a page");

    let one = jwtward(&root())
        .args(["rule", "signature-not-verified"])
        .output()
        .unwrap();
    assert!(one.status.success());
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(
        text.contains("reported by `jwtward scan`") && text.contains("reported by `jwtward probe`"),
        "{text}"
    );
    let bad = jwtward(&root())
        .args(["rule", "signature"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("did you mean"));
}

/// `(method path)` of each `unprotected-route` finding of a JSON report.
fn unprotected(out: &[u8]) -> Vec<String> {
    let v: Value = serde_json::from_slice(out).expect("JSON report");
    let mut r: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unprotected-route")
        .map(|f| {
            format!(
                "{} {}",
                f["method"].as_str().unwrap(),
                f["path"].as_str().unwrap()
            )
        })
        .collect();
    r.sort();
    r
}

#[test]
fn auth_dependencies_and_token_helpers_feed_the_fastapi_model() {
    // The ledger fixture authenticates with `company_auth`, a package outside the tree.
    let fixture = "crates/jwtward_fastapi/tests/fixtures/company_auth/app";
    let d = tempfile::tempdir().unwrap();
    let scan = |config: Option<&str>, format: &str| {
        let mut c = jwtward(&root());
        c.args(["scan", fixture, "--format", format]);
        match config {
            Some(text) => {
                let p = d.path().join("jwtward.toml");
                std::fs::write(&p, text).unwrap();
                c.arg("--config").arg(p);
            }
            None => {
                c.arg("--isolated");
            }
        }
        c.output().unwrap()
    };
    let bare = scan(None, "json");
    assert_eq!(
        unprotected(&bare.stdout),
        [
            "DELETE /api/accounts/{account_id}",
            "GET /api/accounts",
            "GET /api/accounts/{account_id}",
            "GET /api/reports",
            "GET /api/reports/{report_id}",
        ]
    );
    let deps_only = scan(
        Some("auth-dependencies = [\"company_auth.require_user\"]\n"),
        "json",
    );
    assert_eq!(
        unprotected(&deps_only.stdout),
        ["GET /api/reports", "GET /api/reports/{report_id}",]
    );
    let both = "auth-dependencies = [\"company_auth.require_user\"]\ntoken-helpers = [\"company_auth.verify_token\"]\n";
    let configured = scan(Some(both), "json");
    assert!(
        unprotected(&configured.stdout).is_empty(),
        "{}",
        String::from_utf8_lossy(&configured.stdout)
    );
    // The HTML map shows the routes as protected, from the model.
    let html = scan(Some(both), "html");
    let page = String::from_utf8_lossy(&html.stdout);
    for path in ["/api/accounts", "/api/reports/{report_id}/approve"] {
        let row = page
            .split("<tr ")
            .find(|r| r.contains(&format!("<code>{path}</code>")))
            .unwrap_or_else(|| panic!("no row for {path}"));
        assert!(row.starts_with("data-auth=\"protected\""), "{row}");
    }
    let s: Value = serde_json::from_slice(
        &jwtward(&root())
            .args(["scan", fixture, "--show-settings", "--config"])
            .arg(d.path().join("jwtward.toml"))
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(s["auth_dependencies"][0], "company_auth.require_user");
    assert_eq!(s["token_helpers"][0], "company_auth.verify_token");
}

#[test]
fn a_configured_auth_dependency_makes_escapes_visible() {
    // The app authenticates every route with a dependency from a package outside the tree
    // and mounts an admin sub-app, which app-level dependencies do not cover. Only once
    // the dependency is known to authenticate can the escape be reported.
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("svc")).unwrap();
    std::fs::write(d.path().join("svc/__init__.py"), "").unwrap();
    std::fs::write(
        d.path().join("svc/main.py"),
        r#"from company_auth import require_user
from fastapi import Depends, FastAPI

admin = FastAPI()


@admin.post("/users/{name}/disable")
def disable_user(name: str):
    return {"disabled": name}


app = FastAPI(dependencies=[Depends(require_user)])
app.mount("/admin", admin)


@app.get("/orders")
def orders():
    return []
"#,
    )
    .unwrap();
    let bare = jwtward(d.path())
        .args(["scan", "svc", "--format", "json"])
        .output()
        .unwrap();
    assert!(unprotected(&bare.stdout).is_empty());
    std::fs::write(
        d.path().join("pyproject.toml"),
        "[tool.jwtward]\nauth-dependencies = [\"require_user\"]\n",
    )
    .unwrap();
    let configured = jwtward(d.path())
        .args(["scan", "svc", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        unprotected(&configured.stdout),
        ["POST /admin/users/{name}/disable"]
    );
}
