//! Printing a [`Report`] the same way for every subcommand, and the exit-code policy.

use crate::registry::{self, Origin};
use anyhow::Context as _;
use jwtward_report::sarif::{SarifOptions, to_sarif};
use jwtward_report::text::{SourceProvider, render_concise, render_full, render_statistics};
use jwtward_report::{Report, Severity};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

/// `--format` as every finding-producing subcommand takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Code frames for people (colour on a terminal), the most severe first.
    Text,
    /// One line a finding: `file:line:col: severity[rule] message`.
    Concise,
    /// `{"version": 1, "findings": [...], "errors": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations.
    Github,
}

/// Exit codes: 0 nothing at or above the threshold, 1 something was found (or an input could
/// not be read), 2 usage errors and errors that stop the run.
pub const EXIT_FOUND: u8 = 1;

/// Error kinds that mean an input was not analysed: they make the exit code 1 (like a
/// finding) unless `--exit-zero`, as ruff does for unreadable files.
pub const INPUT_ERRORS: [&str; 3] = ["io-error", "not-utf8", "file-too-large"];

struct Context {
    origin: Origin,
    output: Option<PathBuf>,
    quiet: bool,
}

/// What a scan run adds to the exit-code policy and the report layout.
#[derive(Clone, Copy, Debug, Default)]
pub struct Policy {
    /// Exit 0 whatever was found (`--exit-zero`); errors that stop the run still exit 2.
    pub exit_zero: bool,
    /// Print the number of findings per rule instead of the findings (`--statistics`).
    pub statistics: bool,
}

/// What the SARIF run knows beyond the report: the repository root and the docs URL.
#[derive(Clone, Debug, Default)]
pub struct SarifContext {
    pub root: Option<PathBuf>,
    pub docs_url: Option<String>,
}

static SARIF: OnceLock<SarifContext> = OnceLock::new();

/// Set by `scan` before emitting: the root artifact URIs are relative to, and `docs-url`.
pub fn set_sarif_context(c: SarifContext) {
    let _ = SARIF.set(c);
}

/// The repository root for SARIF: the nearest directory above `start` that holds `.git`,
/// else the current directory.
pub fn repository_root(start: &std::path::Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        if d.join(".git").exists() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    std::env::current_dir().ok()
}

static CONTEXT: OnceLock<Context> = OnceLock::new();

/// Set once by `main`: which subcommand runs, where `--output` sends the report, `-q`.
pub fn set_context(origin: Origin, output: Option<PathBuf>, quiet: bool) {
    let _ = CONTEXT.set(Context {
        origin,
        output,
        quiet,
    });
}

/// `-q/--quiet`: findings only, no summary line and no warnings.
pub fn quiet() -> bool {
    CONTEXT.get().is_some_and(|c| c.quiet)
}

/// Prints `jwtward: warning: MESSAGE` on standard error, unless `-q`.
pub fn warn(message: &str) {
    if !quiet() {
        anstream::eprintln!("jwtward: warning: {message}");
    }
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
    exit_code_with(report, fail_on, Policy::default())
}

/// The exit code: 1 when a finding reaches `fail_on` or an input could not be read
/// ([`INPUT_ERRORS`]), 0 otherwise or under `--exit-zero`.
pub fn exit_code_with(report: &Report, fail_on: Severity, policy: Policy) -> ExitCode {
    let unread = report
        .errors
        .iter()
        .any(|e| INPUT_ERRORS.contains(&e.kind.as_str()));
    if !policy.exit_zero && (report.fails_at(fail_on) || unread) {
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
    let ctx = SARIF.get().cloned().unwrap_or_default();
    let root = ctx
        .root
        .or_else(|| repository_root(std::path::Path::new(".")));
    let doc = to_sarif(
        report,
        sources,
        &SarifOptions {
            rules: &rules,
            category: &category,
            root: root.as_deref(),
            tool_version: env!("CARGO_PKG_VERSION"),
            docs_url: ctx.docs_url.as_deref(),
            origin: origin.as_str(),
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
    emit_with(report, format, fail_on, Policy::default(), sources)
}

/// The text of `report` in `format` (`--statistics` applies to text, concise and JSON).
pub fn render(
    report: &Report,
    format: OutputFormat,
    policy: Policy,
    sources: &dyn SourceProvider,
) -> String {
    let summary = !quiet();
    match format {
        OutputFormat::Json if policy.statistics => {
            let stats: Vec<serde_json::Value> = report
                .statistics()
                .into_iter()
                .map(
                    |(rule, sev, n)| serde_json::json!({"rule": rule, "severity": sev, "count": n}),
                )
                .collect();
            let mut s = serde_json::to_string_pretty(&stats).expect("statistics serialise");
            s.push('\n');
            s
        }
        OutputFormat::Text | OutputFormat::Concise if policy.statistics => {
            render_statistics(report, summary)
        }
        OutputFormat::Json => report.to_json(),
        OutputFormat::Text => render_full(report, sources, stdout_styled(), summary),
        OutputFormat::Concise => render_concise(report, stdout_styled(), summary),
        OutputFormat::Sarif => sarif(report, sources),
        OutputFormat::Github => jwtward_report::github::render(report),
    }
}

/// [`emit`] with the exit-code policy and layout of `scan`.
pub fn emit_with(
    report: &Report,
    format: OutputFormat,
    fail_on: Severity,
    policy: Policy,
    sources: &dyn SourceProvider,
) -> anyhow::Result<ExitCode> {
    write_out(&render(report, format, policy, sources))?;
    Ok(exit_code_with(report, fail_on, policy))
}
