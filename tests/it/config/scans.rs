//! Scans of a source tree for stale session-manager ports.

use super::*;

#[test]
fn scan_lists_stale_ports_outside_node_modules_and_binaries() {
    // Once fixed (effective 3001), the hub's old 3011 references stand out.
    let mut report = check(&tree_inputs("fixed")).expect("reads");
    assert_eq!(report.stale_ports(), vec![3011]);
    let root = fixture("seed").join("central-hub");
    report.scan(&root, &ScanOptions::default()).expect("scans");
    let scan = &report.scans[0];
    let hits: Vec<String> = scan
        .hits
        .iter()
        .map(|h| {
            format!(
                "{}:{}",
                h.file.strip_prefix(&root).expect("under root").display(),
                h.line
            )
        })
        .collect();
    assert_eq!(
        hits,
        vec![
            "Dockerfile:5",
            "Dockerfile:6",
            "docker-compose.yml:5",
            "nginx/leadmaster.conf:5",
            "scripts/restart.sh:4",
            "scripts/restart.sh:5",
        ]
    );
    assert_eq!(scan.skipped_binary, 1);
    assert!(scan.hits.iter().all(|h| h.port == 3011));
    let f = findings_starting(&report, "scan ")[0];
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.details
            .iter()
            .any(|d| d.ends_with("nginx/leadmaster.conf:5: proxy_pass http://127.0.0.1:3011;")),
        "{f:?}"
    );
    assert!(report.passed(), "a scan warns, it does not fail");
}

#[test]
fn scan_in_the_seed_scenario_flags_the_3001_references() {
    let mut inputs = tree_inputs("seed");
    inputs.sm.shell.insert("PORT".into(), "3011".into());
    let mut report = check(&inputs).expect("reads");
    assert_eq!(report.stale_ports(), vec![3001]);
    report
        .scan(&fixture("seed"), &ScanOptions::default())
        .expect("scans");
    let hits: Vec<(String, usize)> = report.scans[0]
        .hits
        .iter()
        .map(|h| {
            (
                h.file
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string(),
                h.line,
            )
        })
        .collect();
    assert_eq!(
        hits,
        vec![
            (".env".to_string(), 3),
            ("ecosystem.config.cjs".to_string(), 7)
        ]
    );
    assert!(!all_output(&report).contains("Seed-Db-Pass-7731"));
}

#[test]
fn scan_skips_big_files_and_stops_when_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut big = "PORT=3011\n".repeat(110_000);
    big.push_str("tail\n");
    std::fs::write(dir.path().join("big.env"), big).expect("write");
    std::fs::write(dir.path().join("a.sh"), "PORT=3011\nPORT=3011\nPORT=3011\n").expect("write");
    std::fs::write(dir.path().join("notes.txt"), "PORT=3011\n").expect("write");
    let report = scan::scan_tree(dir.path(), &[3011], &ScanOptions::default()).expect("scans");
    assert_eq!(report.skipped_large, vec![dir.path().join("big.env")]);
    assert_eq!(report.hits.len(), 3, "notes.txt is not a config file");

    let tight = ScanOptions {
        max_hits: 2,
        ..ScanOptions::default()
    };
    let report = scan::scan_tree(dir.path(), &[3011], &tight).expect("scans");
    assert_eq!(report.hits.len(), 2);
    assert!(
        report
            .truncated
            .as_deref()
            .is_some_and(|t| t.contains("2 references"))
    );

    let err = scan::scan_tree(
        Path::new("/nonexistent/lmh-scan"),
        &[3011],
        &ScanOptions::default(),
    )
    .expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/lmh-scan"));
}

#[test]
fn port_reference_rules() {
    let ports = [3001, 3011];
    for (line, want) in [
        ("SESSION_MANAGER_BASE_URL=http://localhost:3001", vec![3001]),
        ("PORT: 3011,", vec![3011]),
        ("\"PORT\": \"3011\"", vec![3011]),
        ("EXPOSE 3011", vec![3011]),
        ("listen 3011;", vec![3011]),
        ("- \"3011:3011\"", vec![3011]),
        ("const x = 3001;", vec![3001]),
        ("total 3001 rows", vec![]),
        ("id 13001 and 30011", vec![]),
        ("version 3.0.11 and v3001x", vec![]),
    ] {
        assert_eq!(scan::port_references(line, &ports), want, "{line}");
    }
}
