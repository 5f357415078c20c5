//! `jwtward probe` against hostile servers: one that never answers, one that streams an
//! endless body, a redirect loop, malformed HTTP, and a 200 error envelope for everything.
//! Each run must finish, report no bypass, and stay small in memory.

mod probe_support;
use probe_support::*;
use std::time::Duration;

/// `expected`: 0 (answers, nothing proven) or 3 (no HTTP answer: nothing tested).
fn probe_hostile_exit(mode: &str, discover: bool, expected: i32) -> ProbeRun {
    let server = start_hostile(mode);
    let toks = tokens();
    let spec = apps_dir().join("hostile_spec.json");
    let spec = spec.to_str().unwrap();
    let url = server.url();
    let mut args = vec![url.as_str(), "--token", toks["hs"].as_str().unwrap()];
    args.extend(["--timeout", "1", "--max-body", "65536"]);
    if !discover {
        args.extend(["--spec", spec]);
    }
    let run = probe(&args);
    assert!(
        run.code == expected,
        "{mode}: exit {} (expected {expected})\n{}",
        run.code,
        run.dump()
    );
    assert!(
        run.report["findings"].as_array().unwrap().is_empty(),
        "{mode}: {}",
        run.dump()
    );
    assert!(
        run.elapsed < Duration::from_secs(30),
        "{mode}: took {:?}",
        run.elapsed
    );
    // jwtward's own footprint; an unbounded read of the endless body would blow far past it.
    assert!(
        run.peak_rss_kib < 150 * 1024,
        "{mode}: peak RSS {} KiB",
        run.peak_rss_kib
    );
    run
}

fn probe_hostile(mode: &str, discover: bool) -> ProbeRun {
    probe_hostile_exit(mode, discover, 0)
}

#[test]
fn a_server_that_never_answers() {
    // Fail closed: exit 3 and a `no-test` error, not "no findings".
    let run = probe_hostile_exit("silent", false, 3);
    assert!(
        run.report["errors"].to_string().contains("no-test"),
        "{}",
        run.dump()
    );
}

#[test]
fn a_server_that_streams_an_endless_body() {
    probe_hostile("endless", false);
}

#[test]
fn a_redirect_loop_is_never_followed() {
    let run = probe_hostile("redirect", false);
    // Baselines only: redirects are compared, never followed.
    assert!(
        run.report["summary"]["requests"].as_u64().unwrap() < 40,
        "{}",
        run.dump()
    );
}

#[test]
fn malformed_http() {
    // Bytes that are not HTTP are no answer: nothing was tested.
    let run = probe_hostile_exit("malformed", false, 3);
    assert!(
        run.report["errors"].to_string().contains("no-test"),
        "{}",
        run.dump()
    );
}

#[test]
fn a_200_error_envelope_for_everything_is_not_a_bypass() {
    // The spec is discovered at /openapi.json; it declares security on both endpoints,
    // which answer 200 {"retcode": 1, "message": "invalid token"} to every request.
    probe_hostile("envelope", true);
}
