//! What a schema allows, flattened: enough to diff, not to validate.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// What a schema allows, flattened: enough to diff, not to validate.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Shape {
    /// JSON types allowed; `None` for any.
    pub(super) types: Option<BTreeSet<String>>,
    /// `enum` / `const` values; `None` for unrestricted.
    pub(super) values: Option<Vec<Value>>,
    /// `properties`, each flattened.
    pub(super) properties: BTreeMap<String, Shape>,
    /// `required` property names.
    pub(super) required: BTreeSet<String>,
    /// `items`, flattened.
    pub(super) items: Option<Box<Shape>>,
}

impl Shape {
    /// The shape of a resolved schema, `allOf` merged and `oneOf`/`anyOf` folded.
    pub(super) fn of(v: &Value) -> Shape {
        let Value::Object(map) = v else {
            return Shape::default();
        };
        let mut s = Shape::default();
        match map.get("type") {
            Some(Value::String(t)) => s.types = Some(BTreeSet::from([t.clone()])),
            Some(Value::Array(ts)) => {
                s.types = Some(
                    ts.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect(),
                )
            }
            _ => {}
        }
        if let Some(c) = map.get("const") {
            s.values = Some(vec![c.clone()]);
        } else if let Some(Value::Array(e)) = map.get("enum") {
            s.values = Some(e.clone());
        }
        if let Some(Value::Object(props)) = map.get("properties") {
            s.properties = props
                .iter()
                .map(|(k, v)| (k.clone(), Shape::of(v)))
                .collect();
        }
        if let Some(Value::Array(req)) = map.get("required") {
            s.required = req
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
        if let Some(items) = map.get("items") {
            s.items = Some(Box::new(Shape::of(items)));
        }
        if let Some(Value::Array(parts)) = map.get("allOf") {
            for p in parts {
                s = s.and(Shape::of(p));
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(parts)) = map.get(key) {
                let mut iter = parts.iter().map(Shape::of);
                if let Some(first) = iter.next() {
                    s = s.and(iter.fold(first, Shape::or));
                }
            }
        }
        s
    }

    /// Both at once (`allOf`).
    fn and(self, other: Shape) -> Shape {
        let types = match (self.types, other.types) {
            (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
            (a, b) => a.or(b),
        };
        let values = match (self.values, other.values) {
            (Some(a), Some(b)) => Some(a.into_iter().filter(|v| b.contains(v)).collect()),
            (a, b) => a.or(b),
        };
        let mut properties = self.properties;
        for (k, v) in other.properties {
            let merged = match properties.remove(&k) {
                Some(mine) => mine.and(v),
                None => v,
            };
            properties.insert(k, merged);
        }
        let items = match (self.items, other.items) {
            (Some(a), Some(b)) => Some(Box::new(a.and(*b))),
            (a, b) => a.or(b),
        };
        Shape {
            types,
            values,
            properties,
            required: self.required.union(&other.required).cloned().collect(),
            items,
        }
    }

    /// Either one (`oneOf`, `anyOf`).
    fn or(self, other: Shape) -> Shape {
        let types = match (self.types, other.types) {
            (Some(a), Some(b)) => Some(a.union(&b).cloned().collect()),
            _ => None,
        };
        let values = match (self.values, other.values) {
            (Some(mut a), Some(b)) => {
                for v in b {
                    if !a.contains(&v) {
                        a.push(v);
                    }
                }
                Some(a)
            }
            _ => None,
        };
        let mut properties = self.properties;
        for (k, v) in other.properties {
            let merged = match properties.remove(&k) {
                Some(mine) => mine.or(v),
                None => v,
            };
            properties.insert(k, merged);
        }
        let items = match (self.items, other.items) {
            (Some(a), Some(b)) => Some(Box::new(a.or(*b))),
            (a, b) => a.or(b),
        };
        Shape {
            types,
            values,
            properties,
            required: self
                .required
                .intersection(&other.required)
                .cloned()
                .collect(),
            items,
        }
    }

    /// Declared types, or the types of the allowed values, or those an object shape implies.
    pub(super) fn effective_types(&self) -> Option<BTreeSet<String>> {
        if let Some(t) = &self.types {
            let mut t = t.clone();
            // An integer is a number: `number` -> `integer` is a narrowing, not a new type.
            if t.contains("number") {
                t.insert("integer".into());
            }
            return Some(t);
        }
        if let Some(values) = &self.values {
            return Some(values.iter().map(|v| json_type(v).to_string()).collect());
        }
        None
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_of_merges_and_one_of_folds() {
        let s = Shape::of(&serde_json::json!({
            "allOf": [
                {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}},
                {"properties": {"code": {"enum": ["A", "B"]}}}
            ]
        }));
        assert_eq!(s.required, BTreeSet::from(["code".to_string()]));
        assert_eq!(
            s.properties["code"].values,
            Some(vec![Value::from("A"), Value::from("B")])
        );
        let u = Shape::of(&serde_json::json!({
            "oneOf": [{"type": "string"}, {"type": "null"}]
        }));
        assert_eq!(
            u.types,
            Some(BTreeSet::from(["null".to_string(), "string".to_string()]))
        );
    }
}
