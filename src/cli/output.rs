//! How a command's report reaches people and CI: terminal text, JSON, JUnit XML, Markdown or
//! GitHub annotations on stdout; JUnit, Markdown and HTML files on request.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use lmh::report::{Brevity, Report};

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
    /// Markdown, e.g. for $GITHUB_STEP_SUMMARY (also available in a file with --markdown).
    Markdown,
    /// GitHub workflow annotations (`::error file=…,line=…::…`), then the terminal lines.
    Github,
}

/// `--format`, `--junit` and `--markdown`, shared by every command that reports checks.
#[derive(Debug, Args, Clone, Default)]
pub struct OutputArgs {
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write the checks as JUnit XML to this file (one test case per check); written on a
    /// setup error too, with the error as an `error` case.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the report as Markdown to this file (append it to $GITHUB_STEP_SUMMARY).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// List every check: passed ones, and answers no safe probe can provoke, one by one.
    #[arg(long, short)]
    pub verbose: bool,
}

/// `--html FILE`, for the commands that run fixtures (`e2e`, `gate`).
#[derive(Debug, Args, Clone, Default)]
pub struct HtmlArgs {
    /// Also write one self-contained HTML page: verdict, every check, a timeline per fixture.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// One of the forms a report file takes.
type Render = fn(&Report) -> String;

/// Reports longer than this count their passed checks per area unless --verbose.
const BRIEF_OVER: usize = 40;

/// Write one output file. The one place lmh writes report files, so how it writes them
/// (refusing links, never half a file) is decided here once.
pub fn write_file(path: &Path, contents: &str, what: &str) -> Result<()> {
    lmh::files::write_output_file(path, contents.as_bytes(), what)?;
    Ok(())
}

impl OutputArgs {
    /// Print the report, write the files asked for, and say whether it passed.
    pub fn emit(&self, report: &Report) -> Result<Verdict> {
        self.emit_with(report, None)
    }

    /// As [`OutputArgs::emit`], and the HTML page when asked for.
    pub fn emit_with(&self, report: &Report, html: Option<&HtmlArgs>) -> Result<Verdict> {
        self.print(report)?;
        self.write_files(report, html)?;
        Ok(if report.passed() {
            Verdict::Pass
        } else {
            Verdict::Fail
        })
    }

    /// Print the report on stdout in --format.
    pub fn print(&self, report: &Report) -> Result<()> {
        let brevity = Brevity {
            count_passes: !self.verbose && report.checks.len() > BRIEF_OVER,
            group_not_exercised: !self.verbose,
        };
        match self.format {
            Format::Human => write_stdout(&report.to_human_with(brevity)),
            Format::Json => write_stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&report.to_json())?
            )),
            Format::Junit => write_stdout(&report.to_junit()),
            Format::Markdown => write_stdout(&report.to_markdown()),
            Format::Github => write_stdout(&format!(
                "{}{}",
                report.to_annotations(),
                report.to_human_with(brevity)
            )),
        }
    }

    /// The files asked for: path, what it is, how to render it.
    fn files<'a>(&'a self, html: Option<&'a HtmlArgs>) -> Vec<(&'a Path, &'static str, Render)> {
        let mut files: Vec<(&Path, &str, Render)> = Vec::new();
        if let Some(path) = &self.junit {
            files.push((path, "JUnit report", Report::to_junit));
        }
        if let Some(path) = &self.markdown {
            files.push((path, "Markdown report", Report::to_markdown));
        }
        if let Some(path) = html.and_then(|h| h.html.as_ref()) {
            files.push((path, "HTML report", Report::to_html));
        }
        files
    }

    /// Refuse, before the run, a file path lmh would refuse to write after it.
    pub fn check_paths(&self, html: Option<&HtmlArgs>) -> Result<()> {
        for (path, what, _) in self.files(html) {
            lmh::files::check_output_path(path, what)?;
        }
        Ok(())
    }

    /// Write the files asked for (--junit, --markdown, and --html when given).
    pub fn write_files(&self, report: &Report, html: Option<&HtmlArgs>) -> Result<()> {
        for (path, what, render) in self.files(html) {
            write_file(path, &render(report), what)?;
        }
        Ok(())
    }

    /// A run a usage or setup error stopped: the files asked for are still written, with the
    /// error as their one check, so CI's report step has something to show; machine formats
    /// on stdout say it too. Errors writing them are reported, not raised: the run's own error
    /// is the one that matters.
    pub fn emit_setup_error(&self, title: &str, error: &anyhow::Error, html: Option<&HtmlArgs>) {
        let mut report = Report::setup_error(title, format!("{error:#}"));
        // A fixture that does not load names its file and line: an annotation can point there.
        let fixture = error
            .chain()
            .find_map(|e| e.downcast_ref::<lmh::fixtures::FixtureError>());
        if let (Some(f), Some(check)) = (fixture, report.checks.first_mut()) {
            check.location = Some(lmh::report::Location {
                file: f.file().to_path_buf(),
                line: f.line(),
            });
        }
        if self.format != Format::Human {
            let _ = self.print(&report);
        }
        // A file whose write is the error itself is not tried again (nor reported twice).
        let failed = error
            .chain()
            .find_map(|e| e.downcast_ref::<lmh::files::WriteError>())
            .map(lmh::files::WriteError::path);
        for (path, what, render) in self.files(html) {
            if Some(path) == failed {
                continue;
            }
            if let Err(e) = write_file(path, &render(&report), what) {
                eprintln!("error: {e:#}");
            }
        }
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
