//! `jwtward scan PATH...`: static analysis of Python source.

use crate::output::{self, OutputFormat, Policy};
use anyhow::{Context as _, bail};
use globset::{Glob, GlobSet, GlobSetBuilder};
use jwtward_config::{ConfigFile, parse_duration};
use jwtward_python::{DiscoveryOptions, Project};
use jwtward_report::html::{AuthStatus, RouteCoverage};
use jwtward_report::text::{DiskSources, SourceProvider};
use jwtward_report::{Finding, Report, RuleMeta, Severity, Summary};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `--format` for scan: the shared formats plus the HTML coverage report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// Code frames for people (colour on a terminal), the most severe first.
    Text,
    /// One line a finding: `file:line:col: severity[rule] message`, the most severe first.
    Concise,
    /// `{"version": 1, "findings": [...], "errors": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations.
    Github,
    /// One self-contained HTML page: the authentication coverage map and the findings.
    Html,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files or directories to scan [default: .]; `-` reads one file from standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(
        long,
        visible_alias = "output-format",
        value_enum,
        default_value = "text"
    )]
    pub format: ScanFormat,
    /// With `-`: the path of the file on standard input (for messages, configuration
    /// discovery, per-file ignores and test-code detection).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// The PATHs are changed files (pre-commit): analyse the project that encloses them and
    /// report the findings whose location or trace is in one of them.
    #[arg(long)]
    pub changed_files: bool,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Exit 0 even when findings or unreadable files are reported.
    #[arg(long)]
    pub exit_zero: bool,
    /// Exit with 1 when a finding at or above this severity is reported [default: low, or
    /// `fail-on` of the configuration].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Only run these rules (comma-separated rule names); replaces `select` of the configuration.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated rule names); added to `ignore` of the configuration.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Skip files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Apply the exclusions to files named on the command line too (for pre-commit).
    #[arg(long)]
    pub force_exclude: bool,
    /// Also scan files ignored by .gitignore / .ignore.
    #[arg(long)]
    pub no_respect_gitignore: bool,
    /// Parse every file up front, so that each syntax error is reported (by default only files
    /// that can matter to the analysis are parsed; see the README).
    #[arg(long)]
    pub parse_all: bool,
    /// Worker threads (default and 0: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<u16>,
    /// Access-token lifetime above which `long-token-lifetime` reports (e.g. 24h, 90m, 7d,
    /// 3600s) [default: 24h, or `token-lifetime-threshold` of the configuration].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub token_lifetime_threshold: Option<u64>,
    /// Use this configuration file instead of discovering one.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,
    /// Print the resolved configuration and exit.
    #[arg(long)]
    pub show_settings: bool,
    /// Report `# jwtward: ignore[...]` comments that suppress nothing.
    #[arg(long)]
    pub report_unused_ignores: bool,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// With --format html: merge a `jwtward probe --format json` report into the coverage map.
    #[arg(long, value_name = "FILE")]
    pub probe_report: Option<PathBuf>,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// Every rule `scan` can report (the registry of `crate::registry`).
fn all_rules() -> Vec<&'static RuleMeta> {
    crate::registry::rules(crate::registry::Origin::Scan)
}

fn validate_rule_names(names: &[String], flag: &str) -> anyhow::Result<()> {
    let known: Vec<&str> = all_rules().iter().map(|r| r.name).collect();
    for n in names {
        if !known.contains(&n.as_str()) {
            match jwtward_report::did_you_mean(n, &known) {
                Some(k) => anyhow::bail!("unknown rule `{n}` in {flag}; did you mean `{k}`?"),
                None => {
                    anyhow::bail!("unknown rule `{n}` in {flag} (`jwtward rule --all` lists them)")
                }
            }
        }
    }
    Ok(())
}

/// The project that encloses the changed files of `--changed-files`: the directory of the
/// configuration in force, else the git work tree, else the current directory. Relative
/// (`.`) when it is the current directory, so reported paths stay relative.
fn enclosing_project(config: Option<&ConfigFile>, first: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = config
        .map(|c| std::path::absolute(c.dir()).unwrap_or_else(|_| c.dir().to_path_buf()))
        .or_else(|| {
            let start = std::path::absolute(first).ok()?;
            start
                .ancestors()
                .find(|d| d.join(".git").exists())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| cwd.clone());
    match root.strip_prefix(&cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rel) => rel.to_path_buf(),
        Err(_) => root,
    }
}

