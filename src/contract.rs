//! The provider contract: an OpenAPI 3.1 document loaded into operations and compiled schemas.
//!
//! Everything else in lmh derives its expectations from a [`Contract`]: the adapter validates
//! every answer with [`Contract::check_response`], the mock checks its own answers the same
//! way, and the verify commands match requests with [`Contract::find_operation`].
//!
//! ```
//! let contract = lmh::contract::Contract::v1();
//! let op = contract.find_operation("GET", "/status").expect("v1 has /status");
//! assert_eq!(op.id, "status");
//! let body = br#"{"error":true,"code":"MISSING_HEADER","message":"X-Cliente-Id header is required"}"#;
//! assert!(contract.check_response(op, 400, body).is_ok());
//! assert!(contract.find_operation("GET", "/api/session-manager/sessions/sender_51").is_none());
//! ```

pub mod diff;
pub mod versions;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

pub use versions::{ContractVersion, VERSIONS, version};

/// The seed-era contract, embedded from `contracts/session-manager.v1.yaml`.
pub const V1_SOURCE: &str = versions::V1.source;
/// The drifted contract, embedded from `contracts/session-manager.v2.yaml`.
pub const V2_SOURCE: &str = versions::V2.source;

/// Contract files bigger than this are refused.
pub const MAX_CONTRACT_BYTES: u64 = 4 * 1024 * 1024;

/// A contract that could not be loaded: which file, where in it, and why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("contract {file}: at {location}: {reason}")]
pub struct ContractError {
    /// The file (or embedded name) the contract came from.
    pub file: String,
    /// Where in the document: a line/column for syntax errors, a dotted path otherwise.
    pub location: String,
    /// What is wrong and, where possible, what to do.
    pub reason: String,
}

/// A loaded, validated provider contract.
#[derive(Debug, Clone)]
pub struct Contract {
    /// `info.title`, e.g. `session-manager`.
    pub title: String,
    /// `info.version`, e.g. `1`.
    pub version: String,
    /// Where the contract was read from.
    pub origin: String,
    /// Every operation, sorted by path then method.
    pub operations: Vec<Operation>,
    /// What the provider answers on a route it does not have (`x-lmh-unknown-route`).
    pub unknown_route: Option<ResponseSpec>,
    /// What the provider answers to a malformed JSON body (`x-lmh-malformed-body`).
    pub malformed_body: Option<ResponseSpec>,
}

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

/// A JSON Schema compiled against the contract's components.
#[derive(Clone)]
pub struct Schema {
    /// The schema as written (refs unresolved), for reports and diffing.
    pub raw: Value,
    /// The schema with every `$ref` inlined, for diffing and for reading enums.
    pub resolved: Value,
    validator: Arc<jsonschema::Validator>,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema").field("raw", &self.raw).finish()
    }
}

/// One way a value breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaViolation {
    /// JSON pointer into the checked value (`""` for the root).
    pub path: String,
    /// JSON pointer into the schema: which rule failed.
    pub rule: String,
    /// Human-readable reason.
    pub message: String,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(f, "{path}: {} (rule {})", self.message, self.rule)
    }
}

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

impl Schema {
    /// Every way `value` breaks this schema (empty when it conforms).
    pub fn violations(&self, value: &Value) -> Vec<SchemaViolation> {
        self.validator
            .iter_errors(value)
            .map(|e| SchemaViolation {
                path: e.instance_path().as_str().to_string(),
                rule: e.schema_path().as_str().to_string(),
                message: e.to_string(),
            })
            .collect()
    }

    /// Whether `value` conforms.
    pub fn is_valid(&self, value: &Value) -> bool {
        self.validator.is_valid(value)
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
}

impl ResponseSpec {
    /// Check the media type of an answer (`content_type` as received, `None` when absent)
    /// against the documented one; a body the contract does not describe is not checked.
    pub fn check_media(&self, content_type: Option<&str>) -> Result<(), ResponseViolation> {
        let Some(expected) = &self.media else {
            return Ok(());
        };
        let found = content_type
            .map(media_type)
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "no content type".into());
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

impl Contract {
    /// The embedded seed-era contract (v1).
    pub fn v1() -> Contract {
        versions::V1.contract()
    }

    /// The embedded drifted contract (v2).
    pub fn v2() -> Contract {
        versions::V2.contract()
    }

    /// Load a contract from a YAML (or JSON) file.
    pub fn load(path: &Path) -> Result<Contract, ContractError> {
        let file = path.display().to_string();
        let text = crate::files::read_text_file(path, MAX_CONTRACT_BYTES, "contract file")
            .map_err(|e| ContractError {
                file: file.clone(),
                location: "file".into(),
                reason: e.reason(),
            })?;
        Contract::parse(&text, &file)
    }

    /// Parse a contract from text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Contract, ContractError> {
        let err = |location: &str, reason: String| ContractError {
            file: origin.to_string(),
            location: location.to_string(),
            reason,
        };
        let doc: Value = crate::yaml::parse(text).map_err(|e| {
            let location = match (e.line, e.column) {
                (Some(l), Some(c)) => format!("line {l}, column {c}"),
                (Some(l), None) => format!("line {l}"),
                _ => "document".into(),
            };
            err(&location, format!("not valid YAML: {}", e.reason))
        })?;
        Loader {
            doc: &doc,
            err: &err,
        }
        .contract(origin)
    }

