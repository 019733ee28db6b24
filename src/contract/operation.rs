//! Operations of the contract: method, path, headers, request body and documented answers,
//! and how the loader reads each from the document.

use serde_json::{Map, Value};

use super::load::Loader;
use super::{ContractError, Schema, media_type};

/// One method + path of the contract.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template, e.g. `/status`.
    pub path: String,
    /// `summary`, for reports.
    pub summary: String,
    /// Whether calling it creates the client's session on the provider (`x-lmh-creates-session`).
    pub creates_session: bool,
    /// Words that point to this operation when a consumer called something else (`x-lmh-keywords`).
    pub keywords: Vec<String>,
    /// Header parameters.
    pub headers: Vec<HeaderParam>,
    /// JSON request body schema, when the operation takes one.
    pub request_body: Option<Schema>,
    /// Documented responses, by status code.
    pub responses: Vec<ResponseSpec>,
}

/// A documented header parameter.
#[derive(Debug, Clone)]
pub struct HeaderParam {
    /// Header name as written in the contract.
    pub name: String,
    /// Whether the provider rejects requests without it.
    pub required: bool,
    /// Whether it selects the session (tenant) the request acts on (`x-lmh-selects-session`):
    /// without it every client would share one session.
    pub selects_session: bool,
    /// The value schema.
    pub schema: Schema,
}

/// One documented status code with its body schema.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    /// HTTP status code.
    pub status: u16,
    /// `description`.
    pub description: String,
    /// The documented media type (the `content` key, e.g. `application/json`); `None` when
    /// the contract documents no body.
    pub media: Option<String>,
    /// JSON body schema; `None` when the contract documents no JSON body.
    pub schema: Option<Schema>,
}

impl Operation {
    /// The documented response for `status`, if any.
    pub fn response(&self, status: u16) -> Option<&ResponseSpec> {
        self.responses.iter().find(|r| r.status == status)
    }

    /// Documented status codes, ascending.
    pub fn statuses(&self) -> Vec<u16> {
        self.responses.iter().map(|r| r.status).collect()
    }

    /// The header parameter called `name` (case-insensitive, as HTTP headers are).
    pub fn header(&self, name: &str) -> Option<&HeaderParam> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
    }

    /// `METHOD /path`, for reports.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The boolean `key` of `v`; absent means false.
fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The string `key` of `v`; absent means empty.
fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

impl Loader<'_> {
    /// The operation `method path`, written at `loc`.
    pub(super) fn operation(
        &self,
        loc: &str,
        path: &str,
        method: &str,
        op: &Value,
    ) -> Result<Operation, ContractError> {
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .ok_or_else(|| self.err(loc, "missing `operationId`"))?
            .to_string();
        let headers = self.headers(loc, op)?;
        let request_body = self.request_body(loc, op)?;
        let responses = self.responses(loc, op)?;
        Ok(Operation {
            id,
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            summary: text(op, "summary"),
            creates_session: flag(op, "x-lmh-creates-session"),
            keywords: keywords(op),
            headers,
            request_body,
            responses,
        })
    }

    /// The header parameters (other parameters are not lmh's business).
    fn headers(&self, loc: &str, op: &Value) -> Result<Vec<HeaderParam>, ContractError> {
        let Some(params) = op.get("parameters") else {
            return Ok(Vec::new());
        };
        let params = params
            .as_array()
            .ok_or_else(|| self.err(&format!("{loc}.parameters"), "must be a list"))?;
        let mut headers = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let ploc = format!("{loc}.parameters[{i}]");
            let p = self.deref(&ploc, p)?;
            if p.get("in").and_then(Value::as_str) != Some("header") {
                continue;
            }
            let name = self.string(p, &format!("{ploc}.name"), &["name"])?;
            let schema = p.get("schema").cloned().unwrap_or(Value::Bool(true));
            headers.push(HeaderParam {
                name,
                required: flag(p, "required"),
                selects_session: flag(p, "x-lmh-selects-session"),
                schema: self.schema(&format!("{ploc}.schema"), &schema)?,
            });
        }
        Ok(headers)
    }

    /// The JSON request body's schema, when the operation takes one.
    fn request_body(&self, loc: &str, op: &Value) -> Result<Option<Schema>, ContractError> {
        let Some(rb) = op.get("requestBody") else {
            return Ok(None);
        };
        let rloc = format!("{loc}.requestBody");
        let schema = rb
            .pointer("/content/application~1json/schema")
            .ok_or_else(|| self.err(&rloc, "needs content.application/json.schema"))?;
        Ok(Some(self.schema(&rloc, schema)?))
    }

    /// The documented responses, sorted by status code.
    fn responses(&self, loc: &str, op: &Value) -> Result<Vec<ResponseSpec>, ContractError> {
        let written: &Map<String, Value> = op
            .get("responses")
            .and_then(Value::as_object)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| self.err(&format!("{loc}.responses"), "missing or empty `responses`"))?;
        let mut responses = Vec::new();
        for (code, r) in written {
            let rloc = format!("{loc}.responses.{code}");
            let status: u16 = code
                .parse()
                .ok()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| {
                    self.err(
                        &rloc,
                        format!("{code:?} is not a status code from 100 to 599"),
                    )
                })?;
            responses.push(self.response(&rloc, status, r)?);
        }
        responses.sort_by_key(|r| r.status);
        Ok(responses)
    }

    /// One response object (or a `$ref` to one) documented for `status`.
    pub(super) fn response(
        &self,
        loc: &str,
        status: u16,
        r: &Value,
    ) -> Result<ResponseSpec, ContractError> {
        let r = self.deref(loc, r)?;
        let (media, schema) = self.content(loc, r)?;
        Ok(ResponseSpec {
            status,
            description: text(r, "description"),
            media,
            schema,
        })
    }

    /// A response's media type and JSON schema: `application/json` when documented (with
    /// its schema), else the one other media type (an HTML page has no JSON schema).
    fn content(
        &self,
        loc: &str,
        r: &Value,
    ) -> Result<(Option<String>, Option<Schema>), ContractError> {
        let Some(content) = r.get("content").and_then(Value::as_object) else {
            return Ok((None, None));
        };
        if let Some(json) = content.get("application/json") {
            let schema = match json.get("schema") {
                Some(s) => Some(self.schema(&format!("{loc}.content"), s)?),
                None => None,
            };
            return Ok((Some("application/json".into()), schema));
        }
        match content.keys().next() {
            Some(media) if content.len() == 1 => Ok((Some(media_type(media)), None)),
            Some(_) => Err(self.err(
                &format!("{loc}.content"),
                "several media types without application/json; lmh checks one",
            )),
            None => Ok((None, None)),
        }
    }
}

/// The operation's `x-lmh-keywords`.
fn keywords(op: &Value) -> Vec<String> {
    op.get("x-lmh-keywords")
        .and_then(Value::as_array)
        .map(|k| {
            k.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
