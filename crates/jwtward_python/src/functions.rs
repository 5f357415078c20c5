//! Function summaries: parameters, calls made, and the call sites of a function.

use crate::index::Binding;
use crate::names::join;
use crate::project::{Module, Project};
use crate::walk::{self, find_stmt};
use ruff_python_ast::{Expr, ExprCall, Stmt, StmtFunctionDef};
use ruff_text_size::{Ranged, TextRange, TextSize};

/// A function or method of the project.
#[derive(Clone, Debug)]
pub struct FunctionRef<'p> {
    pub module: &'p Module,
    pub def: &'p StmtFunctionDef,
    /// Fully qualified name (`app.auth.get_current_user`, `app.auth.Auth.verify`).
    pub qualname: String,
    /// Local name of the enclosing class for methods.
    pub class: Option<String>,
}

/// A parameter of a function.
#[derive(Clone, Debug)]
pub struct Param<'p> {
    pub name: &'p str,
    /// Position among positional parameters (`None` for keyword-only, `*args`, `**kw`).
    pub position: Option<usize>,
    pub default: Option<&'p Expr>,
    pub annotation: Option<&'p Expr>,
    pub range: TextRange,
}

/// A call to a project function, found by [`Project::call_sites_of`].
#[derive(Clone, Debug)]
pub struct CallSite<'p> {
    pub module: &'p Module,
    /// Qualified name of the function containing the call (`None` at module level).
    pub caller: Option<String>,
    pub call: &'p ExprCall,
}

impl<'p> FunctionRef<'p> {
    pub fn name(&self) -> &'p str {
        self.def.name.as_str()
    }

    pub fn is_async(&self) -> bool {
        self.def.is_async
    }

    /// Positional, keyword-only and variadic parameters, in order.
    pub fn params(&self) -> Vec<Param<'p>> {
        let p = &self.def.parameters;
        let mut out = Vec::new();
        for (pos, pw) in p.posonlyargs.iter().chain(p.args.iter()).enumerate() {
            out.push(Param {
                name: pw.parameter.name.as_str(),
                position: Some(pos),
                default: pw.default.as_deref(),
                annotation: pw.parameter.annotation.as_deref(),
                range: pw.range,
            });
        }
        if let Some(v) = &p.vararg {
            out.push(Param {
                name: v.name.as_str(),
                position: None,
                default: None,
                annotation: v.annotation.as_deref(),
                range: v.range,
            });
        }
        for pw in &p.kwonlyargs {
            out.push(Param {
                name: pw.parameter.name.as_str(),
                position: None,
                default: pw.default.as_deref(),
                annotation: pw.parameter.annotation.as_deref(),
                range: pw.range,
            });
        }
        if let Some(k) = &p.kwarg {
            out.push(Param {
                name: k.name.as_str(),
                position: None,
                default: None,
                annotation: k.annotation.as_deref(),
                range: k.range,
            });
        }
        out
    }

    /// Every call in the body (not in nested functions), in source order.
    pub fn calls(&self) -> Vec<&'p ExprCall> {
        let mut out = Vec::new();
        walk::for_each_expr_shallow(&self.def.body, &mut |e| {
            if let Expr::Call(c) = e {
                out.push(c);
            }
        });
        out
    }

    /// Qualified names of the decorators (`fastapi.APIRouter.get` style names when resolvable;
    /// for `@router.get(...)` the name of `router.get`).
    pub fn decorator_names(&self, project: &Project) -> Vec<String> {
        self.def
            .decorator_list
            .iter()
            .filter_map(|d| {
                let e = match &d.expression {
                    Expr::Call(c) => &*c.func,
                    e => e,
                };
                project.qualified_name(self.module, e)
            })
            .collect()
    }

    /// The value bound to parameter `name` by `call` (positional or keyword), if any.
    pub fn argument_for<'c>(&self, call: &'c ExprCall, name: &str) -> Option<&'c Expr> {
        let params = self.params();
        let param = params.iter().find(|p| p.name == name)?;
        if let Some(k) = call
            .arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        {
            return Some(&k.value);
        }
        let mut pos = param.position?;
        // Methods called on an instance: `self` is not in the call's arguments.
        if self.class.is_some()
            && params
                .first()
                .is_some_and(|p| p.name == "self" || p.name == "cls")
            && matches!(&*call.func, Expr::Attribute(_))
        {
            pos = pos.checked_sub(1)?;
        }
        let arg = call.arguments.args.get(pos)?;
        if matches!(arg, Expr::Starred(_)) {
            return None;
        }
        Some(arg)
    }
}

