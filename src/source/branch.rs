//! After an `if` or a `switch`, a name its branches left different. Different URLs built from the base
//! URL are both kept, so a call is checked with each; an object with a key set in one branch
//! only loses that key and becomes open, so such a header is "not checked", never "set".

use std::rc::Rc;

use oxc_ast::ast::SwitchStatement;

use super::module::Scope;
use super::value::{Obj, Val};
use super::walk::Walker;

impl<'a> Walker<'_, 'a> {
    /// A `switch`: each case read from the scopes before the `switch`, the ends joined.
    pub fn switch(&mut self, sw: &'a SwitchStatement<'a>) {
        self.expression(&sw.discriminant);
        let before = self.scopes.clone();
        let mut ends = Vec::new();
        for case in &sw.cases {
            case.test.iter().for_each(|e| self.expression(e));
            self.statements(&case.consequent);
            let end = std::mem::replace(&mut self.scopes, before.clone());
            ends.push((case.test.is_none(), end));
        }
        // Without a `default`, no case may run: the scopes from before stay one of the ends.
        if let Some(i) = ends.iter().position(|(default, _)| *default) {
            self.scopes = ends.remove(i).1;
        }
        for (_, end) in ends {
            self.join(end);
        }
    }

    /// Join the scopes as the `then` branch left them into the current ones (after `else`).
    pub fn join(&mut self, then: Vec<Scope<'a>>) {
        for (scope, then) in self.scopes.iter_mut().zip(then) {
            for (name, a) in then {
                let Some(b) = scope.get(name) else {
                    continue;
                };
                if let Some(v) = joined(&a, b) {
                    scope.insert(name, v);
                }
            }
        }
    }
}

/// The value after the `if`, when it is not simply `other` (the value after `else`).
fn joined<'a>(then: &Val<'a>, other: &Val<'a>) -> Option<Val<'a>> {
    match (then, other) {
        (Val::Obj(a), Val::Obj(b)) => {
            let has = |o: &Obj<'a>, k: &str| o.fields.iter().any(|(x, _)| x == k);
            let same_keys =
                a.fields.iter().all(|(k, _)| has(b, k)) && b.fields.iter().all(|(k, _)| has(a, k));
            if Rc::ptr_eq(a, b) || same_keys {
                return None;
            }
            let fields = b.fields.iter().filter(|(k, _)| has(a, k)).cloned();
            let open = b.open.clone().or_else(|| a.open.clone());
            Some(Walker::obj(Obj {
                fields: fields.collect(),
                open: open.or_else(|| Some("an `if` that sets it in one branch only".into())),
            }))
        }
        (a, Val::Undefined) if a.has_base() => Some(a.clone()),
        (a, b) if a.has_base() && b.has_base() => Some(Val::either(a.clone(), b.clone())),
        _ => None,
    }
}
