//! Module names from the file tree, imports, and resolving expressions to qualified names.

use crate::discovery::Root;
use crate::project::{Module, Project};
use ruff_python_ast::{Expr, ModModule, Stmt};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub(crate) struct ModuleNames {
    pub canonical: String,
    pub aliases: Vec<String>,
    pub is_package: bool,
}

fn stem_parts(relative: &Path) -> (Vec<String>, bool) {
    let mut parts: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let mut is_package = false;
    if let Some(last) = parts.pop() {
        let stem = last
            .rsplit_once('.')
            .map(|(s, _)| s.to_string())
            .unwrap_or(last);
        if stem == "__init__" {
            is_package = true;
        } else {
            parts.push(stem);
        }
    }
    (parts, is_package)
}

/// What [`module_names`] learns about a directory on disk, shared by the files below it.
#[derive(Clone, Debug)]
struct DirInfo {
    /// Holds an `__init__.py` or `__init__.pyi`.
    is_pkg: bool,
    /// The directory's own name after resolving links (packages only).
    name: Option<String>,
}

/// A per-load memo of [`DirInfo`]s: every file of a package asks about the same directories.
#[derive(Debug, Default)]
pub(crate) struct DirCache {
    dirs: std::sync::Mutex<HashMap<PathBuf, DirInfo>>,
}

impl DirCache {
    fn info(&self, dir: &Path) -> DirInfo {
        if let Some(i) = self.dirs.lock().ok().and_then(|m| m.get(dir).cloned()) {
            return i;
        }
        let is_pkg = dir.join("__init__.py").is_file() || dir.join("__init__.pyi").is_file();
        let name = if is_pkg {
            dir.canonicalize()
                .ok()
                .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
        } else {
            None
        };
        let info = DirInfo { is_pkg, name };
        if let Ok(mut m) = self.dirs.lock() {
            m.insert(dir.to_path_buf(), info.clone());
        }
        info
    }
}

/// Names of the module at `relative` below `root`, looking at `__init__.py` files on disk.
pub(crate) fn module_names(root: &Root, relative: &Path, cache: &DirCache) -> ModuleNames {
    let is_pkg = |dir: &Path| cache.info(dir).is_pkg;
    let full = root.base.join(relative);
    let (rel_parts, is_package) = stem_parts(relative);
    // Package-based name: walk up while the directory is a package.
    let mut pkg_parts: Vec<String> = Vec::new();
    if !is_package && let Some(last) = rel_parts.last() {
        pkg_parts.push(last.clone());
    }
    let mut dir: Option<PathBuf> = full.parent().map(Path::to_path_buf);
    let mut guard = 0;
    while let Some(d) = dir {
        guard += 1;
        if guard > 64 || d.as_os_str().is_empty() || !is_pkg(&d) {
            break;
        }
        let Some(name) = cache.info(&d).name else {
            break;
        };
        pkg_parts.push(name);
        dir = d.parent().map(Path::to_path_buf);
    }
    pkg_parts.reverse();
    let pkg_name = pkg_parts.join(".");
    let rel_name = rel_parts.join(".");
    let root_is_package = !root.is_file && is_pkg(&root.base);
    // Inside a regular package the package-based name is what `import` uses; a top-level
    // script directory (or a namespace package) is named from the root.
    let in_package = full
        .parent()
        .is_some_and(|d| !d.as_os_str().is_empty() && is_pkg(d));
    let canonical = if root.is_file || root_is_package || in_package {
        pkg_name.clone()
    } else {
        rel_name.clone()
    };
    let mut candidates = vec![rel_name, pkg_name];
    if let Some(n) = namespace_in_package_name(&full, &rel_parts, is_package, cache) {
        candidates.push(n);
    }
    finish(canonical, candidates, is_package)
}

