//! `jwtward crack`: recover the HMAC key of an HS256/384/512 token.

/// `--format` for crack: a key is not a finding, so text or JSON only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CrackFormat {
    Text,
    Json,
}

use anyhow::bail;
use jwtward_crack::{EngineKind, Mask, Outcome, Progress, SearchOptions, Target, search};
use jwtward_jose::audit::display_secret;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
#[command(after_help = "\
Exit status: 0 key found (or --verify: the key signs the token), 1 not found (exhausted, \
--limit reached or interrupted), 2 error.
Candidates are tried in this order: built-in list, wordlist, mask. Ctrl-C prints the position \
reached; --skip with that number resumes.")]
pub struct Args {
    /// The token (`-` or nothing: read it from stdin).
    pub token: Option<String>,
    /// With --verify: the key to check (text; `hex:...` for bytes).
    pub key: Option<String>,
    /// Check whether KEY signs TOKEN instead of searching.
    #[arg(long)]
    pub verify: bool,
    /// Wordlist file, one key per line (memory-mapped; gzip accepted).
    #[arg(short, long, value_name = "FILE")]
    pub wordlist: Option<PathBuf>,
    /// hashcat-style mask: ?l ?u ?d ?h ?H ?s ?a ?b ?1-?4, ?? for a literal ?.
    #[arg(short, long)]
    pub mask: Option<String>,
    /// Custom charset ?1 (may use ?l and friends).
    #[arg(short = '1', long = "custom-charset1", value_name = "CHARS")]
    pub custom1: Option<String>,
    /// Custom charset ?2.
    #[arg(short = '2', long = "custom-charset2", value_name = "CHARS")]
    pub custom2: Option<String>,
    /// Custom charset ?3.
    #[arg(short = '3', long = "custom-charset3", value_name = "CHARS")]
    pub custom3: Option<String>,
    /// Custom charset ?4.
    #[arg(short = '4', long = "custom-charset4", value_name = "CHARS")]
    pub custom4: Option<String>,
    /// Try every mask length from --increment-min (1) to --increment-max (the mask's length).
    #[arg(short, long)]
    pub increment: bool,
    #[arg(long, value_name = "N", requires = "increment")]
    pub increment_min: Option<usize>,
    #[arg(long, value_name = "N", requires = "increment")]
    pub increment_max: Option<usize>,
    /// Apply word rules (case toggles, leetspeak, digit/year/symbol suffixes) to the built-in
    /// list and the wordlist.
    #[arg(short, long)]
    pub rules: bool,
    /// Do not try the built-in list of weak JWT secrets.
    #[arg(long)]
    pub no_builtin: bool,
    /// Start at this candidate position (the number printed when a search is interrupted).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub skip: u64,
    /// Stop after this many candidates.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// HMAC implementation.
    #[arg(long, default_value = "auto", value_parser = parse_engine)]
    pub engine: EngineKind,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CrackFormat,
}

fn parse_engine(s: &str) -> Result<EngineKind, String> {
    s.parse()
}

