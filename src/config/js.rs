//! A small, tolerant reader for the literal parts of JavaScript configuration files.
//!
//! PM2 ecosystem files are programs (`require('dotenv').config()`, `process.env.X || 3001`,
//! spreads of other modules). lmh never runs them: it tokenizes the text, finds what is
//! exported (`module.exports = ...` or `export default ...`), and reads object, array, string,
//! number and boolean literals out of it. Everything else is kept as [`JsValue::Expr`] with its
//! source text, so the caller can say "could not be read: <expression>" instead of guessing.
//! Top-level `const NAME = <literal>` declarations are followed when a later literal names them.

use std::collections::HashMap;

/// Why a file could not be read as JavaScript: the line and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// A value read from the source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsValue {
    Object(Vec<Property>),
    Array(Vec<Spanned>),
    Str(String),
    /// A number, already in the form `String(n)` gives in JavaScript.
    Num(String),
    Bool(bool),
    Null,
    Undefined,
    /// Anything that is not a literal.
    Expr(Expr),
}

/// A value with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spanned {
    pub value: JsValue,
    pub line: usize,
}

/// One member of an object literal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Property {
    /// `key: value` (or shorthand `key`).
    Field {
        key: String,
        value: Spanned,
        line: usize,
    },
    /// A spread, computed key or method: it may set keys lmh cannot see.
    Opaque { text: String, line: usize },
}

/// A non-literal expression: its source text and tokens, for pattern matching.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub text: String,
    pub tokens: Vec<Tok>,
}

/// A token, without position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Str(String),
    /// A template literal; `cooked` is its text when it has no `${...}`.
    Template {
        cooked: Option<String>,
    },
    Num(String),
    Punct(&'static str),
    Regex,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
    start: usize,
    end: usize,
}

/// The value a module exports (`module.exports = ...` or `export default ...`).
pub(crate) fn read_module(src: &str) -> Result<Spanned, JsError> {
    refuse_deep_nesting(src)?;
    let tokens = tokenize(src)?;
    check_brackets(&tokens)?;
    let mut reader = Reader {
        src,
        tokens: &tokens,
        consts: HashMap::new(),
    };
    reader.exported()
}

/// The reader recurses once per bracket: a file nested deeper than any real configuration
/// is refused before it is read, instead of overflowing the stack.
fn refuse_deep_nesting(src: &str) -> Result<(), JsError> {
    let limit = crate::source::MAX_NESTING;
    crate::source::check_nesting(src, limit).map_err(|line| JsError {
        line,
        reason: format!(
            "brackets nested deeper than {limit} levels; no ecosystem file needs that, so lmh does not read it"
        ),
    })
}

/// A file that is one value, like a JSON ecosystem file (PM2 evaluates it as `(<text>)`).
pub(crate) fn read_value(src: &str) -> Result<Spanned, JsError> {
    refuse_deep_nesting(src)?;
    let tokens = tokenize(src)?;
    check_brackets(&tokens)?;
    if tokens.is_empty() {
        return Err(JsError {
            line: 1,
            reason: "the file is empty".into(),
        });
    }
    let reader = Reader {
        src,
        tokens: &tokens,
        consts: HashMap::new(),
    };
    let (value, next) = reader.value(0)?;
    if let Some(extra) = tokens.get(next) {
        return Err(JsError {
            line: extra.line,
            reason: "unexpected text after the value".into(),
        });
    }
    Ok(value)
}

// ---------------------------------------------------------------------------------------------
// Reading values from tokens

struct Reader<'a> {
    src: &'a str,
    tokens: &'a [Token],
    consts: HashMap<String, Spanned>,
}

