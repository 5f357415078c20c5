//! jwtward's static rules over a [`jwtward_python::Project`]: the JWT-library model
//! ([`jwt_model`]) and the rules of `jwtward scan` that check how PyJWT, python-jose and
//! Authlib are used ([`rules`]).
//!
//! ```no_run
//! use jwtward_python::{DiscoveryOptions, Project};
//! let project = Project::load(&["app".into()], &DiscoveryOptions::default()).unwrap();
//! let findings = jwtward_scan::check(&project, &jwtward_scan::Settings::default());
//! ```

pub mod issuer;
pub mod jwt_model;
pub mod rules;
pub mod secrets;
pub mod store_check;

pub use jwt_model::{Algorithms, Check, DecodeCall, DecodeKind, EncodeCall, JwtModel, Library};
use jwtward_python::{Module, Origin, Project};
use jwtward_report::{Finding, Location, RuleMeta, TraceStep};

/// Settings of the scan rules.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Access tokens living longer than this are `long-token-lifetime` findings (default 24 h).
    pub long_token_lifetime_threshold_secs: u64,
    /// Extra keys to treat as known-weak (`weak-secrets` in the configuration).
    pub extra_weak_secrets: Vec<String>,
    /// Rules the user selected by name (`--select`, `select =`). The claim-hygiene notes of
    /// `audience-not-verified` and `issuer-not-verified` on tokens that only this
    /// application mints, with a key only it holds, are reported only for these.
    pub selected: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            long_token_lifetime_threshold_secs: 24 * 3600,
            extra_weak_secrets: Vec::new(),
            selected: Vec::new(),
        }
    }
}

/// Every rule of this crate, in the order of the documentation.
pub static RULES: &[RuleMeta] = &[
    rules::signature_not_verified::META,
    rules::none_algorithm_allowed::META,
    rules::algorithms_not_pinned::META,
    rules::algorithm_confusion::META,
    rules::untrusted_verification_input::META,
    rules::weak_secret::META,
    rules::hardcoded_secret::META,
    rules::expiration_not_verified::META,
    rules::expiration_not_required::META,
    rules::long_token_lifetime::META,
    rules::audience_not_verified::META,
    rules::issuer_not_verified::META,
    rules::error_detail_leak::META,
    rules::insecure_token_cookie::META,
];

/// What every rule gets.
pub struct Ctx<'a, 'p> {
    pub project: &'p Project,
    pub model: &'a JwtModel<'p>,
    pub settings: &'a Settings,
}

impl Ctx<'_, '_> {
    /// Why `key` is weak: a key listed in the settings, or [`secrets::weakness`].
    pub fn weakness(&self, key: &[u8]) -> Option<secrets::Weakness> {
        if self
            .settings
            .extra_weak_secrets
            .iter()
            .any(|s| s.as_bytes() == key)
        {
            return Some(secrets::Weakness::Configured);
        }
        secrets::weakness(key)
    }

    /// Report location of an origin.
    pub fn location(&self, o: Origin) -> Location {
        self.project.module(o.module).location(o.range)
    }
}

/// Runs every rule on `project`; findings come back unsorted (the report sorts them).
pub fn check(project: &Project, settings: &Settings) -> Vec<Finding> {
    let model = JwtModel::build(project);
    check_with_model(project, &model, settings)
}

/// Runs every rule with an already built model (shared with the FastAPI analysis).
pub fn check_with_model(
    project: &Project,
    model: &JwtModel<'_>,
    settings: &Settings,
) -> Vec<Finding> {
    let ctx = Ctx {
        project,
        model,
        settings,
    };
    let mut out = Vec::new();
    out.extend(rules::signature_not_verified::check(&ctx));
    out.extend(rules::none_algorithm_allowed::check(&ctx));
    out.extend(rules::algorithms_not_pinned::check(&ctx));
    out.extend(rules::algorithm_confusion::check(&ctx));
    out.extend(rules::untrusted_verification_input::check(&ctx));
    out.extend(rules::weak_secret::check(&ctx));
    out.extend(rules::hardcoded_secret::check(&ctx));
    out.extend(rules::expiration_not_verified::check(&ctx));
    out.extend(rules::expiration_not_required::check(&ctx));
    out.extend(rules::long_token_lifetime::check(&ctx));
    out.extend(rules::audience_not_verified::check(&ctx));
    out.extend(rules::issuer_not_verified::check(&ctx));
    out.extend(rules::error_detail_leak::check(&ctx));
    out.extend(rules::insecure_token_cookie::check(&ctx));
    out
}

/// `file:line` of an offset, for messages.
pub fn place(module: &Module, range: jwtward_python::TextRange) -> String {
    let (l, _) = module.line_column(range.start());
    format!("{}:{l}", module.display_path)
}

/// The trace of a decode: the wrapper call it was evaluated for, then callers of its function.
pub fn decode_trace(ctx: &Ctx<'_, '_>, d: &DecodeCall<'_>) -> Vec<TraceStep> {
    trace_for(
        ctx,
        d.module,
        d.call,
        d.function.as_deref(),
        d.via.as_ref(),
        &d.callee,
    )
}

/// The trace of an encode.
pub fn encode_trace(ctx: &Ctx<'_, '_>, e: &EncodeCall<'_>) -> Vec<TraceStep> {
    trace_for(
        ctx,
        e.module,
        e.call,
        e.function.as_deref(),
        e.via.as_ref(),
        &e.callee,
    )
}

fn trace_for(
    ctx: &Ctx<'_, '_>,
    module: &Module,
    call: &jwtward_python::ast::ExprCall,
    function: Option<&str>,
    via: Option<&jwt_model::Via<'_>>,
    callee: &str,
) -> Vec<TraceStep> {
    use jwtward_python::Ranged;
    let mut steps = Vec::new();
    let _ = (module, call, callee);
    if let Some(v) = via {
        let (l, _) = v.site.module.line_column(v.site.call.start());
        steps.push(TraceStep {
            file: Some(v.site.module.display_path.clone()),
            line: Some(l),
            note: format!(
                "evaluated with the arguments of this call{}",
                v.site
                    .caller
                    .as_deref()
                    .map(|c| format!(" in `{}`", c.rsplit('.').next().unwrap_or(c)))
                    .unwrap_or_default()
            ),
        });
    } else if let Some(f) = function {
        for site in ctx.model.callers(f, 4) {
            let (l, _) = site.module.line_column(site.call.start());
            steps.push(TraceStep {
                file: Some(site.module.display_path.clone()),
                line: Some(l),
                note: format!(
                    "called from `{}`",
                    site.caller
                        .as_deref()
                        .map(|c| c.rsplit('.').next().unwrap_or(c))
                        .unwrap_or("module level")
                ),
            });
        }
    }
    steps
}

/// Builds a finding of `meta` at `location` with `trace`.
pub fn finding(
    meta: &RuleMeta,
    message: String,
    location: Location,
    trace: Vec<TraceStep>,
) -> Finding {
    Finding::new(meta, message).at(location).with_trace(trace)
}
