//! The Python front end, the whole scan analysis (JWT-library rules and FastAPI rules, route
//! table) and the text and SARIF reporters, on one hostile source file.
#![no_main]

#[path = "../targets/scan.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
