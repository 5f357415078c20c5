//! `jwtward rule`: the documentation of each rule, from the registry the code uses.

use crate::registry::{self, Origin};
use anyhow::{Context, bail};
use jwtward_report::docs;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The rule to document (e.g. `signature-not-verified`).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    name: Option<String>,
    /// List every rule (or, with --write-docs, write every page).
    #[arg(long)]
    all: bool,
    /// Print Markdown instead of text.
    #[arg(long)]
    markdown: bool,
    /// With --all: write docs/rules-style pages (one per rule and an index) under DIR.
    #[arg(long, value_name = "DIR", requires = "all")]
    write_docs: Option<PathBuf>,
}

/// Writes every rule page and the index under `dir` (`<origin>/<name>.md`, `README.md`).
pub fn write_docs(dir: &std::path::Path) -> anyhow::Result<usize> {
    let all = registry::all();
    let mut n = 0;
    for (rule, origin) in &all {
        let sub = dir.join(origin.as_str());
        std::fs::create_dir_all(&sub)
            .with_context(|| format!("cannot create {}", sub.display()))?;
        let path = sub.join(format!("{}.md", rule.name));
        std::fs::write(&path, docs::markdown(rule, origin.as_str()))
            .with_context(|| format!("cannot write {}", path.display()))?;
        n += 1;
    }
    let index: Vec<(&jwtward_report::RuleMeta, &str)> =
        all.iter().map(|(r, o)| (*r, o.as_str())).collect();
    let path = dir.join("README.md");
    std::fs::write(&path, docs::index(&index))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(n)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.write_docs {
        let n = write_docs(dir)?;
        eprintln!("wrote {n} rule pages and the index to {}", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let all = registry::all();
    let mut out = String::new();
    if args.all {
        for (r, origin) in &all {
            let _ = writeln!(
                out,
                "{:<32} {:<6} {:<9} {}",
                r.name,
                origin.as_str(),
                r.severity.as_str(),
                r.summary
            );
        }
        crate::output::write_out(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let name = args.name.unwrap_or_default();
    let hits: Vec<&(&jwtward_report::RuleMeta, Origin)> =
        all.iter().filter(|(r, _)| r.name == name).collect();
    if hits.is_empty() {
        let mut names: Vec<&str> = all.iter().map(|(r, _)| r.name).collect();
        names.sort_unstable();
        names.dedup();
        let mut close: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| n.contains(name.as_str()) || name.contains(n))
            .collect();
        if close.is_empty() {
            close.extend(jwtward_report::did_you_mean(&name, &names));
        }
        if close.is_empty() {
            bail!("unknown rule `{name}`; `jwtward rule --all` lists them");
        }
        bail!("unknown rule `{name}`; did you mean {}?", close.join(", "));
    }
    for (i, (r, origin)) in hits.iter().enumerate() {
        if i > 0 {
            out.push_str("\n---\n\n");
        }
        if args.markdown {
            out.push_str(&docs::markdown(r, origin.as_str()));
        } else {
            out.push_str(&docs::text(r, origin.as_str()));
        }
    }
    crate::output::write_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
