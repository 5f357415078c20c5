//! Printing a [`Report`] the same way for every subcommand, and the exit-code policy.

use jwtward_report::text::{SourceProvider, render_report};
use jwtward_report::{Report, Severity};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// `--format` as every subcommand takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Exit codes: 0 nothing at or above the threshold, 1 something was found, 2 usage/I/O errors.
pub const EXIT_FOUND: u8 = 1;

/// True when colour should be used on stdout (a terminal, and NO_COLOR unset).
pub fn stdout_styled() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
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
    };
    let mut out = anstream::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    Ok(if report.fails_at(fail_on) {
        ExitCode::from(EXIT_FOUND)
    } else {
        ExitCode::SUCCESS
    })
}
