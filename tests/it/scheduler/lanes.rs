//! Per-client lanes: clients are served side by side within a tick, each paced as its own
//! WhatsApp session, and the guarantees (at most once, quota, lock) hold with lanes and two
//! schedulers at once. Times are the virtual clock's, read from the mock's journal.

use crate::helpers;

use std::time::Duration;

use chrono::{DateTime, Utc};
use helpers::{TestApp, seed_day};
use lmh::invariants::Expected;
use lmh::mock::{Fault, FaultKind};
use lmh::scheduler::{Event, Pacing, SchedulerConfig};

const MINUTE: Pacing = Pacing {
    min: Duration::from_secs(60),
    max: Duration::from_secs(60),
};

/// Journal times of the deliveries to `cliente`, in order.
fn delivery_times(app: &TestApp, cliente: u64) -> Vec<DateTime<Utc>> {
    app.mock
        .deliveries()
        .iter()
        .filter(|d| d.cliente_id == Some(cliente))
        .map(|d| {
            DateTime::parse_from_rfc3339(&d.at)
                .unwrap()
                .with_timezone(&Utc)
        })
        .collect()
}

fn all(ids: &[i64], e: Expected) -> Vec<(i64, Expected)> {
    ids.iter().map(|id| (*id, e)).collect()
}

#[tokio::test]
async fn one_clients_pacing_and_slow_provider_never_delay_another_client() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let start = app.clock.now();
    let mut ids = app.campaign(1, 51, 50, 5).await;
    ids.extend(app.campaign(2, 52, 50, 5).await);
    // Client 51's provider is slow too (real time, which costs no virtual time).
    app.mock
        .inject(Fault::on("send", FaultKind::Latency(Duration::from_millis(50))).for_client(51));
    let report = app
        .scheduler_with(SchedulerConfig {
            pacing: MINUTE,
            tick_budget: None,
            ..app.config()
        })
        .tick()
        .await
        .unwrap();
    assert_eq!(report.sent, 10, "{:#?}", report.decisions);
    for cliente in [51, 52] {
        let times = delivery_times(&app, cliente);
        let offsets: Vec<i64> = times.iter().map(|t| (*t - start).num_seconds()).collect();
        // Each lane paced on its own: 0, 60, ... 240 s, side by side.
        assert_eq!(offsets, vec![0, 60, 120, 180, 240], "cliente {cliente}");
    }
    assert_eq!((app.clock.now() - start).num_seconds(), 240);
    app.assert_invariants_hold(&all(&ids, Expected::Enviado))
        .await;
    app.drop().await;
}

#[tokio::test]
async fn max_lanes_one_serves_clients_one_after_another() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let start = app.clock.now();
    app.campaign(1, 51, 50, 3).await;
    app.campaign(2, 52, 50, 3).await;
    let report = app
        .scheduler_with(SchedulerConfig {
            pacing: MINUTE,
            tick_budget: None,
            max_lanes: Some(1),
            ..app.config()
        })
        .tick()
        .await
        .unwrap();
    assert_eq!(report.sent, 6);
    let first_52 = delivery_times(&app, 52)[0];
    assert_eq!((first_52 - start).num_seconds(), 120, "after 51's batch");
    app.drop().await;
}

/// A client whose session fails stops only its own lane.
#[tokio::test]
async fn one_clients_failure_stops_only_its_own_lane() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let a = app.campaign(1, 51, 50, 3).await;
    let b = app.campaign(2, 52, 50, 3).await;
    app.mock
        .inject(Fault::on("send", FaultKind::SendFailsWhileReady).for_client(51));
    let report = app.scheduler().tick().await.unwrap();
    assert_eq!(report.sent, 3);
    assert_eq!(report.unknown, vec![a[0]]);
    let mut expected = all(&b, Expected::Enviado);
    expected.extend(all(&a, Expected::Pendiente));
    app.assert_invariants_hold(&expected).await;
    app.drop().await;
}

