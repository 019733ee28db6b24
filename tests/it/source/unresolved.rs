//! What the reader cannot resolve is reported as not checked, never passed.

use super::*;

#[test]
fn what_cannot_be_resolved_is_not_checked_never_passed() {
    let dir = tree(&[
        (
            "src/odd.js",
            r#"const urls = require('./urls');
async function a(id) { return fetch(urls.pick(id)); }
async function b(route) { return fetch(process.env.SESSION_MANAGER_BASE_URL + route); }
async function c(id) { return fetch(process.env.SESSION_MANAGER_BASE_URL + '/status', { method: pickMethod() }); }
module.exports = { a, b, c };
"#,
        ),
        (
            "src/urls.js",
            "module.exports = { pick: (id) => lookup(id) };\n",
        ),
        ("src/broken.js", "function (\n"),
        ("src/deep.js", &"(".repeat(10_000)),
    ]);
    let report = run(dir.path());
    assert!(
        with(&report, Outcome::Pass).is_empty(),
        "{}",
        report.to_human()
    );
    assert!(
        with(&report, Outcome::Fail).is_empty(),
        "{}",
        report.to_human()
    );
    let skipped: Vec<String> = with(&report, Outcome::Skip)
        .iter()
        .map(|c| format!("{} {}", c.name, c.summary))
        .collect();
    assert_eq!(skipped.len(), 5, "{skipped:#?}");
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("src/odd.js:2:31 not checked: the URL is computed")),
        "{skipped:#?}"
    );
    assert!(skipped.iter().any(|s| s.starts_with("src/odd.js:3:34 not checked: the path after SESSION_MANAGER_BASE_URL is computed (${route})")), "{skipped:#?}");
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("src/odd.js:4:31 not checked: the method is computed")),
        "{skipped:#?}"
    );
    assert!(
        skipped
            .iter()
            .any(|s| s
                .starts_with("src/broken.js:1 not checked: file not read: not valid JavaScript")),
        "{skipped:#?}"
    );
    assert!(
        skipped.iter().any(|s| s.starts_with(
            "src/deep.js:1 not checked: file not read: brackets nested deeper than 256"
        )),
        "{skipped:#?}"
    );
}

/// `axios[method](url)`: the method is computed, so the call is "not checked", never dropped.
#[test]
fn a_computed_client_method_is_not_checked() {
    let dir = tree(&[(
        "src/sm.js",
        r#"const axios = require('axios');
const BASE = process.env.SESSION_MANAGER_BASE_URL;
async function call(method, clienteId) {
  return axios[method](`${BASE}/status`, { headers: { 'X-Cliente-Id': clienteId } });
}
module.exports = { call };
"#,
    )]);
    let report = run(dir.path());
    let human = report.to_human();
    let skipped = with(&report, Outcome::Skip);
    assert_eq!(skipped.len(), 1, "{human}");
    assert_eq!(skipped[0].name, "src/sm.js:4:10", "{human}");
    assert!(skipped[0].summary.contains("method is computed"), "{human}");
}
