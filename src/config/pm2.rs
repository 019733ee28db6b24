//! PM2 ecosystem files (`ecosystem.config.js`, `.cjs`, `.mjs`, `.json`): the `env` blocks of
//! each app, read without running the file.
//!
//! PM2 builds a started app's environment from the app's `env` block, overlaid with
//! `env_<name>` when started with `--env <name>`, and sets `PORT` from the app's `port`
//! property when there is one. Values that are not literals are kept as
//! [`Assignment::FromShell`] (`process.env.X`, `process.env.X || 3001`) or
//! [`Assignment::Unreadable`], with their line, never guessed. A spread in an app object
//! (`...common`) after its `env` block may replace the block, so the block's values become
//! unreadable; a spread before it is overridden by it. Spreads are assumed not to set `port`.
//!
//! ```
//! let src = "module.exports = { apps: [{ name: 'session-manager',\n env: { PORT: 3001 } }] };";
//! let file = lmh::config::pm2::parse(src, "ecosystem.config.cjs".as_ref()).unwrap();
//! let block = &file.apps[0].blocks[0];
//! assert_eq!(block.name, "env");
//! assert_eq!(file.apps[0].name.as_deref(), Some("session-manager"));
//! ```

use std::path::{Path, PathBuf};

use super::js::{self, Expr, JsValue, Property, Spanned};
use super::source::Assignment;
use super::{ConfigError, read_text};

/// A PM2 ecosystem file that was read.
#[derive(Debug, Clone)]
pub struct Pm2File {
    /// Where it was read from.
    pub path: PathBuf,
    /// Every app in `apps`, in order.
    pub apps: Vec<Pm2App>,
}

/// One app of `apps`.
#[derive(Debug, Clone)]
pub struct Pm2App {
    /// `name`, when it is a literal.
    pub name: Option<String>,
    /// The line the app's definition starts on.
    pub line: usize,
    /// `env` and every `env_<name>` block, in order.
    pub blocks: Vec<EnvBlock>,
    /// The app's `port` property (PM2 copies it into `PORT`), with its line.
    pub port: Option<(Assignment, usize)>,
    /// Spreads or other unreadable parts after which `env` blocks may have been replaced.
    pub opaque: Vec<Opaque>,
}

/// An `env` or `env_<name>` object.
#[derive(Debug, Clone)]
pub struct EnvBlock {
    /// `env`, `env_production`, ...
    pub name: String,
    /// The line of the block's key.
    pub line: usize,
    /// What the block sets, in order (later items win).
    pub items: Vec<EnvItem>,
}

/// One member of an env block.
#[derive(Debug, Clone)]
pub enum EnvItem {
    /// `KEY: value`.
    Set {
        /// The variable.
        key: String,
        /// What it is set to.
        assignment: Assignment,
        /// Its line.
        line: usize,
    },
    /// A spread or computed key: may set any variable.
    Opaque(Opaque),
}

/// A part of the file lmh cannot read, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opaque {
    /// The source text (shortened).
    pub text: String,
    /// Its line.
    pub line: usize,
}

/// A file that is not a readable ecosystem file: the line and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct Pm2Error {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Read an ecosystem file from disk. Syntax problems are the inner `Err`, so a caller can
/// report them as findings while an unreadable file stays a [`ConfigError`].
pub fn load(path: &Path) -> Result<Result<Pm2File, Pm2Error>, ConfigError> {
    let text = read_text(path)?;
    Ok(parse(&text, path))
}

/// Parse ecosystem text; `path` decides JSON (one value) or JavaScript (a module).
pub fn parse(text: &str, path: &Path) -> Result<Pm2File, Pm2Error> {
    let is_json = path.extension().is_some_and(|e| e == "json");
    let exported = if is_json {
        js::read_value(text)
    } else {
        js::read_module(text)
    }
    .map_err(|e| Pm2Error {
        line: e.line,
        reason: e.reason,
    })?;
    Ok(Pm2File {
        path: path.to_path_buf(),
        apps: apps_of(&exported)?,
    })
}

