//! PM2 ecosystem files: JSON and JavaScript forms, values that cannot be read, apps.

use super::*;

#[test]
fn json_ecosystem_env_and_env_production() {
    let report = check(&tree_inputs("json-ecosystem")).expect("reads");
    assert_eq!(report.sm_effective_port, Some(3011));
    assert_eq!(report.sm_port.source().and_then(|s| s.line), Some(6));
    assert!(report.passed(), "{:#?}", report.findings);
    let f = finding(&report, "session-manager PORT");
    assert!(
        f.details.iter().any(|d| d.starts_with("not applied: ")
            && d.contains("env_production")
            && d.contains(":7")),
        "{f:?}"
    );

    let mut inputs = tree_inputs("json-ecosystem");
    inputs.sm.pm2_env = Some("production".into());
    let report = check(&inputs).expect("reads");
    assert_eq!(report.sm_effective_port, Some(3001));
    let Effective::Set(c) = &report.sm_port.effective else {
        panic!("set")
    };
    assert_eq!(
        c.source.kind,
        SourceKind::Pm2 {
            block: "env_production".into()
        }
    );
    assert_eq!(report.sm_port.shadowed[0].value.as_deref(), Some("3011"));
    assert_eq!(finding(&report, "port agreement").severity, Severity::Error);
}

#[test]
fn non_literal_values_are_reported_not_guessed() {
    let report = check(&tree_inputs("non-literal")).expect("reads");
    // `process.env.SM_PORT || 3001` with SM_PORT unset in the given shell.
    assert_eq!(report.sm_effective_port, Some(3001));
    let f = finding(&report, "session-manager PORT");
    assert!(
        f.message.contains("default 3001 unless SM_PORT is set"),
        "{f:?}"
    );
    assert!(f.message.contains("ecosystem.config.cjs:11"), "{f:?}");
    // A template string in the hub's PM2 env wins over .env and cannot be read.
    let url = finding(&report, "central-hub SESSION_MANAGER_BASE_URL");
    assert_eq!(url.severity, Severity::Error);
    assert!(
        url.message
            .contains("could not be read: `http://localhost:${process.env.SM_PORT}`"),
        "{url:?}"
    );
    assert!(url.message.contains("ecosystem.config.js:6"), "{url:?}");
    assert!(url.details.iter().any(|d| d.contains(".env:1")), "{url:?}");

    let mut inputs = tree_inputs("non-literal");
    inputs.sm.shell.insert("SM_PORT".into(), "3011".into());
    let report = check(&inputs).expect("reads");
    assert_eq!(report.sm_effective_port, Some(3011));

    let mut inputs = tree_inputs("non-literal");
    inputs.sm.pm2_env = Some("staging".into());
    let report = check(&inputs).expect("reads");
    let f = finding(&report, "session-manager PORT");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("could not be read: base + 11"), "{f:?}");
    assert!(f.message.contains("ecosystem.config.cjs:15"), "{f:?}");
}

#[test]
fn malformed_js_names_the_unbalanced_bracket() {
    let report = check(&tree_inputs("malformed-js")).expect("reads");
    let f = finding(&report, "session-manager ecosystem.config.cjs");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("ecosystem.config.cjs:10: could not be read: unbalanced brackets: `]` closes the `{` opened at line 3"), "{f:?}");
    let port = finding(&report, "session-manager PORT");
    assert_eq!(port.severity, Severity::Error);
    assert_eq!(
        finding(&report, "port agreement").severity,
        Severity::Skipped
    );
}

fn parse_js(src: &str) -> pm2::Pm2File {
    pm2::parse(src, Path::new("ecosystem.config.js")).expect("parses")
}

/// Resolve PORT for the session-manager from an inline ecosystem file and shell.
fn sm_port_from(src: &str, shell: &[(&str, &str)]) -> lmh::config::Resolution {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ecosystem.config.js");
    std::fs::write(&file, src).expect("write");
    let inputs = ServiceInputs {
        pm2: Some(file),
        shell: shell
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..ServiceInputs::default()
    };
    let config = ServiceConfig::load(Service::SessionManager, &inputs).expect("loads");
    config.resolve("PORT", Some("3001"))
}

