//! `jwtward probe` safe by default and true on real-looking APIs: destructive operations
//! never called (server state checked), presence-only bearers, ids only a harvest finds,
//! tokens in a declared query parameter and an unusual cookie, an identity in `uid`, a role
//! trusted from a crackable key, a secure app probed with its own key, a target that never
//! answers. Every finding's curl is executed and must reproduce.

mod probe_support;
use probe_support::*;
use std::time::Duration;

#[test]
fn destructive_operations_are_never_called_and_the_oracle_tells_truth() {
    let app = start_app("safety_app");
    let toks = tokens();
    let hs = toks["hs"].as_str().unwrap();
    let before = http_json(app.port, "/state");
    let run = probe(&[&app.url(), "--token", hs, "--cookie-name", "qa_sess"]);
    assert_eq!(run.code, 1, "{}", run.dump());
    // The server state is unchanged: no destructive GET, no POST/PATCH.
    let after = http_json(app.port, "/state");
    assert_eq!(before["items"], after["items"], "{after}");
    assert_eq!(before["sessions"], after["sessions"], "{after}");
    assert_eq!(after["handled"], 0, "{after}");
    let errors = error_entries(&run);
    for route in [
        "GET /vuln/del_items",
        "GET /maintenance/purge-sessions",
        "POST /sessions/logout-all",
        "PATCH /profile",
        "POST /items",
    ] {
        assert!(
            errors
                .iter()
                .any(|(k, m)| k == "skipped-unsafe" && m.starts_with(route)),
            "{route} not listed as skipped: {errors:?}"
        );
    }
    run.expect_all(&[
        ("any-token-accepted", "/vuln/presence"),
        // Only the id harvested from GET /notes gives a success here.
        ("missing-auth", "/vuln/shared/{note_id}"),
        // The token travels in the declared query parameter and in the unusual cookie.
        ("alg-none-accepted", "/vuln/feed"),
        ("alg-none-accepted", "/vuln/quick"),
    ]);
    assert_fixed_clean(&run, &[]);
    let shared = run.finding("missing-auth", "/vuln/shared/{note_id}");
    assert!(
        !shared["url"].as_str().unwrap().contains("00000000-0000"),
        "{shared}"
    );
    assert!(
        run.finding("alg-none-accepted", "/vuln/feed")["url"]
            .as_str()
            .unwrap()
            .contains("access_token="),
        "{}",
        run.dump()
    );
    assert!(
        run.finding("alg-none-accepted", "/vuln/quick")["curl"]
            .as_str()
            .unwrap()
            .contains("Cookie: qa_sess="),
        "{}",
        run.dump()
    );
    assert_curls_reproduce(&run);
    // No route was a bypass because of a 404 baseline: every finding's valid baseline is 2xx.
    for f in run.report["findings"].as_array().unwrap() {
        if let Some(v) = f["evidence"]["baselines"]["valid"].as_str() {
            assert!(v.starts_with('2'), "{f}");
        }
    }

    // --unsafe-methods: POST /items gets `{}` (422 before the handler); the body-less POST,
    // the all-optional PATCH and the destructive GETs are still never sent.
    let unsafe_run = probe(&[
        &app.url(),
        "--token",
        hs,
        "--unsafe-methods",
        "--include",
        "/items",
        "--include",
        "/profile",
        "--include",
        "/sessions/*",
        "--include",
        "/vuln/del_items",
        "--include",
        "/maintenance/*",
    ]);
    let after = http_json(app.port, "/state");
    assert_eq!(before["items"], after["items"], "{after}");
    assert_eq!(before["sessions"], after["sessions"], "{after}");
    assert_eq!(after["handled"], 0, "{after}");
    let errors = error_entries(&unsafe_run);
    for route in [
        "GET /vuln/del_items",
        "GET /maintenance/purge-sessions",
        "POST /sessions/logout-all",
        "PATCH /profile",
    ] {
        assert!(
            errors
                .iter()
                .any(|(k, m)| k == "skipped-unsafe" && m.starts_with(route)),
            "{route} not listed: {errors:?}"
        );
    }
    assert_eq!(
        unsafe_run.report["summary"]["endpoints"],
        1,
        "{}",
        unsafe_run.dump()
    );
}

