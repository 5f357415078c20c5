//! Every fuzz target's committed seed corpus (fuzz/corpus/TARGET), run on stable through the
//! same code as the cargo-fuzz target (fuzz/targets/TARGET.rs): a seed that panics fails here,
//! in every CI run, without nightly. A crash the fuzzer finds is added to the corpus of its
//! target once fixed, so that it stays fixed.

#[path = "../../../fuzz/targets/config.rs"]
mod config;
#[path = "../../../fuzz/targets/crack_input.rs"]
mod crack_input;
#[path = "../../../fuzz/targets/keys.rs"]
mod keys;
#[path = "../../../fuzz/targets/openapi.rs"]
mod openapi;
#[path = "../../../fuzz/targets/scan.rs"]
mod scan;
#[path = "../../../fuzz/targets/token.rs"]
mod token;

use std::path::PathBuf;

/// The seeds of `target`, sorted; a target without seeds fails.
fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds in {}", dir.display());
    out
}

/// Runs `body` on every seed of `target`, naming the seed that panics.
fn run_corpus(target: &str, body: fn(&[u8])) {
    for (path, bytes) in seeds(target) {
        let r = std::panic::catch_unwind(|| body(&bytes));
        assert!(
            r.is_ok(),
            "the {target} fuzz target panics on {}",
            path.display()
        );
    }
}

#[test]
fn scan_seeds() {
    run_corpus("scan", scan::run);
}

#[test]
fn token_seeds() {
    run_corpus("token", token::run);
}

#[test]
fn keys_seeds() {
    run_corpus("keys", keys::run);
}

#[test]
fn crack_input_seeds() {
    run_corpus("crack_input", crack_input::run);
}

#[test]
fn config_seeds() {
    run_corpus("config", config::run);
}

#[test]
fn openapi_seeds() {
    run_corpus("openapi", openapi::run);
}
