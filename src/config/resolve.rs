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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::dotenv::{self, DotenvFile};
use super::pm2::{self, EnvItem, Pm2App};
use super::source::{Assignment, Service, Source, display_value};
use super::{ConfigError, Finding, Severity};

/// PM2 looks for these names, in this order, when no file is given.
pub const ECOSYSTEM_NAMES: [&str; 4] = [
    "ecosystem.config.js",
    "ecosystem.config.cjs",
    "ecosystem.config.mjs",
    "ecosystem.config.json",
];

/// Where to read one service's configuration from.
#[derive(Debug, Clone, Default)]
pub struct ServiceInputs {
    /// The service directory the files were found in, for reports.
    pub dir: Option<PathBuf>,
    /// The `.env` file, if any.
    pub dotenv: Option<PathBuf>,
    /// The PM2 ecosystem file, if any.
    pub pm2: Option<PathBuf>,
    /// Other ecosystem files found next to `pm2` and not used.
    pub other_pm2: Vec<PathBuf>,
    /// Which app of the PM2 file; by default the only one, or the one named like the service.
    pub pm2_app: Option<String>,
    /// The `--env <name>` PM2 was started with, selecting `env_<name>`.
    pub pm2_env: Option<String>,
    /// The shell environment the process was started from (not lmh's own environment).
    pub shell: BTreeMap<String, String>,
}

impl ServiceInputs {
    /// The `.env` and `ecosystem.config.*` files of a service directory (missing ones are left out).
    pub fn from_dir(dir: &Path) -> Result<ServiceInputs, ConfigError> {
        if !dir.is_dir() {
            return Err(ConfigError::NotADirectory {
                path: dir.to_path_buf(),
            });
        }
        let dotenv = Some(dir.join(".env")).filter(|p| p.is_file());
        let mut ecosystems: Vec<PathBuf> = ECOSYSTEM_NAMES
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
            .collect();
        let pm2 = (!ecosystems.is_empty()).then(|| ecosystems.remove(0));
        Ok(ServiceInputs {
            dir: Some(dir.to_path_buf()),
            dotenv,
            pm2,
            other_pm2: ecosystems,
            ..ServiceInputs::default()
        })
    }

    /// Whether anything at all describes this service.
    pub fn is_empty(&self) -> bool {
        self.dir.is_none() && self.dotenv.is_none() && self.pm2.is_none() && self.shell.is_empty()
    }
}

/// One service's sources, read.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Which service.
    pub service: Service,
    /// The shell environment.
    pub shell: BTreeMap<String, String>,
    /// The `.env` file, when there is one.
    pub dotenv: Option<DotenvFile>,
    /// The PM2 layer, when there is an ecosystem file.
    pub pm2: Option<Pm2Layer>,
    /// The `--env <name>` PM2 was started with.
    pub pm2_env: Option<String>,
    /// Problems found in the sources themselves (syntax, ambiguity).
    pub findings: Vec<Finding>,
    /// One line per source consulted, for the report.
    pub consulted: Vec<String>,
}