/// A module in namespace directories (no `__init__.py`) below a regular package
/// (`core/main/api/v3/users_router.py` under the package `core.main`, or
/// `cognee/api/v1/settings/routers/get_settings_router.py` where `settings/` has no
/// `__init__.py` but `cognee/api/v1` and `routers/` do): Python imports it as a portion of
/// the package's namespace, `cognee.api.v1.settings.routers.get_settings_router`. The name
/// runs up to the topmost regular package above the file.
fn namespace_in_package_name(
    full: &Path,
    rel_parts: &[String],
    is_package: bool,
    cache: &DirCache,
) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    if !is_package {
        names.push(rel_parts.last()?.clone());
    }
    let mut dirs: Vec<(String, bool)> = Vec::new();
    let mut dir = full.parent();
    for _ in 0..64 {
        let Some(d) = dir else { break };
        if d.as_os_str().is_empty() {
            break;
        }
        let info = cache.info(d);
        let Some(name) = info
            .name
            .or_else(|| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        else {
            break;
        };
        dirs.push((name, info.is_pkg));
        dir = d.parent();
    }
    let top = dirs.iter().rposition(|(_, pkg)| *pkg)?;
    // Only a name with a namespace directory inside the package differs from the
    // package-based one.
    if dirs[..top].iter().all(|(_, pkg)| *pkg) {
        return None;
    }
    names.extend(dirs[..=top].iter().map(|(n, _)| n.clone()));
    names.reverse();
    Some(names.join("."))
}

/// Names for an in-memory file: the root-relative path, packages decided by `is_pkg_dir`.
pub(crate) fn module_names_with(
    relative: &Path,
    is_pkg_dir: impl Fn(&Path) -> bool,
    _root_is_package: bool,
) -> ModuleNames {
    let (rel_parts, is_package) = stem_parts(relative);
    let rel_name = rel_parts.join(".");
    let mut pkg_parts: Vec<String> = Vec::new();
    if !is_package && let Some(last) = rel_parts.last() {
        pkg_parts.push(last.clone());
    }
    let mut dir = relative.parent();
    while let Some(d) = dir {
        if d.as_os_str().is_empty() || !is_pkg_dir(d) {
            break;
        }
        if let Some(n) = d.file_name() {
            pkg_parts.push(n.to_string_lossy().into_owned());
        }
        dir = d.parent();
    }
    pkg_parts.reverse();
    let pkg_name = pkg_parts.join(".");
    let in_package = relative
        .parent()
        .is_some_and(|d| !d.as_os_str().is_empty() && is_pkg_dir(d));
    if in_package {
        finish(pkg_name, vec![rel_name], is_package)
    } else {
        finish(rel_name, vec![pkg_name], is_package)
    }
}

fn finish(canonical: String, candidates: Vec<String>, is_package: bool) -> ModuleNames {
    let mut aliases: Vec<String> = Vec::new();
    for c in candidates {
        for n in [
            c.clone(),
            c.strip_prefix("src.").unwrap_or(&c).to_string(),
            c.strip_prefix("lib.").unwrap_or(&c).to_string(),
        ] {
            if !n.is_empty() && n != canonical && !aliases.contains(&n) {
                aliases.push(n);
            }
        }
    }
    ModuleNames {
        canonical,
        aliases,
        is_package,
    }
}

/// The names a module binds through `import` statements (at any depth).
#[derive(Clone, Debug, Default)]
pub struct ImportMap {
    /// Local name -> qualified name (`j` -> `jose.jwt`, `pyjwt` -> `jwt`, `settings` ->
    /// `app.config.settings`).
    pub names: HashMap<String, String>,
    /// Modules imported with `from M import *`.
    pub star: Vec<String>,
}

impl ImportMap {
    pub fn get(&self, local: &str) -> Option<&str> {
        self.names.get(local).map(String::as_str)
    }
}

/// Resolves a relative `from` import's module.
pub(crate) fn relative_base(package: &str, level: u32, module: Option<&str>) -> String {
    let mut parts: Vec<&str> = if package.is_empty() {
        Vec::new()
    } else {
        package.split('.').collect()
    };
    for _ in 1..level {
        parts.pop();
    }
    if let Some(m) = module {
        parts.push(m);
    }
    parts.join(".")
}

