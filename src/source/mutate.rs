//! Changes made to a named object after its literal: `x.a.b = v`, `x['k'] = v`,
//! `Object.assign(x, ...)`, and an axios instance's interceptors and `defaults`, which may set
//! any header on every request. Without them a header set this way would read as missing.

use std::rc::Rc;

use oxc_ast::ast::MemberExpression;
use oxc_ast::ast::{AssignmentExpression, AssignmentOperator, CallExpression, Expression};

use super::value::{Client, Obj, Val};
use super::walk::Walker;

impl<'a> Walker<'_, 'a> {
    /// Apply what a top-level expression statement changes in a named object.
    pub fn mutation(&mut self, e: &'a Expression<'a>) {
        match e.get_inner_expression() {
            Expression::AssignmentExpression(a) => self.member_assignment(a),
            Expression::CallExpression(c) => self.mutating_call(c),
            _ => {}
        }
    }

    /// `x.a.b = v`: `x` gets `a.b`; a key lmh cannot read makes the object open.
    pub fn member_assignment(&mut self, a: &'a AssignmentExpression<'a>) {
        let Some(m) = a.left.as_member_expression() else {
            return;
        };
        let Some((root, keys)) = self.member_path(m) else {
            return;
        };
        let value = match a.operator {
            AssignmentOperator::Assign => self.eval(&a.right),
            _ => Val::Unknown(self.source(a.span)),
        };
        let why = self.source(a.span);
        let current = self.lookup(root);
        if let Some(updated) = set_path(current, &keys, value, &why) {
            self.rebind(root, updated);
        }
    }

    /// `Object.assign(x, ...)` and `x.interceptors.request.use(...)`.
    pub fn mutating_call(&mut self, c: &'a CallExpression<'a>) {
        let Some(callee) = c.callee.get_inner_expression().as_member_expression() else {
            return;
        };
        let first = c.arguments.first().and_then(|a| a.as_expression());
        if matches!(callee.object(), Expression::Identifier(id) if id.name == "Object")
            && callee.static_property_name() == Some("assign")
            && let Some(Expression::Identifier(target)) = first.map(|e| e.get_inner_expression())
            && let Val::Obj(o) = self.lookup(target.name.as_str())
        {
            let sources = self.argument_values(&c.arguments[1..]);
            let mut o = (*o).clone();
            sources.iter().for_each(|s| o.spread(s));
            self.rebind(target.name.as_str(), Walker::obj(o));
            return;
        }
        if callee.static_property_name() == Some("use")
            && let Some((root, keys)) = self.member_path(callee)
            && keys
                .first()
                .is_some_and(|k| k.as_deref() == Some("interceptors"))
            && let Val::Client(Client::Axios(instance)) = self.lookup(root)
        {
            let why = self.source(c.span);
            self.rebind(root, open_headers(&instance, &why));
        }
    }

    /// The identifier a member chain starts from, and its keys from there (`None`: computed).
    fn member_path(
        &mut self,
        m: &'a MemberExpression<'a>,
    ) -> Option<(&'a str, Vec<Option<String>>)> {
        let mut keys = Vec::new();
        let mut current = m;
        loop {
            keys.push(match current {
                MemberExpression::ComputedMemberExpression(c) => self.eval(&c.expression).text(),
                MemberExpression::PrivateFieldExpression(p) => Some(p.field.name.to_string()),
                other => other.static_property_name().map(str::to_string),
            });
            match current.object().get_inner_expression() {
                Expression::Identifier(id) => {
                    keys.reverse();
                    return Some((id.name.as_str(), keys));
                }
                other => current = other.as_member_expression()?,
            }
        }
    }
}

/// `current` with `value` at `keys`; `None` when `current` is nothing lmh tracks.
fn set_path<'a>(
    current: Val<'a>,
    keys: &[Option<String>],
    value: Val<'a>,
    why: &str,
) -> Option<Val<'a>> {
    let Some((first, rest)) = keys.split_first() else {
        return Some(value);
    };
    match current {
        Val::Obj(o) => {
            let mut o = (*o).clone();
            match first {
                Some(k) if rest.is_empty() => o.set(k.clone(), value),
                Some(k) => {
                    // `x.headers.k = v` on an `x` without headers throws in JavaScript: the
                    // code that runs has set them; start from an empty object.
                    let child = match o.get(k) {
                        Val::Undefined => Walker::obj(Obj::default()),
                        c => c,
                    };
                    let child = set_path(child.clone(), rest, value, why).unwrap_or(child);
                    o.set(k.clone(), child);
                }
                None => o.open = Some(why.to_string()),
            }
            Some(Walker::obj(o))
        }
        Val::Client(Client::Axios(instance)) if first.as_deref() == Some("defaults") => {
            Some(open_headers(&instance, why))
        }
        _ => None,
    }
}

/// An axios instance whose headers something lmh does not read may add to.
fn open_headers<'a>(instance: &Obj<'a>, why: &str) -> Val<'a> {
    let mut headers = match instance.get("headers") {
        Val::Obj(h) => (*h).clone(),
        _ => Obj::default(),
    };
    headers.open = Some(why.to_string());
    let mut instance = instance.clone();
    instance.set("headers".into(), Walker::obj(headers));
    Val::Client(Client::Axios(Rc::new(instance)))
}
