//! Reading every statement and expression of a file for HTTP calls: every branch is read,
//! whether or not it ever runs. A call to a wrapper (a function whose HTTP call takes its
//! URL from a parameter) is read through the wrapper with the caller's arguments, so the
//! call is reported where its path is written.

use std::collections::HashMap;

use oxc_ast::ast::{
    Argument, ArrowFunctionBody, AssignmentTarget, BindingPattern, CallExpression, Class,
    ClassElement, Declaration, ExportDefaultDeclarationKind, Expression, ForStatementInit,
    ForStatementLeft, ImportDeclaration, ObjectPropertyKind, Statement, VariableDeclaration,
};
use oxc_span::{GetSpan, Span};

use super::module::{Analyzer, Scope, import_value};
use super::value::{Client, FnNode, FnRef, Obj, Part, Val};

/// Most wrappers read through, one inside another.
const MAX_WRAPPER_DEPTH: usize = 8;

/// One HTTP call, as far as it is known.
#[derive(Debug, Clone)]
pub(crate) struct Sink<'a> {
    /// The HTTP call itself: file and offset.
    pub origin: (usize, u32),
    /// Where it is reported: the call whose arguments resolved it.
    pub site: (usize, Span),
    pub url: Val<'a>,
    pub method: Val<'a>,
    pub headers: Val<'a>,
    pub body: Val<'a>,
    /// The wrappers it went through, outermost first, as `name (file:line:col)`.
    pub via: Vec<String>,
}

impl<'a> Sink<'a> {
    /// One sink per URL it may have (see [`Val::OneOf`]).
    pub fn alternatives(&self) -> Vec<Sink<'a>> {
        self.url
            .alternatives()
            .into_iter()
            .map(|url| Sink {
                url,
                ..self.clone()
            })
            .collect()
    }

    /// Whether the URL's path is a parameter of the function read: a caller supplies it.
    pub fn is_pending(&self) -> bool {
        let parts = self.url.parts();
        let mut rest = parts
            .iter()
            .filter(|p| !matches!(p, Part::Lit(t) if t.is_empty()));
        match rest.next() {
            Some(Part::Base) => matches!(rest.next(), Some(Part::Hole { param: true, .. })),
            Some(Part::Hole { param, .. }) => *param,
            _ => false,
        }
    }
}

/// A reader of one file (or of one function, for a wrapper's caller).
pub(crate) struct Walker<'s, 'a> {
    pub an: &'s Analyzer<'a>,
    pub file: usize,
    /// Innermost last; `scopes[0]` is the file's top level.
    pub scopes: Vec<Scope<'a>>,
    /// The class whose method is being read.
    pub class: Option<&'a Class<'a>>,
    pub sinks: Vec<Sink<'a>>,
    /// Functions being read through, to stop recursion.
    pub stack: Vec<(usize, u32)>,
    pub depth: usize,
}

impl<'s, 'a> Walker<'s, 'a> {
    /// A reader of `file` with an empty top level.
    pub fn new(an: &'s Analyzer<'a>, file: usize) -> Walker<'s, 'a> {
        Walker {
            an,
            file,
            scopes: vec![HashMap::new()],
            class: None,
            sinks: Vec::new(),
            stack: Vec::new(),
            depth: 0,
        }
    }

