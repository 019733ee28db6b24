//! A wrapper in another module, followed through `require`/`import`.

use super::*;

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
