//! JSON Schemas of the contract: compiled for validation, with every `$ref` inlined.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::ContractError;
use super::load::Loader;

/// How deep a chain of `$ref`s may go before it is taken for a cycle.
const MAX_REF_DEPTH: usize = 32;

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

impl<'a> Loader<'a> {
    /// Compile the schema written at `loc`, its `$ref`s inlined first.
    pub(super) fn schema(&self, loc: &str, raw: &Value) -> Result<Schema, ContractError> {
        let resolved = self.resolve(loc, raw, 0)?;
        let validator = jsonschema::draft202012::new(&resolved)
            .map_err(|e| self.err(loc, format!("not a valid JSON Schema 2020-12: {e}")))?;
        Ok(Schema {
            raw: raw.clone(),
            resolved,
            validator: Arc::new(validator),
        })
    }

    /// Follow a `$ref` to a component (parameters, responses), or return the value itself.
    pub(super) fn deref(&self, loc: &str, v: &'a Value) -> Result<&'a Value, ContractError> {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => self.lookup(loc, r),
            None => Ok(v),
        }
    }

    fn lookup(&self, loc: &str, reference: &str) -> Result<&'a Value, ContractError> {
        let pointer = reference.strip_prefix('#').ok_or_else(|| {
            self.err(
                loc,
                format!("$ref {reference:?} points outside the document; lmh needs a self-contained contract"),
            )
        })?;
        self.doc.pointer(pointer).ok_or_else(|| {
            self.err(
                loc,
                format!("$ref {reference:?} does not resolve to anything in the document"),
            )
        })
    }

    /// Inline every `$ref` (for reading and diffing), refusing cycles.
    fn resolve(&self, loc: &str, v: &Value, depth: usize) -> Result<Value, ContractError> {
        if depth > MAX_REF_DEPTH {
            return Err(self.err(loc, "$ref chain deeper than 32: a cycle?"));
        }
        Ok(match v {
            Value::Object(map) => match map.get("$ref").and_then(Value::as_str) {
                Some(r) => self.resolve_ref(loc, r, map, depth)?,
                None => Value::Object(self.resolve_map(loc, map.iter(), depth)?),
            },
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.resolve(loc, i, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            other => other.clone(),
        })
    }

    /// The target of `reference`, resolved, with the keys written beside the `$ref` on top.
    fn resolve_ref(
        &self,
        loc: &str,
        reference: &str,
        map: &serde_json::Map<String, Value>,
        depth: usize,
    ) -> Result<Value, ContractError> {
        let target = self.lookup(loc, reference)?;
        let mut resolved = self.resolve(loc, target, depth + 1)?;
        if let Value::Object(out) = &mut resolved {
            let siblings = map.iter().filter(|(k, _)| *k != "$ref");
            out.extend(self.resolve_map(loc, siblings, depth)?);
        }
        Ok(resolved)
    }

    fn resolve_map<'m>(
        &self,
        loc: &str,
        entries: impl Iterator<Item = (&'m String, &'m Value)>,
        depth: usize,
    ) -> Result<serde_json::Map<String, Value>, ContractError> {
        let mut out = serde_json::Map::new();
        for (k, v) in entries {
            out.insert(k.clone(), self.resolve(loc, v, depth + 1)?);
        }
        Ok(out)
    }
}
