//! The project: every module under the roots, parsed, named and indexed.

use crate::discovery::{self, DiscoveryOptions, LoadError, Root, SourcePath};
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

/// Byte patterns that make a module "interesting": its AST is kept after loading and the
/// JWT/FastAPI analyses look at it. Other modules are re-parsed on demand (for constants or
/// definitions they hold), which keeps memory flat on large trees.
pub const INTERESTING_PATTERNS: &[&str] = &[
    "jwt",
    "jose",
    "authlib",
    "fastapi",
    "starlette",
    "set_cookie",
    "HTTPException",
];

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
    pub line_index: LineIndex,
    pub parse_errors: Vec<SyntaxIssue>,
    /// Local names bound by `import` / `from ... import` anywhere in the module.
    pub imports: ImportMap,
    /// The source contains one of [`INTERESTING_PATTERNS`].
    pub interesting: bool,
    source_type: PySourceType,
    ast: OnceLock<ModModule>,
    index: OnceLock<ModuleIndex>,
}

impl Module {
    /// The parsed module (the recovered AST when the file has syntax errors).
    /// Parsed on first use for modules that were not kept after loading.
    pub fn ast(&self) -> &ModModule {
        self.ast
            .get_or_init(|| parse(&self.source, self.source_type).0)
    }

    pub(crate) fn index(&self) -> &ModuleIndex {
        self.index.get_or_init(|| ModuleIndex::build(self.ast()))
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        if self.source.is_empty() {
            0
        } else {
            self.line_index.line_count() - usize::from(self.source.ends_with('\n'))
        }
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_column(&self, offset: TextSize) -> (u32, u32) {
        let offset = offset.min(TextSize::try_from(self.source.len()).unwrap_or_default());
        let lc = self.line_index.line_column(offset, &self.source);
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

/// Every module under the roots, with the errors met while loading them.
#[derive(Debug, Default)]
pub struct Project {
    pub modules: Vec<Module>,
    /// Unreadable, non-UTF-8, oversized and unparsable files (`kind`: `io-error`, `not-utf8`,
    /// `file-too-large`, `parse-error`).
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

fn parse(source: &str, ty: PySourceType) -> (ModModule, Vec<SyntaxIssue>) {
    let parsed = ruff_python_parser::parse_unchecked_source(source, ty);
    let issues = parsed
        .errors()
        .iter()
        .map(|e| SyntaxIssue {
            message: e.error.to_string(),
            range: e.location,
        })
        .collect();
    (parsed.into_syntax(), issues)
}

/// The most parse errors listed per file (a binary file would give thousands).
const MAX_PARSE_ERRORS_PER_FILE: usize = 5;

struct Loaded {
    module: Option<Module>,
    errors: Vec<ErrorEntry>,
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

fn build_module(
    display: String,
    path: PathBuf,
    relative: PathBuf,
    source: String,
    name_info: names::ModuleNames,
) -> (Module, Vec<ErrorEntry>) {
    let ty = if path.extension().is_some_and(|e| e == "pyi") {
        PySourceType::Stub
    } else {
        PySourceType::Python
    };
    let (ast, issues) = parse(&source, ty);
    let line_index = LineIndex::from_source_text(&source);
    let interesting = INTERESTING_PATTERNS.iter().any(|p| source.contains(p));
    let is_test = discovery::is_test_path(&relative);
    let mut module = Module {
        id: 0,
        display_path: display,
        path,
        relative,
        name: name_info.canonical,
        aliases: name_info.aliases,
        is_package: name_info.is_package,
        is_test,
        source,
        line_index,
        parse_errors: issues,
        imports: ImportMap::default(),
        interesting,
        source_type: ty,
        ast: OnceLock::new(),
        index: OnceLock::new(),
    };
    module.imports = names::collect_imports(&module, &ast);
    let mut errors = Vec::new();
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
    if interesting {
        let _ = module.ast.set(ast);
    }
    (module, errors)
}

fn load_one(sp: &SourcePath, roots: &[Root], opts: &DiscoveryOptions) -> Loaded {
    let fail = |kind: &str, msg: String| Loaded {
        module: None,
        errors: vec![file_error(kind, msg, &sp.display)],
    };
    match std::fs::metadata(&sp.path) {
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
        Ok(_) => {}
        Err(e) => return fail("io-error", format!("cannot read file: {e}")),
    }
    let bytes = match std::fs::read(&sp.path) {
        Ok(b) => b,
        Err(e) => return fail("io-error", format!("cannot read file: {e}")),
    };
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
    let name_info = names::module_names(root, &sp.relative);
    let (module, errors) = build_module(
        sp.display.clone(),
        sp.path.clone(),
        sp.relative.clone(),
        source,
        name_info,
    );
    Loaded {
        module: Some(module),
        errors,
    }
}

impl Project {
    /// Discovers, reads and parses every Python file under `paths`, in parallel.
    ///
    /// Fails only when a path does not exist, an exclude glob is invalid or the thread pool
    /// cannot start; every per-file problem becomes an entry of [`Project::errors`].
    pub fn load(paths: &[PathBuf], opts: &DiscoveryOptions) -> Result<Project, LoadError> {
        let (roots, files) = discovery::discover(paths, opts)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads.unwrap_or(0))
            .stack_size(64 * 1024 * 1024)
            .build()
            .map_err(|e| LoadError::ThreadPool(e.to_string()))?;
        let loaded: Vec<Loaded> = pool.install(|| {
            files
                .par_iter()
                .map(|f| load_one(f, &roots, opts))
                .collect()
        });
        let mut modules = Vec::new();
        let mut errors = Vec::new();
        for l in loaded {
            errors.extend(l.errors);
            if let Some(m) = l.module {
                modules.push(m);
            }
        }
        let mut project = Project::from_modules(modules, errors);
        project.roots = paths.to_vec();
        Ok(project)
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
            let (m, e) = build_module(display, PathBuf::new(), relative, source, name_info);
            modules.push(m);
            errors.extend(e);
        }
        Project::from_modules(modules, errors)
    }

    fn from_modules(mut modules: Vec<Module>, errors: Vec<ErrorEntry>) -> Project {
        let mut by_name = HashMap::new();
        for (i, m) in modules.iter_mut().enumerate() {
            m.id = i;
        }
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
            for m in &self.modules {
                for (local, target) in &m.imports.names {
                    let last = target.rsplit('.').next().unwrap_or(target);
                    idx.by_last.entry(last.to_string()).or_default().push((
                        m.id,
                        local.clone(),
                        target.clone(),
                    ));
                    idx.by_target.entry(target.clone()).or_default().push(m.id);
                }
                for s in &m.imports.star {
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