#[test]
fn js_forms_pm2_files_use() {
    let file = parse_js(
        "export default {\n apps: [{ name: 'session-manager', port: 3005, env: { PORT: '3001' } }]\n}",
    );
    assert_eq!(file.apps[0].port.as_ref().map(|(_, line)| *line), Some(2));

    let r = sm_port_from(
        "const PORT = 3011;\nmodule.exports = { apps: [{ name: 'sm', env: { PORT } }] };\n",
        &[],
    );
    assert_eq!(r.value(), Some("3011"));

    // `port` wins over env.PORT, as PM2 copies it in.
    let r = sm_port_from(
        "module.exports = { apps: [{ name: 'sm', port: 3005, env: { PORT: 3001 } }] };",
        &[],
    );
    assert_eq!(r.value(), Some("3005"));
    assert_eq!(r.shadowed[0].value.as_deref(), Some("3001"));

    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: Number(process.env.SM_PORT) || 3001 } }] };",
        &[("SM_PORT", "3011")],
    );
    assert_eq!(r.value(), Some("3011"));

    // `||` treats an empty variable as unset, `??` does not.
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: process.env.SM_PORT || 3001 } }] };",
        &[("SM_PORT", "")],
    );
    assert_eq!(r.value(), Some("3001"));
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: process.env['SM_PORT'] ?? '3001' } }] };",
        &[("SM_PORT", "")],
    );
    assert_eq!(r.value(), Some(""));

    // `process.env.X` alone, X unset: PM2 passes nothing; the note says so.
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: process.env.SM_PORT } }] };",
        &[],
    );
    assert_eq!(r.effective, Effective::Default("3001".into()));
    assert!(r.notes[0].contains("SM_PORT is not set"), "{:?}", r.notes);
}

#[test]
fn spreads_make_values_unreadable_only_when_they_could_win() {
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { ...shared, PORT: 3001 } }] };",
        &[],
    );
    assert_eq!(r.value(), Some("3001"));

    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: 3001, ...shared } }] };",
        &[],
    );
    let Effective::Unreadable(c) = &r.effective else {
        panic!("unreadable: {r:?}")
    };
    assert!(c.written.contains("...shared"), "{c:?}");

    // A spread after `env` in the app may replace the whole block.
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: 3001 }, ...require('./more') }] };",
        &[],
    );
    assert!(matches!(r.effective, Effective::Unreadable(_)), "{r:?}");

    // A spread before `env` is overridden by the literal block.
    let r = sm_port_from(
        "module.exports = { apps: [{ ...require('./base'), env: { PORT: 3001 } }] };",
        &[],
    );
    assert_eq!(r.value(), Some("3001"));

    // The shell still wins over an unreadable PM2 value.
    let r = sm_port_from(
        "module.exports = { apps: [{ env: { PORT: compute() } }] };",
        &[("PORT", "3011")],
    );
    assert_eq!(r.value(), Some("3011"));
    assert_eq!(r.shadowed[0].value, None);
}

#[test]
fn several_apps_are_chosen_by_name_or_reported() {
    let two = "module.exports = { apps: [\n { name: 'leadmaster-central-hub', env: { PORT: 3012 } },\n { name: 'session-manager', env: { PORT: 3011 } },\n] };";
    assert_eq!(sm_port_from(two, &[]).value(), Some("3011"));
    let ambiguous = "module.exports = { apps: [{ name: 'a', env: { PORT: 1 } }, { name: 'b', env: { PORT: 2 } }] };";
    let r = sm_port_from(ambiguous, &[]);
    assert!(matches!(r.effective, Effective::Unreadable(_)), "{r:?}");
}

#[test]
fn pm2_errors_name_the_line() {
    let err = pm2::parse("module.exports = {\n  apps: [\n", Path::new("e.config.js")).unwrap_err();
    assert_eq!(err.line, 2);
    assert!(err.reason.contains("never closed"), "{err}");
    let err = pm2::parse("const x = 1;\n", Path::new("e.config.js")).unwrap_err();
    assert!(err.reason.contains("module.exports"), "{err}");
    let err = pm2::parse("module.exports = { apps: 'x' }", Path::new("e.config.js")).unwrap_err();
    assert!(err.reason.contains("not a list"), "{err}");
    let err = pm2::parse("module.exports = {\n a: 'open\n}", Path::new("e.config.js")).unwrap_err();
    assert_eq!(err.line, 2);
}
