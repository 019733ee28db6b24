//! The calls read from a consumer's code against the contract, as the journal check judges
//! recorded requests: an operation the contract lacks, a required header not set or a
//! required body field missing fails with `file:line:col`; what was not read is a skip.

use crate::contract::Contract;
use crate::report::{Check, Report};
use crate::verify::unknown_route;

use super::{Call, SourceScan};

/// Area of the checks.
pub const AREA: &str = "consumer.source";

/// Check every call of `scan` against `contract`.
pub fn check(scan: &SourceScan, contract: &Contract) -> Report {
    let mut report = Report::new(&format!(
        "lmh verify consumer --source {} against {} ({})",
        scan.dir.display(),
        contract.label(),
        contract.origin
    ));
    for call in &scan.calls {
        report.push(check_call(call, contract));
    }
    for u in &scan.unchecked {
        let mut details = Vec::new();
        if !u.written.is_empty() {
            details.push(format!("written: {}", u.written));
        }
        report.push(
            Check::skip(AREA, &u.location, format!("not checked: {}", u.reason))
                .with_details(details),
        );
    }
    if scan.calls.is_empty() && scan.unchecked.is_empty() {
        report.push(Check::skip(
            AREA,
            "calls",
            format!(
                "no HTTP call found in {} JavaScript files under {}: is this central-hub's source?",
                scan.files,
                scan.dir.display()
            ),
        ));
    }
    report
}

/// The path with its `${...}` holes filled, for routing, and without a query.
fn routable(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('x');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn check_call(call: &Call, contract: &Contract) -> Check {
    let label = format!("{} {}", call.method, call.path);
    let mut details = vec![format!("written: {}", call.written)];
    if !call.via.is_empty() {
        details.push(format!("through {}", call.via.join(" → ")));
    }
    let Some(op) = contract.find_operation(&call.method, &routable(&call.path)) else {
        let why = unknown_route(contract, &call.method, &call.path);
        return Check::fail(AREA, &call.location, format!("{label}: {why}")).with_details(details);
    };
    for h in op.headers.iter().filter(|h| h.required) {
        if call.headers.iter().any(|k| k.eq_ignore_ascii_case(&h.name)) {
            continue;
        }
        return match &call.headers_open {
            None => Check::fail(
                AREA,
                &call.location,
                format!(
                    "{label}: required header {} missing; {} needs {} set on this call",
                    h.name,
                    op.label(),
                    h.name
                ),
            ),
            Some(from) => Check::skip(
                AREA,
                &call.location,
                format!(
                    "{label}: not checked: whether {} is set depends on {from}, which lmh cannot read",
                    h.name
                ),
            ),
        }
        .with_details(details);
    }
    if let (Some(schema), Some(keys)) = (&op.request_body, &call.body_keys) {
        let missing: Vec<&str> = schema
            .resolved
            .get("required")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
            .filter_map(|k| k.as_str())
            .filter(|k| !keys.iter().any(|have| have == k))
            .collect();
        if !missing.is_empty() {
            return Check::fail(
                AREA,
                &call.location,
                format!(
                    "{label}: request body lacks required field {} of {}",
                    missing.join(", "),
                    op.label()
                ),
            )
            .with_details(details);
        }
    }
    let with: Vec<&str> = op
        .headers
        .iter()
        .filter(|h| h.required)
        .map(|h| h.name.as_str())
        .collect();
    let summary = if with.is_empty() {
        format!("{label} is {}", op.label())
    } else {
        format!("{label} is {} with {}", op.label(), with.join(", "))
    };
    Check::pass(AREA, &call.location, summary).with_details(details)
}
