//! The literal parts of JavaScript configuration files, read with oxc's parser (the same one
//! that reads central-hub's code for `verify consumer --source`), never run.
//!
//! PM2 ecosystem files are programs (`require('dotenv').config()`, `process.env.X || 3001`,
//! spreads of other modules). lmh parses them, finds what is exported (`module.exports = ...`
//! or `export default ...`), and reads object, array, string, number and boolean literals out
//! of it. Everything else is kept as [`JsValue::Expr`] with its source text, so the caller can
//! say `could not be read: <expression>` instead of guessing; a value that only reads the
//! shell (`process.env.X`, converted, with a literal fallback) is recognised as such.
//! Top-level `const NAME = <literal>` declarations are followed when a later literal names them.

use std::collections::HashMap;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    ArrayExpressionElement, AssignmentTarget, Expression, LogicalOperator, ObjectPropertyKind,
    PropertyKind, Statement, UnaryOperator, VariableDeclarationKind,
};
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType, Span};

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

/// A non-literal expression: its source text, and what it takes from the shell when that is
/// all it does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub text: String,
    pub shell: Option<ShellRef>,
}

/// `process.env.X` (or `['X']`), optionally inside `Number(...)`/`parseInt(...)`/`String(...)`,
/// optionally followed by `|| literal` or `?? literal`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ShellRef {
    pub var: String,
    pub default: Option<String>,
    /// `??` (only null/undefined fall back) rather than `||`.
    pub nullish: bool,
}

/// The value a module exports (`module.exports = ...` or `export default ...`).
pub(crate) fn read_module(src: &str) -> Result<Spanned, JsError> {
    refuse_deep_nesting(src)?;
    let alloc = Allocator::default();
    let parsed = Parser::new(&alloc, src, SourceType::unambiguous()).parse();
    if parsed.panicked || parsed.diagnostics.has_errors() {
        let first = parsed.diagnostics.errors().next().map(|d| {
            let offset = d.labels.first().map_or(0, |l| l.offset() as usize);
            (offset, d.message.to_string())
        });
        return Err(syntax_error(src, first));
    }
    let mut reader = Reader {
        src,
        consts: HashMap::new(),
    };
    let mut export = None;
    for s in &parsed.program.body {
        match s {
            Statement::VariableDeclaration(d) if d.kind == VariableDeclarationKind::Const => {
                for decl in &d.declarations {
                    if let (Some(name), Some(init)) = (decl.id.get_identifier_name(), &decl.init) {
                        let value = reader.value(init);
                        reader.consts.insert(name.to_string(), value);
                    }
                }
            }
            Statement::ExpressionStatement(e) => {
                if let Expression::AssignmentExpression(a) = &e.expression
                    && is_module_exports(&a.left)
                {
                    export = Some(reader.value(&a.right));
                }
            }
            Statement::ExportDefaultDeclaration(d) => {
                if let Some(e) = d.declaration.as_expression() {
                    export = Some(reader.value(e));
                }
            }
            _ => {}
        }
    }
    export.ok_or_else(|| JsError {
        line: 1,
        reason: "no `module.exports = ...` or `export default ...` found".into(),
    })
}

/// A file that is one value, like a JSON ecosystem file (PM2 evaluates it as `(<text>)`).
pub(crate) fn read_value(src: &str) -> Result<Spanned, JsError> {
    refuse_deep_nesting(src)?;
    if src.trim().is_empty() {
        return Err(JsError {
            line: 1,
            reason: "the file is empty".into(),
        });
    }
    // Read as an export on a line of its own, so every line after it maps back by one.
    let wrapped = format!("module.exports = (\n{src}\n);");
    read_module(&wrapped)
        .map(|v| shift(v, 1))
        .map_err(|e| JsError {
            line: e.line.saturating_sub(1).max(1),
            reason: e.reason,
        })
}

