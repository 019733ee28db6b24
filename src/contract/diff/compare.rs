//! Comparing two flattened schemas, in the direction the value travels: types, allowed
//! values, fields (removed, renamed, made optional or required, added), then array items.

use std::collections::BTreeSet;

use serde_json::Value;

use super::operation::Direction;
use super::rename::renames;
use super::shape::Shape;
use super::words::{list, values};
use super::{ChangeKind, ContractDiff};

/// Where in a body a comparison is: the answer or request (`base`) and a JSON pointer.
struct Place<'a> {
    base: &'a str,
    pointer: &'a str,
    /// `base pointer`, the location a change is reported at.
    loc: String,
    /// `body` or `` `field/path` ``, as a change's detail names it.
    what: String,
}

impl<'a> Place<'a> {
    fn new(base: &'a str, pointer: &'a str) -> Place<'a> {
        let (loc, what) = if pointer.is_empty() {
            (base.to_string(), "body".to_string())
        } else {
            (
                format!("{base} {pointer}"),
                format!("`{}`", pointer.trim_start_matches('/')),
            )
        };
        Place {
            base,
            pointer,
            loc,
            what,
        }
    }

    /// The pointer to field `name` below this place.
    fn child(&self, name: &str) -> String {
        format!("{}/{name}", self.pointer)
    }

    /// The location a change to field `name` is reported at.
    fn field(&self, name: &str) -> String {
        format!("{} {}", self.base, self.child(name))
    }
}

/// Every change from `old` to `new` at `pointer` in `base`, and below it.
pub(super) fn compare(
    d: &mut ContractDiff,
    base: &str,
    pointer: &str,
    old: &Shape,
    new: &Shape,
    dir: Direction,
) {
    let at = Place::new(base, pointer);
    if types(d, &at, old, new, dir) == Types::Unrelated {
        return;
    }
    allowed_values(d, &at, old, new);
    fields(d, &at, old, new, dir);
    if let (Some(o), Some(n)) = (&old.items, &new.items) {
        compare(d, base, &format!("{pointer}/[]"), o, n, dir);
    }
}

/// Whether the old and new types still share anything worth comparing further.
#[derive(Debug, PartialEq, Eq)]
enum Types {
    /// The same, or overlapping.
    Related,
    /// No type in common: what is inside is not the same value any more.
    Unrelated,
}

fn types(d: &mut ContractDiff, at: &Place, old: &Shape, new: &Shape, dir: Direction) -> Types {
    let (Some(ot), Some(nt)) = (old.effective_types(), new.effective_types()) else {
        return Types::Related;
    };
    if ot == nt {
        return Types::Related;
    }
    // What the reader of the value must now accept is what matters: a response may
    // narrow, a request may widen.
    let (narrower, wider) = match dir {
        Direction::Response => (&nt, &ot),
        Direction::Request => (&ot, &nt),
    };
    d.push(
        !narrower.is_subset(wider),
        ChangeKind::TypeChanged,
        &at.loc,
        format!(
            "{} type {} -> {}",
            at.what,
            list(ot.iter()),
            list(nt.iter())
        ),
    );
    if ot.is_disjoint(&nt) {
        Types::Unrelated
    } else {
        Types::Related
    }
}

/// `enum` / `const`: removed values break a reader, added ones do not.
fn allowed_values(d: &mut ContractDiff, at: &Place, old: &Shape, new: &Shape) {
    let (loc, what) = (&at.loc, &at.what);
    match (&old.values, &new.values) {
        (Some(o), Some(n)) => {
            let removed: Vec<&Value> = o.iter().filter(|v| !n.contains(v)).collect();
            let added: Vec<&Value> = n.iter().filter(|v| !o.contains(v)).collect();
            if !removed.is_empty() {
                d.push(
                    true,
                    ChangeKind::EnumNarrowed,
                    loc,
                    format!("{what} values removed: {}", values(&removed)),
                );
            }
            if !added.is_empty() {
                d.push(
                    false,
                    ChangeKind::EnumWidened,
                    loc,
                    format!("{what} values added: {}", values(&added)),
                );
            }
        }
        (None, Some(n)) => d.push(
            true,
            ChangeKind::EnumNarrowed,
            loc,
            format!(
                "{what} now restricted to {}",
                values(&n.iter().collect::<Vec<_>>())
            ),
        ),
        (Some(_), None) => d.push(
            false,
            ChangeKind::EnumWidened,
            loc,
            format!("{what} no longer restricted to a list of values"),
        ),
        (None, None) => {}
    }
}

