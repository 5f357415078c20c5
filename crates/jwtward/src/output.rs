//! Printing a [`Report`] the same way for every subcommand, and the exit-code policy.

use crate::registry::{self, Origin};
use anyhow::Context as _;
use jwtward_report::sarif::{SarifOptions, to_sarif};
use jwtward_report::text::{SourceProvider, render_report};
use jwtward_report::{Report, Severity};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

/// `--format` as every finding-producing subcommand takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Code frames for people (colour on a terminal).
    Text,
    /// `{"version": 1, "findings": [...], "errors": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations.
    Github,
}

/// Exit codes: 0 nothing at or above the threshold, 1 something was found, 2 usage/I/O errors.
pub const EXIT_FOUND: u8 = 1;

struct Context {
    origin: Origin,
    output: Option<PathBuf>,
}

static CONTEXT: OnceLock<Context> = OnceLock::new();

/// Set once by `main`: which subcommand runs and where `--output` sends the report.
pub fn set_context(origin: Origin, output: Option<PathBuf>) {
    let _ = CONTEXT.set(Context { origin, output });
}

fn origin() -> Origin {
    CONTEXT.get().map_or(Origin::Scan, |c| c.origin)
}

fn output_path() -> Option<&'static PathBuf> {
    CONTEXT.get().and_then(|c| c.output.as_ref())
}

/// True when colour should be used (stdout is a terminal, no `--output`, NO_COLOR unset).
pub fn stdout_styled() -> bool {
    output_path().is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none()
}

/// Writes the report text to `--output FILE` or standard output.
pub fn write_out(text: &str) -> anyhow::Result<()> {
    if let Some(path) = output_path() {
        return std::fs::write(path, text)
            .with_context(|| format!("cannot write the report to {}", path.display()));
    }
    let mut out = anstream::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    Ok(())
}

/// The exit code `--fail-on` asks for.
pub fn exit_code(report: &Report, fail_on: Severity) -> ExitCode {
    if report.fails_at(fail_on) {
        ExitCode::from(EXIT_FOUND)
    } else {
        ExitCode::SUCCESS
    }
}

/// The SARIF document of `report` for the running subcommand.
pub fn sarif(report: &Report, sources: &dyn SourceProvider) -> String {
    let origin = origin();
    let rules: Vec<jwtward_report::RuleMeta> =
        registry::rules(origin).into_iter().copied().collect();
    let category = format!("jwtward/{}/", origin.as_str());
    let cwd = std::env::current_dir().ok();
    let doc = to_sarif(
        report,
        sources,
        &SarifOptions {
            rules: &rules,
            category: &category,
            root: cwd.as_deref(),
            tool_version: env!("CARGO_PKG_VERSION"),
        },
    );
    let mut s = serde_json::to_string_pretty(&doc).expect("SARIF serialises");
    s.push('\n');
    s
}

/// Prints `report` in `format` and returns the exit code `--fail-on` asks for.
pub fn emit(
    report: &Report,
    format: OutputFormat,
    fail_on: Severity,
    sources: &dyn SourceProvider,
) -> anyhow::Result<ExitCode> {
    let text = match format {
        OutputFormat::Json => report.to_json(),
        OutputFormat::Text => render_report(report, sources, stdout_styled()),
        OutputFormat::Sarif => sarif(report, sources),
        OutputFormat::Github => jwtward_report::github::render(report),
    };
    write_out(&text)?;
    Ok(exit_code(report, fail_on))
}
