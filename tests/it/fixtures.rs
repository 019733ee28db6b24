//! Fixtures: every file in fixtures/ loads and inserts into a real scratch database with the
//! right rows; broken fixtures are refused with the file, the line and the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lmh::db::{self, EstadoProgramacion, ScratchDb};
use lmh::fixtures::{self, Expect, Fixture, FixtureError};
use lmh::session::SessionState;
use sqlx::{AssertSqlSafe, MySqlPool};

use crate::helpers::server_url;

/// id, campania_id, telefono_wapp, mensaje_final, estado as read back.
type EnvioRow = (i32, i32, Option<String>, Option<String>, String);

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

async fn count(pool: &MySqlPool, table: &str) -> usize {
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(pool)
        .await
        .unwrap();
    n as usize
}

#[tokio::test]
async fn every_fixture_loads_and_inserts_with_matching_rows() {
    let all = fixtures::load_dir(fixtures_dir()).expect("fixtures/ loads");
    let names: Vec<String> = all.iter().map(|f| f.name()).collect();
    for expected in [
        "gates",
        "happy-path",
        "quotas",
        "seed-incident",
        "sessions-not-ready",
        "text-and-phones",
        "windows",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "load_dir returns files in name order");

    for fixture in &all {
        let what = fixture.file.display().to_string();
        assert!(!fixture.description.is_empty(), "{what}");
        assert!(!fixture.envios.is_empty(), "{what} has no envios");
        assert!(fixture.end > fixture.start, "{what}");

        let scratch = ScratchDb::create(&server_url()).await.expect("scratch db");
        let outcome = async {
            fixtures::insert(fixture, &scratch).await?;
            assert_inserted(fixture, scratch.pool()).await;
            Ok::<(), FixtureError>(())
        }
        .await;
        let dropped = scratch.drop_database().await;
        outcome.unwrap_or_else(|e| panic!("{e}"));
        dropped.expect("drop");
    }
}

/// Every table holds the fixture's rows, as written.
async fn assert_inserted(fixture: &Fixture, pool: &MySqlPool) {
    let what = fixture.file.display().to_string();
    let counts = [
        (
            count(pool, "ll_campanias_whatsapp").await,
            fixture.campaigns.len(),
        ),
        (
            count(pool, "ll_programaciones").await,
            fixture.programaciones.len(),
        ),
        (
            count(pool, "ll_programacion_envios_diarios").await,
            fixture.envios_diarios.len(),
        ),
        (
            count(pool, "ll_envios_whatsapp").await,
            fixture.envios.len(),
        ),
        (
            count(pool, "ll_envios_whatsapp_historial").await,
            fixture.envios.len(),
        ),
    ];
    assert!(
        counts.iter().all(|(got, want)| got == want),
        "{what}: {counts:?}"
    );
    assert_envios_as_written(fixture, pool, &what).await;
    assert_programaciones_as_written(fixture, pool, &what).await;
}

/// Each row: id, campaign, phone, the text byte for byte, `pendiente`, and its creation in
/// the historial.
async fn assert_envios_as_written(fixture: &Fixture, pool: &MySqlPool, what: &str) {
    let rows: Vec<EnvioRow> = sqlx::query_as(
        "SELECT id, campania_id, telefono_wapp, mensaje_final, estado FROM ll_envios_whatsapp ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut expected: Vec<_> = fixture.envios.iter().collect();
    expected.sort_by_key(|e| e.id);
    for (row, e) in rows.iter().zip(&expected) {
        assert_eq!(row.0, e.id, "{what}");
        assert_eq!(row.1, e.campania_id, "{what} {}", e.origin);
        assert_eq!(row.2, e.telefono_wapp, "{what} {}", e.origin);
        assert_eq!(
            row.3.as_deref().map(str::as_bytes),
            e.mensaje_final.as_deref().map(str::as_bytes),
            "{what} {}",
            e.origin
        );
        assert_eq!(row.4, "pendiente", "{what} {}", e.origin);
    }
    let creation_rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ll_envios_whatsapp_historial WHERE estado_anterior IS NULL AND estado_nuevo = 'pendiente' AND origen = ?",
    )
    .bind(fixtures::HISTORIAL_ORIGEN)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(creation_rows as usize, fixture.envios.len(), "{what}");
}

