//! Per-module index of definitions (functions, classes, assignments), built lazily.

use crate::functions::FunctionRef;
use crate::names::join;
use crate::project::{Module, Project};
use crate::walk::find_stmt;
use ruff_python_ast::{Expr, ModModule, Stmt, StmtClassDef};
use ruff_text_size::{Ranged, TextRange};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DefKind {
    Function,
    Class,
    Assign,
}

#[derive(Clone, Debug)]
pub(crate) struct DefEntry {
    pub kind: DefKind,
    /// Range of the defining statement.
    pub stmt: TextRange,
    /// Enclosing class (local name) for methods and class attributes.
    pub class: Option<String>,
}

/// Definitions of a module by local dotted name (`f`, `C`, `C.method`, `C.attr`, `X`).
#[derive(Debug, Default)]
pub(crate) struct ModuleIndex {
    pub defs: HashMap<String, DefEntry>,
    /// Every function (methods and nested functions too), in source order.
    pub functions: Vec<(String, DefEntry)>,
}

impl ModuleIndex {
    pub fn build(ast: &ModModule) -> ModuleIndex {
        let mut idx = ModuleIndex::default();
        idx.add_body(&ast.body, "", None, true);
        idx
    }

    pub fn defines(&self, name: &str) -> bool {
        self.defs.contains_key(name)
    }

    fn add_body(&mut self, body: &[Stmt], prefix: &str, class: Option<&str>, top: bool) {
        for stmt in body {
            self.add_stmt(stmt, prefix, class, top);
        }
    }

    fn add_stmt(&mut self, stmt: &Stmt, prefix: &str, class: Option<&str>, top: bool) {
        let class_owned = class.map(str::to_string);
        match stmt {
            Stmt::FunctionDef(f) => {
                let name = join(prefix, f.name.as_str());
                let e = DefEntry {
                    kind: DefKind::Function,
                    stmt: f.range,
                    class: class_owned,
                };
                self.functions.push((name.clone(), e.clone()));
                self.defs.entry(name.clone()).or_insert(e);
                // Nested functions: indexed as `outer.inner` for summaries, not as defs.
                self.add_nested_functions(&f.body, &name);
            }
            Stmt::ClassDef(c) => {
                let name = join(prefix, c.name.as_str());
                self.defs.insert(
                    name.clone(),
                    DefEntry {
                        kind: DefKind::Class,
                        stmt: c.range,
                        class: class_owned,
                    },
                );
                self.add_body(&c.body, &name, Some(&name), top);
            }
            Stmt::Assign(a) => {
                for t in &a.targets {
                    self.add_target(t, stmt.range(), prefix, class, top);
                }
            }
            Stmt::AnnAssign(a) if a.value.is_some() || class.is_some() => {
                self.add_target(&a.target, stmt.range(), prefix, class, top);
            }
            Stmt::If(_) | Stmt::Try(_) | Stmt::With(_) | Stmt::For(_) | Stmt::While(_) => {
                for b in crate::walk::child_bodies(stmt) {
                    self.add_body(b, prefix, class, false);
                }
            }
            _ => {}
        }
    }

    fn add_nested_functions(&mut self, body: &[Stmt], prefix: &str) {
        crate::walk::for_each_stmt_shallow(body, &mut |s| {
            if let Stmt::FunctionDef(f) = s {
                let name = join(prefix, f.name.as_str());
                self.functions.push((
                    name.clone(),
                    DefEntry {
                        kind: DefKind::Function,
                        stmt: f.range,
                        class: None,
                    },
                ));
                self.add_nested_functions(&f.body, &name);
            }
        });
    }

    fn add_target(
        &mut self,
        target: &Expr,
        stmt: TextRange,
        prefix: &str,
        class: Option<&str>,
        top: bool,
    ) {
        let Expr::Name(n) = target else { return };
        let name = join(prefix, n.id.as_str());
        let entry = DefEntry {
            kind: DefKind::Assign,
            stmt,
            class: class.map(str::to_string),
        };
        // The last top-level assignment wins; a nested one only fills a gap.
        if top {
            self.defs.insert(name, entry);
        } else {
            self.defs.entry(name).or_insert(entry);
        }
    }
}