/// The field names of both shapes, and which removed field is probably a renamed one.
struct Fields<'s> {
    old: BTreeSet<&'s String>,
    new: BTreeSet<&'s String>,
    /// `(from, to)` pairs; only answers are searched for renames.
    renames: Vec<(String, String)>,
}

impl<'s> Fields<'s> {
    fn of(old: &'s Shape, new: &'s Shape, dir: Direction) -> Fields<'s> {
        let names = |s: &'s Shape| -> BTreeSet<&'s String> {
            s.properties.keys().chain(&s.required).collect()
        };
        let (old_names, new_names) = (names(old), names(new));
        let removed_required: Vec<&String> = old_names
            .iter()
            .filter(|k| !new_names.contains(*k) && old.required.contains(**k))
            .copied()
            .collect();
        let added_required: Vec<&String> = new_names
            .iter()
            .filter(|k| !old_names.contains(*k) && new.required.contains(**k))
            .copied()
            .collect();
        let renames = if dir == Direction::Response {
            renames(old, new, &removed_required, &added_required)
        } else {
            Vec::new()
        };
        Fields {
            old: old_names,
            new: new_names,
            renames,
        }
    }
}

/// Every field: gone, renamed, required or not any more, changed inside, or new.
fn fields(d: &mut ContractDiff, at: &Place, old: &Shape, new: &Shape, dir: Direction) {
    let fields = Fields::of(old, new, dir);
    let any = Shape::default();
    for name in &fields.old {
        if !fields.new.contains(name) {
            field_removed(d, at, old, name, &fields.renames, dir);
            continue;
        }
        required_changed(d, at, old, new, name, dir);
        compare(
            d,
            at.base,
            &at.child(name),
            old.properties.get(*name).unwrap_or(&any),
            new.properties.get(*name).unwrap_or(&any),
            dir,
        );
    }
    for name in fields.new.iter().filter(|k| !fields.old.contains(**k)) {
        if fields.renames.iter().any(|(_, to)| to == *name) {
            continue;
        }
        let required = new.required.contains(*name);
        d.push(
            required && dir == Direction::Request,
            ChangeKind::FieldAdded,
            &at.field(name),
            format!(
                "{} field `{name}` added",
                if required { "required" } else { "optional" }
            ),
        );
    }
}

fn field_removed(
    d: &mut ContractDiff,
    at: &Place,
    old: &Shape,
    name: &str,
    renames: &[(String, String)],
    dir: Direction,
) {
    let loc = at.field(name);
    let required = old.required.contains(name);
    if let Some((_, to)) = renames.iter().find(|(from, _)| from == name) {
        d.push(
            true,
            ChangeKind::FieldRenamed,
            &loc,
            format!("required field `{name}` removed (renamed? {name} -> {to})"),
        );
    } else if required && dir == Direction::Response {
        d.push(
            true,
            ChangeKind::RequiredFieldRemoved,
            &loc,
            format!("required field `{name}` removed"),
        );
    } else {
        d.push(
            false,
            ChangeKind::FieldRemoved,
            &loc,
            format!(
                "{} field `{name}` removed",
                if required { "required" } else { "optional" }
            ),
        );
    }
}

/// A field in both shapes that became optional or required.
fn required_changed(
    d: &mut ContractDiff,
    at: &Place,
    old: &Shape,
    new: &Shape,
    name: &str,
    dir: Direction,
) {
    let loc = at.field(name);
    match (
        old.required.contains(name),
        new.required.contains(name),
        dir,
    ) {
        (true, false, Direction::Response) => d.push(
            true,
            ChangeKind::FieldBecameOptional,
            &loc,
            format!("field `{name}` became optional: a consumer reading it may find nothing"),
        ),
        (false, true, Direction::Request) => d.push(
            true,
            ChangeKind::FieldBecameRequired,
            &loc,
            format!("field `{name}` became required"),
        ),
        (false, true, Direction::Response) => d.push(
            false,
            ChangeKind::FieldBecameRequired,
            &loc,
            format!("field `{name}` is now always present"),
        ),
        _ => {}
    }
}
