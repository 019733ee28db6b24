//! How a command's report reaches people and CI: terminal text or JSON on stdout, JUnit XML
//! to a file.

use std::path::PathBuf;

use anyhow::Result;
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
                print!("{}", report.to_human())
            }
            Format::Human => print!("{}", report.to_human_brief()),
            Format::Json => println!("{}", serde_json::to_string_pretty(&report.to_json())?),
            Format::Junit => print!("{}", report.to_junit()),
        }
        if let Some(path) = &self.junit {
            lmh::files::write_output_file(path, report.to_junit().as_bytes(), "JUnit report")?;
        }
        Ok(if report.passed() {
            Verdict::Pass
        } else {
            Verdict::Fail
        })
    }
}
