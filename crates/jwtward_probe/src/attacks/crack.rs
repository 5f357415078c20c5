//! The offline HMAC key search, through `jwtward_crack` (its built-in list of weak and
//! default secrets, then `--wordlist`). No request is sent. A recovered key becomes a
//! `weak-secret` finding (with the command that reproduces the search) and the signing key
//! of the later families.

use crate::context::{Ctx, Signing, error};
use crate::http::shell_quote;
use crate::rules::WEAK_SECRET;
use jwtward_crack::{CrackError, Mask, Progress, SearchOptions, Target, search};
use jwtward_jose::{Alg, Key};
use jwtward_report::{Evidence, Finding};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The most candidates tried per token from `--wordlist` or `--mask` (a bound for huge inputs).
pub const MAX_CANDIDATES: u64 = 200_000_000;

/// Wall-time budget of the default tier (everything but `--wordlist`/`--mask`) per token;
/// `probe --crack-budget` changes it.
pub const DEFAULT_TIER_TIME: Duration = Duration::from_secs(2);

/// The common-password list (source named at the top of the file).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Words of the common-password list given the rules (the most frequent first).
pub const RULED_COMMON: usize = 5000;

/// PIN lengths of the default tier searched in full. The 8-digit PINs come last (10^8
/// keys, about 7 s at 14 M keys/s on two cores): searched as far as the budget allows, and
/// the report says how far.
pub const PIN_LENGTHS: (usize, usize) = (4, 7);

/// The mask of the 8-digit PINs, the last stage of the default tier.
pub const PIN8_MASK: &str = "?d?d?d?d?d?d?d?d";

fn common_passwords() -> impl Iterator<Item = &'static str> {
    COMMON_PASSWORDS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
}

/// A key found by the offline search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Which `--token`.
    pub index: usize,
    pub key: Vec<u8>,
    /// Where it was found, for the message.
    pub label: String,
    /// A shell command that reproduces the search (`jwtward crack ...`).
    pub repro: String,
}

/// One stage of the search.
enum Stage {
    Builtin,
    Wordlist(PathBuf),
    Common,
    Ruled,
    Pins,
    Pins8,
    Mask(String),
}

impl Stage {
    /// What the stage searches, for the coverage note.
    fn name(&self) -> &'static str {
        match self {
            Stage::Builtin => "jwtward's built-in secrets",
            Stage::Wordlist(_) => "--wordlist",
            Stage::Common => "the common passwords",
            Stage::Ruled => "the common passwords with rules",
            Stage::Pins => "4- to 7-digit PINs",
            Stage::Pins8 => "8-digit PINs",
            Stage::Mask(_) => "--mask",
        }
    }

    fn default_tier(&self) -> bool {
        !matches!(self, Stage::Wordlist(_) | Stage::Mask(_))
    }
}

/// How many candidates a default-tier stage has, for the coverage note.
fn stage_size(stage: &Stage, lists: Option<&Lists>) -> u64 {
    match stage {
        Stage::Builtin => jwtward_crack::builtin_count(),
        Stage::Common => common_passwords().count() as u64,
        Stage::Ruled => lists.map_or(0, |l| {
            l.ruled_words.len() as u64 * jwtward_crack::rules::VARIANTS as u64
        }),
        Stage::Pins => (PIN_LENGTHS.0..=PIN_LENGTHS.1)
            .map(|n| 10u64.pow(n as u32))
            .sum(),
        Stage::Pins8 => 100_000_000,
        Stage::Wordlist(_) | Stage::Mask(_) => 0,
    }
}

struct Lists {
    dir: PathBuf,
    common: PathBuf,
    ruled: PathBuf,
    ruled_words: Vec<&'static str>,
}