#[test]
fn spec_controlled_headers_are_never_sent() {
    let app = start_app("safety_app");
    let toks = tokens();
    let mut spec: serde_json::Value = http_json(app.port, "/openapi.json");
    spec["paths"]["/fixed/presence"]["get"]["parameters"] = serde_json::json!([
        {"name": "Host", "in": "header", "required": true, "schema": {"type": "string", "example": "evil.example"}},
        {"name": "X-Split", "in": "header", "required": true, "schema": {"type": "string", "example": "a\r\nX-Injected: 1"}}
    ]);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), spec.to_string()).unwrap();
    let run = probe(&[
        &app.url(),
        "--spec",
        file.path().to_str().unwrap(),
        "--token",
        toks["hs"].as_str().unwrap(),
        "--include",
        "/fixed/presence",
    ]);
    assert_eq!(run.code, 0, "{}", run.dump());
    let errors = error_entries(&run);
    assert!(
        errors
            .iter()
            .any(|(k, m)| k == "spec-header-refused" && m.contains("`Host`")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(k, m)| k == "spec-header-refused" && m.contains("CR/LF")),
        "{errors:?}"
    );
    // The endpoint itself was still tested, with the real Host.
    assert_eq!(run.report["summary"]["endpoints"], 1);
    let hosts = http_json(app.port, "/state")["hosts"].to_string();
    assert!(!hosts.contains("evil"), "{hosts}");
}

#[test]
fn a_role_trusted_from_a_crackable_key_and_an_identity_in_uid() {
    let app = start_app("role_app");
    let toks = tokens();
    let run = probe(&[&app.url(), "--token", toks["role"].as_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.dump());
    let weak = run.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "weak-secret")
        .unwrap_or_else(|| panic!("no weak-secret:\n{}", run.dump()));
    assert!(
        weak["message"].as_str().unwrap().contains("letmein123"),
        "{weak}"
    );
    run.expect_all(&[
        ("forged-token-accepted", "/me"),
        ("privilege-escalation", "/vuln/admin/stats"),
        // Extra data for a privileged claim on a route the valid token opens.
        ("privilege-escalation", "/vuln/report"),
    ]);
    run.expect_message("privilege-escalation", "/vuln/report", "audit_log");
    // The key is weak everywhere (forged-token-accepted is true on every open route); the
    // fixed twins read the role from the server: no escalation there.
    assert!(
        !run.hits()
            .iter()
            .any(|(r, p)| r == "privilege-escalation" && p.starts_with("/fixed/")),
        "{}",
        run.dump()
    );
    // The identity is learnt from `uid`, not `sub`.
    run.expect_message("forged-token-accepted", "/me", "`uid`");
    let esc = run.finding("privilege-escalation", "/vuln/admin/stats");
    assert!(esc["message"].as_str().unwrap().contains("role"), "{esc}");
    assert_curls_reproduce(&run);
}

#[test]
fn a_secure_app_probed_with_its_own_key_has_no_findings() {
    let app = start_app("secure_app");
    let toks = tokens();
    let run = probe(&[
        &app.url(),
        "--token",
        toks["hs"].as_str().unwrap(),
        "--signing-key",
        "jwtward-fixture-strong-7c1e5a9d3b8f40e2a6d4c0b9e1f3a5c7",
    ]);
    assert_eq!(run.code, 0, "{}", run.dump());
    assert!(
        run.report["findings"].as_array().unwrap().is_empty(),
        "{}",
        run.dump()
    );
    let errors = error_entries(&run);
    // The order route was tested with a harvested id; the admin route is refused and listed.
    assert!(
        !errors
            .iter()
            .any(|(_, m)| m.starts_with("GET /orders/{order_id}")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(k, m)| k == "untested" && m.starts_with("GET /admin/users")),
        "{errors:?}"
    );
}

