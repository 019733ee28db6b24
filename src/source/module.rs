//! The tree as a whole: each file's top-level names, what each module exports, where a
//! `require`/`import` leads, and which functions are wrappers (memoized; cycles end as
//! "unknown").

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use oxc_ast::ast::{
    AssignmentTarget, Declaration, ExportDefaultDeclarationKind, Expression,
    ImportDeclarationSpecifier, ModuleExportName, Statement,
};

use super::parse::SourceFile;
use super::value::{Client, FnNode, FnRef, Obj, Val};
use super::walk::{Sink, Walker};

/// A scope: names to values.
pub(crate) type Scope<'a> = HashMap<&'a str, Val<'a>>;

/// A function or HTTP call, by file and offset.
pub(crate) type Key = (usize, u32);

/// Everything memoized about the tree.
pub(crate) struct Analyzer<'a> {
    pub files: Vec<SourceFile<'a>>,
    by_path: HashMap<PathBuf, usize>,
    scopes: RefCell<HashMap<usize, Rc<Scope<'a>>>>,
    exports: RefCell<HashMap<usize, Val<'a>>>,
    pending: RefCell<HashMap<Key, Rc<Vec<Key>>>>,
    /// HTTP calls (by origin) that some caller of their wrapper resolved.
    pub inlined: RefCell<HashSet<(usize, u32)>>,
}

impl<'a> Analyzer<'a> {
    /// An analyzer over parsed files.
    pub fn new(files: Vec<SourceFile<'a>>) -> Analyzer<'a> {
        let by_path = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.abs.clone(), i))
            .collect();
        Analyzer {
            files,
            by_path,
            scopes: RefCell::default(),
            exports: RefCell::default(),
            pending: RefCell::default(),
            inlined: RefCell::default(),
        }
    }

    /// Every HTTP call of the tree, as read function by function.
    pub fn all_sinks(&self) -> Vec<Sink<'a>> {
        let mut out = Vec::new();
        for file in 0..self.files.len() {
            let mut w = Walker::new(self, file);
            w.scopes[0] = (*self.scope_of(file)).clone();
            w.statements(&self.files[file].program.body);
            out.append(&mut w.sinks);
        }
        out
    }

    /// What `require(spec)` / `import ... from spec` gives in `file`.
    pub fn require(&self, file: usize, spec: &str) -> Val<'a> {
        let bare = spec.strip_prefix("node:").unwrap_or(spec);
        match bare {
            "axios" => return Val::Client(Client::Axios(Rc::default())),
            "got" => return Val::Client(Client::Got),
            "node-fetch" | "cross-fetch" => return Val::Client(Client::Fetch),
            "http" | "https" => return Val::Client(Client::NodeHttp),
            _ => {}
        }
        if spec.starts_with('.')
            && let Some(idx) = self.resolve(file, spec)
        {
            return Val::Module(idx);
        }
        Val::Unknown(format!("require('{spec}')"))
    }

    fn resolve(&self, file: usize, spec: &str) -> Option<usize> {
        let dir = self.files[file].abs.parent()?;
        let base = dir.join(spec);
        let candidates = [
            base.clone(),
            with_ext(&base, "js"),
            with_ext(&base, "cjs"),
            with_ext(&base, "mjs"),
            base.join("index.js"),
        ];
        candidates
            .iter()
            .filter_map(|c| c.canonicalize().ok())
            .find_map(|c| self.by_path.get(&c).copied())
    }

    /// The top-level names of `file` (empty while being computed: an import cycle).
    pub fn scope_of(&self, file: usize) -> Rc<Scope<'a>> {
        if let Some(s) = self.scopes.borrow().get(&file) {
            return s.clone();
        }
        self.scopes.borrow_mut().insert(file, Rc::default());
        let mut w = Walker::new(self, file);
        let body = &self.files[file].program.body;
        w.hoist(body);
        for s in body {
            match s {
                Statement::ImportDeclaration(d) => w.import(d),
                Statement::VariableDeclaration(d) => w.declare(d, false),
                Statement::ExpressionStatement(e) => w.mutation(&e.expression),
                Statement::ExportDeclaration(d) => {
                    if let Declaration::VariableDeclaration(v) = &d.declaration {
                        w.declare(v, false);
                    }
                }
                _ => {}
            }
        }
        let scope = Rc::new(std::mem::take(&mut w.scopes[0]));
        self.scopes.borrow_mut().insert(file, scope.clone());
        scope
    }

    /// What `file` exports: `module.exports`, `exports.x`, ES `export`s.
    pub fn exports_of(&self, file: usize) -> Val<'a> {
        if let Some(v) = self.exports.borrow().get(&file) {
            return v.clone();
        }
        self.exports
            .borrow_mut()
            .insert(file, Val::Unknown("a module that imports itself".into()));
        let mut w = Walker::new(self, file);
        w.scopes[0] = (*self.scope_of(file)).clone();
        let mut whole: Option<Val<'a>> = None;
        let mut named = Obj::default();
        for s in &self.files[file].program.body {
            match s {
                Statement::ExpressionStatement(e) => {
                    if let Expression::AssignmentExpression(a) = &e.expression {
                        match export_target(&a.left) {
                            Some(None) => whole = Some(w.eval(&a.right)),
                            Some(Some(name)) => named.set(name.to_string(), w.eval(&a.right)),
                            None => {}
                        }
                    }
                }
                Statement::ExportDeclaration(d) => {
                    for name in declared_names(&d.declaration) {
                        named.set(name.to_string(), w.lookup(name));
                    }
                }
                Statement::ExportNamedDeclaration(d) => {
                    for spec in &d.specifiers {
                        let local = export_name(&spec.local);
                        named.set(export_name(&spec.exported).to_string(), w.lookup(local));
                    }
                }
                Statement::ExportDefaultDeclaration(d) => {
                    let value = match &d.declaration {
                        ExportDefaultDeclarationKind::FunctionDeclaration(f) => Val::Func(FnRef {
                            file,
                            node: FnNode::Func(f),
                            class: None,
                            name: "default",
                        }),
                        ExportDefaultDeclarationKind::ClassDeclaration(c) => Val::Class(file, c),
                        other => match other.as_expression() {
                            Some(e) => w.eval(e),
                            None => Val::Unknown("export default".into()),
                        },
                    };
                    named.set("default".into(), value);
                }
                _ => {}
            }
        }
        let value = match whole {
            Some(Val::Obj(o)) => Val::Obj(Rc::new(o.merged(&Val::Obj(Rc::new(named))))),
            Some(v) if named.fields.is_empty() => v,
            Some(_) | None => Val::Obj(Rc::new(named)),
        };
        self.exports.borrow_mut().insert(file, value.clone());
        value
    }

    /// The HTTP calls of `f` whose URL a caller supplies (by origin): what makes `f` a wrapper.
    pub fn pending_of(&self, f: FnRef<'a>) -> Rc<Vec<(usize, u32)>> {
        if let Some(p) = self.pending.borrow().get(&f.key()) {
            return p.clone();
        }
        self.pending.borrow_mut().insert(f.key(), Rc::default());
        let mut w = Walker::new(self, f.file);
        w.class = f.class;
        w.stack.push(f.key());
        w.function(f, None);
        let pending: Vec<(usize, u32)> = w
            .sinks
            .iter()
            .filter(|s| s.is_pending())
            .map(|s| s.origin)
            .collect();
        let pending = Rc::new(pending);
        self.pending.borrow_mut().insert(f.key(), pending.clone());
        pending
    }
}

