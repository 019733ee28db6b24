//! `doctor` and the scheduler share the gates: on the same database at the same instant, what
//! doctor's next-tick preview says each programación would do is what one scheduler tick
//! does. Each world puts several programaciones (each its own campaign and client, so they
//! do not interfere) in one scratch database with a mock session-manager; the preview runs
//! read-only first, then one tick at the same virtual time, and every programación's verdict
//! ("would send N, mark M error" or "would skip: <reason>") must be what the tick did (sent N,
//! marked M error, or the event of the same skip, in the same words).

use crate::helpers::{TestApp, execute_unchecked, seed_day};

use chrono::{Duration, NaiveDate};
use lmh::db::connect_read_only;
use lmh::doctor::{self, NextTick, Verdict};
use lmh::domain::{DEFAULT_TZ, Gate, ResultadoIntento, Skip, local_to_utc};
use lmh::mock::{Fault, FaultKind};
use lmh::scheduler::{Event, TickReport};
use lmh::session::SessionState;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// When every world is judged: Tuesday 2026-01-13 at 12:00 in Buenos Aires.
const NOON: (u32, u32) = (12, 0);

/// The seed day, as the counters and dates are written.
fn today() -> NaiveDate {
    seed_day(0, 0).date()
}

/// A programación's dates.
#[derive(Debug, Clone, Copy)]
enum Dates {
    /// Since 2026-01-01, open-ended.
    Open,
    /// Exactly today.
    OnlyToday,
    /// From tomorrow.
    Future,
    /// Ended yesterday.
    Ended,
}

/// A programación's hours, against noon.
#[derive(Debug, Clone, Copy)]
enum Hours {
    /// 09:00–18:00.
    Around,
    /// 12:00–12:30: opens at noon.
    OpensNow,
    /// 08:00–12:00: closes at noon, noon included.
    ClosesNow,
    /// 13:00–18:00.
    Later,
    /// 18:00–09:00: inverted, holds nothing.
    Inverted,
}

/// The client's session, as the session-manager answers for it.
#[derive(Debug, Clone, Copy)]
enum Session {
    /// `/status` answers this state.
    State(SessionState),
    /// `/status` answers 500 for this client.
    Failing,
    /// `cliente_id` 0: no session can be asked.
    NoClient,
}

