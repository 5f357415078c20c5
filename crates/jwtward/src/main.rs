//! The `jwtward` command line: one binary, one subcommand per way of finding a bypass.

mod cmd;
mod output;
mod registry;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

// Parsing allocates many small AST nodes on several threads: mimalloc cuts the time the
// system allocator spent there (about a quarter of a scan's profile) — see bench/scan.sh.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "jwtward",
    version,
    about = "Find and prove JWT authentication bypass in FastAPI applications",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Print the findings only: no summary line, no warnings.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Read Python source and report JWT authentication bypass.
    Scan(cmd::scan::Args),
    /// Audit a captured token offline.
    #[command(subcommand)]
    Token(cmd::token::TokenCommand),
    /// Recover the HMAC key of an HS256/384/512 token.
    Crack(cmd::crack::Args),
    /// Attack a running API, guided by its OpenAPI spec, and report what was proven.
    Probe(cmd::probe::Args),
    /// Show the documentation of a rule (or list every rule).
    Rule(cmd::rule::Args),
    /// Scan, start the app, probe it: every static finding confirmed, not reproduced or not tested.
    Audit(cmd::audit::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap: help and version are successes; everything else is a usage error (2).
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    let origin = match &cli.command {
        Command::Probe(_) => registry::Origin::Probe,
        Command::Token(_) | Command::Crack(_) => registry::Origin::Token,
        Command::Scan(_) | Command::Rule(_) | Command::Audit(_) => registry::Origin::Scan,
    };
    output::set_context(origin, cli.output, cli.quiet);
    let result = match cli.command {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Token(c) => cmd::token::run(c),
        Command::Crack(args) => cmd::crack::run(args),
        Command::Probe(args) => cmd::probe::run(args),
        Command::Rule(args) => cmd::rule::run(args),
        Command::Audit(args) => cmd::audit::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            anstream::eprintln!("jwtward: error: {}", error_text(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each said once: a cause whose text the message already holds
/// (`cannot read x: No such file or directory` over the same io::Error) is not repeated.
fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn causes_are_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let e = anyhow::Error::new(io).context("cannot read x.json: No such file");
        assert_eq!(super::error_text(&e), "cannot read x.json: No such file");
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(super::error_text(&e), "outer: inner");
    }
}