/// Each programación: weekdays as written, its window's start, its estado.
async fn assert_programaciones_as_written(fixture: &Fixture, pool: &MySqlPool, what: &str) {
    let progs: Vec<(i32, String, String, String)> = sqlx::query_as(
        "SELECT id, dias_semana, CAST(hora_inicio AS CHAR), estado FROM ll_programaciones ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut want: Vec<_> = fixture.programaciones.iter().collect();
    want.sort_by_key(|p| p.id);
    for (row, p) in progs.iter().zip(want) {
        assert_eq!(
            (row.0, row.1.as_str(), row.2.as_str(), row.3.as_str()),
            (
                p.id,
                p.dias_semana.as_str(),
                p.hora_inicio.format("%H:%M:%S").to_string().as_str(),
                p.estado.as_str()
            ),
            "{what}"
        );
    }
}

#[test]
fn fixtures_say_what_the_issue_asks() {
    let load =
        |name: &str| fixtures::load(fixtures_dir().join(name)).unwrap_or_else(|e| panic!("{e}"));

    let seed = load("seed-incident.yaml");
    let ids: Vec<i32> = seed.programaciones.iter().map(|p| p.id).collect();
    assert_eq!(ids, [1, 39, 40]);
    assert!(
        seed.programaciones
            .iter()
            .all(|p| p.cliente_id == 51 && p.estado == EstadoProgramacion::Aprobada)
    );
    assert_eq!(seed.sessions, BTreeMap::from([(51, SessionState::Ready)]));
    assert!(seed.envios.iter().all(|e| e.expect == Expect::Enviado));

    let quotas = load("quotas.yaml");
    assert!(!quotas.envios_diarios.is_empty());
    assert!(quotas.expecting(Expect::Pendiente).count() > 0);
    assert!(quotas.expecting(Expect::Enviado).count() > 0);

    let sessions = load("sessions-not-ready.yaml");
    for state in [
        SessionState::QrRequired,
        SessionState::DisconnectedBanned,
        SessionState::Initializing,
    ] {
        assert!(
            sessions.sessions.values().any(|s| *s == state),
            "{state} missing"
        );
    }
    // Every row of a client that is not READY expects pendiente.
    for e in &sessions.envios {
        let camp = sessions
            .campaigns
            .iter()
            .find(|c| c.id == e.campania_id)
            .unwrap();
        let state = sessions.sessions[&camp.cliente_id.unwrap()];
        assert_eq!(
            e.expect == Expect::Enviado,
            state.can_send(),
            "{}",
            e.origin
        );
    }

    let text = load("text-and-phones.yaml");
    assert!(
        text.envios
            .iter()
            .any(|e| e.telefono_wapp.is_none() && e.expect == Expect::Error)
    );
    assert!(text.envios.iter().any(|e| {
        lmh::domain::check_phone(e.telefono_wapp.as_deref()) == lmh::domain::PhoneCheck::Invalid
            && e.expect == Expect::Error
    }));
    for e in text.expecting(Expect::Enviado) {
        assert!(e.sendable(), "{}", e.origin);
    }
    for e in text.envios.iter().filter(|e| !e.sendable()) {
        assert_ne!(e.expect, Expect::Enviado, "{}", e.origin);
    }
    let nfd = text.envios.iter().find(|e| e.id == 3).unwrap();
    assert!(
        nfd.mensaje_final.as_deref().unwrap().contains("e\u{301}"),
        "NFD kept as written"
    );

    // Generated rows: ids after the explicit ones, unique phones.
    let happy = load("happy-path.yaml");
    let ids: Vec<i32> = happy.envios.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=22).collect::<Vec<_>>());
}

/// Write `text` to a temp file and load it, expecting an error.
fn load_bad(text: &str) -> (PathBuf, FixtureError, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, text).unwrap();
    let err = fixtures::load(&path).expect_err("a bad fixture must not load");
    (path, err, dir)
}

