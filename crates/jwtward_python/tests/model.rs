//! The project model on small in-memory projects: names, imports, constants, call sites.

use jwtward_python::ast::{Expr, Stmt};
use jwtward_python::{Binding, Project, Scope, Value};

fn project() -> Project {
    Project::from_sources(vec![
        (
            "app/__init__.py",
            "from .security import verify as verify_token\n",
        ),
        (
            "app/config.py",
            r#"
import os
from pydantic_settings import BaseSettings

SECRET = os.getenv("APP_SECRET", "fallback-secret")
STRICT = os.environ["STRICT"]
VERIFY = False
OPTIONS = {"verify_signature": VERIFY, "require": ["exp", "sub"]}
MINUTES = 60 * 24
TTL = timedelta(minutes=MINUTES) if False else None
NAME = "svc" + "-" + "api"

class Settings(BaseSettings):
    jwt_key: str = "settings-default"
    audience: str = Field(default="notes")

settings = Settings()

def get_settings():
    return Settings()
"#,
        ),
        (
            "app/security.py",
            r#"
from datetime import timedelta
from jose import jwt as j
import jwt as pyjwt
from . import config
from .config import OPTIONS, settings, get_settings as gs

LIFETIME = timedelta(hours=2, minutes=30)

def verify(token, strict=False):
    opts = dict(OPTIONS)
    local = OPTIONS
    return j.decode(token, config.SECRET, options=local)

def caller():
    return verify("t", strict=True)
"#,
        ),
        (
            "app/routes.py",
            r#"
from app import verify_token

def route(token):
    return verify_token(token)
"#,
        ),
    ])
}

fn first_call_func(body: &[Stmt]) -> &Expr {
    let mut found = None;
    jwtward_python::walk::for_each_stmt(body, &mut |s| {
        if found.is_none()
            && let Stmt::Return(r) = s
            && let Some(v) = &r.value
            && let Expr::Call(c) = &**v
        {
            found = Some(&*c.func);
        }
    });
    found.expect("a returned call")
}

#[test]
fn module_names_and_relative_imports() {
    let p = project();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let sec = p
        .module_by_name("app.security")
        .expect("module app.security");
    assert_eq!(sec.package(), "app");
    assert_eq!(sec.imports().get("j"), Some("jose.jwt"));
    assert_eq!(sec.imports().get("pyjwt"), Some("jwt"));
    assert_eq!(sec.imports().get("config"), Some("app.config"));
    assert_eq!(sec.imports().get("gs"), Some("app.config.get_settings"));
    let init = p.module_by_name("app").expect("package app");
    assert!(init.is_package);
}

#[test]
fn qualified_names_follow_aliases_and_reexports() {
    let p = project();
    let sec = p.module_by_name("app.security").unwrap();
    let verify = p.function("app.security.verify").expect("verify");
    let func = first_call_func(&verify.def.body);
    assert_eq!(
        p.qualified_name(sec, func).as_deref(),
        Some("jose.jwt.decode")
    );
    // `app.verify_token` is re-exported from `app.security.verify`.
    assert_eq!(p.canonical("app.verify_token"), "app.security.verify");
    assert!(matches!(
        p.lookup("app.verify_token"),
        Some(Binding::Function(_))
    ));
    let sites = p.call_sites_of("app.security.verify");
    let callers: Vec<_> = sites.iter().filter_map(|s| s.caller.clone()).collect();
    assert!(
        callers.contains(&"app.routes.route".to_string()),
        "{callers:?}"
    );
    assert!(
        callers.contains(&"app.security.caller".to_string()),
        "{callers:?}"
    );
}

