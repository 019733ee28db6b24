//! Reading a consumer's JavaScript tree: which files, bounded reads, a nesting limit, and
//! oxc's parser into one arena that outlives the whole analysis.

use std::path::{Path, PathBuf};

use oxc_allocator::Allocator;
use oxc_ast::ast::Program;
use oxc_parser::Parser;
use oxc_span::SourceType;

use super::SourceError;

/// Largest JavaScript file read.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// Most files read from one tree.
pub const MAX_FILES: usize = 5_000;
/// Deepest directory nesting walked.
const MAX_DIR_DEPTH: usize = 32;
/// Deepest bracket nesting accepted. Real code nests a few dozen levels; the parsers (oxc's
/// and lmh's own walk) recurse per level, so a hostile file is refused before parsing.
pub const MAX_NESTING: usize = 256;

/// One parsed file.
pub(crate) struct SourceFile<'a> {
    /// Path relative to the tree's root, for reports.
    pub rel: String,
    /// Canonical path, for resolving `require`/`import`.
    pub abs: PathBuf,
    /// The text.
    pub text: &'a str,
    /// The syntax tree.
    pub program: &'a Program<'a>,
}

impl SourceFile<'_> {
    /// `file:line:col` of a byte offset.
    pub fn location(&self, offset: u32) -> String {
        let (line, col) = line_col(self.text, offset as usize);
        format!("{}:{line}:{col}", self.rel)
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Refuse text nested deeper than `limit` brackets; `Err` holds the 1-based line where the
/// limit is crossed. Brackets inside strings count too: a false alarm needs hundreds of
/// unbalanced brackets in strings, which real configuration and code do not have.
pub fn check_nesting(text: &str, limit: usize) -> Result<(), usize> {
    let mut depth = 0usize;
    let mut line = 1;
    for b in text.bytes() {
        match b {
            b'\n' => line += 1,
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(line);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The JavaScript files under `dir`, sorted; `node_modules` and hidden directories skipped.
pub(crate) fn list_files(dir: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let meta = std::fs::metadata(dir).map_err(|e| SourceError::Dir {
        dir: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    if !meta.is_dir() {
        return Err(SourceError::Dir {
            dir: dir.to_path_buf(),
            reason: "not a directory".into(),
        });
    }
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((d, depth)) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| SourceError::Dir {
            dir: d.clone(),
            reason: e.to_string(),
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if depth < MAX_DIR_DEPTH && !name.starts_with('.') && name != "node_modules" {
                    stack.push((path, depth + 1));
                }
            } else if kind.is_file() && is_js(&name) {
                out.push(path);
                if out.len() > MAX_FILES {
                    return Err(SourceError::Dir {
                        dir: dir.to_path_buf(),
                        reason: format!(
                            "more than {MAX_FILES} JavaScript files: point --source at \
                             central-hub's own source folder"
                        ),
                    });
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn is_js(name: &str) -> bool {
    [".js", ".cjs", ".mjs"].iter().any(|e| name.ends_with(e))
}

/// Read and parse `path` into `alloc`. `Err` is the reason it is not checked, with its line.
pub(crate) fn parse_file<'a>(
    alloc: &'a Allocator,
    root: &Path,
    path: &Path,
) -> Result<SourceFile<'a>, (String, String)> {
    let rel = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    let text = crate::files::read_text_file(path, MAX_FILE_BYTES, "JavaScript source")
        .map_err(|e| (rel.clone(), e.reason()))?;
    if let Err(line) = check_nesting(&text, MAX_NESTING) {
        return Err((
            format!("{rel}:{line}"),
            format!("brackets nested deeper than {MAX_NESTING} levels; lmh does not read it"),
        ));
    }
    let text: &'a str = alloc.alloc_str(&text);
    let kind = if rel.ends_with(".mjs") {
        SourceType::mjs()
    } else if rel.ends_with(".cjs") {
        SourceType::cjs()
    } else {
        SourceType::unambiguous()
    };
    // One file the parser cannot cope with must not end the whole check.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Parser::new(alloc, text, kind).parse()
    }))
    .map_err(|_| {
        (
            rel.clone(),
            "the JavaScript parser failed on this file".to_string(),
        )
    })?;
    let first = parsed.diagnostics.errors().next();
    if parsed.panicked || first.is_some() {
        let offset = first
            .and_then(|d| d.labels.first())
            .map_or(0, |l| l.offset() as usize);
        let (line, _) = line_col(text, offset);
        let reason = first.map_or_else(
            || "the parser gave up".to_string(),
            |d| d.message.to_string(),
        );
        return Err((
            format!("{rel}:{line}"),
            format!("not valid JavaScript: {reason}"),
        ));
    }
    let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    Ok(SourceFile {
        rel,
        abs,
        text,
        program: alloc.alloc(parsed.program),
    })
}
