//! `jwtward crack` end to end: tokens made by PyJWT, keys found from the built-in list, a
//! wordlist (plain and gzip), a mask and a rule; exhausted searches, resume, and bad input.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::io::Write;
use std::process::Stdio;

mod pyjwt_support;
use pyjwt_support::pyjwt_tokens;

fn jwtward() -> Command {
    Command::cargo_bin("jwtward").unwrap()
}

fn crack_json(args: &[&str]) -> (i32, Value) {
    let out = jwtward()
        .arg("crack")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "exit {code}, not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

#[test]
fn finds_keys_from_every_source() {
    let claims = json!({"sub": "42", "name": "Alice", "admin": false, "iat": 1_700_000_000});
    let specs = json!([
        {"alg": "HS256", "key": "your-256-bit-secret", "claims": claims},
        {"alg": "HS384", "key": "correct horse battery", "claims": claims},
        {"alg": "HS512", "key": "gzipped-key-77", "claims": claims},
        {"alg": "HS256", "key": "xk42", "claims": claims},
        {"alg": "HS256", "key": "Dolphin2019", "claims": claims},
        {"alg": "HS512", "key": "P4SSW0RD!", "claims": claims},
        {"alg": "HS256", "key": "not-in-any-list-3b1f", "claims": claims},
        {"alg": "HS256", "key": "word4321", "claims": claims},
    ]);
    let t = pyjwt_tokens(&specs);
    let dir = tempfile::tempdir().unwrap();
    let words: String = (0..5000)
        .map(|i| format!("word{i}\n"))
        .chain([
            "correct horse battery\n".to_string(),
            "dolphin\r\n".into(),
            "password\n".into(),
        ])
        .collect();
    let wl = dir.path().join("words.txt");
    std::fs::write(&wl, &words).unwrap();
    let gz = dir.path().join("words.txt.gz");
    {
        let f = std::fs::File::create(&gz).unwrap();
        let mut e = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        e.write_all(words.as_bytes()).unwrap();
        e.write_all(b"gzipped-key-77\nafter\n").unwrap();
        e.finish().unwrap();
    }
    let wl = wl.to_str().unwrap();
    let gz = gz.to_str().unwrap();

    // built-in list
    let (code, v) = crack_json(&[&t[0]]);
    assert_eq!(
        (code, v["key"].as_str()),
        (0, Some("your-256-bit-secret")),
        "{v}"
    );
    assert_eq!(v["status"], "found");
    // plain wordlist (HS384)
    let (code, v) = crack_json(&[&t[1], "--wordlist", wl]);
    assert_eq!(
        (code, v["key"].as_str()),
        (0, Some("correct horse battery")),
        "{v}"
    );
    // plain wordlist, a short key deep in it: the position counts every line before it, across
    // batches and the pieces of both threads
    let (code, v) = crack_json(&[&t[7], "-w", wl, "--no-builtin", "--threads", "2"]);
    assert_eq!((code, v["key"].as_str()), (0, Some("word4321")), "{v}");
    assert_eq!(v["position"], json!(4321));
    // gzip wordlist (HS512), streamed
    let (code, v) = crack_json(&[&t[2], "-w", gz, "--no-builtin"]);
    assert_eq!(
        (code, v["key"].as_str()),
        (0, Some("gzipped-key-77")),
        "{v}"
    );
    assert_eq!(v["position"], json!(5003));
    // mask
    let (code, v) = crack_json(&[&t[3], "--no-builtin", "--mask", "?l?l?d?d"]);
    assert_eq!((code, v["key"].as_str()), (0, Some("xk42")), "{v}");
    // mask with a custom charset and increment
    let (code, v) = crack_json(&[&t[3], "--no-builtin", "-m", "?1?1?d?d?d", "-1", "kx", "-i"]);
    assert_eq!((code, v["key"].as_str()), (0, Some("xk42")), "{v}");
    // rules: "dolphin" (with a CRLF line end) -> capitalize + year
    let small = dir.path().join("small.txt");
    std::fs::write(&small, "alpha\ndolphin\r\nomega\n").unwrap();
    let small = small.to_str().unwrap();
    let (code, v) = crack_json(&[&t[4], "-w", small, "--rules", "--no-builtin"]);
    assert_eq!((code, v["key"].as_str()), (0, Some("Dolphin2019")), "{v}");
    // without rules the same list does not have it
    let (code, _) = crack_json(&[&t[4], "-w", small, "--no-builtin"]);
    assert_eq!(code, 1);
    // rules: upper + "!" on "p4ssw0rd" is not a rule of ours (leet applies to the word only)
    std::fs::write(dir.path().join("p.txt"), "p4ssw0rd\n").unwrap();
    let p = dir.path().join("p.txt");
    let (code, v) = crack_json(&[&t[5], "-w", p.to_str().unwrap(), "--rules", "--no-builtin"]);
    assert_eq!((code, v["key"].as_str()), (0, Some("P4SSW0RD!")), "{v}");
    // text output prints the key
    jwtward()
        .args(["crack", &t[0]])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "key found: \"your-256-bit-secret\"",
        ));
    // exhausted: exit 1
    let (code, v) = crack_json(&[&t[6], "-w", wl, "--mask", "?d?d?d"]);
    assert_eq!(code, 1);
    assert_eq!(v["status"], "exhausted");
    let listed = jwtward_crack::builtin_count() + 5003 + 1000;
    assert_eq!(v["tried"], json!(listed));
    jwtward()
        .args(["crack", &t[6], "--no-builtin", "-m", "?d"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "not found: exhausted 10 candidates",
        ));
}

