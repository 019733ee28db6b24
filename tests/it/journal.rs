//! The journal file format: lines written by earlier lmh read back and written out byte for
//! byte, and the streamed readers (a mark on a growing file, the last sequence number) count
//! what they should. What the mock writes is checked in `mock.rs`.

use std::io::Write as _;

use lmh::journal::{
    JournalError, JournalMark, JournalWriter, for_each_entry, last_seq, read_journal,
};

/// A `/send` with every optional field, as the mock wrote it before the journal had its own
/// module (field order and escaping included).
const FULL: &str = r#"{"seq":7,"at":"2026-01-13T12:00:00.000Z","method":"POST","path":"/send","query":"x=1","headers":{"content-type":"application/json","x-cliente-id":"51"},"body":"{\"to\":\"5491155550000\",\"message\":\"hola ñandú\"}","operation":"send","unknown_route":false,"cliente_id":51,"status":500,"response":"{\"error\":true,\"code\":\"SEND_FAILED\",\"message\":\"Protocol error (Runtime.callFunctionOn): Target closed.\"}","message_id":"true_5491155550000@c.us_3EB0ABCDEF0100000001","fault":"SendFailsAfterDelivery","violation":"status 500: not documented"}"#;

/// An unknown route with no optional field: they are left out, not written as `null`.
const BARE: &str = r#"{"seq":8,"at":"2026-01-13T12:00:01.250Z","method":"GET","path":"/api/session-manager/sessions/sender_51","headers":{},"body":"","operation":null,"unknown_route":true,"status":404,"response":"{\"error\":true,\"code\":\"NOT_FOUND\",\"message\":\"Endpoint not found\"}"}"#;

fn write_lines(path: &std::path::Path, lines: &[&str]) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
}

#[test]
fn lines_on_disk_read_back_and_are_written_out_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.jsonl");
    write_lines(&old, &[FULL, "", BARE]);
    let journal = read_journal(&old).unwrap();
    assert_eq!(journal.len(), 2, "the blank line is skipped");
    let send = &journal[0];
    assert!(send.is_send() && send.delivered(), "{send:?}");
    assert_eq!(send.header("X-Cliente-Id"), Some("51"));
    assert_eq!(send.json_body().unwrap()["message"], "hola ñandú");
    assert!(journal[1].unknown_route && !journal[1].is_send() && !journal[1].delivered());

    let copy = dir.path().join("copy.jsonl");
    let writer = JournalWriter::open(&copy).unwrap();
    for entry in &journal {
        writer.append(entry).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&copy).unwrap(),
        format!("{FULL}\n{BARE}\n")
    );
}

#[test]
fn a_mark_reads_only_what_was_added_and_refuses_a_journal_that_shrank() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let not_yet = JournalMark::now(&path).unwrap();
    write_lines(&path, &[FULL]);
    let since: Vec<u64> = not_yet
        .entries_since()
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(since, [7], "a file created after the mark is all new");

    let mark = JournalMark::now(&path).unwrap();
    assert!(mark.entries_since().unwrap().is_empty());
    write_lines(&path, &[BARE]);
    let since = mark.entries_since().unwrap();
    assert_eq!(since.len(), 1);
    assert_eq!(since[0].seq, 8);

    std::fs::write(&path, "").unwrap();
    let err = mark.entries_since().unwrap_err();
    assert!(
        matches!(
            err,
            JournalError::Shrank {
                before: 1,
                after: 0,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("shrank during the run (1 -> 0 entries)"),
        "{err}"
    );
}

#[test]
fn the_last_sequence_is_the_highest_whatever_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    assert_eq!(last_seq(&path).unwrap(), 0, "a journal not written yet");
    write_lines(&path, &[BARE, FULL]);
    assert_eq!(last_seq(&path).unwrap(), 8);
    let mut seen = Vec::new();
    for_each_entry(&path, |e| seen.push(e.seq)).unwrap();
    assert_eq!(seen, [8, 7], "file order");
}

#[test]
fn a_line_that_is_no_entry_is_named_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    write_lines(&path, &[FULL, r#"{"seq":2}"#]);
    let err = read_journal(&path).unwrap_err();
    assert!(matches!(err, JournalError::Entry { line: 2, .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "journal {}:2: not a journal entry: ",
            path.display()
        )),
        "{text}"
    );
    assert!(
        text.ends_with("as `lmh mock serve --journal` writes"),
        "{text}"
    );
    assert!(last_seq(&path).is_err(), "a reader never skips a bad line");
}
