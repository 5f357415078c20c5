//! The whole CPython standard library goes through the FastAPI model and rules without a
//! panic (it is full of shapes no app has: odd decorators, `mount`/`include` methods of
//! other libraries, deeply nested code, recursion through imports).

use jwtward_python::{DiscoveryOptions, Project};
use std::path::PathBuf;
use std::process::Command;

use jwtward_testkit::python;

#[test]
fn cpython_stdlib_scans_without_panic() {
    let out = Command::new(python())
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .expect("python runs");
    let stdlib = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        stdlib.join("os.py").is_file(),
        "no stdlib at {}",
        stdlib.display()
    );
    let opts = DiscoveryOptions {
        // The stdlib's own test suite and site-packages are part of "the whole stdlib" here,
        // except installed third-party packages.
        respect_gitignore: false,
        skip_venvs: true,
        ..DiscoveryOptions::default()
    };
    let project = Project::load(&[stdlib], &opts).expect("stdlib loads");
    assert!(
        project.modules.len() > 500,
        "only {} modules",
        project.modules.len()
    );
    let findings = jwtward_fastapi::check(&project, &jwtward_fastapi::Settings::default());
    let table = jwtward_fastapi::route_table(&project);
    // No FastAPI app lives in the standard library.
    assert!(table.is_empty(), "{} routes", table.len());
    assert!(findings.is_empty(), "{findings:?}");
    // And the model and the function summaries survive every module and function of it.
    let n = jwtward_fastapi::summarize_everything(&project);
    assert!(n > 10_000, "only {n} functions summarised");
}
