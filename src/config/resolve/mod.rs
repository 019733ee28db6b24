//! One service's configuration sources, and the effective value of a variable across them.
//!
//! Precedence, highest first, as on the incident day (a leftover `PORT=3011` in the shell won
//! over the PM2 file's 3001):
//! 1. the shell environment of the process;
//! 2. the PM2 ecosystem file: the app's `port`, then `env_<name>` (with `--env <name>`), then `env`;
//! 3. the `.env` file (dotenv never overrides a variable that is already set; within the file
//!    the last line wins);
//! 4. the default written in the service's code, if it has one.
//!
//! A caveat the report spells out: PM2 itself, on a fresh `pm2 start ecosystem.config.cjs`,
//! lets the file's `env` block win over the shell it was started from. The shell wins when the
//! process was started without the file (`PORT=3011 pm2 start index.js`) or restarted without
//! `--update-env`, which keeps the old environment. Either way, a shell value that differs
//! from the file is a trap, and is reported as one.

mod inputs;
mod pm2_layer;
mod service;

pub use inputs::{ECOSYSTEM_NAMES, ServiceInputs};
pub use service::{Pm2Layer, ServiceConfig};

use super::source::{Service, Source, display_value};

/// One source's say on a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Where.
    pub source: Source,
    /// The value it gives; `None` when it cannot be read without running code.
    pub value: Option<String>,
    /// How it is written there (secrets redacted), e.g. `process.env.SM_PORT || 3001`.
    pub written: String,
    /// How the value was worked out, when it is not a plain literal.
    pub how: Option<String>,
}

impl Candidate {
    /// `path:line KEY=value`, how it was worked out, secrets redacted.
    pub fn describe(&self, key: &str) -> String {
        match (&self.value, &self.how) {
            (Some(v), None) => format!("{} {key}={}", self.source, display_value(key, v)),
            (Some(v), Some(how)) if display_value(key, v) == self.written => {
                format!("{} {key}={} ({how})", self.source, self.written)
            }
            (Some(v), Some(how)) => format!(
                "{} {key}={} (from `{}`: {how})",
                self.source,
                display_value(key, v),
                self.written
            ),
            (None, _) => format!("{} {key}: could not be read: {}", self.source, self.written),
        }
    }
}

/// What a variable ends up as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effective {
    /// A source sets it.
    Set(Candidate),
    /// The winning source sets it to something lmh cannot read without running code.
    Unreadable(Candidate),
    /// Nothing sets it; the default in the service's code applies.
    Default(String),
    /// Nothing sets it and the service has no default.
    Missing,
}

/// The effective value of one variable for one service, and every source that lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Which service.
    pub service: Service,
    /// Which variable.
    pub key: String,
    /// What it ends up as.
    pub effective: Effective,
    /// Sources with lower precedence that also set it, highest first.
    pub shadowed: Vec<Candidate>,
    /// PM2 blocks that set it but do not apply (e.g. `env_production` without `--env production`).
    pub inactive: Vec<Candidate>,
    /// Other facts worth a line, e.g. `process.env.X` that gives nothing.
    pub notes: Vec<String>,
}

impl Resolution {
    /// The effective value, when known.
    pub fn value(&self) -> Option<&str> {
        match &self.effective {
            Effective::Set(c) => c.value.as_deref(),
            Effective::Default(v) => Some(v),
            Effective::Unreadable(_) | Effective::Missing => None,
        }
    }

    /// Where the effective value comes from.
    pub fn source(&self) -> Option<Source> {
        match &self.effective {
            Effective::Set(c) | Effective::Unreadable(c) => Some(c.source.clone()),
            Effective::Default(_) => Some(Source::service_default()),
            Effective::Missing => None,
        }
    }

    /// Shadowed sources whose value differs from the effective one (or cannot be read).
    pub fn disagreeing(&self) -> Vec<&Candidate> {
        let effective = self.value();
        self.shadowed
            .iter()
            .filter(|c| c.value.is_none() || c.value.as_deref() != effective)
            .collect()
    }
}

impl ServiceConfig {
    /// The effective value of `key`, with `default` as the service code's own fallback.
    pub fn resolve(&self, key: &str, default: Option<&str>) -> Resolution {
        let mut notes = Vec::new();
        let mut inactive = Vec::new();
        let mut candidates = Vec::new();
        if let Some(value) = self.shell.get(key) {
            candidates.push(Candidate {
                source: Source::shell(),
                value: Some(value.clone()),
                written: display_value(key, value),
                how: None,
            });
        }
        if let Some(layer) = &self.pm2 {
            candidates.extend(self.pm2_candidates(layer, key, &mut notes, &mut inactive));
        }
        if let Some(file) = &self.dotenv {
            candidates.extend(
                file.parsed
                    .entries
                    .iter()
                    .rev()
                    .filter(|e| e.key == key)
                    .map(|e| Candidate {
                        source: Source::dotenv(&file.path, e.line),
                        value: Some(e.value.clone()),
                        written: display_value(key, &e.value),
                        how: None,
                    }),
            );
        }
        let mut rest = candidates.into_iter();
        let effective = match rest.next() {
            Some(c) if c.value.is_some() => Effective::Set(c),
            Some(c) => Effective::Unreadable(c),
            None => match default {
                Some(d) => Effective::Default(d.to_string()),
                None => Effective::Missing,
            },
        };
        Resolution {
            service: self.service,
            key: key.to_string(),
            effective,
            shadowed: rest.collect(),
            inactive,
            notes,
        }
    }
}
