//! Shared by the probe integration tests: the venv python, fixture apps under uvicorn on
//! loopback (killed on drop), fixture tokens, and running `jwtward probe`.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .to_path_buf()
}

pub fn apps_dir() -> PathBuf {
    workspace_root().join("tests").join("probe_apps")
}

pub use jwtward_testkit::python;

/// A server process on loopback, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    pub log: Arc<Mutex<String>>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads the child's stderr until a line contains `marker`, returns the port after
/// `127.0.0.1:` on that line, and keeps draining stderr into `log` in a thread.
fn wait_for_port(child: &mut Child, marker: &str, what: &str) -> (u16, Arc<Mutex<String>>) {
    let stderr = child.stderr.take().expect("piped stderr");
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let log = log.clone();
        let marker = marker.to_string();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut line = String::new();
            let mut sent = false;
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let mut l = log.lock().unwrap();
                        if l.len() < 64 * 1024 {
                            l.push_str(&line);
                        }
                        drop(l);
                        if !sent && line.contains(&marker) {
                            let port = line.split("127.0.0.1:").nth(1).and_then(|r| {
                                r.chars()
                                    .take_while(|c| c.is_ascii_digit())
                                    .collect::<String>()
                                    .parse::<u16>()
                                    .ok()
                            });
                            let _ = tx.send(port);
                            sent = true;
                        }
                    }
                }
            }
        });
    }
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Some(port)) => (port, log),
        _ => {
            let _ = child.kill();
            panic!("{what} did not start; its output:\n{}", log.lock().unwrap());
        }
    }
}

