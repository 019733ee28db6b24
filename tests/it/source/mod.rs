//! `verify consumer --source`: small JavaScript trees written for the tests, read with oxc,
//! every call to the session-manager checked against the contract.

mod branches;
mod calls;
mod hostile;
mod incident;
mod modules;
mod unresolved;

use std::path::Path;

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
