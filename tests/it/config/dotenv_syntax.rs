//! `.env` syntax, as dotenv reads it; malformed lines and secrets.

use super::*;
use lmh::config::dotenv;
use proptest::prelude::*;

#[test]
fn dotenv_syntax_as_dotenv_reads_it() {
    let text = "\
# comment
export EXPORTED=yes
SINGLE='it''s # not a comment'
DOUBLE=\"line1\\nline2 \\\"kept\\\"\"
BACKTICK=`tick`
INLINE=value # trailing comment
EMPTY=
SPACED = spaced value   
COLON: colon value
MULTI=\"first
second\"
DUP=one
DUP=two
";
    let parsed = dotenv::parse(text);
    let get = |k: &str| {
        parsed
            .entries
            .iter()
            .rev()
            .find(|e| e.key == k)
            .map(|e| (e.value.as_str(), e.line))
    };
    assert_eq!(get("EXPORTED"), Some(("yes", 2)));
    assert_eq!(get("DOUBLE"), Some(("line1\nline2 \\\"kept\\\"", 4)));
    assert_eq!(get("BACKTICK"), Some(("tick", 5)));
    assert_eq!(get("INLINE"), Some(("value", 6)));
    assert_eq!(get("EMPTY"), Some(("", 7)));
    assert_eq!(get("SPACED"), Some(("spaced value", 8)));
    assert_eq!(get("COLON"), Some(("colon value", 9)));
    assert_eq!(get("MULTI"), Some(("first\nsecond", 10)));
    assert_eq!(get("DUP"), Some(("two", 13)));
    // 'it' then text after the closing quote: dotenv reads the line unquoted, up to `#`
    // (quotes kept, as they do not pair up); loaded as dotenv does, reported as an error.
    assert_eq!(get("SINGLE"), Some(("'it''s", 3)));
    assert_eq!(
        dotenv::parse("A=\"x\" y\nB='q' 'r'\n").entries[1].value,
        "q' 'r",
        "matching outer quotes are stripped"
    );
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
    assert_eq!(parsed.problems[0].line, 3);
    assert_eq!(parsed.problems[0].severity, Severity::Error);
}

#[test]
fn dotenv_hash_glued_to_a_value_is_a_warning() {
    let parsed = dotenv::parse("SESSION_MANAGER_BASE_URL=http://localhost:3001#old\n");
    assert_eq!(parsed.entries[0].value, "http://localhost:3001");
    assert_eq!(parsed.problems[0].severity, Severity::Warning);
    assert!(parsed.problems[0].reason.contains("quote the value"));
}

#[test]
fn malformed_env_lines_are_errors_with_file_line_and_reason_but_no_values() {
    let report = check(&tree_inputs("malformed-env")).expect("reads");
    let f = finding(&report, "central-hub .env");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message
            .contains(".env:2: `DB_PASSWORD` is not followed by `=`"),
        "{f:?}"
    );
    assert!(f.message.contains("(and 2 more)"), "{f:?}");
    let lines: Vec<Option<usize>> = f.sources.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![Some(2), Some(3), Some(4)]);
    assert!(f.details[1].contains(".env:3: does not start with a variable name"));
    assert!(f.details[2].contains(".env:4: the double quote opened for GREETING is never closed"));
    // dotenv loads the unclosed quote with the quote in it; the other lines still count.
    let greeting = dotenv::load(&fixture("malformed-env").join("central-hub/.env")).expect("loads");
    let greeting = greeting
        .parsed
        .entries
        .iter()
        .find(|e| e.key == "GREETING")
        .expect("loaded");
    assert_eq!(greeting.value, "\"hola");
    assert_eq!(report.base_url.as_ref().map(|u| u.port), Some(3001));
    assert_eq!(report.hub_effective_port, Some(3012));
    assert!(!report.passed());
    assert!(!all_output(&report).contains("Malformed-Pass-9902"));
}

#[test]
fn bom_and_crlf_are_tolerated_with_right_line_numbers() {
    let report = check(&tree_inputs("bom-crlf")).expect("reads");
    assert!(report.passed(), "{:#?}", report.findings);
    assert_eq!(report.hub_base_url.source().and_then(|s| s.line), Some(1));
    assert_eq!(report.hub_port.source().and_then(|s| s.line), Some(2));
    assert_eq!(report.sm_port.source().and_then(|s| s.line), Some(5));
    assert_eq!(
        report.base_url.as_ref().map(|u| u.text.as_str()),
        Some("http://localhost:3001")
    );
    assert!(!all_output(&report).contains("Bom-Pass-1212"));
}

#[test]
fn loaded_sources_do_not_leak_secrets_through_debug() {
    let inputs = tree_inputs("seed");
    let hub = ServiceConfig::load(Service::CentralHub, &inputs.hub).expect("loads");
    let debug = format!("{hub:?}");
    assert!(debug.contains("DB_PASSWORD"));
    assert!(!debug.contains("Seed-Db-Pass-7731"), "{debug}");
}

proptest! {
    #[test]
    fn dotenv_parse_never_panics(text in "\\PC{0,200}") {
        let _ = dotenv::parse(&text);
    }

    #[test]
    fn quoted_values_round_trip(value in "[A-Za-z0-9 _./:#=-]{0,40}") {
        let parsed = dotenv::parse(&format!("KEY='{value}'\n"));
        prop_assert_eq!(parsed.entries.len(), 1);
        prop_assert_eq!(&parsed.entries[0].value, &value);
        prop_assert!(parsed.problems.is_empty());
    }

    #[test]
    fn pm2_parse_never_panics(text in "[ -~\\n]{0,200}") {
        let _ = pm2::parse(&text, Path::new("ecosystem.config.js"));
        let _ = pm2::parse(&text, Path::new("ecosystem.config.json"));
    }
}
