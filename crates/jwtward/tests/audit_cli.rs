//! `jwtward audit` end to end: fixture apps of tests/audit_apps (vulnerable and fixed twins)
//! started by audit itself under uvicorn on loopback, with the test venv's Python; and the
//! bad-input cases, each an exit-2 error that leaves no process behind (checked in /proc).

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    jwtward_testkit::workspace_root().join("tests/audit_apps")
}

/// A private copy of a fixture (its path marks the app's processes in the process table).
fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let t = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                if e.file_name() != "__pycache__" {
                    copy(&e.path(), &t);
                }
            } else {
                std::fs::copy(e.path(), &t).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join(name);
    copy(&fixtures().join(name), &dest);
    (dir, dest)
}

/// Processes whose command line mentions `marker`.
fn processes_mentioning(marker: &str) -> Vec<String> {
    let mut out = Vec::new();
    let me = std::process::id().to_string();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if !name.bytes().all(|b| b.is_ascii_digit()) || name == me {
            continue;
        }
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(marker) {
                out.push(format!("{name}: {cmd}"));
            }
        }
    }
    out
}

fn assert_no_leftover(marker: &str) {
    // The group is killed before audit exits; give the kernel a moment to reap.
    for _ in 0..20 {
        if processes_mentioning(marker).is_empty() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("processes left behind: {:?}", processes_mentioning(marker));
}

fn audit(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("jwtward").unwrap();
    cmd.arg("audit").arg(dir).args(extra);
    if !extra.contains(&"--run") && !extra.contains(&"--url") && !extra.contains(&"--python") {
        cmd.arg("--python").arg(jwtward_testkit::python());
    }
    cmd.env_remove("ORDERS_JWT_KEY")
        .env_remove("INVENTORY_SIGNING_KEY")
        .env_remove("TELEMETRY_SIGNING_KEY")
        .env_remove("LEDGER_JWT_SECRET")
        .timeout(std::time::Duration::from_secs(120));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    (
        code,
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn audit_json(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = audit(dir, &args, env);
    assert!(code == 0 || code == 1, "exit {code}\n{stderr}\n{stdout}");
    assert_no_leftover(&dir.to_string_lossy());
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}\n{stdout}\n{stderr}"))
}

fn status_of<'a>(doc: &'a Value, rule: &str, path: Option<&str>) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule && path.is_none_or(|p| f["path"] == p))
        .collect()
}

fn one_status(doc: &Value, rule: &str, path: Option<&str>) -> String {
    let fs = status_of(doc, rule, path);
    assert!(!fs.is_empty(), "no {rule} {path:?} finding:\n{doc:#}");
    fs[0]["status"].as_str().unwrap().to_string()
}

