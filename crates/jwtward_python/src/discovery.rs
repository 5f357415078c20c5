//! Finding the Python files under the paths given on the command line.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::fmt;
use std::path::{Path, PathBuf};

/// Directory names that are never entered below a root (virtual environments, caches, VCS).
/// A root given explicitly on the command line is always scanned, even when it is one of them.
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "site-packages",
    "dist-packages",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".eggs",
];

/// How [`crate::Project::load`] finds and reads files.
#[derive(Clone, Debug)]
pub struct DiscoveryOptions {
    /// Honour `.gitignore`, `.ignore` and git's exclude files (default: true).
    pub respect_gitignore: bool,
    /// Skip virtual environments and `site-packages` below the roots (default: true).
    pub skip_venvs: bool,
    /// Glob patterns (gitignore-style globs over the path relative to a root, and over the
    /// file name) whose matches are not scanned.
    pub exclude: Vec<String>,
    /// Worker threads for reading and parsing; `None` uses every core.
    pub threads: Option<usize>,
    /// Files larger than this many bytes are reported as `file-too-large` and skipped.
    pub max_file_size: u64,
    /// Parse every file while loading, and report the syntax errors of all of them (default:
    /// false, parse only the files the analysis starts from; see [`crate::Project::load`]).
    pub parse_all: bool,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        DiscoveryOptions {
            respect_gitignore: true,
            skip_venvs: true,
            exclude: Vec::new(),
            threads: None,
            max_file_size: 64 * 1024 * 1024,
            parse_all: false,
        }
    }
}

/// What stops a load before any file is read (exit code 2 in the CLI).
#[derive(Debug)]
pub enum LoadError {
    /// A path given on the command line does not exist.
    MissingPath(PathBuf),
    /// An `--exclude` pattern is not a valid glob.
    BadGlob { pattern: String, message: String },
    /// The worker thread pool could not be created.
    ThreadPool(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::MissingPath(p) => write!(f, "path `{}` does not exist", p.display()),
            LoadError::BadGlob { pattern, message } => {
                write!(f, "invalid --exclude pattern `{pattern}`: {message}")
            }
            LoadError::ThreadPool(m) => write!(f, "cannot start worker threads: {m}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// A Python file to load: where it is, how to print it, and which root it came from.
#[derive(Clone, Debug)]
pub struct SourcePath {
    /// The path on disk.
    pub path: PathBuf,
    /// The root as given on the command line, joined with the path below it.
    pub display: String,
    /// Index of the root in the list given to [`discover`].
    pub root: usize,
    /// The path relative to its root directory (the file name for a file root).
    pub relative: PathBuf,
}

/// A root as given, and the directory module names are computed from.
#[derive(Clone, Debug)]
pub struct Root {
    pub given: PathBuf,
    /// The directory module names start from (the root itself, or a file root's parent).
    pub base: PathBuf,
    pub is_file: bool,
}

pub(crate) fn build_excludes(patterns: &[String]) -> Result<GlobSet, LoadError> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| LoadError::BadGlob {
            pattern: p.clone(),
            message: e.kind().to_string(),
        })?;
        b.add(glob);
        // `dir` also excludes everything below it.
        if !p.ends_with("/**") {
            let below = format!("{}/**", p.trim_end_matches('/'));
            if let Ok(g) = Glob::new(&below) {
                b.add(g);
            }
        }
    }
    b.build().map_err(|e| LoadError::BadGlob {
        pattern: patterns.join(", "),
        message: e.to_string(),
    })
}

fn is_python(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py" | "pyi" | "pyw")
    )
}

fn excluded(set: &GlobSet, relative: &Path) -> bool {
    if set.is_empty() {
        return false;
    }
    if set.is_match(relative) {
        return true;
    }
    relative
        .file_name()
        .is_some_and(|n| set.is_match(Path::new(n)))
}

/// Lists the Python files under `roots` (sorted by display path within each root).
pub fn discover(
    roots: &[PathBuf],
    opts: &DiscoveryOptions,
) -> Result<(Vec<Root>, Vec<SourcePath>), LoadError> {
    discover_with_errors(roots, opts).map(|(r, f, _)| (r, f))
}

/// A directory (or other entry) the walk could not read: its display path and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub display: String,
    pub message: String,
    /// The entry is a directory (not a file such as an unreadable `.gitignore`).
    pub is_dir: bool,
}

/// The path and the innermost error of a walk error.
fn unwrap_walk_error(e: &ignore::Error) -> (Option<&Path>, String) {
    match e {
        ignore::Error::WithPath { path, err } => {
            let (inner, msg) = unwrap_walk_error(err);
            (inner.or(Some(path.as_path())), msg)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            unwrap_walk_error(err)
        }
        other => (None, other.to_string()),
    }
}

/// The roots, the files found under them, and the entries that could not be read.
pub type Discovered = (Vec<Root>, Vec<SourcePath>, Vec<Unreadable>);

