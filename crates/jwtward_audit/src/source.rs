//! What the source says about how requests carry a token and who they are: the header,
//! cookie and query names the app reads tokens from, and the claim it takes the identity
//! from (`payload["uid"]`). The probe is given both instead of guessing.

use crate::mint::enclosing_function;
use jwtward_fastapi::RouteInfo;
use jwtward_python::ast::{self, Expr, Stmt, StmtFunctionDef};
use jwtward_python::{Ranged, TextRange};
use jwtward_scan::JwtModel;

/// Claims that name a user, strongest first.
const IDENTITY: &[&str] = &[
    "sub",
    "uid",
    "user_id",
    "userId",
    "username",
    "email",
    "id",
    "user",
    "preferred_username",
    "login",
];

/// Registered and bookkeeping claims: never the identity.
const NOT_IDENTITY: &[&str] = &[
    "exp",
    "iat",
    "nbf",
    "iss",
    "aud",
    "jti",
    "type",
    "typ",
    "scope",
    "scopes",
    "token_type",
    "role",
    "roles",
    "kind",
];

/// The token names the source reads, per channel, in reading order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenNames {
    /// Headers other than `Authorization`.
    pub headers: Vec<String>,
    pub cookies: Vec<String>,
    pub queries: Vec<String>,
}

fn push(v: &mut Vec<String>, n: &str) {
    if !v.iter().any(|x| x.eq_ignore_ascii_case(n)) {
        v.push(n.to_string());
    }
}

/// The names of every route's token sources.
pub fn token_names(routes: &[RouteInfo]) -> TokenNames {
    let mut out = TokenNames::default();
    for r in routes {
        for (kind, name) in &r.token_sources {
            match kind.as_str() {
                "header" if !name.eq_ignore_ascii_case("authorization") => {
                    push(&mut out.headers, &name.replace('_', "-"))
                }
                "cookie" => push(&mut out.cookies, name),
                "query" => push(&mut out.queries, name),
                _ => {}
            }
        }
    }
    out
}

/// Names bound to a value that contains `call`: `payload = jwt.decode(...)`,
/// `data: dict = await decode(t)`.
fn names_bound_to(f: &StmtFunctionDef, call: TextRange) -> Vec<String> {
    use ast::visitor::{Visitor, walk_stmt};
    struct V {
        call: TextRange,
        out: Vec<String>,
    }
    impl<'a> Visitor<'a> for V {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            let (targets, value): (Vec<&Expr>, Option<&Expr>) = match s {
                Stmt::Assign(a) => (a.targets.iter().collect(), Some(&a.value)),
                Stmt::AnnAssign(a) => (vec![&*a.target], a.value.as_deref()),
                _ => (Vec::new(), None),
            };
            if let Some(v) = value
                && v.range().contains_range(self.call)
            {
                for t in targets {
                    if let Expr::Name(n) = t {
                        self.out.push(n.id.to_string());
                    }
                }
            }
            walk_stmt(self, s);
        }
    }
    let mut v = V {
        call,
        out: Vec::new(),
    };
    for s in &f.body {
        v.visit_stmt(s);
    }
    v.out
}

/// `x["k"]` and `x.get("k", ...)` on the names `vars`, in source order.
fn claims_read(f: &StmtFunctionDef, vars: &[String]) -> Vec<String> {
    use ast::visitor::{Visitor, walk_expr};
    struct V<'v> {
        vars: &'v [String],
        out: Vec<String>,
    }
    impl V<'_> {
        fn is_var(&self, e: &Expr) -> bool {
            matches!(e, Expr::Name(n) if self.vars.iter().any(|v| v == n.id.as_str()))
        }
    }
    impl<'a> Visitor<'a> for V<'_> {
        fn visit_expr(&mut self, e: &'a Expr) {
            match e {
                Expr::Subscript(s) if self.is_var(&s.value) => {
                    if let Expr::StringLiteral(k) = &*s.slice {
                        self.out.push(k.value.to_str().to_string());
                    }
                }
                Expr::Call(c) => {
                    if let Expr::Attribute(a) = &*c.func
                        && a.attr.as_str() == "get"
                        && self.is_var(&a.value)
                        && let Some(Expr::StringLiteral(k)) = c.arguments.args.first()
                    {
                        self.out.push(k.value.to_str().to_string());
                    }
                }
                _ => {}
            }
            walk_expr(self, e);
        }
    }
    let mut v = V {
        vars,
        out: Vec::new(),
    };
    for st in &f.body {
        v.visit_stmt(st);
    }
    v.out
}

/// `jwt.decode(...)["sub"]`: claims read on the call's result directly.
fn claims_on_call(f: &StmtFunctionDef, call: TextRange) -> Vec<String> {
    use ast::visitor::{Visitor, walk_expr};
    struct V {
        call: TextRange,
        out: Vec<String>,
    }
    impl<'a> Visitor<'a> for V {
        fn visit_expr(&mut self, e: &'a Expr) {
            let inner = |x: &Expr| {
                let x = match x {
                    Expr::Await(a) => &*a.value,
                    x => x,
                };
                x.range() == self.call
            };
            match e {
                Expr::Subscript(s) if inner(&s.value) => {
                    if let Expr::StringLiteral(k) = &*s.slice {
                        self.out.push(k.value.to_str().to_string());
                    }
                }
                Expr::Call(c) => {
                    if let Expr::Attribute(a) = &*c.func
                        && a.attr.as_str() == "get"
                        && inner(&a.value)
                        && let Some(Expr::StringLiteral(k)) = c.arguments.args.first()
                    {
                        self.out.push(k.value.to_str().to_string());
                    }
                }
                _ => {}
            }
            walk_expr(self, e);
        }
    }
    let mut v = V {
        call,
        out: Vec::new(),
    };
    for st in &f.body {
        v.visit_stmt(st);
    }
    v.out
}