/// A row claimed together with the previous send's result and then not sent (the window
/// closed during the pause) is released: no claim is left behind for a person.
#[tokio::test]
async fn a_row_claimed_ahead_is_released_when_the_batch_stops() {
    let app = TestApp::spawn(seed_day(17, 58)).await;
    let ids = app.campaign(1, 51, 50, 5).await;
    let report = app
        .scheduler_with(SchedulerConfig {
            pacing: MINUTE,
            tick_budget: None,
            ..app.config()
        })
        .tick()
        .await
        .unwrap();
    assert_eq!(
        report.sent, 3,
        "17:58, 17:59, 18:00: {:#?}",
        report.decisions
    );
    assert_eq!(report.count(Event::WindowClosed), 1);
    let claims: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM lmh_envio_intentos WHERE resultado <> 'confirmado'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(claims, 0, "the row claimed ahead was released");
    let mut expected = all(&ids[..3], Expected::Enviado);
    expected.extend(all(&ids[3..], Expected::Pendiente));
    app.assert_invariants_hold(&expected).await;
    app.drop().await;
}

/// Two schedulers with concurrent lanes over the same programaciones: every row at most once,
/// every quota held, every lock released.
#[tokio::test]
async fn two_schedulers_with_lanes_keep_quota_lock_and_at_most_once() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let mut expected = Vec::new();
    for (id, cliente) in [(1, 51), (2, 52), (3, 53), (4, 51)] {
        let ids = app.campaign(id, cliente, 7, 10).await;
        expected.extend(all(&ids[..7], Expected::Enviado));
        expected.extend(all(&ids[7..], Expected::Pendiente));
    }
    let a = app.scheduler_with(SchedulerConfig {
        worker_id: "hub-a".into(),
        ..app.config()
    });
    let b = app.scheduler_with(SchedulerConfig {
        worker_id: "hub-b".into(),
        max_lanes: Some(2),
        ..app.config()
    });
    let mut sent = 0;
    for _ in 0..3 {
        let (ra, rb) = tokio::join!(a.tick(), b.tick());
        sent += ra.unwrap().sent + rb.unwrap().sent;
        app.clock.advance(Duration::from_secs(60));
    }
    assert_eq!(sent, 28);
    for p in 1..=4 {
        assert_eq!(app.counter(p).await, 7, "programación {p}");
    }
    app.assert_invariants_hold(&expected).await;
    app.drop().await;
}

/// With a tick budget, a lane whose next send is due after the budget leaves it to the next
/// tick (pacing carries over), so no tick holds the others for a whole batch.
#[tokio::test]
async fn a_tick_budget_hands_the_rest_of_a_paced_batch_to_the_next_tick() {
    let app = TestApp::spawn(seed_day(10, 0)).await;
    let start = app.clock.now();
    let ids = app.campaign(1, 51, 50, 4).await;
    let scheduler = app.scheduler_with(SchedulerConfig {
        pacing: MINUTE,
        tick_budget: Some(Duration::from_secs(60)),
        ..app.config()
    });
    let first = scheduler.tick().await.unwrap();
    // 10:00 and 10:01 fit the budget; 10:02 is the next tick's.
    assert_eq!(first.sent, 2, "{:#?}", first.decisions);
    assert_eq!(first.count(Event::PacedToNextTick), 1);
    assert_eq!(first.count(Event::Stuck), 0);
    app.clock.advance(Duration::from_secs(60));
    let second = scheduler.tick().await.unwrap();
    assert_eq!(second.sent, 2, "{:#?}", second.decisions);
    let offsets: Vec<i64> = delivery_times(&app, 51)
        .iter()
        .map(|t| (*t - start).num_seconds())
        .collect();
    assert_eq!(offsets, vec![0, 60, 120, 180], "paced across ticks");
    app.assert_invariants_hold(&all(&ids, Expected::Enviado))
        .await;
    app.drop().await;
}
