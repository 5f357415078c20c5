//! The fixture projects under `tests/fixtures/`: real FastAPI apps (each is imported and
//! exercised under the venv's FastAPI), the rules each one must produce (exactly), and JSON
//! snapshots of the findings with their traces and of the route tables.

use jwtward_python::{DiscoveryOptions, Project};
use jwtward_report::{Report, Summary};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &str = "tests/fixtures";

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("manifest.json"))
        .expect("tests/fixtures/manifest.json is readable");
    let v: Value = serde_json::from_str(&text).expect("manifest.json is valid JSON");
    v["fixtures"].as_array().expect("fixtures array").clone()
}

fn load(dir: &str) -> Project {
    let path = PathBuf::from(FIXTURES).join(dir);
    Project::load(&[path], &DiscoveryOptions::default()).expect("fixture loads")
}

fn report(dir: &str) -> Report {
    let project = load(dir);
    assert!(project.errors.is_empty(), "{dir}: {:?}", project.errors);
    let findings = jwtward_fastapi::check(&project, &jwtward_fastapi::Settings::default());
    Report::new(findings, Vec::new(), Summary::default())
}

use jwtward_testkit::python;

#[test]
fn fixtures_are_real_apps_that_behave_as_listed() {
    let out = Command::new(python())
        .arg("tests/import_fixtures.py")
        .arg(FIXTURES)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "a fixture failed to import, build its OpenAPI document or answer as listed in manifest.json:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        manifest().len(),
        "{stdout}"
    );
}

#[test]
fn each_fixture_produces_exactly_its_rules() {
    let mut problems = Vec::new();
    for fx in manifest() {
        let dir = fx["dir"].as_str().unwrap();
        let want: BTreeSet<String> = fx["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        let got: BTreeSet<String> = report(dir)
            .findings
            .iter()
            .map(|f| f.rule.clone())
            .collect();
        if want != got {
            problems.push(format!("{dir}: expected {want:?}, got {got:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_rule_is_exercised_by_a_vulnerable_fixture() {
    let mut seen = BTreeSet::new();
    for fx in manifest() {
        for r in fx["rules"].as_array().unwrap() {
            seen.insert(r.as_str().unwrap().to_string());
        }
    }
    for meta in jwtward_fastapi::RULES {
        assert!(
            seen.contains(meta.name),
            "no fixture exercises {}",
            meta.name
        );
    }
}

#[test]
fn findings_carry_traces_and_routes() {
    for fx in manifest() {
        let dir = fx["dir"].as_str().unwrap();
        for f in report(dir).findings {
            assert!(!f.trace.is_empty(), "{dir}: {} has no trace", f.rule);
            assert!(f.location.is_some(), "{dir}: {} has no location", f.rule);
            let route_level = [
                "unprotected-route",
                "public-fallback-route",
                "login-without-rate-limit",
                "fail-open-auth-dependency",
            ];
            if route_level.contains(&f.rule.as_str()) {
                assert!(
                    f.method.is_some() && f.path.is_some(),
                    "{dir}: {} has no route",
                    f.rule
                );
            }
        }
    }
}

#[test]
fn snapshots_of_findings() {
    for fx in manifest() {
        let dir = fx["dir"].as_str().unwrap();
        let json: Value = serde_json::from_str(&report(dir).to_json()).unwrap();
        let name = dir.replace('/', "__");
        insta::assert_json_snapshot!(name, json);
    }
}

#[test]
fn snapshots_of_route_tables() {
    for fx in manifest() {
        let dir = fx["dir"].as_str().unwrap();
        let table: Vec<String> = jwtward_fastapi::route_table(&load(dir))
            .iter()
            .map(|r| {
                let chain: Vec<String> = r
                    .chain
                    .iter()
                    .map(|c| format!("{:?}:{}={}", c.level, c.dependency, c.effect))
                    .collect();
                format!(
                    "{} {} [{}] {} <- {}",
                    r.methods.join(","),
                    r.path,
                    r.kind,
                    r.auth.as_str(),
                    chain.join(" | ")
                )
            })
            .collect();
        let name = format!("routes__{}", dir.replace('/', "__"));
        insta::assert_json_snapshot!(name, table);
    }
}

#[test]
fn precision_traps_stay_clean() {
    let r = report("oauth2_tutorial/clean");
    assert!(r.findings.is_empty(), "{}", r.to_json());
    // The public read beside the protected write, and the public endpoints, are public
    // by design or unreported; the tutorial's own routes are protected.
    let table = jwtward_fastapi::route_table(&load("oauth2_tutorial/clean"));
    let auth = |m: &str, p: &str| {
        table
            .iter()
            .find(|r| r.methods == [m] && r.path == p)
            .map(|r| r.auth)
            .unwrap_or_else(|| panic!("no route {m} {p}"))
    };
    use jwtward_fastapi::Auth;
    assert_eq!(auth("GET", "/users/me"), Auth::Protected);
    assert_eq!(auth("POST", "/items"), Auth::Protected);
    assert_eq!(auth("GET", "/health"), Auth::PublicByDesign);
    assert_eq!(auth("GET", "/.well-known/jwks.json"), Auth::PublicByDesign);
    assert_eq!(auth("POST", "/token"), Auth::PublicByDesign);
}

#[test]
fn test_code_overrides_are_not_reported() {
    // sibling_routes/fixed overrides get_current_user in tests/test_issues.py only.
    let r = report("sibling_routes/fixed");
    assert!(
        r.findings
            .iter()
            .all(|f| f.rule != "auth-dependency-overridden")
    );
    let project = load("sibling_routes/fixed");
    let with_tests = jwtward_fastapi::check(
        &project,
        &jwtward_fastapi::Settings {
            include_test_code: true,
        },
    );
    assert!(
        with_tests
            .iter()
            .all(|f| f.rule != "auth-dependency-overridden"),
        "overrides in test modules are never findings"
    );
}