/// `hex:...` is bytes, anything else is the text itself.
fn parse_key(k: &str) -> anyhow::Result<Vec<u8>> {
    match k.strip_prefix("hex:") {
        Some(h) => {
            let h = h.trim();
            if h.len() % 2 != 0 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!("key `{k}`: `hex:` must be followed by an even number of hex digits");
            }
            Ok((0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex checked"))
                .collect())
        }
        None => Ok(k.as_bytes().to_vec()),
    }
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn human_count(n: f64) -> String {
    if n >= 1e9 {
        format!("{:.2}G", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.2}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

fn print(text: &str) -> anyhow::Result<()> {
    crate::output::write_out(text)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let token = super::token::read_token(args.token.as_deref())?;
    let target = Target::from_token(&token)?;
    if args.verify {
        let Some(k) = &args.key else {
            bail!("--verify needs the key after the token: jwtward crack --verify TOKEN KEY");
        };
        let key = parse_key(k)?;
        let ok = target.verify(&key);
        match args.format {
            CrackFormat::Json => print(&format!(
                "{}\n",
                serde_json::json!({"verified": ok, "alg": target.alg.as_str()})
            ))?,
            CrackFormat::Text => print(&format!(
                "{}: {} {} the token ({})\n",
                if ok { "valid" } else { "invalid" },
                display_secret(&key),
                if ok { "signs" } else { "does not sign" },
                target.alg.as_str()
            ))?,
        }
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    if args.key.is_some() {
        bail!(
            "unexpected second argument (a key is only taken with --verify: jwtward crack --verify TOKEN KEY)"
        );
    }
    let mask = match &args.mask {
        Some(m) => {
            let custom = [
                args.custom1.clone(),
                args.custom2.clone(),
                args.custom3.clone(),
                args.custom4.clone(),
            ];
            let mask = Mask::parse(m, &custom)?;
            Some(if args.increment {
                mask.with_increment(args.increment_min, args.increment_max)?
            } else {
                mask
            })
        }
        None => None,
    };
    let show_bar = args.format == CrackFormat::Text && std::io::stderr().is_terminal();
    let opts = SearchOptions {
        engine: args.engine,
        builtin: !args.no_builtin,
        wordlist: args.wordlist.clone(),
        rules: args.rules,
        mask,
        skip: args.skip,
        limit: args.limit,
        threads: args.threads,
        // Only a progress bar shows the total.
        count_total: show_bar,
    };
    let progress = Arc::new(Progress::new());
    {
        let p = progress.clone();
        // A second handler cannot be installed (tests call run once per process): ignore that.
        let _ = ctrlc::set_handler(move || p.stop());
    }
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let bar_thread = show_bar.then(|| {
        let p = progress.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} {per_sec} ETA {eta}",
                )
                .expect("template"),
            );
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(t) = p.total() {
                    bar.set_length(t);
                }
                bar.set_position(p.tried());
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        })
    });
    let result = search(&target, &opts, &progress);
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    if let Some(t) = bar_thread {
        let _ = t.join();
    }
    let outcome: Outcome = result?;
    // Candidates checked in this run (when found: up to and including the key).
    let reached = match outcome.position {
        Some(p) => p + 1,
        None => outcome.tried,
    };
    let tried_now = reached.saturating_sub(args.skip);
    let r = rate(tried_now, outcome.elapsed);
    match args.format {
        CrackFormat::Json => {
            let status = if outcome.key.is_some() {
                "found"
            } else if outcome.stopped {
                "interrupted"
            } else if outcome.limited {
                "limit"
            } else {
                "exhausted"
            };
            // The envelope every subcommand prints (`version`, `findings`, `errors`,
            // `summary`), then what the search did; a found key is a `weak-secret` finding.
            let findings: Vec<jwtward_report::Finding> = outcome
                .key
                .iter()
                .map(|k| {
                    jwtward_report::Finding::new(
                        &jwtward_jose::audit::WEAK_SECRET,
                        format!(
                            "the {} key is {} (candidate {})",
                            target.alg.as_str(),
                            display_secret(k),
                            outcome.position.unwrap_or(0)
                        ),
                    )
                })
                .collect();
            let report = jwtward_report::Report::new(
                findings,
                Vec::new(),
                jwtward_report::Summary::default(),
            );
            let mut v = serde_json::json!({
                "version": report.version,
                "findings": report.findings,
                "errors": report.errors,
                "summary": report.summary,
                "status": status,
                "alg": target.alg.as_str(),
                "engine": outcome.engine.as_str(),
                "tried": reached,
                "elapsed_s": outcome.elapsed.as_secs_f64(),
                "keys_per_s": r,
            });
            if let Some(k) = &outcome.key {
                v["key"] = match std::str::from_utf8(k) {
                    Ok(s) => s.into(),
                    Err(_) => serde_json::Value::Null,
                };
                v["key_hex"] = k
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
                    .into();
                v["position"] = outcome.position.into();
            }
            print(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        }
        CrackFormat::Text => {
            let stats = format!(
                "{} keys in {:.2}s, {} keys/s, engine {}",
                human_count(tried_now as f64),
                outcome.elapsed.as_secs_f64(),
                human_count(r),
                outcome.engine
            );
            if let Some(k) = &outcome.key {
                print(&format!(
                    "key found: {} ({}, candidate {})\n",
                    display_secret(k),
                    target.alg.as_str(),
                    outcome.position.unwrap_or(0)
                ))?;
                anstream::eprintln!("{stats}");
            } else if outcome.stopped || outcome.limited {
                let why = if outcome.stopped {
                    "interrupted"
                } else {
                    "limit reached"
                };
                print(&format!(
                    "not found: {why} after candidate {}; resume with --skip {}\n",
                    outcome.tried, outcome.tried
                ))?;
                anstream::eprintln!("{stats}");
            } else {
                print(&format!(
                    "not found: exhausted {} candidates\n",
                    outcome.tried
                ))?;
                anstream::eprintln!("{stats}");
            }
        }
    }
    Ok(if outcome.key.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