/// A class of the project.
#[derive(Clone, Debug)]
pub struct ClassRef<'p> {
    pub module: &'p Module,
    pub def: &'p StmtClassDef,
    /// Fully qualified name (`app.config.Settings`).
    pub qualname: String,
}

/// What a qualified name refers to in the project.
#[derive(Clone, Debug)]
pub enum Binding<'p> {
    Module(&'p Module),
    Function(FunctionRef<'p>),
    Class(ClassRef<'p>),
    /// `NAME = value` / `NAME: T = value` at module or class level.
    Assign {
        module: &'p Module,
        /// Fully qualified name of the target.
        qualname: String,
        /// Local name of the enclosing class for class attributes.
        class: Option<String>,
        /// `None` for a bare annotation in a class body (`x: str`).
        value: Option<&'p Expr>,
        annotation: Option<&'p Expr>,
        stmt: &'p Stmt,
    },
}

impl Project {
    /// What `qname` refers to in the project (after [`Project::canonical`]), if it is defined
    /// in a project module: a module, a function or method, a class, or an assignment.
    pub fn lookup(&self, qname: &str) -> Option<Binding<'_>> {
        let qname = self.canonical(qname);
        let parts: Vec<&str> = qname.split('.').collect();
        for i in (1..=parts.len()).rev() {
            let prefix = parts[..i].join(".");
            let Some(m) = self.module_by_name(&prefix) else {
                continue;
            };
            if i == parts.len() {
                return Some(Binding::Module(m));
            }
            let local = parts[i..].join(".");
            return self.binding_in(m, &local);
        }
        None
    }

    /// The definition of `local` (a dotted name inside the module) in `module`.
    pub fn binding_in<'p>(&'p self, module: &'p Module, local: &str) -> Option<Binding<'p>> {
        let entry = module.index().defs.get(local)?;
        let stmt = find_stmt(&module.ast().body, entry.stmt)?;
        let qualname = join(&module.name, local);
        Some(match (entry.kind, stmt) {
            (DefKind::Function, Stmt::FunctionDef(def)) => Binding::Function(FunctionRef {
                module,
                def,
                qualname,
                class: entry.class.clone(),
            }),
            (DefKind::Class, Stmt::ClassDef(def)) => Binding::Class(ClassRef {
                module,
                def,
                qualname,
            }),
            (DefKind::Assign, Stmt::Assign(a)) => Binding::Assign {
                module,
                qualname,
                class: entry.class.clone(),
                value: Some(&a.value),
                annotation: None,
                stmt,
            },
            (DefKind::Assign, Stmt::AnnAssign(a)) => Binding::Assign {
                module,
                qualname,
                class: entry.class.clone(),
                value: a.value.as_deref(),
                annotation: Some(&a.annotation),
                stmt,
            },
            _ => return None,
        })
    }

    /// The class a qualified name refers to.
    pub fn class(&self, qname: &str) -> Option<ClassRef<'_>> {
        match self.lookup(qname)? {
            Binding::Class(c) => Some(c),
            _ => None,
        }
    }

    /// Qualified names of the bases of a class (as written, resolved through imports).
    pub fn class_bases(&self, class: &ClassRef<'_>) -> Vec<String> {
        class
            .def
            .arguments
            .as_ref()
            .map(|a| {
                a.args
                    .iter()
                    .filter_map(|b| self.qualified_name(class.module, b))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The class attribute `attr` of `class` or of one of its project bases.
    pub fn class_attribute<'p>(&'p self, class: &ClassRef<'p>, attr: &str) -> Option<Binding<'p>> {
        let mut todo = vec![class.clone()];
        let mut seen = 0;
        while let Some(c) = todo.pop() {
            seen += 1;
            if seen > 16 {
                break;
            }
            let local = c
                .qualname
                .strip_prefix(&c.module.name)
                .map(|s| s.trim_start_matches('.'))
                .unwrap_or(&c.qualname)
                .to_string();
            if let Some(b) = self.binding_in(c.module, &join(&local, attr)) {
                return Some(b);
            }
            for base in self.class_bases(&c) {
                if let Some(bc) = self.class(&base) {
                    todo.push(bc);
                }
            }
        }
        None
    }
}
