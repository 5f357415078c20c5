//! Every rule against its vulnerable fixtures (snapshot of the JSON findings) and its fixed
//! twins (no finding of that rule).

use jwtward_python::{DiscoveryOptions, Project};
use jwtward_report::Finding;
use jwtward_scan::{RULES, Settings, check};
use std::path::PathBuf;

fn scan(dir: &str) -> Vec<Finding> {
    scan_with(dir, &Settings::default())
}

fn scan_with(dir: &str, settings: &Settings) -> Vec<Finding> {
    let project = Project::load(&[PathBuf::from(dir)], &DiscoveryOptions::default())
        .unwrap_or_else(|e| panic!("cannot load {dir}: {e}"));
    assert!(!project.modules.is_empty(), "no Python files under {dir}");
    assert!(
        project.errors.is_empty(),
        "fixture errors in {dir}: {:#?}",
        project.errors
    );
    let mut findings = check(&project, settings);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

fn rule_case(rule: &str, expected: usize) {
    assert!(RULES.iter().any(|r| r.name == rule), "unknown rule {rule}");
    // The rule asked for by name, as `--select RULE` does: hygiene notes included.
    let selected = Settings {
        selected: vec![rule.to_string()],
        ..Settings::default()
    };
    let vulnerable: Vec<Finding> =
        scan_with(&format!("tests/fixtures/{rule}/vulnerable"), &selected)
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect();
    assert_eq!(
        vulnerable.len(),
        expected,
        "{rule}: expected {expected} findings in the vulnerable fixtures, got {vulnerable:#?}"
    );
    insta::assert_json_snapshot!(rule, vulnerable);
    let fixed: Vec<Finding> = scan_with(&format!("tests/fixtures/{rule}/fixed"), &selected)
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect();
    assert!(
        fixed.is_empty(),
        "{rule}: the fixed twins still report {fixed:#?}"
    );
}

#[test]
fn signature_not_verified() {
    rule_case("signature-not-verified", 21);
}

#[test]
fn none_algorithm_allowed() {
    rule_case("none-algorithm-allowed", 10);
}

#[test]
fn algorithms_not_pinned() {
    rule_case("algorithms-not-pinned", 6);
}

#[test]
fn algorithm_confusion() {
    rule_case("algorithm-confusion", 4);
}

#[test]
fn untrusted_verification_input() {
    rule_case("untrusted-verification-input", 5);
}

#[test]
fn weak_secret() {
    rule_case("weak-secret", 28);
}

#[test]
fn hardcoded_secret() {
    rule_case("hardcoded-secret", 6);
}

#[test]
fn expiration_not_verified() {
    rule_case("expiration-not-verified", 17);
}

#[test]
fn expiration_not_required() {
    rule_case("expiration-not-required", 12);
}

#[test]
fn long_token_lifetime() {
    rule_case("long-token-lifetime", 10);
}

#[test]
fn audience_not_verified() {
    rule_case("audience-not-verified", 6);
}

#[test]
fn issuer_not_verified() {
    rule_case("issuer-not-verified", 7);
}

#[test]
fn error_detail_leak() {
    rule_case("error-detail-leak", 10);
}

#[test]
fn insecure_token_cookie() {
    rule_case("insecure-token-cookie", 4);
}

#[test]
fn threshold_is_configurable() {
    let project = Project::load(
        &[PathBuf::from(
            "tests/fixtures/long-token-lifetime/vulnerable",
        )],
        &DiscoveryOptions::default(),
    )
    .unwrap();
    let count = |secs: u64| {
        check(
            &project,
            &Settings {
                long_token_lifetime_threshold_secs: secs,
                ..Settings::default()
            },
        )
        .into_iter()
        .filter(|f| f.rule == "long-token-lifetime")
        .count()
    };
    assert_eq!(count(24 * 3600), 10);
    // 2, 7 (twice), 8 days and 200 hours stay under a 10-day threshold; the three 30 days
    // (one of them jwcrypto's) and the 14 days of a settings subclass do not.
    assert_eq!(count(10 * 86400), 4);
    assert_eq!(count(365 * 86400), 0);
}

#[test]
fn configured_weak_secrets_are_weak() {
    // A strong-looking literal key is `hardcoded-secret`; once the configuration lists it as
    // known-weak (a key that leaked, say) it is `weak-secret` instead.
    // In memory: named on its own, the file would be judged by its path in this repository,
    // which is below `tests/` (test code).
    let source =
        std::fs::read_to_string("tests/fixtures/hardcoded-secret/vulnerable/literal.py").unwrap();
    let project = Project::from_sources(vec![("literal.py", source)]);
    let rules = |extra: Vec<String>| -> Vec<String> {
        check(
            &project,
            &Settings {
                extra_weak_secrets: extra,
                ..Settings::default()
            },
        )
        .into_iter()
        .map(|f| f.rule)
        .filter(|r| r == "weak-secret" || r == "hardcoded-secret")
        .collect()
    };
    assert_eq!(rules(vec![]), vec!["hardcoded-secret"]);
    let listed = rules(vec!["q8Zt1LrX0bVf3JmP7sWc5nYh2KgD9eRa6TuE4oIwNx".into()]);
    assert_eq!(listed, vec!["weak-secret"]);
}

#[test]
fn registry_matches_the_issue() {
    let expected = [
        ("signature-not-verified", "critical", vec![347]),
        ("none-algorithm-allowed", "critical", vec![347]),
        ("algorithms-not-pinned", "high", vec![347]),
        ("algorithm-confusion", "high", vec![347]),
        ("untrusted-verification-input", "critical", vec![347]),
        ("weak-secret", "high", vec![326, 798]),
        ("hardcoded-secret", "medium", vec![798]),
        ("expiration-not-verified", "high", vec![613]),
        ("expiration-not-required", "medium", vec![613]),
        ("long-token-lifetime", "medium", vec![613]),
        ("audience-not-verified", "medium", vec![287]),
        ("issuer-not-verified", "medium", vec![287]),
        ("error-detail-leak", "low", vec![209]),
        ("insecure-token-cookie", "medium", vec![614, 1004]),
    ];
    assert_eq!(RULES.len(), expected.len());
    for (meta, (name, sev, cwe)) in RULES.iter().zip(expected) {
        assert_eq!(meta.name, name);
        assert_eq!(meta.severity.as_str(), sev, "{name}");
        assert_eq!(meta.cwe, cwe.as_slice(), "{name}");
        for (field, text) in [
            ("summary", meta.summary),
            ("explanation", meta.explanation),
            ("remediation", meta.remediation),
            ("example", meta.example),
            ("fixed_example", meta.fixed_example),
        ] {
            assert!(text.len() > 10, "{name}: {field} is empty");
        }
        assert!(std::path::Path::new(&format!("tests/fixtures/{name}/vulnerable")).is_dir());
        assert!(std::path::Path::new(&format!("tests/fixtures/{name}/fixed")).is_dir());
    }
}

#[test]
fn one_pyjwt_version_assumption() {
    // `verify=False` and a missing `algorithms=` are both read with PyJWT 1 semantics unless a
    // requirements file pins PyJWT 2, and the message says so.
    let rules = |dir: &str| -> Vec<(String, String)> {
        scan(&format!("tests/fixtures/pyjwt-version/{dir}"))
            .into_iter()
            .filter(|f| f.rule == "algorithms-not-pinned" || f.rule == "signature-not-verified")
            .map(|f| (f.rule, f.message))
            .collect()
    };
    let unpinned = rules("unpinned");
    assert_eq!(unpinned.len(), 2, "{unpinned:#?}");
    assert!(unpinned.iter().all(|(_, m)| m.contains("pins PyJWT 2")));
    assert!(rules("pinned2").is_empty());
}

/// On tokens this application mints itself with a key only it holds, the `aud`/`iss` notes
/// are hygiene: reported only when the rule is selected by name. With no `audience=`,
/// PyJWT and python-jose refuse a token that carries `aud`, so that case is never reported.
#[test]
fn own_key_claim_notes_need_the_rule_selected() {
    for rule in ["audience-not-verified", "issuer-not-verified"] {
        let dir = format!("tests/fixtures/{rule}/vulnerable");
        let default: Vec<Finding> = scan(&dir).into_iter().filter(|f| f.rule == rule).collect();
        let selected = Settings {
            selected: vec![rule.to_string()],
            ..Settings::default()
        };
        let asked: Vec<Finding> = scan_with(&dir, &selected)
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect();
        assert!(
            default.iter().all(|f| f.message.contains("medium:")),
            "{rule}: a low (own-key) note was reported without selecting the rule: {default:#?}"
        );
        assert!(
            asked.iter().any(|f| f.message.contains("low:")),
            "{rule}: the fixture has no own-key case: {asked:#?}"
        );
        assert!(
            !default.is_empty(),
            "{rule}: the medium cases must stay on by default"
        );
        assert!(
            !asked
                .iter()
                .any(|f| f.message.contains("held by this application")
                    && f.message.contains("no `audience=`")),
            "{rule}: an own-key decode without audience= under PyJWT/python-jose is not a finding: {asked:#?}"
        );
    }
}

/// Tokens of an identity provider (a JWKS key): `iss` and a required `exp` are hygiene there
/// (the key set belongs to its issuer, which always sets `exp`), reported at low only when the
/// rule is selected by name.
#[test]
fn identity_provider_claim_notes_need_the_rule_selected() {
    for rule in ["issuer-not-verified", "expiration-not-required"] {
        let dir = format!("tests/fixtures/{rule}/vulnerable");
        let idp = |f: &Finding| {
            f.rule == rule
                && f.location
                    .as_ref()
                    .is_some_and(|l| l.file.ends_with("idp_key_set.py"))
        };
        let default: Vec<Finding> = scan(&dir).into_iter().filter(idp).collect();
        assert!(
            default.is_empty(),
            "{rule}: reported by default: {default:#?}"
        );
        let selected = Settings {
            selected: vec![rule.to_string()],
            ..Settings::default()
        };
        let asked: Vec<Finding> = scan_with(&dir, &selected).into_iter().filter(idp).collect();
        assert_eq!(asked.len(), 1, "{rule}: {asked:#?}");
        assert_eq!(asked[0].severity, jwtward_report::Severity::Low, "{rule}");
        assert!(
            asked[0].message.contains("low: "),
            "{rule}: {}",
            asked[0].message
        );
    }
}

/// fastapi-jwt-auth and authx verify with the audience and issuer of their settings and an
/// HMAC secret: as for PyJWT, a missing decode issuer is a low note for users who select the
/// rule (whoever holds the secret is the issuer), and a missing decode audience is nothing
/// where the project mints through the library itself (the library refuses a token that
/// carries `aud`), a low note where nothing mints through it (authx here: the only
/// `create_access_token` is fastapi-jwt-auth's). Nothing by default.
#[test]
fn auth_library_decode_settings() {
    let dir = "tests/fixtures/issuer-not-verified/vulnerable";
    let claim_rules = ["audience-not-verified", "issuer-not-verified"];
    let of = |findings: Vec<Finding>, file: &str| -> Vec<(String, jwtward_report::Severity)> {
        let mut v: Vec<(String, jwtward_report::Severity)> = findings
            .into_iter()
            .filter(|f| claim_rules.contains(&f.rule.as_str()))
            .filter(|f| f.location.as_ref().is_some_and(|l| l.file.ends_with(file)))
            .map(|f| (f.rule, f.severity))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let selected = Settings {
        selected: claim_rules.iter().map(|r| r.to_string()).collect(),
        ..Settings::default()
    };
    use jwtward_report::Severity::Low;
    assert_eq!(
        of(scan_with(dir, &selected), "authjwt_own.py"),
        vec![("issuer-not-verified".to_string(), Low)]
    );
    assert_eq!(
        of(scan_with(dir, &selected), "authx_verifier.py"),
        vec![("issuer-not-verified".to_string(), Low)]
    );
    assert_eq!(of(scan(dir), "authjwt_own.py"), vec![]);
    assert_eq!(of(scan(dir), "authx_verifier.py"), vec![]);
    // The audience is set there; without it, the audience note comes too, since nothing in
    // that project mints through authx.
    let source = std::fs::read_to_string(format!("{dir}/authx_verifier.py"))
        .unwrap()
        .replace("    JWT_DECODE_AUDIENCE=\"reports-api\",\n", "");
    let project = Project::from_sources(vec![("authx_verifier.py", source)]);
    let rules = |settings: &Settings| -> Vec<(String, jwtward_report::Severity)> {
        let mut v: Vec<(String, jwtward_report::Severity)> = check(&project, settings)
            .into_iter()
            .filter(|f| claim_rules.contains(&f.rule.as_str()))
            .map(|f| (f.rule, f.severity))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    assert_eq!(
        rules(&selected),
        vec![
            ("audience-not-verified".to_string(), Low),
            ("issuer-not-verified".to_string(), Low)
        ]
    );
    assert_eq!(rules(&Settings::default()), vec![]);
}