#[test]
fn every_engine_finds_the_key_and_limit_resumes() {
    let t = pyjwt_tokens(&json!([
        {"alg": "HS256", "key": "zz9", "claims": {"sub": "x"}},
        {"alg": "HS384", "key": "zz9", "claims": {"sub": "x"}},
        {"alg": "HS512", "key": "zz9", "claims": {"sub": "x"}},
    ]));
    for token in &t {
        for engine in [
            "auto",
            "avx512",
            "sha-ni",
            "compress",
            "avx2",
            "portable",
            "reference",
        ] {
            if !engine
                .parse::<jwtward_crack::EngineKind>()
                .unwrap()
                .available()
            {
                continue;
            }
            let (code, v) = crack_json(&[
                token,
                "--no-builtin",
                "-m",
                "?l?l?d",
                "--engine",
                engine,
                "--threads",
                "2",
            ]);
            assert_eq!((code, v["key"].as_str()), (0, Some("zz9")), "{engine}: {v}");
        }
    }
    // A bounded run stops with a resume position; resuming from it finds the key.
    let (code, v) = crack_json(&[&t[0], "--no-builtin", "-m", "?l?l?d", "--limit", "1000"]);
    assert_eq!((code, v["status"].as_str()), (1, Some("limit")), "{v}");
    let at = v["tried"].as_u64().unwrap();
    assert_eq!(at, 1000);
    let (code, v) = crack_json(&[
        &t[0],
        "--no-builtin",
        "-m",
        "?l?l?d",
        "--skip",
        &at.to_string(),
    ]);
    assert_eq!((code, v["key"].as_str()), (0, Some("zz9")), "{v}");
    assert_eq!(v["position"], json!(26 * 26 * 10 - 1));
    // Skipping past the key does not find it.
    let (code, _) = crack_json(&[&t[0], "--no-builtin", "-m", "?l?l?d", "--skip", "6760"]);
    assert_eq!(code, 1);
}

#[test]
fn verify_checks_a_key() {
    let t = pyjwt_tokens(&json!([{"alg": "HS256", "key": "hex:00ff10", "claims": {}}]));
    jwtward()
        .args(["crack", "--verify", &t[0], "hex:00ff10"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("valid"));
    jwtward()
        .args(["crack", "--verify", &t[0], "wrong"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("invalid"));
    jwtward()
        .args(["crack", "--verify", &t[0]])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--verify needs the key"));
}

#[test]
fn bad_tokens_and_options_get_clear_errors() {
    let t = pyjwt_tokens(&json!([
        {"alg": "HS256", "key": "k", "claims": {"sub": "a"}},
        {"alg": "RS256", "key": "rsa", "claims": {"sub": "a"}},
    ]));
    let truncated = &t[0][..t[0].len() - 5];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![truncated],
            "signature is 28 bytes but HS256 signatures are 32 bytes",
        ),
        (
            vec!["hello"],
            "not a JWT: expected 3 dot-separated segments",
        ),
        (vec!["a.b.c.d.e"], "JWE"),
        (
            vec!["!!.e30.e30"],
            "header segment (segment 1) is not base64url",
        ),
        (vec![&t[1]], "signed with RS256, not HMAC"),
        (
            vec![&t[0], "-m", "?l?q"],
            "unknown placeholder `?q` at position 3",
        ),
        (
            vec![&t[0], "-w", "/nonexistent/words.txt"],
            "wordlist /nonexistent/words.txt",
        ),
        (vec![&t[0], "--engine", "gpu"], "unknown engine `gpu`"),
        (vec![&t[0], "extra"], "a key is only taken with --verify"),
    ];
    for (args, want) in cases {
        let out = jwtward().arg("crack").args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: `{stderr}` lacks `{want}`");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // The token on stdin works too.
    jwtward()
        .arg("crack")
        .write_stdin(format!("{}\n", t[0]))
        .assert()
        .code(0)
        .stdout(predicates::str::contains("key found: \"k\""));
}

/// Ctrl-C (SIGINT) stops the search promptly and prints the position to resume from.
#[cfg(unix)]
#[test]
fn ctrl_c_prints_the_resume_position() {
    let t = pyjwt_tokens(&json!([{"alg": "HS256", "key": "not-found-anywhere", "claims": {}}]));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_jwtward"))
        .args(["crack", &t[0], "--no-builtin", "-m", "?a?a?a?a?a?a"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let started = std::time::Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // A watchdog so a search that ignores Ctrl-C fails the test instead of hanging it.
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(60));
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    });
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?} to stop",
        started.elapsed()
    );
    assert!(
        stdout.contains("not found: interrupted after candidate"),
        "{stdout}"
    );
    let n: u64 = stdout
        .rsplit("--skip ")
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(n < 95u64.pow(6));
}
