//! `jwtward probe`: prove JWT authentication bypass against a running API.
//!
//! The prober reads the API's OpenAPI document ([`openapi`], [`discovery`]), sends every
//! request through one rate-limited, same-origin, size-capped [`http::Engine`], learns per
//! endpoint what the valid token gets and what rejections look like ([`oracle`]), and reports
//! only the attacks whose answers cluster with the valid baseline, as
//! [`jwtward_report::Finding`]s built from the rules in [`rules`].
//!
//! The JOSE work (parsing, re-signing, `alg: none`, key encodings) is `jwtward_jose`'s; the
//! HMAC secret search is `jwtward_crack`'s.

pub mod callback;
pub mod crack;
pub mod discovery;
pub mod http;
pub mod openapi;
pub mod oracle;
pub mod rules;
pub mod run;

pub use discovery::SpecSource;
pub use http::Limits;
pub use rules::RULES;
pub use run::{Config, Outcome, run};
