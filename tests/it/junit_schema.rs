//! The rules of the JUnit schema Jenkins' xunit plugin validates against (junit-10.xsd) and the
//! GitHub test-report actions read, checked in code on a parsed document.
//!
//! Two attributes quick-junit writes that junit-10.xsd's `testsuites` lacks are accepted, as
//! every reporter ignores them: `skipped` and `timestamp`. On top of the schema, lmh's own
//! promises: every suite has `tests`, `failures`, `errors`, `skipped`, `time` and `timestamp`
//! and its counts match its cases; every case has `classname` and `time`; `(classname, name)`
//! is unique in the document.

use std::collections::BTreeSet;

use roxmltree::{Document, Node};

const TESTSUITES_ATTRS: &[&str] = &[
    "name",
    "time",
    "tests",
    "failures",
    "disabled",
    "errors",
    "skipped",
    "timestamp",
];
const TESTSUITE_ATTRS: &[&str] = &[
    "name",
    "tests",
    "failures",
    "errors",
    "time",
    "disabled",
    "skipped",
    "timestamp",
    "hostname",
    "id",
    "package",
    "file",
    "log",
    "url",
    "version",
];
const TESTCASE_ATTRS: &[&str] = &["name", "assertions", "time", "classname", "status"];

/// `Ok` when `xml` follows the rules; otherwise every rule it breaks.
pub fn validate(xml: &str) -> Result<(), Vec<String>> {
    let doc = Document::parse(xml).map_err(|e| vec![format!("not well-formed XML: {e}")])?;
    let mut errors = Vec::new();
    let root = doc.root_element();
    if root.tag_name().name() != "testsuites" {
        errors.push(format!(
            "root is <{}>, not <testsuites>",
            root.tag_name().name()
        ));
    }
    attrs(
        root,
        TESTSUITES_ATTRS,
        &["tests", "failures", "errors", "time"],
        &mut errors,
    );
    let mut pairs = BTreeSet::new();
    for child in root.children().filter(Node::is_element) {
        if child.tag_name().name() != "testsuite" {
            errors.push(format!("<testsuites> holds <{}>", child.tag_name().name()));
            continue;
        }
        suite(child, &mut pairs, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn suite(s: Node, pairs: &mut BTreeSet<(String, String)>, errors: &mut Vec<String>) {
    let required = [
        "name",
        "tests",
        "failures",
        "errors",
        "skipped",
        "time",
        "timestamp",
    ];
    attrs(s, TESTSUITE_ATTRS, &required, errors);
    let order = ["properties", "testcase", "system-out", "system-err"];
    in_order(s, &order, errors);
    let cases: Vec<Node> = s
        .children()
        .filter(|c| c.has_tag_name("testcase"))
        .collect();
    let count = |tag: &str| {
        cases
            .iter()
            .filter(|c| c.children().any(|k| k.has_tag_name(tag)))
            .count()
    };
    for (attr, n) in [
        ("tests", cases.len()),
        ("failures", count("failure")),
        ("errors", count("error")),
        ("skipped", count("skipped")),
    ] {
        if s.attribute(attr) != Some(n.to_string().as_str()) {
            errors.push(format!(
                "suite {:?}: {attr}={:?} but {n} cases",
                s.attribute("name"),
                s.attribute(attr)
            ));
        }
    }
    if let Some(ts) = s.attribute("timestamp")
        && chrono::DateTime::parse_from_rfc3339(ts).is_err()
    {
        errors.push(format!(
            "suite {:?}: timestamp {ts:?} is not ISO 8601",
            s.attribute("name")
        ));
    }
    for case in cases {
        test_case(case, pairs, errors);
    }
}

fn test_case(c: Node, pairs: &mut BTreeSet<(String, String)>, errors: &mut Vec<String>) {
    attrs(c, TESTCASE_ATTRS, &["name", "classname", "time"], errors);
    in_order(
        c,
        &["skipped", "error", "failure", "system-out", "system-err"],
        errors,
    );
    if c.children().filter(|k| k.has_tag_name("skipped")).count() > 1 {
        errors.push(format!(
            "case {:?}: more than one <skipped>",
            c.attribute("name")
        ));
    }
    for k in c.children().filter(Node::is_element) {
        let allowed: &[&str] = match k.tag_name().name() {
            "skipped" => &["message"],
            "error" | "failure" => &["message", "type"],
            _ => &[],
        };
        attrs(k, allowed, &[], errors);
    }
    let pair = (
        c.attribute("classname").unwrap_or("").to_string(),
        c.attribute("name").unwrap_or("").to_string(),
    );
    if !pairs.insert(pair.clone()) {
        errors.push(format!("(classname, name) {pair:?} twice"));
    }
}

/// Only `allowed` attributes; every `required` one; counts and times are numbers.
fn attrs(n: Node, allowed: &[&str], required: &[&str], errors: &mut Vec<String>) {
    let tag = n.tag_name().name();
    for a in n.attributes() {
        if !allowed.contains(&a.name()) {
            errors.push(format!(
                "<{tag}> has attribute {:?}, not in the schema",
                a.name()
            ));
        }
        let numeric = ["tests", "failures", "errors", "skipped", "disabled"].contains(&a.name());
        if numeric && a.value().parse::<u64>().is_err() {
            errors.push(format!(
                "<{tag}> {}={:?} is not a count",
                a.name(),
                a.value()
            ));
        }
        if a.name() == "time" && a.value().parse::<f64>().is_err() {
            errors.push(format!("<{tag}> time={:?} is not a number", a.value()));
        }
    }
    for r in required {
        if n.attribute(*r).is_none() {
            errors.push(format!("<{tag} name={:?}> lacks {r}", n.attribute("name")));
        }
    }
}

/// Child elements only of the given tags, in that order.
fn in_order(n: Node, order: &[&str], errors: &mut Vec<String>) {
    let mut at = 0;
    for k in n.children().filter(Node::is_element) {
        match order.iter().position(|t| *t == k.tag_name().name()) {
            Some(i) if i >= at => at = i,
            Some(_) => errors.push(format!(
                "<{}> out of order in <{}>",
                k.tag_name().name(),
                n.tag_name().name()
            )),
            None => errors.push(format!(
                "<{}> not allowed in <{}>",
                k.tag_name().name(),
                n.tag_name().name()
            )),
        }
    }
}

/// Panic with every broken rule, and the document.
pub fn assert_valid(xml: &str) {
    if let Err(errors) = validate(xml) {
        panic!("JUnit breaks the schema:\n  {}\n{xml}", errors.join("\n  "));
    }
}