    /// Bind a name in the innermost scope.
    pub fn bind(&mut self, name: &'a str, value: Val<'a>) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name, value);
        }
    }

    /// Bind function and class declarations before the statements run, as JavaScript does.
    pub fn hoist(&mut self, body: &'a [Statement<'a>]) {
        for s in body {
            let decl = match s {
                Statement::FunctionDeclaration(_) | Statement::ClassDeclaration(_) => {
                    s.as_declaration()
                }
                Statement::ExportDeclaration(d) => Some(&d.declaration),
                _ => None,
            };
            match decl {
                Some(Declaration::FunctionDeclaration(f)) => {
                    if let Some(id) = &f.id {
                        let name = id.name.as_str();
                        self.bind(name, Val::Func(self.fn_ref(FnNode::Func(f), name)));
                    }
                }
                Some(Declaration::ClassDeclaration(c)) => {
                    if let Some(id) = &c.id {
                        self.bind(id.name.as_str(), Val::Class(self.file, c));
                    }
                }
                _ => {}
            }
        }
    }

    /// A reference to a function of this file, in the current class.
    pub fn fn_ref(&self, node: FnNode<'a>, name: &'a str) -> FnRef<'a> {
        FnRef {
            file: self.file,
            node,
            class: self.class,
            name,
        }
    }

    /// Bind the names of an `import`.
    pub fn import(&mut self, d: &'a ImportDeclaration<'a>) {
        for spec in d.specifiers.iter().flatten() {
            let value = import_value(self.an, self.file, spec, d.source.value.as_str());
            self.bind(spec.local().name.as_str(), value);
        }
    }

    /// Read a `const/let/var` declaration; `visit` also reads the initializers for calls.
    pub fn declare(&mut self, d: &'a VariableDeclaration<'a>, visit: bool) {
        for decl in &d.declarations {
            let value = match &decl.init {
                Some(init) => {
                    if visit {
                        self.expression(init);
                    }
                    self.eval(init)
                }
                None => Val::Undefined,
            };
            self.bind_pattern(&decl.id, value);
        }
    }

    /// Bind a pattern (`x`, `{ a, b: c = 1 }`) to a value.
    pub fn bind_pattern(&mut self, pattern: &'a BindingPattern<'a>, value: Val<'a>) {
        match pattern {
            BindingPattern::BindingIdentifier(id) => self.bind(id.name.as_str(), value),
            BindingPattern::ObjectPattern(o) => {
                for p in &o.properties {
                    let member = match p.key.static_name() {
                        Some(k) => self.member(value.clone(), &k),
                        None => Val::Unknown("a computed key".into()),
                    };
                    self.bind_pattern(&p.value, member);
                }
            }
            BindingPattern::AssignmentPattern(a) => {
                let value = match value {
                    Val::Undefined => self.eval(&a.right),
                    v => v,
                };
                self.bind_pattern(&a.left, value);
            }
            BindingPattern::ArrayPattern(a) => {
                for e in a.elements.iter().flatten() {
                    self.bind_pattern(e, Val::Unknown("an array element".into()));
                }
            }
        }
    }

    /// Read a function: its parameters bound to `args` (a caller's), or, without them, to
    /// themselves (a default built from the base URL counts as given).
    pub fn function(&mut self, f: FnRef<'a>, args: Option<&[Val<'a>]>) {
        self.scopes.push(HashMap::new());
        for (i, p) in f.params().items.iter().enumerate() {
            let given = args.and_then(|a| a.get(i)).cloned();
            let value = match (given, &p.initializer) {
                (Some(v), _) if !matches!(v, Val::Undefined) => v,
                (_, Some(default)) if args.is_some() => self.eval(default),
                (_, Some(default)) if self.eval(default).has_base() => self.eval(default),
                (None, _) if args.is_none() => Val::Param(param_name(&p.pattern)),
                _ => Val::Undefined,
            };
            self.bind_pattern(&p.pattern, value);
        }
        match f.node {
            FnNode::Func(func) => {
                if let Some(body) = &func.body {
                    self.statements(&body.statements);
                }
            }
            FnNode::Arrow(a) => match &a.body {
                ArrowFunctionBody::FunctionBody(body) => self.statements(&body.statements),
                other => {
                    if let Some(e) = other.as_expression() {
                        self.expression(e);
                    }
                }
            },
        }
        self.scopes.pop();
    }

    /// Read statements for calls.
    pub fn statements(&mut self, body: &'a [Statement<'a>]) {
        self.hoist(body);
        for s in body {
            self.statement(s);
        }
    }

    fn statement(&mut self, s: &'a Statement<'a>) {
        match s {
            Statement::BlockStatement(b) => self.statements(&b.body),
            Statement::ExpressionStatement(e) => self.expression(&e.expression),
            Statement::IfStatement(i) => {
                self.expression(&i.test);
                let before = self.scopes.clone();
                self.statement(&i.consequent);
                let then = std::mem::replace(&mut self.scopes, before);
                if let Some(alt) = &i.alternate {
                    self.statement(alt);
                }
                self.join(then);
            }
            Statement::ForStatement(f) => {
                match &f.init {
                    Some(ForStatementInit::VariableDeclaration(d)) => self.declare(d, true),
                    Some(other) => {
                        if let Some(e) = other.as_expression() {
                            self.expression(e);
                        }
                    }
                    None => {}
                }
                f.test
                    .iter()
                    .chain(&f.update)
                    .for_each(|e| self.expression(e));
                self.statement(&f.body);
            }
            Statement::ForInStatement(f) => self.for_each(&f.left, &f.right, &f.body),
            Statement::ForOfStatement(f) => self.for_each(&f.left, &f.right, &f.body),
            Statement::WhileStatement(w) => {
                self.expression(&w.test);
                self.statement(&w.body);
            }
            Statement::DoWhileStatement(w) => {
                self.statement(&w.body);
                self.expression(&w.test);
            }
            Statement::ReturnStatement(r) => r.argument.iter().for_each(|e| self.expression(e)),
            Statement::ThrowStatement(t) => self.expression(&t.argument),
            Statement::TryStatement(t) => {
                self.statements(&t.block.body);
                if let Some(h) = &t.handler {
                    self.statements(&h.body.body);
                }
                if let Some(f) = &t.finalizer {
                    self.statements(&f.body);
                }
            }
            Statement::SwitchStatement(sw) => self.switch(sw),
            Statement::LabeledStatement(l) => self.statement(&l.body),
            Statement::VariableDeclaration(d) => self.declare(d, true),
            Statement::FunctionDeclaration(f) => self.visit_fn(FnNode::Func(f), fn_name(f)),
            Statement::ClassDeclaration(c) => self.class(c),
            Statement::ImportDeclaration(d) => self.import(d),
            Statement::ExportDeclaration(_) | Statement::ExportDefaultDeclaration(_) => {
                self.export_statement(s)
            }
            _ => {}
        }
    }

    /// `export const/function/class ...` and `export default ...`.
    fn export_statement(&mut self, s: &'a Statement<'a>) {
        match s {
            Statement::ExportDeclaration(d) => match &d.declaration {
                Declaration::VariableDeclaration(v) => self.declare(v, true),
                Declaration::FunctionDeclaration(f) => self.visit_fn(FnNode::Func(f), fn_name(f)),
                Declaration::ClassDeclaration(c) => self.class(c),
                _ => {}
            },
            Statement::ExportDefaultDeclaration(d) => match &d.declaration {
                ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                    self.visit_fn(FnNode::Func(f), "default")
                }
                ExportDefaultDeclarationKind::ClassDeclaration(c) => self.class(c),
                other => {
                    if let Some(e) = other.as_expression() {
                        self.expression(e);
                    }
                }
            },
            _ => {}
        }
    }

    fn for_each(
        &mut self,
        left: &'a ForStatementLeft<'a>,
        right: &'a Expression<'a>,
        body: &'a Statement<'a>,
    ) {
        self.expression(right);
        if let ForStatementLeft::VariableDeclaration(d) = left {
            for decl in &d.declarations {
                self.bind_pattern(&decl.id, Val::Unknown("a loop variable".into()));
            }
        }
        self.statement(body);
    }

    /// Read a function found in the code, its parameters as themselves.
    fn visit_fn(&mut self, node: FnNode<'a>, name: &'a str) {
        let f = self.fn_ref(node, name);
        self.function(f, None);
    }

    /// Read a class's methods, field initializers and static blocks.
    fn class(&mut self, c: &'a Class<'a>) {
        let outer = self.class.replace(c);
        for element in &c.body.body {
            match element {
                ClassElement::MethodDefinition(m) => {
                    let name = self.key_text(m.key.span());
                    self.visit_fn(FnNode::Func(&m.value), name);
                }
                ClassElement::PropertyDefinition(p) => {
                    p.value.iter().for_each(|e| self.expression(e));
                }
                ClassElement::StaticBlock(b) => self.statements(&b.body),
                _ => {}
            }
        }
        self.class = outer;
    }

    /// A member's key as written (`#request` keeps its `#`), for reports.
    pub fn key_text(&self, span: Span) -> &'a str {
        let text: &'a str = self.an.files[self.file].text;
        text.get(span.start as usize..span.end as usize)
            .unwrap_or("a method")
    }

    /// Read an expression for calls.
    pub fn expression(&mut self, e: &'a Expression<'a>) {
        match e {
            Expression::CallExpression(c) => self.call(c),
            Expression::NewExpression(n) => {
                self.expression(&n.callee);
                self.arguments(&n.arguments);
            }
            Expression::ChainExpression(c) => {
                if let oxc_ast::ast::ChainElement::CallExpression(call) = &c.expression {
                    self.call(call);
                } else if let Some(m) = c.expression.as_member_expression() {
                    self.expression(m.object());
                }
            }
            Expression::StaticMemberExpression(m) => self.expression(&m.object),
            Expression::PrivateFieldExpression(m) => self.expression(&m.object),
            Expression::ComputedMemberExpression(m) => {
                self.expression(&m.object);
                self.expression(&m.expression);
            }
            Expression::AwaitExpression(a) => self.expression(&a.argument),
            Expression::ParenthesizedExpression(p) => self.expression(&p.expression),
            Expression::UnaryExpression(u) => self.expression(&u.argument),
            Expression::YieldExpression(y) => y.argument.iter().for_each(|e| self.expression(e)),
            Expression::TemplateLiteral(t) => t.expressions.iter().for_each(|e| self.expression(e)),
            Expression::TaggedTemplateExpression(t) => {
                self.expression(&t.tag);
                t.quasi.expressions.iter().for_each(|e| self.expression(e));
            }
            Expression::BinaryExpression(b) => {
                self.expression(&b.left);
                self.expression(&b.right);
            }
            Expression::LogicalExpression(l) => {
                self.expression(&l.left);
                self.expression(&l.right);
            }
            Expression::ConditionalExpression(c) => {
                self.expression(&c.test);
                self.expression(&c.consequent);
                self.expression(&c.alternate);
            }
            Expression::SequenceExpression(s) => {
                s.expressions.iter().for_each(|e| self.expression(e));
            }
            Expression::AssignmentExpression(a) => {
                self.expression(&a.right);
                // Not `get_identifier_name`: it answers `b` for `a.b = v` too.
                if let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left {
                    let value = self.eval(&a.right);
                    self.rebind(id.name.as_str(), value);
                } else {
                    self.member_assignment(a);
                }
            }
            Expression::ObjectExpression(o) => {
                for p in &o.properties {
                    match p {
                        ObjectPropertyKind::ObjectProperty(p) => self.expression(&p.value),
                        ObjectPropertyKind::SpreadProperty(s) => self.expression(&s.argument),
                    }
                }
            }
            Expression::ArrayExpression(a) => {
                for el in &a.elements {
                    if let Some(e) = el.as_expression() {
                        self.expression(e);
                    }
                }
            }
            Expression::ArrowFunctionExpression(a) => {
                self.visit_fn(FnNode::Arrow(a), "an arrow function")
            }
            Expression::FunctionExpression(f) => self.visit_fn(FnNode::Func(f), fn_name(f)),
            Expression::ClassExpression(c) => self.class(c),
            _ => {}
        }
    }

    /// `x = value`: the nearest scope that has `x`, else the innermost.
    pub fn rebind(&mut self, name: &'a str, value: Val<'a>) {
        match self.scopes.iter_mut().rev().find(|s| s.contains_key(name)) {
            Some(s) => {
                s.insert(name, value);
            }
            None => self.bind(name, value),
        }
    }

    fn arguments(&mut self, args: &'a [Argument<'a>]) {
        for a in args {
            match a {
                Argument::SpreadElement(s) => self.expression(&s.argument),
                other => {
                    if let Some(e) = other.as_expression() {
                        self.expression(e);
                    }
                }
            }
        }
    }

    /// The arguments' values.
    pub fn argument_values(&mut self, args: &'a [Argument<'a>]) -> Vec<Val<'a>> {
        args.iter()
            .map(|a| match a.as_expression() {
                Some(e) => self.eval(e),
                None => Val::Unknown("...spread arguments".into()),
            })
            .collect()
    }

    /// A call: an HTTP call (a sink), a wrapper's call (read through), or neither.
    fn call(&mut self, c: &'a CallExpression<'a>) {
        self.expression(&c.callee);
        self.arguments(&c.arguments);
        self.mutating_call(c);
        match self.eval(&c.callee) {
            Val::Client(client) => self.http_call(c, client, None),
            Val::Method(client, m) => self.http_call(c, client, Some(m)),
            Val::Func(f) => self.through_wrapper(c, f),
            _ => {}
        }
    }

    fn http_call(&mut self, c: &'a CallExpression<'a>, client: Client<'a>, member: Option<String>) {
        let args = self.argument_values(&c.arguments);
        let Some(request) = super::http::request(self, &client, member.as_deref(), &args) else {
            return;
        };
        self.sinks.push(Sink {
            origin: (self.file, c.span.start),
            site: (self.file, c.span),
            url: request.url,
            method: request.method,
            headers: request.headers,
            body: request.body,
            via: Vec::new(),
        });
    }

    /// A call of `f`: when `f` is a wrapper, read it with these arguments and report its
    /// HTTP calls here.
    fn through_wrapper(&mut self, c: &'a CallExpression<'a>, f: FnRef<'a>) {
        if self.stack.contains(&f.key()) || self.stack.len() >= MAX_WRAPPER_DEPTH {
            return;
        }
        let pending = self.an.pending_of(f);
        if pending.is_empty() {
            return;
        }
        let args = self.argument_values(&c.arguments);
        let mut w = Walker::new(self.an, f.file);
        w.scopes[0] = (*self.an.scope_of(f.file)).clone();
        w.class = f.class;
        w.stack = self.stack.clone();
        w.stack.push(f.key());
        w.function(f, Some(&args));
        let wrapper = format!("{} ({})", f.name, self.an.files[f.file].location(f.start()));
        for mut s in w.sinks {
            if pending.contains(&s.origin) {
                self.an.inlined.borrow_mut().insert(s.origin);
                s.site = (self.file, c.span);
                s.via.insert(0, wrapper.clone());
                self.sinks.push(s);
            }
        }
    }

    /// A fresh object value.
    pub fn obj(fields: Obj<'a>) -> Val<'a> {
        Val::Obj(std::rc::Rc::new(fields))
    }

    /// Source text of a node, first line, shortened.
    pub fn source(&self, span: Span) -> String {
        let text = self.an.files[self.file].text;
        let s = &text[span.start as usize..(span.end as usize).min(text.len())];
        crate::report::printable(s.lines().next().unwrap_or(""), 100)
    }

    /// Source text of an expression.
    pub fn text_of(&self, e: &Expression<'a>) -> String {
        self.source(e.span())
    }
}

fn fn_name<'a>(f: &'a oxc_ast::ast::Function<'a>) -> &'a str {
    f.id.as_ref().map_or("a function", |i| i.name.as_str())
}

fn param_name(p: &BindingPattern<'_>) -> String {
    p.get_identifier_name()
        .map_or_else(|| "a parameter".to_string(), |n| n.to_string())
}