/// The campaign's estado, or no campaign at all (an orphan programación).
#[derive(Debug, Clone, Copy)]
enum Campaign {
    Estado(&'static str),
    Missing,
}

/// One `ll_envios_whatsapp` row of the campaign.
#[derive(Debug, Clone, Copy)]
enum Row {
    Valid,
    NoPhone,
    BadPhone,
    NoText,
    /// `pendiente`, held by a claim in this state.
    Claimed(ResultadoIntento),
    /// Already `enviado`.
    Sent,
}

/// One programación and everything the gates read about it.
#[derive(Debug, Clone)]
struct Case {
    dates: Dates,
    dias_semana: &'static str,
    hours: Hours,
    cupo_diario: i64,
    enviados_hoy: i64,
    session: Session,
    campaign: Campaign,
    rows: Vec<Row>,
}

/// Everything passes: 3 valid rows, quota 5.
fn sends() -> Case {
    Case {
        dates: Dates::Open,
        dias_semana: "mon,tue,wed,thu,fri",
        hours: Hours::Around,
        cupo_diario: 5,
        enviados_hoy: 0,
        session: Session::State(SessionState::Ready),
        campaign: Campaign::Estado("en_progreso"),
        rows: vec![Row::Valid; 3],
    }
}

/// A table of worlds: the all-pass case, each gate failing in turn, two gates failing at once
/// (the earlier one in the order wins), boundaries, and rows of every kind.
fn table() -> Vec<Vec<Case>> {
    vec![each_gate_failing(), two_at_once(), boundaries_and_rows()]
}

/// The all-pass case, then each gate failing alone.
fn each_gate_failing() -> Vec<Case> {
    let s = sends;
    vec![
        s(),
        Case {
            dates: Dates::Future,
            ..s()
        },
        Case {
            dates: Dates::Ended,
            ..s()
        },
        Case {
            dias_semana: "mon,wed",
            ..s()
        },
        Case {
            dias_semana: "lunes,martes",
            ..s()
        },
        Case {
            hours: Hours::Later,
            ..s()
        },
        Case {
            hours: Hours::Inverted,
            ..s()
        },
        Case {
            enviados_hoy: 5,
            ..s()
        },
        Case {
            cupo_diario: 0,
            ..s()
        },
        Case {
            session: Session::State(SessionState::QrRequired),
            ..s()
        },
        Case {
            session: Session::State(SessionState::DisconnectedBanned),
            ..s()
        },
        Case {
            session: Session::Failing,
            ..s()
        },
        Case {
            session: Session::NoClient,
            ..s()
        },
        Case {
            campaign: Campaign::Estado("finalizado"),
            ..s()
        },
        Case {
            campaign: Campaign::Estado("pendiente"),
            ..s()
        },
        Case {
            campaign: Campaign::Missing,
            ..s()
        },
        Case {
            rows: vec![],
            ..s()
        },
        Case {
            rows: vec![Row::Sent, Row::Claimed(ResultadoIntento::EnCurso)],
            ..s()
        },
    ]
}

/// Two gates failing at once: the earlier in the order is the one reported.
fn two_at_once() -> Vec<Case> {
    let s = sends;
    vec![
        // The quota is judged before the session, the window before the quota.
        Case {
            enviados_hoy: 9,
            session: Session::Failing,
            ..s()
        },
        Case {
            enviados_hoy: 9,
            session: Session::State(SessionState::QrRequired),
            ..s()
        },
        Case {
            hours: Hours::Later,
            enviados_hoy: 9,
            ..s()
        },
        Case {
            dias_semana: "sun",
            hours: Hours::Later,
            ..s()
        },
        Case {
            session: Session::State(SessionState::AuthFailure),
            campaign: Campaign::Missing,
            ..s()
        },
        Case {
            campaign: Campaign::Estado("finalizado"),
            rows: vec![],
            ..s()
        },
        Case {
            dates: Dates::Future,
            session: Session::Failing,
            ..s()
        },
    ]
}

/// Boundaries of dates, hours and quota, and rows of every kind.
fn boundaries_and_rows() -> Vec<Case> {
    let s = sends;
    vec![
        Case {
            dates: Dates::OnlyToday,
            hours: Hours::OpensNow,
            ..s()
        },
        Case {
            dias_semana: " Tue ,sat",
            hours: Hours::ClosesNow,
            ..s()
        },
        Case {
            cupo_diario: 2,
            enviados_hoy: 1,
            ..s()
        },
        Case {
            rows: vec![
                Row::NoPhone,
                Row::Valid,
                Row::BadPhone,
                Row::NoText,
                Row::Valid,
            ],
            cupo_diario: 1,
            ..s()
        },
        Case {
            rows: vec![Row::NoPhone, Row::BadPhone, Row::NoText],
            ..s()
        },
        Case {
            rows: vec![
                Row::Claimed(ResultadoIntento::Desconocido),
                Row::Claimed(ResultadoIntento::Reintentar),
                Row::Valid,
                Row::Sent,
            ],
            ..s()
        },
        Case {
            rows: vec![Row::Claimed(ResultadoIntento::Desconocido); 2],
            ..s()
        },
    ]
}

#[tokio::test]
async fn doctor_previews_what_the_scheduler_does_gate_by_gate() {
    let mut judged = Vec::new();
    for world in table() {
        judged.extend(agree(&world).await);
    }
    // The table reaches every gate, and the all-pass case.
    for gate in Gate::ORDER {
        assert!(judged.contains(&Some(gate)), "no case skips at {gate:?}");
    }
    assert!(judged.contains(&None), "no case sends");
}

/// Worlds drawn from every combination of facts agree too.
#[test]
fn doctor_agrees_with_the_scheduler_on_generated_worlds() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 6,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(case(), 1..6), |world| {
            rt.block_on(agree(&world));
            Ok(())
        })
        .unwrap();
}

