//! `lmh verify consumer`: the requests a consumer made (a journal) against the contract.
//!
//! Every request must reach an operation of the contract, carry its required headers with
//! valid values and a request body its schema accepts. A request to a route the contract does
//! not have is named with the nearest operation, and a client id read off the path, so the
//! seed's call reads as its own fix:
//!
//! ```
//! use lmh::contract::Contract;
//! use lmh::verify::{cliente_id_hint, nearest_operation};
//! let contract = Contract::v1();
//! let path = "/api/session-manager/sessions/sender_51";
//! assert_eq!(nearest_operation(&contract, "GET", path).unwrap().label(), "GET /status");
//! assert_eq!(cliente_id_hint(path), Some(51));
//! ```

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::VerifyError;
use crate::adapter::CLIENTE_ID_HEADER;
use crate::contract::{Contract, Operation, Schema, snippet};
use crate::journal::{JournalEntry, read_journal};
use crate::report::{Check, Report};

const AREA: &str = "consumer";

/// Read the journal at `path` and check it against `contract`.
///
/// `Err` (a usage error) when the file cannot be read, has a malformed line (named as
/// `file:line`), or holds no request.
pub fn verify_journal(path: &Path, contract: &Contract) -> Result<Report, VerifyError> {
    let journal = read_journal(path).map_err(|e| VerifyError::Journal(e.to_string()))?;
    if journal.is_empty() {
        return Err(VerifyError::Journal(format!(
            "journal {} is empty: there are no requests to check; record the consumer's traffic \
             with `lmh mock serve --journal {}` and point the consumer at that mock",
            path.display(),
            path.display()
        )));
    }
    Ok(verify_consumer(
        &journal,
        contract,
        &path.display().to_string(),
    ))
}

/// Check every request of `journal` against `contract`; `source` names the journal in the title.
///
/// Identical findings are grouped into one check with a count and the journal entries.
pub fn verify_consumer(journal: &[JournalEntry], contract: &Contract, source: &str) -> Report {
    let mut report = Report::new(&format!(
        "lmh verify consumer {source} against {} ({})",
        contract.label(),
        contract.origin
    ));
    let mut groups: Vec<Group> = Vec::new();
    let mut conformant: Vec<(String, Vec<u64>)> = Vec::new();
    for entry in journal {
        let findings = findings(contract, entry);
        if findings.is_empty() {
            let op = contract
                .find_operation(&entry.method, &entry.path)
                .map(Operation::label)
                .unwrap_or_else(|| entry.label());
            match conformant.iter_mut().find(|(l, _)| *l == op) {
                Some((_, seqs)) => seqs.push(entry.seq),
                None => conformant.push((op, vec![entry.seq])),
            }
        }
        for (name, summary) in findings {
            let agent = entry.header("user-agent").map(clean);
            match groups
                .iter_mut()
                .find(|g| g.name == name && g.summary == summary)
            {
                Some(g) => {
                    g.seqs.push(entry.seq);
                    g.agents.extend(agent);
                }
                None => groups.push(Group {
                    name,
                    summary,
                    seqs: vec![entry.seq],
                    agents: agent.into_iter().collect(),
                }),
            }
        }
    }
    for (op, seqs) in conformant {
        report.push(Check::pass(
            AREA,
            &op,
            if seqs.len() == 1 {
                "1 request conforms".to_string()
            } else {
                format!("{} requests conform", seqs.len())
            },
        ));
    }
    for g in groups {
        let mut details = vec![format!(
            "{}: journal {}",
            requests(g.seqs.len()),
            entries(&g.seqs)
        )];
        if !g.agents.is_empty() {
            details.push(format!(
                "sent by {}",
                g.agents.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        report.push(Check::fail(AREA, &g.name, g.summary).with_details(details));
    }
    report
}

/// One finding and every request it was found in.
struct Group {
    name: String,
    summary: String,
    seqs: Vec<u64>,
    agents: BTreeSet<String>,
}

/// What is wrong with one request: `(METHOD /path, finding)` pairs.
pub(crate) fn findings(contract: &Contract, entry: &JournalEntry) -> Vec<(String, String)> {
    let name = entry.label();
    let Some(op) = contract.find_operation(&entry.method, &entry.path) else {
        return vec![(name, unknown_route(contract, &entry.method, &entry.path))];
    };
    let mut out = header_findings(op, entry);
    if let Some(schema) = &op.request_body {
        out.extend(body_findings(schema, entry));
    }
    out.into_iter().map(|f| (name.clone(), f)).collect()
}

/// The operation's headers: a required one missing, a value its schema refuses.
fn header_findings(op: &Operation, entry: &JournalEntry) -> Vec<String> {
    let mut out = Vec::new();
    for h in &op.headers {
        match entry.header(&h.name) {
            None if h.required => out.push(format!("required header {} missing", h.name)),
            None => {}
            Some(v) => {
                if let Some(violation) = h.schema.violations(&Value::from(v)).first() {
                    out.push(format!(
                        "header {}: {:?} is invalid: {} (schema rule {})",
                        h.name,
                        clean(v),
                        violation.message,
                        violation.rule
                    ));
                }
            }
        }
    }
    out
}

/// A body the operation requires: missing, sent as something other than JSON, not JSON, or
/// JSON its schema refuses.
fn body_findings(schema: &Schema, entry: &JournalEntry) -> Vec<String> {
    if entry.body.trim().is_empty() {
        return vec!["request body missing: the contract requires a JSON body".into()];
    }
    let mut out = Vec::new();
    let content_type = entry.header("content-type").map(str::to_ascii_lowercase);
    if !content_type.as_deref().is_some_and(|c| c.contains("json")) {
        out.push(format!(
            "body sent {}: the provider reads only application/json bodies",
            content_type
                .map(|c| format!("as {c}"))
                .unwrap_or_else(|| "without a Content-Type".into())
        ));
    }
    match serde_json::from_str::<Value>(&entry.body) {
        Err(_) => out.push(format!(
            "request body is not JSON: {:?}",
            snippet(entry.body.as_bytes())
        )),
        Ok(body) => out.extend(schema.violations(&body).into_iter().map(|v| {
            format!(
                "request body at {}: {} (schema rule {})",
                if v.path.is_empty() { "/" } else { &v.path },
                v.message,
                v.rule
            )
        })),
    }
    out
}

/// Why `method path` is not an operation of `contract`, and the operation it most likely
/// meant with its required headers (a client id read off the path filled in).
pub fn unknown_route(contract: &Contract, method: &str, path: &str) -> String {
    let mut text = format!("no such operation in {}", contract.label());
    match nearest_operation(contract, method, path) {
        None => text.push_str("; no operation resembles it"),
        Some(op) => {
            text.push_str(&format!("; nearest: {}", op.label()));
            let required: Vec<&str> = op
                .headers
                .iter()
                .filter(|h| h.required)
                .map(|h| h.name.as_str())
                .collect();
            let hint = cliente_id_hint(path);
            let with: Vec<String> = required
                .iter()
                .map(|h| match hint {
                    Some(id) if h.eq_ignore_ascii_case(CLIENTE_ID_HEADER) => format!("{h}: {id}"),
                    _ => h.to_string(),
                })
                .collect();
            if !with.is_empty() {
                text.push_str(&format!(" with {}", with.join(", ")));
            }
        }
    }
    text
}

/// The operation a request to an unknown route most likely meant: the most words in common
/// between the path and the operation's path and `x-lmh-keywords`, then the same method.
/// `None` when no operation shares a word with the path.
pub fn nearest_operation<'a>(
    contract: &'a Contract,
    method: &str,
    path: &str,
) -> Option<&'a Operation> {
    let words: BTreeSet<String> = path_words(path).into_iter().collect();
    let mut best: Option<(usize, &Operation)> = None;
    for op in &contract.operations {
        let mut op_words: BTreeSet<String> = path_words(&op.path).into_iter().collect();
        for k in &op.keywords {
            op_words.extend(path_words(k));
        }
        let overlap = words.intersection(&op_words).count();
        if overlap == 0 {
            continue;
        }
        let score = overlap * 3 + usize::from(op.method.eq_ignore_ascii_case(method));
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, op));
        }
    }
    best.map(|(_, op)| op)
}

