//! Configuration parsing: `jwtward.toml` and the `[tool.jwtward]` table of `pyproject.toml`,
//! with validation, per-file ignores and rule-name checks.
//!
//! The body of the `config` fuzz target (`fuzz/fuzz_targets/config.rs`), shared with the
//! stable seed-corpus test (`crates/jwtward/tests/fuzz_corpus.rs`): a panic is a crash.

use std::path::Path;

pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in ["jwtward.toml", "pyproject.toml"] {
        if let Ok(Some(file)) = jwtward_config::parse(text, Path::new(name)) {
            let _ = file.per_file_ignores();
            let _ = jwtward_config::check_rule_names(&file, &["weak-secret", "alg-none"]);
        }
    }
    let _ = jwtward_config::parse_duration(text);
}
