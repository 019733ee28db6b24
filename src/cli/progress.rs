//! Progress of long runs (many fixtures) on stderr: a bar when stderr is a terminal, nothing
//! but the plain lines when it is not (CI logs, pipes).

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `len` items, or nothing when no one watches.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar for `len` items of `what` (e.g. "fixtures"), shown only on a terminal.
    pub fn new(len: usize, what: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::new(len as u64);
        let style =
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(what.to_string());
        Progress { bar: Some(bar) }
    }

    /// Say which item runs now.
    pub fn start(&self, item: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(item.to_string());
        }
    }

    /// One item done, with a line that stays (above the bar, or plain on stderr).
    pub fn done(&self, line: Option<&str>) {
        match (&self.bar, line) {
            (Some(bar), Some(line)) => bar.println(line),
            (None, Some(line)) => eprintln!("{line}"),
            _ => {}
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
