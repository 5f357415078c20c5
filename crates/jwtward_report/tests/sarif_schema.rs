//! The SARIF output validates against the official OASIS 2.1.0 schema (with the venv's
//! `jsonschema`), carries what GitHub code scanning requires, and keeps its fingerprints when
//! unrelated lines move.

use jwtward_report::sarif::{SarifOptions, to_sarif};
use jwtward_report::text::DiskSources;
use jwtward_report::{
    ErrorEntry, Evidence, Finding, Location, Report, RuleMeta, Severity, Summary, TraceStep,
};
use std::path::Path;
use std::process::Command;

const RULES: &[RuleMeta] = &[
    RuleMeta {
        name: "signature-not-verified",
        severity: Severity::Critical,
        cwe: &[347],
        summary: "A token is decoded without checking its signature.",
        explanation: "Anyone can forge a token.",
        remediation: "Verify the signature with a pinned algorithm.",
        example: "jwt.decode(t, options={'verify_signature': False})",
        fixed_example: "jwt.decode(t, KEY, algorithms=['HS256'])",
    },
    RuleMeta {
        name: "fail-open-auth-dependency",
        severity: Severity::High,
        cwe: &[287],
        summary: "An auth dependency returns None instead of raising.",
        explanation: "Routes run without an identity.",
        remediation: "Raise 401.",
        example: "return None",
        fixed_example: "raise HTTPException(401)",
    },
    RuleMeta {
        name: "alg-none-accepted",
        severity: Severity::Critical,
        cwe: &[347],
        summary: "The API accepts alg none.",
        explanation: "Unsigned tokens pass.",
        remediation: "Pin algorithms.",
        example: "",
        fixed_example: "",
    },
];

use jwtward_testkit::python;

fn sample(dir: &Path, padding: usize) -> Report {
    let file = dir.join("auth.py");
    let mut src = "\n".repeat(padding);
    src.push_str("import jwt\n\ndef current(t):\n    return jwt.decode(t, options={'verify_signature': False})\n");
    std::fs::write(&file, src).unwrap();
    let file = file.to_string_lossy().to_string();
    let line = 4 + padding as u32;
    let a = Finding::new(&RULES[0], "signature verification is off").at(Location {
        file: file.clone(),
        line,
        column: 12,
        end_line: line,
        end_column: 22,
    });
    let b = Finding::new(&RULES[1], "current returns None on a bad token")
        .at(Location {
            file: file.clone(),
            line: 3 + padding as u32,
            column: 1,
            end_line: 3 + padding as u32,
            end_column: 4,
        })
        .with_route("GET", "/notes")
        .with_trace(vec![
            TraceStep {
                file: Some(file.clone()),
                line: Some(3 + padding as u32),
                note: "GET /notes".into(),
            },
            TraceStep {
                file: None,
                line: None,
                note: "handler serves data".into(),
            },
        ]);
    let mut c = Finding::new(&RULES[2], "alg none accepted").with_route("GET", "/items/{id}");
    c.url = Some("http://127.0.0.1:8000/items/1".into());
    c.curl = Some("curl -H 'Authorization: Bearer x' http://127.0.0.1:8000/items/1".into());
    c.evidence = Some(Evidence {
        request: "GET http://127.0.0.1:8000/items/1".into(),
        status: 200,
        ..Default::default()
    });
    Report::new(
        vec![a, b, c],
        vec![ErrorEntry {
            kind: "parse-error".into(),
            message: "Expected `)`".into(),
            file: Some(file),
            line: Some(1),
            column: Some(1),
        }],
        Summary::default(),
    )
}

fn sarif(dir: &Path, padding: usize) -> serde_json::Value {
    let report = sample(dir, padding);
    to_sarif(
        &report,
        &DiskSources,
        &SarifOptions {
            rules: RULES,
            category: "jwtward/scan/",
            root: Some(dir),
            tool_version: "0.1.0",
            docs_url: Some("https://example.org/jwtward/docs/rules/"),
            origin: "scan",
        },
    )
}

