//! The project: every module under the roots, read, named and indexed, and parsed when needed.

use crate::discovery::{self, DiscoveryOptions, LoadError, Root, SourcePath};
use crate::import_scan::{self, RawImport};
use crate::index::ModuleIndex;
use crate::names::{self, ImportMap};
use jwtward_report::{ErrorEntry, Location};
use rayon::prelude::*;
use ruff_python_ast::{ModModule, PySourceType};
use ruff_source_file::LineIndex;
use ruff_text_size::{TextRange, TextSize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Local names a function is imported under, and the modules mentioning one of them.
pub(crate) type CallCandidates = (Vec<String>, Vec<ModuleId>);

/// Index of a module in [`Project::modules`].
pub type ModuleId = usize;

/// Byte patterns that make a module "interesting": the JWT/FastAPI analyses start from these
/// modules. Every module holding one is parsed while loading (see [`Project::load`]).
pub const INTERESTING_PATTERNS: &[&str] = &[
    "jwt",
    "jose",
    "authlib",
    "fastapi",
    "starlette",
    "set_cookie",
    "HTTPException",
    // authx's settings (`AuthXConfig(JWT_SECRET_KEY=...)`) in a module that names neither
    // `jwt` nor FastAPI: its key, lifetimes and decode settings.
    "AuthXConfig",
];

/// Byte patterns whose modules are parsed while loading, together with every module that
/// imports them, transitively: the code that uses a JWT library or FastAPI/Starlette, and the
/// wrappers, routers and callers around it. [`INTERESTING_PATTERNS`] not listed here
/// (`set_cookie`, `HTTPException`) only make their own module parsed: the rules that look
/// for them are local to the call.
pub const IMPORT_CLOSURE_PATTERNS: &[&str] = &[
    "jwt",
    "jose",
    "authlib",
    "JsonWebToken",
    "fastapi",
    "starlette",
    "dependency_overrides",
];

/// Both pattern lists in one automaton, to tell in one pass whether a file holds any.
fn any_pattern() -> &'static aho_corasick::AhoCorasick {
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        // Leftmost-first lets the search use its SIMD (Teddy) prefilter; only "is there any
        // match" is asked of it.
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(INTERESTING_PATTERNS.iter().chain(IMPORT_CLOSURE_PATTERNS))
            .expect("valid patterns")
    })
}

/// Which patterns occur in `source`: (interesting, import-closure seed).
fn pattern_flags(source: &str) -> (bool, bool) {
    // One prefiltered pass answers "none" for most files; the few that hold a pattern are
    // then checked pattern by pattern (a match can hide an overlapping one).
    if any_pattern().find(source).is_none() {
        return (false, false);
    }
    let has = |list: &[&str]| list.iter().any(|p| source.contains(p));
    (has(INTERESTING_PATTERNS), has(IMPORT_CLOSURE_PATTERNS))
}

/// [`Module::line_count`] of `source` without building a [`LineIndex`]: line starts after
/// `\n`, `\r\n` and a lone `\r`, as [`LineIndex`] counts them.
fn count_lines(source: &str) -> usize {
    if source.is_empty() {
        return 0;
    }
    let bytes = source.as_bytes();
    let mut starts = 1;
    if memchr::memchr(b'\r', bytes).is_none() {
        // The common case, in a loop the compiler vectorises.
        starts += bytes.iter().filter(|&&b| b == b'\n').count();
        return starts - usize::from(source.ends_with('\n'));
    }
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        if !(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            starts += 1;
        }
    }
    starts - usize::from(source.ends_with('\n'))
}

/// A syntax error the parser recovered from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxIssue {
    pub message: String,
    pub range: TextRange,
}