/// [`discover`], also returning the entries under the roots that could not be read
/// (directories without read or search permission...), which [`discover`] drops.
pub fn discover_with_errors(
    roots: &[PathBuf],
    opts: &DiscoveryOptions,
) -> Result<Discovered, LoadError> {
    let mut unreadable = Vec::new();
    let excludes = build_excludes(&opts.exclude)?;
    let mut out_roots = Vec::new();
    let mut files = Vec::new();
    for (ri, given) in roots.iter().enumerate() {
        let meta = std::fs::metadata(given).map_err(|_| LoadError::MissingPath(given.clone()))?;
        if meta.is_file() {
            let base = given
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
            let name = given.file_name().map(PathBuf::from).unwrap_or_default();
            out_roots.push(Root {
                given: given.clone(),
                base,
                is_file: true,
            });
            // A file named explicitly is scanned whatever its extension.
            files.push(SourcePath {
                path: given.clone(),
                display: given.to_string_lossy().into_owned(),
                root: ri,
                relative: name,
            });
            continue;
        }
        out_roots.push(Root {
            given: given.clone(),
            base: given.clone(),
            is_file: false,
        });
        let mut wb = ignore::WalkBuilder::new(given);
        wb.standard_filters(opts.respect_gitignore)
            .hidden(false)
            .parents(opts.respect_gitignore)
            .follow_links(false);
        let skip_venvs = opts.skip_venvs;
        let root_path = given.clone();
        wb.filter_entry(move |e| {
            if e.depth() == 0 {
                return true;
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if !is_dir {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            if name == ".git" {
                return false;
            }
            if skip_venvs
                && (SKIPPED_DIRS.contains(&name.as_ref()) || e.path().join("pyvenv.cfg").is_file())
            {
                return e.path() == root_path;
            }
            true
        });
        let mut found = Vec::new();
        for entry in wb.build() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    // `.gitignore` syntax errors are not unreadable directories.
                    if e.io_error().is_some() {
                        let (path, message) = unwrap_walk_error(&e);
                        let path = path.unwrap_or(given);
                        unreadable.push(Unreadable {
                            display: path.to_string_lossy().into_owned(),
                            message,
                            is_dir: path.is_dir(),
                        });
                    }
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) || !is_python(entry.path()) {
                continue;
            }
            let relative = entry
                .path()
                .strip_prefix(given)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| entry.path().to_path_buf());
            if excluded(&excludes, &relative) {
                continue;
            }
            let display = given.join(&relative).to_string_lossy().into_owned();
            found.push(SourcePath {
                path: entry.path().to_path_buf(),
                display,
                root: ri,
                relative,
            });
        }
        found.sort_by(|a, b| a.display.cmp(&b.display));
        files.extend(found);
    }
    Ok((out_roots, files, unreadable))
}

/// True for files that only exist for tests (`tests/`, `test_*.py`, `*_test.py`, `conftest.py`).
/// The path a file named on the command line (or by `--stdin-filename`) is judged by for
/// test code: its path below the project it belongs to, the nearest enclosing directory
/// with `pyproject.toml`, `setup.py`, `setup.cfg` or `.git` (what walking that project
/// would see), else the path as written.
pub fn named_file_test_path(given: &Path) -> PathBuf {
    let absolute = if given.is_absolute() {
        given.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(given),
            Err(_) => return given.to_path_buf(),
        }
    };
    let mut dir = absolute.parent();
    let mut guard = 0;
    while let Some(d) = dir {
        guard += 1;
        if guard > 64 {
            break;
        }
        if ["pyproject.toml", "setup.py", "setup.cfg", ".git"]
            .iter()
            .any(|m| d.join(m).exists())
        {
            if let Ok(rel) = absolute.strip_prefix(d) {
                return rel.to_path_buf();
            }
            break;
        }
        dir = d.parent();
    }
    given.to_path_buf()
}

/// Test code by role, from the source text: a `unittest.TestCase` (or any `...TestCase`)
/// subclass, or a pytest module (it imports `pytest` and defines a module-level `test_*`
/// function).
pub fn is_test_source(source: &str) -> bool {
    if !source.contains("TestCase") && !source.contains("pytest") {
        return false;
    }
    let mut pytest = false;
    let mut test_fn = false;
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("class ")
            && let Some((_, bases)) = rest.split_once('(')
            && bases.split([',', ')']).any(|b| {
                b.trim()
                    .rsplit('.')
                    .next()
                    .is_some_and(|n| n.ends_with("TestCase"))
            })
        {
            return true;
        }
        let t = line.trim_start();
        if t.starts_with("import pytest") || t.starts_with("from pytest ") {
            pytest = true;
        }
        if line.starts_with("def test_") || line.starts_with("async def test_") {
            test_fn = true;
        }
    }
    pytest && test_fn
}

pub fn is_test_path(relative: &Path) -> bool {
    let name = relative
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name == "conftest.py"
        || (name.starts_with("test_") && name.ends_with(".py"))
        || name.ends_with("_test.py")
    {
        return true;
    }
    relative.parent().is_some_and(|p| {
        p.components().any(|c| {
            let c = c.as_os_str().to_string_lossy();
            c == "tests" || c == "test" || c == "testing"
        })
    })
}
