//! What a service's PM2 layer says about a variable: the app's `port`, the applying `env`
//! blocks, and the blocks that would apply only with another `--env`.

use std::path::Path;

use super::{Candidate, Pm2Layer, ServiceConfig};
use crate::config::pm2::{EnvBlock, EnvItem, Pm2App};
use crate::config::source::{Assignment, Source, display_value};

impl ServiceConfig {
    /// What the PM2 layer says about `key`, highest precedence first; blocks that apply only
    /// with another `--env` go to `inactive`.
    pub(super) fn pm2_candidates(
        &self,
        layer: &Pm2Layer,
        key: &str,
        notes: &mut Vec<String>,
        inactive: &mut Vec<Candidate>,
    ) -> Vec<Candidate> {
        let (file, app) = match layer {
            Pm2Layer::App { file, app } => (file, app),
            Pm2Layer::Unreadable { file, line, reason } => {
                return vec![opaque(
                    Source::pm2(file, "file", *line),
                    format!("the file does not parse ({reason})"),
                )];
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
            out.extend(self.block_candidate(file, app, block_name, key, notes));
        }
        for block in app
            .blocks
            .iter()
            .filter(|b| !applying.contains(&b.name.as_str()))
        {
            inactive.extend(self.inactive_candidates(file, block, key));
        }
        out
    }

    /// What the applying block `block_name` says about `key`: its last assignment, or a
    /// spread that may set it; a block that is not written may come from a spread of the app.
    fn block_candidate(
        &self,
        file: &Path,
        app: &Pm2App,
        block_name: &str,
        key: &str,
        notes: &mut Vec<String>,
    ) -> Option<Candidate> {
        let Some(block) = app.blocks.iter().find(|b| b.name == block_name) else {
            return app.opaque.first().map(|o| {
                opaque(
                    Source::pm2(file, block_name, o.line),
                    format!("{block_name} may come from `{}`", o.text),
                )
            });
        };
        let last = block.items.iter().rev().find(|item| match item {
            EnvItem::Set { key: k, .. } => k == key,
            EnvItem::Opaque(_) => true,
        })?;
        match last {
            EnvItem::Set {
                assignment, line, ..
            } => self.candidate(Source::pm2(file, block_name, *line), key, assignment, notes),
            EnvItem::Opaque(o) => Some(opaque(
                Source::pm2(file, block_name, o.line),
                format!("`{}` may set {key}", o.text),
            )),
        }
    }

    /// The assignments of `key` in a block that does not apply, saying which `--env` would
    /// apply it.
    fn inactive_candidates(&self, file: &Path, block: &EnvBlock, key: &str) -> Vec<Candidate> {
        let env = block.name.trim_start_matches("env_");
        let mut ignored = Vec::new();
        block
            .items
            .iter()
            .filter_map(|item| match item {
                EnvItem::Set {
                    key: k,
                    assignment,
                    line,
                } if k == key => self.candidate(
                    Source::pm2(file, &block.name, *line),
                    key,
                    assignment,
                    &mut ignored,
                ),
                _ => None,
            })
            .map(|mut c| {
                c.how = Some(format!("applies only with `pm2 start --env {env}`"));
                c
            })
            .collect()
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

/// A candidate whose value cannot be read without running code.
fn opaque(source: Source, written: String) -> Candidate {
    Candidate {
        source,
        value: None,
        written,
        how: None,
    }
}
