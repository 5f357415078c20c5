//! The pre-commit hook of `.pre-commit-hooks.yaml`, run by the real `pre-commit` (pinned in
//! tests/requirements.txt) on a temporary git repository. The hook's `entry`, `types_or` and
//! `require_serial` are read from the shipped file; only `language` becomes `system`, so that
//! pre-commit runs the binary under test instead of building a wheel.

use std::path::{Path, PathBuf};
use std::process::Command;

fn hook_field(hooks: &str, key: &str) -> String {
    hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no `{key}` in .pre-commit-hooks.yaml"))
        .trim()
        .to_string()
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(st.status.success(), "git {args:?}: {st:?}");
}

#[test]
fn the_hook_reports_cross_file_findings_of_the_passed_files() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let hooks = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    let entry = hook_field(&hooks, "entry");
    let bin = assert_cmd::cargo::cargo_bin("jwtward");
    let entry = entry.replacen("jwtward", &bin.display().to_string(), 1);

    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    std::fs::create_dir_all(repo.join("notes")).unwrap();
    std::fs::write(repo.join("notes/__init__.py"), "").unwrap();
    std::fs::write(
        repo.join("notes/config.py"),
        "import os\n\nSECRET_KEY = os.getenv(\"NOTES_KEY\", \"changeme\")\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("notes/security.py"),
        "import jwt\n\nfrom notes.config import SECRET_KEY\n\n\ndef current(token: str) -> dict:\n    return jwt.decode(token, SECRET_KEY, algorithms=[\"HS256\"], audience=\"a\", issuer=\"i\", options={\"require\": [\"exp\"]})\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("notes/util.py"),
        "def add(a, b):\n    return a + b\n",
    )
    .unwrap();
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: local\n    hooks:\n      - id: jwtward\n        name: jwtward\n        entry: {entry}\n        language: system\n        types_or: {}\n        require_serial: {}\n",
            hook_field(&hooks, "types_or"),
            hook_field(&hooks, "require_serial"),
        ),
    )
    .unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);

    let pre_commit = |files: &[&str]| -> (i32, String) {
        let out = Command::new(jwtward_testkit::python())
            .args(["-m", "pre_commit", "run", "--files"])
            .args(files)
            .current_dir(&repo)
            .env("PRE_COMMIT_HOME", d.path().join("cache"))
            .env("NO_COLOR", "1")
            .output()
            .expect("run pre-commit (pinned in tests/requirements.txt)");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !text.contains("No module named pre_commit"),
            "pre-commit is missing from the test venv: {text}"
        );
        (out.status.code().unwrap_or(-1), text)
    };
    // The weak key is defined in config.py and used by security.py: passing config.py alone
    // fails the hook with the finding.
    let (code, text) = pre_commit(&["notes/config.py"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("high[weak-secret]"), "{text}");
    assert!(text.contains("notes/config.py:3:"), "{text}");
    // A file no finding touches passes.
    let (code, text) = pre_commit(&["notes/util.py"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Passed"), "{text}");
}