/// A path compared across spellings (`./a.py`, `a.py`, absolute): canonical when it exists.
fn same_file_key(p: &str) -> PathBuf {
    let p = Path::new(p);
    p.canonicalize()
        .or_else(|_| std::path::absolute(p))
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Runs every analysis on the project; with `routes`, also returns the route table.
fn analyse(
    project: &Project,
    settings: &jwtward_scan::Settings,
    fastapi: &jwtward_fastapi::Settings,
    routes: bool,
) -> (Vec<Finding>, Vec<jwtward_fastapi::RouteInfo>) {
    // One JWT-library model for both rule sets: the FastAPI rules use it for decode sites.
    let model = jwtward_scan::JwtModel::build(project);
    let mut findings = jwtward_scan::check_with_model(project, &model, settings);
    let keyed = findings
        .iter()
        .any(|f| KEY_RULES.contains(&f.rule.as_str()));
    if routes || keyed {
        let (route_findings, table) =
            jwtward_fastapi::check_and_route_table(project, &model, fastapi);
        name_protected_routes(&mut findings, &table);
        findings.extend(route_findings);
        (findings, if routes { table } else { Vec::new() })
    } else {
        findings.extend(jwtward_fastapi::check_with_model(project, &model, fastapi));
        (findings, Vec::new())
    }
}

/// The rules about a signing key that can be guessed or read.
const KEY_RULES: &[&str] = &["weak-secret", "hardcoded-secret"];

/// A key finding names the routes the key protects: the `forgeable` routes whose guard
/// reaches a decode call the finding names as a use of the key (`used by `jwt.decode` at
/// FILE:LINE`). The message gets the routes (five at most, then how many more), the trace a
/// step for each.
fn name_protected_routes(findings: &mut [Finding], table: &[jwtward_fastapi::RouteInfo]) {
    const SHOWN: usize = 5;
    for f in findings
        .iter_mut()
        .filter(|f| KEY_RULES.contains(&f.rule.as_str()))
    {
        let routes: Vec<&jwtward_fastapi::RouteInfo> = table
            .iter()
            .filter(|r| {
                r.forged_at
                    .as_ref()
                    .is_some_and(|at| f.message.contains(&format!(" at {}:{}", at.file, at.line)))
            })
            .collect();
        if routes.is_empty() {
            continue;
        }
        let names: Vec<String> = routes
            .iter()
            .map(|r| format!("{} {}", r.methods.join(","), r.path))
            .collect();
        let more = names.len().saturating_sub(SHOWN);
        let mut list = names[..names.len().min(SHOWN)].join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        let n = names.len();
        f.message.push_str(&format!(
            "; it protects {n} route{}: {list}",
            if n == 1 { "" } else { "s" }
        ));
        for r in routes.iter().take(SHOWN) {
            f.trace.push(jwtward_report::TraceStep {
                file: Some(r.location.file.clone()),
                line: Some(r.location.line),
                note: format!(
                    "{} {} is protected only by this key (forgeable)",
                    r.methods.join(","),
                    r.path
                ),
            });
        }
    }
}

/// Where configuration discovery starts: the first PATH (for `-`, the `--stdin-filename`,
/// else the current directory).
fn discovery_start(args: &Args) -> PathBuf {
    match args.paths.first() {
        Some(p) if p.as_os_str() == "-" => args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from(".")),
        Some(p) => p.clone(),
        None => PathBuf::from("."),
    }
}

/// The configuration in force: `--config`, else the nearest file, unless `--isolated`.
fn resolve_config(args: &Args) -> anyhow::Result<Option<ConfigFile>> {
    if args.isolated {
        return Ok(None);
    }
    let file = match &args.config {
        Some(path) => match jwtward_config::load(path)? {
            Some(f) => Some(f),
            None => bail!("{} has no [tool.jwtward] table", path.display()),
        },
        None => jwtward_config::discover(&discovery_start(args))?,
    };
    if let Some(f) = &file {
        let known: Vec<&str> = all_rules().iter().map(|r| r.name).collect();
        jwtward_config::check_rule_names(f, &known)?;
    }
    Ok(file)
}

