//! Every branch is read, run or not: a rarely run branch, a URL chosen by a condition or a
//! `switch`.

use super::*;

#[test]
fn a_call_in_a_rarely_run_branch_is_read() {
    let dir = tree(&[(
        "src/legacy.js",
        r#"const axios = require('axios');
async function maybe(id) {
  if (process.env.LEGACY_SESSIONS === 'yes') {
    try {
      await axios.get(process.env.SESSION_MANAGER_BASE_URL + '/api/sessions/' + id);
    } catch (e) {}
  }
}
module.exports = maybe;
"#,
    )]);
    let report = run(dir.path());
    let failed = with(&report, Outcome::Fail);
    assert_eq!(failed.len(), 1, "{}", report.to_human());
    assert_eq!(failed[0].name, "src/legacy.js:5:13");
    assert!(
        failed[0]
            .summary
            .starts_with("GET /api/sessions/${id}: no such operation")
    );
}

/// A URL chosen by a condition is checked in every branch: the incident's route in the
/// rarely taken one must fail even when the other branch is correct.
#[test]
fn every_branch_of_a_chosen_url_is_checked() {
    let dir = tree(&[(
        "src/sm.js",
        r#"const BASE = process.env.SESSION_MANAGER_BASE_URL || 'http://localhost:3001';
async function ifElse(clienteId, legacy) {
  let url;
  if (legacy) {
    url = `${BASE}/api/session-manager/sessions/sender_${clienteId}`;
  } else {
    url = `${BASE}/status`;
  }
  return fetch(url, { headers: { 'X-Cliente-Id': String(clienteId) } });
}
async function ifOnly(clienteId, legacy) {
  let url = `${BASE}/status`;
  if (legacy) url = `${BASE}/api/session-manager/sessions/${clienteId}`;
  return fetch(url, { headers: { 'X-Cliente-Id': String(clienteId) } });
}
async function ternary(clienteId, legacy) {
  const url = legacy ? `${BASE}/status` : `${BASE}/api/session-manager/sessions/${clienteId}`;
  return fetch(url, { headers: { 'X-Cliente-Id': String(clienteId) } });
}
async function headerInOneBranch(clienteId) {
  const headers = {};
  if (clienteId) headers['X-Cliente-Id'] = String(clienteId);
  return fetch(`${BASE}/status`, { headers });
}
module.exports = { ifElse, ifOnly, ternary, headerInOneBranch };
"#,
    )]);
    let report = run(dir.path());
    let human = report.to_human();
    let failed: Vec<&str> = with(&report, Outcome::Fail)
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        failed,
        ["src/sm.js:9:10", "src/sm.js:14:10", "src/sm.js:18:10"],
        "{human}"
    );
    assert_eq!(with(&report, Outcome::Pass).len(), 3, "{human}");
    let skipped = with(&report, Outcome::Skip);
    assert_eq!(skipped.len(), 1, "{human}");
    assert_eq!(skipped[0].name, "src/sm.js:23:10", "{human}");
}

/// A URL assigned in the cases of a `switch` is checked for every case.
#[test]
fn a_url_chosen_by_a_switch_is_checked_in_every_case() {
    let dir = tree(&[(
        "src/sm.js",
        r#"const BASE = process.env.SESSION_MANAGER_BASE_URL;
async function status(clienteId, mode) {
  let url;
  switch (mode) {
    case 'legacy':
      url = `${BASE}/api/session-manager/sessions/${clienteId}`;
      break;
    default:
      url = `${BASE}/status`;
  }
  return fetch(url, { headers: { 'X-Cliente-Id': String(clienteId) } });
}
module.exports = { status };
"#,
    )]);
    let report = run(dir.path());
    let human = report.to_human();
    let failed = with(&report, Outcome::Fail);
    assert_eq!(failed.len(), 1, "{human}");
    assert!(
        failed[0]
            .summary
            .starts_with("GET /api/session-manager/sessions/${clienteId}: no such operation"),
        "{human}"
    );
    assert_eq!(with(&report, Outcome::Pass).len(), 1, "{human}");
}
