//! `verify consumer --source`: small JavaScript trees written for the tests, read with oxc,
//! every call to the session-manager checked against the contract.

use std::path::Path;
use std::process::Command;

use lmh::contract::Contract;
use lmh::report::{Check, Outcome, Report};
use lmh::source::{check, scan};

/// central-hub's session client as it was on the incident day: a private request method
/// that prefixes SESSION_MANAGER_BASE_URL, and getSession(instanceId) calling a route the
/// session-manager never had.
pub const INCIDENT_CLIENT: &str = r#"'use strict';
const fetch = require('node-fetch');

class SessionManagerClient {
  constructor(baseUrl = process.env.SESSION_MANAGER_BASE_URL || 'http://localhost:3001') {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  async #request(path, options = {}) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: options.method || 'GET',
      headers: { 'Content-Type': 'application/json', ...options.headers },
    });
    return res.json();
  }

  async getSession(instanceId) {
    return this.#request(`/api/session-manager/sessions/${instanceId}`);
  }
}

module.exports = new SessionManagerClient();
module.exports.SessionManagerClient = SessionManagerClient;
"#;

/// The same client, corrected: GET /status with X-Cliente-Id.
pub const CORRECTED_CLIENT: &str = r#"'use strict';
const fetch = require('node-fetch');

class SessionManagerClient {
  constructor(baseUrl = process.env.SESSION_MANAGER_BASE_URL || 'http://localhost:3001') {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  async #request(path, options = {}) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: options.method || 'GET',
      headers: { 'Content-Type': 'application/json', ...options.headers },
    });
    return res.json();
  }

  async getStatus(clienteId) {
    return this.#request('/status', { headers: { 'X-Cliente-Id': String(clienteId) } });
  }
}

module.exports = new SessionManagerClient();
"#;

/// The scheduler that uses the client (its call is not an HTTP call of its own).
pub const SCHEDULER: &str = r#"const sessionManagerClient = require('../services/sessionManagerClient');

async function tick(programacion) {
  const session = await sessionManagerClient.getSession(`sender_${programacion.cliente_id}`);
  if (!session || session.state !== 'READY') throw new Error('session not ready');
}

module.exports = { tick };
"#;

/// Write `files` (relative path, text) under a new temporary directory.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The incident's tree shape: src/services/sessionManagerClient.js and a scheduler.
pub fn hub_tree(client: &str) -> tempfile::TempDir {
    tree(&[
        ("src/services/sessionManagerClient.js", client),
        ("src/modules/sender/scheduler.js", SCHEDULER),
        (
            "node_modules/axios/index.js",
            "module.exports = fetch('http://x/y');",
        ),
    ])
}

fn run(dir: &Path) -> Report {
    check(&scan(dir).expect("a readable tree"), &Contract::v1())
}

fn with(report: &Report, outcome: Outcome) -> Vec<&Check> {
    report
        .checks
        .iter()
        .filter(|c| c.outcome == outcome)
        .collect()
}

#[test]
fn the_incident_client_is_caught_at_its_line() {
    let dir = hub_tree(INCIDENT_CLIENT);
    let report = run(dir.path());
    let failed = with(&report, Outcome::Fail);
    assert_eq!(failed.len(), 1, "{}", report.to_human());
    assert_eq!(failed[0].name, "src/services/sessionManagerClient.js:18:12");
    assert_eq!(
        failed[0].summary,
        "GET /api/session-manager/sessions/${instanceId}: no such operation in session-manager v1; \
         nearest: GET /status with X-Cliente-Id"
    );
    let details = failed[0].details.join("\n");
    assert!(
        details.contains("through #request (src/services/sessionManagerClient.js:9:"),
        "{details}"
    );
    assert!(
        with(&report, Outcome::Pass).is_empty(),
        "{}",
        report.to_human()
    );
}

#[test]
fn the_corrected_client_passes() {
    let dir = hub_tree(CORRECTED_CLIENT);
    let report = run(dir.path());
    assert!(report.passed(), "{}", report.to_human());
    let passed = with(&report, Outcome::Pass);
    assert_eq!(passed.len(), 1, "{}", report.to_human());
    assert_eq!(
        passed[0].summary,
        "GET /status is GET /status with X-Cliente-Id"
    );
}

#[test]
fn template_literals_and_concatenation_in_commonjs() {
    let dir = tree(&[(
        "src/send.js",
        r#"const BASE = process.env.SESSION_MANAGER_BASE_URL;
async function status(id) {
  return fetch(BASE + '/status', { headers: { 'X-Cliente-Id': `${id}` } });
}
async function send(id, to, message) {
  return fetch(`${BASE}/send`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Cliente-Id': String(id) },
    body: JSON.stringify({ to, message }),
  });
}
async function sendWithoutMessage(id, to) {
  return fetch(`${BASE}/send`, {
    method: 'POST',
    headers: { 'X-Cliente-Id': String(id) },
    body: JSON.stringify({ to }),
  });
}
module.exports = { status, send, sendWithoutMessage };
"#,
    )]);
    let report = run(dir.path());
    assert_eq!(
        with(&report, Outcome::Pass).len(),
        2,
        "{}",
        report.to_human()
    );
    let failed = with(&report, Outcome::Fail);
    assert_eq!(failed.len(), 1, "{}", report.to_human());
    assert_eq!(failed[0].name, "src/send.js:13:10");
    assert!(
        failed[0].summary.contains("lacks required field message"),
        "{}",
        failed[0].summary
    );
}