fn case() -> impl Strategy<Value = Case> {
    let dates = prop_oneof![
        4 => Just(Dates::Open),
        1 => Just(Dates::OnlyToday),
        1 => Just(Dates::Future),
        1 => Just(Dates::Ended),
    ];
    let days = prop_oneof![
        4 => Just("mon,tue,wed,thu,fri"),
        1 => Just("TUE"),
        1 => Just("sun,sat"),
        1 => Just("martes"),
    ];
    let hours = prop_oneof![
        4 => Just(Hours::Around),
        1 => Just(Hours::OpensNow),
        1 => Just(Hours::ClosesNow),
        1 => Just(Hours::Later),
        1 => Just(Hours::Inverted),
    ];
    let session = prop_oneof![
        5 => Just(Session::State(SessionState::Ready)),
        2 => prop::sample::select(&SessionState::ALL[1..]).prop_map(Session::State),
        1 => Just(Session::Failing),
        1 => Just(Session::NoClient),
    ];
    let campaign = prop_oneof![
        5 => Just(Campaign::Estado("en_progreso")),
        1 => Just(Campaign::Estado("pendiente")),
        1 => Just(Campaign::Estado("finalizado")),
        1 => Just(Campaign::Missing),
    ];
    let row = prop_oneof![
        5 => Just(Row::Valid),
        1 => Just(Row::NoPhone),
        1 => Just(Row::BadPhone),
        1 => Just(Row::NoText),
        1 => Just(Row::Sent),
        1 => prop::sample::select(ResultadoIntento::ALL).prop_map(Row::Claimed),
    ];
    (
        (dates, days, hours),
        (0..4i64, 0..5i64),
        (session, campaign),
        prop::collection::vec(row, 0..5),
    )
        .prop_map(
            |(
                (dates, dias_semana, hours),
                (cupo_diario, enviados_hoy),
                (session, campaign),
                rows,
            )| {
                Case {
                    dates,
                    dias_semana,
                    hours,
                    cupo_diario,
                    enviados_hoy,
                    session,
                    campaign,
                    rows,
                }
            },
        )
}

/// Build the world, preview it, tick once at the same instant, and assert both agree on
/// every programación. Returns the gate each one was held back by (`None`: it sent).
async fn agree(world: &[Case]) -> Vec<Option<Gate>> {
    let app = TestApp::spawn(seed_day(NOON.0, NOON.1)).await;
    for (i, case) in world.iter().enumerate() {
        build(&app, i, case).await;
    }
    let now = local_to_utc(DEFAULT_TZ, seed_day(NOON.0, NOON.1)).unwrap();
    let reader = connect_read_only(&crate::doctor::database_url(&app.db))
        .await
        .unwrap();
    let next = doctor::next_tick(&reader, &app.client(), now, DEFAULT_TZ)
        .await
        .unwrap();
    reader.close().await;
    let tick = app.scheduler().tick().await.unwrap();
    let judged = (0..world.len())
        .map(|i| same(&next, &tick, programacion_id(i), &world[i]))
        .collect();
    app.drop().await;
    judged
}

/// The preview of one programación equals what the tick did for it.
fn same(next: &NextTick, tick: &TickReport, id: i64, case: &Case) -> Option<Gate> {
    let preview = next
        .programacion(id)
        .unwrap_or_else(|| panic!("programación {id} previewed"));
    let did: Vec<_> = tick
        .decisions
        .iter()
        .filter(|d| d.programacion_id == Some(id))
        .collect();
    let count = |e: Event| did.iter().filter(|d| d.event == e).count() as i64;
    let context = format!(
        "programación {id} {case:?}: previewed {:?}, ticked {did:#?}",
        preview.verdict
    );
    match &preview.verdict {
        Verdict::WouldSend { rows, to_error } => {
            assert_eq!(count(Event::Sent), *rows, "{context}");
            assert_eq!(count(Event::RecipientError), *to_error, "{context}");
            assert!(
                did.iter()
                    .all(|d| matches!(d.event, Event::Sent | Event::RecipientError)),
                "{context}"
            );
            None
        }
        Verdict::WouldSkip(skip) => {
            match Event::of_skip(skip) {
                // Not taken by the tick at all.
                None => assert!(did.is_empty(), "{context}"),
                Some(event) => {
                    assert_eq!(did.len(), 1, "{context}");
                    assert_eq!(did[0].event, event, "{context}");
                    assert!(same_words(skip, &did[0].detail), "{context}");
                }
            }
            Some(skip.gate())
        }
        Verdict::Unreadable(why) => panic!("{context}: unreadable {why}"),
    }
}

/// Whether the tick's words for a skip are doctor's: the same sentence, except where doctor
/// knows more (its reading of an unreachable session-manager).
fn same_words(skip: &Skip, detail: &str) -> bool {
    match skip {
        Skip::SessionUnreadable { cliente_id, .. } => {
            detail.starts_with(&format!("cliente {cliente_id}'s session cannot be read: "))
        }
        _ => skip.to_string() == detail,
    }
}

