//! Test support shared by every jwtward crate. Dev-dependency only.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python of the test venv: `JWTWARD_TEST_PYTHON` (set by `scripts/test.sh`), else
/// `<workspace>/.venv/bin/python`. Panics with the fix when neither exists: tests that need
/// the real libraries must fail, never skip.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("JWTWARD_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let p = workspace_root().join(".venv/bin/python");
    assert!(
        p.exists(),
        "the test venv is missing: run scripts/test.sh (it creates {}), or set JWTWARD_TEST_PYTHON",
        p.display()
    );
    p
}