/// Lines of a value read from wrapped text, moved back by `by`.
fn shift(mut v: Spanned, by: usize) -> Spanned {
    let back = |line: usize| line.saturating_sub(by).max(1);
    v.line = back(v.line);
    match &mut v.value {
        JsValue::Object(props) => {
            for p in props.iter_mut() {
                match p {
                    Property::Field { value, line, .. } => {
                        *line = back(*line);
                        *value = shift(value.clone(), by);
                    }
                    Property::Opaque { line, .. } => *line = back(*line),
                }
            }
        }
        JsValue::Array(items) => {
            for item in items.iter_mut() {
                *item = shift(item.clone(), by);
            }
        }
        _ => {}
    }
    v
}

/// The parser recurses once per bracket: a file nested deeper than any real configuration
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

fn is_module_exports(left: &AssignmentTarget<'_>) -> bool {
    matches!(left, AssignmentTarget::StaticMemberExpression(m)
        if m.property.name == "exports"
            && matches!(&m.object, Expression::Identifier(id) if id.name == "module"))
}

struct Reader<'s> {
    src: &'s str,
    consts: HashMap<String, Spanned>,
}

impl Reader<'_> {
    fn line(&self, span: Span) -> usize {
        crate::source::line_col(self.src, span.start as usize).0
    }

    fn text(&self, span: Span) -> String {
        self.src[span.start as usize..span.end as usize].to_string()
    }

    /// A value: a literal, a `const` it names, or an expression kept as text.
    fn value(&self, e: &Expression<'_>) -> Spanned {
        let line = self.line(e.span());
        let value = match e.without_parentheses() {
            Expression::ObjectExpression(o) => {
                JsValue::Object(o.properties.iter().map(|p| self.property(p)).collect())
            }
            Expression::ArrayExpression(a) => JsValue::Array(
                a.elements
                    .iter()
                    .filter_map(|el| match el {
                        ArrayExpressionElement::Elision(_) => None,
                        ArrayExpressionElement::SpreadElement(s) => Some(Spanned {
                            value: self.expr(s.span, None),
                            line: self.line(s.span),
                        }),
                        other => other.as_expression().map(|x| self.value(x)),
                    })
                    .collect(),
            ),
            Expression::StringLiteral(s) => JsValue::Str(s.value.to_string()),
            Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
                match t.quasis.first().and_then(|q| q.value.cooked) {
                    Some(c) => JsValue::Str(c.to_string()),
                    None => self.expr(t.span, None),
                }
            }
            Expression::NumericLiteral(n) => JsValue::Num(js_number(&self.text(n.span))),
            Expression::UnaryExpression(u)
                if u.operator == UnaryOperator::UnaryNegation
                    && matches!(&u.argument, Expression::NumericLiteral(_)) =>
            {
                JsValue::Num(js_number(&format!("-{}", self.text(u.argument.span()))))
            }
            Expression::BooleanLiteral(b) => JsValue::Bool(b.value),
            Expression::NullLiteral(_) => JsValue::Null,
            Expression::Identifier(id) if id.name == "undefined" => JsValue::Undefined,
            Expression::Identifier(id) => match self.consts.get(id.name.as_str()) {
                Some(v) => v.value.clone(),
                None => self.expr(id.span, None),
            },
            other => self.expr(other.span(), self.shell_ref(other)),
        };
        Spanned { value, line }
    }

    fn expr(&self, span: Span, shell: Option<ShellRef>) -> JsValue {
        JsValue::Expr(Expr {
            text: self.text(span),
            shell,
        })
    }

    fn property(&self, p: &ObjectPropertyKind<'_>) -> Property {
        let opaque = |span: Span| Property::Opaque {
            text: self.text(span),
            line: self.line(span),
        };
        match p {
            ObjectPropertyKind::SpreadProperty(s) => opaque(s.span),
            ObjectPropertyKind::ObjectProperty(p)
                if p.computed || p.method || p.kind != PropertyKind::Init =>
            {
                opaque(p.span)
            }
            ObjectPropertyKind::ObjectProperty(p) => match p.key.static_name() {
                Some(key) => Property::Field {
                    key: key.to_string(),
                    value: self.value(&p.value),
                    line: self.line(p.span),
                },
                None => opaque(p.span),
            },
        }
    }

    /// What an expression takes from the shell, when that is all it does.
    fn shell_ref(&self, e: &Expression<'_>) -> Option<ShellRef> {
        let e = unwrap_conversion(e);
        if let Expression::LogicalExpression(l) = e
            && matches!(l.operator, LogicalOperator::Or | LogicalOperator::Coalesce)
        {
            let var = env_var(unwrap_conversion(&l.left))?;
            let default = match self.value(&l.right).value {
                JsValue::Str(s) | JsValue::Num(s) => s,
                JsValue::Bool(b) => b.to_string(),
                _ => return None,
            };
            return Some(ShellRef {
                var,
                default: Some(default),
                nullish: l.operator == LogicalOperator::Coalesce,
            });
        }
        Some(ShellRef {
            var: env_var(e)?,
            default: None,
            nullish: false,
        })
    }
}