fn programacion_id(i: usize) -> i64 {
    i as i64 + 1
}

/// Programación `i` of the world, its campaign `i + 1` of client `100 + i`, its rows, counter
/// and session.
async fn build(app: &TestApp, i: usize, case: &Case) {
    let id = programacion_id(i);
    let cliente = match case.session {
        Session::NoClient => 0,
        _ => 100 + id,
    };
    match case.session {
        Session::State(state) => app.mock.set_state(cliente as u64, state),
        Session::Failing => app
            .mock
            .inject(Fault::on("status", FaultKind::Status(500, None)).for_client(cliente as u64)),
        Session::NoClient => {}
    }
    if let Campaign::Estado(estado) = case.campaign {
        sqlx::query("INSERT INTO ll_campanias_whatsapp (id, nombre, mensaje, estado, cliente_id) VALUES (?, 'c', 'Hola', ?, ?)")
            .bind(id).bind(estado).bind(cliente)
            .execute(app.pool()).await.unwrap();
    }
    insert_programacion(app, id, cliente, case).await;
    for (fecha, enviados) in [
        (today(), case.enviados_hoy),
        (today() - Duration::days(1), 99),
    ] {
        sqlx::query("INSERT INTO ll_programacion_envios_diarios (programacion_id, fecha, enviados) VALUES (?, ?, ?)")
            .bind(id).bind(fecha).bind(enviados)
            .execute(app.pool()).await.unwrap();
    }
    if matches!(case.campaign, Campaign::Missing) {
        return;
    }
    for (n, row) in case.rows.iter().enumerate() {
        insert_row(app, id, n, *row).await;
    }
}

async fn insert_programacion(app: &TestApp, id: i64, cliente: i64, case: &Case) {
    let (inicio, fin) = match case.dates {
        Dates::Open => ("2026-01-01", None),
        Dates::OnlyToday => ("2026-01-13", Some("2026-01-13")),
        Dates::Future => ("2026-01-14", None),
        Dates::Ended => ("2025-12-01", Some("2026-01-12")),
    };
    let (desde, hasta) = match case.hours {
        Hours::Around => ("09:00:00", "18:00:00"),
        Hours::OpensNow => ("12:00:00", "12:30:00"),
        Hours::ClosesNow => ("08:00:00", "12:00:00"),
        Hours::Later => ("13:00:00", "18:00:00"),
        Hours::Inverted => ("18:00:00", "09:00:00"),
    };
    // A programación of a missing campaign is an orphan the foreign key refuses today.
    let insert = sqlx::query(
        "INSERT INTO ll_programaciones (id, campania_id, cliente_id, dias_semana, hora_inicio, hora_fin, cupo_diario, fecha_inicio, fecha_fin, estado)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'aprobada')",
    )
    .bind(id).bind(id).bind(cliente).bind(case.dias_semana).bind(desde).bind(hasta)
    .bind(case.cupo_diario).bind(inicio).bind(fin);
    execute_unchecked(app.pool(), insert).await;
}

/// Row `n` of campaign `id`, oldest first.
async fn insert_row(app: &TestApp, id: i64, n: usize, row: Row) {
    let phone = format!("54911{:08}", id * 1000 + n as i64);
    let (telefono, mensaje, estado) = match row {
        Row::Valid | Row::Claimed(_) => (Some(phone), Some("Hola 👋"), "pendiente"),
        Row::NoPhone => (None, Some("Hola"), "pendiente"),
        Row::BadPhone => (Some(format!("+{phone}")), Some("Hola"), "pendiente"),
        Row::NoText => (Some(phone), Some("  "), "pendiente"),
        Row::Sent => (Some(phone), Some("Hola"), "enviado"),
    };
    let envio = sqlx::query("INSERT INTO ll_envios_whatsapp (campania_id, telefono_wapp, mensaje_final, estado) VALUES (?, ?, ?, ?)")
        .bind(id).bind(telefono).bind(mensaje).bind(estado)
        .execute(app.pool()).await.unwrap()
        .last_insert_id();
    if let Row::Claimed(resultado) = row {
        sqlx::query("INSERT INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at, intentos, resultado) VALUES (?, ?, 'another-worker', ?, 1, ?)")
            .bind(envio).bind(id).bind(seed_day(11, 0)).bind(resultado.as_str())
            .execute(app.pool()).await.unwrap();
    }
}
