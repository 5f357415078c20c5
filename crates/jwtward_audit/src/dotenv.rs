//! `.env` files the app loads, for deciding whether an environment-variable fallback key is
//! in force.
//!
//! A fallback (`os.getenv("SECRET_KEY", "dev")`, a settings field default) is the key the
//! app uses only when the variable is unset in its environment. The environment is the
//! audit's own (the app inherits it), plus the `.env` files the source loads:
//!
//! - `load_dotenv()` / `load_dotenv(find_dotenv())`: the first `.env` found from the
//!   calling module's directory upwards (python-dotenv's search);
//! - `load_dotenv("path")`, `dotenv_path=`, pydantic's `env_file=` (in `SettingsConfigDict`,
//!   a `class Config`, or `_env_file=` at construction), Starlette's `Config(".env")`:
//!   relative to the directory the app is started from.
//!
//! A path the scan cannot read as a string literal is looked for as `.env` in the calling
//! module's directory and in the start directory. Variables are matched by name (case
//! insensitive, as pydantic does); a variable set to an empty value counts as set.

use jwtward_python::ast::visitor::{Visitor, walk_expr, walk_stmt};
use jwtward_python::ast::{Expr, Stmt};
use jwtward_python::{Project, Ranged};
use std::path::{Path, PathBuf};

/// One variable a `.env` file sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    /// The `.env` file (as given) and the line.
    pub file: PathBuf,
    pub line: u32,
    /// What loads the file: `load_dotenv() at app/main.py:5`.
    pub loader: String,
}

/// `(name, value, line)` of a `.env` file.
pub type Vars = Vec<(String, String, u32)>;

/// The `.env` files the project loads, parsed.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// `(file, loader, variables)`.
    pub files: Vec<(PathBuf, String, Vars)>,
}

impl Env {
    /// The value `var` gets from a loaded `.env`, first file first.
    pub fn get(&self, var: &str) -> Option<Setting> {
        for (file, loader, vars) in &self.files {
            if let Some((_, v, line)) = vars.iter().find(|(k, _, _)| k.eq_ignore_ascii_case(var)) {
                return Some(Setting {
                    value: v.clone(),
                    file: file.clone(),
                    line: *line,
                    loader: loader.clone(),
                });
            }
        }
        None
    }
}

/// `KEY=VALUE` lines (`export` prefix, quotes, inline comments after unquoted values).
pub fn parse(text: &str) -> Vars {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty()
            || !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            continue;
        }
        let v = v.trim();
        let value = match v.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let inner = &v[1..];
                inner
                    .find(q)
                    .map(|e| inner[..e].to_string())
                    .unwrap_or_else(|| inner.to_string())
            }
            _ => v.split(" #").next().unwrap_or("").trim().to_string(),
        };
        out.push((k.to_string(), value, i as u32 + 1));
    }
    out
}

fn last_name(e: &Expr) -> &str {
    match e {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => "",
    }
}

/// A path argument: `Some(Some(path))` for a literal, `Some(None)` for an expression the
/// scan does not read.
fn path_arg(e: &Expr) -> Option<Option<String>> {
    match e {
        Expr::StringLiteral(s) => Some(Some(s.value.to_str().to_string())),
        Expr::Tuple(t) => t.elts.first().map(|x| path_arg(x).flatten()),
        Expr::List(t) => t.elts.first().map(|x| path_arg(x).flatten()),
        Expr::NoneLiteral(_) => None,
        _ => Some(None),
    }
}

/// How a file is found: searched upwards from a directory, or relative to the start
/// directory.
enum Where {
    Upwards,
    Relative(Option<String>),
}

struct Loads {
    found: Vec<(Where, u32, String)>,
}

