//! The session-manager's operations as typed calls: `/health`, `/status`, `/qr-code`, `/qr`,
//! `/send`, and the seed's `get_session`.

use serde::Deserialize;
use serde_json::Value;

use super::classify::{clean, foreign_service};
use super::{
    AdapterError, ErrorKind, Health, ProtocolError, SentMessage, Session, SessionManagerClient,
    SessionStatus, parse_instance_id, rules,
};
use crate::contract::Operation;
use crate::session::SessionState;

impl SessionManagerClient {
    /// `GET /health`, and proof that a session-manager answers (docs/system.md §6): a body from
    /// anything else (another service's JSON, HTML, non-JSON) is `WrongService`.
    ///
    /// Not a readiness probe: v1 reports NOT_INITIALIZED here whatever the sessions are.
    pub async fn health(&self) -> Result<Health, AdapterError> {
        let op = &self.ops.health;
        let answer = self.exchange(op, None, None).await?;
        if matches!(answer.status, 200 | 404 | 405 | 503)
            && let Some(found) = foreign_service(&answer.body)
        {
            return Err(self.err(op, None, ErrorKind::WrongService { found }));
        }
        let value = self.classify(op, None, &answer)?;
        #[derive(Deserialize)]
        struct Raw {
            status: String,
            service: String,
            whatsapp_state: String,
        }
        let raw: Raw = self.typed(op, None, value)?;
        let whatsapp_state = self.state(op, None, "/whatsapp_state", &raw.whatsapp_state)?;
        Ok(Health {
            status: raw.status,
            service: raw.service,
            whatsapp_state,
        })
    }

    /// `GET /status` for one client (creates its session on the provider when unknown).
    ///
    /// A missing or unknown `state` is a protocol error, never "not ready"; so is an answer
    /// that breaks [`rules::status_answer`]: about another client, or `connected`,
    /// `can_send_messages` or `needs_qr` disagreeing with `state`.
    pub async fn status(&self, cliente_id: u64) -> Result<SessionStatus, AdapterError> {
        let op = &self.ops.status;
        let id = Some(cliente_id);
        self.check_cliente_id(op, cliente_id)?;
        let value = self.call(op, id, None).await?;
        #[derive(Deserialize)]
        struct Raw {
            cliente_id: u64,
            connected: bool,
            state: String,
            reconnection_attempts: u64,
            max_reconnection_attempts: u64,
            can_send_messages: bool,
            needs_qr: bool,
            is_recoverable: bool,
            recommended_action: String,
            qr_code_base64: Option<String>,
            qr_error: Option<String>,
            error: Option<String>,
        }
        let raw: Raw = self.typed(op, id, value)?;
        let state = self.state(op, id, "/state", &raw.state)?;
        let facts = rules::StatusFacts {
            cliente_id: raw.cliente_id,
            state,
            connected: raw.connected,
            can_send_messages: raw.can_send_messages,
            needs_qr: raw.needs_qr,
        };
        if let Err(broken) = rules::status_answer(cliente_id, &facts) {
            let detail = broken.to_string();
            return Err(self.err(
                op,
                id,
                ErrorKind::Protocol(ProtocolError::Inconsistent { detail }),
            ));
        }
        Ok(SessionStatus {
            cliente_id: raw.cliente_id,
            connected: raw.connected,
            state,
            reconnection_attempts: raw.reconnection_attempts,
            max_reconnection_attempts: raw.max_reconnection_attempts,
            can_send_messages: raw.can_send_messages,
            needs_qr: raw.needs_qr,
            is_recoverable: raw.is_recoverable,
            recommended_action: raw.recommended_action,
            qr_code_base64: raw.qr_code_base64,
            qr_error: raw.qr_error,
            error: raw.error,
        })
    }

    /// `GET /qr-code`: the client's QR as a `data:image/png;base64,...` URL.
    ///
    /// Only a QR_REQUIRED session has one: every other state is `Domain(QrNotRequired)`
    /// (409, `current_state` names it), and QR_REQUIRED before the library produced the QR
    /// string is `Domain(QrNotAvailable)` (404).
    pub async fn qr_code(&self, cliente_id: u64) -> Result<String, AdapterError> {
        let op = &self.ops.qr_code;
        let id = Some(cliente_id);
        self.check_cliente_id(op, cliente_id)?;
        let value = self.call(op, id, None).await?;
        #[derive(Deserialize)]
        struct Raw {
            qr: String,
        }
        let raw: Raw = self.typed(op, id, value)?;
        Ok(raw.qr)
    }

