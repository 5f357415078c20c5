//! JWS parsing and the whole `token inspect` audit, plus every token rewrite the probe makes.
#![no_main]

#[path = "../targets/token.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
