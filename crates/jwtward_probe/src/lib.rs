//! `jwtward probe`: prove JWT authentication bypass against a running API.
//!
//! The pipeline of [`run`]: read the API's OpenAPI document ([`openapi`], [`discovery`]),
//! [`plan`] what is tested and how (safe by default), take the [`baseline`]s of every
//! endpoint, judge answers with the [`oracle`], then run the [`attacks`] families (one file
//! each, over the shared [`context`]). Every request goes through one rate-limited,
//! same-origin, size-capped [`http::Engine`]; only the attacks whose answers cluster with
//! the valid baseline are reported, as [`jwtward_report::Finding`]s built from [`rules`].
//!
//! The JOSE work (parsing, re-signing, `alg: none`, key encodings) is `jwtward_jose`'s; the
//! HMAC secret search is `jwtward_crack`'s.

pub mod attacks;
pub mod baseline;
pub mod callback;
pub mod context;
pub mod discovery;
pub mod http;
pub mod openapi;
pub mod oracle;
pub mod plan;
pub mod rules;
pub mod run;

pub use discovery::SpecSource;
pub use http::Limits;
pub use rules::RULES;
pub use run::{Config, Outcome, run};
