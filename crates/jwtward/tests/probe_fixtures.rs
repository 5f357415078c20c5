//! `jwtward probe` against real FastAPI apps (PyJWT, python-jose, Authlib) under uvicorn on
//! loopback: every /vuln/... route must be reported with its rule, and no /fixed/... twin
//! may be reported (a key given with --signing-key never yields forged-token-accepted).

mod probe_support;
use probe_support::*;

fn assert_evidence(run: &ProbeRun, rule: &str, path: &str) {
    let f = run.finding(rule, path);
    let curl = f["curl"].as_str().expect("curl");
    assert!(curl.starts_with("curl "), "{curl}");
    assert!(
        f["url"]
            .as_str()
            .expect("url")
            .starts_with("http://127.0.0.1:")
    );
    assert!(f["method"].is_string());
    let ev = &f["evidence"];
    assert!(ev["status"].as_u64().is_some());
    let first_segment = path.split('/').nth(1).unwrap();
    assert!(
        ev["request"].as_str().unwrap().contains(first_segment),
        "{ev}"
    );
    assert!(ev["baselines"]["valid"].is_string(), "{ev}");
    assert!(ev["baselines"]["no-credentials"].is_string(), "{ev}");
}

#[test]
fn pyjwt_app_vulnerable_routes_and_fixed_twins() {
    let app = start_app("pyjwt_app");
    let toks = tokens();
    let hs = toks["hs"].as_str().unwrap();
    // The safe default: no POST is sent without --unsafe-methods.
    let safe = probe(&[&app.url(), "--token", hs, "--include", "/vuln/none"]);
    assert!(
        safe.has("alg-none-accepted", "/vuln/none"),
        "{}",
        safe.dump()
    );
    assert!(
        safe.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["method"] == "GET"),
        "{}",
        safe.dump()
    );
    assert_eq!(safe.report["summary"]["endpoints"], 1);

    let run = probe(&[&app.url(), "--token", hs, "--unsafe-methods"]);
    assert_eq!(run.code, 1, "{}", run.dump());
    // POST got only the schema-invalid body: the token is proven through FastAPI's 422,
    // and the handler never ran.
    let post = run.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "alg-none-accepted" && f["method"] == "POST")
        .unwrap_or_else(|| panic!("no POST alg-none finding:\n{}", run.dump()));
    assert_eq!(post["evidence"]["status"], 422, "{post}");
    assert!(
        post["curl"].as_str().unwrap().contains("--data-raw '{}'"),
        "{post}"
    );
    assert_eq!(http_body(app.port, "/side-effects"), "{\"handled\":0}");
    run.expect_all(&[
        ("signature-not-verified", "/vuln/unverified"),
        ("alg-none-accepted", "/vuln/none"),
        ("invalid-token-accepted", "/vuln/anonymous"),
        ("optional-auth", "/vuln/optional"),
        ("missing-auth", "/vuln/declared"),
        ("missing-auth", "/vuln/admin/export"),
        ("missing-www-authenticate", "/vuln/www"),
        ("auth-error-leak", "/vuln/leak"),
        ("server-error-on-token", "/vuln/crash"),
        ("token-in-cookie-accepted", "/vuln/cookie"),
        ("token-in-query-accepted", "/vuln/query"),
        ("jwk-header-injection", "/vuln/jwk"),
        ("jku-header-injection", "/vuln/jku"),
        ("path-variant-bypass", "/vuln/mw/reports"),
        ("method-bypass", "/vuln/mw/files"),
    ]);
    assert_fixed_clean(&run, &[]);
    assert_curls_reproduce(&run);
    // The strong key is not recovered: this app is the fixed twin of weak_app.
    assert!(
        !run.hits().iter().any(|(r, _)| r == "weak-secret"),
        "{}",
        run.dump()
    );
    // ... unless it is in the --wordlist.
    let words = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        words.path(),
        "password\nletmein\njwtward-fixture-strong-7c1e5a9d3b8f40e2a6d4c0b9e1f3a5c7\n",
    )
    .unwrap();
    let cracked = probe(&[
        &app.url(),
        "--token",
        hs,
        "--wordlist",
        words.path().to_str().unwrap(),
        "--include",
        "/fixed/none",
    ]);
    let weak = cracked.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "weak-secret")
        .unwrap_or_else(|| panic!("no weak-secret:\n{}", cracked.dump()));
    assert!(
        weak["message"]
            .as_str()
            .unwrap()
            .contains("found in the wordlist"),
        "{weak}"
    );
    for (rule, path) in [
        ("alg-none-accepted", "/vuln/none"),
        ("signature-not-verified", "/vuln/unverified"),
        ("path-variant-bypass", "/vuln/mw/reports"),
    ] {
        assert_evidence(&run, rule, path);
    }
    // Forgeries are confirmed by the identity differential.
    let none = run.finding("alg-none-accepted", "/vuln/none");
    assert!(
        none["message"]
            .as_str()
            .unwrap()
            .contains("identity differential confirmed"),
        "{none}"
    );
    let jku = run.finding("jku-header-injection", "/vuln/jku");
    assert!(
        jku["message"]
            .as_str()
            .unwrap()
            .contains("the target fetched it"),
        "{jku}"
    );
    // The variant that bypassed the middleware is the percent-encoded one.
    let pv = run.finding("path-variant-bypass", "/vuln/mw/reports");
    assert!(pv["url"].as_str().unwrap().contains('%'), "{pv}");
    // The learnt rejection status drives nothing by hard-coding: the report counts requests.
    let s = &run.report["summary"];
    assert!(
        s["requests"].as_u64().unwrap() > 0 && s["endpoints"].as_u64().unwrap() >= 30,
        "{s}"
    );
}

