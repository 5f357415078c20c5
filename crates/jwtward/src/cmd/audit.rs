//! `jwtward audit PATH`: scan, start the app, probe it, and give every static finding a
//! verdict (confirmed / not-reproduced / not-tested). The work is `jwtward_audit`'s.

use crate::cmd::scan::{self, ScanFormat};
use crate::output::{self, OutputFormat};
use jwtward_audit::{Request, render};
use jwtward_report::text::DiskSources;
use jwtward_report::{Report, Summary};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
#[group(id = "audit-options")]
pub struct Args {
    /// The scan's options (PATH, configuration, --select, --baseline, --format, --fail-on...).
    #[command(flatten)]
    pub scan: scan::Args,
    /// The app to start, as uvicorn takes it (`app.main:app`), when the project has several.
    #[arg(long, value_name = "MODULE:ATTR")]
    pub app: Option<String>,
    /// `--app` names a function that returns the app (uvicorn --factory).
    #[arg(long, requires = "app")]
    pub factory: bool,
    /// The Python to run uvicorn with [default: the project's .venv or venv, else python3].
    #[arg(long, value_name = "PY", conflicts_with_all = ["run", "url"])]
    pub python: Option<PathBuf>,
    /// Start the app with this shell command instead; `{port}` is replaced by the port.
    #[arg(long, value_name = "CMD", conflicts_with = "url")]
    pub run: Option<String>,
    /// Audit an instance already running (loopback only, unless --allow-remote).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Accept a --url that is not on loopback (the instance must be yours to attack).
    #[arg(long, requires = "url")]
    pub allow_remote: bool,
    /// A valid token (repeatable); the first is the baseline identity.
    #[arg(long, value_name = "T")]
    pub token: Vec<String>,
    /// Key to sign tokens with (HMAC secret or PEM/JWK private key) instead of the one the
    /// scan resolves.
    #[arg(long, value_name = "K")]
    pub signing_key: Option<String>,
    /// Also test POST/PUT/PATCH/DELETE and destructive-looking paths.
    #[arg(long)]
    pub unsafe_methods: bool,
    /// Seconds to wait for each response.
    #[arg(long, value_name = "S", default_value_t = 10.0)]
    pub timeout: f64,
    /// Seconds the app may take to open its port.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub startup_timeout: f64,
    /// The most requests the probe may send.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    pub max_requests: usize,
    /// Report only the static findings proven at run time.
    #[arg(long)]
    pub confirmed_only: bool,
    /// The word before the token in `Authorization` [default: Bearer, or `Token`/`JWT` when
    /// a protected route accepts only that].
    #[arg(long, value_name = "WORD")]
    pub auth_scheme: Option<String>,
}

fn seconds(v: f64, flag: &str) -> anyhow::Result<Duration> {
    if !(v > 0.0 && v.is_finite()) {
        anyhow::bail!("{flag} {v}: expected a positive number of seconds");
    }
    Ok(Duration::from_secs_f64(v))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.scan.paths.len() != 1 {
        anyhow::bail!("audit takes one PATH: the project directory");
    }
    if args.scan.write_baseline.is_some() || args.scan.show_settings {
        anyhow::bail!("--write-baseline and --show-settings are `jwtward scan` options");
    }
    let req = Request {
        project: args.scan.paths[0].clone(),
        app: args.app.clone(),
        factory: args.factory,
        python: args.python.clone(),
        run: args.run.clone(),
        url: args.url.clone(),
        allow_remote: args.allow_remote,
        tokens: args.token.clone(),
        signing_key: args.signing_key.as_ref().map(|k| k.as_bytes().to_vec()),
        unsafe_methods: args.unsafe_methods,
        timeout: seconds(args.timeout, "--timeout")?,
        startup_timeout: seconds(args.startup_timeout, "--startup-timeout")?,
        max_requests: args.max_requests,
        concurrency: 8,
        auth_scheme: args.auth_scheme.clone(),
    };
    // Ctrl-C stops the app's process group before the process ends.
    let _ = ctrlc::set_handler(|| {
        jwtward_audit::launch::stop_all();
        eprintln!("jwtward: interrupted; the app was stopped");
        std::process::exit(130);
    });
    let format = args.scan.format;
    let confirmed_only = args.confirmed_only;
    let title = format!("jwtward audit: {}", req.project.display());
    let mut then = |project: &jwtward_python::Project,
                    report: Report,
                    routes: &[jwtward_fastapi::RouteInfo],
                    fail_on: jwtward_report::Severity|
     -> anyhow::Result<ExitCode> {
        let files = report.summary.files.unwrap_or(0);
        let lines = report.summary.lines.unwrap_or(0);
        let scan_errors = report.errors.clone();
        let observer: Option<Box<dyn Fn(usize) + Send + Sync>> = if std::io::stderr().is_terminal()
        {
            Some(Box::new(|n: usize| {
                eprint!("\r\x1b[2Kjwtward audit: {n} requests")
            }))
        } else {
            None
        };
        let mut outcome = jwtward_audit::audit(&req, project, report.findings, routes, observer)?;
        if std::io::stderr().is_terminal() {
            eprint!("\r\x1b[2K");
        }
        outcome.errors.extend(scan_errors);
        let shown = render::as_findings(&outcome, confirmed_only);
        let gate = Report::new(
            shown,
            outcome.errors.clone(),
            Summary {
                files: Some(files),
                lines: Some(lines),
                requests: Some(outcome.requests),
                endpoints: Some(outcome.endpoints),
                ..Summary::default()
            },
        );
        let code = output::exit_code(&gate, fail_on);
        match format {
            ScanFormat::Json => {
                output::write_out(&render::to_json(&outcome, confirmed_only, files, lines))?
            }
            ScanFormat::Text => output::write_out(&render::to_text(&outcome, confirmed_only))?,
            ScanFormat::Concise => {
                output::emit(&gate, OutputFormat::Concise, fail_on, &DiskSources)?;
            }
            ScanFormat::Sarif => {
                output::emit(&gate, OutputFormat::Sarif, fail_on, &DiskSources)?;
            }
            ScanFormat::Github => {
                output::emit(&gate, OutputFormat::Github, fail_on, &DiskSources)?;
            }
            ScanFormat::Html => {
                let dynamic = Report::new(outcome.dynamic.clone(), Vec::new(), Summary::default());
                let html = jwtward_report::html::render(
                    &title,
                    &gate,
                    &scan::coverage_of(routes),
                    Some(&dynamic),
                    &DiskSources,
                );
                output::write_out(&html)?;
            }
        }
        Ok(code)
    };
    scan::run_with(args.scan, Some(&mut then))
}
