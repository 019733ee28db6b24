//! `lmh chaos`: the fault kinds it adds to the mock, and a short campaign.

use crate::helpers;

use std::time::Duration;

use lmh::adapter::{ClientConfig, SessionManagerClient};
use lmh::chaos::{ChaosConfig, run_campaign};
use lmh::mock::{Fault, FaultKind, MockSessionManager};
use lmh::session::SessionState;

async fn client(mock: &MockSessionManager) -> SessionManagerClient {
    let mut config = ClientConfig::new(mock.uri());
    config.timeout = Duration::from_secs(2);
    SessionManagerClient::new(config).unwrap()
}

/// `Pass` lets the first sends through; the fault after it hits the next one.
#[tokio::test]
async fn pass_then_a_fault_hits_a_send_in_the_middle_of_a_batch() {
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::Ready);
    mock.inject(Fault::on("send", FaultKind::Pass).for_client(51).times(2));
    mock.inject(
        Fault::on("send", FaultKind::ResetBeforeDelivery)
            .for_client(51)
            .times(1),
    );
    let c = client(&mock).await;
    assert!(c.send_message(51, "5491130000001", "a").await.is_ok());
    assert!(c.send_message(51, "5491130000002", "b").await.is_ok());
    let reset = c.send_message(51, "5491130000003", "c").await;
    assert!(reset.is_err(), "{reset:?}");
    assert!(c.send_message(51, "5491130000004", "d").await.is_ok());
    // The reset came before delivery: three messages went out, not four.
    let delivered: Vec<String> = mock.deliveries().iter().map(|e| e.body.clone()).collect();
    assert_eq!(delivered.len(), 3, "{delivered:?}");
    assert!(delivered.iter().all(|b| !b.contains("5491130000003")));
}

/// A 500 SEND_FAILED after a real delivery: the journal knows it went out.
#[tokio::test]
async fn send_fails_after_delivery_is_journaled_as_delivered() {
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::Ready);
    mock.inject(Fault::on("send", FaultKind::SendFailsAfterDelivery).times(1));
    let c = client(&mock).await;
    let e = c.send_message(51, "5491130000001", "a").await.unwrap_err();
    assert!(
        e.to_string().contains("SEND_FAILED") || e.domain().is_some(),
        "{e}"
    );
    assert_eq!(mock.deliveries().len(), 1);
    assert_eq!(mock.journal()[0].status, 500);
}

/// A session dropping out of READY: this send and the next status see the new state.
#[tokio::test]
async fn session_drops_out_of_ready_mid_batch() {
    let mock = MockSessionManager::start().await;
    mock.set_state(51, SessionState::Ready);
    mock.inject(
        Fault::on(
            "send",
            FaultKind::SessionDropsOut(SessionState::DisconnectedRecoverable),
        )
        .for_client(51)
        .times(1),
    );
    let c = client(&mock).await;
    assert!(c.send_message(51, "5491130000001", "a").await.is_err());
    assert!(mock.deliveries().is_empty());
    assert_eq!(mock.state(51), SessionState::DisconnectedRecoverable);
    let session = c.get_session("sender_51").await.unwrap();
    assert!(!session.ready);
}

/// A short campaign: every fault class fires, and no schedule sends a row twice, leaves a
/// phantom `enviado`, a lost row or a broken invariant.
#[tokio::test]
async fn a_short_campaign_breaks_no_guarantee() {
    let config = ChaosConfig {
        seed: 7,
        schedules: 12,
        only: None,
    };
    let report = run_campaign(&helpers::server_url(), &config, |_, _| {})
        .await
        .unwrap();
    eprintln!("{}", report.to_human());
    assert_eq!(report.schedules, 12);
    assert!(report.sends > 0, "the campaign must send");
    assert!(report.connections_killed > 0, "database faults must fire");
    assert!(report.crashes > 0, "crashes must fire");
    assert_eq!(report.duplicate_sends, 0, "{}", report.to_human());
    assert_eq!(report.phantom_enviado, 0, "{}", report.to_human());
    assert_eq!(report.lost_rows, 0, "{}", report.to_human());
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
}

/// The same seed draws the same schedules (the fault plans, not the interleavings).
#[test]
fn a_seed_draws_the_same_plans() {
    use lmh::chaos::plan::Schedule;
    let a: Vec<String> = (0..30).map(|n| Schedule::draw(11, n).describe()).collect();
    let b: Vec<String> = (0..30).map(|n| Schedule::draw(11, n).describe()).collect();
    assert_eq!(a, b);
    assert!(a.iter().any(|d| d.contains("kill at")));
    assert!(a.iter().any(|d| d.contains("crash")));
    assert!(a.iter().any(|d| d.contains("two schedulers")));
}
