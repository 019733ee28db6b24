//! How a command's report reaches people and CI: terminal text or JSON on stdout, JUnit XML
//! to a file.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use lmh::report::Report;

use super::Verdict;

/// The format of what a command prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Lines for a terminal.
    #[default]
    Human,
    /// One JSON document.
    Json,
    /// JUnit XML (also available in a file with --junit).
    Junit,
}

/// `--format` and `--junit`, shared by every command that reports checks.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write the checks as JUnit XML to this file (one test case per check).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// List every passed check too (long reports otherwise count them per area).
    #[arg(long, short)]
    pub verbose: bool,
}

/// Reports longer than this are shown briefly unless --verbose.
const BRIEF_OVER: usize = 40;

impl OutputArgs {
    /// Print the report, write JUnit if asked, and say whether it passed.
    pub fn emit(&self, report: &Report) -> Result<Verdict> {
        match self.format {
            Format::Human if self.verbose || report.checks.len() <= BRIEF_OVER => {
                write_stdout(&report.to_human())?
            }
            Format::Human => write_stdout(&report.to_human_brief())?,
            Format::Json => write_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&report.to_json())?
            ))?,
            Format::Junit => write_stdout(&report.to_junit())?,
        }
        if let Some(path) = &self.junit {
            // Written next to the target and renamed, so a failed write leaves no half a file.
            let tmp = path.with_extension("xml.lmh-tmp");
            let written =
                std::fs::write(&tmp, report.to_junit()).and_then(|()| std::fs::rename(&tmp, path));
            if written.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            written.with_context(|| format!("writing the JUnit report to {}", path.display()))?;
        }
        Ok(if report.passed() {
            Verdict::Pass
        } else {
            Verdict::Fail
        })
    }
}

/// Set once stdout turned out to be a closed pipe (`lmh ... | head`).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Write `text` to stdout and flush it, never panicking (`print!` panics on a closed pipe).
/// A closed pipe is not an error: the reader left, so the rest is dropped quietly (see
/// [`stdout_closed`]). Any other failure (a full disk behind a redirect) is a setup error.
pub fn write_stdout(text: &str) -> Result<()> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(e).context("writing to stdout"),
    }
}

/// Whether stdout is a pipe whose reader has gone.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}