#[test]
fn jose_app_kid_unverified_and_claims_matrix() {
    let app = start_app("jose_app");
    let toks = tokens();
    let key = std::fs::read_to_string(apps_dir().join("keys/main.key")).unwrap();
    let run = probe(&[
        &app.url(),
        "--token",
        toks["kid"].as_str().unwrap(),
        "--signing-key",
        &key,
    ]);
    assert_eq!(run.code, 1, "{}", run.dump());
    run.expect_all(&[
        ("kid-injection", "/vuln/kid"),
        ("signature-not-verified", "/vuln/unverified"),
        ("expired-token-accepted", "/vuln/claims"),
        ("token-without-exp-accepted", "/vuln/claims"),
        ("wrong-audience-accepted", "/vuln/claims"),
        ("wrong-issuer-accepted", "/vuln/claims"),
        ("missing-sub-accepted", "/vuln/claims"),
        ("not-yet-valid-accepted", "/vuln/claims"),
        ("auth-error-leak", "/vuln/leak"),
        ("server-error-on-token", "/vuln/crash"),
        // The signature is not verified: the claims matrix runs without a key.
        ("expired-token-accepted", "/vuln/unverified"),
        ("wrong-audience-accepted", "/vuln/unverified"),
    ]);
    // The key given with --signing-key is the user's own: tokens it signs are meant to be
    // accepted, so it never yields forged-token-accepted, and the fixed twins are clean.
    assert_fixed_clean(&run, &[]);
    assert_curls_reproduce(&run);
    assert!(
        !run.hits().iter().any(|(r, _)| r == "forged-token-accepted"),
        "{}",
        run.dump()
    );
    // Without any key, the claims matrix still runs where the signature is not verified.
    let nokey = probe(&[
        &app.url(),
        "--token",
        toks["kid"].as_str().unwrap(),
        "--include",
        "/*/unverified",
    ]);
    nokey.expect_all(&[
        ("signature-not-verified", "/vuln/unverified"),
        ("expired-token-accepted", "/vuln/unverified"),
        ("wrong-issuer-accepted", "/vuln/unverified"),
    ]);
    nokey.expect_message(
        "expired-token-accepted",
        "/vuln/unverified",
        "the signature is not verified",
    );
    assert_fixed_clean(&nokey, &[]);
    assert_curls_reproduce(&nokey);
    let kid = run.finding("kid-injection", "/vuln/kid");
    assert!(
        kid["message"].as_str().unwrap().contains("dev/null"),
        "{kid}"
    );
}

#[test]
fn authlib_app_alg_none_claims_and_www_authenticate() {
    let app = start_app("authlib_app");
    let toks = tokens();
    let run = probe(&[
        &app.url(),
        "--token",
        toks["hs"].as_str().unwrap(),
        "--signing-key",
        "jwtward-fixture-strong-7c1e5a9d3b8f40e2a6d4c0b9e1f3a5c7",
    ]);
    assert_eq!(run.code, 1, "{}", run.dump());
    run.expect_all(&[
        ("alg-none-accepted", "/vuln/none"),
        ("expired-token-accepted", "/vuln/claims"),
        ("token-without-exp-accepted", "/vuln/claims"),
        ("wrong-audience-accepted", "/vuln/claims"),
        ("wrong-issuer-accepted", "/vuln/claims"),
        ("missing-sub-accepted", "/vuln/claims"),
        ("not-yet-valid-accepted", "/vuln/claims"),
        ("missing-www-authenticate", "/vuln/www"),
    ]);
    assert_fixed_clean(&run, &[]);
    assert_curls_reproduce(&run);
}

#[test]
fn rs256_app_algorithm_confusion_from_discovered_jwks_and_jwk_injection() {
    let app = start_app("rs_app");
    let toks = tokens();
    let run = probe(&[&app.url(), "--token", toks["rs"].as_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.dump());
    run.expect_all(&[
        ("algorithm-confusion", "/vuln/confusion"),
        ("jwk-header-injection", "/vuln/jwk"),
    ]);
    assert_fixed_clean(&run, &[]);
    assert_curls_reproduce(&run);
    run.expect_message(
        "algorithm-confusion",
        "/vuln/confusion",
        "/.well-known/jwks.json",
    );

    // The same with the key given as a PEM file (no JWKS discovery needed).
    let pem = apps_dir().join("keys/server_rsa.pub.pem");
    let run = probe(&[
        &app.url(),
        "--token",
        toks["rs"].as_str().unwrap(),
        "--public-key",
        pem.to_str().unwrap(),
        "--include",
        "/*/confusion",
    ]);
    run.expect_all(&[("algorithm-confusion", "/vuln/confusion")]);
    assert_fixed_clean(&run, &[]);
    run.expect_message(
        "algorithm-confusion",
        "/vuln/confusion",
        "server_rsa.pub.pem",
    );
}

#[test]
fn weak_secret_is_recovered_and_forged_tokens_are_accepted() {
    let app = start_app("weak_app");
    let toks = tokens();
    let run = probe(&[&app.url(), "--token", toks["weak"].as_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.dump());
    let weak: Vec<_> = run
        .hits()
        .into_iter()
        .filter(|(r, _)| r == "weak-secret")
        .collect();
    assert_eq!(weak.len(), 1, "{}", run.dump());
    run.expect_all(&[("forged-token-accepted", "/users/me")]);
    run.expect_message(
        "forged-token-accepted",
        "/users/me",
        "identity differential confirmed",
    );
    assert_curls_reproduce(&run);
}
