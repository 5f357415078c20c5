//! The attack families, one file each, each a small function over the shared [`Ctx`] and
//! one endpoint's [`State`]. [`FAMILIES`] lists them in the order they run; each is
//! followed by a health check of the valid baseline. [`passive`] holds the rules that need
//! no request beyond the baselines, [`crack`] the offline key search.

pub mod alg_none;
pub mod any_token;
pub mod claims;
pub mod confusion;
pub mod crack;
pub mod escalation;
pub mod jku;
pub mod jwk;
pub mod kid;
pub mod passive;
pub mod signature;
pub mod transport;

use crate::context::{Ctx, State, is_rejection};

/// One attack family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    AnyToken,
    Transport,
    Signature,
    AlgNone,
    Kid,
    Jwk,
    Jku,
    Confusion,
    Claims,
    Escalation,
}

/// The families in the order they run.
pub const FAMILIES: [Family; 10] = [
    Family::AnyToken,
    Family::Transport,
    Family::Signature,
    Family::AlgNone,
    Family::Kid,
    Family::Jwk,
    Family::Jku,
    Family::Confusion,
    Family::Claims,
    Family::Escalation,
];

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::AnyToken => "any-token",
            Family::Transport => "transport",
            Family::Signature => "signature",
            Family::AlgNone => "alg-none",
            Family::Kid => "kid",
            Family::Jwk => "jwk",
            Family::Jku => "jku",
            Family::Confusion => "algorithm-confusion",
            Family::Claims => "claims",
            Family::Escalation => "escalation",
        }
    }

    /// Whether the family applies to this endpoint.
    pub fn wanted(self, ctx: &Ctx, st: &State) -> bool {
        let jwt = ctx.jws().is_some();
        let forgeable = st.eligible && !st.unverified && !st.has_hit("signature") && jwt;
        match self {
            Family::AnyToken => st.any_token,
            Family::Transport => st.eligible && !st.ep.unsafe_op && is_rejection(&st.no_creds.1),
            Family::Signature => st.eligible && jwt,
            Family::AlgNone | Family::Kid | Family::Jwk => forgeable,
            Family::Jku => forgeable && ctx.callback.is_some(),
            Family::Confusion => forgeable && !ctx.public_keys.is_empty(),
            Family::Claims => {
                st.eligible
                    && jwt
                    && (ctx.signing().is_some() || st.unverified || st.has_hit("signature"))
            }
            Family::Escalation => {
                (st.refused() || st.eligible) && jwt && escalation::can_forge(ctx)
            }
        }
    }

    pub async fn run(self, ctx: &Ctx, st: &State) {
        match self {
            Family::AnyToken => any_token::run(ctx, st).await,
            Family::Transport => transport::run(ctx, st).await,
            Family::Signature => signature::run(ctx, st).await,
            Family::AlgNone => alg_none::run(ctx, st).await,
            Family::Kid => kid::run(ctx, st).await,
            Family::Jwk => jwk::run(ctx, st).await,
            Family::Jku => jku::run(ctx, st).await,
            Family::Confusion => confusion::run(ctx, st).await,
            Family::Claims => claims::run(ctx, st).await,
            Family::Escalation => escalation::run(ctx, st).await,
        }
    }
}
