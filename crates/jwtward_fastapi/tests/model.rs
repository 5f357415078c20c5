//! Focused checks of the model on small in-memory projects: one shape each.

use jwtward_python::Project;
use std::collections::BTreeSet;

fn rules(files: &[(&str, &str)]) -> BTreeSet<String> {
    let project = Project::from_sources(files.to_vec());
    jwtward_fastapi::check(&project, &jwtward_fastapi::Settings::default())
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

fn auth_of(files: &[(&str, &str)], method: &str, path: &str) -> jwtward_fastapi::Auth {
    let project = Project::from_sources(files.to_vec());
    jwtward_fastapi::route_table(&project)
        .into_iter()
        .find(|r| r.methods == [method] && r.path == path)
        .unwrap_or_else(|| panic!("no route {method} {path}"))
        .auth
}

const HEADER: &str = "import jwt\nfrom fastapi import APIRouter, Depends, FastAPI, HTTPException, Header\nfrom fastapi.security import HTTPBearer\nKEY = 'k'\nDENY = {'jti'}\nCHALLENGE = {'WWW-Authenticate': 'Bearer'}\n";

#[test]
fn subclass_auto_error_through_its_own_parameter_default() {
    let src = format!(
        "{HEADER}
class MaybeBearer(HTTPBearer):
    def __init__(self, auto_error: bool = False):
        super().__init__(auto_error=auto_error)

bearer = MaybeBearer()
app = FastAPI()

@app.get('/me')
def me(creds=Depends(bearer)):
    return {{'token': creds}}
"
    );
    let got = rules(&[("svc/main.py", &src)]);
    assert!(got.contains("optional-auth-scheme"), "{got:?}");
    assert_eq!(
        auth_of(&[("svc/main.py", &src)], "GET", "/me"),
        jwtward_fastapi::Auth::Optional
    );
}

#[test]
fn swallowing_verifier_at_app_level_is_fail_open() {
    let src = format!(
        "{HEADER}
def verify(authorization: str = Header()):
    try:
        jwt.decode(authorization, KEY, algorithms=['HS256'])
    except Exception:
        pass

app = FastAPI(dependencies=[Depends(verify)])

@app.get('/reports')
def reports():
    return []
"
    );
    let got = rules(&[("svc/main.py", &src)]);
    assert!(got.contains("fail-open-auth-dependency"), "{got:?}");
    assert!(got.contains("unprotected-route"), "{got:?}");
}

#[test]
fn a_helper_that_always_raises_makes_the_dependency_fail_closed() {
    let src = format!(
        "{HEADER}
def deny():
    raise HTTPException(status_code=401, headers=CHALLENGE)

def current_user(authorization: str | None = Header(default=None)):
    if authorization is None:
        deny()
    try:
        claims = jwt.decode(authorization, KEY, algorithms=['HS256'])
    except jwt.InvalidTokenError:
        deny()
    if claims.get('jti') in DENY:
        deny()
    return claims

router = APIRouter(prefix='/items')

@router.get('')
def items(user=Depends(current_user)):
    return [user]

app = FastAPI()
app.include_router(router)
"
    );
    let files = [("svc/main.py", src.as_str())];
    assert!(rules(&files).is_empty(), "{:?}", rules(&files));
    assert_eq!(
        auth_of(&files, "GET", "/items"),
        jwtward_fastapi::Auth::Protected
    );
}

#[test]
fn overrides_through_update_outside_tests_are_reported() {
    let deps = format!(
        "{HEADER}
def get_current_user(authorization: str = Header()):
    try:
        return jwt.decode(authorization, KEY, algorithms=['HS256'])
    except jwt.InvalidTokenError:
        raise HTTPException(status_code=401, headers=CHALLENGE)
"
    );
    let main = "from fastapi import Depends, FastAPI
from .deps import get_current_user

app = FastAPI()
app.dependency_overrides.update({get_current_user: lambda: {'sub': 'admin'}})

@app.get('/me')
def me(user=Depends(get_current_user)):
    return user
";
    let files = [
        ("svc/__init__.py", ""),
        ("svc/deps.py", deps.as_str()),
        ("svc/main.py", main),
    ];
    let got = rules(&files);
    assert!(got.contains("auth-dependency-overridden"), "{got:?}");
}

#[test]
fn handler_checking_an_optional_identity_is_protected() {
    let src = format!(
        "{HEADER}
bearer = HTTPBearer(auto_error=False)

def maybe_user(creds=Depends(bearer)):
    if creds is None:
        return None
    try:
        return jwt.decode(creds.credentials, KEY, algorithms=['HS256'])
    except jwt.InvalidTokenError:
        return None

app = FastAPI()

@app.get('/orders')
async def orders(user=Depends(maybe_user)):
    if user is None:
        raise HTTPException(status_code=401, headers=CHALLENGE)
    return [user['sub']]
"
    );
    let files = [("svc/main.py", src.as_str())];
    assert_eq!(
        auth_of(&files, "GET", "/orders"),
        jwtward_fastapi::Auth::Protected
    );
    let got = rules(&files);
    for r in [
        "fail-open-auth-dependency",
        "optional-auth-scheme",
        "public-fallback-route",
        "unprotected-route",
    ] {
        assert!(!got.contains(r), "{r} in {got:?}");
    }
}

#[test]
fn token_from_query_parameter_of_a_dependency() {
    let src = format!(
        "{HEADER}
from fastapi import Query

def ws_user(token: str = Query()):
    try:
        return jwt.decode(token, KEY, algorithms=['HS256'])
    except jwt.InvalidTokenError:
        raise HTTPException(status_code=401, headers=CHALLENGE)

app = FastAPI()

@app.get('/feed')
def feed(user=Depends(ws_user)):
    return user
"
    );
    let got = rules(&[("svc/main.py", &src)]);
    assert!(got.contains("token-from-query"), "{got:?}");
}

#[test]
fn cycles_in_dependencies_routers_and_imports_terminate() {
    let a = "from fastapi import APIRouter, Depends, FastAPI
from .b import dep_b, router_b

def dep_a(x=Depends(dep_b)):
    return x

router_a = APIRouter(prefix='/a', dependencies=[Depends(dep_a)])
router_a.include_router(router_b)

@router_a.get('/x')
def x(v=Depends(dep_a)):
    return v

app = FastAPI()
app.include_router(router_a)
";
    let b = "from fastapi import APIRouter, Depends
from . import a

def dep_b(y=Depends(a.dep_a)):
    return y

router_b = APIRouter(prefix='/b')
router_b.include_router(a.router_a)

@router_b.get('/y')
def y(v=Depends(dep_b)):
    return v
";
    let files = [("pkg/__init__.py", ""), ("pkg/a.py", a), ("pkg/b.py", b)];
    let project = Project::from_sources(files.to_vec());
    let _ = jwtward_fastapi::check(&project, &jwtward_fastapi::Settings::default());
    let table = jwtward_fastapi::route_table(&project);
    assert!(table.iter().any(|r| r.path == "/a/x"), "{table:?}");
}

#[test]
fn prefixes_and_paths_from_constants() {
    let config = "API_PREFIX = '/api/v2'\n\nclass Settings:\n    ITEMS = '/items'\n\nsettings = Settings()\n";
    let main = "from fastapi import APIRouter, FastAPI
from .config import API_PREFIX, settings

router = APIRouter(prefix=settings.ITEMS)

@router.get('/{item_id}')
def item(item_id: int):
    return item_id

app = FastAPI()
app.include_router(router, prefix=API_PREFIX)
";
    let files = [
        ("svc/__init__.py", ""),
        ("svc/config.py", config),
        ("svc/main.py", main),
    ];
    let project = Project::from_sources(files.to_vec());
    let paths: Vec<String> = jwtward_fastapi::route_table(&project)
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(paths, ["/api/v2/items/{item_id}"]);
}
