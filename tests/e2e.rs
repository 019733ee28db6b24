//! End to end over every fixture: scratch database on the machine's MariaDB, mock
//! session-manager, reference scheduler on a virtual clock, every invariant checked.

mod common;

use lmh::e2e::{E2eConfig, Provider, run_fixture};

fn fixtures_dir() -> std::path::PathBuf {
    std::env::var("LMH_FIXTURES")
        .map(Into::into)
        .unwrap_or_else(|_| format!("{}/fixtures", env!("CARGO_MANIFEST_DIR")).into())
}

#[tokio::test]
async fn every_fixture_passes_every_invariant() {
    let fixtures = lmh::fixtures::load_dir(fixtures_dir()).unwrap();
    assert!(fixtures.len() >= 7);
    let mut failures = Vec::new();
    for f in &fixtures {
        let run = run_fixture(
            f,
            &common::server_url(),
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
