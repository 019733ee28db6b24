//! `lmh config check` on the command line, on the seed's trees.

use super::*;

fn lmh(args: &[&str]) -> std::process::Output {
    crate::helpers::lmh()
        .args(args)
        .env("PORT", "9999") // lmh's own environment must not leak into the check
        .output()
        .expect("runs lmh")
}

/// `lmh config check --hub <tree>/central-hub --sm <tree>/session-manager <extra>`.
fn lmh_check_tree(tree: &str, extra: &[&str]) -> std::process::Output {
    let hub = fixture(tree).join("central-hub");
    let sm = fixture(tree).join("session-manager");
    let mut args = vec![
        "config",
        "check",
        "--hub",
        hub.to_str().expect("utf8"),
        "--sm",
        sm.to_str().expect("utf8"),
    ];
    args.extend_from_slice(extra);
    lmh(&args)
}

#[test]
fn cli_seed_with_shell_port_fails_and_names_both_sources() {
    let out = lmh_check_tree("seed", &["--sm-shell", "PORT=3011"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("[FAIL] config: port agreement"), "{stdout}");
    assert!(
        stdout.contains("central-hub/.env:3 SESSION_MANAGER_BASE_URL=http://localhost:3001"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ecosystem.config.cjs:7 PORT=3001"),
        "{stdout}"
    );
    assert!(!stdout.contains("9999"), "lmh's own PORT leaked: {stdout}");
    for secret in FIXTURE_SECRETS {
        assert!(!stdout.contains(secret));
        assert!(!String::from_utf8_lossy(&out.stderr).contains(secret));
    }
}

#[test]
fn cli_fixed_tree_passes_with_json_output() {
    let out = lmh_check_tree("fixed", &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["passed"], true);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Fixed-Db-Pass-4410"));
}

#[test]
fn cli_usage_errors_exit_2_naming_the_input() {
    let out = lmh(&[
        "config",
        "check",
        "--hub-env",
        "/nonexistent/lmh/.env",
        "--sm-shell",
        "PORT=3001",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/lmh/.env"));

    let hub = fixture("seed").join("central-hub");
    let out = lmh(&[
        "config",
        "check",
        "--hub",
        hub.to_str().expect("utf8"),
        "--sm-shell",
        "PORT",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not KEY=VALUE"));

    let out = lmh(&["config", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing describes either service"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--hub DIR") && stderr.contains("--sm DIR"),
        "{stderr}"
    );
}

/// The check name and outcome of every check in `lmh ... --format json` output.
fn json_checks(stdout: &[u8]) -> Vec<(String, String, String)> {
    let json: serde_json::Value = serde_json::from_slice(stdout).expect("JSON output");
    json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["outcome"].as_str().unwrap_or_default().to_string(),
                c["summary"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn cli_one_side_alone_is_checked_and_the_other_reported_as_not_given() {
    let hub = fixture("seed").join("central-hub");
    let out = lmh(&[
        "config",
        "check",
        "--hub",
        hub.to_str().expect("utf8"),
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let checks = json_checks(&out.stdout);
    let outcome = |name: &str| {
        checks
            .iter()
            .find(|(n, ..)| n == name)
            .unwrap_or_else(|| panic!("no check {name:?} in {checks:#?}"))
            .clone()
    };
    assert_eq!(outcome("central-hub SESSION_MANAGER_BASE_URL").1, "pass");
    let (_, o, summary) = outcome("session-manager sources");
    assert_eq!(o, "skip");
    assert!(summary.contains("not given"), "{summary}");
    let (_, o, summary) = outcome("port agreement");
    assert_eq!(o, "skip");
    assert!(
        summary.contains("--sm DIR") && summary.contains("--sm-shell PORT=N"),
        "{summary}"
    );

    let out = lmh(&[
        "config",
        "check",
        "--sm-shell",
        "PORT=3011",
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let checks = json_checks(&out.stdout);
    assert!(
        checks
            .iter()
            .any(|(n, o, s)| n == "session-manager PORT" && o == "pass" && s.contains("3011")),
        "{checks:#?}"
    );
    assert!(
        checks
            .iter()
            .any(|(n, o, s)| n == "central-hub sources" && o == "skip" && s.contains("not given")),
        "{checks:#?}"
    );
    assert!(
        checks
            .iter()
            .any(|(n, o, s)| n == "port agreement" && o == "skip" && s.contains("--hub DIR")),
        "{checks:#?}"
    );

    // What is given is still checked: a bad port fails with only the session-manager side.
    let out = lmh(&["config", "check", "--sm-shell", "PORT=70000"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_directory_with_two_ecosystem_files_uses_the_js_one_and_warns() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("ecosystem.config.js"),
        "module.exports = { apps: [{ name: 'session-manager', env: { PORT: 3011 } }] };\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("ecosystem.config.json"),
        r#"{ "apps": [{ "name": "session-manager", "env": { "PORT": 3001 } }] }"#,
    )
    .expect("write");
    let inputs = ServiceInputs::from_dir(dir.path()).expect("dir");
    assert_eq!(inputs.pm2, Some(dir.path().join("ecosystem.config.js")));
    let config = ServiceConfig::load(Service::SessionManager, &inputs).expect("loads");
    assert_eq!(config.resolve("PORT", Some("3001")).value(), Some("3011"));
    let warning = config
        .findings
        .iter()
        .find(|f| f.topic == "session-manager ecosystem.config.json")
        .expect("warning about the unused file");
    assert_eq!(warning.severity, Severity::Warning);

    let mut inputs = inputs;
    inputs.pm2_app = Some("other".into());
    let config = ServiceConfig::load(Service::SessionManager, &inputs).expect("loads");
    let f = config
        .findings
        .iter()
        .find(|f| f.topic == "session-manager ecosystem.config.js")
        .expect("no such app");
    assert!(f.message.contains("no app named `other`"), "{f:?}");
}

#[test]
fn mismatch_with_a_default_port_and_a_remote_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".env"),
        "SESSION_MANAGER_BASE_URL=http://localhost:3011\n",
    )
    .expect("write");
    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(dir.path().join(".env"));
    inputs.sm.dir = Some(dir.path().to_path_buf());
    let report = check(&inputs).expect("reads");
    let f = finding(&report, "port agreement");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message
            .contains("session-manager PORT=3001 by default (from the service code)"),
        "{f:?}"
    );

    // Another host may be a proxy: the port difference is a warning, not a verdict.
    std::fs::write(
        dir.path().join(".env"),
        "SESSION_MANAGER_BASE_URL=https://sm.example.com\n",
    )
    .expect("write");
    let report = check(&inputs).expect("reads");
    let f = finding(&report, "port agreement");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("-> port 443"), "{f:?}");
    assert!(f.details.iter().any(|d| d.contains("not this machine")));
}

#[test]
fn a_schemeless_password_in_the_hub_url_never_reaches_output() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        "SESSION_MANAGER_BASE_URL=admin:s3cr3t@127.0.0.1:3011\n",
    )
    .unwrap();
    for format in ["human", "json", "junit"] {
        let out = lmh(&[
            "config",
            "check",
            "--hub-env",
            env.to_str().unwrap(),
            "--format",
            format,
        ]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains("s3cr3t"), "{format}: {text}");
        assert!(text.contains("127.0.0.1:3011"), "{format}: {text}");
    }
}

#[test]
fn terminal_escapes_in_a_value_are_shown_escaped_never_sent_to_the_terminal() {
    // ESC[1A ESC[2K CR: move up, erase the line, rewrite it: would hide the FAIL line above.
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        "SESSION_MANAGER_BASE_URL=http://127.0.0.1:3011/\u{1b}[1A\u{1b}[2K\r  [  ok] all good\u{202e}\n",
    )
    .unwrap();
    let out = lmh(&[
        "config",
        "check",
        "--hub-env",
        env.to_str().unwrap(),
        "--sm-shell",
        "PORT=3011",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for c in ['\u{1b}', '\r', '\u{202e}'] {
        assert!(
            !stdout.contains(c),
            "{c:?} reached the terminal: {stdout:?}"
        );
    }
    assert!(stdout.contains("\\u{1b}"), "shown escaped: {stdout}");
    assert!(stdout.contains("[FAIL]"), "{stdout}");
}

#[test]
fn scan_honours_gitignore_and_reads_hidden_env_copies() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".gitignore"), "generated/\n*.bak.sh\n").expect("write");
    std::fs::create_dir(dir.path().join("generated")).expect("mkdir");
    std::fs::write(dir.path().join("generated/proxy.conf"), "listen 3011;\n").expect("write");
    std::fs::write(dir.path().join("old.bak.sh"), "PORT=3011\n").expect("write");
    std::fs::write(dir.path().join("run.sh"), "PORT=3011\n").expect("write");
    std::fs::write(dir.path().join(".env.production"), "PORT=3011\n").expect("write");
    let report = scan::scan_tree(dir.path(), &[3011], &ScanOptions::default()).expect("scans");
    let files: Vec<String> = report
        .hits
        .iter()
        .map(|h| h.file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, vec![".env.production", "run.sh"], "{report:?}");
}
