//! After an `if`, a name its two branches left different. Different URLs built from the base
//! URL are both kept, so a call is checked with each; an object with a key set in one branch
//! only loses that key and becomes open, so such a header is "not checked", never "set".

use std::rc::Rc;

use super::module::Scope;
use super::value::{Obj, Val};
use super::walk::Walker;

impl<'a> Walker<'_, 'a> {
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