/// Starts `module:app` from tests/probe_apps under the venv's uvicorn on 127.0.0.1, a free
/// port, and waits until `/openapi.json` answers.
pub fn start_app(module: &str) -> Server {
    let mut child = Command::new(python())
        .args([
            "-m",
            "uvicorn",
            &format!("{module}:app"),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ])
        .args(["--log-level", "info", "--no-access-log", "--app-dir"])
        .arg(apps_dir())
        .current_dir(apps_dir())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start uvicorn for {module}: {e}"));
    let (port, log) = wait_for_port(&mut child, "running on", module);
    let server = Server { child, port, log };
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_status(port, "/openapi.json") != Some(200) {
        assert!(
            Instant::now() < deadline,
            "{module}: /openapi.json never answered 200"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// Starts the hostile server of tests/probe_apps/hostile.py in `mode`.
pub fn start_hostile(mode: &str) -> Server {
    let mut child = Command::new(python())
        .arg(apps_dir().join("hostile.py"))
        .arg(mode)
        .current_dir(apps_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start hostile.py: {e}"));
    let (port, log) = wait_for_port(&mut child, "listening on", mode);
    Server { child, port, log }
}

/// The status of a plain GET, or None.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).ok()?;
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split_whitespace().nth(1)?.parse().ok()
}

/// The body of a plain GET.
pub fn http_body(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut all = String::new();
    let _ = s.read_to_string(&mut all);
    all.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

/// Fixture tokens minted by tests/probe_apps/mint.py with the apps' keys.
pub fn tokens() -> Value {
    let out = Command::new(python())
        .arg(apps_dir().join("mint.py"))
        .current_dir(apps_dir())
        .output()
        .expect("run mint.py");
    assert!(
        out.status.success(),
        "mint.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("mint.py prints JSON")
}

pub struct ProbeRun {
    pub code: i32,
    pub report: Value,
    pub stderr: String,
    pub elapsed: Duration,
    /// Peak resident memory of the jwtward process seen while it ran (KiB).
    pub peak_rss_kib: u64,
}

impl ProbeRun {
    /// `(rule, path)` of every finding.
    pub fn hits(&self) -> Vec<(String, String)> {
        self.report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or("").to_string(),
                    f["path"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    pub fn has(&self, rule: &str, path: &str) -> bool {
        self.hits().iter().any(|(r, p)| r == rule && p == path)
    }

    pub fn finding(&self, rule: &str, path: &str) -> &Value {
        self.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule && f["path"] == path)
            .unwrap_or_else(|| panic!("no {rule} finding on {path}:\n{}", self.dump()))
    }

    /// Asserts the `(rule, path)` finding's message contains `needle`.
    pub fn expect_message(&self, rule: &str, path: &str, needle: &str) {
        let f = self.finding(rule, path);
        assert!(
            f["message"].as_str().unwrap_or_default().contains(needle),
            "{rule} on {path}: message without `{needle}`: {f}"
        );
    }

    pub fn dump(&self) -> String {
        let mut s = String::new();
        for (r, p) in self.hits() {
            s.push_str(&format!("  {r} {p}\n"));
        }
        s.push_str(&format!(
            "errors: {}\nstderr: {}",
            self.report["errors"], self.stderr
        ));
        s
    }

    /// Asserts every `(rule, path)` is reported.
    pub fn expect_all(&self, expected: &[(&str, &str)]) {
        let missing: Vec<_> = expected.iter().filter(|(r, p)| !self.has(r, p)).collect();
        assert!(
            missing.is_empty(),
            "missing findings {missing:?}; got:\n{}",
            self.dump()
        );
    }
}

fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Runs `jwtward probe ARGS --format json` and parses the report.
pub fn probe(args: &[&str]) -> ProbeRun {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jwtward"))
        .arg("probe")
        .args(args)
        .args(["--format", "json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jwtward");
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let mut peak = 0;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if let Some(p) = peak_rss(pid) {
            peak = peak.max(p);
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "jwtward probe ran for over 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_thread.join().unwrap();
    let stderr = String::from_utf8_lossy(&err_thread.join().unwrap()).into_owned();
    let code = status.code().unwrap_or(-1);
    let report = if code == 0 || code == 1 || code == 3 {
        serde_json::from_slice(&stdout).unwrap_or_else(|e| {
            panic!(
                "jwtward printed no JSON report ({e}):\n{}\n{stderr}",
                String::from_utf8_lossy(&stdout)
            )
        })
    } else {
        Value::Null
    };
    ProbeRun {
        code,
        report,
        stderr,
        elapsed: start.elapsed(),
        peak_rss_kib: peak,
    }
}

/// Runs every finding's `curl` (and the `jwtward crack` repro of a recovered key) and
/// asserts it reproduces: the HTTP status of the evidence, or the key.
pub fn assert_curls_reproduce(run: &ProbeRun) {
    let findings = run.report["findings"].as_array().expect("findings");
    assert!(!findings.is_empty(), "no findings to reproduce");
    for f in findings {
        let cmd = f["curl"].as_str().expect("every finding has a repro");
        if cmd.contains("jwtward crack ") {
            // The repro of a recovered key: run it (with this build as `jwtward`) in a
            // scratch directory; it must print the key.
            let dir = tempfile::tempdir().unwrap();
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "jwtward() {{ '{}' \"$@\"; }}; {cmd}",
                    env!("CARGO_BIN_EXE_jwtward")
                ))
                .current_dir(dir.path())
                .output()
                .expect("run the crack repro");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let key = f["evidence"]["body_excerpt"]
                .as_str()
                .unwrap()
                .trim_start_matches("key: ")
                .trim_matches('`')
                .to_string();
            assert!(text.contains(&key), "`{cmd}` did not find `{key}`: {text}");
            continue;
        }
        assert!(cmd.starts_with("curl "), "{cmd}");
        // jku: the target fetches the JWKS jwtward served while it ran; gone afterwards.
        if f["rule"] == "jku-header-injection" {
            continue;
        }
        let out = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .output()
            .expect("run curl");
        let head = String::from_utf8_lossy(&out.stdout);
        let status: u64 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("`{cmd}` printed no status line: {head}"));
        assert_eq!(
            status,
            f["evidence"]["status"].as_u64().unwrap(),
            "`{cmd}` does not reproduce {}: {head}",
            f["rule"]
        );
    }
}

/// `GET path` parsed as JSON.
pub fn http_json(port: u16, path: &str) -> Value {
    serde_json::from_str(&http_body(port, path)).expect("JSON body")
}

/// The `(kind, message)` of every error entry.
pub fn error_entries(run: &ProbeRun) -> Vec<(String, String)> {
    run.report["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["kind"].as_str().unwrap_or("").to_string(),
                        e["message"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// No finding on a `/fixed/...` twin, but for the rules in `allowed` (true findings that the
/// twin is not about, such as a weak key shared by the whole app).
pub fn assert_fixed_clean(run: &ProbeRun, allowed: &[&str]) {
    let bad: Vec<_> = run
        .hits()
        .into_iter()
        .filter(|(r, p)| p.starts_with("/fixed/") && !allowed.contains(&r.as_str()))
        .collect();
    assert!(
        bad.is_empty(),
        "findings on fixed twins: {bad:?}\n{}",
        run.dump()
    );
}
