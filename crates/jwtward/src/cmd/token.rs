//! `jwtward token`: offline audit of a captured token.

use crate::output::{OutputFormat, emit};
use anyhow::{Context, bail};
use jwtward_jose::audit::{AuditOptions, audit, human_duration, human_time};
use jwtward_report::text::NoSources;
use jwtward_report::{Report, Severity, Summary};
use serde_json::Value;
use std::io::{IsTerminal, Read};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Decode a token and report its weaknesses (alg none, weak HMAC key, lifetime, claims...).
    Inspect(InspectArgs),
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// The token (`-` or nothing: read it from stdin). A `Bearer ` prefix is ignored.
    pub token: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Lifetimes (`exp - iat`) above this are reported: seconds, or with a unit (30m, 12h, 7d).
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    pub max_lifetime: i64,
    /// Do not try the built-in list of weak secrets on HMAC tokens.
    #[arg(long)]
    pub no_crack: bool,
    /// Evaluate times against this Unix time instead of now (reproducible reports).
    #[arg(long, value_name = "UNIX_SECONDS", hide = true)]
    pub now: Option<i64>,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_duration(s: &str) -> Result<i64, String> {
    match jwtward_config::parse_duration(s)? {
        0 => Err(format!("`{s}` is not a positive duration")),
        n => i64::try_from(n).map_err(|_| format!("duration `{s}` is too large")),
    }
}

/// The token from the argument, or from standard input when it is `-` or absent.
pub fn read_token(arg: Option<&str>) -> anyhow::Result<String> {
    match arg {
        Some(t) if t != "-" => Ok(t.to_string()),
        _ => {
            if std::io::stdin().is_terminal() {
                bail!("no token given: pass it as an argument or on stdin");
            }
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading the token from stdin")?;
            Ok(s)
        }
    }
}

pub fn run(c: TokenCommand) -> anyhow::Result<ExitCode> {
    match c {
        TokenCommand::Inspect(args) => inspect(args),
    }
}

const TIME_CLAIMS: [&str; 3] = ["iat", "nbf", "exp"];

fn inspect(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let token = read_token(args.token.as_deref())?;
    let jws = jwtward_jose::audit::parse_for_audit(&token).context("cannot read the token")?;
    let mut opts = AuditOptions {
        max_lifetime_secs: args.max_lifetime,
        ..AuditOptions::default()
    };
    if let Some(now) = args.now {
        opts.now = now;
    }
    if !args.no_crack
        && jws.alg().is_some_and(|a| a.starts_with("HS"))
        && let Ok(target) = jwtward_crack::Target::from_jws(&jws)
    {
        opts.found_secret = jwtward_crack::check_builtin(&target);
    }
    let findings = audit(&jws, &opts);
    let report = Report::new(findings, Vec::new(), Summary::default());
    if args.format == OutputFormat::Text {
        let mut s = String::new();
        s.push_str("header:\n");
        s.push_str(&indent(&serde_json::to_string_pretty(jws.header())?));
        match jws.payload() {
            Some(claims) => {
                s.push_str("claims:\n");
                s.push_str(&indent(&serde_json::to_string_pretty(claims)?));
                if let Some(obj) = claims.as_object() {
                    for name in TIME_CLAIMS {
                        if let Some(t) = obj.get(name).and_then(Value::as_i64) {
                            let rel = t.saturating_sub(opts.now);
                            let when = if rel >= 0 {
                                format!("in {}", human_duration(rel))
                            } else {
                                format!("{} ago", human_duration(rel.saturating_neg()))
                            };
                            s.push_str(&format!("  {name}: {} ({when})\n", human_time(t)));
                        }
                    }
                }
            }
            None => {
                s.push_str(&format!(
                    "payload: {} bytes, not JSON\n",
                    jws.payload_bytes().len()
                ));
            }
        }
        s.push_str(&format!("signature: {} bytes\n\n", jws.signature().len()));
        // The decoded token, then the findings, as one document (it may go to --output).
        s.push_str(&jwtward_report::text::render_full(
            &report,
            &NoSources,
            crate::output::stdout_styled(),
            !crate::output::quiet(),
        ));
        crate::output::write_out(&s)?;
        return Ok(crate::output::exit_code(&report, args.fail_on));
    }
    emit(&report, args.format, args.fail_on, &NoSources)
}

fn indent(s: &str) -> String {
    let mut out = String::new();
    for l in s.lines() {
        out.push_str("  ");
        out.push_str(l);
        out.push('\n');
    }
    out
}
