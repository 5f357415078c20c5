//! `alg: none` in every case form, with an empty signature, no signature segment, or the
//! original signature kept.

use crate::context::{Ctx, State, diff_note, differential, random_payload};
use crate::rules::ALG_NONE_ACCEPTED;
use jwtward_jose::{Jws, NONE_CASE_FORMS};
use serde_json::Value;

/// How the signature part of an unsigned token is written.
#[derive(Clone, Copy)]
enum Sig {
    Empty,
    Absent,
    Original,
}

fn build(base: &Jws, form: &str, sig: Sig) -> String {
    let t = base.with_header_member("alg", Some(Value::String(form.to_string())));
    match sig {
        Sig::Empty => t.with_empty_signature(),
        Sig::Absent => t.without_signature_segment(),
        Sig::Original => t,
    }
    .to_compact()
}

pub async fn run(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.jws() else { return };
    let common = ["none", "None", "NONE", "nOnE"];
    let forms: Vec<&str> = if st.rep {
        NONE_CASE_FORMS.to_vec()
    } else {
        common.to_vec()
    };
    let mut variants: Vec<(&str, Sig)> = Vec::new();
    for f in &forms {
        variants.push((f, Sig::Empty));
        variants.push((f, Sig::Absent));
    }
    if st.rep {
        for f in common {
            variants.push((f, Sig::Original));
        }
    }
    for (form, sig) in variants {
        let token = build(jws, form, sig);
        let Some((v, req, resp)) = ctx.attack(st, &token, "alg-none").await else {
            return;
        };
        if v.accepted() {
            let d = differential(ctx, st, Some(build(&random_payload(ctx, jws), form, sig))).await;
            let how = match sig {
                Sig::Empty => "an empty signature",
                Sig::Absent => "no signature segment",
                Sig::Original => "the original signature",
            };
            ctx.report(
                st,
                &ALG_NONE_ACCEPTED,
                format!(
                    "accepts an unsigned token (alg `{form}`, {how}){}",
                    diff_note(d.as_ref(), "sub")
                ),
                &req,
                &resp,
            );
            return;
        }
    }
}
