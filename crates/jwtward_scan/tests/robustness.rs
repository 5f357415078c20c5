//! No input panics the scanner: the CPython standard library, and broken, binary, non-UTF-8,
//! empty, huge and deeply nested files.

use jwtward_python::{DiscoveryOptions, Project};
use jwtward_scan::{Settings, check};
use std::path::PathBuf;
use std::process::Command;

/// The machine's `python3` (the same interpreter the benchmark corpus comes from).
fn stdlib_dir() -> PathBuf {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .expect("robustness test needs `python3` on PATH to locate the CPython standard library");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    assert!(
        dir.join("os.py").is_file(),
        "no stdlib at {}",
        dir.display()
    );
    dir
}

/// Runs `f` on a thread with a large stack, as the CLI does.
fn big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .expect("the scan panicked")
}

#[test]
fn cpython_stdlib_scans_without_panic() {
    let dir = stdlib_dir();
    let (modules, lines, errors) = big_stack(move || {
        let project = Project::load(&[dir], &DiscoveryOptions::default()).unwrap();
        let findings = check(&project, &Settings::default());
        // The stdlib has no JWT code; whatever is found must at least be well-formed.
        for f in &findings {
            let l = f.location.as_ref().expect("scan findings have a location");
            assert!(
                l.line >= 1 && l.column >= 1 && l.end_line >= l.line,
                "{f:?}"
            );
        }
        (project.modules.len(), project.line_count(), project.errors)
    });
    assert!(modules > 1000, "only {modules} modules");
    assert!(lines > 400_000, "only {lines} lines");
    // The stdlib's own test suite ships deliberately broken files: they become errors.
    for e in &errors {
        assert!(
            ["parse-error", "not-utf8", "io-error"].contains(&e.kind.as_str()),
            "unexpected error kind {e:?}"
        );
        assert!(e.file.is_some());
    }
}

#[test]
fn hostile_files_become_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let write = |name: &str, bytes: &[u8]| std::fs::write(p.join(name), bytes).unwrap();
    write("empty.py", b"");
    write("comments.py", b"# only a comment\n# and another");
    write(
        "broken.py",
        b"import jwt\n\ndef get_user(token):\n    return jwt.decode(token, options={'verify_signature': False})\n\ndef f(:\n    x = == 1\n\n@app.get(\ndef g(token):\n    return jwt.decode(token, 'k'\n",
    );
    let mut binary = Vec::new();
    for i in 0..4096u32 {
        binary.push((i.wrapping_mul(2654435761) >> 13) as u8);
    }
    write("binary.py", &binary);
    write(
        "latin1.py",
        b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n",
    );
    write("nul.py", b"x = 1\0\0\ny = 2\n");
    write("bom.py", b"\xef\xbb\xbfimport jwt\nKEY = 'k'\n");
    write(
        "crlf.py",
        b"import jwt\r\ndef f(t):\r\n    return jwt.decode(t, 'secret', algorithms=['HS256'])\r\n",
    );
    let depth = 2000;
    let deep = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
    write("deep.py", deep.as_bytes());
    let deep_list = format!("y = {}{}\n", "[".repeat(depth), "]".repeat(depth));
    write("deep_list.py", deep_list.as_bytes());
    let mut huge = String::with_capacity(8 << 20);
    for i in 0..120_000 {
        huge.push_str(&format!("def f{i}(a, b=1):\n    return a + b * {i}\n"));
    }
    write("huge.py", huge.as_bytes());
    std::fs::create_dir(p.join("pkg.py")).unwrap(); // a directory with a .py name

    let root = p.to_path_buf();
    let (errors, findings, modules) = big_stack(move || {
        let project = Project::load(&[root], &DiscoveryOptions::default()).unwrap();
        let findings = check(&project, &Settings::default());
        (project.errors.clone(), findings, project.modules.len())
    });
    let kinds = |file: &str| -> Vec<String> {
        errors
            .iter()
            .filter(|e| e.file.as_deref().is_some_and(|f| f.ends_with(file)))
            .map(|e| e.kind.clone())
            .collect()
    };
    assert_eq!(kinds("latin1.py"), ["not-utf8"]);
    assert_eq!(kinds("binary.py"), ["not-utf8"]);
    assert!(
        kinds("broken.py").iter().all(|k| k == "parse-error") && !kinds("broken.py").is_empty()
    );
    for clean in [
        "empty.py",
        "comments.py",
        "bom.py",
        "crlf.py",
        "huge.py",
        "deep.py",
        "deep_list.py",
    ] {
        assert!(kinds(clean).is_empty(), "{clean}: {:?}", kinds(clean));
    }
    assert_eq!(
        modules, 9,
        "every readable file is a module (11 files, 2 not UTF-8)"
    );
    // The recovered AST of the broken file is still analysed.
    assert!(
        findings.iter().any(|f| f.rule == "signature-not-verified"
            && f.location.as_ref().unwrap().file.ends_with("broken.py")),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.rule == "weak-secret"
                && f.location.as_ref().unwrap().file.ends_with("crlf.py"))
    );
}

#[test]
fn oversized_files_are_skipped_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.py"), vec![b'#'; 4096]).unwrap();
    std::fs::write(dir.path().join("small.py"), b"x = 1\n").unwrap();
    let opts = DiscoveryOptions {
        max_file_size: 1024,
        ..DiscoveryOptions::default()
    };
    let project = Project::load(&[dir.path().to_path_buf()], &opts).unwrap();
    assert_eq!(project.modules.len(), 1);
    assert_eq!(project.errors.len(), 1);
    assert_eq!(project.errors[0].kind, "file-too-large");
}

#[test]
fn missing_path_is_an_error() {
    let err = Project::load(
        &[PathBuf::from("no/such/dir")],
        &DiscoveryOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no/such/dir"), "{err}");
}

#[test]
fn cyclic_definitions_terminate() {
    let project = Project::from_sources(vec![(
        "cycle.py",
        r#"
import jwt
A = B
B = A
OPTIONS = {"verify_signature": A}

def f(token):
    a = [b]
    b = [a]
    x = x
    return jwt.decode(token, A, algorithms=a, options=OPTIONS)

def g(token):
    return g(token)

class C(C):
    pass
"#,
    )]);
    // Terminates (no stack overflow, no endless loop) and still sees the decode call.
    let decodes = big_stack(move || {
        let _ = check(&project, &Settings::default());
        jwtward_scan::JwtModel::build(&project).decodes.len()
    });
    assert_eq!(decodes, 1);
}
