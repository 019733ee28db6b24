//! Finding stale port references in a source tree: Docker files, nginx configs, scripts, `.env`
//! copies and code that still name a port the session-manager does not use.
//!
//! ```
//! use lmh::config::scan::port_references;
//! assert_eq!(port_references("proxy_pass http://127.0.0.1:3011;", &[3001, 3011]), vec![3011]);
//! assert_eq!(port_references("PORT=3001", &[3001]), vec![3001]);
//! assert!(port_references("invoice 30011 of 2024", &[3001]).is_empty());
//! ```

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::ConfigError;
use super::source::shorten;
use crate::redact::{self, REDACTED, is_secret_key};

/// Limits that keep a scan bounded.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Stop after this many files read.
    pub max_files: usize,
    /// Stop after this many references found.
    pub max_hits: usize,
    /// Skip files bigger than this.
    pub max_file_bytes: u64,
    /// Do not descend deeper than this.
    pub max_depth: usize,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            max_files: 20_000,
            max_hits: 500,
            max_file_bytes: 1024 * 1024,
            max_depth: 24,
        }
    }
}

/// One line that names a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanHit {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// The port named.
    pub port: u16,
    /// The line, trimmed, shortened, secrets redacted.
    pub text: String,
}

/// What a scan found and what it left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// The tree scanned.
    pub root: PathBuf,
    /// The ports looked for.
    pub ports: Vec<u16>,
    /// Every reference, in path order.
    pub hits: Vec<ScanHit>,
    /// Files read.
    pub files_scanned: usize,
    /// Files skipped for size.
    pub skipped_large: Vec<PathBuf>,
    /// Files skipped as binary.
    pub skipped_binary: usize,
    /// Why the scan stopped early, if it did.
    pub truncated: Option<String>,
}

/// Scan `root` for lines naming any of `ports`; skips what `.gitignore` ignores, `node_modules`,
/// `.git`, binary and big files.
pub fn scan_tree(
    root: &Path,
    ports: &[u16],
    options: &ScanOptions,
) -> Result<ScanReport, ConfigError> {
    let meta = fs::metadata(root).map_err(|source| ConfigError::Read {
        path: root.to_path_buf(),
        source,
    })?;
    let mut report = ScanReport {
        root: root.to_path_buf(),
        ports: ports.to_vec(),
        ..ScanReport::default()
    };
    if meta.is_file() {
        scan_file(root, ports, options, &mut report);
    } else {
        walk(root, ports, options, &mut report)?;
    }
    Ok(report)
}