    /// The operation a request for `method` and `path` reaches, as the provider routes it.
    ///
    /// Like Express with default options: the query string is ignored, a trailing slash is
    /// tolerated and paths compare case-insensitively; `{param}` segments match any segment.
    pub fn find_operation(&self, method: &str, path: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|op| op.method.eq_ignore_ascii_case(method) && path_matches(&op.path, path))
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// Check an answer to `op`: documented status, JSON body, schema.
    pub fn check_response(
        &self,
        op: &Operation,
        status: u16,
        body: &[u8],
    ) -> Result<Value, ResponseViolation> {
        match op.response(status) {
            Some(spec) => spec.check(body),
            None => Err(ResponseViolation::UndocumentedStatus {
                status,
                documented: op.statuses(),
            }),
        }
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
        let own = match op.response(status) {
            Some(spec) => spec.check_answer(content_type, body),
            None => Err(ResponseViolation::UndocumentedStatus {
                status,
                documented: op.statuses(),
            }),
        };
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

    /// `title vN`, for reports.
    pub fn label(&self) -> String {
        format!("{} v{}", self.title, self.version)
    }
}

/// Whether a request path reaches a contract path template.
fn path_matches(template: &str, path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let trim = |p: &str| -> String {
        let p = p.strip_suffix('/').filter(|s| !s.is_empty()).unwrap_or(p);
        p.to_string()
    };
    let (t, p) = (trim(template), trim(path));
    let ts: Vec<&str> = t.split('/').collect();
    let ps: Vec<&str> = p.split('/').collect();
    ts.len() == ps.len()
        && ts.iter().zip(&ps).all(|(t, p)| {
            (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t.eq_ignore_ascii_case(p)
        })
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// Walks the raw document into a [`Contract`], naming the location of the first problem.
struct Loader<'a, E: Fn(&str, String) -> ContractError> {
    doc: &'a Value,
    err: &'a E,
}

impl<'a, E: Fn(&str, String) -> ContractError> Loader<'a, E> {
    fn contract(&self, origin: &str) -> Result<Contract, ContractError> {
        let doc = self.doc;
        let version = doc.get("openapi").and_then(Value::as_str).ok_or_else(|| {
            (self.err)(
                "openapi",
                "missing `openapi` version; lmh reads OpenAPI 3.1 documents".into(),
            )
        })?;
        if !version.starts_with("3.1") {
            return Err((self.err)(
                "openapi",
                format!(
                    "version {version:?} is not supported; write the contract in OpenAPI 3.1 \
                     (3.0's `nullable` is not JSON Schema)"
                ),
            ));
        }
        let title = self.string(doc, "info.title", &["info", "title"])?;
        let info_version = match doc.pointer("/info/version") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err((self.err)("info.version", "missing `info.version`".into())),
        };
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                (self.err)(
                    "paths",
                    "missing or empty `paths`: a contract needs at least one operation".into(),
                )
            })?;
        let mut operations = Vec::new();
        let mut ids = BTreeSet::new();
        for (path, item) in paths {
            if !path.starts_with('/') {
                return Err((self.err)(
                    &format!("paths.{path}"),
                    "a path must start with `/`".into(),
                ));
            }
            let item = item.as_object().ok_or_else(|| {
                (self.err)(&format!("paths.{path}"), "a path item must be a map".into())
            })?;
            for (method, op) in item {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                let loc = format!("paths.{path}.{method}");
                let op = self.operation(&loc, path, method, op)?;
                if !ids.insert(op.id.clone()) {
                    return Err((self.err)(
                        &loc,
                        format!("operationId {:?} is used twice", op.id),
                    ));
                }
                operations.push(op);
            }
        }
        if operations.is_empty() {
            return Err((self.err)("paths", "no operation under any path".into()));
        }
        let unknown_route = self.extension_response("x-lmh-unknown-route")?;
        let malformed_body = self.extension_response("x-lmh-malformed-body")?;
        Ok(Contract {
            title,
            version: info_version,
            origin: origin.to_string(),
            operations,
            unknown_route,
            malformed_body,
        })
    }

    fn string(&self, v: &Value, loc: &str, keys: &[&str]) -> Result<String, ContractError> {
        let mut cur = v;
        for k in keys {
            cur = cur
                .get(k)
                .ok_or_else(|| (self.err)(loc, format!("missing `{k}`")))?;
        }
        cur.as_str()
            .map(str::to_string)
            .ok_or_else(|| (self.err)(loc, "must be a string".into()))
    }

