//! One service's sources, read: the shell, the PM2 ecosystem file's app, the `.env` file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::ServiceInputs;
use crate::config::dotenv::{self, DotenvFile};
use crate::config::pm2::{self, Pm2App};
use crate::config::source::{Service, Source};
use crate::config::{ConfigError, Finding, Severity};

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
        for other in &inputs.other_pm2 {
            self.findings.push(Finding::new(
                Severity::Warning,
                &source_topic(self.service, other),
                format!(
                    "{} is not used: {} is read instead (PM2 uses the file named on its command \
                     line); delete the one that is stale",
                    other.display(),
                    path.display()
                ),
            ));
        }
        let file = match pm2::load(path)? {
            Ok(file) => file,
            Err(e) => {
                let message = format!(
                    "{}:{}: could not be read: {}; PM2 cannot load it either, so fix the file",
                    path.display(),
                    e.line,
                    e.reason
                );
                self.pm2_unreadable(path, e.line, e.reason, message, "unreadable");
                return Ok(());
            }
        };
        match select_app(self.service, &file.apps, inputs.pm2_app.as_deref()) {
            Ok(app) => self.use_app(path, app, inputs.pm2_env.as_deref()),
            Err(reason) => {
                let message = format!("{}: {reason}", path.display());
                self.pm2_unreadable(path, 1, reason, message, "no app chosen");
            }
        }
        Ok(())
    }

    /// The PM2 layer is `app` of the file at `path`; a `--env` without its block is a trap.
    fn use_app(&mut self, path: &Path, app: &Pm2App, pm2_env: Option<&str>) {
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
        if let Some(env) = pm2_env
            && !app.blocks.iter().any(|b| b.name == format!("env_{env}"))
        {
            let mut finding = Finding::new(
                Severity::Warning,
                &source_topic(self.service, path),
                format!(
                    "{}: the app has no env_{env} block, so `--env {env}` changes nothing \
                     (PM2 only warns about it)",
                    path.display()
                ),
            );
            finding.sources = vec![Source::pm2(path, "file", app.line)];
            self.findings.push(finding);
        }
        self.pm2 = Some(Pm2Layer::App {
            file: path.to_path_buf(),
            app: app.clone(),
        });
    }

    /// The PM2 layer cannot be read (`why`: for the consulted line), so any variable may come
    /// from it: an error finding at `line`.
    fn pm2_unreadable(
        &mut self,
        path: &Path,
        line: usize,
        reason: String,
        message: String,
        why: &str,
    ) {
        let mut finding = Finding::new(Severity::Error, &source_topic(self.service, path), message);
        finding.sources = vec![Source::pm2(path, "file", line)];
        self.findings.push(finding);
        self.consulted
            .push(format!("{} (PM2, {why})", path.display()));
        self.pm2 = Some(Pm2Layer::Unreadable {
            file: path.to_path_buf(),
            line,
            reason,
        });
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