/// Walk the tree with the `ignore` crate: `.gitignore`, `.ignore` and `.git/info/exclude` are
/// honoured (in a git checkout or not), hidden files such as `.env.production` are read,
/// symlinks are not followed (they can loop, or lead out of the tree), `node_modules` and `.git`
/// are never entered.
fn walk(
    root: &Path,
    ports: &[u16],
    options: &ScanOptions,
    report: &mut ScanReport,
) -> Result<(), ConfigError> {
    // The root itself unreadable is the user's error, not a skipped file.
    fs::read_dir(root).map_err(|source| ConfigError::Read {
        path: root.to_path_buf(),
        source,
    })?;
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .max_depth(Some(options.max_depth + 1))
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(|e| {
            let name = e.file_name();
            name != "node_modules" && name != ".git"
        })
        .build();
    for entry in walker {
        if report.truncated.is_some() {
            return Ok(());
        }
        // An unreadable file or directory inside the tree is skipped, as a person would.
        let Ok(entry) = entry else {
            continue;
        };
        let Some(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() && entry.depth() > options.max_depth {
            report.truncated = Some(format!(
                "{} is deeper than {} levels and was not scanned",
                path.display(),
                options.max_depth
            ));
            return Ok(());
        }
        if !kind.is_file() || !is_config_like(path) {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if meta.len() > options.max_file_bytes {
            report.skipped_large.push(path.to_path_buf());
            continue;
        }
        scan_file(path, ports, options, report);
    }
    Ok(())
}

fn scan_file(path: &Path, ports: &[u16], options: &ScanOptions, report: &mut ScanReport) {
    if report.files_scanned >= options.max_files {
        report.truncated = Some(format!("stopped after {} files", options.max_files));
        return;
    }
    let mut bytes = Vec::new();
    let read = fs::File::open(path)
        .and_then(|f| f.take(options.max_file_bytes + 1).read_to_end(&mut bytes));
    if read.is_err() {
        return;
    }
    if bytes.len() as u64 > options.max_file_bytes {
        report.skipped_large.push(path.to_path_buf());
        return;
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        report.skipped_binary += 1;
        return;
    }
    report.files_scanned += 1;
    let text = String::from_utf8_lossy(&bytes);
    for (index, line) in text.lines().enumerate() {
        for port in port_references(line, ports) {
            if report.hits.len() >= options.max_hits {
                report.truncated = Some(format!("stopped after {} references", options.max_hits));
                return;
            }
            report.hits.push(ScanHit {
                file: path.to_path_buf(),
                line: index + 1,
                port,
                text: redact_line(line.trim()),
            });
        }
    }
}

/// Files where ports are configured: code, JSON/YAML, `.env*`, Dockerfiles, nginx and shell.
fn is_config_like(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        ext.as_str(),
        "js" | "cjs" | "mjs" | "ts" | "json" | "yml" | "yaml" | "sh" | "conf" | "env"
    ) || name.starts_with(".env")
        || name.starts_with("dockerfile")
        || name.ends_with(".dockerfile")
        || name.contains("nginx")
        || matches!(
            parent.as_str(),
            "nginx" | "sites-available" | "sites-enabled" | "conf.d"
        )
}

/// The ports of `ports` that `line` names as a port: the number stands alone and follows `:`
/// or `=`, or the line talks about ports, hosts or listening.
pub fn port_references(line: &str, ports: &[u16]) -> Vec<u16> {
    let lower = line.to_ascii_lowercase();
    let port_words = [
        "port",
        "expose",
        "listen",
        "localhost",
        "127.0.0.1",
        "0.0.0.0",
        "proxy_pass",
        "upstream",
        "http",
    ];
    let talks_about_ports = port_words.iter().any(|w| lower.contains(w));
    let mut found = Vec::new();
    for &port in ports {
        let needle = port.to_string();
        let named = line.match_indices(&needle).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + needle.len()..].chars().next();
            let standalone = !before
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let after_separator = line[..at]
                .trim_end_matches([' ', '\t', '"', '\''])
                .ends_with([':', '=']);
            standalone && (after_separator || talks_about_ports)
        });
        if named && !found.contains(&port) {
            found.push(port);
        }
    }
    found
}

/// A line as it may be shown: values of secret-looking keys and URL passwords masked.
pub fn redact_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        let key_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
            .unwrap_or(rest.len());
        if key_len == 0 {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let (key, after_key) = rest.split_at(key_len);
        out.push_str(key);
        rest = after_key;
        if !is_secret_key(key) {
            continue;
        }
        // KEY=value, KEY: value, "KEY": "value"
        let sep_len = rest.len() - rest.trim_start_matches(['"', '\'', ' ', '\t']).len();
        let after_quote = &rest[sep_len..];
        let Some(sep) = after_quote
            .chars()
            .next()
            .filter(|c| *c == '=' || *c == ':')
        else {
            continue;
        };
        out.push_str(&rest[..sep_len]);
        out.push(sep);
        let value = after_quote[1..].trim_start();
        let value_len = match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].find(q).map_or(value.len(), |end| end + 2),
            _ => value
                .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '}' | ')'))
                .unwrap_or(value.len()),
        };
        out.push_str(REDACTED);
        rest = &value[value_len..];
    }
    shorten(&redact::text(&out), 200)
}
