//! `lmh config check`: sources, precedence, validation, probes against real loopback HTTP
//! servers, port scans, and the command line on the seed's trees.

mod cli;
mod dotenv_syntax;
mod incident;
mod inputs;
mod one_side;
mod pm2_files;
mod probes;
mod scans;
mod validation;

use std::path::{Path, PathBuf};
use std::time::Duration;

use lmh::config::Service;
use lmh::config::pm2;
use lmh::config::scan::{self, ScanOptions};
use lmh::config::{
    CheckInputs, ConfigError, ConfigReport, Effective, Finding, ProbeOptions, ServiceConfig,
    ServiceInputs, Severity, SourceKind, check,
};
use lmh::report::Outcome;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::closed_port;

/// Every password the fixture trees contain; none may ever be printed.
const FIXTURE_SECRETS: [&str; 5] = [
    "Seed-Db-Pass-7731",
    "Fixed-Db-Pass-4410",
    "Malformed-Pass-9902",
    "Bom-Pass-1212",
    "Missing-Var-Pass-5150",
];

fn fixture(tree: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/config")
        .join(tree)
}

/// Both services of a fixture tree, read from their directories, with an empty shell.
fn tree_inputs(tree: &str) -> CheckInputs {
    CheckInputs {
        hub: ServiceInputs::from_dir(&fixture(tree).join("central-hub")).expect("hub dir"),
        sm: ServiceInputs::from_dir(&fixture(tree).join("session-manager")).expect("sm dir"),
    }
}

fn finding<'a>(report: &'a ConfigReport, topic: &str) -> &'a Finding {
    report
        .findings
        .iter()
        .find(|f| f.topic == topic)
        .unwrap_or_else(|| panic!("no finding {topic:?} in {:#?}", report.findings))
}

fn findings_starting<'a>(report: &'a ConfigReport, prefix: &str) -> Vec<&'a Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.topic.starts_with(prefix))
        .collect()
}

/// Every rendering of a report, for leak checks.
fn all_output(report: &ConfigReport) -> String {
    let r = report.to_report("lmh config check");
    format!(
        "{}\n{}\n{}\n{:?}",
        r.to_human(),
        r.to_json(),
        r.to_junit(),
        report
    )
}

/// Inputs whose hub URL and session-manager port are given directly.
fn probe_inputs(dir: &Path, url: &str, sm_port: u16) -> CheckInputs {
    let env = dir.join(".env");
    std::fs::write(&env, format!("SESSION_MANAGER_BASE_URL={url}\n")).expect("write");
    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(env);
    inputs.sm.shell.insert("PORT".into(), sm_port.to_string());
    inputs
}

async fn server_answering(body: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(body)
        .mount(&server)
        .await;
    server
}

async fn session_manager() -> MockServer {
    server_answering(ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "status": "ok", "service": "session-manager", "whatsapp_state": "NOT_INITIALIZED"
    })))
    .await
}

fn quick() -> ProbeOptions {
    // Generous: these servers answer at once; only a loaded CI machine makes them slow.
    ProbeOptions {
        timeout: Duration::from_secs(3),
        extra_ports: Vec::new(),
    }
}
