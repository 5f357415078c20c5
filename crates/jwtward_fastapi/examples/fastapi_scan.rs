//! Prints the FastAPI findings (JSON) and the route table of the paths given.
//! `cargo run -p jwtward_fastapi --example fastapi_scan -- PATH... [--routes [--chain] | --text]`
//! (`--chain`: each route's include chain, app first, after its dependencies)

use jwtward_python::{DiscoveryOptions, Project};
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let routes = args.iter().any(|a| a == "--routes");
    let text = args.iter().any(|a| a == "--text");
    let chain = args.iter().any(|a| a == "--chain");
    let paths: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let t = std::time::Instant::now();
    let project = match Project::load(&paths, &DiscoveryOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("fastapi_scan: {e:?}");
            std::process::exit(2);
        }
    };
    let load = t.elapsed();
    let t = std::time::Instant::now();
    let jwt = jwtward_fastapi::JwtModel::build(&project);
    let jwt_elapsed = t.elapsed();
    let t = std::time::Instant::now();
    let findings =
        jwtward_fastapi::check_with_model(&project, &jwt, &jwtward_fastapi::Settings::default());
    let elapsed = t.elapsed();
    let report = jwtward_report::Report::new(findings, project.errors.clone(), Default::default());
    if routes {
        for r in jwtward_fastapi::route_table(&project) {
            println!(
                "{:<10} {:<32} {:<16} {}",
                r.methods.join(","),
                r.path,
                r.auth.as_str(),
                r.chain
                    .iter()
                    .map(|c| format!("{}:{}", c.dependency, c.effect))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            if chain {
                println!("{:<10} via {}", "", r.include_chain.join(" > "));
            }
        }
    } else if text {
        print!(
            "{}",
            jwtward_report::text::render_report(&report, &jwtward_report::text::DiskSources, false)
        );
    } else {
        print!("{}", report.to_json());
    }
    let lines = project.line_count();
    eprintln!(
        "{} files, {} lines, {} findings, load {:.1} ms, JWT model {:.1} ms, FastAPI model+rules {:.1} ms ({:.1} M lines/s)",
        project.modules.len(),
        lines,
        report.findings.len(),
        load.as_secs_f64() * 1000.0,
        jwt_elapsed.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() * 1000.0,
        lines as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6
    );
}
