//! What an expression is worth, without running it: strings as known text, the base URL and
//! holes; objects with their keys; names looked up through scopes, the file's top level and
//! local modules; `this.x` through the class's fields and constructor.

use crate::domain::SESSION_MANAGER_BASE_URL;
use std::rc::Rc;

use oxc_ast::ast::{
    ArrowFunctionBody, BinaryOperator, CallExpression, Class, ClassElement, Expression,
    LogicalOperator, MethodDefinitionKind, NewExpression, ObjectExpression, ObjectPropertyKind,
    Statement,
};

use oxc_span::GetSpan;

use super::value::{Client, FnNode, FnRef, Obj, Part, Val, concat};
use super::walk::Walker;

/// Deepest expression nesting evaluated; deeper is "unknown" (bounded recursion).
const MAX_EVAL_DEPTH: usize = 64;

impl<'a> Walker<'_, 'a> {
    /// The value of `e`.
    pub fn eval(&mut self, e: &'a Expression<'a>) -> Val<'a> {
        if self.depth >= MAX_EVAL_DEPTH {
            return Val::Unknown(self.text_of(e));
        }
        self.depth += 1;
        let v = self.eval_inner(e);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, e: &'a Expression<'a>) -> Val<'a> {
        match e.get_inner_expression() {
            Expression::StringLiteral(s) => Val::lit(s.value.as_str()),
            Expression::NumericLiteral(_) | Expression::BooleanLiteral(_) => {
                Val::lit(&self.text_of(e))
            }
            Expression::NullLiteral(_) => Val::Undefined,
            Expression::TemplateLiteral(t) => {
                let mut parts = Vec::new();
                for (i, q) in t.quasis.iter().enumerate() {
                    let text = q.value.cooked.unwrap_or(q.value.raw);
                    parts = concat(parts, vec![Part::Lit(text.to_string())]);
                    if let Some(x) = t.expressions.get(i) {
                        let v = self.eval(x);
                        parts = concat(parts, v.parts());
                    }
                }
                Val::Str(parts)
            }
            Expression::Identifier(id) => match id.name.as_str() {
                "undefined" => Val::Undefined,
                name => self.lookup(name),
            },
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                let (l, r) = (self.eval(&b.left), self.eval(&b.right));
                Val::Str(concat(l.parts(), r.parts()))
            }
            Expression::LogicalExpression(l) if l.operator != LogicalOperator::And => {
                let left = self.eval(&l.left);
                match left {
                    Val::Undefined => self.eval(&l.right),
                    Val::Unknown(_) | Val::Param(_) => {
                        let right = self.eval(&l.right);
                        if right.has_base() { right } else { left }
                    }
                    known => known,
                }
            }
            Expression::ConditionalExpression(c) => {
                let (a, b) = (self.eval(&c.consequent), self.eval(&c.alternate));
                if a.has_base() {
                    Val::either(a, b)
                } else if b.has_base() {
                    b
                } else {
                    Val::Unknown(self.text_of(e))
                }
            }
            Expression::AwaitExpression(a) => self.eval(&a.argument),
            Expression::ObjectExpression(o) => self.object(o),
            Expression::ArrowFunctionExpression(a) => {
                Val::Func(self.fn_ref(FnNode::Arrow(a), "an arrow function"))
            }
            Expression::FunctionExpression(f) => Val::Func(self.fn_ref(
                FnNode::Func(f),
                f.id.as_ref().map_or("a function", |i| i.name.as_str()),
            )),
            Expression::ClassExpression(c) => Val::Class(self.file, c),
            Expression::ThisExpression(_) => match self.class {
                Some(c) => Val::Instance(self.file, c),
                None => Val::Unknown("this".into()),
            },
            Expression::StaticMemberExpression(_)
            | Expression::PrivateFieldExpression(_)
            | Expression::ComputedMemberExpression(_)
            | Expression::ChainExpression(_) => self.eval_member_expr(e.get_inner_expression()),
            Expression::CallExpression(c) => self.eval_call(c),
            Expression::NewExpression(n) => self.eval_new(n, e),
            _ => Val::Unknown(self.text_of(e)),
        }
    }

    /// An object literal: its static keys; spreads merged; computed keys make it open.
    fn object(&mut self, o: &'a ObjectExpression<'a>) -> Val<'a> {
        let mut obj = Obj::default();
        for p in &o.properties {
            match p {
                ObjectPropertyKind::ObjectProperty(p) => match p.key.static_name() {
                    Some(k) if !p.computed => {
                        let v = self.eval(&p.value);
                        obj.set(k.to_string(), v);
                    }
                    _ => obj.open = Some(self.source(p.span)),
                },
                ObjectPropertyKind::SpreadProperty(s) => {
                    let v = self.eval(&s.argument);
                    obj.spread(&v);
                }
            }
        }
        Walker::obj(obj)
    }

    /// `a.b`, `a.#b`, `a['b']`, `a?.b`, `a?.()`.
    fn eval_member_expr(&mut self, e: &'a Expression<'a>) -> Val<'a> {
        match e {
            Expression::StaticMemberExpression(m) => {
                if matches!(&m.object, Expression::Identifier(id) if id.name == "process")
                    && m.property.name == "env"
                {
                    return Val::Env;
                }
                if matches!(&m.object, Expression::Identifier(id) if id.name == "globalThis")
                    && m.property.name == "fetch"
                {
                    return Val::Client(Client::Fetch);
                }
                let obj = self.eval(&m.object);
                self.member(obj, m.property.name.as_str())
            }
            Expression::PrivateFieldExpression(m) => {
                let obj = self.eval(&m.object);
                self.member(obj, m.field.name.as_str())
            }
            Expression::ComputedMemberExpression(m) => {
                let key = self.eval(&m.expression).text();
                match key {
                    Some(k) => {
                        let obj = self.eval(&m.object);
                        self.member(obj, &k)
                    }
                    None => match self.eval(&m.object) {
                        // `axios[method](...)`: an HTTP call whose method lmh cannot read.
                        Val::Client(c) => Val::Method(c, String::new()),
                        _ => Val::Unknown(self.text_of(e)),
                    },
                }
            }
            Expression::ChainExpression(c) => match &c.expression {
                oxc_ast::ast::ChainElement::CallExpression(call) => self.eval_call(call),
                _ => match c.expression.as_member_expression() {
                    Some(m) => {
                        let obj = self.eval(m.object());
                        match m.static_property_name() {
                            Some(name) => self.member(obj, name),
                            None => Val::Unknown(self.text_of(e)),
                        }
                    }
                    None => Val::Unknown(self.text_of(e)),
                },
            },
            _ => Val::Unknown(self.text_of(e)),
        }
    }

    /// `new Class()` is an instance; `new URL(path, base)` the joined URL.
    fn eval_new(&mut self, n: &'a NewExpression<'a>, e: &'a Expression<'a>) -> Val<'a> {
        let args = self.argument_values(&n.arguments);
        match &n.callee {
            Expression::Identifier(id) if id.name == "URL" => match args.as_slice() {
                [path, base, ..] => Val::Str(concat(base.parts(), path.parts())),
                [url] => url.clone(),
                [] => Val::Unknown(self.text_of(e)),
            },
            callee => match self.eval(callee) {
                Val::Class(file, c) => Val::Instance(file, c),
                _ => Val::Unknown(self.text_of(e)),
            },
        }
    }

    /// What a name stands for: scopes, then the file's top level, then globals.
    pub fn lookup(&mut self, name: &str) -> Val<'a> {
        let found = self
            .scopes
            .iter()
            .rev()
            .find_map(|s| s.get(name).cloned())
            .or_else(|| self.an.scope_of(self.file).get(name).cloned());
        match found {
            Some(Val::Export(file, which)) => self.export(file, which),
            Some(v) => v,
            None if name == "fetch" => Val::Client(Client::Fetch),
            None => Val::Unknown(name.to_string()),
        }
    }

    /// One export of a local module (`None`: its default, or the whole CommonJS export).
    fn export(&mut self, file: usize, which: Option<&'a str>) -> Val<'a> {
        let exports = self.an.exports_of(file);
        match which {
            Some(name) => self.member(exports, name),
            None => match &exports {
                Val::Obj(o) if o.fields.iter().any(|(k, _)| k == "default") => o.get("default"),
                _ => exports,
            },
        }
    }

    /// `obj.name`.
    pub fn member(&mut self, obj: Val<'a>, name: &str) -> Val<'a> {
        match obj {
            Val::Obj(o) => match o.get(name) {
                Val::Export(file, which) => self.export(file, which),
                v => v,
            },
            Val::Instance(file, c) => self.class_member(file, c, name),
            Val::Module(file) => {
                let exports = self.an.exports_of(file);
                self.member(exports, name)
            }
            Val::Export(file, which) => {
                let v = self.export(file, which);
                self.member(v, name)
            }
            Val::Client(c) if name == "default" => Val::Client(c),
            Val::Client(c) => Val::Method(c, name.to_string()),
            Val::Env if name == SESSION_MANAGER_BASE_URL => Val::Str(vec![Part::Base]),
            Val::Env => Val::Unknown(format!("process.env.{name}")),
            Val::Str(p) if p.first() == Some(&Part::Base) && is_url_part(name) => {
                Val::Str(vec![Part::Base])
            }
            Val::Param(p) => Val::Param(format!("{p}.{name}")),
            Val::Undefined => Val::Undefined,
            other => Val::Unknown(format!("{}.{name}", other.describe())),
        }
    }

    /// A member of an instance: a method, a class field, or `this.name = ...` in the
    /// constructor (read with the constructor's defaults).
    fn class_member(&mut self, file: usize, class: &'a Class<'a>, name: &str) -> Val<'a> {
        let mut w = Walker::new(self.an, file);
        w.scopes[0] = (*self.an.scope_of(file)).clone();
        w.class = Some(class);
        w.stack = self.stack.clone();
        w.depth = self.depth;
        let mut found = Val::Unknown(format!("this.{name}"));
        for element in &class.body.body {
            match element {
                ClassElement::MethodDefinition(m)
                    if m.kind == MethodDefinitionKind::Method
                        && m.key.name().as_deref() == Some(name) =>
                {
                    let fname = w.key_text(m.key.span());
                    return Val::Func(w.fn_ref(FnNode::Func(&m.value), fname));
                }
                ClassElement::PropertyDefinition(p) if p.key.name().as_deref() == Some(name) => {
                    if let Some(v) = &p.value {
                        return w.eval(v);
                    }
                }
                ClassElement::MethodDefinition(m)
                    if m.kind == MethodDefinitionKind::Constructor =>
                {
                    if let Some(v) = w.constructor_field(
                        FnRef {
                            file,
                            node: FnNode::Func(&m.value),
                            class: Some(class),
                            name: "constructor",
                        },
                        name,
                    ) {
                        found = v;
                    }
                }
                _ => {}
            }
        }
        found
    }

    /// The last `this.name = value` at the top of a constructor's body.
    fn constructor_field(&mut self, ctor: FnRef<'a>, name: &str) -> Option<Val<'a>> {
        let FnNode::Func(f) = ctor.node else {
            return None;
        };
        let body = f.body.as_ref()?;
        self.scopes.push(Default::default());
        for p in &ctor.params().items {
            let value = match &p.initializer {
                Some(d) => self.eval(d),
                None => Val::Unknown("a constructor argument".into()),
            };
            self.bind_pattern(&p.pattern, value);
        }
        let mut found = None;
        for s in &body.statements {
            match s {
                Statement::VariableDeclaration(d) => self.declare(d, false),
                Statement::ExpressionStatement(e) => {
                    if let Expression::AssignmentExpression(a) = &e.expression
                        && let Some(m) = a.left.as_member_expression()
                        && matches!(m.object(), Expression::ThisExpression(_))
                        && member_name(m) == Some(name)
                    {
                        found = Some(self.eval(&a.right));
                    }
                }
                _ => {}
            }
        }
        self.scopes.pop();
        found
    }

    /// The value of a call (not an HTTP call): `require`, `axios.create`, `JSON.stringify`,
    /// string methods on the base URL, and small functions that return one expression.
    fn eval_call(&mut self, c: &'a CallExpression<'a>) -> Val<'a> {
        if let Expression::Identifier(id) = &c.callee {
            if id.name == "require"
                && let Some(Expression::StringLiteral(s)) =
                    c.arguments.first().and_then(|a| a.as_expression())
            {
                return self.an.require(self.file, s.value.as_str());
            }
            if id.name == "String" {
                return self.first_argument(c);
            }
        }
        if let Expression::StaticMemberExpression(m) = &c.callee {
            let prop = m.property.name.as_str();
            if matches!(&m.object, Expression::Identifier(id) if id.name == "JSON")
                && prop == "stringify"
            {
                return self.first_argument(c);
            }
            if matches!(
                prop,
                "replace" | "replaceAll" | "trim" | "trimEnd" | "toString"
            ) {
                let obj = self.eval(&m.object);
                if obj.has_base() {
                    return obj;
                }
            }
        }
        let callee = self.eval(&c.callee);
        let args = self.argument_values(&c.arguments);
        match callee {
            Val::Method(Client::Axios(base), m) if m == "create" => {
                let config = args.first().cloned().unwrap_or(Val::Undefined);
                Val::Client(Client::Axios(Rc::new(base.merged(&config))))
            }
            Val::Method(Client::Got, m) if m == "extend" => Val::Client(Client::Got),
            Val::Func(f) if !self.stack.contains(&f.key()) => self.returned(f, &args),
            _ => Val::Unknown(self.source(c.span)),
        }
    }

    fn first_argument(&mut self, c: &'a CallExpression<'a>) -> Val<'a> {
        match c.arguments.first().and_then(|a| a.as_expression()) {
            Some(e) => self.eval(e),
            None => Val::Undefined,
        }
    }

    /// What a function returns when its body is one expression or one `return`.
    fn returned(&mut self, f: FnRef<'a>, args: &[Val<'a>]) -> Val<'a> {
        let expr: Option<&'a Expression<'a>> = match f.node {
            FnNode::Arrow(a) => match &a.body {
                ArrowFunctionBody::FunctionBody(b) => single_return(&b.statements),
                other => other.as_expression(),
            },
            FnNode::Func(func) => func
                .body
                .as_ref()
                .and_then(|b| single_return(&b.statements)),
        };
        let Some(expr) = expr else {
            return Val::Unknown(format!("the result of {}", f.name));
        };
        let mut w = Walker::new(self.an, f.file);
        w.scopes[0] = (*self.an.scope_of(f.file)).clone();
        w.class = f.class;
        w.stack = self.stack.clone();
        w.stack.push(f.key());
        w.depth = self.depth;
        w.scopes.push(Default::default());
        for (i, p) in f.params().items.iter().enumerate() {
            let v = args.get(i).cloned().unwrap_or(Val::Undefined);
            w.bind_pattern(&p.pattern, v);
        }
        w.eval(expr)
    }
}

fn single_return<'a>(body: &'a [Statement<'a>]) -> Option<&'a Expression<'a>> {
    match body {
        [Statement::ReturnStatement(r)] => r.argument.as_ref(),
        _ => None,
    }
}

fn member_name<'a>(m: &oxc_ast::ast::MemberExpression<'a>) -> Option<&'a str> {
    match m {
        oxc_ast::ast::MemberExpression::PrivateFieldExpression(p) => Some(p.field.name.as_str()),
        other => other.static_property_name(),
    }
}

/// Members of a URL that still name the session-manager's host.
fn is_url_part(name: &str) -> bool {
    matches!(name, "origin" | "href" | "host" | "hostname" | "port")
}