/// What a run does, after the command line and the configuration are merged.
#[derive(Debug, serde::Serialize)]
struct Settings {
    config_file: Option<PathBuf>,
    select: Vec<String>,
    ignore: Vec<String>,
    per_file_ignores: std::collections::BTreeMap<String, Vec<String>>,
    exclude: Vec<String>,
    default_exclusions: bool,
    respect_gitignore: bool,
    fail_on: Severity,
    token_lifetime_threshold: String,
    weak_secrets: usize,
    public_paths: Vec<String>,
    auth_dependencies: Vec<String>,
    token_helpers: Vec<String>,
}

fn clean(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A path pattern of `public-paths`: `*` matches within a segment, a trailing `*` anything.
fn path_matches(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => {
                if p.len() == 1 {
                    return true; // a trailing `*` matches the rest
                }
                (0..=s.len())
                    .take_while(|&i| i == 0 || s[i - 1] != b'/')
                    .any(|i| go(&p[1..], &s[i..]))
            }
            (Some(a), Some(b)) if a == b => go(&p[1..], &s[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), path.as_bytes())
}

/// Files named on the command line that the exclusions cover (`--force-exclude`).
fn force_excluded(path: &Path, exclusions: &GlobSet, default_exclusions: bool) -> bool {
    if !path.is_file() {
        return false;
    }
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    if exclusions.is_match(text) || path.file_name().is_some_and(|n| exclusions.is_match(n)) {
        return true;
    }
    default_exclusions
        && path.components().any(|c| {
            matches!(
                c.as_os_str().to_str(),
                Some(
                    ".venv"
                        | "venv"
                        | ".tox"
                        | ".nox"
                        | "site-packages"
                        | "node_modules"
                        | "__pycache__"
                )
            )
        })
}

fn globset(patterns: &[String]) -> anyhow::Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).with_context(|| format!("bad exclude glob `{p}`"))?);
        b.add(Glob::new(&format!("**/{p}")).with_context(|| format!("bad exclude glob `{p}`"))?);
    }
    Ok(b.build()?)
}

/// Where the HTML map puts a route: its app (a mounted sub-app is an app of its own, with
/// its mount path), its group (the router it is registered on, with the prefix its routes
/// are served under; empty for routes of the app itself), and the include chain from the
/// app to that router.
fn route_group(r: &jwtward_fastapi::RouteInfo) -> (String, String, Vec<String>) {
    let name = r.app_name.clone().unwrap_or_else(|| r.app.clone());
    let app = match &r.mount {
        Some(m) => format!("{name} (mounted at {m})"),
        None => name,
    };
    let group = if r.include_chain.len() <= 1 {
        String::new()
    } else {
        let prefix = if r.router_prefix.is_empty() {
            "/"
        } else {
            r.router_prefix.as_str()
        };
        format!("{} ({prefix})", r.router)
    };
    (app, group, r.include_chain.clone())
}

/// The class a bare `Depends()` instantiates, from the parameter it is written on:
/// `form: OAuth2PasswordRequestForm = Depends()` or
/// `form: Annotated[OAuth2PasswordRequestForm, Depends()]`.
fn bare_depends_class(
    cache: &mut std::collections::HashMap<String, Option<String>>,
    file: &str,
    line: u32,
) -> Option<String> {
    let src = cache
        .entry(file.to_string())
        .or_insert_with(|| DiskSources.source(file))
        .as_deref()?;
    let text = src.lines().nth(line.checked_sub(1)? as usize)?;
    let at = text.find("Depends()")?;
    let before = text[..at].trim_end();
    let ident = |s: &str| -> Option<String> {
        let name: String = s
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        (!name.is_empty()).then_some(name)
    };
    if let Some(b) = before.strip_suffix('=') {
        // `name: Class = Depends()`
        let annotation = b.trim_end().rsplit_once(':')?.1.trim();
        return ident(annotation);
    }
    // `Annotated[Class, Depends()]`
    let b = before.strip_suffix(',')?.trim_end();
    let inner = b.rsplit_once("Annotated[")?.1;
    ident(inner.trim())
}

