//! `--limit N` bounds the candidates tried, also when rules make each word many candidates.
//! Found by the `crack_input` fuzz target (seed `fuzz/corpus/crack_input/s2`): with rules the
//! budget was rounded up to whole words, so a limit of 5,000 tried more than 5,000.

use jwtward_crack::{Mask, Progress, SearchOptions, Target, rules, search};

fn target() -> Target {
    Target {
        alg: jwtward_crack::HmacAlg::HS256,
        signing_input: b"x.y".to_vec(),
        tag: vec![0; 32],
    }
}

fn run(words: &str, use_rules: bool, mask: Option<Mask>, limit: u64) -> jwtward_crack::Outcome {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("jwtward-limit-{}-{n}.txt", std::process::id()));
    std::fs::write(&path, words).unwrap();
    let opts = SearchOptions {
        builtin: false,
        wordlist: Some(path),
        rules: use_rules,
        mask,
        limit: Some(limit),
        count_total: true,
        threads: 2,
        ..SearchOptions::default()
    };
    let out = search(&target(), &opts, &Progress::new()).unwrap();
    let _ = std::fs::remove_file(opts.wordlist.as_ref().unwrap());
    out
}

#[test]
fn a_limit_that_ends_inside_a_word_of_rules_is_not_exceeded() {
    let v = rules::VARIANTS as u64;
    let words: String = (0..20).map(|i| format!("word{i}\n")).collect();
    for limit in [1, v - 1, v, v + 1, 3 * v + v / 2, 20 * v - 1] {
        let out = run(&words, true, None, limit);
        assert!(out.tried <= limit, "limit {limit}: tried {}", out.tried);
        assert!(out.limited, "limit {limit}: not reported as limited");
        // Whole words only: what was tried is a multiple of the variants per word.
        assert_eq!(out.tried % v, 0, "limit {limit}: tried {}", out.tried);
        assert_eq!(out.tried, limit / v * v);
    }
}

#[test]
fn the_fuzz_seed_with_rules_and_a_mask_stays_within_the_limit() {
    let mask = Mask::parse("?a?a", &[None, None, None, None])
        .unwrap()
        .with_increment(Some(1), Some(2))
        .unwrap();
    let words = "?u?d\n\n\n\nadmin\r\nroot\n";
    for use_rules in [false, true] {
        let out = run(words, use_rules, Some(mask.clone()), 5_000);
        assert!(out.tried <= 5_000, "rules {use_rules}: tried {}", out.tried);
        assert!(out.limited);
    }
}
