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
            ..Default::default()
        },
    );
    assert!(
        with_tests
            .iter()
            .all(|f| f.rule != "auth-dependency-overridden"),
        "overrides in test modules are never findings"
    );
}

/// The `configured` settings of a manifest entry (`auth_dependencies`, `token_helpers`).
fn configured(fx: &Value) -> Option<jwtward_fastapi::Settings> {
    let c = fx.get("configured")?;
    let list = |k: &str| -> Vec<String> {
        c[k].as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    Some(jwtward_fastapi::Settings {
        auth_dependencies: list("auth_dependencies"),
        token_helpers: list("token_helpers"),
        ..Default::default()
    })
}

fn rules_with(dir: &str, settings: &jwtward_fastapi::Settings) -> BTreeSet<String> {
    jwtward_fastapi::check(&load(dir), settings)
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn configured_fixtures_produce_exactly_their_rules() {
    let mut n = 0;
    for fx in manifest() {
        let Some(settings) = configured(&fx) else {
            continue;
        };
        n += 1;
        let dir = fx["dir"].as_str().unwrap();
        let want: BTreeSet<String> = fx["configured"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        assert_eq!(rules_with(dir, &settings), want, "{dir} with {settings:?}");
    }
    assert!(n > 0, "a fixture has configured settings");
}

/// The auth of each route of `table`, as `METHOD path`.
fn auths(
    table: &[jwtward_fastapi::RouteInfo],
) -> std::collections::BTreeMap<String, jwtward_fastapi::Auth> {
    table
        .iter()
        .map(|r| (format!("{} {}", r.methods.join(","), r.path), r.auth))
        .collect()
}

#[test]
fn auth_dependencies_and_token_helpers_from_outside_the_tree() {
    use jwtward_fastapi::{Auth, Settings};
    let dir = "company_auth/app";
    let project = load(dir);
    let accounts = [
        "GET /api/accounts",
        "GET /api/accounts/{account_id}",
        "DELETE /api/accounts/{account_id}",
    ];
    let reports = ["GET /api/reports", "GET /api/reports/{report_id}"];
    // `require_auditor` rejects with 403 whatever `current_claims` yields: a credential
    // check that rejects, with or without configuration.
    let approve = "POST /api/reports/{report_id}/approve";
    let unprotected = |s: &Settings| -> BTreeSet<String> {
        jwtward_fastapi::check(&project, s)
            .into_iter()
            .filter(|f| f.rule == "unprotected-route")
            .map(|f| format!("{} {}", f.method.unwrap(), f.path.unwrap()))
            .collect()
    };

    // Without configuration `company_auth` is opaque: nothing protects those routes, and
    // the legacy export next to them makes them unprotected siblings.
    let none = Settings::default();
    let table = auths(&jwtward_fastapi::route_table_with_settings(&project, &none));
    assert_eq!(table[approve], Auth::Protected);
    for r in accounts.iter().chain(&reports) {
        assert_eq!(table[*r], Auth::None, "{r}");
    }
    assert_eq!(
        table["GET /api/accounts/{account_id}/export.csv"],
        Auth::Protected
    );
    let all: BTreeSet<String> = accounts
        .iter()
        .chain(&reports)
        .map(|s| s.to_string())
        .collect();
    assert_eq!(unprotected(&none), all);

    // `auth-dependencies` alone: the router dependency imported from the package counts.
    let deps = Settings {
        auth_dependencies: vec!["company_auth.require_user".into()],
        ..Default::default()
    };
    let table = auths(&jwtward_fastapi::route_table_with_settings(&project, &deps));
    for r in accounts {
        assert_eq!(table[r], Auth::Protected, "{r}");
    }
    for r in reports {
        assert_eq!(table[r], Auth::None, "{r}");
    }
    let rest: BTreeSet<String> = reports.iter().map(|s| s.to_string()).collect();
    assert_eq!(unprotected(&deps), rest);
    // A bare name matches too; another package's `require_user` does not match a
    // qualified entry.
    let bare = Settings {
        auth_dependencies: vec!["require_user".into()],
        ..Default::default()
    };
    assert_eq!(unprotected(&bare), rest);
    let other = Settings {
        auth_dependencies: vec!["other_auth.require_user".into()],
        ..Default::default()
    };
    assert_eq!(unprotected(&other), all);

    // `token-helpers` alone: the project dependency that calls the helper on the
    // request's token authenticates (and so does the one built on it).
    let helpers = Settings {
        token_helpers: vec!["company_auth.verify_token".into()],
        ..Default::default()
    };
    let routes = jwtward_fastapi::route_table_with_settings(&project, &helpers);
    let table = auths(&routes);
    for r in reports {
        assert_eq!(table[r], Auth::Protected, "{r}");
    }
    for r in accounts {
        assert_eq!(table[r], Auth::None, "{r}");
    }
    let rest: BTreeSet<String> = accounts.iter().map(|s| s.to_string()).collect();
    assert_eq!(unprotected(&helpers), rest);
    let list = routes.iter().find(|r| r.path == "/api/reports").unwrap();
    assert!(
        list.chain
            .iter()
            .any(|c| c.dependency == "Depends(current_claims)" && c.effect == "authenticates"),
        "{:?}",
        list.chain
    );

    // Both: everything behind company_auth is protected; the public endpoints that call
    // the helper on something else (an invite in the body) or only when a token is
    // there (result thrown away) stay unauthenticated.
    let both = Settings {
        auth_dependencies: deps.auth_dependencies.clone(),
        token_helpers: helpers.token_helpers.clone(),
        ..Default::default()
    };
    assert!(unprotected(&both).is_empty());
    let table = auths(&jwtward_fastapi::route_table_with_settings(&project, &both));
    for r in accounts.iter().chain(&reports) {
        assert_eq!(table[*r], Auth::Protected, "{r}");
    }
    // Under `/public/`: public by design (the path says so), not reported.
    assert_eq!(
        table["POST /api/public/invites/accept"],
        Auth::PublicByDesign
    );
    assert_eq!(table["GET /api/public/summary"], Auth::PublicByDesign);
    assert_eq!(table["GET /health"], Auth::PublicByDesign);
}

#[test]
fn routes_carry_their_router_include_chain_and_mount() {
    let table = jwtward_fastapi::route_table(&load("company_auth/app"));
    let route = |m: &str, p: &str| {
        table
            .iter()
            .find(|r| r.methods == [m] && r.path == p)
            .unwrap_or_else(|| panic!("no route {m} {p}"))
    };
    let r = route("GET", "/api/accounts/{account_id}");
    assert_eq!(r.app_name.as_deref(), Some("ledger.main.app"));
    assert_eq!(r.router, "ledger.routers.accounts.router");
    assert_eq!(r.router_prefix, "/api/accounts");
    assert_eq!(
        r.include_chain,
        [
            "ledger.main.app (/)",
            "ledger.routers.accounts.router (/api/accounts)"
        ]
    );
    assert_eq!(r.mount, None);
    let h = route("GET", "/health");
    assert_eq!(h.router, "ledger.main.app");
    assert_eq!(h.router_prefix, "");
    assert_eq!(h.include_chain, ["ledger.main.app (/)"]);

    // A mounted sub-app: its own app, the mount path, its own router chain.
    let table = jwtward_fastapi::route_table(&load("mounted_admin/vulnerable"));
    let admin = table
        .iter()
        .find(|r| r.path.starts_with("/admin/"))
        .expect("a route of the mounted admin app");
    assert_eq!(admin.mount.as_deref(), Some("/admin"));
    assert_eq!(admin.app_name.as_deref(), Some("shop.admin.admin_app"));
    assert_eq!(admin.include_chain[0], "shop.admin.admin_app (/admin)");
    let orders = table
        .iter()
        .find(|r| r.path.starts_with("/v1/"))
        .expect("an orders route");
    assert_eq!(orders.mount, None);
    assert_eq!(orders.router, "shop.routers.orders.router");
    assert_eq!(orders.include_chain[0], "shop.main.app (/)");
}

/// The route-table class of each route of a fixture, as `METHOD path` (the first one of
/// a path registered twice first), with its reason.
fn classes(dir: &str) -> Vec<(String, &'static str, String)> {
    jwtward_fastapi::route_table(&load(dir))
        .into_iter()
        .map(|r| {
            (
                format!("{} {}", r.methods.join(","), r.path),
                r.class,
                r.reason,
            )
        })
        .collect()
}

fn class_of<'a>(
    table: &'a [(String, &'static str, String)],
    route: &str,
) -> &'a (String, &'static str, String) {
    table
        .iter()
        .find(|(r, _, _)| r == route)
        .unwrap_or_else(|| panic!("no route {route} in {table:?}"))
}