/// `{ apps: [...] }`, or a bare array of apps, or a single app object.
fn apps_of(exported: &Spanned) -> Result<Vec<Pm2App>, Pm2Error> {
    let apps_value = match &exported.value {
        JsValue::Object(props) => match field(props, "apps") {
            Some(apps) => apps,
            None if field(props, "script").is_some() => exported,
            None => {
                return Err(Pm2Error {
                    line: exported.line,
                    reason: "the exported object has no `apps` list".into(),
                });
            }
        },
        JsValue::Array(_) => exported,
        JsValue::Expr(e) => {
            return Err(Pm2Error {
                line: exported.line,
                reason: format!("could not be read: the export is `{}`", e.text),
            });
        }
        _ => {
            return Err(Pm2Error {
                line: exported.line,
                reason: "the export is not an object with `apps`".into(),
            });
        }
    };
    match &apps_value.value {
        JsValue::Array(items) => items.iter().map(app).collect(),
        JsValue::Object(_) => Ok(vec![app(apps_value)?]),
        JsValue::Expr(e) => Err(Pm2Error {
            line: apps_value.line,
            reason: format!("could not be read: `apps` is `{}`", e.text),
        }),
        _ => Err(Pm2Error {
            line: apps_value.line,
            reason: "`apps` is not a list".into(),
        }),
    }
}

fn app(item: &Spanned) -> Result<Pm2App, Pm2Error> {
    let JsValue::Object(props) = &item.value else {
        let what = match &item.value {
            JsValue::Expr(e) => format!("could not be read: `{}`", e.text),
            _ => "an app in `apps` is not an object".to_string(),
        };
        return Err(Pm2Error {
            line: item.line,
            reason: what,
        });
    };
    let mut app = Pm2App {
        name: None,
        line: item.line,
        blocks: Vec::new(),
        port: None,
        opaque: Vec::new(),
    };
    for prop in props {
        match prop {
            Property::Field { key, value, .. } if key == "name" => {
                if let JsValue::Str(s) = &value.value {
                    app.name = Some(s.clone());
                }
            }
            Property::Field { key, value, line } if key == "port" => {
                app.port = Some((assignment(value), *line));
            }
            Property::Field { key, value, line } if key == "env" || key.starts_with("env_") => {
                // A later property with the same name replaces the block, as in JavaScript.
                app.blocks.retain(|b| &b.name != key);
                app.blocks.push(env_block(key, value, *line));
            }
            Property::Field { .. } => {}
            Property::Opaque { text, line } => {
                // A spread after `env` may replace it; one before is overridden by it.
                app.opaque.push(Opaque {
                    text: text.clone(),
                    line: *line,
                });
                app.blocks.iter_mut().for_each(|b| {
                    b.items.push(EnvItem::Opaque(Opaque {
                        text: text.clone(),
                        line: *line,
                    }))
                });
            }
        }
    }
    Ok(app)
}

fn env_block(name: &str, value: &Spanned, line: usize) -> EnvBlock {
    let items = match &value.value {
        JsValue::Object(props) => props
            .iter()
            .map(|p| match p {
                Property::Field { key, value, line } => EnvItem::Set {
                    key: key.clone(),
                    assignment: assignment(value),
                    line: *line,
                },
                Property::Opaque { text, line } => EnvItem::Opaque(Opaque {
                    text: text.clone(),
                    line: *line,
                }),
            })
            .collect(),
        JsValue::Expr(e) => vec![EnvItem::Opaque(Opaque {
            text: e.text.clone(),
            line: value.line,
        })],
        _ => vec![EnvItem::Opaque(Opaque {
            text: format!("{name} is not an object"),
            line: value.line,
        })],
    };
    EnvBlock {
        name: name.to_string(),
        line,
        items,
    }
}

/// What an env value means once PM2 hands it to the process (as a string).
fn assignment(value: &Spanned) -> Assignment {
    match &value.value {
        JsValue::Str(s) | JsValue::Num(s) => Assignment::Value(s.clone()),
        JsValue::Bool(b) => Assignment::Value(b.to_string()),
        JsValue::Null => Assignment::Unreadable {
            expr: "null".into(),
        },
        JsValue::Undefined => Assignment::Unreadable {
            expr: "undefined".into(),
        },
        JsValue::Object(_) | JsValue::Array(_) => Assignment::Unreadable {
            expr: "an object (PM2 passes it as JSON text)".into(),
        },
        JsValue::Expr(e) => from_shell(e).unwrap_or_else(|| Assignment::Unreadable {
            expr: e.text.clone(),
        }),
    }
}

/// What PM2 hands the process for an expression that only reads the shell.
fn from_shell(expr: &Expr) -> Option<Assignment> {
    let shell = expr.shell.as_ref()?;
    Some(Assignment::FromShell {
        var: shell.var.clone(),
        default: shell.default.clone(),
        nullish: shell.nullish,
    })
}

fn field<'a>(props: &'a [Property], name: &str) -> Option<&'a Spanned> {
    props.iter().rev().find_map(|p| match p {
        Property::Field { key, value, .. } if key == name => Some(value),
        _ => None,
    })
}
