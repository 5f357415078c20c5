//! Shared by the `crack` and `token` CLI tests: tokens made by PyJWT in the test venv.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;

pub use jwtward_testkit::python;

/// Signs every spec with PyJWT in one Python process.
pub fn pyjwt_tokens(specs: &Value) -> Vec<String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support_py/token_make.py");
    let mut child = std::process::Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(specs.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "token_make.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
