//! Reading YAML a user wrote (fixtures, contracts): the one loader, strict where YAML is lax.
//!
//! - A UTF-8 byte-order mark (Windows editors write one) is accepted.
//! - Nesting deeper than [`MAX_DEPTH`] is refused before parsing: the parser's time grows
//!   quadratically with depth, so a small hostile file could hang lmh.
//! - A key repeated in one mapping is an error naming its line: YAML parsers keep the last
//!   one silently, so a second `/send:` would remove `POST /send` from a contract and a
//!   repeated client in `sessions:` would change its state unseen.
//!
//! ```
//! let err = lmh::yaml::parse::<serde_json::Value>("a: 1\nb: 2\na: 3\n").unwrap_err();
//! assert_eq!(err.line, Some(3));
//! assert!(err.reason.contains("duplicate"), "{}", err.reason);
//! let v: serde_json::Value = lmh::yaml::parse("\u{feff}a: 1\n").unwrap();
//! assert_eq!(v["a"], 1);
//! ```

use serde::de::DeserializeOwned;

/// Deeper nesting than this (block indentation, sequence dashes and flow brackets together)
/// is refused. Real fixtures and OpenAPI contracts stay far below it.
pub const MAX_DEPTH: usize = 64;

/// YAML that cannot be used, with where (1-based) when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason}", match (line, column) {
    (Some(l), Some(c)) => format!("line {l}, column {c}: "),
    (Some(l), None) => format!("line {l}: "),
    _ => String::new(),
})]
pub struct YamlError {
    /// The line, 1-based.
    pub line: Option<usize>,
    /// The column, 1-based.
    pub column: Option<usize>,
    /// What is wrong, without the position.
    pub reason: String,
}

/// Parse `text` into `T` with the checks above.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_depth(text)?;
    // Parsed once as a plain YAML value first: its mappings refuse duplicate keys, which
    // serde maps and JSON objects would silently merge.
    yaml_serde::from_str::<yaml_serde::Value>(text).map_err(|e| {
        let mut err = from_yaml(e);
        // The parser points at the mapping; point at the repeated key instead.
        let marker = "duplicate entry with key ";
        if let Some(key) = err
            .reason
            .find(marker)
            .map(|i| &err.reason[i + marker.len()..])
            && let Some(line) = repeated_key_line(text, key, err.line.unwrap_or(1))
        {
            err.line = Some(line);
            err.column = None;
        }
        err
    })?;
    yaml_serde::from_str(text).map_err(from_yaml)
}

fn from_yaml(e: yaml_serde::Error) -> YamlError {
    let location = e.location();
    let mut reason = e.to_string();
    if let Some(loc) = &location {
        // The message repeats the position; the error's prefix already has it.
        let suffix = format!(" at line {} column {}", loc.line(), loc.column());
        reason = reason.replacen(&suffix, "", 1);
    }
    if reason.contains("repetition limit exceeded") {
        reason.push_str(
            ": its aliases (*name) expand to too many nodes; write the repeated values out instead of aliasing anchors of anchors",
        );
    }
    if reason.contains("duplicate entry") {
        reason
            .push_str("; each key may appear once in a mapping: merge or rename the repeated one");
    }
    YamlError {
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        reason,
    }
}

/// The line of the second `key:` at one indentation from line `from` on (block mappings;
/// `key` as the parser shows it: quoted with `"`, or bare for numbers and booleans).
fn repeated_key_line(text: &str, key: &str, from: usize) -> Option<usize> {
    let key = key.split(';').next().unwrap_or(key).trim();
    let bare = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(key);
    let forms = [
        format!("{bare}:"),
        format!("\"{bare}\":"),
        format!("'{bare}':"),
    ];
    let mut seen: Vec<usize> = Vec::new();
    for (i, line) in text.lines().enumerate().skip(from.saturating_sub(1)) {
        let mut content = line.trim_start_matches(' ');
        let mut indent = line.len() - content.len();
        while let Some(after) = content.strip_prefix("- ") {
            indent += 2 + (after.len() - after.trim_start_matches(' ').len());
            content = after.trim_start_matches(' ');
        }
        if forms.iter().any(|f| {
            content
                .strip_prefix(f.as_str())
                .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
        }) {
            if seen.contains(&indent) {
                return Some(i + 1);
            }
            seen.push(indent);
        }
    }
    None
}

/// Refuse nesting deeper than [`MAX_DEPTH`], in one linear pass. An over-estimate on purpose
/// (indented block-scalar lines count as levels): it only has to stay below the limit for
/// real files and above it for hostile ones.
fn check_depth(text: &str) -> Result<(), YamlError> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for (number, line) in text.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        while indents.last().is_some_and(|&top| top >= indent) {
            indents.pop();
        }
        indents.push(indent);
        let mut dashes = 0;
        let mut rest = content;
        while let Some(after) = rest.strip_prefix("- ") {
            dashes += 1;
            rest = after.trim_start_matches(' ');
        }
        let mut max_flow = flow;
        let mut quote = None;
        for c in rest.chars() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '#') => break,
                (None, '[' | '{') => {
                    flow += 1;
                    max_flow = max_flow.max(flow);
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
        let depth = indents.len() + dashes + max_flow;
        if depth > MAX_DEPTH {
            return Err(YamlError {
                line: Some(number + 1),
                column: None,
                reason: format!(
                    "nested more than {MAX_DEPTH} levels deep; lmh refuses such YAML before parsing it (flatten the structure)"
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_is_named_at_its_line() {
        let text =
            "paths:\n  /status:\n    get: {}\n  /send:\n    post: {}\n  /send:\n    get: {}\n";
        let err = parse::<serde_json::Value>(text).unwrap_err();
        assert_eq!(err.line, Some(6), "{err}");
        assert!(err.reason.contains("\"/send\""), "{err}");
        let text = "sessions:\n  51: READY\n  52: READY\n  51: QR_REQUIRED\n";
        let err = parse::<serde_json::Value>(text).unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        // The same key in two different mappings is fine.
        parse::<serde_json::Value>("a:\n  x: 1\nb:\n  x: 2\n").unwrap();
    }

    #[test]
    fn deep_nesting_is_refused_in_every_form() {
        let flow = format!("a: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let block: String = (0..200)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let dashes = format!("{}1\n", "- ".repeat(200));
        for text in [flow, block, dashes] {
            let err = parse::<serde_json::Value>(&text).unwrap_err();
            assert!(err.reason.contains("nested more than"), "{err}");
        }
        // Brackets inside quotes are text.
        let quoted = format!("a: \"{}\"\n", "[".repeat(1000));
        parse::<serde_json::Value>(&quoted).unwrap();
    }
}