#[test]
fn an_axios_instance_in_an_es_module_needs_the_header() {
    let dir = tree(&[(
        "src/sm.mjs",
        r#"import axios from 'axios';
const api = axios.create({ baseURL: process.env.SESSION_MANAGER_BASE_URL, timeout: 5000 });
export async function status(id) {
  return api.get('/status', { headers: { 'X-Cliente-Id': id } });
}
export async function statusWithoutHeader() {
  return api.get('/status');
}
"#,
    )]);
    let report = run(dir.path());
    assert_eq!(
        with(&report, Outcome::Pass).len(),
        1,
        "{}",
        report.to_human()
    );
    let failed = with(&report, Outcome::Fail);
    assert_eq!(failed.len(), 1, "{}", report.to_human());
    assert_eq!(failed[0].name, "src/sm.mjs:7:10");
    assert!(
        failed[0]
            .summary
            .starts_with("GET /status: required header X-Cliente-Id missing"),
        "{}",
        failed[0].summary
    );
}

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

#[test]
fn a_wrapper_in_another_module_is_followed() {
    let dir = tree(&[
        (
            "src/lib/sm.js",
            r#"const axios = require('axios');
const BASE = process.env.SESSION_MANAGER_BASE_URL;
function smRequest(path, opts = {}) {
  return axios({ url: BASE + path, method: opts.method || 'GET', headers: opts.headers });
}
module.exports = { smRequest };
"#,
        ),
        (
            "src/jobs/check.mjs",
            r#"import http from 'node:http';
import { smRequest } from '../lib/sm.js';
export const checkSession = (instanceId) => smRequest('/api/session-manager/sessions/' + instanceId);
export const status = (id) => smRequest('/status', { headers: { 'X-Cliente-Id': id } });
export function raw(id) {
  const u = new URL(process.env.SESSION_MANAGER_BASE_URL);
  return http.request({ hostname: u.hostname, port: u.port, path: '/qr', method: 'GET', headers: { 'X-Cliente-Id': id } });
}
"#,
        ),
    ]);
    let report = run(dir.path());
    let failed = with(&report, Outcome::Fail);
    assert_eq!(failed.len(), 1, "{}", report.to_human());
    assert_eq!(failed[0].name, "src/jobs/check.mjs:3:45");
    assert!(
        failed[0]
            .details
            .join(" ")
            .contains("through smRequest (src/lib/sm.js:3:")
    );
    let passed: Vec<&str> = with(&report, Outcome::Pass)
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        passed,
        ["src/jobs/check.mjs:4:31", "src/jobs/check.mjs:7:10"],
        "{}",
        report.to_human()
    );
}

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

fn lmh(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lmh"))
        .args(args)
        .output()
        .expect("lmh runs")
}

