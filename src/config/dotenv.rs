//! `.env` files, read the way the Node `dotenv` package (v16) reads them.
//!
//! dotenv itself never fails: a line it cannot read is skipped without a word, which is how a
//! variable silently goes missing. Here every such line becomes a [`DotenvProblem`] with its
//! line number, and the entries that dotenv *would* load are still returned.
//!
//! What dotenv does, and so what this parser does:
//! - a UTF-8 byte-order mark and CRLF/CR line ends are tolerated;
//! - blank lines and lines starting with `#` are ignored; `export KEY=value` is `KEY=value`;
//! - keys are `[A-Za-z0-9_.-]+`, followed by `=` (or `: `);
//! - unquoted values end at the first `#` and are trimmed, so `URL=http://x#y` is `http://x`;
//! - `'...'`, `"..."` and `` `...` `` quote a value, possibly over several lines; inside double
//!   quotes `\n` and `\r` become a newline and a carriage return, every other backslash is kept
//!   as written (dotenv does not unescape `\"`);
//! - an empty value (`KEY=`) sets the variable to the empty string;
//! - a key set twice takes the later value.
//!
//! ```
//! let parsed = lmh::config::dotenv::parse("export A=1 # one\nB=\"x\\ny\"\nC\n");
//! assert_eq!(parsed.entries[0].value, "1");
//! assert_eq!(parsed.entries[1].value, "x\ny");
//! assert_eq!(parsed.problems[0].line, 3);
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use super::{ConfigError, Severity, read_text};
use crate::redact::{REDACTED, is_secret_key};

/// One `KEY=value` that dotenv loads.
#[derive(Clone, PartialEq, Eq)]
pub struct DotenvEntry {
    /// The variable name.
    pub key: String,
    /// The value after unquoting.
    pub value: String,
    /// The 1-based line the entry starts on.
    pub line: usize,
}

impl fmt::Debug for DotenvEntry {
    // Entries of a real `.env` hold passwords; never let `{:?}` print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &str = if is_secret_key(&self.key) {
            REDACTED
        } else {
            &self.value
        };
        f.debug_struct("DotenvEntry")
            .field("key", &self.key)
            .field("value", &value)
            .field("line", &self.line)
            .finish()
    }
}

/// A line dotenv skips or reads differently from what it looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvProblem {
    /// The 1-based line.
    pub line: usize,
    /// Error for lines dotenv drops or mangles, warning for surprising but loaded ones.
    pub severity: Severity,
    /// What is wrong and what to do; never quotes a value.
    pub reason: String,
}

/// Everything read from one `.env` text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DotenvParse {
    /// Entries in file order (later ones win).
    pub entries: Vec<DotenvEntry>,
    /// Lines that dotenv skips or mangles.
    pub problems: Vec<DotenvProblem>,
}

/// A `.env` file read from disk.
#[derive(Debug, Clone)]
pub struct DotenvFile {
    /// The path it was read from.
    pub path: PathBuf,
    /// What it contains.
    pub parsed: DotenvParse,
}

/// Read and parse a `.env` file.
pub fn load(path: &Path) -> Result<DotenvFile, ConfigError> {
    let text = read_text(path)?;
    Ok(DotenvFile {
        path: path.to_path_buf(),
        parsed: parse(&text),
    })
}

/// Parse `.env` text.
pub fn parse(text: &str) -> DotenvParse {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = DotenvParse::default();
    let mut i = 0;
    while i < lines.len() {
        let line_no = i + 1;
        match parse_line(&lines, i) {
            Line::Blank => i += 1,
            Line::Entry {
                key,
                value,
                next,
                problem,
            } => {
                if let Some((severity, reason)) = problem {
                    out.problems.push(DotenvProblem {
                        line: line_no,
                        severity,
                        reason,
                    });
                }
                out.entries.push(DotenvEntry {
                    key,
                    value,
                    line: line_no,
                });
                i = next;
            }
            Line::Bad(reason) => {
                out.problems.push(DotenvProblem {
                    line: line_no,
                    severity: Severity::Error,
                    reason,
                });
                i += 1;
            }
        }
    }
    out
}

/// What one logical line (possibly spanning several physical lines) holds.
enum Line {
    /// Empty or a comment.
    Blank,
    /// An entry as dotenv loads it; `next` is the index of the first line after it. A
    /// problem with it is a warning (surprising) or an error (dotenv mangles the value).
    Entry {
        key: String,
        value: String,
        next: usize,
        problem: Option<(Severity, String)>,
    },
    /// A line dotenv skips, and why.
    Bad(String),
}

