//! Wordlist, mask and rule parsing: the first line is a mask, the next four custom charsets
//! (`-1`..`-4`), the rest a wordlist, searched (bounded) with and without rules.
//!
//! The body of the `crack_input` fuzz target (`fuzz/fuzz_targets/crack_input.rs`), shared with the
//! stable seed-corpus test (`crates/jwtward/tests/fuzz_corpus.rs`): a panic is a crash.

use jwtward_crack::{Mask, Progress, SearchOptions, Target, rules, search};
use std::sync::OnceLock;

fn wordlist_path() -> &'static std::path::Path {
    static P: OnceLock<std::path::PathBuf> = OnceLock::new();
    P.get_or_init(|| std::env::temp_dir().join(format!("jwtward-fuzz-wl-{}", std::process::id())))
}

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(6, '\n');
    let mask = lines.next().unwrap_or("");
    let custom: [Option<String>; 4] =
        std::array::from_fn(|_| lines.next().filter(|l| !l.is_empty()).map(str::to_string));
    let words = lines.next().unwrap_or("");
    let mut parsed = Mask::parse(mask, &custom).ok();
    if let Some(m) = parsed.clone() {
        let _ = m.keyspace();
        for l in m.lengths() {
            let _ = m.keyspace_len(l);
        }
        let len = m.len();
        let _ = m.clone().with_increment(Some(len / 2), Some(len + 1));
        if let Ok(inc) = m.with_increment(Some(1), Some(len)) {
            parsed = Some(inc);
        }
    }
    let mut out = [0u8; rules::MAX_LEN];
    for w in words.lines().take(8) {
        for slot in 0..rules::VARIANTS {
            if let Some(n) = rules::apply(w.as_bytes(), slot, &mut out) {
                assert!(n <= rules::MAX_LEN);
            }
        }
    }
    std::fs::write(wordlist_path(), &data[data.len().min(mask.len())..]).expect("temp file");
    let target = Target {
        alg: jwtward_crack::HmacAlg::HS256,
        signing_input: b"x.y".to_vec(),
        tag: vec![0; 32],
    };
    for use_rules in [false, true] {
        let opts = SearchOptions {
            builtin: false,
            wordlist: Some(wordlist_path().to_path_buf()),
            rules: use_rules,
            mask: parsed.clone(),
            limit: Some(5_000),
            count_total: true,
            threads: 0,
            ..SearchOptions::default()
        };
        let out = search(&target, &opts, &Progress::new()).expect("search runs");
        assert!(out.key.is_none());
        assert!(out.tried <= 5_000);
    }
}