#[test]
fn auth_off_by_default_is_conditional_and_on_by_default_is_protected() {
    let vulnerable = classes("settings_gate/vulnerable");
    for route in [
        "GET /api/accounts",
        "DELETE /api/accounts/{account_id}",
        "GET /reports/balance-sheet",
        "PUT /setup/claim",
    ] {
        let (_, class, reason) = class_of(&vulnerable, route);
        assert_eq!(*class, "conditional", "{route}: {reason}");
        assert!(reason.contains("defaults to"), "{route}: {reason}");
    }
    assert!(
        class_of(&vulnerable, "GET /api/accounts")
            .2
            .contains("settings.require_auth defaults to False")
    );
    assert!(
        class_of(&vulnerable, "GET /reports/balance-sheet")
            .2
            .contains("$LEDGER_REPORT_KEY defaults to None")
    );
    let fixed = classes("settings_gate/fixed");
    for route in [
        "GET /api/accounts",
        "DELETE /api/accounts/{account_id}",
        "GET /reports/balance-sheet",
        "PUT /setup/claim",
    ] {
        let (_, class, reason) = class_of(&fixed, route);
        assert_eq!(*class, "protected", "{route}: {reason}");
    }
    // One finding per gate: the dependency, the middleware registration, the handler.
    let r = report("settings_gate/vulnerable");
    let lines: BTreeSet<(String, u32)> = r
        .findings
        .iter()
        .filter(|f| f.rule == "auth-disabled-by-default")
        .map(|f| {
            let l = f.location.as_ref().unwrap();
            (l.file.rsplit('/').next().unwrap().to_string(), l.line)
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("auth.py".to_string(), 13),
            ("main.py".to_string(), 12),
            ("main.py".to_string(), 38)
        ]
        .into_iter()
        .collect()
    );
}

