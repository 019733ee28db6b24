//! Sessions that cannot be read, named the way a person would: a refused connection, a
//! drifted provider, a server without GET /status.

use super::*;

#[tokio::test]
async fn the_seed_incident_on_a_closed_port_names_the_refused_connection_and_the_url() {
    let (db, pool) = seed().await;
    let url = closed_port_url();
    // Rows that arrived a minute ago: stuck anyway, because no tick can ever send them.
    date_rows(&db, seed_day(12, 47)).await;
    let found = doctor::examine(
        &pool,
        &client(&url),
        at(12, 48),
        DEFAULT_TZ,
        &StuckOptions::default(),
    )
    .await
    .unwrap();
    let next = found.next.as_ref().unwrap();
    for id in [1, 39, 40] {
        assert_eq!(
            line(next, id),
            format!(
                "would skip: cliente 51's session cannot be read: the session-manager at {url} refuses connections"
            )
        );
    }
    assert_eq!(found.stuck.len(), 3);
    for s in &found.stuck {
        assert!(matches!(
            &s.cause,
            StuckCause::SessionUnreadable { kind: "transport", base_url, .. } if *base_url == url
        ));
        assert!(s.diagnosis.contains("every tick aborts before sending"));
    }
    let lines = found.diagnosis();
    assert_eq!(
        lines[1],
        "3 approved programaciones of cliente 51 (1, 39, 40) are in window with 15 pendientes and quota left"
    );
    assert_eq!(
        lines[2],
        format!(
            "the session-manager at {url} refuses connections: every tick aborts before sending, so rows stay pendiente"
        )
    );
    assert!(
        lines[3].starts_with("what to do: nothing answers there: point SESSION_MANAGER_BASE_URL"),
        "{lines:#?}"
    );
    assert_eq!(lines.len(), 4, "{lines:#?}");

    let mut report = Report::new("lmh doctor");
    report.extend(found.checks());
    assert!(!report.passed());
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "session cliente 51",
            "programación 1",
            "programación 39",
            "programación 40"
        ]
    );
    let session = &report
        .checks
        .iter()
        .find(|c| c.name == "session cliente 51")
        .unwrap();
    assert_eq!(session.area, "scheduler");
    assert!(session.summary.contains(&url), "{}", session.summary);
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_drifted_v2_provider_is_named_as_a_protocol_error() {
    let (db, pool) = seed().await;
    let mock = MockSessionManager::start_with(MockConfig {
        profile: Profile::V2,
        ..MockConfig::default()
    })
    .await
    .unwrap();
    mock.set_state(51, SessionState::Ready);
    let next = doctor::next_tick(&pool, &client(&mock.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    let stuck = doctor::stuck(&next, &StuckOptions::default());
    assert_eq!(stuck.len(), 3);
    assert!(matches!(
        stuck[0].cause,
        StuckCause::SessionUnreadable {
            kind: "protocol",
            ..
        }
    ));
    let schema = doctor::probe_schema(&pool).await.unwrap();
    let lines = doctor::diagnosis(&schema, Some(&next), &stuck);
    assert_eq!(
        lines[2],
        format!(
            "the session-manager at {} answers GET /status outside the v1 contract (protocol error): every tick aborts before sending, so rows stay pendiente",
            mock.uri()
        )
    );
    assert!(
        lines[3].contains("v2 answers {status} instead of {state}"),
        "{lines:#?}"
    );
    // The READY the v2 provider reports is never taken for the v1 READY.
    assert!(!next.sessions[&51].is_ready());
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn a_server_without_get_status_is_named_as_route_missing() {
    let (db, pool) = seed().await;
    // Something answers on the port, but has no /status: every route is 404.
    let server = wiremock::MockServer::start().await;
    let next = doctor::next_tick(&pool, &client(&server.uri()), at(12, 48), DEFAULT_TZ)
        .await
        .unwrap();
    let stuck = doctor::stuck(&next, &StuckOptions::default());
    assert_eq!(stuck.len(), 3);
    assert!(matches!(
        &stuck[0].cause,
        StuckCause::SessionUnreadable { kind: "route_missing", phrase, .. }
            if phrase == "answers 404 to GET /status (route missing)"
    ));
    assert!(
        stuck[0]
            .diagnosis
            .contains("/api/session-manager/sessions/sender_N"),
        "{}",
        stuck[0].diagnosis
    );
    assert_eq!(
        line(&next, 40),
        format!(
            "would skip: cliente 51's session cannot be read: the session-manager at {} answers 404 to GET /status (route missing)",
            server.uri()
        )
    );
    db.drop_database().await.unwrap();
}
