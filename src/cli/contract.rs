//! `lmh contract diff` and `lmh contract ops`: reading and comparing contract versions.

use std::path::Path;

use anyhow::Result;
use clap::{Args, Subcommand};
use lmh::contract::Contract;
use lmh::contract::diff::diff;

use super::Verdict;
use super::output::{Format, OutputArgs};

/// Contract commands.
#[derive(Debug, Subcommand)]
pub enum ContractCommand {
    /// Compare two contract versions; fails (exit 1) on any change that breaks a consumer of OLD.
    Diff(DiffArgs),
    /// List a contract's operations: route, statuses, headers, summary.
    Ops(OpsArgs),
}

/// Options of `lmh contract diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The contract consumers were written against (a file, or `v1` / `v2` for the embedded ones).
    old: String,
    /// The contract the provider follows now (a file, or `v1` / `v2`).
    new: String,
    #[command(flatten)]
    pub(super) output: OutputArgs,
}

/// Options of `lmh contract ops`.
#[derive(Debug, Args)]
pub struct OpsArgs {
    /// The contract (a file, or `v1` / `v2`; default: the embedded v1).
    file: Option<String>,
    /// Output form (JUnit and Markdown list one passed case per operation).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// A contract named on the command line: a file, or the name of an embedded version (`v1`,
/// `v2`: [`lmh::contract::VERSIONS`]) when no such file exists.
pub fn load(arg: &str) -> Result<Contract> {
    let path = Path::new(arg);
    if !path.exists()
        && let Some(version) = lmh::contract::VERSIONS.iter().find(|v| v.name == arg)
    {
        return Ok(version.contract());
    }
    Ok(Contract::load(path)?)
}

/// Run a contract command.
pub fn run(command: ContractCommand) -> Result<Verdict> {
    match command {
        ContractCommand::Diff(args) => {
            let (old, new) = (load(&args.old)?, load(&args.new)?);
            let d = diff(&old, &new);
            let mut report = lmh::report::Report::new("lmh contract diff");
            report.extend(d.to_checks());
            match args.output.format {
                Format::Human => {
                    super::output::write_stdout(&lmh::report::terminal_text(&d.to_human()))?
                }
                Format::Json => super::output::write_stdout(&format!("{:#}\n", d.to_json()))?,
                _ => args.output.print(&report)?,
            }
            args.output.write_files(&report, None)?;
            Ok(if d.is_breaking() {
                Verdict::Fail
            } else {
                Verdict::Pass
            })
        }
        ContractCommand::Ops(args) => {
            let contract = load(args.file.as_deref().unwrap_or("v1"))?;
            match args.format {
                Format::Human => {
                    super::output::write_stdout(&lmh::report::terminal_text(&ops_human(&contract)))?
                }
                Format::Json => {
                    super::output::write_stdout(&format!("{:#}\n", ops_json(&contract)))?
                }
                format => OutputArgs {
                    format,
                    ..OutputArgs::default()
                }
                .print(&ops_report(&contract))?,
            }
            Ok(Verdict::Pass)
        }
    }
}

fn ops_human(c: &Contract) -> String {
    let mut out = format!("{} ({})\n", c.label(), c.origin);
    let width = c
        .operations
        .iter()
        .map(|o| o.label().len())
        .max()
        .unwrap_or(0);
    let codes = |op: &lmh::contract::Operation| {
        op.statuses()
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let codes_width = c
        .operations
        .iter()
        .map(|o| codes(o).len())
        .max()
        .unwrap_or(0);
    for op in &c.operations {
        let headers: Vec<String> = op
            .headers
            .iter()
            .map(|h| format!("{}{}", h.name, if h.required { " (required)" } else { "" }))
            .collect();
        out.push_str(&format!(
            "  {:<width$}  {:<codes_width$}  {}{}{}\n",
            op.label(),
            codes(op),
            op.summary,
            if headers.is_empty() {
                String::new()
            } else {
                format!(" [header {}]", headers.join(", "))
            },
            if op.creates_session {
                " [creates the session]"
            } else {
                ""
            },
        ));
    }
    out
}

/// The operations as passed checks, for the JUnit and Markdown forms.
fn ops_report(c: &Contract) -> lmh::report::Report {
    let mut report = lmh::report::Report::new(&format!("lmh contract ops: {}", c.label()));
    for op in &c.operations {
        let statuses: Vec<String> = op.statuses().iter().map(u16::to_string).collect();
        report.push(lmh::report::Check::pass(
            "contract.ops",
            &op.label(),
            format!("{} [{}]", op.summary, statuses.join(" ")),
        ));
    }
    report
}

fn ops_json(c: &Contract) -> serde_json::Value {
    serde_json::json!({
        "contract": c.label(),
        "origin": c.origin,
        "operations": c.operations.iter().map(|op| serde_json::json!({
            "id": op.id,
            "method": op.method,
            "path": op.path,
            "summary": op.summary,
            "statuses": op.statuses(),
            "headers": op.headers.iter().map(|h| serde_json::json!({"name": h.name, "required": h.required})).collect::<Vec<_>>(),
            "request_body": op.request_body.is_some(),
            "creates_session": op.creates_session,
        })).collect::<Vec<_>>(),
    })
}