/// The HTML coverage rows of a route table, without `public-paths` (for `audit`).
pub fn coverage_of(routes: &[jwtward_fastapi::RouteInfo]) -> Vec<RouteCoverage> {
    coverage(routes, &[])
}

/// The route class, with the `public-paths` of the configuration applied.
fn route_class(r: &jwtward_fastapi::RouteInfo, public_paths: &[String]) -> (String, String) {
    if r.class == "unprotected" && public_paths.iter().any(|p| path_matches(p, &r.path)) {
        return (
            "public".into(),
            "listed in public-paths of the configuration".into(),
        );
    }
    (r.class.to_string(), r.reason.clone())
}

/// The JSON route table: one row per route and method.
fn route_rows(
    routes: &[jwtward_fastapi::RouteInfo],
    public_paths: &[String],
) -> Vec<jwtward_report::RouteRow> {
    let mut out = Vec::new();
    for r in routes {
        let (class, reason) = route_class(r, public_paths);
        for m in &r.methods {
            out.push(jwtward_report::RouteRow {
                method: if m == "WEBSOCKET" {
                    "WS".into()
                } else {
                    m.clone()
                },
                path: r.path.clone(),
                file: r.location.file.clone(),
                line: r.location.line,
                class: class.clone(),
                reason: reason.clone(),
            });
        }
    }
    out
}

fn coverage(routes: &[jwtward_fastapi::RouteInfo], public_paths: &[String]) -> Vec<RouteCoverage> {
    let mut out = Vec::new();
    let mut lines = std::collections::HashMap::new();
    for r in routes {
        let (class, reason) = route_class(r, public_paths);
        let auth = match class.as_str() {
            "protected" => AuthStatus::Protected,
            "forgeable" => AuthStatus::Forgeable,
            "conditional" => AuthStatus::Conditional,
            "optional" => AuthStatus::Optional,
            "fail-open" => AuthStatus::FailOpen,
            "public" => AuthStatus::Public,
            _ => AuthStatus::None,
        };
        let (app, group, via) = route_group(r);
        let chain = r
            .chain
            .iter()
            .map(|l| {
                let dep = if l.dependency == "Depends()" {
                    bare_depends_class(&mut lines, &l.file, l.line)
                        .map_or_else(|| l.dependency.clone(), |c| format!("Depends({c})"))
                } else {
                    l.dependency.clone()
                };
                // `other` (neither authentication nor rate limiting) says nothing: omitted.
                if l.effect == "other" {
                    dep
                } else {
                    format!("{dep} ({})", l.effect)
                }
            })
            .collect::<Vec<_>>();
        let (file, line) = r
            .handler_location
            .as_ref()
            .map(|l| (l.file.clone(), l.line))
            .unwrap_or((r.location.file.clone(), r.location.line));
        for m in &r.methods {
            out.push(RouteCoverage {
                app: app.clone(),
                group: group.clone(),
                via: via.clone(),
                method: m.clone(),
                path: r.path.clone(),
                handler: r.handler.clone().unwrap_or_else(|| "?".into()),
                file: file.clone(),
                line,
                auth,
                reason: reason.clone(),
                chain: chain.clone(),
            });
        }
    }
    out
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    run_with(args, None)
}

/// What `jwtward audit` does with the scan's result instead of printing it: the project,
/// the report (configuration, suppressions and baseline applied), the route table and the
/// `fail-on` in force.
pub type Then<'a> = &'a mut dyn FnMut(
    &Project,
    Report,
    &[jwtward_fastapi::RouteInfo],
    Severity,
) -> anyhow::Result<ExitCode>;

