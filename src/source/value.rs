//! What lmh knows about a JavaScript value without running it: enough to tell a URL built
//! from `SESSION_MANAGER_BASE_URL`, the headers and body keys of a request, and which
//! functions, classes and HTTP clients a name stands for.

use crate::domain::SESSION_MANAGER_BASE_URL;
use std::rc::Rc;

use oxc_ast::ast::{ArrowFunctionExpression, Class, FormalParameters, Function};

/// One piece of a string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    /// Known text.
    Lit(String),
    /// The value of `SESSION_MANAGER_BASE_URL`.
    Base,
    /// Text lmh cannot know: its source, and whether it is a parameter of the function
    /// being read (then a caller may supply it: the function is a wrapper).
    Hole { text: String, param: bool },
}

/// An object literal, as far as it is known.
#[derive(Debug, Clone, Default)]
pub(crate) struct Obj<'a> {
    pub fields: Vec<(String, Val<'a>)>,
    /// Set when a spread or computed key may add fields lmh cannot see: its source.
    pub open: Option<String>,
}

impl<'a> Obj<'a> {
    /// The field `name`; `Undefined` when the object surely lacks it.
    pub fn get(&self, name: &str) -> Val<'a> {
        match self.fields.iter().rev().find(|(k, _)| k == name) {
            Some((_, v)) => v.clone(),
            None => match &self.open {
                Some(text) => Val::Unknown(format!("{text}.{name}")),
                None => Val::Undefined,
            },
        }
    }

    /// Add or replace a field.
    pub fn set(&mut self, name: String, value: Val<'a>) {
        self.fields.retain(|(k, _)| *k != name);
        self.fields.push((name, value));
    }

    /// `{...self, ...other}`.
    pub fn merged(&self, other: &Val<'a>) -> Obj<'a> {
        let mut out = self.clone();
        out.spread(other);
        out
    }

    /// Spread `value` into the object.
    pub fn spread(&mut self, value: &Val<'a>) {
        match value {
            Val::Obj(o) => {
                for (k, v) in &o.fields {
                    self.set(k.clone(), v.clone());
                }
                if o.open.is_some() {
                    self.open.clone_from(&o.open);
                }
            }
            Val::Undefined => {}
            other => self.open = Some(format!("...{}", other.describe())),
        }
    }
}

/// A function's syntax node.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FnNode<'a> {
    Func(&'a Function<'a>),
    Arrow(&'a ArrowFunctionExpression<'a>),
}

/// A function or method found in the tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FnRef<'a> {
    /// Index of its file.
    pub file: usize,
    pub node: FnNode<'a>,
    /// The class whose method it is (`this` inside it).
    pub class: Option<&'a Class<'a>>,
    /// Its name, for reports.
    pub name: &'a str,
}

impl<'a> FnRef<'a> {
    /// A key unique in the tree.
    pub fn key(&self) -> (usize, u32) {
        (self.file, self.start())
    }

    /// Offset of its start.
    pub fn start(&self) -> u32 {
        match self.node {
            FnNode::Func(f) => f.span.start,
            FnNode::Arrow(a) => a.span.start,
        }
    }

    /// Its parameters.
    pub fn params(&self) -> &'a FormalParameters<'a> {
        match self.node {
            FnNode::Func(f) => &f.params,
            FnNode::Arrow(a) => &a.params,
        }
    }
}

/// An HTTP client library, or an instance of one.
#[derive(Debug, Clone)]
pub(crate) enum Client<'a> {
    /// `fetch`, global or `node-fetch`.
    Fetch,
    /// `axios`, or an instance with its `create` config.
    Axios(Rc<Obj<'a>>),
    /// `got`.
    Got,
    /// `node:http` / `node:https`.
    NodeHttp,
}