/// The words of a path: split on `/ _ -`, dots and digits, lower-cased, a plural `s` stripped.
///
/// ```
/// assert_eq!(
///     lmh::verify::path_words("/api/session-manager/sessions/sender_51"),
///     ["api", "session", "manager", "sender"]
/// );
/// ```
pub fn path_words(path: &str) -> Vec<String> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut out: Vec<String> = Vec::new();
    for word in path.split(|c: char| matches!(c, '/' | '_' | '-' | '.') || c.is_ascii_digit()) {
        let mut w = word.to_lowercase();
        if w.chars().count() > 3 && w.ends_with('s') && !w.ends_with("ss") {
            w.pop();
        }
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// A client id written into a path, as the seed's `sender_51`: the last number that is a
/// whole segment, follows `_` or `-`, or follows `sender`, `cliente`, `client`, `instance`
/// or `id`. `None` when there is none (a version such as `v2` is not one).
///
/// ```
/// use lmh::verify::cliente_id_hint;
/// assert_eq!(cliente_id_hint("/sessions/sender_51"), Some(51));
/// assert_eq!(cliente_id_hint("/clients/7/status"), Some(7));
/// assert_eq!(cliente_id_hint("/api/v2/status"), None);
/// ```
pub fn cliente_id_hint(path: &str) -> Option<u64> {
    const PREFIXES: [&str; 5] = ["sender", "cliente", "client", "instance", "id"];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut found = None;
    for segment in path.split('/') {
        let bytes = segment.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let before = &segment[..start];
            let counts = before.is_empty() && i == bytes.len()
                || before.ends_with(['_', '-'])
                || PREFIXES
                    .iter()
                    .any(|p| before.to_ascii_lowercase().ends_with(p));
            if counts
                && let Ok(n) = segment[start..i].parse::<u64>()
                && n > 0
            {
                found = Some(n);
            }
        }
    }
    found
}

fn requests(n: usize) -> String {
    if n == 1 {
        "1 request".into()
    } else {
        format!("{n} requests")
    }
}

fn entries(seqs: &[u64]) -> String {
    const SHOWN: usize = 10;
    let mut text = seqs
        .iter()
        .take(SHOWN)
        .map(|s| format!("#{s}"))
        .collect::<Vec<_>>()
        .join(", ");
    if seqs.len() > SHOWN {
        text.push_str(&format!(" and {} more", seqs.len() - SHOWN));
    }
    text
}

/// A consumer-supplied string made safe to print.
fn clean(s: &str) -> String {
    crate::report::printable(s, 80)
}