pub(crate) fn collect_imports(module: &Module, ast: &ModModule) -> ImportMap {
    let mut map = ImportMap::default();
    let package = module.package().to_string();
    crate::walk::for_each_stmt(&ast.body, &mut |stmt| match stmt {
        Stmt::Import(imp) => {
            for alias in &imp.names {
                let full = alias.name.as_str();
                match &alias.asname {
                    Some(asname) => {
                        let target = module
                            .rewrite_import(full)
                            .unwrap_or_else(|| full.to_string());
                        map.names
                            .entry(asname.as_str().to_string())
                            .or_insert(target);
                    }
                    None => {
                        let first = full.split('.').next().unwrap_or(full);
                        let target = module
                            .rewrite_import(first)
                            .unwrap_or_else(|| first.to_string());
                        map.names.entry(first.to_string()).or_insert(target);
                    }
                }
            }
        }
        Stmt::ImportFrom(imp) => {
            let m = imp.module.as_ref().map(|m| m.as_str());
            let base = if imp.level > 0 {
                relative_base(&package, imp.level, m)
            } else {
                let m = m.unwrap_or_default();
                module.rewrite_import(m).unwrap_or_else(|| m.to_string())
            };
            for alias in &imp.names {
                let name = alias.name.as_str();
                if name == "*" {
                    if !map.star.contains(&base) {
                        map.star.push(base.clone());
                    }
                    continue;
                }
                let local = alias.asname.as_ref().map_or(name, |a| a.as_str());
                let target = if base.is_empty() {
                    name.to_string()
                } else {
                    format!("{base}.{name}")
                };
                map.names.entry(local.to_string()).or_insert(target);
            }
        }
        _ => {}
    });
    map
}

impl Project {
    /// The fully qualified name of a name or attribute chain, through imports and aliases
    /// (`j.decode` with `from jose import jwt as j` is `jose.jwt.decode`), made canonical
    /// with [`Project::canonical`]. Names defined in the module are `module.name`; unknown
    /// bare names (builtins) come back unchanged. `None` for other expressions.
    pub fn qualified_name(&self, module: &Module, expr: &Expr) -> Option<String> {
        let raw = self.raw_qualified_name(module, expr)?;
        Some(self.canonical(&raw))
    }

    fn raw_qualified_name(&self, module: &Module, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Name(n) => {
                let id = n.id.as_str();
                if let Some(t) = module.imports().get(id) {
                    return Some(t.to_string());
                }
                if module.index().defines(id) {
                    return Some(join(&module.name, id));
                }
                for s in &module.imports().star {
                    if let Some(m) = self.module_by_name(s)
                        && (m.index().defines(id) || m.imports().get(id).is_some())
                    {
                        return Some(join(s, id));
                    }
                }
                Some(id.to_string())
            }
            Expr::Attribute(a) => {
                let base = self.raw_qualified_name(module, &a.value)?;
                Some(format!("{base}.{}", a.attr.as_str()))
            }
            _ => None,
        }
    }

    /// Follows re-exports: a name that points into a project module which itself imports it
    /// from elsewhere is replaced by where it comes from (`app.security.jwt.decode` with
    /// `import jwt` in `app/security.py` is `jwt.decode`; `pkg.helper` re-exported by
    /// `pkg/__init__.py` from `.impl` is `pkg.impl.helper`). Module aliases become canonical.
    pub fn canonical(&self, qname: &str) -> String {
        let mut current = qname.to_string();
        for _ in 0..16 {
            let parts: Vec<&str> = current.split('.').collect();
            let mut next: Option<String> = None;
            let mut done: Option<String> = None;
            for i in (1..=parts.len()).rev() {
                let prefix = parts[..i].join(".");
                let Some(m) = self.module_by_name(&prefix) else {
                    continue;
                };
                let rest = &parts[i..];
                if rest.is_empty() {
                    done = Some(m.name.clone());
                    break;
                }
                let first = rest[0];
                let tail = rest[1..].join(".");
                if let Some(target) = m.imports().get(first) {
                    let candidate = join(target, &tail);
                    if candidate != current {
                        next = Some(candidate);
                        break;
                    }
                }
                if !m.index().defines(first) {
                    for s in &m.imports().star {
                        if let Some(sm) = self.module_by_name(s)
                            && sm.id != m.id
                            && (sm.index().defines(first) || sm.imports().get(first).is_some())
                        {
                            next = Some(join(&join(s, first), &tail));
                            break;
                        }
                    }
                    if next.is_some() {
                        break;
                    }
                }
                done = Some(join(&join(&m.name, first), &tail));
                break;
            }
            match (next, done) {
                (Some(n), _) => current = n,
                (None, Some(d)) => return d,
                (None, None) => return current,
            }
        }
        current
    }
}

pub(crate) fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}.{b}"),
    }
}