#[test]
fn validates_against_the_official_schema() {
    let dir = tempfile::tempdir().unwrap();
    let doc = sarif(dir.path(), 0);
    let out = dir.path().join("out.sarif");
    std::fs::write(&out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let script = "import json,sys\nimport jsonschema\nschema=json.load(open(sys.argv[1]))\ndoc=json.load(open(sys.argv[2]))\nerrs=sorted(jsonschema.Draft4Validator(schema).iter_errors(doc), key=str)\nfor e in errs: print(list(e.absolute_path), e.message)\nsys.exit(1 if errs else 0)\n";
    let res = Command::new(python())
        .args(["-c", script])
        .arg(&schema)
        .arg(&out)
        .output()
        .expect("run python");
    assert!(
        res.status.success(),
        "SARIF does not validate:\n{}{}",
        String::from_utf8_lossy(&res.stdout),
        String::from_utf8_lossy(&res.stderr)
    );

    // What GitHub code scanning requires on top of the schema.
    let run = &doc["runs"][0];
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        for key in ["id", "name"] {
            assert!(rule[key].is_string(), "{key} in {rule}");
        }
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["fullDescription"]["text"].is_string());
        assert!(rule["help"]["text"].is_string());
        assert!(rule["help"]["markdown"].is_string());
        let tags = rule["properties"]["tags"].as_array().unwrap();
        assert!(tags.contains(&serde_json::json!("security")));
        assert!(rule["properties"]["security-severity"].is_string());
    }
    github_upload_constraints(&doc);
    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        2,
        "the location-less finding is not a result"
    );
    let by_rule = |id: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == id)
            .unwrap_or_else(|| panic!("no result for {id}"))
    };
    let first = by_rule("signature-not-verified");
    let artifact = &first["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "auth.py", "URIs are relative to the root");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    let root = std::path::absolute(dir.path()).unwrap();
    assert_eq!(base, format!("file://{}/", root.display()));
    assert_eq!(first["level"], "error");
    assert!(
        by_rule("fail-open-auth-dependency")["codeFlows"][0]["threadFlows"][0]["locations"]
            .as_array()
            .is_some_and(|l| l.len() == 2)
    );
    assert_eq!(
        by_rule("fail-open-auth-dependency")["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "GET /notes"
    );
    // The probe finding without a source location is a notification naming rule and route.
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let alg_none = notes
        .iter()
        .find(|n| n["descriptor"]["id"] == "alg-none-accepted")
        .expect("a notification for the location-less finding");
    let text = alg_none["message"]["text"].as_str().unwrap();
    assert!(text.contains("GET /items/{id}"), "{text}");
    assert!(text.contains("http://127.0.0.1:8000/items/1"), "{text}");
    assert_eq!(alg_none["level"], "error");
    // helpUri from the configured docs URL, in the docs/rules layout.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(
        rules[0]["helpUri"],
        "https://example.org/jwtward/docs/rules/scan/signature-not-verified.md"
    );
}

/// GitHub code scanning's documented upload limits and requirements
/// (docs.github.com, "SARIF support for code scanning"): at most 20 runs, 25,000 results and
/// 25,000 rules per run, 20 tags per rule, 1,000 locations per result, 10,000 thread flow
/// locations; every result has a `ruleId`, a message and a physical location whose URI is
/// relative to a declared `uriBaseId` (or a `file://` URI), with a region starting at line 1
/// or later.
fn github_upload_constraints(doc: &serde_json::Value) {
    let runs = doc["runs"].as_array().unwrap();
    assert!(!runs.is_empty() && runs.len() <= 20);
    for run in runs {
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(rules.len() <= 25_000);
        for rule in rules {
            assert!(rule["properties"]["tags"].as_array().unwrap().len() <= 20);
            if let Some(u) = rule["helpUri"].as_str() {
                assert!(u.starts_with("https://"), "{u}");
            }
        }
        let bases = &run["originalUriBaseIds"];
        let results = run["results"].as_array().unwrap();
        assert!(results.len() <= 25_000);
        for r in results {
            assert!(r["ruleId"].is_string(), "{r}");
            assert!(r["message"]["text"].is_string(), "{r}");
            let locations = r["locations"].as_array().expect("locations");
            assert!(!locations.is_empty() && locations.len() <= 1_000, "{r}");
            for l in locations {
                let p = &l["physicalLocation"];
                let uri = p["artifactLocation"]["uri"]
                    .as_str()
                    .expect("an artifact URI");
                match p["artifactLocation"]["uriBaseId"].as_str() {
                    Some(base) => {
                        assert!(!uri.contains("://") && !uri.starts_with('/'), "{uri}");
                        let b = bases[base]["uri"].as_str().expect("a declared uriBaseId");
                        assert!(b.starts_with("file:///") && b.ends_with('/'), "{b}");
                    }
                    None => assert!(uri.starts_with("file:///"), "{uri}"),
                }
                assert!(p["region"]["startLine"].as_u64().unwrap() >= 1, "{r}");
            }
            for flow in r["codeFlows"].as_array().into_iter().flatten() {
                for tf in flow["threadFlows"].as_array().unwrap() {
                    assert!(tf["locations"].as_array().unwrap().len() <= 10_000);
                }
            }
        }
    }
}

#[test]
fn fingerprints_survive_unrelated_line_moves() {
    let dir = tempfile::tempdir().unwrap();
    let before = sarif(dir.path(), 0);
    let after = sarif(dir.path(), 7);
    let fps = |d: &serde_json::Value| -> Vec<String> {
        d["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let (a, b) = (fps(&before), fps(&after));
    assert_eq!(a, b);
    assert_ne!(a[0], a[1], "different findings get different fingerprints");
    // Line numbers did move.
    assert_ne!(
        before["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        after["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
    );
}