#[test]
fn weak_secret_hidden_route_and_fail_open_are_proven() {
    let (_t, dir) = copy_fixture("forged_vuln");
    let doc = audit_json(&dir, &[], &[]);
    // The weak key in the source, proven by a token signed with it.
    let ws = &status_of(&doc, "weak-secret", None)[0];
    assert_eq!(ws["status"], "confirmed", "{doc:#}");
    assert_eq!(ws["proof"]["rule"], "forged-token-accepted", "{ws:#}");
    assert!(ws["proof"]["curl"].as_str().unwrap().starts_with("curl "));
    assert!(
        doc["credentials"]
            .as_str()
            .unwrap()
            .contains("service.py:6")
    );
    // The minted token carries the claim the app's encode site writes.
    assert_eq!(doc["minted_claims"]["kind"], "access", "{doc:#}");
    // The route hidden from the schema, found in the source and proven.
    assert!(
        doc["routes_added_from_source"]
            .as_array()
            .unwrap()
            .contains(&Value::from("GET /stock/internal")),
        "{doc:#}"
    );
    let hidden = &status_of(&doc, "unprotected-route", Some("/stock/internal"))[0];
    assert_eq!(hidden["status"], "confirmed", "{doc:#}");
    assert_eq!(hidden["proof"]["rule"], "missing-auth");
    assert_eq!(hidden["proof"]["status"], 200);
    // The fail-open dependency, proven as optional authentication.
    let fo = &status_of(&doc, "fail-open-auth-dependency", Some("/feed"))[0];
    assert_eq!(fo["status"], "confirmed", "{doc:#}");
    assert_eq!(fo["proof"]["rule"], "optional-auth");
    // Every finding has a verdict; the summary counts them.
    let s = &doc["summary"];
    let n = doc["findings"].as_array().unwrap().len() as u64;
    assert_eq!(
        s["confirmed"].as_u64().unwrap()
            + s["not_reproduced"].as_u64().unwrap()
            + s["not_tested"].as_u64().unwrap(),
        n
    );
    for f in doc["findings"].as_array().unwrap() {
        match f["status"].as_str().unwrap() {
            "confirmed" => assert!(f["proof"].is_object(), "{f:#}"),
            "not-reproduced" | "not-tested" => {
                assert!(!f["reason"].as_str().unwrap().is_empty(), "{f:#}")
            }
            other => panic!("status {other}"),
        }
    }
    // Run-time findings point at the handler in the source.
    let forged = doc["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "forged-token-accepted" && d["path"] == "/stock")
        .expect("forged-token-accepted on /stock");
    assert!(
        forged["trace"][0]["note"]
            .as_str()
            .unwrap()
            .contains("handler `"),
        "{forged:#}"
    );
}

#[test]
fn fixed_twin_has_nothing_confirmed() {
    let (_t, dir) = copy_fixture("forged_fixed");
    let key = "k3Jq9xV2mPz7Lw4Rt8Ys1Nb6Hc5Fd0Ga2Ue7Io3Kp9Mx4";
    let doc = audit_json(&dir, &[], &[("INVENTORY_SIGNING_KEY", key)]);
    assert_eq!(doc["summary"]["confirmed"], 0, "{doc:#}");
    for d in doc["dynamic"].as_array().unwrap() {
        assert!(
            !matches!(
                d["rule"].as_str().unwrap(),
                "forged-token-accepted" | "missing-auth" | "optional-auth" | "weak-secret"
            ),
            "{d:#}"
        );
    }
    assert!(
        doc["credentials"]
            .as_str()
            .unwrap()
            .contains("only the anonymous and garbage-token checks ran"),
        "{doc:#}"
    );
    // The hidden route is probed from the source, and refuses.
    assert!(
        doc["routes_added_from_source"]
            .as_array()
            .unwrap()
            .contains(&Value::from("GET /stock/internal"))
    );
}

#[test]
fn env_fallback_key_is_proven_when_in_force() {
    let (_t, dir) = copy_fixture("envkey_vuln");
    let doc = audit_json(&dir, &[], &[]);
    let ws = &status_of(&doc, "weak-secret", None)[0];
    assert_eq!(ws["status"], "confirmed", "{doc:#}");
    // The key is not in any crack list, so the probe does not recover it: the proof is the
    // audit's own token, signed with the fallback key, passing the app's signature check (a
    // key handed to the probe never counts as a forgery of its own).
    assert_eq!(ws["proof"]["rule"], "minted-token", "{ws:#}");
    assert!(ws["proof"]["curl"].as_str().unwrap().starts_with("curl "));
    assert!(
        doc["credentials"]
            .as_str()
            .unwrap()
            .contains("fallback of `ORDERS_JWT_KEY`")
    );
    // The app insists on `scope: orders`: the claim came from its encode site.
    assert_eq!(doc["minted_claims"]["scope"], "orders");
}

#[test]
fn env_fallback_not_in_force_is_not_tested() {
    let (_t, dir) = copy_fixture("envkey_vuln");
    let doc = audit_json(
        &dir,
        &[],
        &[("ORDERS_JWT_KEY", "Zq8Lm2Xv7Rt4Yp1Ns6Wk3Hb9Jd5Fc0Ga2Ue7Io3K")],
    );
    assert_eq!(
        one_status(&doc, "weak-secret", None),
        "not-tested",
        "{doc:#}"
    );
    assert!(
        doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("is not in force")),
        "{doc:#}"
    );
    assert_eq!(doc["summary"]["confirmed"], 0, "{doc:#}");
}

