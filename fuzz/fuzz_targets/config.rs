//! Configuration parsing: `jwtward.toml` and the `[tool.jwtward]` table of `pyproject.toml`,
//! with validation, per-file ignores and rule-name checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
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
});
