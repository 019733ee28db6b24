//! Loading a contract: the file, its YAML, and the document walked into a [`Contract`].

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use super::{Contract, MAX_CONTRACT_BYTES, Operation, ResponseSpec};

/// The path-item keys that are operations.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

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

impl Contract {
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
        let doc: Value = crate::yaml::parse(text).map_err(|e| {
            let location = match (e.line, e.column) {
                (Some(l), Some(c)) => format!("line {l}, column {c}"),
                (Some(l), None) => format!("line {l}"),
                _ => "document".into(),
            };
            ContractError {
                file: origin.to_string(),
                location,
                reason: format!("not valid YAML: {}", e.reason),
            }
        })?;
        Loader { doc: &doc, origin }.contract()
    }
}

/// Walks the raw document into a [`Contract`], naming the location of the first problem.
pub(super) struct Loader<'a> {
    /// The whole document, for `$ref`s.
    pub(super) doc: &'a Value,
    /// Where it was read from, for errors.
    origin: &'a str,
}

impl<'a> Loader<'a> {
    /// The error for a problem at `location` (a dotted path into the document).
    pub(super) fn err(&self, location: &str, reason: impl Into<String>) -> ContractError {
        ContractError {
            file: self.origin.to_string(),
            location: location.to_string(),
            reason: reason.into(),
        }
    }

    fn contract(&self) -> Result<Contract, ContractError> {
        self.check_openapi_version()?;
        let title = self.string(self.doc, "info.title", &["info", "title"])?;
        let version = match self.doc.pointer("/info/version") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(self.err("info.version", "missing `info.version`")),
        };
        let operations = self.operations()?;
        Ok(Contract {
            title,
            version,
            origin: self.origin.to_string(),
            operations,
            unknown_route: self.extension_response("x-lmh-unknown-route")?,
            malformed_body: self.extension_response("x-lmh-malformed-body")?,
        })
    }

    fn check_openapi_version(&self) -> Result<(), ContractError> {
        let version = self
            .doc
            .get("openapi")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                self.err(
                    "openapi",
                    "missing `openapi` version; lmh reads OpenAPI 3.1 documents",
                )
            })?;
        if !version.starts_with("3.1") {
            return Err(self.err(
                "openapi",
                format!(
                    "version {version:?} is not supported; write the contract in OpenAPI 3.1 \
                     (3.0's `nullable` is not JSON Schema)"
                ),
            ));
        }
        Ok(())
    }

    /// Every operation under `paths`, each `operationId` once.
    fn operations(&self) -> Result<Vec<Operation>, ContractError> {
        let paths = self
            .doc
            .get("paths")
            .and_then(Value::as_object)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                self.err(
                    "paths",
                    "missing or empty `paths`: a contract needs at least one operation",
                )
            })?;
        let mut operations = Vec::new();
        let mut ids = BTreeSet::new();
        for (path, item) in paths {
            self.path_item(path, item, &mut ids, &mut operations)?;
        }
        if operations.is_empty() {
            return Err(self.err("paths", "no operation under any path"));
        }
        Ok(operations)
    }

    /// The operations of one path item, appended to `operations`; `ids` holds every
    /// `operationId` seen so far, so none is used twice.
    fn path_item(
        &self,
        path: &str,
        item: &Value,
        ids: &mut BTreeSet<String>,
        operations: &mut Vec<Operation>,
    ) -> Result<(), ContractError> {
        if !path.starts_with('/') {
            return Err(self.err(&format!("paths.{path}"), "a path must start with `/`"));
        }
        let item: &Map<String, Value> = item
            .as_object()
            .ok_or_else(|| self.err(&format!("paths.{path}"), "a path item must be a map"))?;
        for (method, op) in item.iter().filter(|(m, _)| METHODS.contains(&m.as_str())) {
            let loc = format!("paths.{path}.{method}");
            let op = self.operation(&loc, path, method, op)?;
            if !ids.insert(op.id.clone()) {
                return Err(self.err(&loc, format!("operationId {:?} is used twice", op.id)));
            }
            operations.push(op);
        }
        Ok(())
    }

    /// The string at `keys` under `v`, or an error at `loc`.
    pub(super) fn string(
        &self,
        v: &Value,
        loc: &str,
        keys: &[&str],
    ) -> Result<String, ContractError> {
        let mut cur = v;
        for k in keys {
            cur = cur
                .get(k)
                .ok_or_else(|| self.err(loc, format!("missing `{k}`")))?;
        }
        cur.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.err(loc, "must be a string"))
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
            .ok_or_else(|| self.err(&format!("{key}.status"), "must be a status code"))?;
        let response = ext.get("response").ok_or_else(|| {
            self.err(
                &format!("{key}.response"),
                "missing: give a response object, e.g. $ref: '#/components/responses/NotFound'",
            )
        })?;
        let mut spec = self.response(&format!("{key}.response"), status, response)?;
        if spec.description.is_empty() {
            spec.description = key.to_string();
        }
        Ok(Some(spec))
    }
}
