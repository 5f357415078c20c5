//! The OpenAPI parser (JSON and YAML) and what the probe derives from each operation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(spec) = jwtward_probe::openapi::parse_spec(text, "http://127.0.0.1:8000") {
        let _ = format!("{spec:?}");
    }
});