#[test]
fn cli_fails_on_the_incident_and_passes_the_corrected_client() {
    let bad = hub_tree(INCIDENT_CLIENT);
    let out = lmh(&[
        "verify",
        "consumer",
        "--source",
        bad.path().to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("src/services/sessionManagerClient.js:18:12"),
        "{stdout}"
    );
    assert!(
        stdout.contains("GET /api/session-manager/sessions/${instanceId}: no such operation"),
        "{stdout}"
    );

    let good = hub_tree(CORRECTED_CLIENT);
    let out = lmh(&[
        "verify",
        "consumer",
        "--source",
        good.path().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = lmh(&["verify", "consumer", "--source", "/nonexistent/lmh-tree"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--source /nonexistent/lmh-tree"));
    let out = lmh(&["verify", "consumer"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn deeply_nested_ecosystem_files_are_refused_before_reading() {
    use lmh::config::pm2;
    let deep = format!(
        "module.exports = {}{}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let err = pm2::parse(&deep, Path::new("ecosystem.config.js")).unwrap_err();
    assert_eq!(err.line, 1);
    assert!(
        err.reason.contains("nested deeper than 256"),
        "{}",
        err.reason
    );
    let json = format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    let err = pm2::parse(&json, Path::new("ecosystem.config.json")).unwrap_err();
    assert!(
        err.reason.contains("nested deeper than 256"),
        "{}",
        err.reason
    );
    // Ordinary nesting still reads.
    let ok = "module.exports = { apps: [{ name: 'hub', env: { PORT: 3012 } }] };";
    assert!(pm2::parse(ok, Path::new("ecosystem.config.js")).is_ok());
}

#[test]
fn got_axios_post_bodies_and_an_exported_clients_public_wrapper() {
    let dir = tree(&[
        (
            "src/client.js",
            r#"const got = require('got');
class Client {
  constructor() { this.base = process.env.SESSION_MANAGER_BASE_URL; }
  request(path, opts = {}) {
    return got(this.base + path, { method: opts.method || 'GET', headers: opts.headers, json: opts.json });
  }
}
module.exports = new Client();
"#,
        ),
        (
            "src/jobs.js",
            r#"const client = require('./client');
const axios = require('axios').default;
const BASE = process.env.SESSION_MANAGER_BASE_URL;
async function send(id, to, message) {
  await client.request('/send', { method: 'POST', headers: { 'X-Cliente-Id': id }, json: { to, message } });
  await axios.post(`${BASE}/send`, { to }, { headers: { 'X-Cliente-Id': id } });
  await client.request('/qr-code');
}
module.exports = { send };
"#,
        ),
    ]);
    let report = run(dir.path());
    let outcome = |name: &str| {
        report
            .checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name}: {}", report.to_human()))
    };
    assert_eq!(
        outcome("src/jobs.js:5:9").outcome,
        Outcome::Pass,
        "{}",
        report.to_human()
    );
    let post = outcome("src/jobs.js:6:9");
    assert_eq!(post.outcome, Outcome::Fail);
    assert!(
        post.summary.contains("lacks required field message"),
        "{}",
        post.summary
    );
    let qr = outcome("src/jobs.js:7:9");
    assert_eq!(qr.outcome, Outcome::Fail);
    assert!(
        qr.summary
            .starts_with("GET /qr-code: required header X-Cliente-Id missing"),
        "{}",
        qr.summary
    );
}

/// Pieces of the code the reader looks at, joined at random: calls, wrappers, classes,
/// modules, recursion.
const FRAGMENTS: &[&str] = &[
    "fetch(",
    "axios.get(",
    "got.post(",
    "http.request(",
    "process.env.SESSION_MANAGER_BASE_URL",
    " + ",
    "'/status'",
    "`${",
    "}`",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "headers: ",
    "'X-Cliente-Id'",
    ": ",
    "1",
    ", ",
    ";\n",
    "const a = ",
    "let b = ",
    "a",
    "b",
    "p",
    "function f(p) {",
    "return ",
    "f(",
    "class C {",
    "constructor(x = process.env.SESSION_MANAGER_BASE_URL) {",
    "this.a = ",
    "this.a",
    "m(x) {",
    "#r(x) {",
    "this.#r(",
    "this.m(",
    "module.exports = ",
    "require('./a')",
    "new C()",
    "...",
    "=> ",
    "if (a) ",
    "else ",
    "await ",
    "?? ",
    "|| ",
    "axios.create({ baseURL: ",
    "})",
    "export default ",
    "import x from './a.js';\n",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    #[test]
    fn the_source_reader_never_panics_or_hangs(
        picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..60),
        raw in "[a-z(){}\\[\\]'\"`$.=+;:,/ \n0-9]{0,60}",
    ) {
        let code: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
        let dir = tree(&[("src/a.js", &code), ("src/b.mjs", &raw), ("src/c.js", &format!("{code}{raw}"))]);
        let scan = scan(dir.path()).expect("a readable tree is never a usage error");
        proptest::prop_assert_eq!(scan.files, 3);
    }
}

/// Headers added after the object literal (a member assignment, `Object.assign`, an axios
/// interceptor or `defaults`) are the consumer's headers too: never "missing".
#[test]
fn headers_set_after_the_literal_are_seen() {
    let dir = tree(&[(
        "src/sm.js",
        r#"const axios = require('axios');
const BASE = process.env.SESSION_MANAGER_BASE_URL || 'http://localhost:3001';
async function send(clienteId, to, message) {
  const headers = { 'Content-Type': 'application/json' };
  headers['X-Cliente-Id'] = String(clienteId);
  return fetch(`${BASE}/send`, { method: 'POST', headers, body: JSON.stringify({ to, message }) });
}
async function status(clienteId) {
  const config = { method: 'get', url: `${BASE}/status`, headers: {} };
  config.headers['X-Cliente-Id'] = clienteId;
  return axios(config);
}
async function assigned(clienteId) {
  const headers = {};
  Object.assign(headers, { 'X-Cliente-Id': clienteId });
  return fetch(`${BASE}/status`, { headers });
}
const api = axios.create({ baseURL: BASE });
api.interceptors.request.use((cfg) => { cfg.headers['X-Cliente-Id'] = current(); return cfg; });
async function intercepted() {
  return api.get('/status');
}
async function stillMissing() {
  const headers = { 'Content-Type': 'application/json' };
  headers.Accept = 'application/json';
  return fetch(`${BASE}/status`, { headers });
}
module.exports = { send, status, assigned, intercepted, stillMissing };
"#,
    )]);
    let report = run(dir.path());
    let human = report.to_human();
    let failed = with(&report, Outcome::Fail);
    assert_eq!(failed.len(), 1, "{human}");
    assert_eq!(failed[0].name, "src/sm.js:26:10", "{human}");
    assert_eq!(with(&report, Outcome::Pass).len(), 3, "{human}");
    let skipped = with(&report, Outcome::Skip);
    assert_eq!(skipped.len(), 1, "{human}");
    assert!(
        skipped[0].summary.contains("api.interceptors.request.use"),
        "{human}"
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
