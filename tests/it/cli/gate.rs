//! `lmh gate` on the seed's installation and on the fixed one.

use super::*;

#[test]
fn gate_fails_on_the_seed_incident_naming_the_route_and_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("gate.xml");
    let out = helpers::seed_gate()
        .args(["--junit", junit.to_str().unwrap()])
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