/// The error names the file and the line, and says why.
fn assert_error(text: &str, line: usize, reason_parts: &[&str]) -> FixtureError {
    let (path, err, _dir) = load_bad(text);
    let msg = err.to_string();
    if std::env::var_os("LMH_SHOW_ERRORS").is_some() {
        eprintln!("{msg}");
    }
    assert_eq!(err.file(), path.as_path(), "{msg}");
    assert!(
        msg.starts_with(&format!("{}:{line}", path.display())),
        "line {line} expected: {msg}"
    );
    assert_eq!(err.line(), Some(line), "{msg}");
    for part in reason_parts {
        assert!(msg.contains(part), "{part:?} missing from: {msg}");
    }
    err
}

const HEAD: &str = "description: bad fixture\nstart: \"2026-01-13T08:55:00\"\nsessions:\n  51: READY\ncampaigns:\n  - {id: 1, nombre: \"c\", mensaje: \"m\", estado: en_progreso, cliente_id: 51}\n";
// HEAD is lines 1-6; what follows starts on line 7.

const PROG: &str = "programaciones:\n  - {id: 1, campania_id: 1, cliente_id: 51, dias_semana: \"mon\", hora_inicio: \"09:00\", hora_fin: \"18:00\", fecha_inicio: \"2026-01-01\", estado: aprobada}\n";

#[test]
fn malformed_yaml_is_refused_with_its_line() {
    let text = format!("{HEAD}envios:\n  - id: 1\n    campania_id: 1: 2\n    expect: pendiente\n");
    let err = assert_error(&text, 9, &["mapping values are not allowed"]);
    assert!(matches!(err, FixtureError::Parse { .. }), "{err:?}");
    let text = format!("{HEAD}envios:\n  - {{id: 1, campania_id: 1, expect: pendiente]\n");
    let err = assert_error(&text, 8, &[]);
    assert!(matches!(err, FixtureError::Parse { .. }), "{err:?}");
    let text = "description: x\nstart: [unclosed\n";
    let (_, err, _d) = load_bad(text);
    assert!(
        matches!(err, FixtureError::Parse { line: Some(_), .. }),
        "{err:?}"
    );
}

#[test]
fn unknown_keys_are_refused() {
    let text = format!(
        "{HEAD}programaciones:\n  - id: 1\n    campania_id: 1\n    cliente_id: 51\n    dias_semana: mon\n    hora_inicio: \"09:00\"\n    hora_fin: \"18:00\"\n    fecha_inicio: \"2026-01-01\"\n    cupo_diaro: 10\n"
    );
    assert_error(
        &text,
        15,
        &["unknown field `cupo_diaro`", "programaciones[0]"],
    );
    let text = format!("{HEAD}expected_sends: 3\n");
    assert_error(&text, 7, &["unknown field `expected_sends`"]);
}

#[test]
fn bad_state_names_are_refused() {
    let text =
        "description: x\nstart: \"2026-01-13T08:55:00\"\nsessions:\n  51: READY\n  52: CONNECTED\n";
    assert_error(text, 5, &["CONNECTED", "READY", "QR_REQUIRED"]);
    let text = HEAD.replace("en_progreso", "en_curso");
    assert_error(&text, 6, &["en_curso", "en_progreso"]);
    let text = format!("{HEAD}{}", PROG.replace("aprobada", "aprobado"));
    assert_error(&text, 8, &["aprobado", "aprobada"]);
    let text = format!("{HEAD}envios:\n  - {{campania_id: 1, generate: 2, expect: sent}}\n");
    assert_error(&text, 8, &["sent", "enviado"]);
}

