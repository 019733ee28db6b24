//! Checking an exchange against the contract: status, JSON body, schema and media type.

use serde_json::Value;

use super::{Contract, Operation, ResponseSpec, SchemaViolation};

/// Why an answer does not conform to the contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseViolation {
    /// The status code is not documented for the operation.
    #[error("status {status} is not documented for this operation (documented: {documented:?})")]
    UndocumentedStatus {
        /// What came back.
        status: u16,
        /// What the contract allows.
        documented: Vec<u16>,
    },
    /// The body is not JSON.
    #[error("status {status}: body is not JSON: {snippet:?}")]
    NotJson {
        /// What came back.
        status: u16,
        /// The first bytes of the body, lossily decoded.
        snippet: String,
    },
    /// The body is JSON but breaks the documented schema.
    #[error("status {status}: body breaks the schema: {}", join(violations))]
    Schema {
        /// What came back.
        status: u16,
        /// Every broken rule.
        violations: Vec<SchemaViolation>,
    },
    /// The body is what the contract documents, but labelled with another media type: a
    /// client that trusts `Content-Type` reads something else (rule `content-type`).
    #[error(
        "status {status}: rule content-type: answered as {found}, the contract documents {expected}"
    )]
    ContentType {
        /// What came back.
        status: u16,
        /// The documented media type.
        expected: String,
        /// The `Content-Type` answered (its media type only), or `no content type`.
        found: String,
    },
}

/// The media type of a `Content-Type` value: lower case, parameters dropped.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The media type an answer was labelled with, as checks name it: [`media_type`] of its
/// `Content-Type`, or `no content type` when it has none.
pub fn answered_media(content_type: Option<&str>) -> String {
    content_type
        .map(media_type)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "no content type".into())
}

fn join(v: &[SchemaViolation]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// First bytes of a body, for error messages that must not flood a terminal.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
    if body.len() > 120 {
        format!("{text}…")
    } else {
        text
    }
}

impl ResponseSpec {
    /// Parse and check a body against this response's schema.
    pub fn check(&self, body: &[u8]) -> Result<Value, ResponseViolation> {
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => {
                return Err(ResponseViolation::NotJson {
                    status: self.status,
                    snippet: snippet(body),
                });
            }
        };
        if let Some(schema) = &self.schema {
            let violations = schema.violations(&value);
            if !violations.is_empty() {
                return Err(ResponseViolation::Schema {
                    status: self.status,
                    violations,
                });
            }
        }
        Ok(value)
    }

    /// Check the media type of an answer (`content_type` as received, `None` when absent)
    /// against the documented one; a body the contract does not describe is not checked.
    pub fn check_media(&self, content_type: Option<&str>) -> Result<(), ResponseViolation> {
        let Some(expected) = &self.media else {
            return Ok(());
        };
        let found = answered_media(content_type);
        if &found == expected {
            Ok(())
        } else {
            Err(ResponseViolation::ContentType {
                status: self.status,
                expected: expected.clone(),
                found,
            })
        }
    }

    /// [`ResponseSpec::check`], then [`ResponseSpec::check_media`] (body and schema first:
    /// they say more about a wrong answer than its label).
    pub fn check_answer(
        &self,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Value, ResponseViolation> {
        let value = match &self.schema {
            Some(_) => self.check(body)?,
            // Not JSON by contract (an HTML page): nothing to parse.
            None => Value::Null,
        };
        self.check_media(content_type)?;
        Ok(value)
    }
}

impl Operation {
    /// The documented response for `status`, or the error naming the documented ones.
    fn documented(&self, status: u16) -> Result<&ResponseSpec, ResponseViolation> {
        self.response(status)
            .ok_or_else(|| ResponseViolation::UndocumentedStatus {
                status,
                documented: self.statuses(),
            })
    }
}

impl Contract {
    /// Check an answer to `op`: documented status, JSON body, schema.
    pub fn check_response(
        &self,
        op: &Operation,
        status: u16,
        body: &[u8],
    ) -> Result<Value, ResponseViolation> {
        op.documented(status)?.check(body)
    }

    /// Check a whole answer to `op`: documented status, body, schema and media type.
    ///
    /// The contract's malformed-body answer (`x-lmh-malformed-body`) is accepted from every
    /// operation: the body is parsed before any route runs.
    pub fn check_answer(
        &self,
        op: &Operation,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Value, ResponseViolation> {
        let own = op
            .documented(status)
            .and_then(|spec| spec.check_answer(content_type, body));
        match (own, &self.malformed_body) {
            (Err(e), Some(m)) if m.status == status => {
                m.check_answer(content_type, body).map_err(|_| e)
            }
            (own, _) => own,
        }
    }

    /// Check an answer to any request: the operation `method path` reaches, or else the
    /// contract's unknown-route answer (a wrong method on a known path included).
    pub fn check_exchange(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), ResponseViolation> {
        if let Some(op) = self.find_operation(method, path) {
            return self
                .check_answer(op, status, content_type, body)
                .map(|_| ());
        }
        for spec in [&self.malformed_body, &self.unknown_route]
            .into_iter()
            .flatten()
        {
            if spec.status == status {
                return spec.check_answer(content_type, body).map(|_| ());
            }
        }
        match &self.unknown_route {
            Some(spec) => Err(ResponseViolation::UndocumentedStatus {
                status,
                documented: vec![spec.status],
            }),
            None => Ok(()),
        }
    }
}
