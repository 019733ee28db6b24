//! `lmh e2e`: the seed incident sent, whatever the process time zone; SIGTERM leaves no
//! scratch database; an external provider is named by its own address.

use super::*;

#[test]
fn e2e_moves_the_seed_incident_to_enviado_and_exits_0() {
    let out = lmh()
        .args([
            "e2e",
            "--db-url",
            &helpers::server_url(),
            "--fixtures",
            &root("fixtures/seed-incident.yaml"),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("seed-incident: enviado 15/15"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["passed"], true);
    assert_eq!(json["tally"]["fail"], 0);
}

/// Window and "today" come from the business zone, whatever the process `TZ` says.
#[test]
fn the_process_time_zone_changes_nothing() {
    for tz in ["UTC", "Asia/Tokyo", "America/Bogota"] {
        let out = lmh()
            .args([
                "e2e",
                "--db-url",
                &helpers::server_url(),
                "--fixtures",
                &root("fixtures/windows.yaml"),
            ])
            .env("TZ", tz)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "TZ={tz}: {stderr}");
        assert!(
            stderr.contains("windows: enviado 6/6, untouched 15/15"),
            "TZ={tz}: {stderr}"
        );
    }
}

/// SIGTERM (what a CI timeout sends) ends a run cleanly: exit 143, no scratch database left.
#[test]
fn sigterm_drops_the_scratch_databases_of_the_run() {
    let mut child = lmh()
        .args([
            "e2e",
            "--db-url",
            &helpers::server_url(),
            "--fixtures",
            &root("fixtures/sessions-not-ready.yaml"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    // The sweep may first note scratch databases of other runs; the header follows.
    let mut line = String::new();
    for _ in 0..10 {
        line.clear();
        stderr.read_line(&mut line).unwrap();
        if line.contains("lmh e2e") || line.is_empty() {
            break;
        }
    }
    assert!(line.contains("lmh e2e"), "{line}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The run's database is the one whose marker names the child's process id.
    let ours = format!("{}-", child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    let name: String = loop {
        let found = rt
            .block_on(lmh::db::list_scratch_databases(&helpers::server_url()))
            .unwrap();
        if let Some(info) = found
            .into_iter()
            .find(|i| i.run_id.as_deref().is_some_and(|r| r.starts_with(&ours)))
        {
            break info.name;
        }
        assert!(
            Instant::now() < deadline,
            "the run never created its database"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(143), "{rest}");
    assert!(rest.contains("interrupted by SIGTERM"), "{rest}");
    let left = rt
        .block_on(lmh::db::list_scratch_databases(&helpers::server_url()))
        .unwrap();
    assert!(
        left.iter().all(|i| i.name != name),
        "{name} was left behind"
    );
}

/// An external session-manager is recorded through an in-process proxy on a port of its own;
/// what the report says about the provider never names that proxy's address.
#[test]
fn an_external_provider_is_not_named_by_the_recording_proxys_address() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mock = rt.block_on(lmh::mock::MockSessionManager::start());
    let uri = mock.uri();
    let out = lmh()
        .args([
            "e2e",
            "--db-url",
            &helpers::server_url(),
            "--fixtures",
            &root("fixtures/sessions-not-ready.yaml"),
            "--session-manager",
            &uri,
            "--allow-send",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let warning = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "fixture sessions")
        .unwrap_or_else(|| panic!("no fixture sessions warning: {stdout}"));
    let message = warning["summary"].as_str().unwrap();
    // The proxy's address (another port on 127.0.0.1) would send a person to the wrong place.
    assert!(
        !message.contains("http://") || message.contains(&uri),
        "{message}"
    );
    assert!(message.contains("--session-manager"), "{message}");
}