#[test]
fn constants_across_modules() {
    let p = project();
    let secret = p.eval_qname("app.config.SECRET");
    match &secret.value {
        Value::Env { var, default } => {
            assert_eq!(var, "APP_SECRET");
            assert_eq!(default.as_ref().unwrap().as_str(), Some("fallback-secret"));
        }
        v => panic!("unexpected {v:?}"),
    }
    assert!(matches!(
        p.eval_qname("app.config.STRICT").value,
        Value::Env { default: None, .. }
    ));
    assert_eq!(p.eval_qname("app.config.MINUTES").value, Value::Int(1440));
    assert_eq!(p.eval_qname("app.config.NAME").as_str(), Some("svc-api"));
    let opts = p.eval_qname("app.security.OPTIONS");
    assert_eq!(
        opts.dict_get("verify_signature").unwrap().value,
        Value::Bool(false)
    );
    assert_eq!(
        p.eval_qname("app.security.LIFETIME").value,
        Value::Duration(9000.0)
    );
    // Options held in a local variable of a function.
    let verify = p.function("app.security.verify").unwrap();
    let Expr::Call(call) = find_return(&verify.def.body) else {
        panic!()
    };
    let scope = Scope::function(verify.module, verify.def);
    let options = &call.arguments.keywords[0].value;
    let v = p.eval(&scope, options);
    assert_eq!(
        v.dict_get("verify_signature").unwrap().value,
        Value::Bool(false)
    );
    let key = p.eval(&scope, &call.arguments.args[1]);
    assert!(matches!(key.value, Value::Env { .. }));
}

fn find_return(body: &[Stmt]) -> &Expr {
    for s in body {
        if let Stmt::Return(r) = s {
            return r.value.as_deref().unwrap();
        }
    }
    panic!("no return")
}

