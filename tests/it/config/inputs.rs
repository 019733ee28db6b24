//! Inputs and errors: unreadable paths, shell variables and files, redaction.

use super::*;
use lmh::config::read_shell_file;
use lmh::config::source::display_value;
use lmh::redact::{self, is_secret_key};

#[test]
fn unreadable_inputs_are_errors_naming_the_path() {
    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(PathBuf::from("/nonexistent/lmh/central-hub/.env"));
    inputs.sm.shell.insert("PORT".into(), "3001".into());
    let err = check(&inputs).expect_err("missing file");
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(
        err.to_string()
            .contains("/nonexistent/lmh/central-hub/.env"),
        "{err}"
    );

    let err = ServiceInputs::from_dir(Path::new("/nonexistent/lmh")).expect_err("no dir");
    assert!(matches!(err, ConfigError::NotADirectory { .. }), "{err}");

    let mut inputs = CheckInputs::default();
    inputs.hub.dotenv = Some(fixture("seed"));
    inputs.sm.shell.insert("PORT".into(), "3001".into());
    assert!(matches!(check(&inputs), Err(ConfigError::NotAFile { .. })));

    let err = check(&CheckInputs::default()).expect_err("nothing given");
    assert!(err.to_string().contains("--hub DIR"), "{err}");
}

#[test]
fn shell_vars_and_files() {
    assert_eq!(
        lmh::config::parse_shell_var("PORT=3011").expect("ok"),
        ("PORT".to_string(), "3011".to_string())
    );
    assert_eq!(lmh::config::parse_shell_var("A=b=c").expect("ok").1, "b=c");
    let err = lmh::config::parse_shell_var("DB_PASSWORD hunter2").expect_err("no =");
    assert!(!err.to_string().contains("hunter2"), "{err}");

    let dir = tempfile::tempdir().expect("tempdir");
    let environ = dir.path().join("environ");
    std::fs::write(&environ, b"PORT=3011\0PATH=/usr/bin\0").expect("write");
    let vars = read_shell_file(&environ).expect("reads");
    assert!(vars.contains(&("PORT".to_string(), "3011".to_string())));
    let lines = dir.path().join("shell.env");
    std::fs::write(&lines, "export PORT=3011\n").expect("write");
    assert_eq!(
        read_shell_file(&lines).expect("reads"),
        vec![("PORT".to_string(), "3011".to_string())]
    );
}

#[test]
fn secret_redaction() {
    for key in [
        "DB_PASSWORD",
        "JWT_SECRET",
        "API_TOKEN",
        "OPENAI_API_KEY",
        "db_pass",
    ] {
        assert!(is_secret_key(key), "{key}");
        assert_eq!(display_value(key, "x"), "<redacted>");
    }
    assert!(!is_secret_key("SESSION_MANAGER_BASE_URL"));
    assert_eq!(
        redact::text("mysql://root:pw@db:3306/x and http://h:1"),
        "mysql://root:<redacted>@db:3306/x and http://h:1"
    );
    // A user name alone is the token; token-like query values are secrets too.
    assert_eq!(
        display_value(
            "SESSION_MANAGER_BASE_URL",
            "http://TOKEN42@h:3011/?key=k&page=2"
        ),
        "http://<redacted>@h:3011/?key=<redacted>&page=2"
    );
    let line = scan::redact_line("fetch('https://TOKEN42@h/x?page=1&access_token=abc&sig=1')");
    assert!(!line.contains("TOKEN42") && !line.contains("abc"), "{line}");
    assert_eq!(
        scan::redact_line("DB_PASSWORD=abc PORT=3001 node app.js"),
        "DB_PASSWORD=<redacted> PORT=3001 node app.js"
    );
    assert_eq!(
        scan::redact_line(r#""DB_PASSWORD": "abc", "PORT": 3001"#),
        r#""DB_PASSWORD":<redacted>, "PORT": 3001"#
    );
}