#[test]
fn without_a_token_the_skipped_families_are_listed() {
    let app = start_app("secure_app");
    let run = probe(&[&app.url()]);
    assert_eq!(run.code, 0, "{}", run.dump());
    let errors = error_entries(&run);
    assert!(
        errors
            .iter()
            .any(|(k, m)| k == "skipped-family" && m.contains("no --token")),
        "{errors:?}"
    );
}

#[test]
fn a_target_that_never_answers_fails_closed_and_fast() {
    let server = start_hostile("silent");
    let toks = tokens();
    let spec = apps_dir().join("hostile_spec.json");
    let run = probe(&[
        &server.url(),
        "--spec",
        spec.to_str().unwrap(),
        "--token",
        toks["hs"].as_str().unwrap(),
        "--timeout",
        "2",
    ]);
    assert_eq!(run.code, 3, "{}", run.dump());
    assert!(run.stderr.contains("nothing was tested"), "{}", run.stderr);
    assert!(
        error_entries(&run).iter().any(|(k, _)| k == "no-test"),
        "{}",
        run.dump()
    );
    // One round of timeouts, not one per request.
    assert!(run.elapsed < Duration::from_secs(8), "{:?}", run.elapsed);
    // Spec discovery on a silent target fails closed too.
    let run = probe(&[&server.url(), "--timeout", "1"]);
    assert_eq!(run.code, 3, "{}", run.dump());
    // --max-time cuts requests in flight.
    let run = probe(&[
        &server.url(),
        "--spec",
        spec.to_str().unwrap(),
        "--timeout",
        "30",
        "--max-time",
        "1",
    ]);
    assert_eq!(run.code, 3, "{}", run.dump());
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[test]
fn whose_answer_it_is_decides_the_identity_findings() {
    let app = start_app("identity_app");
    let toks = tokens();
    let run = probe(&[&app.url(), "--token", toks["ident"].as_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.dump());
    assert!(
        run.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "weak-secret"
                && f["message"].as_str().unwrap().contains("trustno1")),
        "{}",
        run.dump()
    );
    // The identity is learnt from `uid` (the answer names it), not from `sub`.
    // A forged random `uid` on /vuln/me is answered as that identity: not "the answer does
    // not depend on it" (the shape is the same, the values are the forged account's).
    run.expect_message(
        "forged-token-accepted",
        "/vuln/me",
        "the same forgery with a random `uid` is accepted as another identity (the answer names `jwtward-nobody-",
    );
    // /fixed/me looks the account up: the random identity is refused.
    run.expect_message(
        "forged-token-accepted",
        "/fixed/me",
        "identity differential confirmed: the same forgery with a random `uid` is refused",
    );
    // /vuln/catalogue answers the same whoever asks (its differential changes `uid` or
    // `sub`, whichever was learnt when it ran).
    run.expect_message(
        "forged-token-accepted",
        "/vuln/catalogue",
        "gets the valid answer (the answer is the valid one, which names no user: it does not show whose it is): the answer does not depend on `",
    );
    // Without `uid`, /vuln/me answers as the guest: another identity.
    run.expect_message(
        "missing-sub-accepted",
        "/vuln/me",
        "no `uid` claim (the identity claim this API uses) and answers as another identity (the answer no longer names `alice`",
    );
    // /fixed/me finds the same account from `sub`: the same identity, no finding.
    assert!(
        !run.has("missing-sub-accepted", "/fixed/me"),
        "{}",
        run.dump()
    );
    assert_fixed_clean(&run, &["forged-token-accepted"]);
    assert_curls_reproduce(&run);
}
