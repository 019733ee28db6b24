//! Text from outside made safe for a terminal, and errors said in one line.

/// A string from outside (a provider's answer, a consumer's header) made safe to print:
/// at most `max_chars` characters, control characters escaped.
pub fn printable(s: &str, max_chars: usize) -> String {
    let cut: String = s.chars().take(max_chars).collect();
    let mut out = terminal_line(&cut);
    if s.chars().count() > max_chars {
        out.push('…');
    }
    out
}

/// One line of terminal text from values lmh did not write (files, journals, providers):
/// control characters (ANSI escapes, carriage returns, newlines) and bidirectional overrides
/// shown escaped (`\u{1b}`), so no value can move the cursor, recolour or hide a FAIL line.
pub fn terminal_line(s: &str) -> String {
    escape_for_terminal(s, false)
}

/// Like [`terminal_line`] for text of several lines: newlines and tabs are kept.
pub fn terminal_text(s: &str) -> String {
    escape_for_terminal(s, true)
}

fn escape_for_terminal(s: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if keep_lines && matches!(c, '\n' | '\t') {
            out.push(c);
        } else if c.is_control() || bidi {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// An error and its sources, joined with `: `, without repeating a message.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The innermost error of a chain, the one that says what really happened (e.g. "Connection
/// refused (os error 111)"), without the wrappers that repeat the URL.
pub fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
