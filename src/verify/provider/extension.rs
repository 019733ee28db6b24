//! The contract's `x-lmh-*` answers: an unknown route and a malformed body.

use super::answer::{describe, deviation, excerpt};
use super::prober::Reply;
use super::run::Run;
use super::{AREA, UNKNOWN_ROUTE_PROBE};
use crate::contract::ResponseSpec;
use crate::report::Check;

impl Run<'_> {
    /// The contract's answer to a route it does not have (`x-lmh-unknown-route`).
    pub(super) async fn unknown_route(&self) -> Check {
        let name = format!("unknown route (GET {UNKNOWN_ROUTE_PROBE})");
        let Some(spec) = &self.contract.unknown_route else {
            return Check::skip(
                AREA,
                &name,
                "not exercised: the contract does not document unknown routes (x-lmh-unknown-route)",
            );
        };
        let reply = self
            .prober
            .call("GET", UNKNOWN_ROUTE_PROBE, &[], None)
            .await;
        extension(&name, "x-lmh-unknown-route", spec, &reply)
    }

    /// The contract's answer to a body that is not JSON (`x-lmh-malformed-body`).
    pub(super) async fn malformed_body(&self) -> Check {
        let Some(spec) = &self.contract.malformed_body else {
            return Check::skip(
                AREA,
                "malformed JSON body",
                "not exercised: the contract does not document it (x-lmh-malformed-body)",
            );
        };
        // Any route that reads JSON will do: the body is parsed before the route runs, so
        // the handler (and its side effects) never does.
        let Some(op) = self
            .contract
            .operations
            .iter()
            .find(|op| op.request_body.is_some())
        else {
            return Check::skip(
                AREA,
                "malformed JSON body",
                "not exercised: no operation of the contract takes a JSON body",
            );
        };
        let name = format!("malformed JSON body ({})", op.label());
        let reply = self
            .prober
            .call(&op.method, &op.path, &[], Some(b"{\"to\":"))
            .await;
        extension(&name, "x-lmh-malformed-body", spec, &reply)
    }
}

/// Check an answer against one of the contract's `x-lmh-*` answers.
fn extension(name: &str, key: &str, spec: &ResponseSpec, reply: &Reply) -> Check {
    let (status, media, body) = match reply.parts() {
        Ok(parts) => parts,
        Err(why) => return Check::fail(AREA, name, format!("no answer: {why}")),
    };
    if status != spec.status {
        return Check::fail(
            AREA,
            name,
            format!(
                "answered {status} {media}; the contract documents {} ({key})",
                spec.status
            ),
        )
        .with_details([format!("answer: {}", excerpt(body))]);
    }
    if spec.schema.is_none() {
        return match spec.check_media(Some(media)) {
            Ok(()) => Check::pass(
                AREA,
                name,
                format!("conformant: {status} {media} (the contract documents no JSON body)"),
            ),
            Err(v) => deviation(name, status, media, body, &v),
        };
    }
    match spec.check_answer(Some(media), body) {
        Ok(value) => Check::pass(
            AREA,
            name,
            format!("conformant: {status}, {}", describe(&value)),
        ),
        Err(v) => deviation(name, status, media, body, &v),
    }
}
