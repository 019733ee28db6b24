//! Faults: what the mock does wrong on purpose, to which requests, how many times.

use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use super::lock;
use crate::session::SessionState;

/// Which requests a fault applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultScope {
    /// Operation id (`status`, `send`, ...); `None` for every route.
    pub operation: Option<String>,
    /// Only this client; `None` for every client.
    pub cliente_id: Option<u64>,
    /// Only the first `times` matching requests; `None` for all of them.
    pub times: Option<u32>,
}

/// Something the mock does wrong on purpose.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer normally, but this late (a `/send` still goes out: the outcome is unknown to a
    /// client that times out first).
    Latency(Duration),
    /// Answer with this status and body instead (`None`: `{"error":true,"code":"INJECTED"...}`).
    Status(u16, Option<Value>),
    /// Answer 200 with a truncated JSON body.
    MalformedJson,
    /// Answer 200 with an HTML page.
    NonJson,
    /// Close the connection in the middle of the answer (after the request was processed).
    DropConnection,
    /// `/send` fails with 500 SEND_FAILED while `/status` still says READY: the library lost
    /// its page (a session-level failure).
    SendFailsWhileReady,
    /// `/send` fails with 500 SEND_FAILED because the number is not on WhatsApp (a
    /// recipient-level failure).
    SendFailsForRecipient,
    /// `/send` answers 200 `{success:true, message:"Message sent"}`: no `ok`, no id.
    SendSuccessWithoutId,
    /// `/send` answers 200 with the constant id `sent-via-ui` for every message.
    SendConstantId,
    /// Answer normally. Placed before another fault with `times(n)`, it lets the first `n`
    /// matching requests through, so the next fault hits a request in the middle of a batch.
    Pass,
    /// Close the connection before the request is carried out: a `/send` delivers nothing.
    ResetBeforeDelivery,
    /// `/send` delivers the message, then answers 500 SEND_FAILED with a non-recipient reason
    /// (the browser crashed after WhatsApp took the message).
    SendFailsAfterDelivery,
    /// The client's session leaves READY for this state, and this request is answered in it
    /// (a session dropping out in the middle of a batch).
    SessionDropsOut(SessionState),
}

/// A fault with its scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Which requests it applies to.
    pub scope: FaultScope,
    /// What goes wrong.
    pub kind: FaultKind,
}

impl Fault {
    /// A fault on one operation, for every client, every time.
    pub fn on(operation: &str, kind: FaultKind) -> Fault {
        Fault {
            scope: FaultScope {
                operation: Some(operation.to_string()),
                ..FaultScope::default()
            },
            kind,
        }
    }
    /// The same fault, limited to the first `n` matching requests.
    pub fn times(mut self, n: u32) -> Fault {
        self.scope.times = Some(n);
        self
    }
    /// The same fault, limited to one client.
    pub fn for_client(mut self, cliente_id: u64) -> Fault {
        self.scope.cliente_id = Some(cliente_id);
        self
    }
    /// How the journal names it: the kind, as Rust prints it (`Latency(5s)`).
    pub(super) fn label(&self) -> String {
        format!("{:?}", self.kind)
    }

    /// Whether it applies to a request to `operation` by `cliente_id`, having been used `used`
    /// times already.
    fn applies(&self, operation: Option<&str>, cliente_id: Option<u64>, used: u32) -> bool {
        let s = &self.scope;
        s.operation.as_deref().is_none_or(|o| Some(o) == operation)
            && s.cliente_id.is_none_or(|c| Some(c) == cliente_id)
            && s.times.is_none_or(|t| used < t)
    }
}

/// The faults injected so far, in order, each with how many requests it has hit.
#[derive(Default)]
pub(super) struct Faults(Mutex<Vec<(Fault, u32)>>);

impl Faults {
    /// Add one after the others.
    pub fn push(&self, fault: Fault) {
        lock(&self.0).push((fault, 0));
    }

    /// Remove every one.
    pub fn clear(&self) {
        lock(&self.0).clear();
    }

    /// The first fault that applies to this request, counted as used.
    pub fn take(&self, operation: Option<&str>, cliente_id: Option<u64>) -> Option<Fault> {
        let mut faults = lock(&self.0);
        let (fault, used) = faults
            .iter_mut()
            .find(|(fault, used)| fault.applies(operation, cliente_id, *used))?;
        *used += 1;
        Some(fault.clone())
    }
}
