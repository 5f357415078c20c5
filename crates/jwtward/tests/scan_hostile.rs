//! `jwtward scan` on hostile trees: files nested too deep for any walker, nested and
//! repeated decode calls, thousands of findings in one file, non-UTF-8 file names and
//! unreadable directories. Each test failed before its fix (abort, minutes of work, gigabytes
//! of output, suppressions ignored, directories skipped silently).

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

fn jwtward() -> Command {
    Command::cargo_bin("jwtward").unwrap()
}

fn scan_json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let out = jwtward()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json", "--isolated"])
        .args(extra)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

fn errors_of<'a>(report: &'a Value, kind: &str) -> Vec<&'a str> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["file"].as_str().unwrap_or(""))
        .collect()
}

fn findings_in<'a>(report: &'a Value, file_suffix: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"].as_str().is_some_and(|p| p.ends_with(file_suffix)))
        .collect()
}

const VULNERABLE: &str =
    "import jwt\n\ndef user(t):\n    return jwt.decode(t, options={'verify_signature': False})\n";

/// A 150,000-term sum printed its report, then aborted dropping the AST on the 8 MB main
/// thread; 200k-deep `[`, 500k-deep unary minus and a 5M-term sum overflowed even the
/// 256 MB analysis thread. Now each is a `too-deep` entry and the other files are analysed.
#[test]
fn too_deep_files_are_error_entries_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let w = |name: &str, text: String| std::fs::write(p.join(name), text).unwrap();
    w(
        "sum150k.py",
        format!("import jwt\nx = 1{}\n", "+1".repeat(150_000)),
    );
    w(
        "list200k.py",
        format!(
            "import jwt\nx = {}{}\n",
            "[".repeat(200_000),
            "]".repeat(200_000)
        ),
    );
    w(
        "unary500k.py",
        format!("import jwt\nx = {}1\n", "-".repeat(500_000)),
    );
    w(
        "sum5m.py",
        format!("import jwt\nx = 1{}\n", "+1".repeat(5_000_000)),
    );
    w("app.py", VULNERABLE.to_string());
    let (code, report) = scan_json(p, &[]);
    assert_eq!(code, 1, "findings exit 1: {report}");
    let mut deep = errors_of(&report, "too-deep");
    deep.sort();
    assert_eq!(deep.len(), 4, "{deep:?}");
    for (got, want) in deep
        .iter()
        .zip(["list200k.py", "sum150k.py", "sum5m.py", "unary500k.py"])
    {
        assert!(got.ends_with(want), "{got} / {want}");
    }
    assert!(
        findings_in(&report, "app.py")
            .iter()
            .any(|f| f["rule"] == "signature-not-verified"),
        "{report}"
    );
    // Text output goes to the end too (the abort came after the report was printed).
    let out = jwtward()
        .arg("scan")
        .arg(p)
        .arg("--isolated")
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("too-deep"));
}

/// Nested `jwt.decode(` calls: 2,000 deep took 4 s in a release build, growing with the
/// square of the depth; one line with 5,000 calls took 50 s to print as text.
#[test]
fn nested_and_repeated_decode_calls_stay_linear() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let n = 1_000;
    let nested_token = format!(
        "import jwt\nx = {}t{}\n",
        "jwt.decode(".repeat(n),
        ", 'k', algorithms=['HS256'])".repeat(n)
    );
    let nested_key = format!(
        "import jwt\nx = {}'k'{}\n",
        "jwt.decode(t, ".repeat(n),
        ", algorithms=['HS256'])".repeat(n)
    );
    std::fs::write(p.join("nested_token.py"), nested_token).unwrap();
    std::fs::write(p.join("nested_key.py"), nested_key).unwrap();
    std::fs::write(
        p.join("one_line.py"),
        format!(
            "import jwt\n{}\n",
            "jwt.decode(t, options={'verify_signature': False});".repeat(5_000)
        ),
    )
    .unwrap();
    for format in ["json", "text", "sarif"] {
        let t = Instant::now();
        let out = jwtward()
            .arg("scan")
            .arg(p)
            .args(["--isolated", "--format", format])
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap();
        let took = t.elapsed();
        assert!(out.status.code().is_some(), "{format}: killed");
        // A debug build; the quadratic version needed minutes here.
        assert!(took < Duration::from_secs(60), "{format}: {took:?}");
        assert!(
            out.stdout.len() < 2 << 20,
            "{format}: {} bytes",
            out.stdout.len()
        );
    }
}

/// 875k decode calls in one file produced 2 GB of JSON: at most 100 findings per file and
/// rule, then one `findings-capped` entry counting the rest.
#[test]
fn findings_are_capped_per_file_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let mut src = String::from("import jwt\n\n");
    for _ in 0..3_000 {
        src.push_str("jwt.decode(t, options={'verify_signature': False})\n");
    }
    std::fs::write(p.join("many.py"), src).unwrap();
    let (_, report) = scan_json(p, &[]);
    let sig: Vec<_> = findings_in(&report, "many.py")
        .into_iter()
        .filter(|f| f["rule"] == "signature-not-verified")
        .collect();
    assert_eq!(sig.len(), 100);
    let capped: Vec<&Value> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "findings-capped")
        .collect();
    assert!(
        capped.iter().any(|e| e["message"]
            .as_str()
            .unwrap()
            .starts_with("2900 more `signature-not-verified` findings")),
        "{capped:?}"
    );
}

/// A suppression comment in a file whose name is not UTF-8 was ignored: the file was read
/// again through its lossy display name, which does not exist.
#[cfg(unix)]
#[test]
fn suppressions_work_in_files_with_non_utf8_names() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"auth_\xff\xfe.py");
    std::fs::write(
        dir.path().join(name),
        "import jwt\n\ndef user(t):\n    return jwt.decode(t, options={'verify_signature': False})  # jwtward: ignore[signature-not-verified]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("plain.py"), VULNERABLE).unwrap();
    let (_, report) = scan_json(dir.path(), &[]);
    let sig = |suffix: &str| {
        findings_in(&report, suffix)
            .iter()
            .filter(|f| f["rule"] == "signature-not-verified")
            .count()
    };
    assert_eq!(sig("plain.py"), 1, "{report}");
    assert_eq!(sig("\u{fffd}\u{fffd}.py"), 0, "{report}");
}

/// A directory the scan cannot list was skipped without a word; now it is an `io-error`
/// entry like an unreadable file. (As root, the scan runs as `nobody` so that permissions
/// apply.)
#[cfg(unix)]
#[test]
fn unreadable_directories_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(p.join("app.py"), VULNERABLE).unwrap();
    std::fs::set_permissions(p.join("app.py"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let locked = p.join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("hidden.py"), VULNERABLE).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let bin = assert_cmd::cargo::cargo_bin("jwtward");
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd
        .arg("scan")
        .arg(p)
        .args(["--format", "json", "--isolated"])
        .current_dir("/")
        .output()
        .unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let io: Vec<&Value> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "io-error")
        .collect();
    assert_eq!(io.len(), 1, "{report}");
    assert!(
        io[0]["file"].as_str().unwrap().ends_with("locked"),
        "{report}"
    );
    assert!(
        io[0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot read directory"),
        "{report}"
    );
    assert!(
        findings_in(&report, "app.py")
            .iter()
            .any(|f| f["rule"] == "signature-not-verified"),
        "{report}"
    );
}