/// The app of an ecosystem file that applies, or why none can be read.
#[derive(Debug, Clone)]
pub enum Pm2Layer {
    /// The app that applies.
    App {
        /// The ecosystem file.
        file: PathBuf,
        /// The app.
        app: Pm2App,
    },
    /// The file (or the choice of app) cannot be read, so any variable may come from it.
    Unreadable {
        /// The ecosystem file.
        file: PathBuf,
        /// The line of the problem.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

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
    /// Read every source named in `inputs`. Unreadable files are errors; syntax problems are
    /// findings, and the sources are still used as the services would use them.
    pub fn load(service: Service, inputs: &ServiceInputs) -> Result<ServiceConfig, ConfigError> {
        let mut config = ServiceConfig {
            service,
            shell: inputs.shell.clone(),
            dotenv: None,
            pm2: None,
            pm2_env: inputs.pm2_env.clone(),
            findings: Vec::new(),
            consulted: Vec::new(),
        };
        config.consulted.push(shell_line(&inputs.shell));
        if let Some(path) = &inputs.pm2 {
            config.load_pm2(path, inputs)?;
        } else {
            config.consulted.push(match &inputs.dir {
                Some(dir) => format!(
                    "no ecosystem.config.{{js,cjs,mjs,json}} in {}",
                    dir.display()
                ),
                None => "no PM2 ecosystem file given".into(),
            });
        }
        if let Some(path) = &inputs.dotenv {
            config.load_dotenv(path)?;
        } else {
            config.consulted.push(match &inputs.dir {
                Some(dir) => format!("no .env in {}", dir.display()),
                None => "no .env file given".into(),
            });
        }
        Ok(config)
    }

    fn load_dotenv(&mut self, path: &Path) -> Result<(), ConfigError> {
        let file = dotenv::load(path)?;
        self.consulted.push(format!(
            "{} (.env, {} variables)",
            path.display(),
            file.parsed.entries.len()
        ));
        if !file.parsed.problems.is_empty() {
            let worst = file
                .parsed
                .problems
                .iter()
                .map(|p| p.severity)
                .max()
                .unwrap_or(Severity::Warning);
            let details: Vec<String> = file
                .parsed
                .problems
                .iter()
                .map(|p| format!("{}:{}: {}", path.display(), p.line, p.reason))
                .collect();
            let mut message = details[0].clone();
            if details.len() > 1 {
                message.push_str(&format!(" (and {} more)", details.len() - 1));
            }
            self.findings.push(Finding {
                severity: worst,
                topic: source_topic(self.service, path),
                message,
                sources: file
                    .parsed
                    .problems
                    .iter()
                    .map(|p| Source::dotenv(path, p.line))
                    .collect(),
                details,
            });
        }
        self.dotenv = Some(file);
        Ok(())
    }

    fn load_pm2(&mut self, path: &Path, inputs: &ServiceInputs) -> Result<(), ConfigError> {
        let topic = source_topic(self.service, path);
        for other in &inputs.other_pm2 {
            self.findings.push(Finding {
                severity: Severity::Warning,
                topic: source_topic(self.service, other),
                message: format!(
                    "{} is not used: {} is read instead (PM2 uses the file named on its command \
                     line); delete the one that is stale",
                    other.display(),
                    path.display()
                ),
                sources: Vec::new(),
                details: Vec::new(),
            });
        }
        let file = match pm2::load(path)? {
            Ok(file) => file,
            Err(e) => {
                self.findings.push(Finding {
                    severity: Severity::Error,
                    topic,
                    message: format!(
                        "{}:{}: could not be read: {}; PM2 cannot load it either, so fix the file",
                        path.display(),
                        e.line,
                        e.reason
                    ),
                    sources: vec![Source::pm2(path, "file", e.line)],
                    details: Vec::new(),
                });
                self.consulted
                    .push(format!("{} (PM2, unreadable)", path.display()));
                self.pm2 = Some(Pm2Layer::Unreadable {
                    file: path.to_path_buf(),
                    line: e.line,
                    reason: e.reason,
                });
                return Ok(());
            }
        };
        match select_app(self.service, &file.apps, inputs.pm2_app.as_deref()) {
            Ok(app) => {
                let blocks: Vec<&str> = app.blocks.iter().map(|b| b.name.as_str()).collect();
                self.consulted.push(format!(
                    "{} (PM2 app {}, blocks: {})",
                    path.display(),
                    app.name.as_deref().unwrap_or("<unnamed>"),
                    if blocks.is_empty() {
                        "none".to_string()
                    } else {
                        blocks.join(", ")
                    }
                ));
                if let Some(env) = &inputs.pm2_env
                    && !app.blocks.iter().any(|b| b.name == format!("env_{env}"))
                {
                    self.findings.push(Finding {
                        severity: Severity::Warning,
                        topic: topic.clone(),
                        message: format!(
                            "{}: the app has no env_{env} block, so `--env {env}` changes nothing \
                             (PM2 only warns about it)",
                            path.display()
                        ),
                        sources: vec![Source::pm2(path, "file", app.line)],
                        details: Vec::new(),
                    });
                }
                self.pm2 = Some(Pm2Layer::App {
                    file: path.to_path_buf(),
                    app: app.clone(),
                });
            }
            Err(reason) => {
                self.findings.push(Finding {
                    severity: Severity::Error,
                    topic,
                    message: format!("{}: {reason}", path.display()),
                    sources: vec![Source::pm2(path, "file", 1)],
                    details: Vec::new(),
                });
                self.consulted
                    .push(format!("{} (PM2, no app chosen)", path.display()));
                self.pm2 = Some(Pm2Layer::Unreadable {
                    file: path.to_path_buf(),
                    line: 1,
                    reason,
                });
            }
        }
        Ok(())
    }

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

    /// What the PM2 layer says about `key`, highest precedence first.
    fn pm2_candidates(
        &self,
        layer: &Pm2Layer,
        key: &str,
        notes: &mut Vec<String>,
        inactive: &mut Vec<Candidate>,
    ) -> Vec<Candidate> {
        let (file, app) = match layer {
            Pm2Layer::App { file, app } => (file, app),
            Pm2Layer::Unreadable { file, line, reason } => {
                return vec![Candidate {
                    source: Source::pm2(file, "file", *line),
                    value: None,
                    written: format!("the file does not parse ({reason})"),
                    how: None,
                }];
            }
        };
        let mut out = Vec::new();
        if key == "PORT"
            && let Some((assignment, line)) = &app.port
        {
            out.extend(self.candidate(Source::pm2(file, "port", *line), key, assignment, notes));
        }
        let selected = self.pm2_env.as_ref().map(|e| format!("env_{e}"));
        let applying: Vec<&str> = selected.iter().map(String::as_str).chain(["env"]).collect();
        for block_name in &applying {
            match app.blocks.iter().find(|b| b.name == *block_name) {
                Some(block) => {
                    let last = block.items.iter().rev().find(|item| match item {
                        EnvItem::Set { key: k, .. } => k == key,
                        EnvItem::Opaque(_) => true,
                    });
                    match last {
                        Some(EnvItem::Set {
                            assignment, line, ..
                        }) => out.extend(self.candidate(
                            Source::pm2(file, block_name, *line),
                            key,
                            assignment,
                            notes,
                        )),
                        Some(EnvItem::Opaque(o)) => out.push(Candidate {
                            source: Source::pm2(file, block_name, o.line),
                            value: None,
                            written: format!("`{}` may set {key}", o.text),
                            how: None,
                        }),
                        None => {}
                    }
                }
                None => {
                    if let Some(o) = app.opaque.first() {
                        out.push(Candidate {
                            source: Source::pm2(file, block_name, o.line),
                            value: None,
                            written: format!("{block_name} may come from `{}`", o.text),
                            how: None,
                        });
                    }
                }
            }
        }
        for block in &app.blocks {
            if applying.contains(&block.name.as_str()) {
                continue;
            }
            for item in &block.items {
                if let EnvItem::Set {
                    key: k,
                    assignment,
                    line,
                } = item
                    && k == key
                {
                    let env = block.name.trim_start_matches("env_");
                    let mut ignored = Vec::new();
                    inactive.extend(
                        self.candidate(
                            Source::pm2(file, &block.name, *line),
                            key,
                            assignment,
                            &mut ignored,
                        )
                        .map(|mut c| {
                            c.how = Some(format!("applies only with `pm2 start --env {env}`"));
                            c
                        }),
                    );
                }
            }
        }
        out
    }

    /// One assignment as a candidate, resolving `process.env.X` against the shell.
    fn candidate(
        &self,
        source: Source,
        key: &str,
        assignment: &Assignment,
        notes: &mut Vec<String>,
    ) -> Option<Candidate> {
        let written = assignment.describe(key);
        match assignment {
            Assignment::Value(v) => Some(Candidate {
                source,
                value: Some(v.clone()),
                written,
                how: None,
            }),
            Assignment::Unreadable { .. } => Some(Candidate {
                source,
                value: None,
                written,
                how: None,
            }),
            Assignment::FromShell {
                var,
                default,
                nullish,
            } => {
                let flag = self.service.flag();
                let from_shell = self.shell.get(var).filter(|v| *nullish || !v.is_empty());
                match (from_shell, default) {
                    (Some(v), _) => Some(Candidate {
                        source,
                        value: Some(v.clone()),
                        how: Some(format!("{var} is set in the shell")),
                        written,
                    }),
                    (None, Some(d)) => Some(Candidate {
                        source,
                        value: Some(d.clone()),
                        how: Some(format!(
                            "default {} unless {var} is set; it is not set in the shell given \
                             (pass --{flag}-shell {var}=... if it is)",
                            display_value(key, d)
                        )),
                        written,
                    }),
                    (None, None) => {
                        notes.push(format!(
                            "{source} {key}={written}: {var} is not set in the shell given, so \
                             PM2 passes no {key} (pass --{flag}-shell {var}=... if it is set)"
                        ));
                        None
                    }
                }
            }
        }
    }
}

/// The app of `apps` that is this service's.
fn select_app<'a>(
    service: Service,
    apps: &'a [Pm2App],
    wanted: Option<&str>,
) -> Result<&'a Pm2App, String> {
    let names = || {
        apps.iter()
            .map(|a| a.name.as_deref().unwrap_or("<unnamed>"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(wanted) = wanted {
        return apps
            .iter()
            .find(|a| a.name.as_deref() == Some(wanted))
            .ok_or_else(|| format!("no app named `{wanted}` (apps: {})", names()));
    }
    match apps {
        [] => Err("`apps` is empty".into()),
        [only] => Ok(only),
        _ => {
            let hint = service.app_hint();
            let matching: Vec<&Pm2App> = apps
                .iter()
                .filter(|a| a.name.as_deref().is_some_and(|n| n.contains(hint)))
                .collect();
            match matching.as_slice() {
                [one] => Ok(one),
                _ => Err(format!(
                    "several apps ({}) and none is clearly the {service}; choose one with --{}-app NAME",
                    names(),
                    service.flag()
                )),
            }
        }
    }
}

fn shell_line(shell: &BTreeMap<String, String>) -> String {
    if shell.is_empty() {
        "shell: no variables given (lmh does not assume its own environment is the service's)"
            .into()
    } else {
        let names: Vec<&str> = shell.keys().map(String::as_str).collect();
        format!("shell: {}", names.join(", "))
    }
}

/// `central-hub .env`: the check name for findings about one source file.
fn source_topic(service: Service, path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| path.display().to_string());
    format!("{service} {name}")
}
