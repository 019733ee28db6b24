//! Bounded runs, streamed decisions and honest exit codes of the `lmh` binary.

use crate::helpers::{self, assert_exit, lmh, root};

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lmh::mock::{Fault, FaultKind, MockSessionManager};
use lmh::session::SessionState;

/// `lmh scheduler run` of `fixture` against `uri`, paced by nothing.
fn scheduler_run(fixture: &str, uri: &str) -> Command {
    let mut cmd = lmh();
    cmd.args([
        "scheduler",
        "run",
        "--db-url",
        &helpers::server_url(),
        "--fixtures",
        fixture,
        "--session-manager",
        uri,
        "--pacing",
        "none",
        "--allow-send",
    ]);
    cmd
}

#[test]
fn ticks_0_is_a_usage_error() {
    let out = scheduler_run(&root("fixtures/happy-path.yaml"), "http://127.0.0.1:9")
        .args(["--ticks", "0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--ticks"), "{stderr}");
}

/// `lmh ... | head`: the reader left; lmh ends quietly, no panic.
#[test]
fn a_closed_stdout_pipe_ends_quietly() {
    let mut child = lmh()
        .args(["contract", "ops", "v1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
}

/// Any other failed write to stdout (a full disk) is a setup error, exit 2 with a message.
#[test]
fn a_failed_stdout_write_exits_2_with_a_message() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = lmh()
        .args(["contract", "ops", "v1"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("writing to stdout"), "{stderr}");
}

/// A hung `/status`: the run stops waiting after a few ticks and fails naming the cause,
/// instead of timing out every tick of two virtual days. `LMH_TIMEOUT_MS` is honoured.
#[test]
fn e2e_against_a_hung_status_fails_fast_naming_the_cause() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mock = rt.block_on(MockSessionManager::start());
    mock.set_state(51, SessionState::Ready);
    mock.inject(Fault::on(
        "status",
        FaultKind::Latency(Duration::from_secs(3)),
    ));
    let started = Instant::now();
    let out = lmh()
        .args([
            "e2e",
            "--db-url",
            &helpers::server_url(),
            "--fixtures",
            &root("fixtures/happy-path.yaml"),
            "--session-manager",
            &mock.uri(),
            "--allow-send",
        ])
        .env("LMH_TIMEOUT_MS", "150")
        .output()
        .unwrap();
    assert_exit(&out, 1, "e2e against a hung /status");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("session-manager reachable"), "{stdout}");
    // Said on stderr as it happens, not only in the final report.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not waiting for its rows"), "{stderr}");
    // The cause is named, with the limit LMH_TIMEOUT_MS set.
    assert!(stdout.contains("within 150 ms"), "{stdout}");
    // A few ticks of 150 ms each, not 2,880: bounded by far.
    assert!(started.elapsed() < Duration::from_secs(60));
    let statuses = mock
        .journal()
        .iter()
        .filter(|e| e.operation.as_deref() == Some("status"))
        .count();
    assert!(statuses <= 10, "{statuses} /status calls");
}

/// A batch stopped by a session-level failure is not a pass: exit 1; neither is a send whose
/// outcome is unknown (a 500 after the request left may follow a real delivery).
#[test]
fn scheduler_run_exits_1_when_a_batch_stopped() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fixture = always_open_fixture();
    for (fault, event) in [
        // The session drops out of READY as the send arrives: 409 SESSION_NOT_READY.
        (
            FaultKind::SessionDropsOut(SessionState::DisconnectedRecoverable),
            "batch_stopped",
        ),
        // The page is gone while `/status` still says READY: 500 SEND_FAILED.
        (FaultKind::SendFailsWhileReady, "outcome_unknown"),
    ] {
        let mock = rt.block_on(MockSessionManager::start());
        mock.set_state(51, SessionState::Ready);
        mock.inject(Fault::on("send", fault));
        let out = scheduler_run(fixture.path().to_str().unwrap(), &mock.uri())
            .arg("--once")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(event), "{event}: {stdout}");
        assert_exit(&out, 1, event);
    }
}

/// Ctrl-C while a send is in flight: the decisions made so far are already out, the send is
/// reported as an unknown outcome, and the exit code is 130. SIGTERM gives 143.
#[test]
fn an_interrupted_run_reports_its_send_in_flight_and_exits_130_or_143() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mock = rt.block_on(MockSessionManager::start());
    mock.set_state(51, SessionState::Ready);
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        // The first send goes through, the second hangs (delivered, answer late).
        mock.clear_faults();
        mock.clear_journal();
        mock.inject(Fault::on("send", FaultKind::Pass).times(1));
        mock.inject(Fault::on(
            "send",
            FaultKind::Latency(Duration::from_secs(30)),
        ));
        let fixture = always_open_fixture();
        let mut child = lmh()
            .args([
                "scheduler",
                "run",
                "--db-url",
                &helpers::server_url(),
                "--fixtures",
                fixture.path().to_str().unwrap(),
                "--session-manager",
                &mock.uri(),
                "--pacing",
                "none",
                "--allow-send",
                "--once",
                "--timeout-ms",
                "60000",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        // The first `sent` line arrives while the tick still runs: streamed, not batched.
        let mut line = String::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !line.contains("\"sent\"") {
            line.clear();
            if stdout.read_line(&mut line).unwrap() == 0 {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("stdout ended before a sent decision: {err}");
            }
            assert!(Instant::now() < deadline);
        }
        // Wait until the second send is held by the provider, then interrupt.
        while mock.journal().iter().filter(|e| e.is_send()).count() < 2 {
            assert!(Instant::now() < deadline, "the second send never came");
            std::thread::sleep(Duration::from_millis(10));
        }
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        assert_eq!(status.code(), Some(code), "{rest}");
        let unknown: Vec<&str> = rest
            .lines()
            .filter(|l| l.contains("outcome_unknown"))
            .collect();
        assert_eq!(unknown.len(), 1, "{rest}");
        assert!(unknown[0].contains("in flight"), "{rest}");
    }
}

/// A fixture whose window is open all day, every day, in UTC, so a real-clock run sends.
fn always_open_fixture() -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut f = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    write!(
        f,
        r#"description: open all day
tz: UTC
start: "2026-01-13T00:00:00"
end: "2026-01-13T23:59:00"
sessions:
  51: READY
campaigns:
  - {{id: 1, nombre: "Siempre", mensaje: "Hola", estado: en_progreso, cliente_id: 51}}
programaciones:
  - {{id: 1, campania_id: 1, cliente_id: 51, dias_semana: "sun,mon,tue,wed,thu,fri,sat", hora_inicio: "00:00", hora_fin: "23:59:59", cupo_diario: 100, fecha_inicio: "2020-01-01", fecha_fin: null, estado: aprobada}}
envios:
  - {{campania_id: 1, generate: 3, expect: enviado}}
"#
    )
    .unwrap();
    f
}
