//! `lmh verify consumer --source DIR`: the consumer's calls to the session-manager, read from
//! its JavaScript (CommonJS and ES modules) with oxc's parser, never run.
//!
//! Every call of `fetch`, `axios` (and instances with a `baseURL`), `got` and `node:http(s)`
//! is found, in every branch, and so are the consumer's own wrappers (a function or method
//! whose HTTP call takes its path from a parameter), through the file and through
//! `require`/`import` of local modules. A call aimed at `SESSION_MANAGER_BASE_URL` becomes a
//! [`Call`]: method, path template, headers and body keys, checked against the contract by
//! [`check`]. What lmh cannot resolve is an [`Unchecked`] with its reason, never a pass.

mod branch;
mod check;
mod eval;
mod http;
mod module;
mod mutate;
mod parse;
mod value;
mod walk;

use crate::domain::SESSION_MANAGER_BASE_URL;
use std::path::{Path, PathBuf};

pub use check::check;
pub use parse::{MAX_FILE_BYTES, MAX_NESTING, check_nesting, line_col};

use value::{Part, Val, display};

/// A source tree that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The directory is missing, unreadable or too big.
    #[error("--source {dir}: {reason}")]
    Dir {
        /// The directory.
        dir: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
}

/// One HTTP call to the session-manager, as the code writes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Call {
    /// `file:line:col` of the call that names the path.
    pub location: String,
    /// The call as written (first line).
    pub written: String,
    /// Upper-case method.
    pub method: String,
    /// The path as a template: `/sessions/${instanceId}`.
    pub path: String,
    /// Header names the call surely sets.
    pub headers: Vec<String>,
    /// When more headers may be set where lmh cannot see: the expression.
    pub headers_open: Option<String>,
    /// The body's keys, when it is an object literal lmh can read whole.
    pub body_keys: Option<Vec<String>>,
    /// The wrappers the call went through, outermost first: `name (file:line:col)`.
    pub via: Vec<String>,
}

/// A call lmh found but could not check, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unchecked {
    /// `file:line[:col]`.
    pub location: String,
    /// The call as written (empty for a file that could not be read).
    pub written: String,
    /// Why it is not checked.
    pub reason: String,
}

/// What the source check found in a tree.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SourceScan {
    /// The tree's root.
    pub dir: PathBuf,
    /// JavaScript files read.
    pub files: usize,
    /// Calls to the session-manager.
    pub calls: Vec<Call>,
    /// Calls (and files) not checked.
    pub unchecked: Vec<Unchecked>,
}

/// Stack for the reading thread: the parser and the reader recurse per nesting level, and
/// the nesting limit bounds how deep.
const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Read every JavaScript file under `dir` and find its calls to the session-manager.
pub fn scan(dir: &Path) -> Result<SourceScan, SourceError> {
    let dir = dir.to_path_buf();
    let worker = std::thread::Builder::new()
        .name("lmh-source".into())
        .stack_size(STACK_BYTES)
        .spawn(move || scan_here(&dir))
        .map_err(|e| SourceError::Dir {
            dir: PathBuf::new(),
            reason: format!("cannot start the reader: {e}"),
        })?;
    worker.join().unwrap_or_else(|_| {
        Err(SourceError::Dir {
            dir: PathBuf::new(),
            reason: "the JavaScript reader failed; please report this tree".into(),
        })
    })
}

fn scan_here(dir: &Path) -> Result<SourceScan, SourceError> {
    let paths = parse::list_files(dir)?;
    let alloc = oxc_allocator::Allocator::default();
    let mut scan = SourceScan {
        dir: dir.to_path_buf(),
        files: paths.len(),
        ..SourceScan::default()
    };
    let mut files = Vec::new();
    for path in &paths {
        match parse::parse_file(&alloc, dir, path) {
            Ok(f) => files.push(f),
            Err((location, reason)) => scan.unchecked.push(Unchecked {
                location,
                written: String::new(),
                reason: format!("file not read: {reason}"),
            }),
        }
    }
    let an = module::Analyzer::new(files);
    let sinks = an.all_sinks();
    let inlined = an.inlined.borrow().clone();
    for s in sinks.iter().flat_map(walk::Sink::alternatives) {
        if s.is_pending() && inlined.contains(&s.origin) {
            continue;
        }
        let file = &an.files[s.site.0];
        let location = file.location(s.site.1.start);
        let end = (s.site.1.end as usize).min(file.text.len());
        let written = crate::report::printable(
            file.text[s.site.1.start as usize..end]
                .lines()
                .next()
                .unwrap_or(""),
            100,
        );
        match classify(&s) {
            Ok(call) => scan.calls.push(Call {
                location,
                written,
                ..call
            }),
            Err(reason) => scan.unchecked.push(Unchecked {
                location,
                written,
                reason,
            }),
        }
    }
    scan.calls.dedup();
    Ok(scan)
}

/// A found HTTP call as a [`Call`] (location and text left empty), or why it is not one.
fn classify(s: &walk::Sink<'_>) -> Result<Call, String> {
    let parts: Vec<Part> = s
        .url
        .parts()
        .into_iter()
        .filter(|p| !matches!(p, Part::Lit(t) if t.is_empty()))
        .collect();
    let path = match parts.split_first() {
        Some((Part::Base, rest)) => rest.to_vec(),
        Some((Part::Hole { text, param: true }, _)) => {
            return Err(format!(
                "the URL is the parameter `{text}` and no call in the tree passes it one lmh can read"
            ));
        }
        _ if s.url.text().is_some() => {
            return Err(format!(
                "the URL {} is not built from {}; lmh checks only calls to the session-manager",
                display(&parts),
                SESSION_MANAGER_BASE_URL
            ));
        }
        _ => {
            return Err(format!(
                "the URL is computed ({}); lmh cannot tell where it goes",
                display(&parts)
            ));
        }
    };
    let path = match path.first() {
        None => "/".to_string(),
        Some(Part::Lit(t)) if t.starts_with('/') => display(&path),
        Some(Part::Lit(t)) if t.starts_with('?') => format!("/{}", display(&path)),
        Some(_) => {
            return Err(format!(
                "the path after {} is computed ({}); lmh cannot tell which route it is",
                SESSION_MANAGER_BASE_URL,
                display(&path)
            ));
        }
    };
    let Some(method) = s.method.text() else {
        return Err(format!(
            "the method is computed ({}); lmh cannot tell which operation it is",
            s.method.describe()
        ));
    };
    let (headers, headers_open) = keys(&s.headers);
    let (body_keys, body_open) = keys(&s.body);
    Ok(Call {
        location: String::new(),
        written: String::new(),
        method: method.to_ascii_uppercase(),
        path,
        headers,
        headers_open,
        body_keys: match (&s.body, body_open) {
            (Val::Obj(_), None) => Some(body_keys),
            _ => None,
        },
        via: s.via.clone(),
    })
}

/// An object's keys, and what may add more (`None`: nothing).
fn keys(v: &Val<'_>) -> (Vec<String>, Option<String>) {
    match v {
        Val::Obj(o) => (
            o.fields.iter().map(|(k, _)| k.clone()).collect(),
            o.open.clone(),
        ),
        Val::Undefined => (Vec::new(), None),
        other => (Vec::new(), Some(other.describe())),
    }
}
