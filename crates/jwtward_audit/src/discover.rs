//! Which application object to start: `MODULE:ATTR` and the directory to import it from.
//!
//! The candidates are the apps of the scan's route table (each app that serves routes and
//! is not mounted inside another app, when it is assigned to a module-level variable),
//! plus module-level `NAME = FastAPI(...)` / `NAME = Starlette(...)` assignments outside
//! test code (an app whose routes the model could not attach). When there is none of
//! these, a module-level `NAME = make_app()` whose function (a top-level function of the
//! project, outside test code) builds a `FastAPI(...)`/`Starlette(...)` and returns is the
//! app. Apps built inside a factory and never assigned are not found: give
//! `--app MODULE:FUNC --factory` or `--run`.

use jwtward_fastapi::RouteInfo;
use jwtward_python::{Module, Project, Ranged};
use ruff_python_ast::{Expr, Stmt};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// An application the project defines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppRef {
    /// `pkg.main:app`, as uvicorn takes it.
    pub target: String,
    /// The directory the module is imported from.
    pub root: PathBuf,
    /// Where it is defined (`app/main.py:7`), when known.
    pub place: String,
}

/// The directory `module` is imported from, given its dotted name.
pub fn import_root(module: &Module, name: &str) -> PathBuf {
    let mut levels = name.matches('.').count() + usize::from(module.is_package);
    let mut dir = module
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // `./main.py` of a package scanned as `.`: climbing needs the real directory.
    if levels > 0
        && let Ok(real) = std::fs::canonicalize(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir.as_path()
        })
    {
        dir = real;
    }
    while levels > 0 {
        match dir.parent() {
            Some(p) => dir = p.to_path_buf(),
            None => break,
        }
        levels -= 1;
    }
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    }
}

fn is_app_call(e: &Expr) -> bool {
    let Expr::Call(c) = e else { return false };
    let name = match c.func.as_ref() {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => return false,
    };
    matches!(name, "FastAPI" | "Starlette")
}

/// Module-level `NAME = FastAPI(...)` assignments: `(module, attr, line)`.
fn assigned_apps(project: &Project) -> Vec<(&Module, String, u32)> {
    let mut out = Vec::new();
    for m in &project.modules {
        if m.is_test || !(m.source.contains("FastAPI(") || m.source.contains("Starlette(")) {
            continue;
        }
        for stmt in &m.ast().body {
            let (targets, value): (Vec<&Expr>, &Expr) = match stmt {
                Stmt::Assign(a) => (a.targets.iter().collect(), &a.value),
                Stmt::AnnAssign(a) => match &a.value {
                    Some(v) => (vec![&a.target], v),
                    None => continue,
                },
                _ => continue,
            };
            if !is_app_call(value) {
                continue;
            }
            for t in targets {
                if let Expr::Name(n) = t {
                    let line = m.line_column(stmt.range().start()).0;
                    out.push((m, n.id.to_string(), line));
                }
            }
        }
    }
    out
}

/// The name of the function a call calls (`make_app()`, `factory.make_app()`).
fn called_name(e: &Expr) -> Option<&str> {
    let e = match e {
        Expr::Await(a) => &*a.value,
        e => e,
    };
    let Expr::Call(c) = e else { return None };
    match c.func.as_ref() {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.as_str()),
        _ => None,
    }
}

/// Top-level functions outside test code that build an app and return something.
fn app_factories(project: &Project) -> Vec<String> {
    let mut out = Vec::new();
    for m in &project.modules {
        if m.is_test || !(m.source.contains("FastAPI(") || m.source.contains("Starlette(")) {
            continue;
        }
        for stmt in &m.ast().body {
            let Stmt::FunctionDef(f) = stmt else { continue };
            let r = f.range();
            let text = m
                .source
                .get(r.start().to_usize()..r.end().to_usize())
                .unwrap_or("");
            if (text.contains("FastAPI(") || text.contains("Starlette(")) && text.contains("return")
            {
                out.push(f.name.to_string());
            }
        }
    }
    out
}

/// Module-level `NAME = make_app()` where `make_app` builds an app: `(module, attr, line)`.
fn factory_assigned_apps(project: &Project) -> Vec<(&Module, String, u32)> {
    let factories = app_factories(project);
    if factories.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for m in project.modules.iter().filter(|m| !m.is_test) {
        for stmt in &m.ast().body {
            let Stmt::Assign(a) = stmt else { continue };
            let Some(f) = called_name(&a.value) else {
                continue;
            };
            if !factories.iter().any(|x| x == f) {
                continue;
            }
            for t in &a.targets {
                if let Expr::Name(n) = t {
                    out.push((m, n.id.to_string(), m.line_column(stmt.range().start()).0));
                }
            }
        }
    }
    out
}

/// Every app the project defines, deduplicated, in a stable order.
pub fn apps(project: &Project, routes: &[RouteInfo]) -> Vec<AppRef> {
    let mut found: BTreeMap<String, AppRef> = BTreeMap::new();
    let mounted: Vec<&str> = routes
        .iter()
        .filter(|r| r.mount.is_some())
        .filter_map(|r| r.app_name.as_deref())
        .collect();
    for r in routes {
        if r.mount.is_some() {
            continue;
        }
        // A router no app includes is its routes' "app" in the table: not something to
        // start (`APIRouter() at views.py:5`).
        let object = r.app.split(" at ").next().unwrap_or("");
        if object.ends_with("Router()") {
            continue;
        }
        let Some(q) = &r.app_name else { continue };
        let Some((module, attr)) = q.rsplit_once('.') else {
            continue;
        };
        let Some(m) = project.module_by_name(module) else {
            continue;
        };
        if m.is_test {
            continue;
        }
        let target = format!("{module}:{attr}");
        let place = r
            .app
            .split_once(" at ")
            .map(|(_, p)| p.to_string())
            .unwrap_or_default();
        found.entry(target.clone()).or_insert(AppRef {
            target,
            root: import_root(m, module),
            place,
        });
    }
    for (m, attr, line) in assigned_apps(project) {
        let q = format!("{}.{attr}", m.name);
        if mounted.contains(&q.as_str()) {
            continue;
        }
        let target = format!("{}:{attr}", m.name);
        found.entry(target.clone()).or_insert(AppRef {
            target,
            root: import_root(m, &m.name),
            place: format!("{}:{line}", m.display_path),
        });
    }
    if found.is_empty() {
        for (m, attr, line) in factory_assigned_apps(project) {
            let target = format!("{}:{attr}", m.name);
            found.entry(target.clone()).or_insert(AppRef {
                target,
                root: import_root(m, &m.name),
                place: format!("{}:{line} (built by a factory)", m.display_path),
            });
        }
    }
    found.into_values().collect()
}