impl Project {
    /// Every function and method of `module` (nested functions too), in source order.
    pub fn functions<'p>(&'p self, module: &'p Module) -> Vec<FunctionRef<'p>> {
        let ast = module.ast();
        module
            .index()
            .functions
            .iter()
            .filter_map(|(local, e)| match find_stmt(&ast.body, e.stmt) {
                Some(Stmt::FunctionDef(def)) => Some(FunctionRef {
                    module,
                    def,
                    qualname: join(&module.name, local),
                    class: e.class.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// The function or method `qname` refers to.
    pub fn function(&self, qname: &str) -> Option<FunctionRef<'_>> {
        match self.lookup(qname)? {
            Binding::Function(f) => Some(f),
            _ => None,
        }
    }

    /// The innermost function of `module` whose body contains `offset`.
    pub fn enclosing_function<'p>(
        &'p self,
        module: &'p Module,
        offset: TextSize,
    ) -> Option<FunctionRef<'p>> {
        self.functions(module)
            .into_iter()
            .filter(|f| f.def.range.contains(offset))
            .min_by_key(|f| f.def.range.len())
    }

    /// Every call of the project function `qname`, in any module (`f(...)`, `mod.f(...)`,
    /// aliased imports, `Class.method(...)`). Modules that do not contain the function's
    /// name are skipped without being walked.
    pub fn call_sites_of(&self, qname: &str) -> Vec<CallSite<'_>> {
        let qname = self.canonical(qname);
        let short = qname.rsplit('.').next().unwrap_or(&qname).to_string();
        let cached = self
            .call_candidates
            .lock()
            .ok()
            .and_then(|c| c.get(&qname).cloned());
        let (names, candidates) = match cached {
            Some(c) => c,
            None => {
                let idx = self.import_index();
                // Local names the function is imported under (`from .x import f as g`,
                // re-exports).
                let mut names: Vec<String> = vec![short.clone()];
                let mut cands: std::collections::BTreeSet<usize> = Default::default();
                let mut i = 0;
                while i < names.len() && i < 64 {
                    if let Some(v) = idx.by_last.get(&names[i]) {
                        for (m, local, target) in v {
                            if self.canonical(target) == qname {
                                cands.insert(*m);
                                if !names.contains(local) {
                                    names.push(local.clone());
                                }
                            }
                        }
                    }
                    i += 1;
                }
                // Modules importing the defining module (or a package above it), and the
                // defining module itself.
                let parts: Vec<&str> = qname.split('.').collect();
                for k in 1..parts.len() {
                    let prefix = parts[..k].join(".");
                    let Some(dm) = self.module_by_name(&prefix) else {
                        // A class on the way (`from pkg.mod import Helper`, then
                        // `Helper.method(...)`): the modules importing it.
                        if let Some(v) = idx.by_target.get(&prefix) {
                            cands.extend(v.iter().copied());
                        }
                        continue;
                    };
                    cands.insert(dm.id);
                    for n in std::iter::once(&dm.name).chain(dm.aliases.iter()) {
                        for map in [&idx.by_target, &idx.star] {
                            if let Some(v) = map.get(n) {
                                cands.extend(v.iter().copied());
                            }
                        }
                    }
                }
                let c: Vec<usize> = cands
                    .into_iter()
                    .filter(|&m| {
                        let src = &self.modules[m].source;
                        names.iter().any(|n| src.contains(n.as_str()))
                    })
                    .collect();
                if let Ok(mut memo) = self.call_candidates.lock() {
                    memo.insert(qname.clone(), (names.clone(), c.clone()));
                }
                (names, c)
            }
        };
        let mut out = Vec::new();
        for m in candidates.into_iter().map(|i| &self.modules[i]) {
            let ast = m.ast();
            walk::for_each_expr(&ast.body, &mut |e, frames| {
                let Expr::Call(call) = e else { return };
                let last = match &*call.func {
                    Expr::Name(n) => n.id.as_str(),
                    Expr::Attribute(a) => a.attr.as_str(),
                    _ => return,
                };
                if !names.iter().any(|n| n == last) {
                    return;
                }
                if self.qualified_name(m, &call.func).as_deref() == Some(qname.as_str()) {
                    let caller = frames
                        .iter()
                        .rposition(|f| !f.is_class)
                        .map(|i| join(&m.name, &walk::frames_name(&frames[..=i])));
                    out.push(CallSite {
                        module: m,
                        caller,
                        call,
                    });
                }
            });
        }
        out
    }
}

impl Ranged for CallSite<'_> {
    fn range(&self) -> TextRange {
        self.call.range()
    }
}