/// One Python source file.
#[derive(Debug)]
pub struct Module {
    pub id: ModuleId,
    /// The root as given on the command line joined with the path below it.
    pub display_path: String,
    /// The path on disk (empty for in-memory sources).
    pub path: PathBuf,
    /// The path relative to its root.
    pub relative: PathBuf,
    /// Dotted module name (`app.core.security`; `app` for `app/__init__.py`).
    pub name: String,
    /// Other names the module can be imported under (root-relative, src layout...).
    pub aliases: Vec<String>,
    /// `__init__.py` / `__init__.pyi`.
    pub is_package: bool,
    /// Test-only code (`tests/`, `test_*.py`, `*_test.py`, `conftest.py`).
    pub is_test: bool,
    pub source: String,
    line_count: usize,
    line_index: OnceLock<LineIndex>,
    /// Syntax errors of a module parsed while loading (empty for the others: see `parsed`).
    pub parse_errors: Vec<SyntaxIssue>,
    /// The source contains one of [`INTERESTING_PATTERNS`].
    pub interesting: bool,
    /// Parsed while loading: its syntax errors are reported and its imports are indexed for
    /// [`Project::call_sites_of`]. Other modules are parsed on first use, when the analysis
    /// needs a definition or a constant they hold.
    pub parsed: bool,
    source_type: PySourceType,
    ast: OnceLock<ModModule>,
    too_deep: std::sync::atomic::AtomicBool,
    imports: OnceLock<ImportMap>,
    index: OnceLock<ModuleIndex>,
    /// Top-level packages renamed because another source root of the scan has packages of
    /// the same name (`app` -> `examples.sqlalchemy.app`): absolute imports of this module
    /// that start with one of them are read with the new name.
    pub(crate) import_rewrite: Vec<(String, String)>,
}

impl Module {
    /// An absolute import target as this module resolves it (see `import_rewrite`).
    pub(crate) fn rewrite_import(&self, target: &str) -> Option<String> {
        self.import_rewrite.iter().find_map(|(old, new)| {
            if target == old {
                Some(new.clone())
            } else {
                target
                    .strip_prefix(old.as_str())
                    .filter(|rest| rest.starts_with('.'))
                    .map(|rest| format!("{new}{rest}"))
            }
        })
    }