#[test]
fn exemptions_are_modelled_exactly() {
    let vulnerable = classes("exempt_paths/vulnerable");
    // `re.search("/public")` lets the drafts through; `endswith(("health", "ready"))`
    // does not exempt the profile template itself (only `/api/users/health`).
    assert_eq!(
        class_of(&vulnerable, "GET /api/publications/drafts").1,
        "unprotected"
    );
    assert_eq!(
        class_of(&vulnerable, "GET /api/users/{username}").1,
        "protected"
    );
    let fixed = classes("exempt_paths/fixed");
    assert_eq!(
        class_of(&fixed, "GET /api/publications/drafts").1,
        "protected"
    );
    // The exact set and the fullmatch of one segment under /public/ exempt public routes.
    assert_eq!(class_of(&fixed, "GET /ready").1, "public");
    assert_eq!(class_of(&fixed, "GET /public/{slug}").1, "public");
    let r = report("exempt_paths/vulnerable");
    let broad: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule == "auth-exemption-too-broad")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(broad.len(), 2, "{broad:?}");
    assert!(
        broad
            .iter()
            .any(|m| m.contains("/api/users/health (served by GET /api/users/{username})"))
    );
    assert!(
        broad
            .iter()
            .any(|m| m.contains("GET /api/publications/drafts"))
    );
    // The segment test on `docs`/`openapi.json` lets nothing else through: not reported.
    assert!(!broad.iter().any(|m| m.contains("split")));
}

#[test]
fn tokens_of_another_purpose_identify_nobody() {
    let vulnerable = classes("purpose_tokens/vulnerable");
    assert_eq!(class_of(&vulnerable, "GET /api/invoices").1, "unprotected");
    assert_eq!(
        class_of(&vulnerable, "POST /api/invoices/{invoice_id}/pay").1,
        "unprotected"
    );
    // The OAuth callback decodes its state and rejects a bad one: public by design, not
    // "protected".
    let cb = class_of(&vulnerable, "GET /oauth/callback");
    assert_eq!(cb.1, "public", "{}", cb.2);
    let fixed = classes("purpose_tokens/fixed");
    assert_eq!(class_of(&fixed, "GET /api/invoices").1, "protected");
}

#[test]
fn the_route_registered_first_answers() {
    let vulnerable = classes("route_twice/vulnerable");
    let copies: Vec<_> = vulnerable
        .iter()
        .filter(|(r, _, _)| r == "GET /admin/users")
        .collect();
    assert_eq!(copies.len(), 2);
    // Both copies are unprotected: the unguarded one runs, the guarded one never does.
    assert!(
        copies.iter().all(|(_, c, _)| *c == "unprotected"),
        "{copies:?}"
    );
    assert!(
        copies
            .iter()
            .any(|(_, _, why)| why.starts_with("never runs"))
    );
    // A literal path after a parameter path of the same method gets the class of the
    // route that answers.
    let export = class_of(&vulnerable, "GET /admin/users/export");
    assert!(
        export.2.contains("GET /admin/users/{user_id}"),
        "{}",
        export.2
    );
    let fixed = classes("route_twice/fixed");
    assert!(
        fixed
            .iter()
            .filter(|(r, _, _)| r == "GET /admin/users")
            .all(|(_, c, _)| *c == "protected")
    );
}