fn parse_line(lines: &[&str], index: usize) -> Line {
    let line = lines[index].trim_start();
    if line.is_empty() || line.starts_with('#') {
        return Line::Blank;
    }
    let line = strip_export(line);
    let key_len = line.find(|c: char| !is_key_char(c)).unwrap_or(line.len());
    if key_len == 0 {
        return Line::Bad(
            "does not start with a variable name (letters, digits, `_`, `.`, `-`); \
             dotenv ignores this line"
                .into(),
        );
    }
    let key = &line[..key_len];
    let Some(rest) = after_separator(&line[key_len..]) else {
        return Line::Bad(format!(
            "`{key}` is not followed by `=`; dotenv ignores this line, so {key} is not set by it \
             (write {key}=value)"
        ));
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    match rest.chars().next() {
        Some(quote @ ('"' | '\'' | '`')) => quoted_value(lines, index, key, rest, quote),
        _ => unquoted_value(key, rest, index + 1),
    }
}

/// `export KEY=...` is read as `KEY=...`.
fn strip_export(line: &str) -> &str {
    match line.strip_prefix("export") {
        Some(rest) if rest.starts_with([' ', '\t']) => rest.trim_start(),
        _ => line,
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// The text after `=` (spaces allowed before it) or after `:` plus whitespace.
fn after_separator(text: &str) -> Option<&str> {
    let trimmed = text.trim_start_matches([' ', '\t']);
    if let Some(rest) = trimmed.strip_prefix('=') {
        return Some(rest);
    }
    match text.strip_prefix(':') {
        Some(rest) if rest.starts_with([' ', '\t']) => Some(rest),
        _ => None,
    }
}

fn unquoted_value(key: &str, rest: &str, next: usize) -> Line {
    let (value, comment) = match rest.split_once('#') {
        Some((value, _)) => (value, true),
        None => (rest, false),
    };
    // `URL=http://host#x` loses `#x` without a word from dotenv; `URL=x # note` is intended.
    let glued_comment = comment && !value.is_empty() && !value.ends_with([' ', '\t']);
    let problem = glued_comment.then(|| {
        let reason = format!(
            "`#` right after the value of {key} starts a comment for dotenv, so the rest of the \
             line is dropped; quote the value if `#` belongs to it"
        );
        (Severity::Warning, reason)
    });
    Line::Entry {
        key: key.to_string(),
        value: value.trim().to_string(),
        next,
        problem,
    }
}

/// A value opening with `quote`; it may close on a later line.
fn quoted_value(lines: &[&str], index: usize, key: &str, rest: &str, quote: char) -> Line {
    let body = &rest[quote.len_utf8()..];
    let mut collected = String::new();
    let mut current = body;
    let mut at = index;
    loop {
        if let Some(end) = closing_quote(current, quote) {
            collected.push_str(&current[..end]);
            let after = current[end + quote.len_utf8()..].trim_start_matches([' ', '\t']);
            if !after.is_empty() && !after.starts_with('#') {
                let reason = format!(
                    "text follows the closing quote of {key} (line {}), so dotenv reads the line \
                     as unquoted and keeps the quotes in the value; move the text inside the \
                     quotes or into a `#` comment",
                    at + 1
                );
                return mangled(key, rest, index + 1, reason);
            }
            let value = if quote == '"' {
                collected.replace("\\n", "\n").replace("\\r", "\r")
            } else {
                collected
            };
            return Line::Entry {
                key: key.to_string(),
                value,
                next: at + 1,
                problem: None,
            };
        }
        at += 1;
        if at >= lines.len() {
            let reason = format!(
                "the {} opened for {key} is never closed, so dotenv reads the value with the \
                 quote character in it; close the quote",
                quote_name(quote)
            );
            return mangled(key, rest, index + 1, reason);
        }
        collected.push_str(current);
        collected.push('\n');
        current = lines[at];
    }
}

/// What dotenv loads when its quoted forms do not match: the line read as unquoted (up to
/// `#`, trimmed), with one pair of matching outer quotes removed, reported as an error.
fn mangled(key: &str, rest: &str, next: usize, reason: String) -> Line {
    let raw = rest.split('#').next().unwrap_or("").trim();
    let mut chars = raw.chars();
    let (first, last) = (chars.next(), chars.next_back());
    let value = match (first, last) {
        (Some(q @ ('"' | '\'' | '`')), Some(l)) if q == l => {
            let inner = &raw[1..raw.len() - 1];
            if q == '"' {
                inner.replace("\\n", "\n").replace("\\r", "\r")
            } else {
                inner.to_string()
            }
        }
        _ => raw.to_string(),
    };
    Line::Entry {
        key: key.to_string(),
        value,
        next,
        problem: Some((Severity::Error, reason)),
    }
}

/// Byte index of the quote that closes a value; a quote right after a backslash does not.
fn closing_quote(text: &str, quote: char) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|&(_, next)| next == quote) {
            chars.next();
        } else if c == quote {
            return Some(i);
        }
    }
    None
}

fn quote_name(quote: char) -> &'static str {
    match quote {
        '"' => "double quote",
        '\'' => "single quote",
        _ => "backtick",
    }
}
