//! The OpenAPI parser (JSON and YAML) and what the probe derives from each operation.
#![no_main]

#[path = "../targets/openapi.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
