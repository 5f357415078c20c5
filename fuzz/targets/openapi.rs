//! The OpenAPI parser (JSON and YAML) and what the probe derives from each operation.
//!
//! The body of the `openapi` fuzz target (`fuzz/fuzz_targets/openapi.rs`), shared with the
//! stable seed-corpus test (`crates/jwtward/tests/fuzz_corpus.rs`): a panic is a crash.

pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(spec) = jwtward_probe::openapi::parse_spec(text, "http://127.0.0.1:8000") {
        let _ = format!("{spec:?}");
    }
}
