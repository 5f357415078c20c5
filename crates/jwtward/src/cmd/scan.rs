//! `jwtward scan PATH...`: static analysis of Python source.

use crate::output::{OutputFormat, emit};
use jwtward_python::{DiscoveryOptions, Project};
use jwtward_report::text::DiskSources;
use jwtward_report::{Finding, Report, RuleMeta, Severity, Summary};
use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files or directories to scan.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Only run these rules (comma-separated rule names).
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated rule names).
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Skip files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also scan files ignored by .gitignore / .ignore.
    #[arg(long)]
    pub no_respect_gitignore: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Access-token lifetime above which `long-token-lifetime` reports (e.g. 24h, 90m, 7d, 3600s).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub token_lifetime_threshold: u64,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// `24h`, `90m`, `7d`, `1h30m`, `3600s`, `3600` (seconds).
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let mul = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 604800,
            _ => {
                return Err(format!(
                    "invalid duration `{s}`: unknown unit `{c}` (use s, m, h, d, w)"
                ));
            }
        };
        let n: u64 = num
            .parse()
            .map_err(|_| format!("invalid duration `{s}`: a number must come before `{c}`"))?;
        total = n
            .checked_mul(mul)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration `{s}` is too large"))?;
        num.clear();
    }
    if !num.is_empty() {
        return Err(format!("invalid duration `{s}`: `{num}` has no unit"));
    }
    Ok(total)
}

/// Every rule registry `scan` runs. Add a crate's `RULES` here to make its rules selectable.
fn registries() -> Vec<&'static [RuleMeta]> {
    vec![jwtward_scan::RULES, jwtward_fastapi::RULES]
}

fn all_rules() -> Vec<&'static RuleMeta> {
    registries().into_iter().flatten().collect()
}

fn validate_rule_names(names: &[String], flag: &str) -> anyhow::Result<()> {
    let known: HashSet<&str> = all_rules().iter().map(|r| r.name).collect();
    for n in names {
        if !known.contains(n.as_str()) {
            let mut list: Vec<&str> = known.iter().copied().collect();
            list.sort_unstable();
            anyhow::bail!(
                "unknown rule `{n}` in {flag} (known rules: {})",
                list.join(", ")
            );
        }
    }
    Ok(())
}

/// Runs every analysis on the project.
fn analyse(project: &Project, settings: &jwtward_scan::Settings) -> Vec<Finding> {
    // One JWT-library model for both rule sets: the FastAPI rules use it for decode sites.
    let model = jwtward_scan::JwtModel::build(project);
    let mut findings = jwtward_scan::check_with_model(project, &model, settings);
    let fastapi = jwtward_fastapi::Settings::default();
    findings.extend(jwtward_fastapi::check_with_model(project, &model, &fastapi));
    findings
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let select: Vec<String> = args
        .select
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let ignore: Vec<String> = args
        .ignore
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    validate_rule_names(&select, "--select")?;
    validate_rule_names(&ignore, "--ignore")?;
    let opts = DiscoveryOptions {
        respect_gitignore: !args.no_respect_gitignore,
        exclude: args.exclude.clone(),
        threads: args.threads.map(usize::from),
        ..DiscoveryOptions::default()
    };
    let settings = jwtward_scan::Settings {
        long_token_lifetime_threshold_secs: args.token_lifetime_threshold,
    };
    let paths = args.paths.clone();
    // Deeply nested source recurses deeply: analyse on a thread with a large stack.
    let handle = std::thread::Builder::new()
        .name("jwtward-scan".into())
        .stack_size(256 * 1024 * 1024)
        .spawn(move || -> anyhow::Result<Report> {
            let timings = std::env::var_os("JWTWARD_TIMINGS").is_some();
            let t0 = std::time::Instant::now();
            let project = Project::load(&paths, &opts)?;
            let t1 = std::time::Instant::now();
            let findings = analyse(&project, &settings);
            if timings {
                eprintln!(
                    "jwtward: load+parse {:.3}s, analysis {:.3}s",
                    (t1 - t0).as_secs_f64(),
                    t1.elapsed().as_secs_f64()
                );
            }
            let findings: Vec<Finding> = findings
                .into_iter()
                .filter(|f| select.is_empty() || select.contains(&f.rule))
                .filter(|f| !ignore.contains(&f.rule))
                .collect();
            let summary = Summary {
                files: Some(project.modules.len()),
                lines: Some(project.line_count()),
                ..Summary::default()
            };
            Ok(Report::new(findings, project.errors.clone(), summary))
        })?;
    let report = handle
        .join()
        .map_err(|_| anyhow::anyhow!("the analysis thread panicked"))??;
    emit(&report, args.format, args.fail_on, &DiskSources)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Ok(86400));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("3600"), Ok(3600));
        assert_eq!(parse_duration("7d"), Ok(604800));
        assert!(parse_duration("12x").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("10h5").is_err());
    }
}