/// [`run`], handing the result to `then` when given.
pub fn run_with(mut args: Args, then: Option<Then<'_>>) -> anyhow::Result<ExitCode> {
    if args.paths.is_empty() {
        args.paths.push(PathBuf::from("."));
    }
    let stdin_mode = args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin_mode && args.paths.len() > 1 {
        bail!("`-` (standard input) cannot be combined with other paths");
    }
    if args.stdin_filename.is_some() && !stdin_mode {
        bail!("--stdin-filename only applies when the path is `-` (standard input)");
    }
    if stdin_mode && args.changed_files {
        bail!("--changed-files cannot read standard input");
    }
    let config = resolve_config(&args)?;
    let opts_file = config
        .as_ref()
        .map(|c| c.options.clone())
        .unwrap_or_default();
    let mut select = clean(&args.select);
    if select.is_empty() {
        select = clean(opts_file.select.as_deref().unwrap_or(&[]));
    }
    let mut ignore = clean(&opts_file.ignore);
    ignore.extend(clean(&args.ignore));
    validate_rule_names(&select, "--select")?;
    validate_rule_names(&ignore, "--ignore")?;
    if args.probe_report.is_some() && args.format != ScanFormat::Html {
        bail!("--probe-report only applies to --format html");
    }
    let default_exclusions = opts_file.exclude.is_none();
    let mut exclude = opts_file.exclude.clone().unwrap_or_default();
    exclude.extend(opts_file.extend_exclude.iter().cloned());
    exclude.extend(args.exclude.iter().cloned());
    let threshold = args
        .token_lifetime_threshold
        .or(opts_file.token_lifetime_threshold.map(|d| d.0))
        .unwrap_or(24 * 3600);
    let settings = Settings {
        config_file: config.as_ref().map(|c| c.path.clone()),
        select: select.clone(),
        ignore: ignore.clone(),
        per_file_ignores: opts_file.per_file_ignores.clone(),
        exclude: exclude.clone(),
        default_exclusions,
        respect_gitignore: !args.no_respect_gitignore
            && opts_file.respect_gitignore.unwrap_or(true),
        fail_on: args.fail_on.or(opts_file.fail_on).unwrap_or(Severity::Low),
        token_lifetime_threshold: jwtward_config::format_duration(threshold),
        weak_secrets: opts_file.weak_secrets.len(),
        public_paths: opts_file.public_paths.clone(),
        auth_dependencies: clean(&opts_file.auth_dependencies),
        token_helpers: clean(&opts_file.token_helpers),
    };
    if args.show_settings {
        let mut text = serde_json::to_string_pretty(&settings)?;
        text.push('\n');
        output::write_out(&text)?;
        return Ok(ExitCode::SUCCESS);
    }

    let mut paths = args.paths.clone();
    if args.force_exclude {
        let set = globset(&exclude)?;
        paths.retain(|p| !force_excluded(p, &set, default_exclusions));
        if paths.is_empty() {
            let report = Report::new(Vec::new(), Vec::new(), Summary::default());
            return emit_report(&args, &settings, &report, &[], None, &DiskSources);
        }
    }
    // `--changed-files`: the project around them is analysed; they select what is reported.
    let changed: Option<HashSet<PathBuf>> = args.changed_files.then(|| {
        paths
            .iter()
            .map(|p| same_file_key(&p.to_string_lossy()))
            .collect()
    });
    if args.changed_files {
        paths = vec![enclosing_project(config.as_ref(), &paths[0])];
    }
    // `-`: one file from standard input, analysed on its own.
    let stdin = if stdin_mode {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("cannot read standard input (it must be UTF-8 text)")?;
        let name = args
            .stdin_filename
            .as_ref()
            .map_or_else(|| "-".to_string(), |p| p.to_string_lossy().into_owned());
        Some((name, text))
    } else {
        None
    };
    let opts = DiscoveryOptions {
        respect_gitignore: settings.respect_gitignore,
        skip_venvs: default_exclusions,
        exclude,
        // 0, like no value, is one thread per core.
        threads: args.threads.map(usize::from).filter(|&n| n > 0),
        parse_all: args.parse_all,
        ..DiscoveryOptions::default()
    };
    let scan_settings = jwtward_scan::Settings {
        long_token_lifetime_threshold_secs: threshold,
        extra_weak_secrets: opts_file.weak_secrets.clone(),
        selected: select.clone(),
    };
    // Auth dependencies and token helpers are part of the FastAPI model itself.
    let fastapi_settings = jwtward_fastapi::Settings {
        auth_dependencies: settings.auth_dependencies.clone(),
        token_helpers: settings.token_helpers.clone(),
        ..jwtward_fastapi::Settings::default()
    };
    let want_routes = matches!(args.format, ScanFormat::Html | ScanFormat::Json)
        || !settings.public_paths.is_empty()
        || then.is_some();
    // Deeply nested source recurses deeply: analyse on a thread with a large stack.
    let handle = std::thread::Builder::new()
        .name("jwtward-scan".into())
        .stack_size(256 * 1024 * 1024)
        .spawn(
            move || -> anyhow::Result<(Project, Vec<Finding>, Vec<jwtward_fastapi::RouteInfo>)> {
                let timings = std::env::var_os("JWTWARD_TIMINGS").is_some();
                let t0 = std::time::Instant::now();
                let mut project = match stdin {
                    Some((name, text)) => Project::from_sources(vec![(name, text)]),
                    None => Project::load(&paths, &opts)?,
                };
                let t1 = std::time::Instant::now();
                let (findings, routes) =
                    analyse(&project, &scan_settings, &fastapi_settings, want_routes);
                // The ASTs are dropped here, on the large stack, not on the main thread.
                project.finish_analysis();
                if timings {
                    eprintln!(
                        "jwtward: load+parse {:.3}s, analysis {:.3}s",
                        (t1 - t0).as_secs_f64(),
                        t1.elapsed().as_secs_f64()
                    );
                }
                Ok((project, findings, routes))
            },
        )?;
    let (project, findings, routes) = handle
        .join()
        .map_err(|_| anyhow::anyhow!("the analysis thread panicked"))??;
    if project.modules.is_empty() && project.errors.is_empty() {
        output::warn(&format!(
            "no Python files found under {} (every file is excluded, ignored or not Python)",
            args.paths
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    // Rule selection, per-file ignores and the public paths of the configuration.
    let per_file = config
        .as_ref()
        .map(ConfigFile::per_file_ignores)
        .unwrap_or_default();
    let config_dir = config
        .as_ref()
        .map(|c| std::path::absolute(c.dir()).unwrap_or_else(|_| c.dir().to_path_buf()));
    let public: HashSet<(String, String)> = routes
        .iter()
        .filter(|r| {
            settings
                .public_paths
                .iter()
                .any(|p| path_matches(p, &r.path))
        })
        .flat_map(|r| r.methods.iter().map(|m| (m.clone(), r.path.clone())))
        .collect();
    let findings: Vec<Finding> = findings
        .into_iter()
        .filter(|f| select.is_empty() || select.contains(&f.rule))
        .filter(|f| !ignore.contains(&f.rule))
        .filter(|f| {
            let (Some(loc), Some(dir)) = (&f.location, &config_dir) else {
                return true;
            };
            let abs = std::path::absolute(&loc.file).unwrap_or_else(|_| PathBuf::from(&loc.file));
            let Ok(rel) = abs.strip_prefix(dir) else {
                return true;
            };
            !per_file
                .iter()
                .any(|(set, rules)| set.is_match(rel) && rules.contains(&f.rule))
        })
        .filter(|f| {
            !(f.rule == "unprotected-route"
                && matches!((&f.method, &f.path), (Some(m), Some(p)) if public.contains(&(m.clone(), p.clone()))))
        })
        .collect();

    // Inline suppressions, then the baseline. Only files that mention `jwtward` can hold a
    // suppression comment (searched in memory, the sources are loaded already).
    let files: Vec<String> = project
        .modules
        .iter()
        .filter(|m| m.source.contains("jwtward"))
        .map(|m| m.display_path.clone())
        .collect();
    // The analysed text, also for files whose names are not UTF-8 (their display path cannot
    // be opened again) and for standard input.
    let sources = project.sources();
    let known: Vec<&str> = all_rules().iter().map(|r| r.name).collect();
    let mut errors = project.errors.clone();
    errors.extend(jwtward_report::suppress::check_rule_names(
        &files, &sources, &known,
    ));
    let applied =
        jwtward_report::suppress::apply(findings, &sources, args.report_unused_ignores, &files);
    let suppressed = applied.suppressed;
    let mut findings = applied.kept;
    findings.extend(applied.unused);
    // `--changed-files`: what touches one of them (its location or a step of its trace).
    if let Some(changed) = &changed {
        let mut keys: std::collections::HashMap<String, bool> = Default::default();
        let mut touches = |file: &str| -> bool {
            *keys
                .entry(file.to_string())
                .or_insert_with(|| changed.contains(&same_file_key(file)))
        };
        findings.retain(|f| {
            f.location.as_ref().is_some_and(|l| touches(&l.file))
                || f.trace
                    .iter()
                    .any(|t| t.file.as_deref().is_some_and(&mut touches))
        });
        errors.retain(|e| e.file.as_deref().is_some_and(&mut touches));
    }
    if let Some(path) = &args.write_baseline {
        let n = jwtward_report::baseline::write(path, &findings, &sources)
            .with_context(|| format!("cannot write baseline {}", path.display()))?;
        eprintln!("jwtward: recorded {n} findings in {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut baselined = None;
    if let Some(path) = &args.baseline {
        let (kept, dropped) = jwtward_report::baseline::filter(path, findings, &sources)
            .map_err(anyhow::Error::msg)?;
        findings = kept;
        baselined = Some(dropped);
    }
    let summary = Summary {
        files: Some(project.modules.len()),
        lines: Some(project.line_count()),
        suppressed: Some(suppressed),
        baselined,
        ..Summary::default()
    };
    let (findings, capped) = jwtward_report::cap_per_file_and_rule(
        findings,
        jwtward_report::MAX_FINDINGS_PER_FILE_AND_RULE,
    );
    errors.extend(capped);
    let mut report = Report::new(findings, errors, summary);
    if args.format == ScanFormat::Json {
        report.routes = route_rows(&routes, &settings.public_paths);
    }
    if let Some(then) = then {
        return then(&project, report, &routes, settings.fail_on);
    }
    let probe = match &args.probe_report {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read probe report {}", p.display()))?;
            Some(serde_json::from_str::<Report>(&text).with_context(|| {
                format!(
                    "{} is not a `jwtward probe --format json` report",
                    p.display()
                )
            })?)
        }
        None => None,
    };
    output::set_sarif_context(output::SarifContext {
        root: output::repository_root(&discovery_start(&args)),
        docs_url: opts_file.docs_url.clone(),
    });
    emit_report(&args, &settings, &report, &routes, probe.as_ref(), &sources)
}

fn emit_report(
    args: &Args,
    settings: &Settings,
    report: &Report,
    routes: &[jwtward_fastapi::RouteInfo],
    probe: Option<&Report>,
    sources: &dyn SourceProvider,
) -> anyhow::Result<ExitCode> {
    let policy = Policy {
        exit_zero: args.exit_zero,
        statistics: args.statistics,
    };
    let format = match args.format {
        ScanFormat::Text => OutputFormat::Text,
        ScanFormat::Concise => OutputFormat::Concise,
        ScanFormat::Json => OutputFormat::Json,
        ScanFormat::Sarif => OutputFormat::Sarif,
        ScanFormat::Github => OutputFormat::Github,
        ScanFormat::Html => {
            let title = format!(
                "jwtward scan: {}",
                args.paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            let html = jwtward_report::html::render(
                &title,
                report,
                &coverage(routes, &settings.public_paths),
                probe,
                sources,
            );
            output::write_out(&html)?;
            return Ok(output::exit_code_with(report, settings.fail_on, policy));
        }
    };
    output::emit_with(report, format, settings.fail_on, policy, sources)
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn public_path_patterns() {
        assert!(path_matches("/metrics", "/metrics"));
        assert!(!path_matches("/metrics", "/metrics/x"));
        assert!(path_matches("/public/*", "/public/a/b"));
        assert!(path_matches("/items/*/preview", "/items/{id}/preview"));
        assert!(!path_matches("/items/*/preview", "/items/a/b/preview"));
        assert!(!path_matches("/admin", "/administrator"));
    }
}
