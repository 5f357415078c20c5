//! The Python front end, the whole scan analysis (JWT-library rules and FastAPI rules, route
//! table) and the text and SARIF reporters, on one hostile source file.
//!
//! The body of the `scan` fuzz target (`fuzz/fuzz_targets/scan.rs`), shared with the
//! stable seed-corpus test (`crates/jwtward/tests/fuzz_corpus.rs`): a panic is a crash.

use jwtward_python::Project;
use jwtward_report::text::SourceProvider;
use jwtward_report::{Report, Summary};

struct Mem<'a>(&'a str);

impl SourceProvider for Mem<'_> {
    fn source(&self, _file: &str) -> Option<String> {
        Some(self.0.to_string())
    }
}

pub fn run(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let src = src.to_string();
    // As `jwtward scan` does: the analysis runs (and the project is dropped) on a thread with
    // a 256 MiB stack.
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || {
            let project = Project::from_sources(vec![
                ("app/main.py".to_string(), src.clone()),
                ("app/__init__.py".to_string(), String::new()),
            ]);
            let model = jwtward_scan::JwtModel::build(&project);
            let mut findings = jwtward_scan::check_with_model(
                &project,
                &model,
                &jwtward_scan::Settings::default(),
            );
            let (more, _routes) = jwtward_fastapi::check_and_route_table(
                &project,
                &model,
                &jwtward_fastapi::Settings::default(),
            );
            findings.extend(more);
            drop(model);
            let report = Report::new(findings, project.errors.clone(), Summary::default());
            drop(project);
            let sources = Mem(&src);
            let _ = jwtward_report::text::render_report(&report, &sources, false);
            let rules: Vec<_> = jwtward_scan::RULES
                .iter()
                .chain(jwtward_fastapi::RULES)
                .cloned()
                .collect();
            let _ = jwtward_report::sarif::to_sarif(
                &report,
                &sources,
                &jwtward_report::sarif::SarifOptions {
                    rules: &rules,
                    category: "jwtward/scan/",
                    root: None,
                    tool_version: "fuzz",
                    docs_url: Some("https://jwtward.invalid/docs/rules"),
                    origin: "scan",
                },
            );
        })
        .expect("thread")
        .join()
        .expect("the analysis panicked");
}