    /// The parsed module (the recovered AST when the file has syntax errors).
    /// Parsed on first use for modules that were not kept after loading.
    pub fn ast(&self) -> &ModModule {
        self.ast.get_or_init(|| {
            let (ast, _, too_deep) = parse(&self.source, self.source_type);
            if too_deep {
                self.too_deep
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            ast
        })
    }

    /// The module nests deeper than [`crate::depth::MAX_AST_DEPTH`]: its AST is empty (see
    /// [`crate::depth`]).
    pub fn too_deep(&self) -> bool {
        self.too_deep.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Local names bound by `import` / `from ... import` anywhere in the module.
    pub fn imports(&self) -> &ImportMap {
        self.imports
            .get_or_init(|| names::collect_imports(self, self.ast()))
    }

    pub(crate) fn index(&self) -> &ModuleIndex {
        self.index.get_or_init(|| ModuleIndex::build(self.ast()))
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_count
    }

    /// The line index of the source (built on first use).
    pub fn line_index(&self) -> &LineIndex {
        self.line_index
            .get_or_init(|| LineIndex::from_source_text(&self.source))
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_column(&self, offset: TextSize) -> (u32, u32) {
        let offset = offset.min(TextSize::try_from(self.source.len()).unwrap_or_default());
        let lc = self.line_index().line_column(offset, &self.source);
        (lc.line.get() as u32, lc.column.get() as u32)
    }

    /// A report location for `range` in this module.
    pub fn location(&self, range: TextRange) -> Location {
        let (line, column) = self.line_column(range.start());
        let (end_line, end_column) = self.line_column(range.end());
        Location {
            file: self.display_path.clone(),
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The source text of `range`.
    pub fn slice(&self, range: TextRange) -> &str {
        self.source
            .get(range.start().to_usize()..range.end().to_usize())
            .unwrap_or("")
    }

    /// The package relative imports start from (`a.b` for `a/b/c.py` and for `a/b/__init__.py`).
    pub fn package(&self) -> &str {
        if self.is_package {
            &self.name
        } else {
            self.name.rsplit_once('.').map(|(p, _)| p).unwrap_or("")
        }
    }
}

/// Several source roots in one scan (`examples/sqlalchemy/app/users.py` and
/// `examples/beanie/app/users.py`, each example run from its own directory) would give their
/// modules the same names and collapse them into one. When a top-level package name is used
/// by modules of more than one source root (the directory the package sits in), the modules
/// of every such root but the one nearest the scan root are renamed after their path from
/// the scan root (`examples.sqlalchemy.app.users`), and their absolute imports of those
/// packages follow (`from app.db import User` reads `examples.sqlalchemy.app.db`).
fn separate_source_roots(modules: &mut [Module]) {
    // (top-level package, source root as path components below the scan root) per module.
    let key = |m: &Module| -> Option<(String, Vec<String>)> {
        let parts: Vec<String> = m
            .relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let depth = m.name.split('.').count() + usize::from(m.is_package);
        if m.name.is_empty() || parts.len() < depth {
            return None;
        }
        let top = m.name.split('.').next()?.to_string();
        Some((top, parts[..parts.len() - depth].to_vec()))
    };
    let mut roots_of: HashMap<String, Vec<Vec<String>>> = HashMap::new();
    // Submodule names (`app.users`, not the package `app` itself) -> their roots: a package
    // split across roots (a namespace package, `company.foo` here and `company.bar` there)
    // shares no submodule and is left as one package.
    let mut roots_of_name: HashMap<&str, Vec<Vec<String>>> = HashMap::new();
    for m in modules.iter() {
        if let Some((top, root)) = key(m) {
            if m.name.contains('.') {
                let v = roots_of_name.entry(m.name.as_str()).or_default();
                if !v.contains(&root) {
                    v.push(root.clone());
                }
            }
            let v = roots_of.entry(top).or_default();
            if !v.contains(&root) {
                v.push(root);
            }
        }
    }
    let colliding: std::collections::HashSet<&str> = roots_of_name
        .iter()
        .filter(|(_, r)| r.len() > 1)
        .filter_map(|(n, _)| n.split('.').next())
        .collect();
    roots_of.retain(|top, _| colliding.contains(top.as_str()));
    // Per renamed source root: the tops renamed in it.
    let mut renamed: HashMap<Vec<String>, Vec<(String, String)>> = HashMap::new();
    for (top, roots) in &roots_of {
        if roots.len() < 2 {
            continue;
        }
        let shortest = roots.iter().map(Vec::len).min().unwrap_or(0);
        let keeps = roots.iter().filter(|r| r.len() == shortest).count() == 1;
        for r in roots {
            if keeps && r.len() == shortest || r.is_empty() {
                continue;
            }
            let valid = r.iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            });
            if !valid {
                continue;
            }
            let prefix = r.join(".").replace('-', "_");
            renamed
                .entry(r.clone())
                .or_default()
                .push((top.clone(), format!("{prefix}.{top}")));
        }
    }
    if renamed.is_empty() {
        return;
    }
    for m in modules.iter_mut() {
        let Some((_, root)) = key(m) else { continue };
        let Some(rw) = renamed.get(&root) else {
            continue;
        };
        m.import_rewrite = rw.clone();
        // Imports collected under the old names are collected again on first use.
        m.imports = OnceLock::new();
        if let Some(new) = m.rewrite_import(&m.name) {
            let old = std::mem::replace(&mut m.name, new);
            if !m.aliases.contains(&old) {
                m.aliases.push(old);
            }
            let name = m.name.clone();
            m.aliases.retain(|a| *a != name);
        }
    }
}

/// Every module under the roots, with the errors met while loading them.
#[derive(Debug, Default)]
pub struct Project {
    pub modules: Vec<Module>,
    /// Unreadable, non-UTF-8, oversized, unparsable and too deeply nested files (`kind`:
    /// `io-error`, `not-utf8`, `file-too-large`, `parse-error`, `too-deep`).
    pub errors: Vec<ErrorEntry>,
    /// The paths given to [`Project::load`] (empty for in-memory projects).
    pub roots: Vec<PathBuf>,
    by_name: HashMap<String, ModuleId>,
    /// Modules that may call a function, by the function's qualified name (memo of the
    /// substring prefilter of [`Project::call_sites_of`]).
    pub(crate) call_candidates: std::sync::Mutex<HashMap<String, CallCandidates>>,
    /// Reverse index of every module's imports, built on first use.
    pub(crate) import_index: OnceLock<ImportIndex>,
}

/// See [`Project::sources`].
pub struct ProjectSources<'p> {
    by_display: HashMap<&'p str, &'p str>,
}

impl jwtward_report::text::SourceProvider for ProjectSources<'_> {
    fn source(&self, file: &str) -> Option<String> {
        match self.by_display.get(file) {
            Some(s) => Some((*s).to_string()),
            None => jwtward_report::text::DiskSources.source(file),
        }
    }
}

/// Who imports what: built once, used to find the possible callers of a function.
#[derive(Debug, Default)]
pub(crate) struct ImportIndex {
    /// Last segment of an import target -> (module, local name, target).
    pub by_last: HashMap<String, Vec<(ModuleId, String, String)>>,
    /// Full import target -> importing modules.
    pub by_target: HashMap<String, Vec<ModuleId>>,
    /// Star-imported module -> importing modules.
    pub star: HashMap<String, Vec<ModuleId>>,
}

/// Parses `source`: the AST, its syntax errors, and whether it was too deep (then the AST is
/// an empty module: see [`crate::depth`]).
fn parse(source: &str, ty: PySourceType) -> (ModModule, Vec<SyntaxIssue>, bool) {
    let parsed = ruff_python_parser::parse_unchecked_source(source, ty);
    let issues = parsed
        .errors()
        .iter()
        .map(|e| SyntaxIssue {
            message: e.error.to_string(),
            range: e.location,
        })
        .collect();
    let ast = parsed.into_syntax();
    if crate::depth::too_deep(&ast) {
        let empty = ModModule {
            node_index: Default::default(),
            range: ast.range,
            body: Default::default(),
        };
        crate::depth::dismantle(ast);
        return (empty, issues, true);
    }
    (ast, issues, false)
}

fn too_deep_error(file: &str) -> ErrorEntry {
    file_error(
        "too-deep",
        format!(
            "code nested more than {} levels deep (CPython refuses to compile it too); not analysed",
            crate::depth::MAX_AST_DEPTH
        ),
        file,
    )
}

/// The most parse errors listed per file (a binary file would give thousands).
const MAX_PARSE_ERRORS_PER_FILE: usize = 5;

struct Loaded {
    module: Option<(Module, FileFacts)>,
    errors: Vec<ErrorEntry>,
}

/// What the loader learns about a file without parsing it.
struct FileFacts {
    /// Named on the command line (always parsed).
    explicit: bool,
    /// Holds one of [`IMPORT_CLOSURE_PATTERNS`].
    closure_seed: bool,
    /// The imports found by [`import_scan::scan_imports`].
    imports: Vec<RawImport>,
}

fn file_error(kind: &str, message: String, file: &str) -> ErrorEntry {
    ErrorEntry {
        kind: kind.to_string(),
        message,
        file: Some(file.to_string()),
        line: None,
        column: None,
    }
}

fn new_module(
    display: String,
    path: PathBuf,
    relative: PathBuf,
    test_path: &Path,
    source: String,
    name_info: names::ModuleNames,
    interesting: bool,
) -> Module {
    let ty = if path.extension().is_some_and(|e| e == "pyi") {
        PySourceType::Stub
    } else {
        PySourceType::Python
    };
    let line_count = count_lines(&source);
    let is_test = discovery::is_test_path(test_path) || discovery::is_test_source(&source);
    Module {
        id: 0,
        display_path: display,
        path,
        relative,
        name: name_info.canonical,
        aliases: name_info.aliases,
        is_package: name_info.is_package,
        is_test,
        source,
        line_count,
        line_index: OnceLock::new(),
        parse_errors: Vec::new(),
        interesting,
        parsed: false,
        source_type: ty,
        ast: OnceLock::new(),
        too_deep: Default::default(),
        imports: OnceLock::new(),
        index: OnceLock::new(),
        import_rewrite: Vec::new(),
    }
}

/// Parses `module` now: records its syntax errors (returned as report entries) and its
/// imports, and keeps the AST when `keep_ast`.
fn parse_module(module: &mut Module, keep_ast: bool) -> Vec<ErrorEntry> {
    let (ast, issues, too_deep) = parse(&module.source, module.source_type);
    module.parse_errors = issues;
    module.parsed = true;
    let imports = names::collect_imports(module, &ast);
    let _ = module.imports.set(imports);
    let mut errors = Vec::new();
    if too_deep {
        *module.too_deep.get_mut() = true;
        errors.push(too_deep_error(&module.display_path));
    }
    for issue in module.parse_errors.iter().take(MAX_PARSE_ERRORS_PER_FILE) {
        let (line, column) = module.line_column(issue.range.start());
        errors.push(ErrorEntry {
            kind: "parse-error".into(),
            message: issue.message.clone(),
            file: Some(module.display_path.clone()),
            line: Some(line),
            column: Some(column),
        });
    }
    if module.parse_errors.len() > MAX_PARSE_ERRORS_PER_FILE {
        errors.push(file_error(
            "parse-error",
            format!(
                "{} more syntax errors not listed",
                module.parse_errors.len() - MAX_PARSE_ERRORS_PER_FILE
            ),
            &module.display_path,
        ));
    }
    if keep_ast {
        let _ = module.ast.set(ast);
    }
    errors
}

fn load_one(
    sp: &SourcePath,
    roots: &[Root],
    opts: &DiscoveryOptions,
    dirs: &names::DirCache,
) -> Loaded {
    use std::io::Read;
    let fail = |kind: &str, msg: String| Loaded {
        module: None,
        errors: vec![file_error(kind, msg, &sp.display)],
    };
    let mut file = match std::fs::File::open(&sp.path) {
        Ok(f) => f,
        Err(e) => return fail("io-error", format!("cannot read file: {e}")),
    };
    let len = match file.metadata() {
        Ok(m) if m.len() > opts.max_file_size => {
            return fail(
                "file-too-large",
                format!(
                    "file is {} bytes, over the {}-byte limit; skipped",
                    m.len(),
                    opts.max_file_size
                ),
            );
        }
        Ok(m) => m.len(),
        Err(e) => return fail("io-error", format!("cannot read file: {e}")),
    };
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    if let Err(e) = file.read_to_end(&mut bytes) {
        return fail("io-error", format!("cannot read file: {e}"));
    }
    let source = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return fail(
                "not-utf8",
                format!("file is not valid UTF-8 (invalid byte at offset {at}); skipped"),
            );
        }
    };
    // The parser addresses text with u32 offsets.
    if u32::try_from(source.len()).is_err() {
        return fail("file-too-large", "file exceeds 4 GiB; skipped".into());
    }
    let source = source
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(source);
    let root = &roots[sp.root];
    let name_info = names::module_names(root, &sp.relative, dirs);
    let (interesting, closure_seed) = pattern_flags(&source);
    let facts = FileFacts {
        explicit: root.is_file,
        closure_seed,
        imports: import_scan::scan_imports(&source),
    };
    // Test code is judged on the path below the project: a walked file's path below the
    // directory named, a named file's path below its enclosing project.
    let test_path = if root.is_file {
        discovery::named_file_test_path(&sp.path)
    } else {
        sp.relative.clone()
    };
    let module = new_module(
        sp.display.clone(),
        sp.path.clone(),
        sp.relative.clone(),
        &test_path,
        source,
        name_info,
        interesting,
    );
    Loaded {
        module: Some((module, facts)),
        errors: Vec::new(),
    }
}