#[test]
fn bad_weekdays_are_refused() {
    let text = format!("{HEAD}{}", PROG.replace("\"mon\"", "\"lun,mar\""));
    assert_error(&text, 8, &["\"lun\" is not a weekday", "sun, mon"]);
    let text = format!("{HEAD}{}", PROG.replace("\"mon\"", "\"mon,Tue\""));
    assert_error(&text, 8, &["\"Tue\""]);
    let text = format!("{HEAD}{}", PROG.replace("\"mon\"", "\"mon,mon\""));
    assert_error(&text, 8, &["twice"]);
    // Block style: the error points at the field's own line, not the item's.
    let text = format!(
        "{HEAD}programaciones:\n  - id: 1\n    campania_id: 1\n    cliente_id: 51\n    dias_semana: \"mon,tue,thurs\"\n    hora_inicio: \"09:00\"\n    hora_fin: \"18:00\"\n    fecha_inicio: \"2026-01-01\"\n"
    );
    assert_error(
        &text,
        11,
        &[
            "programaciones[0].dias_semana",
            "\"thurs\" is not a weekday",
        ],
    );
    let text = text
        .replace("\"mon,tue,thurs\"", "mon")
        .replace("\"18:00\"", "\"6pm\"");
    assert_error(
        &text,
        13,
        &["programaciones[0].hora_fin", "\"6pm\" is not a time of day"],
    );
}

#[test]
fn dangling_references_are_refused_with_the_items_line() {
    let text = format!(
        "{HEAD}{PROG}envios:\n  - {{id: 1, campania_id: 1, telefono_wapp: \"5491100000001\", mensaje_final: \"a\", expect: enviado}}\n  - id: 2\n    # a comment in between\n    campania_id: 9\n    telefono_wapp: \"5491100000002\"\n    mensaje_final: \"b\"\n    expect: enviado\n"
    );
    let err = assert_error(
        &text,
        13,
        &[
            "envios[1].campania_id",
            "campaign 9 does not exist",
            "campaigns: 1",
        ],
    );
    assert!(matches!(err, FixtureError::Invalid { .. }), "{err:?}");

    let text = format!("{HEAD}{}", PROG.replace("campania_id: 1", "campania_id: 2"));
    assert_error(
        &text,
        8,
        &["programaciones[0].campania_id", "campaign 2 does not exist"],
    );
    let text = format!("{HEAD}{}", PROG.replace("cliente_id: 51", "cliente_id: 15"));
    assert_error(
        &text,
        8,
        &["programaciones[0].cliente_id", "no entry in `sessions`"],
    );
    let text = format!(
        "{HEAD}{PROG}envios_diarios:\n  - {{programacion_id: 7, fecha: \"2026-01-13\", enviados: 1}}\n"
    );
    assert_error(
        &text,
        10,
        &[
            "envios_diarios[0].programacion_id",
            "programación 7 does not exist",
        ],
    );
}

#[test]
fn duplicate_ids_are_refused() {
    let text = format!("{HEAD}  - {{id: 1, nombre: \"otra\", mensaje: \"m\"}}\n");
    assert_error(&text, 7, &["campaigns[1].id", "duplicate campaign id 1"]);
    let text = format!(
        "{HEAD}envios:\n  - {{id: 4, campania_id: 1, expect: pendiente}}\n  - {{id: 5, campania_id: 1, expect: pendiente}}\n  - {{id: 4, campania_id: 1, expect: pendiente}}\n"
    );
    assert_error(&text, 10, &["envios[2].id", "duplicate envio id 4"]);
    let text = format!("{HEAD}{PROG}{}", PROG.replace("programaciones:\n", ""));
    assert_error(
        &text,
        9,
        &["programaciones[1].id", "duplicate programación id 1"],
    );
    let text = format!(
        "{HEAD}envios:\n  - {{campania_id: 1, telefono_wapp: \"5491100000001\", expect: pendiente}}\n  - {{campania_id: 1, telefono_wapp: \"5491100000001\", expect: pendiente}}\n"
    );
    assert_error(&text, 9, &["envios[1].telefono_wapp", "UNIQUE"]);
}

