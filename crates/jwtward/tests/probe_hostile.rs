//! `jwtward probe` against hostile servers: one that never answers, one that streams an
//! endless body, a redirect loop, malformed HTTP, and a 200 error envelope for everything.
//! Each run must finish, report no bypass, and stay small in memory.

mod probe_support;
use probe_support::*;
use std::time::Duration;

fn probe_hostile(mode: &str, discover: bool) -> ProbeRun {
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
        run.code == 0,
        "{mode}: exit {} (expected 0: nothing proven)\n{}",
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

#[test]
fn a_server_that_never_answers() {
    let run = probe_hostile("silent", false);
    assert_eq!(run.report["summary"]["endpoints"], 2);
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
    probe_hostile("malformed", false);
}

#[test]
fn a_200_error_envelope_for_everything_is_not_a_bypass() {
    // The spec is discovered at /openapi.json; it declares security on both endpoints,
    // which answer 200 {"retcode": 1, "message": "invalid token"} to every request.
    probe_hostile("envelope", true);
}