impl Project {
    /// Discovers and reads every Python file under `paths`, and parses the ones the analysis
    /// starts from, in parallel.
    ///
    /// Parsed while loading (unless [`DiscoveryOptions::parse_all`] parses every file):
    /// files named on the command line, files holding one of [`INTERESTING_PATTERNS`] or
    /// [`IMPORT_CLOSURE_PATTERNS`], and every module importing a module that holds one of
    /// [`IMPORT_CLOSURE_PATTERNS`] (transitively, found with a line-based import scanner
    /// without parsing). Only those get `parse-error` entries. Every other file is still a
    /// [`Module`] (counted, searchable by source) and is parsed on first use, when the analysis
    /// looks up a definition or a constant in it.
    ///
    /// Fails only when a path does not exist, an exclude glob is invalid or the thread pool
    /// cannot start; every per-file problem becomes an entry of [`Project::errors`].
    pub fn load(paths: &[PathBuf], opts: &DiscoveryOptions) -> Result<Project, LoadError> {
        let (roots, files, unreadable) = discovery::discover_with_errors(paths, opts)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads.unwrap_or(0))
            .stack_size(64 * 1024 * 1024)
            .build()
            .map_err(|e| LoadError::ThreadPool(e.to_string()))?;
        let dirs = names::DirCache::default();
        let loaded: Vec<Loaded> = pool.install(|| {
            files
                .par_iter()
                .map(|f| load_one(f, &roots, opts, &dirs))
                .collect()
        });
        let mut modules = Vec::new();
        let mut facts = Vec::new();
        // Per file, in discovery order: its read errors, or the module it became.
        let mut per_file: Vec<(Vec<ErrorEntry>, Option<ModuleId>)> = Vec::new();
        for l in loaded {
            let id = l.module.map(|(m, f)| {
                modules.push(m);
                facts.push(f);
                modules.len() - 1
            });
            per_file.push((l.errors, id));
        }
        let mut project = Project::from_modules(modules, Vec::new());
        let to_parse = if opts.parse_all {
            vec![true; project.modules.len()]
        } else {
            project.parse_set(&facts)
        };
        drop(facts);
        // Every AST parsed while loading is kept, except under `parse_all`, where only the
        // interesting ones are (the others are parsed again if used: memory stays flat).
        let parse_all = opts.parse_all;
        let mut parse_errors: Vec<Vec<ErrorEntry>> = pool.install(|| {
            project
                .modules
                .par_iter_mut()
                .map(|m| {
                    if to_parse[m.id] {
                        let keep = !parse_all || m.interesting;
                        parse_module(m, keep)
                    } else {
                        Vec::new()
                    }
                })
                .collect()
        });
        let mut errors: Vec<ErrorEntry> = unreadable
            .into_iter()
            .map(|u| {
                file_error(
                    "io-error",
                    format!(
                        "cannot read {}: {}; skipped",
                        if u.is_dir { "directory" } else { "file" },
                        u.message
                    ),
                    &u.display,
                )
            })
            .collect();
        for (read_errors, id) in per_file {
            errors.extend(read_errors);
            if let Some(id) = id {
                errors.append(&mut parse_errors[id]);
            }
        }
        project.errors = errors;
        project.roots = paths.to_vec();
        Ok(project)
    }

    /// The modules to parse while loading (indexed by [`ModuleId`]): see [`Project::load`].
    fn parse_set(&self, facts: &[FileFacts]) -> Vec<bool> {
        let n = self.modules.len();
        let mut importers: Vec<Vec<ModuleId>> = vec![Vec::new(); n];
        for (id, f) in facts.iter().enumerate() {
            let m = &self.modules[id];
            for imp in &f.imports {
                self.import_targets(m, imp, &mut |t| {
                    if t != id && importers[t].last() != Some(&id) {
                        importers[t].push(id);
                    }
                });
            }
        }
        let mut parse = vec![false; n];
        let mut reached = vec![false; n];
        let mut todo = Vec::new();
        for (id, f) in facts.iter().enumerate() {
            if f.explicit || self.modules[id].interesting || f.closure_seed {
                parse[id] = true;
            }
            if f.closure_seed {
                reached[id] = true;
                todo.push(id);
            }
        }
        while let Some(id) = todo.pop() {
            for &imp in &importers[id] {
                if !reached[imp] {
                    reached[imp] = true;
                    parse[imp] = true;
                    todo.push(imp);
                }
            }
        }
        parse
    }

    /// The project modules an import statement of `m` loads (and so may take names from).
    fn import_targets(&self, m: &Module, imp: &RawImport, add: &mut dyn FnMut(ModuleId)) {
        let base = if imp.level > 0 {
            let module = (!imp.module.is_empty()).then_some(imp.module.as_str());
            names::relative_base(m.package(), imp.level, module)
        } else {
            m.rewrite_import(&imp.module)
                .unwrap_or_else(|| imp.module.clone())
        };
        let mut add_name = |name: &str| {
            if let Some(t) = self.module_by_name(name) {
                add(t.id);
            }
        };
        if imp.is_from {
            add_name(&base);
            for name in &imp.names {
                if name != "*" {
                    add_name(&names::join(&base, name));
                }
            }
        } else if imp.binds_top {
            // `import a.b.c` binds `a`: `a`, `a.b` and `a.b.c` are reachable through it.
            let mut end = 0;
            while let Some(dot) = base[end..].find('.') {
                add_name(&base[..end + dot]);
                end += dot + 1;
            }
            add_name(&base);
        } else {
            add_name(&base);
        }
    }

    /// Ends the analysis of the project, on the thread that ran it: records a `too-deep` entry
    /// for every module found too deep when parsed on first use (those parsed while loading
    /// have theirs already), and drops every AST here rather than wherever the project goes
    /// next. The project keeps its sources and errors; a module asked for its AST again parses
    /// it again.
    pub fn finish_analysis(&mut self) {
        for m in &mut self.modules {
            if !m.parsed && *m.too_deep.get_mut() {
                self.errors.push(too_deep_error(&m.display_path));
            }
            drop(m.ast.take());
            drop(m.index.take());
        }
    }

    /// The sources of the project's modules by display path, for the reporters and the
    /// suppression comments: the text that was analysed (also for files whose names are not
    /// UTF-8, which cannot be opened again from their display path). Other files are read
    /// from disk.
    pub fn sources(&self) -> ProjectSources<'_> {
        ProjectSources {
            by_display: self
                .modules
                .iter()
                .map(|m| (m.display_path.as_str(), m.source.as_str()))
                .collect(),
        }
    }

    /// Number of modules parsed while loading (see [`Module::parsed`]).
    pub fn parsed_count(&self) -> usize {
        self.modules.iter().filter(|m| m.parsed).count()
    }

    /// A project from in-memory sources: `(display path, source)` pairs. Module names come
    /// from the display paths (`pkg/auth.py` is `pkg.auth`). Meant for tests and tools.
    pub fn from_sources<S: Into<String>, T: Into<String>>(files: Vec<(S, T)>) -> Project {
        let mut modules = Vec::new();
        let mut errors = Vec::new();
        let paths: Vec<(String, String)> = files
            .into_iter()
            .map(|(a, b)| (a.into(), b.into()))
            .collect();
        let inits: std::collections::HashSet<PathBuf> = paths
            .iter()
            .filter(|(p, _)| p.ends_with("__init__.py"))
            .filter_map(|(p, _)| Path::new(p).parent().map(Path::to_path_buf))
            .collect();
        for (display, source) in paths {
            let relative = PathBuf::from(&display);
            let name_info = names::module_names_with(&relative, |dir| inits.contains(dir), false);
            let (interesting, _) = pattern_flags(&source);
            let test_path = discovery::named_file_test_path(&relative);
            let mut m = new_module(
                display,
                PathBuf::new(),
                relative,
                &test_path,
                source,
                name_info,
                interesting,
            );
            let keep = m.interesting;
            errors.extend(parse_module(&mut m, keep));
            modules.push(m);
        }
        Project::from_modules(modules, errors)
    }

    fn from_modules(mut modules: Vec<Module>, errors: Vec<ErrorEntry>) -> Project {
        let mut by_name = HashMap::new();
        for (i, m) in modules.iter_mut().enumerate() {
            m.id = i;
        }
        separate_source_roots(&mut modules);
        // Canonical names first, so that an alias never hides a canonical name.
        for m in &modules {
            by_name.entry(m.name.clone()).or_insert(m.id);
        }
        for m in &modules {
            for a in &m.aliases {
                by_name.entry(a.clone()).or_insert(m.id);
            }
        }
        Project {
            modules,
            errors,
            roots: Vec::new(),
            by_name,
            call_candidates: Default::default(),
            import_index: OnceLock::new(),
        }
    }

    pub(crate) fn import_index(&self) -> &ImportIndex {
        self.import_index.get_or_init(|| {
            let mut idx = ImportIndex::default();
            // Modules parsed while loading only: every importer of one of them is parsed too.
            for m in self.modules.iter().filter(|m| m.parsed) {
                let imports = m.imports();
                for (local, target) in &imports.names {
                    let last = target.rsplit('.').next().unwrap_or(target);
                    idx.by_last.entry(last.to_string()).or_default().push((
                        m.id,
                        local.clone(),
                        target.clone(),
                    ));
                    idx.by_target.entry(target.clone()).or_default().push(m.id);
                }
                for s in &imports.star {
                    idx.star.entry(s.clone()).or_default().push(m.id);
                }
            }
            idx
        })
    }

    /// The module imported as `name` (canonical name or an alias).
    pub fn module_by_name(&self, name: &str) -> Option<&Module> {
        self.by_name.get(name).map(|&i| &self.modules[i])
    }

    pub fn module(&self, id: ModuleId) -> &Module {
        &self.modules[id]
    }

    /// Total number of lines in all modules.
    pub fn line_count(&self) -> usize {
        self.modules.iter().map(Module::line_count).sum()
    }

    /// Modules whose source contains `needle` (a cheap byte prefilter).
    pub fn modules_containing<'a>(&'a self, needle: &'a str) -> impl Iterator<Item = &'a Module> {
        self.modules
            .iter()
            .filter(move |m| m.source.contains(needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_count_matches_the_line_index() {
        for text in [
            "",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "a\rb\r",
            "\n\n",
            "x\r\n\r",
            "\r",
            "é\n",
        ] {
            let with_index = if text.is_empty() {
                0
            } else {
                LineIndex::from_source_text(text).line_count() - usize::from(text.ends_with('\n'))
            };
            assert_eq!(count_lines(text), with_index, "{text:?}");
        }
    }

    #[test]
    fn patterns_are_found_even_when_matches_overlap() {
        assert_eq!(pattern_flags("x = 1\n"), (false, false));
        assert_eq!(pattern_flags("import jwt\n"), (true, true));
        assert_eq!(pattern_flags("r.set_cookie('a', b)\n"), (true, false));
        assert_eq!(
            pattern_flags("app.dependency_overrides[f] = g\n"),
            (false, true)
        );
        // `HTTPException` ends where `jose` would start: both are seen.
        assert_eq!(pattern_flags("HTTPExceptionjose"), (true, true));
    }
}
