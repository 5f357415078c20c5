//! `jwtward probe` command-line behaviour: clear errors for bad input (exit 2), a Swagger 2.0
//! YAML spec given with --spec, and the text and SARIF formats.

mod probe_support;
use probe_support::*;
use std::process::Command;

fn jwtward(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jwtward"))
        .arg("probe")
        .args(args)
        .output()
        .expect("run jwtward");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_input_is_a_clear_error() {
    let (code, _, err) = jwtward(&["not a url"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`not a url` is not a URL"), "{err}");

    let (code, _, err) = jwtward(&["http://127.0.0.1:9", "--spec", "/nonexistent/openapi.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cannot read the spec `/nonexistent/openapi.json`"),
        "{err}"
    );

    let (code, _, err) = jwtward(&["http://127.0.0.1:9", "--header", "no-colon-here"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--header `no-colon-here`: expected NAME:VALUE"),
        "{err}"
    );

    let (code, _, err) = jwtward(&["http://127.0.0.1:9", "--rate", "fast"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--rate `fast`"), "{err}");

    let (code, _, err) = jwtward(&["ftp://127.0.0.1/"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unsupported scheme `ftp`"), "{err}");

    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), "openapi: [unclosed").unwrap();
    let (code, _, err) = jwtward(&["http://127.0.0.1:9", "--spec", bad.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("neither valid JSON nor valid YAML"), "{err}");
}

#[test]
fn the_crack_budget_is_given_to_the_weak_secret_tier_and_its_cut_is_reported() {
    let (code, _, err) = jwtward(&["http://127.0.0.1:9", "--crack-budget", "0s"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`0s` is not a positive duration"), "{err}");
    let (code, _, err) = jwtward(&["http://127.0.0.1:9", "--crack-budget", "5 parsecs"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown unit"), "{err}");

    // A token whose key is the last 8-digit PIN but one: a 1 s budget cannot reach it, and
    // the report says what part of the tier was searched.
    let out = Command::new(python())
        .args([
            "-c",
            "import jwt; print(jwt.encode({'sub': 'alice'}, '99999998', algorithm='HS256'))",
        ])
        .output()
        .expect("mint");
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let app = start_app("secure_app");
    let run = probe(&[&app.url(), "--token", &token, "--crack-budget", "1s"]);
    let notes: Vec<String> = error_entries(&run)
        .into_iter()
        .filter(|(k, _)| k == "crack")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(notes.len(), 1, "{}", run.dump());
    assert!(
        notes[0].starts_with("token #1: the default weak-secret tier was cut by its 1 s budget: ")
            && notes[0].contains("8-digit PINs: ")
            && notes[0].contains("use --crack-budget "),
        "{}",
        notes[0]
    );
    assert!(
        !run.hits().iter().any(|(r, _)| r == "weak-secret"),
        "{}",
        run.dump()
    );
}

#[test]
fn no_spec_on_the_target_names_every_place_tried() {
    // Every path of this server redirects to itself.
    let server = start_hostile("redirect");
    let (code, _, err) = jwtward(&[&server.url(), "--timeout", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no OpenAPI document found"), "{err}");
    for path in [
        "/openapi.json",
        "/docs",
        "/redoc",
        "/swagger.json",
        "/openapi.yaml",
    ] {
        assert!(err.contains(path), "{path} not listed: {err}");
    }
    assert!(err.contains("HTTP 302"), "{err}");
}

#[test]
fn swagger2_yaml_spec_text_and_sarif_output() {
    let app = start_app("weak_app");
    let toks = tokens();
    let token = toks["weak"].as_str().unwrap();
    let spec = apps_dir().join("weak_swagger.yaml");
    let spec = spec.to_str().unwrap();

    let run = probe(&[&app.url(), "--spec", spec, "--token", token]);
    assert_eq!(run.code, 1, "{}", run.dump());
    assert_eq!(run.report["summary"]["endpoints"], 1, "{}", run.dump());
    run.expect_all(&[("forged-token-accepted", "/items/{item_id}")]);
    let f = run.finding("forged-token-accepted", "/items/{item_id}");
    // `minimum: 1` gives the sample path parameter.
    assert!(f["url"].as_str().unwrap().ends_with("/items/1"), "{f}");

    let (code, out, err) = jwtward(&[
        &app.url(),
        "--spec",
        spec,
        "--token",
        token,
        "--format",
        "text",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("weak-secret") && out.contains("forged-token-accepted"),
        "{out}"
    );

    let (code, out, err) = jwtward(&[
        &app.url(),
        "--spec",
        spec,
        "--token",
        token,
        "--format",
        "sarif",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(code, 1, "{err}");
    let sarif: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    // A probe finding has no place in the repository, so it is a tool notification naming
    // the rule, not a result GitHub would reject.
    let run = &sarif["runs"][0];
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes.iter().any(|n| n["descriptor"]["id"] == "weak-secret"),
        "{out}"
    );
    assert!(
        run["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["locations"][0]["physicalLocation"].is_object()),
        "{out}"
    );

    // --fail-on above everything found: exit 0.
    let (code, _, err) = jwtward(&[
        &app.url(),
        "--spec",
        spec,
        "--token",
        token,
        "--include",
        "/nothing/*",
        "--fail-on",
        "critical",
    ]);
    // Only the offline weak-secret finding remains (it needs no endpoint): still critical.
    assert_eq!(code, 1, "{err}");
}

#[test]
fn request_budget_and_rate_limit_are_enforced() {
    let server = start_hostile("redirect");
    let spec = apps_dir().join("hostile_spec.json");
    let toks = tokens();
    let run = probe(&[
        &server.url(),
        "--spec",
        spec.to_str().unwrap(),
        "--token",
        toks["hs"].as_str().unwrap(),
        "--max-requests",
        "6",
        "--rate",
        "10/s",
    ]);
    // The budget ran out before any attack: fail closed (exit 3), not "no findings".
    assert_eq!(run.code, 3, "{}", run.dump());
    assert!(run.stderr.contains("nothing was tested"), "{}", run.stderr);
    assert!(
        run.report["summary"]["requests"].as_u64().unwrap() <= 6,
        "{}",
        run.dump()
    );
    let errors = run.report["errors"].to_string();
    assert!(errors.contains("request budget"), "{errors}");
    // 6 requests at 10/s take at least half a second.
    assert!(run.elapsed.as_millis() >= 450, "{:?}", run.elapsed);
}