#[test]
fn static_false_positive_comes_out_not_reproduced() {
    let (_t, dir) = copy_fixture("trap");
    let doc = audit_json(&dir, &["--app", "app:app"], &[]);
    let f = &status_of(&doc, "unprotected-route", Some("/reports/summary"))[0];
    assert_eq!(f["status"], "not-reproduced", "{doc:#}");
    let reason = f["reason"].as_str().unwrap();
    assert!(reason.contains("answered 401"), "{reason}");
    // --confirmed-only: nothing proven, nothing reported, exit 0.
    let (code, stdout, stderr) = audit(
        &dir,
        &["--app", "app:app", "--confirmed-only", "--format", "json"],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert!(doc["findings"].as_array().unwrap().is_empty());
    assert_no_leftover(&dir.to_string_lossy());
}

#[test]
fn text_report_groups_confirmed_first() {
    let (_t, dir) = copy_fixture("forged_vuln");
    let (code, stdout, stderr) = audit(&dir, &[], &[]);
    assert_eq!(code, 1, "{stderr}");
    let c = stdout.find("CONFIRMED (").expect(&stdout);
    let n = stdout.find("NOT-REPRODUCED (").unwrap_or(usize::MAX);
    let t = stdout.find("NOT-TESTED (").unwrap_or(usize::MAX);
    assert!(c < n && c < t, "{stdout}");
    assert!(stdout.contains("curl "));
    assert_no_leftover(&dir.to_string_lossy());
}

#[test]
fn factory_app_needs_run_and_works_with_it() {
    let (_t, dir) = copy_fixture("factory");
    let (code, _, stderr) = audit(&dir, &[], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no FastAPI or Starlette app found"),
        "{stderr}"
    );
    let run = format!(
        "{} -m uvicorn factory_app:create_app --factory --host 127.0.0.1 --port {{port}}",
        jwtward_testkit::python().display()
    );
    let doc = audit_json(&dir, &["--run", &run], &[]);
    assert!(doc["launched"].as_str().unwrap().contains("--factory"));
    assert!(doc["summary"]["requests"].as_u64().unwrap() > 0, "{doc:#}");
}

#[test]
fn crash_at_startup_is_a_clear_error_with_the_traceback_tail() {
    let (_t, dir) = copy_fixture("crash");
    let (code, _, stderr) = audit(&dir, &[], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("exited"), "{stderr}");
    assert!(
        stderr.contains("RuntimeError: DATABASE_URL is not configured"),
        "{stderr}"
    );
    assert_no_leftover(&dir.to_string_lossy());
}

#[test]
fn several_apps_need_app() {
    let (_t, dir) = copy_fixture("two_apps");
    let (code, _, stderr) = audit(&dir, &[], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--app svc.admin:admin"), "{stderr}");
    assert!(stderr.contains("--app svc.public:app"), "{stderr}");
    let doc = audit_json(&dir, &["--app", "svc.public:app"], &[]);
    assert!(doc["launched"].as_str().unwrap().contains("svc.public:app"));
}

#[test]
fn no_app_is_an_error() {
    let (_t, dir) = copy_fixture("no_app");
    let (code, _, stderr) = audit(&dir, &[], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no FastAPI or Starlette app found"),
        "{stderr}"
    );
}

#[test]
fn a_port_that_never_opens_times_out_and_the_group_is_killed() {
    let (_t, dir) = copy_fixture("factory");
    let marker = dir.to_string_lossy().to_string();
    // A shell that starts a child: the whole group must go.
    let run = format!("sleep 377 & sleep 378; echo '{marker}' {{port}}");
    let t0 = std::time::Instant::now();
    let (code, _, stderr) = audit(&dir, &["--run", &run, "--startup-timeout", "2"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("did not open"), "{stderr}");
    assert!(t0.elapsed().as_secs() < 30);
    assert_no_leftover(&marker);
    assert!(
        processes_mentioning("sleep 37").is_empty(),
        "{:?}",
        processes_mentioning("sleep 37")
    );
}

#[test]
fn a_run_command_that_exits_is_an_error() {
    let (_t, dir) = copy_fixture("factory");
    let (code, _, stderr) = audit(&dir, &["--run", "echo booting on {port}; exit 3"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("exit status: 3"), "{stderr}");
    assert!(stderr.contains("booting on"), "{stderr}");
    let (code, _, stderr) = audit(&dir, &["--run", "uvicorn main:app"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("{port}"), "{stderr}");
}

#[test]
fn a_remote_url_needs_consent() {
    let (_t, dir) = copy_fixture("factory");
    let (code, _, stderr) = audit(&dir, &["--url", "http://192.0.2.10:8000"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a loopback address"), "{stderr}");
}

#[test]
fn ctrl_c_stops_the_app() {
    let (_t, dir) = copy_fixture("factory");
    let marker = dir.to_string_lossy().to_string();
    // Accepts connections and never answers: audit is busy when it is interrupted.
    let run = format!(
        "{} -c 'import socket, sys, time; s = socket.socket(); s.bind((\"127.0.0.1\", int(sys.argv[1]))); s.listen(64); time.sleep(300)' {{port}} '{marker}'",
        jwtward_testkit::python().display()
    );
    let bin = assert_cmd::cargo::cargo_bin("jwtward");
    let mut child = std::process::Command::new(bin)
        .arg("audit")
        .arg(&dir)
        .args(["--run", &run, "--timeout", "60"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the app runs, then interrupt audit.
    let t0 = std::time::Instant::now();
    while processes_mentioning(&marker).len() < 2 && t0.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        !processes_mentioning(&marker).is_empty(),
        "the app never started"
    );
    sigint(child.id());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_no_leftover(&marker);
}

fn sigint(pid: u32) {
    let ok = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// The dynamic findings of `rule` on `path`.
fn dynamic_on<'a>(doc: &'a Value, rule: &str, path: &str) -> Vec<&'a Value> {
    doc["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == rule && d["path"] == path)
        .collect()
}

#[test]
fn source_names_identity_typed_parameters_and_websockets_are_probed() {
    let (_t, dir) = copy_fixture("source_vuln");
    let doc = audit_json(&dir, &[], &[]);
    // What the source says: the token header, the WebSocket's query name, the identity.
    assert_eq!(
        doc["source"]["token_headers"][0], "x-session-token",
        "{doc:#}"
    );
    assert_eq!(doc["source"]["token_query"][0], "token", "{doc:#}");
    assert_eq!(doc["source"]["identity_claim"], "uid", "{doc:#}");
    // The minted token is sent in the header the source reads, and accepted there.
    let ws = &status_of(&doc, "weak-secret", None)[0];
    assert_eq!(ws["status"], "confirmed", "{doc:#}");
    let curl = ws["proof"]["curl"].as_str().unwrap();
    assert!(curl.contains("-H 'x-session-token: ey"), "{curl}");
    assert!(
        ws["proof"]["message"]
            .as_str()
            .unwrap()
            .contains("minted token 200"),
        "{ws:#}"
    );
    // The hidden route takes a UUID and a Literal query parameter: typed placeholders reach
    // the handler (200), so the missing authentication is proven.
    let hidden = &status_of(&doc, "unprotected-route", Some("/exports/{export_id}/rows"))[0];
    assert_eq!(hidden["status"], "confirmed", "{doc:#}");
    assert_eq!(hidden["proof"]["status"], 200, "{hidden:#}");
    let c = hidden["proof"]["curl"].as_str().unwrap();
    assert!(
        c.contains("00000000-0000-4000-8000-000000000001") && c.contains("fmt=csv"),
        "{c}"
    );
    // The WebSocket feed: the handshake without a token opens the socket.
    for rule in ["fail-open-auth-dependency", "unprotected-route"] {
        let f = &status_of(&doc, rule, Some("/feed"))[0];
        assert_eq!(f["status"], "confirmed", "{rule}: {doc:#}");
        assert_eq!(f["proof"]["rule"], "websocket-missing-auth", "{f:#}");
        assert_eq!(f["proof"]["status"], 101, "{f:#}");
        assert!(
            f["proof"]["curl"]
                .as_str()
                .unwrap()
                .contains("Upgrade: websocket")
        );
    }
}

#[test]
fn source_fixed_twin_refuses_the_handshake_and_the_hidden_route() {
    let (_t, dir) = copy_fixture("source_fixed");
    let key = "Zr8Kq2Vx7Nm4Lp9Wt3Ys6Hb1Jc5Fd0Ga8Ue2Io7Kp4Mx9";
    let doc = audit_json(&dir, &[], &[("TELEMETRY_SIGNING_KEY", key)]);
    assert_eq!(doc["summary"]["confirmed"], 0, "{doc:#}");
    assert!(
        dynamic_on(&doc, "websocket-missing-auth", "/feed").is_empty(),
        "{doc:#}"
    );
    assert!(
        dynamic_on(&doc, "websocket-invalid-token-accepted", "/feed").is_empty(),
        "{doc:#}"
    );
    assert!(
        dynamic_on(&doc, "missing-auth", "/exports/{export_id}/rows").is_empty(),
        "{doc:#}"
    );
    // The handshake was made, and refused (403: the dependency raises before accept()).
    let (code, stdout, stderr) = audit(&dir, &[], &[("TELEMETRY_SIGNING_KEY", key)]);
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(stdout.contains("requests to"), "{stdout}");
    assert_no_leftover(&dir.to_string_lossy());
}

#[test]
fn a_dotenv_that_sets_the_variable_puts_the_fallback_out_of_force() {
    let (_t, dir) = copy_fixture("dotenv_set");
    let doc = audit_json(&dir, &[], &[]);
    let ws = &status_of(&doc, "weak-secret", None)[0];
    assert_eq!(ws["status"], "not-tested", "{doc:#}");
    let why = ws["reason"].as_str().unwrap();
    assert!(
        why.contains("not in force") && why.contains(".env:2"),
        "{why}"
    );
    // The tokens are signed with the value the app actually uses, and accepted.
    let cred = doc["credentials"].as_str().unwrap();
    assert!(
        cred.contains("the value of `LEDGER_JWT_SECRET` at .env:2"),
        "{cred}"
    );
    assert!(!cred.contains("refused"), "{cred}");
    assert!(
        doc["dynamic"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["rule"] != "forged-token-accepted")
    );
}

#[test]
fn a_dotenv_without_the_variable_leaves_the_fallback_in_force() {
    let (_t, dir) = copy_fixture("dotenv_unset");
    let doc = audit_json(&dir, &[], &[]);
    let ws = &status_of(&doc, "weak-secret", None)[0];
    assert_eq!(ws["status"], "confirmed", "{doc:#}");
    assert!(
        doc["credentials"]
            .as_str()
            .unwrap()
            .contains("the fallback of `LEDGER_JWT_SECRET`"),
        "{doc:#}"
    );
}

#[test]
fn an_app_assigned_from_a_factory_is_started() {
    let (_t, dir) = copy_fixture("factory_assigned");
    let doc = audit_json(&dir, &[], &[]);
    let launched = doc["launched"].as_str().unwrap();
    assert!(launched.contains("uvicorn main:app"), "{launched}");
    assert!(doc["summary"]["requests"].as_u64().unwrap() > 0, "{doc:#}");
}

#[test]
fn a_token_read_from_a_cookie_is_proven_with_the_cookie_alone() {
    let (_t, dir) = copy_fixture("cookie_vuln");
    let doc = audit_json(&dir, &[], &[]);
    let f = &status_of(&doc, "token-from-cookie", None)[0];
    assert_eq!(f["status"], "confirmed", "{doc:#}");
    assert_eq!(f["proof"]["rule"], "token-in-cookie-accepted", "{f:#}");
    assert_eq!(f["proof"]["status"], 200, "{f:#}");
    let curl = f["proof"]["curl"].as_str().unwrap();
    assert!(
        curl.contains("Cookie: session_token=ey") && curl.ends_with("/me/widget'"),
        "{curl}"
    );
    assert!(!curl.contains("Authorization"), "{curl}");
    assert_eq!(doc["source"]["token_cookies"][0], "session_token");
}

#[test]
fn cookie_fixed_twin_takes_no_token_from_a_cookie() {
    let (_t, dir) = copy_fixture("cookie_fixed");
    let doc = audit_json(&dir, &[], &[]);
    assert!(
        status_of(&doc, "token-from-cookie", None).is_empty(),
        "{doc:#}"
    );
    assert!(
        doc["dynamic"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["rule"] != "token-in-cookie-accepted"),
        "{doc:#}"
    );
    // The source reads no token from a cookie any more.
    assert!(
        doc["source"]["token_cookies"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_project_directory_that_is_a_package_is_run_from_itself() {
    let (_t, dir) = copy_fixture("pkg_root");
    let doc = audit_json(&dir, &[], &[]);
    let launched = doc["launched"].as_str().unwrap();
    assert!(launched.contains("uvicorn main:app"), "{launched}");
    assert!(doc["summary"]["requests"].as_u64().unwrap() > 0, "{doc:#}");
}

#[test]
fn a_websocket_that_opens_only_with_the_query_token_proves_token_from_query() {
    let (_t, dir) = copy_fixture("source_fixed");
    let key = "Zr8Kq2Vx7Nm4Lp9Wt3Ys6Hb1Jc5Fd0Ga8Ue2Io7Kp4Mx9";
    // A token of the app's own form, made by PyJWT with the key the app is given.
    let out = std::process::Command::new(jwtward_testkit::python())
        .args([
            "-c",
            &format!("import jwt; print(jwt.encode({{'uid': 'u-1'}}, '{key}', algorithm='HS256'))"),
        ])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("ey"), "{token}");
    let doc = audit_json(
        &dir,
        &["--token", &token],
        &[("TELEMETRY_SIGNING_KEY", key)],
    );
    let f = &status_of(&doc, "token-from-query", None)[0];
    assert_eq!(f["status"], "confirmed", "{doc:#}");
    assert_eq!(f["proof"]["rule"], "token-in-query-accepted", "{f:#}");
    assert_eq!(f["proof"]["status"], 101, "{f:#}");
    assert!(
        f["proof"]["curl"]
            .as_str()
            .unwrap()
            .contains("/feed?token=ey"),
        "{f:#}"
    );
    // The handshakes: refused without a token and with a garbage one, open with the token.
    let ws = &doc["websockets"][0]["handshakes"];
    let ws = ws.as_str().unwrap();
    assert!(
        ws.contains("no-credentials: 403") && ws.contains("valid: 101, socket open"),
        "{ws}"
    );
}

#[test]
fn a_relative_python_is_taken_from_where_audit_runs() {
    let (_t, dir) = copy_fixture("pkg_root");
    let py = jwtward_testkit::python();
    // `--python` relative to the current directory, while the app runs from the fixture.
    let rel = pathdiff(&py, &std::env::current_dir().unwrap());
    let (code, stdout, stderr) = audit(
        &dir,
        &["--python", rel.to_str().unwrap(), "--format", "json"],
        &[],
    );
    assert!(code == 0 || code == 1, "exit {code}\n{stderr}\n{stdout}");
    assert_no_leftover(&dir.to_string_lossy());
}

/// `target` relative to `base` (both absolute).
fn pathdiff(target: &Path, base: &Path) -> PathBuf {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

#[test]
fn an_app_that_wants_the_token_word_gets_it() {
    let (_t, dir) = copy_fixture("scheme_token");
    let doc = audit_json(&dir, &[], &[]);
    let cred = doc["credentials"].as_str().unwrap();
    assert!(
        cred.contains("the app wants `Authorization: Token <token>`"),
        "{cred}"
    );
    let k = &status_of(&doc, "hardcoded-secret", None)[0];
    assert_eq!(k["status"], "confirmed", "{doc:#}");
    let curl = k["proof"]["curl"].as_str().unwrap();
    assert!(curl.contains("-H 'Authorization: Token ey"), "{curl}");
    // The probe's token checks ran with the word too.
    assert!(
        doc["dynamic"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "token-without-exp-accepted"),
        "{doc:#}"
    );
}
