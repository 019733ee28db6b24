//! Where a configuration value comes from, and how values are shown without leaking secrets.

use std::fmt;
use std::path::PathBuf;

/// One of the two services whose configuration is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// The consumer: reads `SESSION_MANAGER_BASE_URL`.
    CentralHub,
    /// The provider: listens on `PORT`.
    SessionManager,
}

impl Service {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Service::CentralHub => "central-hub",
            Service::SessionManager => "session-manager",
        }
    }

    /// A word an app name in a shared PM2 file contains when it is this service.
    pub(crate) fn app_hint(self) -> &'static str {
        match self {
            Service::CentralHub => "hub",
            Service::SessionManager => "session",
        }
    }

    /// The command-line prefix of this service's options, for "what to do" hints.
    pub(crate) fn flag(self) -> &'static str {
        match self {
            Service::CentralHub => "hub",
            Service::SessionManager => "sm",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kind of place a value comes from, in the order the services let them win.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// The environment of the shell the process was started from.
    Shell,
    /// A PM2 ecosystem file; `block` is `env`, `env_production`, ... or `port` (the app's `port`).
    Pm2 {
        /// Which part of the app definition.
        block: String,
    },
    /// A `.env` file read by dotenv.
    Dotenv,
    /// Nothing set it; the value is the one hard-coded in the service.
    ServiceDefault,
}

/// Where one value was found: kind, file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// What kind of source.
    pub kind: SourceKind,
    /// The file, for file sources.
    pub file: Option<PathBuf>,
    /// The 1-based line in `file`.
    pub line: Option<usize>,
}

impl Source {
    /// The shell environment of a process.
    pub fn shell() -> Source {
        Source {
            kind: SourceKind::Shell,
            file: None,
            line: None,
        }
    }

    /// A line of a `.env` file.
    pub fn dotenv(file: impl Into<PathBuf>, line: usize) -> Source {
        Source {
            kind: SourceKind::Dotenv,
            file: Some(file.into()),
            line: Some(line),
        }
    }

    /// A line of a PM2 ecosystem file, inside `block`.
    pub fn pm2(file: impl Into<PathBuf>, block: &str, line: usize) -> Source {
        Source {
            kind: SourceKind::Pm2 {
                block: block.to_string(),
            },
            file: Some(file.into()),
            line: Some(line),
        }
    }

    /// The default written in the service's code.
    pub fn service_default() -> Source {
        Source {
            kind: SourceKind::ServiceDefault,
            file: None,
            line: None,
        }
    }

    /// `file:line`, or the kind for sources without a file.
    pub fn location(&self) -> String {
        match (&self.file, self.line) {
            (Some(f), Some(l)) => format!("{}:{l}", f.display()),
            (Some(f), None) => f.display().to_string(),
            _ => self.kind_label(),
        }
    }

    /// `shell`, `.env`, `PM2 env_production`, `default from the service code`.
    pub fn kind_label(&self) -> String {
        match &self.kind {
            SourceKind::Shell => "shell".into(),
            SourceKind::Pm2 { block } => format!("PM2 {block}"),
            SourceKind::Dotenv => ".env".into(),
            SourceKind::ServiceDefault => "default from the service code".into(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SourceKind::Pm2 { block } if self.file.is_some() => {
                write!(f, "{} (PM2 {block})", self.location())
            }
            _ => f.write_str(&self.location()),
        }
    }
}

/// How a source sets a variable, as written there.
#[derive(Clone, PartialEq, Eq)]
pub enum Assignment {
    /// A literal value.
    Value(String),
    /// `process.env.VAR`, optionally `|| default` (empty counts as unset) or `?? default`.
    FromShell {
        /// The shell variable read.
        var: String,
        /// The fallback literal, if any.
        default: Option<String>,
        /// `??` (only a missing variable falls back) rather than `||` (empty falls back too).
        nullish: bool,
    },
    /// Anything lmh cannot know without running code; `expr` is the source text.
    Unreadable {
        /// The expression as written (shortened).
        expr: String,
    },
}

impl fmt::Debug for Assignment {
    // Values may be secrets; Debug output must be as safe as Display.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assignment::Value(_) => f.write_str("Value(..)"),
            Assignment::FromShell { var, nullish, .. } => f
                .debug_struct("FromShell")
                .field("var", var)
                .field("nullish", nullish)
                .finish_non_exhaustive(),
            Assignment::Unreadable { .. } => f.write_str("Unreadable(..)"),
        }
    }
}

impl Assignment {
    /// How it reads in a report for variable `key`, secrets redacted.
    pub fn describe(&self, key: &str) -> String {
        match self {
            Assignment::Value(v) => display_value(key, v),
            Assignment::FromShell {
                var,
                default,
                nullish,
            } => {
                let op = if *nullish { "??" } else { "||" };
                match default {
                    Some(d) => format!("process.env.{var} {op} {}", display_value(key, d)),
                    None => format!("process.env.{var}"),
                }
            }
            Assignment::Unreadable { expr } => display_value(key, expr),
        }
    }
}

/// A value as it may appear in output: secrets redacted, URL credentials masked, long values cut.
pub fn display_value(key: &str, value: &str) -> String {
    shorten(&crate::redact::value(key, value), 200)
}

/// Cut text to `max` characters, marking the cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_expression_is_shown_without_its_secrets() {
        let a = Assignment::Unreadable {
            expr: "base('http://u:pw@h:1')".into(),
        };
        assert_eq!(
            a.describe("SESSION_MANAGER_BASE_URL"),
            "base('http://u:<redacted>@h:1')"
        );
        assert_eq!(a.describe("DB_PASSWORD"), "<redacted>");
    }
}