impl Reader<'_> {
    /// Walk the top-level statements, remembering `const` literals, until the last export.
    fn exported(&mut self) -> Result<Spanned, JsError> {
        let mut export = None;
        let mut i = 0;
        while i < self.tokens.len() {
            if self.is_ident(i, "const")
                && matches!(self.tok(i + 1), Some(Tok::Ident(_)))
                && self.is_punct(i + 2, "=")
            {
                let Some(Tok::Ident(name)) = self.tok(i + 1).cloned() else {
                    unreachable!("checked above")
                };
                let (value, next) = self.value(i + 3)?;
                self.consts.insert(name, value);
                i = next;
            } else if self.is_ident(i, "module")
                && self.is_punct(i + 1, ".")
                && self.is_ident(i + 2, "exports")
                && self.is_punct(i + 3, "=")
            {
                let (value, next) = self.value(i + 4)?;
                export = Some(value);
                i = next;
            } else if self.is_ident(i, "export") && self.is_ident(i + 1, "default") {
                let (value, next) = self.value(i + 2)?;
                export = Some(value);
                i = next;
            } else {
                i = self.skip_token_or_group(i);
            }
        }
        export.ok_or_else(|| JsError {
            line: 1,
            reason: "no `module.exports = ...` or `export default ...` found".into(),
        })
    }

    /// Read the value starting at token `i`; returns it and the index after it.
    fn value(&self, i: usize) -> Result<(Spanned, usize), JsError> {
        let Some(first) = self.tokens.get(i) else {
            return Err(JsError {
                line: self.tokens.last().map_or(1, |t| t.line),
                reason: "a value is missing at the end of the file".into(),
            });
        };
        let line = first.line;
        let literal = match &first.tok {
            Tok::Punct("{") => Some(self.object(i)?),
            Tok::Punct("[") => Some(self.array(i)?),
            Tok::Str(s) => Some((JsValue::Str(s.clone()), i + 1)),
            Tok::Template { cooked: Some(s) } => Some((JsValue::Str(s.clone()), i + 1)),
            Tok::Num(n) => Some((JsValue::Num(js_number(n)), i + 1)),
            Tok::Punct("-") => match self.tok(i + 1) {
                Some(Tok::Num(n)) => Some((JsValue::Num(js_number(&format!("-{n}"))), i + 2)),
                _ => None,
            },
            Tok::Ident(word) => match word.as_str() {
                "true" => Some((JsValue::Bool(true), i + 1)),
                "false" => Some((JsValue::Bool(false), i + 1)),
                "null" => Some((JsValue::Null, i + 1)),
                "undefined" => Some((JsValue::Undefined, i + 1)),
                name => self.consts.get(name).map(|v| (v.value.clone(), i + 1)),
            },
            _ => None,
        };
        match literal {
            Some((value, next)) if self.ends_value(next) => Ok((Spanned { value, line }, next)),
            _ => {
                let end = self.expression_end(i);
                Ok((
                    Spanned {
                        value: JsValue::Expr(self.expr(i, end)),
                        line,
                    },
                    end,
                ))
            }
        }
    }

    fn object(&self, open: usize) -> Result<(JsValue, usize), JsError> {
        let mut props = Vec::new();
        let mut i = open + 1;
        loop {
            let Some(token) = self.tokens.get(i) else {
                return Err(self.unclosed(open));
            };
            let (prop, next) = match &token.tok {
                Tok::Punct("}") => return Ok((JsValue::Object(props), i + 1)),
                Tok::Punct("...") => self.opaque(i, i + 1),
                Tok::Ident(key) | Tok::Str(key) | Tok::Num(key) => self.field(i, key)?,
                _ => self.opaque(i, i),
            };
            props.push(prop);
            i = self.after_item(next, "}", open)?;
        }
    }

    /// A property lmh cannot read (spread, computed key, method): from token `start`, with the
    /// expression scanned from `from`.
    fn opaque(&self, start: usize, from: usize) -> (Property, usize) {
        let end = self.expression_end(from);
        let text = self.expr(start, end).text;
        let line = self.tokens[start].line;
        (Property::Opaque { text, line }, end)
    }

    /// After an object property or array element at `i`: skip a `,`, stop before `close`.
    fn after_item(&self, i: usize, close: &str, open: usize) -> Result<usize, JsError> {
        match self.tok(i) {
            Some(Tok::Punct(",")) => Ok(i + 1),
            Some(Tok::Punct(p)) if *p == close => Ok(i),
            Some(_) => Err(JsError {
                line: self.tokens[i].line,
                reason: format!("expected `,` or `{close}` here"),
            }),
            None => Err(self.unclosed(open)),
        }
    }

    /// `key: value`, shorthand `key`, or a method `key(...) {...}` starting at token `i`.
    fn field(&self, i: usize, key: &str) -> Result<(Property, usize), JsError> {
        let line = self.tokens[i].line;
        match self.tok(i + 1) {
            Some(Tok::Punct(":")) => {
                let (value, next) = self.value(i + 2)?;
                let key = key.to_string();
                Ok((Property::Field { key, value, line }, next))
            }
            Some(Tok::Punct(",")) | Some(Tok::Punct("}")) => {
                let value = match self.consts.get(key) {
                    Some(v) => v.clone(),
                    None => Spanned {
                        value: JsValue::Expr(self.expr(i, i + 1)),
                        line,
                    },
                };
                let key = key.to_string();
                Ok((Property::Field { key, value, line }, i + 1))
            }
            _ => Ok(self.opaque(i, i)),
        }
    }

    fn array(&self, open: usize) -> Result<(JsValue, usize), JsError> {
        let mut items = Vec::new();
        let mut i = open + 1;
        loop {
            match self.tok(i) {
                None => return Err(self.unclosed(open)),
                Some(Tok::Punct("]")) => return Ok((JsValue::Array(items), i + 1)),
                Some(Tok::Punct(",")) => {
                    i += 1;
                    continue;
                }
                Some(_) => {}
            }
            let (item, next) = self.value(i)?;
            items.push(item);
            i = self.after_item(next, "]", open)?;
        }
    }

    /// Whether the value ending before token `i` is complete (not followed by an operator).
    fn ends_value(&self, i: usize) -> bool {
        match self.tokens.get(i) {
            None => true,
            Some(t) => match &t.tok {
                Tok::Punct(",")
                | Tok::Punct(";")
                | Tok::Punct("}")
                | Tok::Punct("]")
                | Tok::Punct(")") => true,
                _ => self.starts_statement_on_new_line(i),
            },
        }
    }

    /// The index after an expression starting at `i`: the next `,`, `;` or closing bracket at
    /// this nesting level, or a new statement on a later line.
    fn expression_end(&self, start: usize) -> usize {
        let mut i = start;
        while i < self.tokens.len() {
            match &self.tokens[i].tok {
                Tok::Punct(",")
                | Tok::Punct(";")
                | Tok::Punct("}")
                | Tok::Punct("]")
                | Tok::Punct(")") => return i,
                _ if i > start && self.starts_statement_on_new_line(i) => return i,
                _ => i = self.skip_token_or_group(i),
            }
        }
        i
    }

    /// Automatic semicolon insertion, roughly: a statement keyword on a new line ends a value.
    fn starts_statement_on_new_line(&self, i: usize) -> bool {
        let (Some(prev), Some(token)) = (self.tokens.get(i.wrapping_sub(1)), self.tokens.get(i))
        else {
            return false;
        };
        token.line > prev.line
            && matches!(&token.tok, Tok::Ident(w) if matches!(w.as_str(),
                "const" | "let" | "var" | "module" | "export" | "function" | "if" | "for"
                | "while" | "class" | "import" | "return" | "exports" | "require"))
    }

    /// The index after token `i`, or after the bracket group it opens.
    fn skip_token_or_group(&self, i: usize) -> usize {
        let opens = matches!(self.tok(i), Some(Tok::Punct("{" | "[" | "(")));
        if !opens {
            return i + 1;
        }
        let mut depth = 0usize;
        let mut j = i;
        while j < self.tokens.len() {
            match self.tokens[j].tok {
                Tok::Punct("{" | "[" | "(") => depth += 1,
                Tok::Punct("}" | "]" | ")") => {
                    depth -= 1;
                    if depth == 0 {
                        return j + 1;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        j
    }

    fn expr(&self, start: usize, end: usize) -> Expr {
        let end = end.max(start + 1).min(self.tokens.len());
        let from = self.tokens[start].start;
        let to = self.tokens[end - 1].end;
        let text = self.src[from..to]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Expr {
            text: super::source::shorten(&text, 120),
            tokens: self.tokens[start..end]
                .iter()
                .map(|t| t.tok.clone())
                .collect(),
        }
    }

    fn unclosed(&self, open: usize) -> JsError {
        JsError {
            line: self.tokens[open].line,
            reason: "this bracket is never closed".into(),
        }
    }

    fn tok(&self, i: usize) -> Option<&Tok> {
        self.tokens.get(i).map(|t| &t.tok)
    }

    fn is_ident(&self, i: usize, word: &str) -> bool {
        matches!(self.tok(i), Some(Tok::Ident(w)) if w == word)
    }

    fn is_punct(&self, i: usize, p: &str) -> bool {
        matches!(self.tok(i), Some(Tok::Punct(q)) if *q == p)
    }
}

/// A numeric literal as JavaScript's `String(n)` prints it (what PM2 puts in the environment).
pub(crate) fn js_number(literal: &str) -> String {
    let plain = literal.replace('_', "");
    let (negative, digits) = match plain.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, plain.as_str()),
    };
    let radix = match digits.get(..2) {
        Some("0x" | "0X") => Some(16),
        Some("0o" | "0O") => Some(8),
        Some("0b" | "0B") => Some(2),
        _ => None,
    };
    let value = match radix {
        Some(r) => u64::from_str_radix(&digits[2..], r).ok().map(|v| v as f64),
        None => digits.parse::<f64>().ok(),
    };
    match value {
        Some(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e21 => {
            let sign = if negative && v != 0.0 { "-" } else { "" };
            format!("{sign}{}", v as u64)
        }
        Some(v) if v.is_finite() => format!("{}{v}", if negative { "-" } else { "" }),
        _ => plain,
    }
}

/// Brackets must pair up; report the first that does not, with both lines.
fn check_brackets(tokens: &[Token]) -> Result<(), JsError> {
    let mut open: Vec<(&str, usize)> = Vec::new();
    for t in tokens {
        let Tok::Punct(p) = t.tok else { continue };
        match p {
            "{" | "[" | "(" => open.push((p, t.line)),
            "}" | "]" | ")" => {
                let expected = match p {
                    "}" => "{",
                    "]" => "[",
                    _ => "(",
                };
                match open.pop() {
                    Some((o, _)) if o == expected => {}
                    Some((o, line)) => {
                        return Err(JsError {
                            line: t.line,
                            reason: format!(
                                "unbalanced brackets: `{p}` closes the `{o}` opened at line {line}"
                            ),
                        });
                    }
                    None => {
                        return Err(JsError {
                            line: t.line,
                            reason: format!("unbalanced brackets: `{p}` closes nothing"),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    match open.pop() {
        Some((o, line)) => Err(JsError {
            line,
            reason: format!("unbalanced brackets: the `{o}` opened here is never closed"),
        }),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Tokenizing

const PUNCTUATORS: &[&str] = &[
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=",
    "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "**", "<<", ">>", "{", "}", "[", "]", "(", ")", ",", ";", ":", ".", "=", "+", "-", "*", "/",
    "%", "<", ">", "!", "~", "?", "&", "|", "^", "@", "#",
];

fn tokenize(src: &str) -> Result<Vec<Token>, JsError> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        line: 1,
        tokens: Vec::new(),
    };
    lexer.skip_hashbang();
    while let Some(token) = lexer.next_token()? {
        lexer.tokens.push(token);
    }
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error(&self, line: usize, reason: impl Into<String>) -> JsError {
        JsError {
            line,
            reason: reason.into(),
        }
    }

    fn skip_hashbang(&mut self) {
        if self.src.starts_with("#!") {
            while let Some(c) = self.peek() {
                if c == '\n' {
                    break;
                }
                self.bump();
            }
        }
    }

    /// Skip whitespace and comments; fails on an unterminated block comment.
    fn skip_trivia(&mut self) -> Result<(), JsError> {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(c), _) if c.is_whitespace() || c == '\u{feff}' => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    let line = self.line;
                    self.bump();
                    self.bump();
                    loop {
                        match self.bump() {
                            None => return Err(self.error(line, "a `/*` comment is never closed")),
                            Some('*') if self.peek() == Some('/') => {
                                self.bump();
                                break;
                            }
                            Some(_) => {}
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn next_token(&mut self) -> Result<Option<Token>, JsError> {
        self.skip_trivia()?;
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        let (start, line) = (self.pos, self.line);
        let tok = if c == '"' || c == '\'' {
            Tok::Str(self.string(c)?)
        } else if c == '`' {
            self.template()?
        } else if c.is_ascii_digit()
            || (c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()))
        {
            self.number()
        } else if c == '_' || c == '$' || c.is_alphabetic() {
            self.ident()
        } else if c == '/' && self.regex_allowed() {
            self.regex()?
        } else {
            self.punct()?
        };
        Ok(Some(Token {
            tok,
            line,
            start,
            end: self.pos,
        }))
    }

    fn ident(&mut self) -> Tok {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '_' || c == '$' || c.is_alphanumeric() {
                self.bump();
            } else {
                break;
            }
        }
        Tok::Ident(self.src[start..self.pos].to_string())
    }

    fn number(&mut self) -> Tok {
        let start = self.pos;
        let mut prev = ' ';
        while let Some(c) = self.peek() {
            let exponent_sign = (c == '+' || c == '-')
                && (prev == 'e' || prev == 'E')
                && !self.src[start..self.pos].starts_with("0x");
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' || exponent_sign {
                prev = c;
                self.bump();
            } else {
                break;
            }
        }
        Tok::Num(self.src[start..self.pos].to_string())
    }

    fn punct(&mut self) -> Result<Tok, JsError> {
        let rest = &self.src[self.pos..];
        match PUNCTUATORS.iter().find(|p| rest.starts_with(**p)) {
            Some(p) => {
                self.pos += p.len();
                Ok(Tok::Punct(p))
            }
            None => {
                let c = self.peek().unwrap_or(' ');
                Err(self.error(self.line, format!("unexpected character `{c}`")))
            }
        }
    }

    /// A `/` starts a regular expression after an operator or at the start, not after a value.
    fn regex_allowed(&self) -> bool {
        match self.tokens.last().map(|t| &t.tok) {
            None => true,
            Some(Tok::Punct(p)) => !matches!(*p, ")" | "]" | "}"),
            Some(Tok::Ident(w)) => matches!(w.as_str(), "return" | "typeof" | "case" | "in" | "of"),
            Some(_) => false,
        }
    }

    fn regex(&mut self) -> Result<Tok, JsError> {
        let line = self.line;
        self.bump();
        let mut in_class = false;
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return Err(self.error(line, "a regular expression is never closed"));
                }
                Some('\\') => {
                    self.bump();
                }
                Some('[') => in_class = true,
                Some(']') => in_class = false,
                Some('/') if !in_class => break,
                Some(_) => {}
            }
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.bump();
        }
        Ok(Tok::Regex)
    }

    /// A quoted string, escapes decoded.
    fn string(&mut self, quote: char) -> Result<String, JsError> {
        let line = self.line;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return Err(self.error(
                        line,
                        format!("a string opened with {quote} is never closed"),
                    ));
                }
                Some(c) if c == quote => return Ok(out),
                Some('\\') => self.escape(&mut out, line)?,
                Some(c) => out.push(c),
            }
        }
    }

    /// A template literal; its text is kept only when it has no `${...}`.
    fn template(&mut self) -> Result<Tok, JsError> {
        let line = self.line;
        self.bump();
        let mut out = String::new();
        let mut substituted = false;
        loop {
            match self.bump() {
                None => return Err(self.error(line, "a template string (`) is never closed")),
                Some('`') => break,
                Some('\\') => self.escape(&mut out, line)?,
                Some('$') if self.peek() == Some('{') => {
                    self.bump();
                    substituted = true;
                    self.skip_substitution(line)?;
                }
                Some(c) => out.push(c),
            }
        }
        Ok(Tok::Template {
            cooked: (!substituted).then_some(out),
        })
    }

    /// Skip the tokens of a `${...}` up to its closing brace.
    fn skip_substitution(&mut self, line: usize) -> Result<(), JsError> {
        let mut depth = 0usize;
        loop {
            let Some(token) = self.next_token()? else {
                return Err(self.error(line, "a `${` in a template string is never closed"));
            };
            match token.tok {
                Tok::Punct("{") => depth += 1,
                Tok::Punct("}") if depth == 0 => return Ok(()),
                Tok::Punct("}") => depth -= 1,
                _ => {}
            }
        }
    }

    fn escape(&mut self, out: &mut String, line: usize) -> Result<(), JsError> {
        let Some(c) = self.bump() else {
            return Err(self.error(line, "a string ends in the middle of an escape"));
        };
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0' => out.push('\0'),
            '\n' => {}
            'x' => {
                let hex: String = (0..2).filter_map(|_| self.bump()).collect();
                out.push(self.code_point(&hex, line)?);
            }
            'u' if self.peek() == Some('{') => {
                self.bump();
                let mut hex = String::new();
                while let Some(d) = self
                    .peek()
                    .filter(|d| d.is_ascii_hexdigit() && hex.len() < 6)
                {
                    self.bump();
                    hex.push(d);
                }
                if self.bump() != Some('}') {
                    return Err(self.error(line, "a `\\u{...}` escape is not closed"));
                }
                out.push(self.code_point(&hex, line)?);
            }
            'u' => {
                let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                out.push(self.code_point(&hex, line)?);
            }
            other => out.push(other),
        }
        Ok(())
    }

    fn code_point(&self, hex: &str, line: usize) -> Result<char, JsError> {
        u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            // The digits may be part of a secret; the line number is enough to find them.
            .ok_or_else(|| self.error(line, "a string has an invalid `\\x` or `\\u` escape"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(src: &str) -> JsValue {
        read_module(src).expect("reads").value
    }

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(js_number("3001"), "3001");
        assert_eq!(js_number("3_001"), "3001");
        assert_eq!(js_number("3001.0"), "3001");
        assert_eq!(js_number("0xBB9"), "3001");
        assert_eq!(js_number("1.5"), "1.5");
    }

    #[test]
    fn literal_object_with_comments_and_consts() {
        let v = export(
            "// ecosystem\nconst PORT = 3001; /* block */\nmodule.exports = { a: 'x', b: PORT, c: `t`, PORT };",
        );
        let JsValue::Object(props) = v else {
            panic!("object")
        };
        let values: Vec<&JsValue> = props
            .iter()
            .map(|p| match p {
                Property::Field { value, .. } => &value.value,
                Property::Opaque { .. } => panic!("no opaque"),
            })
            .collect();
        assert_eq!(values[0], &JsValue::Str("x".into()));
        assert_eq!(values[1], &JsValue::Num("3001".into()));
        assert_eq!(values[2], &JsValue::Str("t".into()));
        assert_eq!(values[3], &JsValue::Num("3001".into()));
    }

    #[test]
    fn expressions_are_kept_as_text() {
        let v = export("module.exports = { p: process.env.PORT || 3001, t: `a${b}c`, r: /x}/ }");
        let JsValue::Object(props) = v else {
            panic!("object")
        };
        let Property::Field { value, .. } = &props[0] else {
            panic!("field")
        };
        let JsValue::Expr(e) = &value.value else {
            panic!("expr")
        };
        assert_eq!(e.text, "process.env.PORT || 3001");
    }

    #[test]
    fn unbalanced_brackets_name_the_line() {
        let err = read_module("module.exports = {\n apps: [\n {\n }\n").unwrap_err();
        assert!(err.reason.contains("never closed"), "{err:?}");
        let err = read_module("module.exports = {\n a: 1 ]\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
