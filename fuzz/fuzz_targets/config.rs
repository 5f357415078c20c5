//! Configuration parsing: `jwtward.toml` and the `[tool.jwtward]` table of `pyproject.toml`,
//! with validation, per-file ignores and rule-name checks.
#![no_main]

#[path = "../targets/config.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