#[test]
fn other_inconsistencies_are_refused() {
    let text = format!("{HEAD}{}", PROG.replace("\"18:00\"", "\"08:00\""));
    assert_error(
        &text,
        8,
        &["hora_inicio 09:00:00 is not before hora_fin 08:00:00"],
    );
    let text =
        format!("{HEAD}envios:\n  - {{campania_id: 1, mensaje_final: \"x\", expect: enviado}}\n");
    assert_error(&text, 8, &["cannot expect enviado", "no phone"]);
    let text = format!(
        "{HEAD}envios:\n  - {{campania_id: 1, telefono_wapp: \"12ab\", mensaje_final: \"x\", expect: enviado}}\n"
    );
    assert_error(
        &text,
        8,
        &["cannot expect enviado", "not a valid WhatsApp number"],
    );
    let text = format!(
        "{HEAD}envios:\n  - {{campania_id: 1, telefono_wapp: 5491100000001, expect: pendiente}}\n"
    );
    assert_error(&text, 8, &["quote it"]);
    let text = HEAD.replace("nombre: \"c\"", "nombre: \"Promo 👋\"");
    assert_error(&text, 6, &["latin1"]);
    let text = format!("{HEAD}end: \"2026-01-13T08:00:00\"\n");
    assert_error(&text, 7, &["not after start"]);
    let text = HEAD.replace("\"2026-01-13T08:55:00\"", "\"2026-01-13T08:55:00Z\"");
    assert_error(&text, 2, &["without a zone offset"]);
    let text = format!("{HEAD}tz: Mars/Olympus\n");
    assert_error(&text, 7, &["unknown time zone"]);
    let text = format!(
        "{HEAD}envios:\n  - {{campania_id: 1, generate: 3, telefono_wapp: \"5491100000001\", expect: pendiente}}\n"
    );
    assert_error(&text, 8, &["generate row takes only"]);
}

#[test]
fn unreadable_paths_and_empty_directories_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = fixtures::load_dir(dir.path()).expect_err("empty dir");
    assert!(matches!(err, FixtureError::EmptyDir { .. }), "{err:?}");
    assert!(err.to_string().contains(&dir.path().display().to_string()));
    let missing = dir.path().join("nope.yaml");
    let err = fixtures::load(&missing).expect_err("missing file");
    assert!(matches!(err, FixtureError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains("nope.yaml"), "{err}");
}

#[tokio::test]
async fn insert_is_all_or_nothing_and_only_into_owned_databases() {
    let fixture = fixtures::load(fixtures_dir().join("happy-path.yaml")).unwrap();
    let scratch = ScratchDb::create(&server_url()).await.expect("scratch db");
    let outcome = async {
        fixtures::insert(&fixture, &scratch)
            .await
            .expect("first insert");
        let pool = scratch.pool();
        let before = count(pool, "ll_envios_whatsapp").await;
        // Same ids again: the envios collide, and the campaign/programación rows written
        // before the collision in the same transaction must not stay either.
        let again = fixtures::insert(&fixture, &scratch).await;
        let after = (
            count(pool, "ll_campanias_whatsapp").await,
            count(pool, "ll_envios_whatsapp").await,
        );
        // With the marker gone the database no longer counts as lmh's: refused, nothing written.
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {}", db::MARKER_TABLE)))
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM ll_campanias_whatsapp")
            .execute(pool)
            .await
            .unwrap();
        let unowned = fixtures::insert(&fixture, &scratch).await;
        let left = count(pool, "ll_campanias_whatsapp").await;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {} (run_id, db_name, created_at, created_by) VALUES (?, ?, NOW(), 'test')",
            db::MARKER_TABLE
        )))
        .bind(scratch.run_id())
        .bind(scratch.name())
        .execute(pool)
        .await
        .unwrap();
        (before, again, after, unowned, left)
    }
    .await;
    scratch.drop_database().await.expect("drop");
    let (before, again, after, unowned, left) = outcome;
    assert_eq!(before, fixture.envios.len());
    let err = again.expect_err("second insert collides");
    assert!(matches!(err, FixtureError::Insert { .. }), "{err:?}");
    assert!(err.to_string().contains("happy-path.yaml"), "{err}");
    assert_eq!(
        after,
        (fixture.campaigns.len(), fixture.envios.len()),
        "partial insert kept"
    );
    let err = unowned.expect_err("insert into an unmarked database");
    assert!(err.to_string().contains("refusing to write"), "{err}");
    assert_eq!(left, 0);
}