    /// The legacy `GET /qr`. v1 documents no success for it (it reads no client id), so in
    /// practice this is always `Domain(QrLegacyUnavailable)`; `Ok` carries the validated body
    /// only if a contract documents a success.
    pub async fn qr_legacy(&self) -> Result<Value, AdapterError> {
        let op = &self.ops.qr;
        self.call(op, None, None).await
    }

    /// The seed's fix: central-hub's `sender_{cliente_id}` as `GET /status` with
    /// `X-Cliente-Id`, mapped to the session shape the scheduler expects. `ready` is true only
    /// in READY.
    pub async fn get_session(&self, instance_id: &str) -> Result<Session, AdapterError> {
        let op = &self.ops.status;
        let cliente_id = parse_instance_id(instance_id)
            .map_err(|e| e.with_request(&op.method, &op.path, &self.base_url, None))?;
        let status = self.status(cliente_id).await?;
        Ok(Session {
            instance_id: instance_id.to_string(),
            cliente_id,
            ready: status.state == SessionState::Ready,
            needs_qr: status.needs_qr,
            recoverable: status.is_recoverable,
            state: status.state,
        })
    }

    /// `POST /send` of one text through the client's session.
    ///
    /// Success only on 200 with `ok == true` and a non-empty `message_id` that is not a
    /// placeholder ([`SENTINEL_MESSAGE_IDS`](super::SENTINEL_MESSAGE_IDS)). `to` and `message` are sent as given, byte for
    /// byte (the caller appends `@c.us` if it wants to).
    pub async fn send_message(
        &self,
        cliente_id: u64,
        to: &str,
        message: &str,
    ) -> Result<SentMessage, AdapterError> {
        let op = &self.ops.send;
        let id = Some(cliente_id);
        self.check_cliente_id(op, cliente_id)?;
        let bytes = self.send_body(op, cliente_id, to, message)?;
        let value = self.call(op, id, Some(bytes)).await?;
        #[derive(Deserialize)]
        struct Raw {
            ok: bool,
            message_id: String,
        }
        let raw: Raw = self.typed(op, id, value)?;
        if !raw.ok {
            return Err(self.err(
                op,
                id,
                ErrorKind::Protocol(ProtocolError::Inconsistent {
                    detail: "status 200 with ok false".into(),
                }),
            ));
        }
        if rules::message_id(&raw.message_id).is_err() {
            return Err(self.err(
                op,
                id,
                ErrorKind::Protocol(ProtocolError::SentinelMessageId {
                    message_id: clean(&raw.message_id),
                }),
            ));
        }
        Ok(SentMessage {
            message_id: raw.message_id,
        })
    }

    /// The `/send` body, checked against the contract's request schema: a body it refuses
    /// is never sent.
    fn send_body(
        &self,
        op: &Operation,
        cliente_id: u64,
        to: &str,
        message: &str,
    ) -> Result<Vec<u8>, AdapterError> {
        let id = Some(cliente_id);
        #[derive(serde::Serialize)]
        struct Body<'a> {
            to: &'a str,
            message: &'a str,
        }
        let body = Body { to, message };
        if let Some(schema) = &op.request_body {
            let as_value = serde_json::json!({ "to": to, "message": message });
            if let Some(v) = schema.violations(&as_value).into_iter().next() {
                let field = v.path.trim_start_matches('/');
                let (input, value) = match field {
                    "to" => ("`to`", Some(to.to_string())),
                    "message" => ("`message`", Some(message.to_string())),
                    _ => ("send body", None),
                };
                return Err(self.err(
                    op,
                    id,
                    ErrorKind::Validation {
                        input: input.into(),
                        value,
                        reason: format!(
                            "{} (contract rule {}); nothing was sent",
                            v.message, v.rule
                        ),
                    },
                ));
            }
        }
        serde_json::to_vec(&body).map_err(|e| {
            self.err(
                op,
                id,
                ErrorKind::Validation {
                    input: "send body".into(),
                    value: None,
                    reason: format!("cannot be encoded as JSON: {e}"),
                },
            )
        })
    }
}
