//! Judging a probe's answer: documented, of the class the probe provoked, and meaning what
//! the adapter's rules say; and why a documented status was not reached.

use std::collections::BTreeSet;

use serde_json::Value;

use super::AREA;
use super::answer::{codes, describe, deviation};
use super::probe::{Expect, Probe};
use super::prober::Reply;
use super::run::Run;
use crate::adapter::rules::{self, Provocation, RuleBreak, StatusFacts};
use crate::contract::Operation;
use crate::report::{Check, Outcome};

impl Run<'_> {
    /// Judge every probe's replies, then list the documented statuses no probe reached.
    pub(super) fn judge_operation(
        &self,
        op: &Operation,
        runs: Vec<(Probe, Vec<Reply>)>,
    ) -> Vec<Check> {
        let mut checks = Vec::new();
        let mut answered = BTreeSet::new();
        let mut provoked_errors = false;
        for (probe, replies) in &runs {
            let name = if probe.label.is_empty() {
                op.label()
            } else {
                format!("{} {}", op.label(), probe.label)
            };
            provoked_errors |= probe.expect == Expect::ClientError;
            let mut judged: Vec<Check> = Vec::new();
            for reply in replies {
                if let Some(s) = reply.status() {
                    answered.insert(s);
                }
                judged.push(self.judge(op, probe, &name, reply));
            }
            let mut check = judged
                .iter()
                .find(|c| c.outcome == Outcome::Fail)
                .or(judged.last())
                .cloned()
                .unwrap_or_else(|| Check::skip(AREA, &name, "no answer recorded"));
            if replies.len() > 1 && self.session.created && check.outcome == Outcome::Pass {
                check.details.push(format!(
                    "the first request created client {}'s session (NOT_INITIALIZED); the next found it {}",
                    self.options.cliente_id,
                    self.session.state.as_deref().unwrap_or("in an unreadable state")
                ));
            }
            checks.push(check);
        }
        for status in op.statuses().into_iter().filter(|s| !answered.contains(s)) {
            checks.push(Check::skip(
                AREA,
                &format!("{} {status}", op.label()),
                format!(
                    "{}: {}",
                    crate::report::NOT_EXERCISED,
                    self.why_not(op, status, &answered, provoked_errors)
                ),
            ));
        }
        checks
    }

    /// One reply to one probe, as a check.
    fn judge(&self, op: &Operation, probe: &Probe, name: &str, reply: &Reply) -> Check {
        let (status, media, body) = match reply.parts() {
            Ok(parts) => parts,
            Err(why) => return Check::fail(AREA, name, format!("no answer: {why}")),
        };
        let client_errors: Vec<u16> = op
            .statuses()
            .into_iter()
            .filter(|s| (400..500).contains(s))
            .collect();
        let wrong_class = probe.expect == Expect::ClientError && !(400..500).contains(&status);
        let class_note = || {
            format!(
                "answered {status} {}; the contract documents {} for that",
                probe.why,
                codes(&client_errors)
            )
        };
        match self.contract.check_answer(op, status, Some(media), body) {
            Ok(value) if wrong_class => Check::fail(
                AREA,
                name,
                format!("{}: {}", class_note(), describe(&value)),
            ),
            Ok(value) => {
                let what = describe(&value);
                match self.meaning(op, probe, status, &value) {
                    Err(broken) => Check::fail(AREA, name, format!("{status} {what}: {broken}")),
                    Ok(()) if what.is_empty() => {
                        Check::pass(AREA, name, format!("conformant: {status}"))
                    }
                    Ok(()) => Check::pass(AREA, name, format!("conformant: {status}, {what}")),
                }
            }
            Err(violation) => {
                let mut check = deviation(name, status, media, body, &violation);
                if wrong_class {
                    check.details.insert(0, class_note());
                }
                check
            }
        }
    }

    /// What a conformant answer means, by the adapter's rules: the error code the probe
    /// provoked, a `/status` about the client asked and agreeing with itself, a real id.
    fn meaning(
        &self,
        op: &Operation,
        probe: &Probe,
        status: u16,
        value: &Value,
    ) -> Result<(), RuleBreak> {
        if let Some(p) = probe.provoked
            && (400..500).contains(&status)
            && documents_code(op, p)
        {
            rules::provoked_code(p, value)?;
        }
        if !probe.main || !(200..300).contains(&status) {
            return Ok(());
        }
        if self.state_op.is_some_and(|s| s.id == op.id)
            && let Some(facts) = StatusFacts::from_json(value)
        {
            rules::status_answer(self.options.cliente_id, &facts)?;
        }
        if probe.real_send
            && let Some(id) = value.get("message_id").and_then(Value::as_str)
        {
            rules::message_id(id)?;
        }
        Ok(())
    }

    /// Why no probe reached the documented `status`: what it would need.
    fn why_not(
        &self,
        op: &Operation,
        status: u16,
        answered: &BTreeSet<u16>,
        provoked_errors: bool,
    ) -> String {
        let got = codes(&answered.iter().copied().collect::<Vec<_>>());
        let client = self.client();
        let allow = self.send_to.is_some();
        match (op.id.as_str(), status) {
            ("send", 200) if allow => format!("200 needs a READY session; {client}"),
            ("send", 200) => "200 needs a READY session and --allow-send --to NUMBER".into(),
            ("send", 409) if allow => format!("409 needs a session that is not READY; {client}"),
            ("send", 409) => "409 needs a session that is not READY and --allow-send --to NUMBER \
                 (a valid body sends a message when the session is READY)"
                .into(),
            ("send", 500) => {
                "500 needs a send that fails (--allow-send) or a server fault: not provokable safely"
                    .into()
            }
            ("qr_code", 200) => {
                format!("200 needs a session waiting for a scan (QR_REQUIRED); {client}")
            }
            ("qr_code", 404) => {
                format!("404 needs a QR_REQUIRED session whose QR is not generated yet; {client}")
            }
            ("qr_code", 409) => {
                format!("409 needs a session in any state but QR_REQUIRED; {client}")
            }
            (_, s) if s >= 500 => format!("{s} not provokable: it needs a server-side failure"),
            (_, s) if answered.is_empty() => format!("{s} not provoked: no answer was read"),
            (_, s) if (200..300).contains(&s) => {
                format!("{s} needs the session in another state; {client} (answered: {got})")
            }
            (_, s) if provoked_errors && (400..500).contains(&s) => {
                format!("{s} never came back: the requests meant to provoke it got {got}")
            }
            (_, s) => {
                format!("{s} not provoked by lmh's non-destructive requests (answered: {got})")
            }
        }
    }
}

/// Whether `op` documents the code `p` must provoke (a contract of another provider may use
/// other codes: then the rule has nothing to hold the answer to).
fn documents_code(op: &Operation, p: Provocation) -> bool {
    let quoted = format!("\"{}\"", p.expected_code());
    op.responses.iter().any(|r| {
        r.schema
            .as_ref()
            .is_some_and(|s| s.resolved.to_string().contains(&quoted))
    })
}