impl<'a> Visitor<'a> for Loads {
    fn visit_stmt(&mut self, s: &'a Stmt) {
        // `class Config: env_file = ".env"`.
        if let Stmt::Assign(a) = s
            && a.targets
                .iter()
                .any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == "env_file"))
            && let Some(p) = path_arg(&a.value)
        {
            self.found.push((
                Where::Relative(p),
                a.range().start().to_u32(),
                "env_file".into(),
            ));
        }
        walk_stmt(self, s);
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        if let Expr::Call(c) = e {
            let name = last_name(&c.func);
            let at = c.range().start().to_u32();
            let kw = |n: &str| c.arguments.find_keyword(n).map(|k| &k.value);
            match name {
                "load_dotenv" => {
                    let arg = c.arguments.args.first().or(kw("dotenv_path"));
                    let w = match arg {
                        None => Where::Upwards,
                        Some(Expr::Call(f)) if last_name(&f.func) == "find_dotenv" => {
                            Where::Upwards
                        }
                        Some(a) => Where::Relative(path_arg(a).flatten()),
                    };
                    self.found.push((w, at, "load_dotenv()".into()));
                }
                "Config" if !c.arguments.args.is_empty() || kw("env_file").is_some() => {
                    if let Some(p) = c
                        .arguments
                        .args
                        .first()
                        .or(kw("env_file"))
                        .and_then(path_arg)
                    {
                        self.found
                            .push((Where::Relative(p), at, "starlette Config()".into()));
                    }
                }
                _ => {
                    for k in ["env_file", "_env_file"] {
                        if let Some(p) = kw(k).and_then(path_arg) {
                            self.found.push((Where::Relative(p), at, format!("{k}=")));
                        }
                    }
                }
            }
        }
        walk_expr(self, e);
    }
}

fn read(path: &Path) -> Option<Vars> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 1024 * 1024 {
        return None;
    }
    Some(parse(&String::from_utf8_lossy(&std::fs::read(path).ok()?)))
}

/// The `.env` files `project` loads when started from `start_dir`.
pub fn loaded(project: &Project, start_dir: &Path) -> Env {
    let mut env = Env::default();
    let add = |file: PathBuf, loader: String, env: &mut Env| {
        if env.files.iter().any(|(f, _, _)| *f == file) {
            return;
        }
        if let Some(vars) = read(&file) {
            env.files.push((file, loader, vars));
        }
    };
    for m in project.modules.iter().filter(|m| !m.is_test) {
        if !m.source.contains("env_file")
            && !m.source.contains("load_dotenv")
            && !m.source.contains("Config(")
        {
            continue;
        }
        let mut v = Loads { found: Vec::new() };
        for s in &m.ast().body {
            v.visit_stmt(s);
        }
        let dir = m.path.parent().map(Path::to_path_buf).unwrap_or_default();
        for (w, at, what) in v.found {
            let line = m.line_column(jwtward_python::TextSize::from(at)).0;
            let loader = format!("{what} at {}:{line}", m.display_path);
            match w {
                Where::Upwards => {
                    let mut d = Some(dir.as_path());
                    while let Some(x) = d {
                        let f = x.join(".env");
                        if f.is_file() {
                            add(f, loader.clone(), &mut env);
                            break;
                        }
                        d = x.parent();
                    }
                }
                Where::Relative(Some(p)) => {
                    let p = PathBuf::from(p);
                    let f = if p.is_absolute() {
                        p
                    } else {
                        start_dir.join(p)
                    };
                    add(f, loader, &mut env);
                }
                Where::Relative(None) => {
                    add(dir.join(".env"), loader.clone(), &mut env);
                    add(start_dir.join(".env"), loader, &mut env);
                }
            }
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dotenv_lines() {
        let v = parse(
            "# c\nexport A=1\nB = \"two words\" # x\nC='q'\nD=plain # comment\nE=\nnot a line\n",
        );
        let get = |k: &str| {
            v.iter()
                .find(|(n, _, _)| n == k)
                .map(|(_, v, l)| (v.as_str(), *l))
        };
        assert_eq!(get("A"), Some(("1", 2)));
        assert_eq!(get("B"), Some(("two words", 3)));
        assert_eq!(get("C"), Some(("q", 4)));
        assert_eq!(get("D"), Some(("plain", 5)));
        assert_eq!(get("E"), Some(("", 6)));
        assert_eq!(v.len(), 5);
    }
}