#[test]
fn settings_classes_and_instances() {
    let p = project();
    // `settings.jwt_key` on an instance of a BaseSettings class: env var with the default.
    let sec = p.module_by_name("app.security").unwrap();
    let parsed = jwtward_python::ast::Expr::Attribute(match parse_expr("settings.jwt_key") {
        Expr::Attribute(a) => a,
        _ => unreachable!(),
    });
    let v = p.eval(&Scope::module(sec), &parsed);
    match &v.value {
        Value::Env { var, default } => {
            assert_eq!(var, "jwt_key");
            assert_eq!(default.as_ref().unwrap().as_str(), Some("settings-default"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let via_fn = parse_expr("gs().audience");
    let v = p.eval(&Scope::module(sec), &via_fn);
    match &v.value {
        Value::Env { default, .. } => assert_eq!(default.as_ref().unwrap().as_str(), Some("notes")),
        other => panic!("unexpected {other:?}"),
    }
}

fn parse_expr(src: &str) -> Expr {
    let parsed = ruff_python_parser::parse_expression(src).unwrap();
    *parsed.into_syntax().body
}

#[test]
fn locations_are_one_based() {
    let p = Project::from_sources(vec![("m.py", "x = 1\ny = 'é' + jwt\n")]);
    let m = &p.modules[0];
    let start = m.source.find("jwt").unwrap() as u32;
    let loc = m.location(jwtward_python::TextRange::new(
        start.into(),
        (start + 3).into(),
    ));
    assert_eq!(
        (loc.line, loc.column, loc.end_line, loc.end_column),
        (2, 11, 2, 14)
    );
    assert_eq!(m.line_count(), 2);
}

#[test]
fn syntax_errors_are_reported_and_recovered() {
    let p = Project::from_sources(vec![(
        "broken.py",
        "import jwt\ndef f(token):\n    return jwt.decode(token, options={'verify_signature': False}\n\ndef g(:\n    pass\n",
    )]);
    assert!(
        p.errors
            .iter()
            .any(|e| e.kind == "parse-error" && e.line.is_some())
    );
    assert!(
        p.function("broken.f").is_some(),
        "the recovered AST keeps f"
    );
}

#[test]
fn packages_below_a_plain_directory_use_their_import_name() {
    let p = Project::from_sources(vec![
        ("vendor/lib/__init__.py", "from .core import helper\n"),
        ("vendor/lib/core.py", "def helper():\n    return 1\n"),
        (
            "scripts/run.py",
            "from lib import helper\n\ndef main():\n    return helper()\n",
        ),
    ]);
    assert_eq!(p.module_by_name("lib.core").unwrap().name, "lib.core");
    assert_eq!(
        p.module_by_name("vendor.lib.core").unwrap().name,
        "lib.core"
    );
    assert_eq!(p.module_by_name("scripts.run").unwrap().name, "scripts.run");
    let sites = p.call_sites_of("lib.core.helper");
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0].caller.as_deref(), Some("scripts.run.main"));
}

#[test]
fn source_roots_with_the_same_package_names_stay_apart() {
    // Two examples, each run from its own directory, both with a package `app`.
    let p = Project::from_sources(vec![
        ("examples/one/app/__init__.py", ""),
        ("examples/one/app/users.py", "SECRET = \"first\"\n"),
        (
            "examples/one/app/main.py",
            "from app.users import SECRET\nimport app.users\nKEY = SECRET\nOTHER = app.users.SECRET\n",
        ),
        ("examples/two/app/__init__.py", ""),
        ("examples/two/app/users.py", "SECRET = \"second\"\n"),
        (
            "examples/two/app/main.py",
            "from .users import SECRET\nKEY = SECRET\n",
        ),
        // A package that exists once keeps its name.
        ("lib/__init__.py", ""),
        ("lib/core.py", "X = 1\n"),
    ]);
    assert_eq!(
        p.module_by_name("examples.one.app.users")
            .unwrap()
            .display_path,
        "examples/one/app/users.py"
    );
    assert_eq!(
        p.module_by_name("examples.two.app.users")
            .unwrap()
            .display_path,
        "examples/two/app/users.py"
    );
    assert_eq!(p.module_by_name("lib.core").unwrap().name, "lib.core");
    let value = |q: &str| p.eval_qname(q).as_str().map(str::to_string);
    assert_eq!(value("examples.one.app.main.KEY").as_deref(), Some("first"));
    assert_eq!(
        value("examples.one.app.main.OTHER").as_deref(),
        Some("first")
    );
    assert_eq!(
        value("examples.two.app.main.KEY").as_deref(),
        Some("second")
    );
}

#[test]
fn a_namespace_package_split_across_roots_stays_one_package() {
    // pkgutil-style: `company/__init__.py` in both roots, different subpackages.
    let p = Project::from_sources(vec![
        ("packages/foo/src/company/__init__.py", ""),
        ("packages/bar/src/company/__init__.py", ""),
        (
            "packages/foo/src/company/foo/__init__.py",
            "NAME = \"foo\"\n",
        ),
        (
            "packages/bar/src/company/bar/__init__.py",
            "from company.foo import NAME\nUSES = NAME\n",
        ),
    ]);
    assert_eq!(
        p.module_by_name("company.foo").unwrap().display_path,
        "packages/foo/src/company/foo/__init__.py"
    );
    assert_eq!(
        p.eval_qname("company.bar.USES").as_str(),
        Some("foo"),
        "the import across roots still resolves"
    );
}

#[test]
fn a_namespace_directory_inside_a_scanned_package_keeps_the_package_name() {
    // `shop/api/v1/settings/` has no `__init__.py`, `shop/` (the directory scanned),
    // `shop/api/v1/` and `settings/routers/` do: Python imports the router module as
    // `shop.api.v1.settings.routers.settings_router`.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("shop");
    for (path, text) in [
        ("__init__.py", ""),
        ("api/__init__.py", ""),
        ("api/v1/__init__.py", ""),
        (
            "api/v1/settings/routers/__init__.py",
            "from .settings_router import ROUTER_NAME\n",
        ),
        (
            "api/v1/settings/routers/settings_router.py",
            "ROUTER_NAME = \"settings\"\n",
        ),
        (
            "main.py",
            "from shop.api.v1.settings.routers import ROUTER_NAME\nUSED = ROUTER_NAME\n",
        ),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let p = Project::load(&[root], &jwtward_python::DiscoveryOptions::default()).unwrap();
    assert!(
        p.module_by_name("shop.api.v1.settings.routers.settings_router")
            .is_some(),
        "{:?}",
        p.modules.iter().map(|m| &m.name).collect::<Vec<_>>()
    );
    assert_eq!(p.eval_qname("shop.main.USED").as_str(), Some("settings"));
}
