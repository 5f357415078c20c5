//! "Test code" is decided the same way for a file named on the command line and for one
//! reached by walking its project, and by role as well as by path.

use jwtward_python::{DiscoveryOptions, Project};
use std::path::{Path, PathBuf};

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn is_test(paths: &[PathBuf], display_end: &str) -> bool {
    let p = Project::load(paths, &DiscoveryOptions::default()).unwrap();
    p.modules
        .iter()
        .find(|m| m.display_path.ends_with(display_end))
        .unwrap_or_else(|| panic!("{display_end} not loaded"))
        .is_test
}

#[test]
fn named_and_walked_files_are_judged_alike() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    write(&root, "pyproject.toml", "[project]\nname = \"proj\"\n");
    let helper = write(&root, "tests/helpers.py", "KEY = 'k'\n");
    let case = write(
        &root,
        "app/checks.py",
        "import unittest\n\nclass TokenCase(unittest.TestCase):\n    def test_a(self):\n        pass\n",
    );
    let pytest_module = write(
        &root,
        "app/smoke.py",
        "import pytest\n\n\ndef test_smoke():\n    assert True\n",
    );
    let app = write(
        &root,
        "app/auth.py",
        "import pytest  # used for its approx helper\n\ndef check(x):\n    return x\n",
    );
    for (file, end, expected) in [
        (&helper, "tests/helpers.py", true),
        (&case, "app/checks.py", true),
        (&pytest_module, "app/smoke.py", true),
        (&app, "app/auth.py", false),
    ] {
        assert_eq!(
            is_test(std::slice::from_ref(&root), end),
            expected,
            "walked {end}"
        );
        assert_eq!(
            is_test(std::slice::from_ref(file), end),
            expected,
            "named {end}"
        );
    }
}
