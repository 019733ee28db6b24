//! The HTTP clients the reader knows (template literals, axios instances, got, bodies, an
//! exported client's wrapper) and headers added after the object literal.

use super::*;

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