impl Lists {
    fn write() -> std::io::Result<Lists> {
        let dir = std::env::temp_dir().join(format!(
            "jwtward-probe-{}-{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir)?;
        let common = dir.join("common.txt");
        let mut text = String::new();
        for w in common_passwords() {
            text.push_str(w);
            text.push('\n');
        }
        std::fs::write(&common, text)?;
        // The rules on the most common passwords, then on the built-in secrets.
        let ruled_words: Vec<&'static str> = common_passwords()
            .take(RULED_COMMON)
            .chain(jwtward_crack::builtin_secrets())
            .collect();
        let ruled = dir.join("ruled.txt");
        std::fs::write(&ruled, ruled_words.join("\n") + "\n")?;
        Ok(Lists {
            dir,
            common,
            ruled,
            ruled_words,
        })
    }
}

impl Drop for Lists {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn pin_mask() -> String {
    "?d".repeat(PIN_LENGTHS.1)
}

/// For each HS-signed token of `tokens`, the key found. The default tier (bounded by
/// `budget`, [`DEFAULT_TIER_TIME`] unless `--crack-budget`): jwtward's built-in secrets,
/// the common-password list as is, its first [`RULED_COMMON`] words and the built-in
/// secrets with the rules, every PIN of [`PIN_LENGTHS`] digits, then the 8-digit PINs as far
/// as the budget allows; then `--wordlist` and `--mask` in full. When the budget cuts the
/// tier, a note says exactly what part of it was searched. Tokens that are not HMAC-signed
/// JWTs are skipped; an unreadable wordlist or a bad mask is an error.
pub fn crack_tokens(
    tokens: &[String],
    wordlist: Option<&Path>,
    mask: Option<&str>,
    budget: Duration,
) -> anyhow::Result<(Vec<Found>, Vec<String>)> {
    if let Some(m) = mask {
        Mask::parse(m, &[None, None, None, None])
            .map_err(|e| anyhow::anyhow!("--mask `{m}`: {e}"))?;
    }
    // The lists are written only when some token is HMAC-signed.
    if !tokens
        .iter()
        .any(|t| Target::from_token(t.trim().trim_start_matches("Bearer ").trim()).is_ok())
    {
        return Ok((Vec::new(), Vec::new()));
    }
    let lists = Lists::write().ok();
    let mut found = Vec::new();
    let mut notes = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let raw = token.trim().trim_start_matches("Bearer ").trim();
        let Ok(target) = Target::from_token(raw) else {
            continue; // not an HMAC-signed JWT: nothing to search
        };
        let mut stages = vec![Stage::Builtin];
        if let Some(w) = wordlist {
            stages.push(Stage::Wordlist(w.to_path_buf()));
        }
        if lists.is_some() {
            stages.extend([Stage::Common, Stage::Ruled]);
        }
        stages.extend([Stage::Pins, Stage::Pins8]);
        if let Some(m) = mask {
            stages.push(Stage::Mask(m.to_string()));
        }
        let started = Instant::now();
        // The default-tier stages the budget cut: (name, tried, size); `None`: never started.
        let mut cut: Vec<(&'static str, Option<u64>, u64)> = Vec::new();
        // Candidates of the default tier searched, for the rate behind the advice.
        let mut searched = 0u64;
        for stage in stages {
            let default_tier = stage.default_tier();
            let left = budget.saturating_sub(started.elapsed());
            if default_tier && left.is_zero() {
                cut.push((stage.name(), None, stage_size(&stage, lists.as_ref())));
                continue;
            }
            let mut opts = SearchOptions {
                count_total: false,
                limit: Some(MAX_CANDIDATES),
                ..SearchOptions::default()
            };
            match &stage {
                Stage::Builtin => opts.builtin = true,
                Stage::Wordlist(w) => opts.wordlist = Some(w.clone()),
                Stage::Common => opts.wordlist = lists.as_ref().map(|l| l.common.clone()),
                Stage::Ruled => {
                    opts.wordlist = lists.as_ref().map(|l| l.ruled.clone());
                    opts.rules = true;
                }
                Stage::Pins => {
                    opts.mask = Some(
                        Mask::parse(&pin_mask(), &[None, None, None, None])?
                            .with_increment(Some(PIN_LENGTHS.0), Some(PIN_LENGTHS.1))?,
                    )
                }
                Stage::Pins8 => {
                    opts.mask = Some(Mask::parse(PIN8_MASK, &[None, None, None, None])?)
                }
                Stage::Mask(m) => opts.mask = Some(Mask::parse(m, &[None, None, None, None])?),
            }
            let progress = Arc::new(Progress::new());
            let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
            if default_tier {
                let p = progress.clone();
                std::thread::spawn(move || {
                    if done_rx.recv_timeout(left).is_err() {
                        p.stop();
                    }
                });
            }
            let outcome = match search(&target, &opts, &progress) {
                Ok(o) => o,
                Err(CrackError::Wordlist { path, source }) => {
                    anyhow::bail!("--wordlist {path}: {source}")
                }
                Err(e) => anyhow::bail!("{e}"),
            };
            let _ = done_tx.send(());
            if default_tier {
                searched += outcome.tried;
            }
            if outcome.stopped && outcome.key.is_none() {
                let size = stage_size(&stage, lists.as_ref());
                cut.push((stage.name(), Some(outcome.tried.min(size)), size));
            }
            let Some(key) = outcome.key else { continue };
            let t = shell_quote(raw);
            let (label, repro) = match &stage {
                Stage::Builtin => (
                    "found in jwtward's built-in list of weak and default secrets".to_string(),
                    format!("jwtward crack {t}"),
                ),
                Stage::Wordlist(w) => {
                    let w = shell_quote(&w.display().to_string());
                    (
                        format!("found in the wordlist {w}"),
                        format!("jwtward crack {t} --no-builtin --wordlist {w}"),
                    )
                }
                Stage::Common => {
                    let k = shell_quote(&String::from_utf8_lossy(&key));
                    (
                        "found in the common-password list (zxcvbn's 30,000 most common passwords)"
                            .to_string(),
                        format!(
                            "printf '%s\\n' {k} > jwtward-words.txt && jwtward crack {t} --no-builtin --wordlist jwtward-words.txt"
                        ),
                    )
                }
                Stage::Ruled => {
                    let word = outcome
                        .position
                        .and_then(|p| {
                            lists.as_ref().and_then(|l| {
                                l.ruled_words
                                    .get((p / jwtward_crack::rules::VARIANTS as u64) as usize)
                                    .copied()
                            })
                        })
                        .unwrap_or("");
                    let w = shell_quote(word);
                    (
                        format!(
                            "the word {w} of the common passwords and built-in secrets with a rule (case, leetspeak or suffix)"
                        ),
                        format!(
                            "printf '%s\\n' {w} > jwtward-words.txt && jwtward crack {t} --no-builtin --rules --wordlist jwtward-words.txt"
                        ),
                    )
                }
                Stage::Pins => (
                    format!(
                        "a PIN: the mask of {}-{} digits",
                        PIN_LENGTHS.0, PIN_LENGTHS.1
                    ),
                    format!(
                        "jwtward crack {t} --no-builtin --mask '{}' --increment --increment-min {}",
                        pin_mask(),
                        PIN_LENGTHS.0
                    ),
                ),
                Stage::Pins8 => (
                    "an 8-digit PIN (the mask ?d?d?d?d?d?d?d?d)".to_string(),
                    format!("jwtward crack {t} --no-builtin --mask '{PIN8_MASK}'"),
                ),
                Stage::Mask(m) => {
                    let m = shell_quote(m);
                    (
                        format!("found by the mask {m}"),
                        format!("jwtward crack {t} --no-builtin --mask {m}"),
                    )
                }
            };
            found.push(Found {
                index: i,
                key,
                label,
                repro,
            });
            cut.clear();
            break;
        }
        if !cut.is_empty() {
            let rate = searched as f64 / started.elapsed().as_secs_f64().max(1e-3);
            notes.push(coverage_note(i, &cut, budget, rate));
        }
    }
    Ok((found, notes))
}

/// `token #1: the default weak-secret tier was cut by its 2 s budget: 8-digit PINs: 31%
/// searched (31,000,000 of 100,000,000); use --crack-budget 10s or --mask ...`.
fn coverage_note(
    index: usize,
    cut: &[(&str, Option<u64>, u64)],
    budget: Duration,
    rate: f64,
) -> String {
    let parts: Vec<String> = cut
        .iter()
        .map(|&(name, tried, size)| match tried {
            None => format!("{name}: not searched"),
            Some(tried) if tried * 100 < size => format!(
                "{name}: under 1% searched ({} of {})",
                thousands(tried),
                thousands(size)
            ),
            Some(tried) => {
                format!(
                    "{name}: {}% searched ({} of {})",
                    tried * 100 / size.max(1),
                    thousands(tried),
                    thousands(size)
                )
            }
        })
        .collect();
    // A budget that covers the rest at the rate seen, rounded up to 5 s.
    let rest: u64 = cut
        .iter()
        .map(|&(_, tried, size)| size - tried.unwrap_or(0))
        .sum();
    let need = budget.as_secs_f64() + rest as f64 / rate.max(1_000_000.0);
    let more = ((need / 5.0).ceil().max(1.0) as u64 * 5).min(3600);
    format!(
        "token #{}: the default weak-secret tier was cut by its {} budget: {}; not every common password or PIN was tried: use --crack-budget {more}s, or --mask '{PIN8_MASK}' for the 8-digit PINs alone",
        index + 1,
        show_duration(budget),
        parts.join(", ")
    )
}

fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// `31000000` -> `31,000,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn show_secret(secret: &[u8]) -> String {
    match std::str::from_utf8(secret) {
        Ok(s) if s.chars().all(|c| !c.is_control()) => format!("`{s}`"),
        _ => format!(
            "hex {}",
            secret
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ),
    }
}

/// Reports the keys found and keeps the first token's key for signing.
pub fn report(ctx: &Ctx, result: anyhow::Result<(Vec<Found>, Vec<String>)>) {
    let (found, notes) = match result {
        Ok(f) => f,
        Err(e) => {
            ctx.push_error(error("crack", format!("{e:#}")));
            return;
        }
    };
    for n in notes {
        ctx.push_error(error("crack", n));
    }
    for Found {
        index: i,
        key: secret,
        label,
        repro,
    } in found
    {
        // A property of the token, not of an endpoint: no method or path.
        let mut f = Finding::new(
            &WEAK_SECRET,
            format!(
                "the HMAC key of {} is {} ({label}): anyone can sign tokens for any user",
                if i == 0 {
                    "the token".to_string()
                } else {
                    format!("token #{}", i + 1)
                },
                show_secret(&secret)
            ),
        );
        f.url = Some(ctx.engine.origin_url());
        f.evidence = Some(Evidence {
            request: format!("offline dictionary search on --token #{}", i + 1),
            status: 0,
            body_excerpt: format!("key: {}", show_secret(&secret)),
            baselines: BTreeMap::new(),
        });
        f.curl = Some(repro.clone());
        ctx.push_finding(f);
        if i == 0 {
            let alg = ctx
                .token
                .as_ref()
                .and_then(|t| t.alg())
                .unwrap_or(Alg::HS256);
            *ctx.signing.lock().expect("signing") = Some(Signing {
                key: Key::Hmac(secret),
                alg,
                source: format!("the recovered key ({label})"),
                given: false,
                repro: Some(repro),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jwtward_jose::{Alg, Key, sign_token};
    use serde_json::json;

    /// The searches take every core for up to the budget: one test at a time, so that a
    /// budget is not eaten by the other tests of this module.
    fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
        static CPU: std::sync::Mutex<()> = std::sync::Mutex::new(());
        CPU.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn the_fastapi_tutorial_key_is_recovered_and_strong_keys_are_not() {
        let _cpu = one_at_a_time();
        let tutorial = b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7".to_vec();
        let weak = sign_token(
            Alg::HS256,
            &Key::Hmac(tutorial.clone()),
            &json!({}),
            &json!({"sub": "a"}),
        )
        .unwrap();
        let strong = sign_token(
            Alg::HS256,
            &Key::Hmac(b"jwtward-unit-test-strong-key-0b7e2f9d41c3a5".to_vec()),
            &json!({}),
            &json!({"sub": "a"}),
        )
        .unwrap();
        let (found, _) = crack_tokens(
            &[strong, "not-a-jwt".into(), weak],
            None,
            None,
            DEFAULT_TIER_TIME,
        )
        .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].index, 2);
        assert_eq!(found[0].key, tutorial);
        assert!(found[0].label.contains("built-in"));
        assert!(found[0].repro.starts_with("jwtward crack "));
    }

    fn token(key: &str) -> String {
        sign_token(
            Alg::HS256,
            &Key::Hmac(key.as_bytes().to_vec()),
            &json!({}),
            &json!({"sub": "a"}),
        )
        .unwrap()
    }

    #[test]
    fn common_passwords_with_rules_and_pins_are_in_the_default_tier() {
        let _cpu = one_at_a_time();
        let (found, _) = crack_tokens(
            &[token("letmein123"), token("482915")],
            None,
            None,
            DEFAULT_TIER_TIME,
        )
        .unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].key, b"letmein123");
        assert!(found[0].repro.contains("--rules"), "{}", found[0].repro);
        assert!(
            found[0].repro.contains("'%s\\n' letmein "),
            "{}",
            found[0].repro
        );
        assert_eq!(found[1].key, b"482915");
        assert!(
            found[1]
                .repro
                .contains("--mask '?d?d?d?d?d?d?d' --increment --increment-min 4")
        );
        let list: Vec<&str> = common_passwords().collect();
        assert_eq!(list.len(), 30_000);
        assert_eq!(list[0], "123456");
    }

    #[test]
    fn an_eight_digit_pin_is_found_when_the_budget_allows() {
        let _cpu = one_at_a_time();
        let (found, notes) =
            crack_tokens(&[token("30000001")], None, None, Duration::from_secs(300)).unwrap();
        assert_eq!(found.len(), 1, "{notes:?}");
        assert_eq!(found[0].key, b"30000001");
        assert!(found[0].label.contains("8-digit PIN"), "{}", found[0].label);
        assert!(
            found[0]
                .repro
                .ends_with("--no-builtin --mask '?d?d?d?d?d?d?d?d'"),
            "{}",
            found[0].repro
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    /// The share of the 8-digit PINs a cut note gives: `Some(percent)` (0 for "under 1%"),
    /// or `None` when the note says the stage never started.
    fn pin8_share(note: &str) -> Option<u64> {
        let rest = note
            .split("8-digit PINs: ")
            .nth(1)
            .unwrap_or_else(|| panic!("the note does not name the 8-digit PINs: {note}"));
        if rest.starts_with("not searched") {
            return None;
        }
        if rest.starts_with("under 1% searched (") {
            return Some(0);
        }
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        assert!(rest[digits.len()..].starts_with("% searched ("), "{note}");
        Some(digits.parse().unwrap())
    }

    #[test]
    fn a_cut_budget_says_what_part_of_the_tier_was_searched() {
        let _cpu = one_at_a_time();
        // The last 8-digit PIN but one: out of reach of a 1 s budget on any machine that
        // does not hash 100 M keys a second.
        let (found, notes) =
            crack_tokens(&[token("99999998")], None, None, Duration::from_secs(1)).unwrap();
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(notes.len(), 1, "{notes:?}");
        let n = &notes[0];
        assert!(
            n.starts_with("token #1: the default weak-secret tier was cut by its 1 s budget: "),
            "{n}"
        );
        if let Some(p) = pin8_share(n) {
            assert!(p < 100, "{n}");
            assert!(n.contains(" of 100,000,000)"), "{n}");
        }
        assert!(n.contains("use --crack-budget "), "{n}");
        assert!(
            n.ends_with("or --mask '?d?d?d?d?d?d?d?d' for the 8-digit PINs alone"),
            "{n}"
        );

        // A budget that ends at once: every stage after the cut is named as not searched.
        let (_, notes) =
            crack_tokens(&[token("99999998")], None, None, Duration::from_millis(1)).unwrap();
        let n = &notes[0];
        for stage in [
            "the common passwords with rules: not searched",
            "4- to 7-digit PINs: not searched",
            "8-digit PINs: not searched",
        ] {
            assert!(n.contains(stage), "{stage}: {n}");
        }
        assert_eq!(pin8_share(n), None);
    }

    #[test]
    fn a_given_mask_is_searched_and_a_bad_one_refused() {
        let _cpu = one_at_a_time();
        let (found, _) =
            crack_tokens(&[token("zq81")], None, Some("?l?l?d?d"), DEFAULT_TIER_TIME).unwrap();
        assert_eq!(found[0].key, b"zq81");
        assert!(crack_tokens(&[token("x")], None, Some("?q"), DEFAULT_TIER_TIME).is_err());
    }

    #[test]
    fn a_missing_wordlist_is_a_clear_error() {
        let _cpu = one_at_a_time();
        let t = sign_token(
            Alg::HS256,
            &Key::Hmac(b"k".to_vec()),
            &json!({}),
            &json!({}),
        )
        .unwrap();
        let e = crack_tokens(
            &[t],
            Some(Path::new("/nonexistent/words.txt")),
            None,
            DEFAULT_TIER_TIME,
        );
        // The built-in list may already hold `k`; only an actual read error must say where.
        if let Err(e) = e {
            assert!(e.to_string().contains("/nonexistent/words.txt"), "{e}");
        }
    }
}