/// A value.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Str(Vec<Part>),
    Obj(Rc<Obj<'a>>),
    Func(FnRef<'a>),
    Class(usize, &'a Class<'a>),
    Instance(usize, &'a Class<'a>),
    /// A local module (`require('./x')`, `import * as x`).
    Module(usize),
    /// One export of a local module (`None`: the default one), read when used.
    Export(usize, Option<&'a str>),
    Client(Client<'a>),
    /// A member of a client, e.g. `axios.get`.
    Method(Client<'a>, String),
    /// `process.env`.
    Env,
    /// A parameter of the function being read (or a member of one).
    Param(String),
    Undefined,
    /// One of several URLs built from the base URL, chosen by a condition (`a ? b : c`, or
    /// assigned in the branches of an `if`): each is checked.
    OneOf(Rc<Vec<Val<'a>>>),
    /// Anything else: its source.
    Unknown(String),
}

impl<'a> Val<'a> {
    /// A string of known text.
    pub fn lit(text: &str) -> Val<'a> {
        Val::Str(vec![Part::Lit(text.to_string())])
    }

    /// The value as string pieces.
    pub fn parts(&self) -> Vec<Part> {
        match self {
            Val::Str(p) => p.clone(),
            Val::Param(name) => vec![Part::Hole {
                text: name.clone(),
                param: true,
            }],
            other => vec![Part::Hole {
                text: other.describe(),
                param: false,
            }],
        }
    }

    /// The whole text when it is known.
    pub fn text(&self) -> Option<String> {
        let Val::Str(parts) = self else { return None };
        let mut out = String::new();
        for p in parts {
            match p {
                Part::Lit(t) => out.push_str(t),
                _ => return None,
            }
        }
        Some(out)
    }

    /// Whether the value is built from `SESSION_MANAGER_BASE_URL`.
    pub fn has_base(&self) -> bool {
        match self {
            Val::Str(p) => p.contains(&Part::Base),
            Val::OneOf(vs) => vs.iter().any(Val::has_base),
            _ => false,
        }
    }

    /// `a` or `b`: both when they are different URLs built from the base URL, else `a`.
    pub fn either(a: Val<'a>, b: Val<'a>) -> Val<'a> {
        if !(a.has_base() && b.has_base()) {
            return a;
        }
        let mut all = a.alternatives();
        for v in b.alternatives() {
            if !all.iter().any(|x| x.same_str(&v)) {
                all.push(v);
            }
        }
        if all.len() == 1 {
            return all.remove(0);
        }
        Val::OneOf(Rc::new(all))
    }

    /// Each value this one may be (itself, or each of a [`Val::OneOf`]).
    pub fn alternatives(&self) -> Vec<Val<'a>> {
        match self {
            Val::OneOf(vs) => vs.iter().flat_map(Val::alternatives).collect(),
            other => vec![other.clone()],
        }
    }

    fn same_str(&self, other: &Val<'a>) -> bool {
        matches!((self, other), (Val::Str(a), Val::Str(b)) if a == b)
    }

    /// A short description for reports.
    pub fn describe(&self) -> String {
        match self {
            Val::Str(_) => display(&self.parts()),
            Val::Param(p) | Val::Unknown(p) => p.clone(),
            Val::Undefined => "undefined".into(),
            Val::Func(f) => format!("function {}", f.name),
            Val::OneOf(vs) => vs
                .iter()
                .map(Val::describe)
                .collect::<Vec<_>>()
                .join(" or "),
            _ => "an object".into(),
        }
    }
}

/// Concatenate two strings' pieces, merging adjacent text.
pub(crate) fn concat(mut left: Vec<Part>, right: Vec<Part>) -> Vec<Part> {
    for p in right {
        match (left.last_mut(), p) {
            (Some(Part::Lit(a)), Part::Lit(b)) => a.push_str(&b),
            (_, p) => left.push(p),
        }
    }
    left
}

/// Pieces as written in a template literal: `${...}` for what is not known.
pub(crate) fn display(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Lit(t) => t.clone(),
            Part::Base => format!("${{{SESSION_MANAGER_BASE_URL}}}"),
            Part::Hole { text, .. } => format!("${{{text}}}"),
        })
        .collect()
}
