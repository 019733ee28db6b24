//! Secrets out of output: the one place that decides what a credential looks like.
//!
//! A URL carries credentials in its user part (`user:password@`, or a token as the user name
//! alone: `http://TOKEN@host`) and in token-like query values (`?token=…`, `&signature=…`); a
//! configuration variable carries one when its name says so (`DB_PASSWORD`, `API_KEY`). Every
//! message, report line and `--help` text that may show such a value passes through here.
//!
//! ```
//! use lmh::redact::{text, url};
//! assert_eq!(text("mysql://root:pw@db:3306/x"), "mysql://root:<redacted>@db:3306/x");
//! assert_eq!(text("see http://TOKEN@h:1/p"), "see http://<redacted>@h:1/p");
//! assert_eq!(text("http://h/s?token=abc&page=2"), "http://h/s?token=<redacted>&page=2");
//! assert!(!url("garbage:pa ss@@@").contains("pa ss"));
//! ```

/// What is printed instead of a secret.
pub const REDACTED: &str = "<redacted>";

/// Words that make a variable name or a query key a secret's (matched case-insensitively,
/// anywhere in the name: `OPENAI_API_KEY`, `access_token`, `X-Amz-Signature`).
const SECRET_WORDS: [&str; 8] = [
    "PASS",
    "PWD",
    "SECRET",
    "TOKEN",
    "KEY",
    "CREDENTIAL",
    "AUTH",
    "SIGNATURE",
];

/// Whether a variable name or query key looks like it holds a secret (password, token, key...).
pub fn is_secret_key(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|word| upper.contains(word))
}

/// `text` with the credentials of every URL in it replaced: a password (the user name before
/// it is kept), a user name alone (it is the token), and secret-looking query values. A
/// scheme-less `user:secret@host` loses its whole user part.
pub fn text(text: &str) -> String {
    if !text.contains("://") {
        return schemeless_userinfo(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        out.push_str(&authority(&tail[..authority_end]));
        let after = &tail[authority_end..];
        let url_end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(after.len());
        let path_and_query = &after[..url_end];
        // The next URL may start inside this one's query (`?next=http://u:p@h`): scan it too.
        let next = path_and_query.find("://").map_or(url_end, |p| {
            path_and_query[..p]
                .rfind(|c: char| !c.is_ascii_alphanumeric() && !matches!(c, '+' | '-' | '.'))
                .map_or(0, |i| i + 1)
        });
        out.push_str(&query_values(&after[..next]));
        rest = &after[next..];
    }
    out.push_str(rest);
    out
}

/// One URL string, as given by a user, shown safely even when it does not parse: then
/// everything between the scheme and the last `@` is taken for credentials.
pub fn url(input: &str) -> String {
    if let Ok(parsed) = url::Url::parse(input)
        && parsed.has_host()
        && input.contains("://")
    {
        return text(input);
    }
    let start = input.find("://").map_or(0, |i| i + 3);
    match input.rfind('@') {
        Some(at) if at >= start => {
            format!("{}{REDACTED}{}", &input[..start], text(&input[at..]))
        }
        _ => text(input),
    }
}

/// A value of variable `key` as it may appear in output: all of it when the name is a
/// secret's, else its URL credentials.
pub fn value(key: &str, value: &str) -> String {
    if is_secret_key(key) {
        REDACTED.to_string()
    } else {
        text(value)
    }
}

/// `message` with a known secret (raw and percent-encoded) replaced, then URL credentials.
pub fn known_secret(message: &str, secret: Option<&str>) -> String {
    let mut out = message.to_string();
    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
        out = out.replace(secret, REDACTED);
        let encoded = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>();
        if encoded != secret {
            out = out.replace(&encoded, REDACTED);
        }
    }
    text(&out)
}

/// `user:secret@host` → `user:<redacted>@host`; `token@host` → `<redacted>@host`.
fn authority(authority: &str) -> String {
    let Some(at) = authority.rfind('@') else {
        return authority.to_string();
    };
    let userinfo = &authority[..at];
    let shown = match userinfo.find(':') {
        Some(colon) => format!("{}:{REDACTED}", &userinfo[..colon]),
        None if userinfo.is_empty() => String::new(),
        None => REDACTED.to_string(),
    };
    format!("{shown}{}", &authority[at..])
}

/// `/p?token=abc&page=2#f` → `/p?token=<redacted>&page=2#f`.
fn query_values(path_and_query: &str) -> String {
    let Some(q) = path_and_query.find('?') else {
        return path_and_query.to_string();
    };
    let (path, query) = path_and_query.split_at(q + 1);
    let (query, fragment) = match query.find('#') {
        Some(h) => query.split_at(h),
        None => (query, ""),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if is_secret_key(k) && !v.is_empty() => format!("{k}={REDACTED}"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}{}{fragment}", pairs.join("&"))
}

/// `user:secret@host` (no scheme): every `@`-joined token keeps only what follows its last `@`.
fn schemeless_userinfo(text: &str) -> String {
    let is_boundary = |c: char| c.is_whitespace() || matches!(c, '=' | '"' | '\'' | ',' | ';');
    let mut out = String::with_capacity(text.len());
    let mut token_start = 0;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if i == text.len() || is_boundary(c) {
            let token = &text[token_start..i];
            match token.rfind('@') {
                Some(at) if at > 0 => {
                    out.push_str(REDACTED);
                    out.push_str(&token[at..]);
                }
                _ => out.push_str(token),
            }
            if i < text.len() {
                out.push(c);
            }
            token_start = i + c.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_credential_form_is_replaced() {
        for (input, expected) in [
            (
                "mysql://root:pw@db:3306/x",
                "mysql://root:<redacted>@db:3306/x",
            ),
            ("http://TOKEN@host:1", "http://<redacted>@host:1"),
            ("http://@host", "http://@host"),
            (
                "GET https://h/p?api_key=k1&x=1&Signature=s2#f done",
                "GET https://h/p?api_key=<redacted>&x=1&Signature=<redacted>#f done",
            ),
            (
                "http://h/?next=http://u:p@i/?auth=z",
                "http://h/?next=http://u:<redacted>@i/?auth=<redacted>",
            ),
            (
                "a http://h:1 and http://h:2/x",
                "a http://h:1 and http://h:2/x",
            ),
            ("u:secret@host", "<redacted>@host"),
        ] {
            assert_eq!(text(input), expected, "{input}");
        }
    }

    #[test]
    fn known_secrets_are_scrubbed_raw_and_encoded() {
        let s = known_secret("denied for p@ss and p%40ss", Some("p@ss"));
        assert_eq!(s, "denied for <redacted> and <redacted>");
    }
}