/// The claim the app takes the identity from: read on the result of a verifying decode
/// call, in the decoding function or in the function that calls it.
/// `(claim, file:line of the decode call)`.
pub fn identity_claim(model: &JwtModel<'_>) -> Option<(String, String)> {
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut look = |f: &StmtFunctionDef, call: TextRange, at: &str| {
        for c in claims_on_call(f, call) {
            seen.push((c, at.to_string()));
        }
        let vars = names_bound_to(f, call);
        if vars.is_empty() {
            return;
        }
        for c in claims_read(f, &vars) {
            seen.push((c, at.to_string()));
        }
    };
    for d in model.app_decodes() {
        if !matches!(
            d.kind,
            jwtward_scan::jwt_model::DecodeKind::Decode
                | jwtward_scan::jwt_model::DecodeKind::SignatureOnly
        ) {
            continue;
        }
        let at = format!(
            "{}:{}",
            d.module.display_path,
            d.module.line_column(d.call.range().start()).0
        );
        let Some(f) = enclosing_function(d.module, d.call.range()) else {
            continue;
        };
        look(f, d.call.range(), &at);
        // The decoding function returns the claims: its callers read them.
        if let Some(name) = &d.function {
            for site in model.callers(name, 20) {
                if let Some(g) = enclosing_function(site.module, site.call.range()) {
                    look(g, site.call.range(), &at);
                }
            }
        }
    }
    seen.iter()
        .find(|(c, _)| IDENTITY.contains(&c.as_str()))
        .or_else(|| {
            seen.iter()
                .find(|(c, _)| !NOT_IDENTITY.contains(&c.as_str()))
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jwtward_python::Project;

    fn route_info(project: &Project) -> Vec<RouteInfo> {
        jwtward_fastapi::route_table(project)
    }

    #[test]
    fn identity_claim_in_the_decoding_function_and_in_its_callers() {
        let direct = Project::from_sources(vec![(
            "app.py",
            "import jwt\nKEY = 'k' * 40\ndef who(t):\n    data = jwt.decode(t, KEY, algorithms=['HS256'])\n    if data['exp'] < 0:\n        raise ValueError\n    return data['uid']\n",
        )]);
        let m = JwtModel::build(&direct);
        assert_eq!(identity_claim(&m).map(|c| c.0).as_deref(), Some("uid"));
        let via_caller = Project::from_sources(vec![(
            "app.py",
            "import jwt\nKEY = 'k' * 40\ndef decode(t):\n    return jwt.decode(t, KEY, algorithms=['HS256'])\n\ndef current(t):\n    claims = decode(t)\n    kind = claims.get('type')\n    return claims.get('user_id')\n",
        )]);
        let m = JwtModel::build(&via_caller);
        assert_eq!(identity_claim(&m).map(|c| c.0).as_deref(), Some("user_id"));
        let on_call = Project::from_sources(vec![(
            "app.py",
            "import jwt
KEY = 'k' * 40
def who(t):
    return jwt.decode(t, KEY, algorithms=['HS256'])['login']
",
        )]);
        let m = JwtModel::build(&on_call);
        assert_eq!(identity_claim(&m).map(|c| c.0).as_deref(), Some("login"));
        // A claim read on something else (a request body) is not the identity.
        let other = Project::from_sources(vec![(
            "app.py",
            "import jwt\nKEY = 'k' * 40\ndef check(t, body):\n    jwt.decode(t, KEY, algorithms=['HS256'])\n    return body['uid']\n",
        )]);
        let m = JwtModel::build(&other);
        assert_eq!(identity_claim(&m), None);
    }

    #[test]
    fn token_names_and_typed_parameters_from_the_source() {
        let p = Project::from_sources(vec![(
            "main.py",
            r#"import uuid
from typing import Annotated, Literal
import jwt
from fastapi import Cookie, Depends, FastAPI, Header, HTTPException, Query

app = FastAPI()

def user(x_api_token: str = Header(), session: str | None = Cookie(default=None)):
    try:
        return jwt.decode(x_api_token or session, "k" * 40, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(401)

@app.get("/r/{rid}/{n}")
def read(rid: uuid.UUID, n: int, kind: Literal["a", "b"] = Query(), page: Annotated[int, Query(alias="p")] = 2, limit: int = 10, who=Depends(user)):
    return {}
"#,
        )]);
        let routes = route_info(&p);
        let r = routes.iter().find(|r| r.path == "/r/{rid}/{n}").unwrap();
        let names = token_names(&routes);
        assert_eq!(names.headers, vec!["x-api-token".to_string()]);
        assert_eq!(names.cookies, vec!["session".to_string()]);
        let by = |n: &str| r.params.iter().find(|p| p.name == n).unwrap();
        assert_eq!((by("rid").location, by("rid").ty), ("path", "uuid"));
        assert_eq!((by("n").location, by("n").ty), ("path", "integer"));
        assert!(by("kind").required);
        assert_eq!(by("kind").example.as_deref(), Some("a"));
        assert_eq!(by("p").default.as_deref(), Some("2"));
        assert!(!by("limit").required);
        assert!(r.params.iter().all(|p| p.name != "who"));
        assert_eq!(
            crate::spec::sample_target(r),
            "/r/00000000-0000-4000-8000-000000000001/1?kind=a"
        );
    }
}
