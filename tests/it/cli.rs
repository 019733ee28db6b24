//! The `lmh` binary, as a user and CI run it: exit codes, reports, and the seed incident.

use crate::helpers::{self, lmh, root};

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

#[test]
fn gate_fails_on_the_seed_incident_naming_the_route_and_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("gate.xml");
    let out = lmh()
        .args([
            "gate",
            "--hub",
            &root("tests/data/config/seed/central-hub"),
            "--sm",
            &root("tests/data/config/seed/session-manager"),
            "--sm-shell",
            "PORT=3011",
            "--journal",
            &root("tests/data/seed/consumer-journal.jsonl"),
            // Not the URL central-hub's .env names: what listens there depends on the machine.
            "--session-manager",
            "none",
            "--db-url",
            &helpers::server_url(),
            "--fixtures",
            &root("fixtures/seed-incident.yaml"),
            "--junit",
            junit.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"name="GET /api/session-manager/sessions/sender_51""#),
        "{xml}"
    );
    assert!(
        xml.contains(
            "no such operation in session-manager v1; nearest: GET /status with X-Cliente-Id: 51"
        ),
        "{xml}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("GET /api/session-manager/sessions/sender_51: no such operation in session-manager v1; nearest: GET /status with X-Cliente-Id: 51"), "{stdout}");
    assert!(
        xml.contains("port 3001, but session-manager PORT=3011"),
        "{xml}"
    );
    // The reference scheduler itself passes: only the seed's configuration and consumer fail.
    let failures = xml.matches("<failure").count();
    assert_eq!(failures, 2, "{xml}");
    // Secrets of the seed's .env never reach a report.
    for text in [stdout.as_ref(), xml.as_str()] {
        assert!(!text.contains("Seed-Db-Pass-7731"), "a password leaked");
    }
}

#[test]
fn gate_passes_on_the_fixed_configuration_without_e2e() {
    let out = lmh()
        .args([
            "gate",
            "--hub",
            &root("tests/data/config/fixed/central-hub"),
            "--sm",
            &root("tests/data/config/fixed/session-manager"),
            "--no-e2e",
            // Not central-hub's configured URL: what listens there depends on the machine.
            "--session-manager",
            "none",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn usage_and_setup_errors_exit_2_with_what_to_do() {
    let out = lmh()
        .args([
            "e2e",
            "--db-url",
            &helpers::server_url(),
            "--fixtures",
            "/nonexistent/fixtures",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/fixtures"));

    let out = lmh()
        .args([
            "e2e",
            "--db-url",
            "mysql://root:hunter2@127.0.0.1:1",
            "--fixtures",
            &root("fixtures/happy-path.yaml"),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "the password leaked: {stderr}");

    let out = lmh()
        .args([
            "e2e",
            "--session-manager",
            "ftp://x",
            "--fixtures",
            &root("fixtures"),
        ])
        .env("DATABASE_URL", helpers::server_url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--session-manager"));

    let out = lmh()
        .args(["mock", "serve", "--client", "51=SLEEPING"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SLEEPING"));
}

/// `lmh mock serve` as a separate process: answers like the real service, journals to a file as
/// requests arrive, and flushes and exits cleanly on Ctrl-C.
#[test]
fn mock_serve_answers_journals_and_stops_on_ctrl_c() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let mut child = lmh()
        .args([
            "mock",
            "serve",
            "--port",
            &port.to_string(),
            "--client",
            "51=READY",
            "--journal",
            journal.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let body: serde_json::Value = rt.block_on(async {
        let http = lmh::http_client().build().unwrap();
        let _ = http
            .get(format!(
                "http://127.0.0.1:{port}/api/session-manager/sessions/sender_51"
            ))
            .send()
            .await
            .unwrap();
        http.get(format!("http://127.0.0.1:{port}/status"))
            .header("X-Cliente-Id", "51")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(body["state"], "READY");
    let written = lmh::mock::read_journal(&journal).unwrap();
    assert_eq!(written.len(), 2, "written as requests arrive");

    // SIGINT, as Ctrl-C sends it.
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "lmh mock serve did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(
        rest.contains("unknown route: GET /api/session-manager/sessions/sender_51"),
        "{rest}"
    );
}

/// The real service's /qr-code fact: every state but QR_REQUIRED answers 409 with the state.
#[test]
fn mock_serve_answers_qr_code_409_with_the_current_state() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = lmh()
        .args(["mock", "serve", "--port", &port.to_string()])
        .args(["--client", "51=INITIALIZING"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (status, body) = rt.block_on(async {
        let resp = lmh::http_client()
            .build()
            .unwrap()
            .get(format!("http://127.0.0.1:{port}/qr-code"))
            .header("X-Cliente-Id", "51")
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json::<serde_json::Value>().await.unwrap())
    });
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "lmh mock serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "QR_NOT_REQUIRED");
    assert_eq!(body["current_state"], "INITIALIZING");
}

#[test]
fn scheduler_run_once_sends_through_a_real_http_provider() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mock = rt.block_on(lmh::mock::MockSessionManager::start());
    mock.set_state(51, lmh::session::SessionState::Ready);
    // `lmh scheduler run --once` against the mock, with `extra` arguments and a clean env.
    let run = |extra: &[&str]| {
        let mut cmd = lmh();
        cmd.args([
            "scheduler",
            "run",
            "--db-url",
            &helpers::server_url(),
            "--fixtures",
            &root("fixtures/happy-path.yaml"),
            "--once",
        ])
        .args(extra)
        .env_remove("DRY_RUN")
        .env_remove("AUTO_CAMPAIGNS_ENABLED");
        cmd
    };
    let uri = mock.uri();

    // Real clock: whether today is in the fixture's window depends on the day, so this only
    // checks that the tick ran and logged its decisions.
    let out = run(&[
        "--session-manager",
        &uri,
        "--pacing",
        "none",
        "--allow-send",
    ])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every line is a structured decision.
    for line in stdout.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(v["event"].is_string());
    }
    assert!(!stdout.is_empty());

    // As central-hub: anything but the exact `true` means off; a decision, not an error.
    let out = run(&["--session-manager", &uri, "--allow-send"])
        .env("AUTO_CAMPAIGNS_ENABLED", "TRUE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("scheduler_disabled") && stdout.contains("exact value"),
        "{stdout}"
    );

    // A URL with credentials and no scheme: refused, the secret never printed.
    let out = run(&["--session-manager", "hub:s3cretPW@127.0.0.1:3011"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--session-manager") && !stderr.contains("s3cretPW"),
        "{stderr}"
    );

    // Without --allow-send, nothing is sent through a provider given by URL.
    let before = mock.deliveries().len();
    let out = run(&["--session-manager", &uri]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-send"));
    assert_eq!(mock.deliveries().len(), before);

    // DRY_RUN must say true or false.
    let out = run(&["--session-manager", &uri, "--allow-send"])
        .env("DRY_RUN", "yes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DRY_RUN=\"yes\""));
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

/// The seed's situation, diagnosed from outside and read-only: rows pendiente, programaciones
/// approved and in window, and a session-manager URL where nothing answers.
#[test]
fn doctor_diagnoses_the_seed_incident_without_writing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(async {
        let db = lmh::db::ScratchDb::create(&helpers::server_url())
            .await
            .unwrap();
        let fixture = lmh::fixtures::load(root("fixtures/seed-incident.yaml")).unwrap();
        lmh::fixtures::insert(&fixture, &db).await.unwrap();
        db
    });
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db_url = format!("{}/{}", helpers::server_url(), db.name());
    let count = |rt: &tokio::runtime::Runtime| -> i64 {
        rt.block_on(
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM ll_envios_whatsapp WHERE estado = 'pendiente'",
            )
            .fetch_one(db.pool()),
        )
        .unwrap()
    };
    let before = count(&rt);
    let out = lmh()
        .args([
            "doctor",
            "--hub-env",
            &root("tests/data/config/seed/central-hub/.env"),
            "--sm",
            &root("tests/data/config/seed/session-manager"),
            "--sm-shell",
            "PORT=3011",
            "--session-manager",
            &format!("http://127.0.0.1:{closed}"),
            "--db-url",
            &db_url,
            "--now",
            "2026-01-13T12:48:00",
            "--timeout-ms",
            "500",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("3 approved programaciones of cliente 51 (1, 39, 40)"),
        "{stdout}"
    );
    assert!(stdout.contains("refuses connections"), "{stdout}");
    // --session-manager is not what central-hub's .env points at: said, with file and line.
    assert!(
        stdout.contains("doctor target") && stdout.contains(".env:3"),
        "{stdout}"
    );
    assert!(
        stdout.contains("port 3001, but session-manager PORT=3011"),
        "{stdout}"
    );
    assert!(!stdout.contains("Seed-Db-Pass-7731"));
    println!("{stdout}");
    assert_eq!(count(&rt), before, "doctor never writes");
    rt.block_on(db.drop_database()).unwrap();
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

#[test]
fn help_never_shows_url_credentials_from_the_environment() {
    for command in [
        vec!["e2e", "--help"],
        vec!["scheduler", "run", "--help"],
        vec!["doctor", "--help"],
        vec!["bench", "--help"],
    ] {
        let out = lmh()
            .args(&command)
            .env("DATABASE_URL", "mysql://root:Hunter2pw@db:3306")
            .env(
                "SESSION_MANAGER_BASE_URL",
                "http://SMTOKEN42@127.0.0.1:3011",
            )
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Usage"), "{command:?}: {help}");
        for secret in ["Hunter2pw", "SMTOKEN42"] {
            assert!(!help.contains(secret), "{command:?} shows {secret}: {help}");
        }
    }
}

#[test]
fn a_token_as_user_name_or_in_the_query_is_never_printed() {
    // As a session-manager URL: refused, and the error does not repeat the token.
    for url in [
        "http://SMTOKEN42@127.0.0.1:3011",
        "http://127.0.0.1:3011/?token=SMTOKEN42",
        "http://127.0.0.1:3011/?x=1&Signature=SMTOKEN42",
    ] {
        let out = lmh()
            .args(["verify", "provider", "--base-url", url])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(2), "{url}: {all}");
        assert!(!all.contains("SMTOKEN42"), "{url}: {all}");
    }
    // As a database URL: the error names the URL without the token.
    let out = lmh()
        .args([
            "e2e",
            "--db-url",
            "mysql://DBTOKEN42@127.0.0.1:1/x?auth=DBTOKEN43",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("DBTOKEN4"), "{stderr}");
}

/// `lmh doctor --hub DIR` alone: the session-manager and the database come from central-hub's
/// own configuration (shell over PM2 over .env), each with its source, the password never shown.
#[test]
fn doctor_with_only_the_hub_directory_takes_its_targets_from_central_hubs_configuration() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(async {
        let db = lmh::db::ScratchDb::create(&helpers::server_url())
            .await
            .unwrap();
        let fixture = lmh::fixtures::load(root("fixtures/seed-incident.yaml")).unwrap();
        lmh::fixtures::insert(&fixture, &db).await.unwrap();
        db
    });
    let server = url::Url::parse(&helpers::server_url()).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hub = tempfile::tempdir().unwrap();
    std::fs::write(
        hub.path().join(".env"),
        format!(
            "SESSION_MANAGER_BASE_URL=http://127.0.0.1:{closed}\nDB_HOST={}\nDB_PORT={}\nDB_USER={}\nDB_PASSWORD={}\nDB_NAME=wrong_name\n",
            server.host_str().unwrap(),
            server.port().unwrap_or(3306),
            server.username(),
            server.password().unwrap_or(""),
        ),
    )
    .unwrap();
    // PM2 wins over .env, as for central-hub itself.
    std::fs::write(
        hub.path().join("ecosystem.config.js"),
        format!("module.exports = {{ apps: [{{ name: 'central-hub', script: 'index.js', env: {{ DB_NAME: '{}' }} }}] }};\n", db.name()),
    )
    .unwrap();
    let out = lmh()
        .env_remove("DATABASE_URL")
        .args([
            "doctor",
            "--hub",
            hub.path().to_str().unwrap(),
            "--now",
            "2026-01-13T12:48:00",
            "--timeout-ms",
            "500",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("3 approved programaciones of cliente 51 (1, 39, 40)"),
        "{stdout}"
    );
    assert!(stdout.contains("refuses connections"), "{stdout}");
    assert!(
        stdout.contains("SESSION_MANAGER_BASE_URL from "),
        "{stdout}"
    );
    assert!(stdout.contains(".env:1"), "{stdout}");
    assert!(
        stdout.contains("DB_NAME from ") && stdout.contains("ecosystem.config.js"),
        "{stdout}"
    );
    rt.block_on(db.drop_database()).unwrap();

    // Without --hub and without the flags, the error says what to pass.
    let out = lmh()
        .env_remove("DATABASE_URL")
        .args(["doctor"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--hub DIR"));
}

#[test]
fn a_derived_database_url_never_shows_its_password() {
    let hub = tempfile::tempdir().unwrap();
    std::fs::write(
        hub.path().join(".env"),
        "DB_HOST=db.internal\nDB_USER=leadmaster\nDB_PASSWORD=S3cret:/@pw\nDB_NAME=leadmaster\n",
    )
    .unwrap();
    let inputs = lmh::config::ServiceInputs::from_dir(hub.path()).unwrap();
    let config =
        lmh::config::ServiceConfig::load(lmh::config::Service::CentralHub, &inputs).unwrap();
    let d = lmh::config::targets::database(&config).unwrap();
    assert!(
        d.value
            .starts_with("mysql://leadmaster:S3cret%3A%2F%40pw@db.internal:3306/leadmaster"),
        "{}",
        d.value
    );
    let shown = format!("{} {:?} {}", d.shown(), d, d.sources.join(" "));
    assert!(!shown.contains("S3cret"), "{shown}");
    assert!(
        shown.contains("DB_PORT from central-hub's default"),
        "{shown}"
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
        .env_remove("DRY_RUN")
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
