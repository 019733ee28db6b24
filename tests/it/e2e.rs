//! End to end over every fixture: scratch database on the machine's MariaDB, mock
//! session-manager, reference scheduler on a virtual clock, every invariant checked.

use crate::helpers;

use lmh::e2e::{E2eConfig, Provider, run_fixture};

fn fixtures_dir() -> std::path::PathBuf {
    std::env::var("LMH_FIXTURES")
        .map(Into::into)
        .unwrap_or_else(|_| helpers::root("fixtures").into())
}

#[tokio::test]
async fn every_fixture_passes_every_invariant() {
    let fixtures = lmh::fixtures::load_dir(fixtures_dir()).unwrap();
    assert!(fixtures.len() >= 7);
    let mut failures = Vec::new();
    for f in &fixtures {
        let run = run_fixture(
            f,
            &helpers::server_url(),
            &Provider::Mock,
            &E2eConfig::default(),
        )
        .await
        .unwrap();
        println!("{}: {}", run.fixture, run.summary());
        if !run.passed() {
            failures.push(format!(
                "{}: {}\n{:#?}",
                run.fixture,
                run.summary(),
                run.checks
                    .iter()
                    .filter(|c| c.outcome == lmh::report::Outcome::Fail)
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_seed_incident_goes_pendiente_to_enviado_in_a_container_too() {
    use lmh::db::{DbServer, DbSource};
    let required = std::env::var("LMH_REQUIRE_DOCKER").as_deref() == Ok("1");
    if !required && !lmh::container::docker_available().await {
        eprintln!("skipped: no Docker engine; CI runs this with LMH_REQUIRE_DOCKER=1");
        return;
    }
    let image = lmh::container::image_from_env();
    let server = match DbServer::provide(&DbSource::Container(image.clone())).await {
        Ok(s) => s,
        Err(e) if !required => {
            eprintln!("skipped: cannot start {image}: {e}");
            return;
        }
        Err(e) => panic!("LMH_REQUIRE_DOCKER=1 but the container did not start: {e}"),
    };
    let fixture = lmh::fixtures::load(fixtures_dir().join("seed-incident.yaml")).unwrap();
    let run = run_fixture(
        &fixture,
        server.url(),
        &Provider::Mock,
        &E2eConfig::default(),
    )
    .await
    .unwrap();
    assert!(run.passed(), "{}: {:#?}", run.summary(), run.checks);
    assert_eq!(run.enviado.0, run.enviado.1);
    assert!(run.enviado.1 >= 15);
    println!(
        "{} in {}: {}",
        run.fixture,
        server.describe(),
        run.summary()
    );
}

/// Against a session-manager given by URL (here `lmh mock serve`'s library twin, with its
/// journal on disk): only the journal lines of this run count, and they are dated by the
/// provider's clock, not the run's.
#[tokio::test]
async fn an_external_provider_with_a_journal_file_is_checked_run_by_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let mock = lmh::mock::MockSessionManager::start_with(lmh::mock::MockConfig {
        journal_file: Some(path.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    mock.set_state(51, lmh::session::SessionState::Ready);
    let fixture = lmh::fixtures::load(fixtures_dir().join("happy-path.yaml")).unwrap();
    for cliente in fixture.sessions.keys() {
        mock.set_state(*cliente as u64, lmh::session::SessionState::Ready);
    }
    let provider = Provider::Url {
        base_url: mock.uri(),
        journal: Some(path),
    };
    for round in 1..=2 {
        let run = run_fixture(
            &fixture,
            &helpers::server_url(),
            &provider,
            &E2eConfig::default(),
        )
        .await
        .unwrap();
        assert!(
            run.passed(),
            "round {round}: {}: {:#?}",
            run.summary(),
            run.checks
        );
        let skipped = run
            .checks
            .iter()
            .filter(|c| c.outcome == lmh::report::Outcome::Skip)
            .count();
        assert_eq!(skipped, 0, "{:#?}", run.checks);
    }
    // Without a journal, the journal checks are skipped, never passed.
    let provider = Provider::Url {
        base_url: mock.uri(),
        journal: None,
    };
    let run = run_fixture(
        &fixture,
        &helpers::server_url(),
        &provider,
        &E2eConfig::default(),
    )
    .await
    .unwrap();
    let skipped: Vec<_> = run
        .checks
        .iter()
        .filter(|c| c.outcome == lmh::report::Outcome::Skip)
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(skipped.len(), 5, "{skipped:?}");
}

#[tokio::test]
async fn a_dry_run_touches_nothing_and_reports_every_send() {
    let fixture = lmh::fixtures::load(fixtures_dir().join("seed-incident.yaml")).unwrap();
    let config = E2eConfig {
        dry_run: true,
        ..E2eConfig::default()
    };
    let run = run_fixture(&fixture, &helpers::server_url(), &Provider::Mock, &config)
        .await
        .unwrap();
    assert!(run.passed(), "{}: {:#?}", run.summary(), run.checks);
    assert_eq!(run.sent, 0);
    assert!(
        run.checks
            .iter()
            .any(|c| c.name == "DRY_RUN reports every send"
                && c.outcome == lmh::report::Outcome::Pass)
    );
}

/// A window that opens inside a daylight-saving gap opens when the clocks jump; and a fixture
/// file name with emoji, longer than `locked_by` holds, is no reason to fail.
#[tokio::test]
async fn a_window_opening_in_a_dst_gap_still_sends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("promo-🎉-chile-dst-gap-with-a-file-name-longer-than-the-lock-column-allows.yaml");
    std::fs::write(
        &path,
        r#"description: Chile skipped from 2025-09-07 00:00 to 01:00; the window opens at 00:30
tz: America/Santiago
start: "2025-09-06T22:00:00"
end: "2025-09-07T12:00:00"
sessions:
  51: READY
campaigns:
  - {id: 1, nombre: "Noche", mensaje: "Hola", estado: en_progreso, cliente_id: 51}
programaciones:
  - {id: 1, campania_id: 1, cliente_id: 51, dias_semana: "sun", hora_inicio: "00:30", hora_fin: "05:00", cupo_diario: 10, fecha_inicio: "2025-09-01", fecha_fin: null, estado: aprobada}
envios:
  - {campania_id: 1, generate: 3, expect: enviado}
"#,
    )
    .unwrap();
    let fixture = lmh::fixtures::load(&path).unwrap();
    let run = run_fixture(
        &fixture,
        &helpers::server_url(),
        &Provider::Mock,
        &E2eConfig::default(),
    )
    .await
    .unwrap();
    assert!(run.passed(), "{}: {:#?}", run.summary(), run.checks);
    assert_eq!(run.enviado, (3, 3));
}

#[test]
fn a_missing_journal_is_refused_before_anything_is_sent() {
    let out = helpers::lmh()
        .args([
            "e2e",
            "--session-manager",
            "http://127.0.0.1:9",
            "--journal",
            "/nonexistent/journal.jsonl",
            "--allow-send",
            "--fixtures",
            &fixtures_dir().join("happy-path.yaml").display().to_string(),
        ])
        .env("DATABASE_URL", helpers::server_url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/journal.jsonl: no such file")
    );
}

/// A session-manager nobody answers at: rows stay pendiente, and the failed check says the
/// provider could not be asked, not only "session, route, window or quota".
#[tokio::test]
async fn an_unreachable_provider_is_named_as_why_rows_stayed_pendiente() {
    let fixture = lmh::fixtures::load(fixtures_dir().join("happy-path.yaml")).unwrap();
    let provider = Provider::Url {
        // Nothing listens there: connection refused, at once.
        base_url: helpers::closed_port_url(),
        journal: None,
    };
    let run = run_fixture(
        &fixture,
        &helpers::server_url(),
        &provider,
        &E2eConfig::default(),
    )
    .await
    .unwrap();
    assert!(!run.passed());
    let stuck = run
        .checks
        .iter()
        .find(|c| c.name.contains("nothing stuck pending"))
        .expect("the stuck check");
    assert_eq!(stuck.outcome, lmh::report::Outcome::Fail);
    assert!(
        stuck.summary.contains("session-manager"),
        "{}",
        stuck.summary
    );
}