/// `Number(x)`, `String(x)`, `parseInt(x)` or `parseInt(x, 10)` is `x` for the environment.
fn unwrap_conversion<'e, 'a>(e: &'e Expression<'a>) -> &'e Expression<'a> {
    let e = e.without_parentheses();
    if let Expression::CallExpression(c) = e
        && matches!(&c.callee, Expression::Identifier(f)
            if matches!(f.name.as_str(), "Number" | "parseInt" | "String"))
        && let Some(first) = c.arguments.first().and_then(|a| a.as_expression())
        && match c.arguments.get(1) {
            None => true,
            Some(radix) => {
                c.arguments.len() == 2
                    && matches!(radix.as_expression(), Some(Expression::NumericLiteral(_)))
            }
        }
    {
        return unwrap_conversion(first);
    }
    e
}

/// The variable of `process.env.X` or `process.env['X']`.
fn env_var(e: &Expression<'_>) -> Option<String> {
    let is_env = |o: &Expression<'_>| {
        matches!(o, Expression::StaticMemberExpression(m)
            if m.property.name == "env"
                && matches!(&m.object, Expression::Identifier(p) if p.name == "process"))
    };
    match e.without_parentheses() {
        Expression::StaticMemberExpression(m) if is_env(&m.object) => {
            Some(m.property.name.to_string())
        }
        Expression::ComputedMemberExpression(m) if is_env(&m.object) => match &m.expression {
            Expression::StringLiteral(s) => Some(s.value.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// A syntax error as a line and a reason: an unbalanced bracket named with both lines (the
/// most common hand-editing slip), else the parser's own message.
fn syntax_error(src: &str, first: Option<(usize, String)>) -> JsError {
    if let Some(e) = unbalanced_bracket(src) {
        return e;
    }
    match first {
        Some((offset, message)) => JsError {
            line: crate::source::line_col(src, offset).0,
            reason: format!("not valid JavaScript: {message}"),
        },
        None => JsError {
            line: 1,
            reason: "not valid JavaScript".into(),
        },
    }
}

/// The brackets that pair up, each opener with its closer.
const PAIRS: [(char, char); 3] = [('{', '}'), ('[', ']'), ('(', ')')];

/// The pair that opens and closes a template substitution (after its `$`).
const BRACES: (char, char) = PAIRS[0];

/// The first bracket that does not pair up, skipping strings, comments and template text.
/// Only called once the parser has refused the file, to say which bracket; a regular
/// expression holding brackets can mislead it, and then the parser's message is used.
fn unbalanced_bracket(src: &str) -> Option<JsError> {
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut line = 1;
    let mut chars = src.chars().peekable();
    // Where each template substitution sits in `open` (as `$`): its closing brace resumes the
    // template's text.
    let mut templates: Vec<usize> = Vec::new();
    while let Some(c) = chars.next() {
        if skip_comment_or_string(c, &mut chars, &mut line) {
            continue;
        }
        let closes_substitution =
            c == BRACES.1 && !open.is_empty() && templates.last() == Some(&(open.len() - 1));
        let mut substitution = false;
        if c == '`' {
            substitution = skip_template(&mut chars, &mut line);
        } else if closes_substitution {
            open.pop();
            templates.pop();
            substitution = skip_template(&mut chars, &mut line);
        } else if PAIRS.iter().any(|&(o, _)| o == c) {
            open.push((c, line));
        } else if let Some(&(expected, _)) = PAIRS.iter().find(|&&(_, close)| close == c) {
            let reason = match open.pop() {
                Some((o, _)) if o == expected => continue,
                Some((o, at)) => format!(
                    "unbalanced brackets: `{c}` closes the `{}` opened at line {at}",
                    shown(o)
                ),
                None => format!("unbalanced brackets: `{c}` closes nothing"),
            };
            return Some(JsError { line, reason });
        }
        if substitution {
            open.push(('$', line));
            templates.push(open.len() - 1);
        }
    }
    open.pop().map(|(o, at)| JsError {
        line: at,
        reason: format!(
            "unbalanced brackets: the `{}` opened here is never closed",
            shown(o)
        ),
    })
}

/// A template substitution, kept in `open` as `$`, is shown as the brace that opened it.
fn shown(open: char) -> char {
    if open == '$' { BRACES.0 } else { open }
}

/// Skip a comment or a quoted string starting with `c`; `false` when `c` starts neither.
fn skip_comment_or_string(
    c: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    line: &mut usize,
) -> bool {
    match c {
        '\n' => *line += 1,
        '/' if chars.peek() == Some(&'/') => {
            for c in chars.by_ref() {
                if c == '\n' {
                    *line += 1;
                    break;
                }
            }
        }
        '/' if chars.peek() == Some(&'*') => {
            let mut prev = ' ';
            for c in chars.by_ref() {
                if c == '\n' {
                    *line += 1;
                }
                if prev == '*' && c == '/' {
                    break;
                }
                prev = c;
            }
        }
        '\'' | '"' => {
            while let Some(s) = chars.next() {
                match s {
                    '\\' => {
                        chars.next();
                    }
                    '\n' => {
                        *line += 1;
                        break;
                    }
                    s if s == c => break,
                    _ => {}
                }
            }
        }
        _ => return false,
    }
    true
}

/// Skip template text up to its end (`false`) or a `$` and opening brace (`true`: a
/// substitution opens).
fn skip_template(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, line: &mut usize) -> bool {
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\n' => *line += 1,
            '`' => return false,
            '$' if chars.peek() == Some(&BRACES.0) => {
                chars.next();
                return true;
            }
            _ => {}
        }
    }
    false
}

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

    #[test]
    fn brackets_in_templates_and_strings_are_read_as_javascript_does() {
        // Template text, strings and comments hold no brackets; a substitution's braces do.
        let src =
            "const t = `}) ${ {a: [1]}.a } ]`;\n// ]\nconst s = '(';\nmodule.exports = { a: ( };\n";
        let err = unbalanced_bracket(src).unwrap();
        assert_eq!(err.line, 4);
        assert!(
            err.reason.contains("`}` closes the `(` opened at line 4"),
            "{err:?}"
        );
        let err = unbalanced_bracket("x = 1;\nconst t = `a ${ b\n`;\n").unwrap();
        assert_eq!(err.line, 2);
        assert!(
            err.reason.contains("the `{` opened here is never closed"),
            "{err:?}"
        );
        assert!(unbalanced_bracket("const t = `${ `${x}` }`; f({ a: [] });").is_none());
    }
}
