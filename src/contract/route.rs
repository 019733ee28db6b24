//! Routing: which operation a request reaches, as the provider (Express) routes it.

use super::{Contract, Operation};

impl Contract {
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