#[test]
fn hostile_yaml_is_refused_with_its_line_and_a_bom_is_accepted() {
    // A client repeated in `sessions:` would silently change its state.
    let text = "description: x\nstart: \"2026-01-13T08:55:00\"\nsessions:\n  51: READY\n  52: READY\n  51: QR_REQUIRED\n";
    assert_error(text, 6, &["duplicate", "51"]);
    // Deep nesting: refused before parsing (fast), with a line.
    let deep = format!(
        "description: x\nstart: {}1{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let err = assert_error(&deep, 2, &["nested more than"]);
    assert!(matches!(err, FixtureError::Parse { .. }), "{err:?}");
    // A byte-order mark is what Windows editors write: fine.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.yaml");
    std::fs::write(&path, format!("\u{feff}{HEAD}{PROG}")).unwrap();
    let fixture = fixtures::load(&path).expect("a BOM is accepted");
    assert_eq!(fixture.sessions.len(), 1);
}

#[test]
fn a_fixture_that_would_generate_too_many_rows_is_refused_before_building_them() {
    // 300 x 10,000 = 3 million rows: refused at the entry that crosses the cap.
    let mut text = format!("{HEAD}envios:\n");
    for _ in 0..300 {
        text.push_str("  - {campania_id: 1, generate: 10000, expect: pendiente}\n");
    }
    let over = (fixtures::MAX_FIXTURE_ROWS / 10_000) as usize; // the first entry over the cap
    assert_error(
        &text,
        8 + over,
        &[
            &format!("envios[{over}]"),
            &fixtures::MAX_FIXTURE_ROWS.to_string(),
        ],
    );
}

#[test]
fn text_longer_than_its_column_is_refused_at_validation() {
    let long = "ñ".repeat(40_000); // 80,000 bytes: over TEXT's 65,535
    let text = format!(
        "{HEAD}envios:\n  - {{campania_id: 1, mensaje_final: \"{long}\", expect: pendiente}}\n"
    );
    assert_error(&text, 8, &["envios[0].mensaje_final", "65535 bytes"]);
    let text = HEAD.replace("mensaje: \"m\"", &format!("mensaje: \"{long}\""));
    assert_error(&text, 6, &["campaigns[0].mensaje", "65535 bytes"]);
    let text = format!(
        "{HEAD}envios:\n  - {{campania_id: 1, nombre_destino: \"{}\", expect: pendiente}}\n",
        "a".repeat(256)
    );
    assert_error(&text, 8, &["envios[0].nombre_destino", "255"]);
}

#[test]
fn the_embedded_fixtures_are_exactly_the_files_of_fixtures_dir() {
    let on_disk = fixtures::load_dir(fixtures_dir()).expect("fixtures/ loads");
    let embedded = fixtures::embedded().expect("the embedded fixtures parse");
    let names = |all: &[fixtures::Fixture]| all.iter().map(|f| f.name()).collect::<Vec<_>>();
    assert_eq!(
        names(&embedded),
        names(&on_disk),
        "add the new file to fixtures::EMBEDDED"
    );
    for (name, text) in fixtures::EMBEDDED {
        let disk = std::fs::read_to_string(fixtures_dir().join(name)).unwrap();
        assert_eq!(*text, disk, "{name}");
    }
}

/// A "billion laughs" of aliases is refused with a message that says what to change, and
/// without a `file:?:` position that points nowhere.
#[test]
fn an_alias_bomb_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.yaml");
    let mut text = format!("a: &a [{}]\n", ["x"; 10].join(","));
    for i in 0..8u8 {
        let (prev, this) = ((b'a' + i) as char, (b'b' + i) as char);
        let refs = std::iter::repeat_n(format!("*{prev}"), 10)
            .collect::<Vec<_>>()
            .join(",");
        text.push_str(&format!("{this}: &{this} [{refs}]\n"));
    }
    std::fs::write(&path, text).unwrap();
    let err = lmh::fixtures::load(&path).unwrap_err().to_string();
    assert!(!err.contains(":?:"), "{err}");
    assert!(err.contains("alias"), "{err}");
}
