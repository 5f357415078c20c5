//! docs/fastapi-rules.md lists every rule with its example, exactly as `RULES` says.

use std::path::Path;

#[test]
fn rule_reference_is_in_sync_with_rules() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/fastapi-rules.md");
    let doc = std::fs::read_to_string(&path).expect("docs/fastapi-rules.md exists");
    let marker = "<!-- generated: rules";
    let at = doc
        .find(marker)
        .expect("the generated-rules marker is in the document");
    let generated = doc[at..]
        .split_once('\n')
        .map(|(_, rest)| rest)
        .unwrap_or("");
    assert_eq!(
        generated,
        jwtward_fastapi::docs::rules_markdown(),
        "docs/fastapi-rules.md is out of date: regenerate the part below the marker with \
         `cargo run -p jwtward_fastapi --example rules_markdown`"
    );
    for r in jwtward_fastapi::RULES {
        assert!(
            doc.contains(&format!("### `{}`", r.name)),
            "{} is not documented",
            r.name
        );
    }
}

#[test]
fn rule_metadata_is_complete() {
    let mut names = std::collections::HashSet::new();
    assert_eq!(jwtward_fastapi::RULES.len(), 15);
    for r in jwtward_fastapi::RULES {
        assert!(names.insert(r.name), "duplicate rule {}", r.name);
        for (what, text) in [
            ("summary", r.summary),
            ("explanation", r.explanation),
            ("remediation", r.remediation),
            ("example", r.example),
            ("fixed_example", r.fixed_example),
        ] {
            assert!(!text.trim().is_empty(), "{}: empty {what}", r.name);
        }
        assert_ne!(r.example, r.fixed_example, "{}", r.name);
    }
}