    fn operation(
        &self,
        loc: &str,
        path: &str,
        method: &str,
        op: &Value,
    ) -> Result<Operation, ContractError> {
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .ok_or_else(|| (self.err)(loc, "missing `operationId`".into()))?
            .to_string();
        let mut headers = Vec::new();
        if let Some(params) = op.get("parameters") {
            let params = params
                .as_array()
                .ok_or_else(|| (self.err)(&format!("{loc}.parameters"), "must be a list".into()))?;
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
                    required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                    selects_session: p
                        .get("x-lmh-selects-session")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    schema: self.schema(&format!("{ploc}.schema"), &schema)?,
                });
            }
        }
        let request_body = match op.get("requestBody") {
            None => None,
            Some(rb) => {
                let rloc = format!("{loc}.requestBody");
                let schema = rb
                    .pointer("/content/application~1json/schema")
                    .ok_or_else(|| {
                        (self.err)(&rloc, "needs content.application/json.schema".into())
                    })?;
                Some(self.schema(&rloc, schema)?)
            }
        };
        let responses_v = op
            .get("responses")
            .and_then(Value::as_object)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                (self.err)(
                    &format!("{loc}.responses"),
                    "missing or empty `responses`".into(),
                )
            })?;
        let mut responses = Vec::new();
        for (code, r) in responses_v {
            let rloc = format!("{loc}.responses.{code}");
            let status: u16 = code
                .parse()
                .ok()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| {
                    (self.err)(
                        &rloc,
                        format!("{code:?} is not a status code from 100 to 599"),
                    )
                })?;
            responses.push(self.response(&rloc, status, r)?);
        }
        responses.sort_by_key(|r| r.status);
        let keywords = op
            .get("x-lmh-keywords")
            .and_then(Value::as_array)
            .map(|k| {
                k.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Operation {
            id,
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            summary: op
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            creates_session: op
                .get("x-lmh-creates-session")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            keywords,
            headers,
            request_body,
            responses,
        })
    }

    fn response(&self, loc: &str, status: u16, r: &Value) -> Result<ResponseSpec, ContractError> {
        let r = self.deref(loc, r)?;
        let (media, schema) = self.content(loc, r)?;
        Ok(ResponseSpec {
            status,
            description: r
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
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
            Some(_) => Err((self.err)(
                &format!("{loc}.content"),
                "several media types without application/json; lmh checks one".into(),
            )),
            None => Ok((None, None)),
        }
    }

    /// An `x-lmh-*` answer: `status` and `response`, a standard OpenAPI response object
    /// (usually a `$ref` to `components/responses`).
    fn extension_response(&self, key: &str) -> Result<Option<ResponseSpec>, ContractError> {
        let Some(ext) = self.doc.get(key) else {
            return Ok(None);
        };
        let status = ext
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| (self.err)(&format!("{key}.status"), "must be a status code".into()))?;
        let response = ext.get("response").ok_or_else(|| {
            (self.err)(
                &format!("{key}.response"),
                "missing: give a response object, e.g. $ref: '#/components/responses/NotFound'"
                    .into(),
            )
        })?;
        let mut spec = self.response(&format!("{key}.response"), status, response)?;
        if spec.description.is_empty() {
            spec.description = key.to_string();
        }
        Ok(Some(spec))
    }

    /// Follow a `$ref` to a component (parameters, responses), or return the value itself.
    fn deref(&self, loc: &str, v: &'a Value) -> Result<&'a Value, ContractError>
    where
        'a: 'a,
    {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => self.lookup(loc, r),
            None => Ok(v),
        }
    }

    fn lookup(&self, loc: &str, reference: &str) -> Result<&'a Value, ContractError> {
        let pointer = reference.strip_prefix('#').ok_or_else(|| {
            (self.err)(
                loc,
                format!("$ref {reference:?} points outside the document; lmh needs a self-contained contract"),
            )
        })?;
        self.doc.pointer(pointer).ok_or_else(|| {
            (self.err)(
                loc,
                format!("$ref {reference:?} does not resolve to anything in the document"),
            )
        })
    }

    /// Inline every `$ref` (for reading and diffing), refusing cycles.
    fn resolve(&self, loc: &str, v: &Value, depth: usize) -> Result<Value, ContractError> {
        if depth > 32 {
            return Err((self.err)(
                loc,
                "$ref chain deeper than 32: a cycle?".into(),
            ));
        }
        Ok(match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    let target = self.lookup(loc, r)?;
                    let mut resolved = self.resolve(loc, target, depth + 1)?;
                    if let Value::Object(out) = &mut resolved {
                        for (k, v) in map.iter().filter(|(k, _)| *k != "$ref") {
                            out.insert(k.clone(), self.resolve(loc, v, depth + 1)?);
                        }
                    }
                    resolved
                } else {
                    let mut out = serde_json::Map::new();
                    for (k, v) in map {
                        out.insert(k.clone(), self.resolve(loc, v, depth + 1)?);
                    }
                    Value::Object(out)
                }
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.resolve(loc, i, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            other => other.clone(),
        })
    }

    fn schema(&self, loc: &str, raw: &Value) -> Result<Schema, ContractError> {
        let resolved = self.resolve(loc, raw, 0)?;
        let validator = jsonschema::draft202012::new(&resolved)
            .map_err(|e| (self.err)(loc, format!("not a valid JSON Schema 2020-12: {e}")))?;
        Ok(Schema {
            raw: raw.clone(),
            resolved,
            validator: Arc::new(validator),
        })
    }
}
