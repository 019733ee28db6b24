//! Hostile input: nesting deep enough to overflow a parser, and random code that must
//! never make the reader panic or hang.

use super::*;

#[test]
fn deeply_nested_ecosystem_files_are_refused_before_reading() {
    use lmh::config::pm2;
    let deep = format!(
        "module.exports = {}{}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let err = pm2::parse(&deep, Path::new("ecosystem.config.js")).unwrap_err();
    assert_eq!(err.line, 1);
    assert!(
        err.reason.contains("nested deeper than 256"),
        "{}",
        err.reason
    );
    let json = format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    let err = pm2::parse(&json, Path::new("ecosystem.config.json")).unwrap_err();
    assert!(
        err.reason.contains("nested deeper than 256"),
        "{}",
        err.reason
    );
    // Ordinary nesting still reads.
    let ok = "module.exports = { apps: [{ name: 'hub', env: { PORT: 3012 } }] };";
    assert!(pm2::parse(ok, Path::new("ecosystem.config.js")).is_ok());
}

/// Pieces of the code the reader looks at, joined at random: calls, wrappers, classes,
/// modules, recursion.
const FRAGMENTS: &[&str] = &[
    "fetch(",
    "axios.get(",
    "got.post(",
    "http.request(",
    "process.env.SESSION_MANAGER_BASE_URL",
    " + ",
    "'/status'",
    "`${",
    "}`",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "headers: ",
    "'X-Cliente-Id'",
    ": ",
    "1",
    ", ",
    ";\n",
    "const a = ",
    "let b = ",
    "a",
    "b",
    "p",
    "function f(p) {",
    "return ",
    "f(",
    "class C {",
    "constructor(x = process.env.SESSION_MANAGER_BASE_URL) {",
    "this.a = ",
    "this.a",
    "m(x) {",
    "#r(x) {",
    "this.#r(",
    "this.m(",
    "module.exports = ",
    "require('./a')",
    "new C()",
    "...",
    "=> ",
    "if (a) ",
    "else ",
    "await ",
    "?? ",
    "|| ",
    "axios.create({ baseURL: ",
    "})",
    "export default ",
    "import x from './a.js';\n",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    #[test]
    fn the_source_reader_never_panics_or_hangs(
        picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..60),
        raw in "[a-z(){}\\[\\]'\"`$.=+;:,/ \n0-9]{0,60}",
    ) {
        let code: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
        let dir = tree(&[("src/a.js", &code), ("src/b.mjs", &raw), ("src/c.js", &format!("{code}{raw}"))]);
        let scan = scan(dir.path()).expect("a readable tree is never a usage error");
        proptest::prop_assert_eq!(scan.files, 3);
    }
}