fn with_ext(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn export_name<'a>(n: &ModuleExportName<'a>) -> &'a str {
    match n {
        ModuleExportName::IdentifierName(i) => i.name.as_str(),
        ModuleExportName::IdentifierReference(i) => i.name.as_str(),
        ModuleExportName::StringLiteral(s) => s.value.as_str(),
    }
}

/// `module.exports = ...` → `Some(None)`; `module.exports.x = ...` / `exports.x = ...` →
/// `Some(Some("x"))`.
fn export_target<'a>(left: &AssignmentTarget<'a>) -> Option<Option<&'a str>> {
    let AssignmentTarget::StaticMemberExpression(m) = left else {
        return None;
    };
    let prop = m.property.name.as_str();
    match &m.object {
        Expression::Identifier(id) if id.name == "module" && prop == "exports" => Some(None),
        Expression::Identifier(id) if id.name == "exports" => Some(Some(prop)),
        Expression::StaticMemberExpression(inner)
            if inner.property.name == "exports"
                && matches!(&inner.object, Expression::Identifier(id) if id.name == "module") =>
        {
            Some(Some(prop))
        }
        _ => None,
    }
}

/// The names a declaration introduces (simple bindings only).
fn declared_names<'a>(d: &'a Declaration<'a>) -> Vec<&'a str> {
    match d {
        Declaration::VariableDeclaration(v) => v
            .declarations
            .iter()
            .filter_map(|d| d.id.get_identifier_name().map(|n| n.as_str()))
            .collect(),
        Declaration::FunctionDeclaration(f) => f.id.iter().map(|i| i.name.as_str()).collect(),
        Declaration::ClassDeclaration(c) => c.id.iter().map(|i| i.name.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// The value an import specifier binds.
pub(crate) fn import_value<'a>(
    an: &Analyzer<'a>,
    file: usize,
    spec: &ImportDeclarationSpecifier<'a>,
    source: &str,
) -> Val<'a> {
    let module = an.require(file, source);
    match (spec, module) {
        (ImportDeclarationSpecifier::ImportSpecifier(s), Val::Module(idx)) => {
            Val::Export(idx, Some(export_name(&s.imported)))
        }
        (ImportDeclarationSpecifier::ImportDefaultSpecifier(_), Val::Module(idx)) => {
            Val::Export(idx, None)
        }
        (ImportDeclarationSpecifier::ImportSpecifier(s), Val::Client(c)) => {
            Val::Method(c, export_name(&s.imported).to_string())
        }
        (_, other) => other,
    }
}
