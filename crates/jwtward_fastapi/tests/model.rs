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

/// Asserts whether `unprotected-route` fires on `files` (the rules found go in the message).
fn assert_unprotected_route(files: &[(&str, &str)], expected: bool) {
    let got = rules(files);
    assert_eq!(got.contains("unprotected-route"), expected, "{got:?}");
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

fn helpers(names: &[&str]) -> jwtward_fastapi::Settings {
    jwtward_fastapi::Settings {
        token_helpers: names.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn auth_with(
    files: &[(&str, &str)],
    settings: &jwtward_fastapi::Settings,
    method: &str,
    path: &str,
) -> jwtward_fastapi::Auth {
    let project = Project::from_sources(files.to_vec());
    jwtward_fastapi::route_table_with_settings(&project, settings)
        .into_iter()
        .find(|r| r.methods == [method] && r.path == path)
        .unwrap_or_else(|| panic!("no route {method} {path}"))
        .auth
}

const COMPANY: &str = "import company_auth
from fastapi import Depends, FastAPI, Header, Request
SERVICE_TOKEN = 'eyJ.service.token'
app = FastAPI()
";

#[test]
fn token_helper_only_counts_on_the_requests_token() {
    use jwtward_fastapi::Auth;
    let src = format!(
        "{COMPANY}
def caller(request: Request):
    token = company_auth.bearer_token(request)
    return company_auth.verify_token(token)

def service():
    return company_auth.verify_token(SERVICE_TOKEN)

def verify(token):
    return company_auth.verify_token(token)

def caller_via_wrapper(request: Request):
    return verify(request.headers.get('x-session', ''))

def service_via_wrapper():
    return verify(SERVICE_TOKEN)

@app.get('/a')
def a(claims=Depends(caller)):
    return claims

@app.get('/b')
def b(identity=Depends(service)):
    return identity

@app.get('/c')
def c(claims=Depends(caller_via_wrapper)):
    return claims

@app.get('/d')
def d(identity=Depends(service_via_wrapper)):
    return identity

@app.get('/e')
def e(token: str):
    return verify(token)

@app.get('/f')
def f(invite_code: str):
    return verify(invite_code)
"
    );
    let files = [("svc/main.py", src.as_str())];
    let none = jwtward_fastapi::Settings::default();
    for p in ["/a", "/b", "/c", "/d", "/e", "/f"] {
        assert_eq!(auth_with(&files, &none, "GET", p), Auth::None, "{p}");
    }
    for names in [
        &["company_auth.verify_token"][..],
        &["verify_token"],
        &["svc.main.verify"],
    ] {
        let s = helpers(names);
        // The helper's own call, or a project wrapper, on the request's token.
        assert_eq!(
            auth_with(&files, &s, "GET", "/c"),
            Auth::Protected,
            "{names:?}"
        );
        assert_eq!(
            auth_with(&files, &s, "GET", "/e"),
            Auth::Protected,
            "{names:?}"
        );
        // On the service's own token, or on a request value that is not a token.
        assert_eq!(auth_with(&files, &s, "GET", "/b"), Auth::None, "{names:?}");
        assert_eq!(auth_with(&files, &s, "GET", "/d"), Auth::None, "{names:?}");
        assert_eq!(auth_with(&files, &s, "GET", "/f"), Auth::None, "{names:?}");
    }
    let s = helpers(&["company_auth.verify_token"]);
    assert_eq!(auth_with(&files, &s, "GET", "/a"), Auth::Protected);
    // Another module's `verify_token` is not the configured one.
    let other = helpers(&["other_auth.verify_token"]);
    assert_eq!(auth_with(&files, &other, "GET", "/a"), Auth::None);
}

#[test]
fn token_helper_skipped_or_swallowed_does_not_protect() {
    use jwtward_fastapi::Auth;
    let src = format!(
        "{COMPANY}
def audit_only(request: Request):
    try:
        company_auth.verify_token(company_auth.bearer_token(request))
    except Exception:
        pass

@app.get('/reports', dependencies=[Depends(audit_only)])
def reports():
    return []

@app.get('/summary')
def summary(authorization: str | None = Header(default=None)):
    if authorization:
        company_auth.verify_token(authorization)
    return {{'revenue': 1}}

@app.get('/me')
def me(request: Request):
    claims = company_auth.verify_token(company_auth.bearer_token(request))
    return claims
"
    );
    let files = [("svc/main.py", src.as_str())];
    let s = helpers(&["company_auth.verify_token"]);
    assert_eq!(auth_with(&files, &s, "GET", "/reports"), Auth::FailOpen);
    // A read that takes its credential itself as an optional header and serves without
    // one: optional (the public view), never protected.
    assert_eq!(auth_with(&files, &s, "GET", "/summary"), Auth::Optional);
    // The handler verifies the token itself, on every path.
    assert_eq!(auth_with(&files, &s, "GET", "/me"), Auth::Protected);
    assert_eq!(
        auth_with(&files, &jwtward_fastapi::Settings::default(), "GET", "/me"),
        Auth::None
    );
    let project = Project::from_sources(files.to_vec());
    let got: BTreeSet<String> = jwtward_fastapi::check(&project, &s)
        .into_iter()
        .map(|f| f.rule)
        .collect();
    assert!(got.contains("fail-open-auth-dependency"), "{got:?}");
}

#[test]
fn auth_dependencies_match_spelled_resolved_and_bare_names() {
    use jwtward_fastapi::Auth;
    let deps = "import remote_sso

def ensure_member(request):
    return remote_sso.check(request)
";
    let init = "from .deps import ensure_member\n";
    let main = "from fastapi import APIRouter, Depends, FastAPI
from svc.security import ensure_member
from svc.security import deps
from company_auth.fastapi import current_principal

app = FastAPI()

@app.get('/a', dependencies=[Depends(ensure_member)])
def a():
    return 1

@app.get('/b', dependencies=[Depends(deps.ensure_member)])
def b():
    return 2

@app.get('/c')
def c(p=Depends(current_principal)):
    return p
";
    let files = [
        ("svc/__init__.py", ""),
        ("svc/security/__init__.py", init),
        ("svc/security/deps.py", deps),
        ("svc/main.py", main),
    ];
    let with = |names: &[&str]| jwtward_fastapi::Settings {
        auth_dependencies: names.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let none = jwtward_fastapi::Settings::default();
    for p in ["/a", "/b", "/c"] {
        assert_eq!(auth_with(&files, &none, "GET", p), Auth::None, "{p}");
    }
    // The re-exported name, as `/a` spells it (`/b` reaches it through the submodule).
    let s = with(&["svc.security.ensure_member"]);
    assert_eq!(auth_with(&files, &s, "GET", "/a"), Auth::Protected);
    // The definition's qualified name, a dotted suffix of it, or the bare name.
    for names in [
        &["svc.security.deps.ensure_member"][..],
        &["deps.ensure_member"],
        &["ensure_member"],
    ] {
        let s = with(names);
        assert_eq!(
            auth_with(&files, &s, "GET", "/a"),
            Auth::Protected,
            "{names:?}"
        );
        assert_eq!(
            auth_with(&files, &s, "GET", "/b"),
            Auth::Protected,
            "{names:?}"
        );
        assert_eq!(auth_with(&files, &s, "GET", "/c"), Auth::None, "{names:?}");
    }
    let s = with(&["company_auth.fastapi.current_principal"]);
    assert_eq!(auth_with(&files, &s, "GET", "/c"), Auth::Protected);
    assert_eq!(auth_with(&files, &s, "GET", "/a"), Auth::None);
    // A qualified entry does not match a same-named function elsewhere.
    let s = with(&["other.ensure_member"]);
    assert_eq!(auth_with(&files, &s, "GET", "/a"), Auth::None);
}

#[test]
fn name_matching() {
    use jwtward_fastapi::name_matches;
    assert!(name_matches("company_auth.verify", "company_auth.verify"));
    assert!(name_matches("jwt.verify", "company_auth.jwt.verify"));
    assert!(!name_matches("jwt.verify", "company_auth.xjwt.verify"));
    assert!(name_matches("verify", "company_auth.jwt.verify"));
    assert!(!name_matches("verify", "company_auth.jwt.verify_all"));
    assert!(!name_matches("", "verify"));
}

/// A dependency named like auth that only builds a service object (it cannot reject a request)
/// does not protect a route, so it does not make a neighbour look unprotected; a dependency
/// that raises does.
#[test]
fn an_auth_named_service_factory_is_not_authentication() {
    let src = format!(
        "{HEADER}
class AuthService:
    def login(self, email): return {{'access_token': jwt.encode({{'sub': email}}, KEY)}}

def get_auth_service():
    return AuthService()

router = APIRouter(prefix='/auth')

@router.post('/sessions')
def start(email: str, svc: AuthService = Depends(get_auth_service)):
    return svc.login(email)

@router.post('/resend-verification')
def resend(email: str):
    return {{'sent': email}}

app = FastAPI()
app.include_router(router)
"
    );
    let files = [("svc/main.py", src.as_str())];
    assert_eq!(
        auth_of(&files, "POST", "/auth/sessions"),
        jwtward_fastapi::Auth::None
    );
    assert_unprotected_route(&files, false);
    // The same shape with a dependency that rejects requests is authentication.
    let guarded = src.replace(
        "def get_auth_service():\n    return AuthService()",
        "def get_auth_service(authorization: str = Header()):\n    if authorization != 'let-me-in':\n        raise HTTPException(401)\n    return AuthService()",
    );
    let files = [("svc/main.py", guarded.as_str())];
    assert_eq!(
        auth_of(&files, "POST", "/auth/sessions"),
        jwtward_fastapi::Auth::Protected
    );
    assert_unprotected_route(&files, true);
}

/// The `/api/ws` route of `src` (one module) is protected and nothing reports it.
fn assert_websocket_protected(src: &str) {
    let files = [("svc/main.py", src)];
    let project = Project::from_sources(files.to_vec());
    let ws = jwtward_fastapi::route_table(&project)
        .into_iter()
        .find(|r| r.path == "/api/ws")
        .expect("the websocket route");
    assert_eq!(ws.auth, jwtward_fastapi::Auth::Protected);
    assert_unprotected_route(&files, false);
}

/// A WebSocket handler authenticates by decoding the token itself and closing the socket on
/// failure (it has no HTTP error to raise); one that carries on after a failed decode does not.
#[test]
fn websocket_handler_that_closes_on_a_bad_token_is_protected() {
    let src = format!(
        "{HEADER}
from fastapi import Query, WebSocket

bearer = HTTPBearer()
router = APIRouter(prefix='/api')

def current_user(creds=Depends(bearer)):
    try:
        return jwt.decode(creds.credentials, KEY, algorithms=['HS256'])
    except jwt.InvalidTokenError:
        raise HTTPException(401, headers=CHALLENGE)

@router.get('/me')
def me(user=Depends(current_user)):
    return user

@router.websocket('/ws')
async def ws(websocket: WebSocket, token: str = Query(...)):
    try:
        claims = jwt.decode(token, KEY, algorithms=['HS256'])
    except jwt.InvalidTokenError:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await websocket.send_json({{'sub': claims['sub']}})

app = FastAPI()
app.include_router(router)
"
    );
    assert_websocket_protected(&src);
    // Carrying on as an anonymous user after the failed decode serves the socket.
    let open = src.replace(
        "        await websocket.close(code=1008)\n        return\n",
        "        claims = {'sub': 'anonymous'}\n",
    );
    assert_ne!(open, src);
    let files = [("svc/main.py", open.as_str())];
    assert_unprotected_route(&files, true);
}

/// The decode can sit behind a verifier object that a factory returns
/// (`get_verifier().verify_token(token)`): the one project method of that name that decodes
/// is followed, so the WebSocket handler that closes on failure is protected. A library
/// object's method of the same name is not taken for the project's.
#[test]
fn a_verifier_object_from_a_factory_is_followed() {
    let src = format!(
        "{HEADER}
from fastapi import Query, WebSocket

class Verifier:
    def verify_token(self, token):
        try:
            return jwt.decode(token, KEY, algorithms=['HS256'])
        except jwt.InvalidTokenError:
            raise HTTPException(401, headers=CHALLENGE)

_verifier = Verifier()

def get_verifier():
    return _verifier

def current_user(authorization: str = Header()):
    return get_verifier().verify_token(authorization)

router = APIRouter(prefix='/api')

@router.get('/me')
def me(user=Depends(current_user)):
    return user

@router.websocket('/ws')
async def ws(websocket: WebSocket, token: str = Query(...)):
    try:
        user = get_verifier().verify_token(token)
    except HTTPException:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await websocket.send_json(user)

app = FastAPI()
app.include_router(router)
"
    );
    assert_websocket_protected(&src);
    // The same call on an imported library client is not the project's verifier.
    let library = src.replace(
        "    try:\n        user = get_verifier().verify_token(token)",
        "    try:\n        user = firebase_auth.verify_token(token)",
    );
    let library = format!("import firebase_auth\n{library}");
    let files = [("svc/main.py", library.as_str())];
    assert_unprotected_route(&files, true);
}

/// The route table's class and reason of `method path`.
fn class_of(files: &[(&str, &str)], method: &str, path: &str) -> (String, String) {
    let project = Project::from_sources(files.to_vec());
    let r = jwtward_fastapi::route_table(&project)
        .into_iter()
        .find(|r| r.methods == [method] && r.path == path)
        .unwrap_or_else(|| panic!("no route {method} {path}"));
    (r.class.to_string(), r.reason)
}

/// A guard that verifies with a key written in the source (a literal, or the fallback of an
/// environment variable) or reads the claims unverified makes its routes forgeable; a key
/// that only comes from the environment does not.
#[test]
fn routes_behind_a_forgeable_guard_are_forgeable() {
    let src = "import os
import jwt
from fastapi import Depends, FastAPI, HTTPException, Header

KEY = os.getenv('APP_KEY', 'changeme')
app = FastAPI()

def current_user(authorization: str = Header()):
    try:
        return jwt.decode(authorization, KEY, algorithms=['HS256'])
    except jwt.InvalidTokenError:
        raise HTTPException(401, headers={'WWW-Authenticate': 'Bearer'})

def quick_user(authorization: str = Header()):
    claims = jwt.decode(authorization, options={'verify_signature': False})
    if not claims.get('sub'):
        raise HTTPException(401, headers={'WWW-Authenticate': 'Bearer'})
    return claims

@app.get('/notes')
def notes(user=Depends(current_user)):
    return user

@app.get('/quick')
def quick(user=Depends(quick_user)):
    return user
";
    let files = [("svc/main.py", src)];
    let (class, reason) = class_of(&files, "GET", "/notes");
    assert_eq!(class, "forgeable", "{reason}");
    assert!(
        reason.contains("changeme") && reason.contains("APP_KEY"),
        "{reason}"
    );
    let (class, reason) = class_of(&files, "GET", "/quick");
    assert_eq!(class, "forgeable", "{reason}");
    assert!(reason.contains("signature"), "{reason}");
    // The key only from the environment: protected.
    let fixed = src.replace("os.getenv('APP_KEY', 'changeme')", "os.environ['APP_KEY']");
    let files = [("svc/main.py", fixed.as_str())];
    assert_eq!(class_of(&files, "GET", "/notes").0, "protected");
}

/// A guard that, after verifying with a committed key, requires the presented token itself
/// to be a stored row (an API key that happens to be a JWT) refuses forged tokens: its
/// routes are protected, not forgeable. Also when the decode is a helper whose caller does
/// the lookup, or answers from a cache keyed by the token. Without the lookup, or with a
/// lookup of a claim instead of the token, forgeable.
#[test]
fn a_token_matched_in_a_store_is_not_forgeable() {
    let src = "import os
import jwt
from fastapi import Depends, FastAPI, HTTPException, Header

KEY = os.getenv('APP_KEY', 'changeme')
app = FastAPI()
CACHE = {}

class Keys:
    async def find_key(self, org_id, token):
        return None

db = Keys()

async def org_for_key(x_api_key: str = Header()):
    try:
        payload = jwt.decode(x_api_key, KEY, algorithms=['HS256'])
    except jwt.InvalidTokenError:
        raise HTTPException(403, 'invalid credentials')
    row = await db.find_key(org_id=payload['sub'], token=x_api_key)
    if not row:
        raise HTTPException(403, 'invalid credentials')
    return row

def peek(token):
    try:
        return jwt.decode(token, KEY, algorithms=['HS256'])
    except jwt.InvalidTokenError:
        return None

async def cached_org(x_api_key: str = Header()):
    claims = peek(x_api_key)
    if claims is None:
        raise HTTPException(403, 'invalid credentials')
    try:
        return CACHE[x_api_key]
    except KeyError:
        pass
    return await org_for_key(x_api_key)

@app.get('/runs')
async def runs(org=Depends(org_for_key)):
    return org

@app.get('/cached')
async def cached(org=Depends(cached_org)):
    return org
";
    let files = [("svc/main.py", src)];
    let (class, reason) = class_of(&files, "GET", "/runs");
    assert_eq!(class, "protected", "{reason}");
    let (class, reason) = class_of(&files, "GET", "/cached");
    assert_eq!(class, "protected", "{reason}");
    // No lookup of the token: forgeable.
    let bare = src.replace(
        "    row = await db.find_key(org_id=payload['sub'], token=x_api_key)
    if not row:
        raise HTTPException(403, 'invalid credentials')
    return row",
        "    return payload",
    );
    let files = [("svc/main.py", bare.as_str())];
    assert_eq!(class_of(&files, "GET", "/runs").0, "forgeable");
    assert_eq!(class_of(&files, "GET", "/cached").0, "forgeable");
    // A lookup of the claimed subject, not of the token: a forged token names a real one.
    let claim = src.replace("token=x_api_key)", "token=payload['sub'])");
    let files = [("svc/main.py", claim.as_str())];
    assert_eq!(class_of(&files, "GET", "/runs").0, "forgeable");
    // A lookup whose absence is not refused.
    let ignored = src.replace(
        "    if not row:
        raise HTTPException(403, 'invalid credentials')
    return row",
        "    return row or payload",
    );
    let files = [("svc/main.py", ignored.as_str())];
    assert_eq!(class_of(&files, "GET", "/runs").0, "forgeable");
}

/// Authentication a setting switches off is conditional (with the test in the reason), not
/// fail-open, and not `unprotected-route`; the same early return on a missing token is
/// fail-open.
#[test]
fn auth_switched_off_by_a_setting_is_conditional() {
    let src = "import jwt
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

class Settings:
    AUTH_ENABLED = True

settings = Settings()
scheme = OAuth2PasswordBearer(tokenUrl='/token', auto_error=False)
router = APIRouter(prefix='/items')

def current_user(token: str = Depends(scheme)):
    if not settings.AUTH_ENABLED:
        return None
    try:
        return jwt.decode(token, 'k' * 40, algorithms=['HS256'])
    except jwt.InvalidTokenError:
        raise HTTPException(401, headers={'WWW-Authenticate': 'Bearer'})

@router.get('')
def list_items(user=Depends(current_user)):
    return []

@router.delete('/{item_id}')
def delete_item(item_id: int, user=Depends(current_user)):
    return {'deleted': item_id}

app = FastAPI()
app.include_router(router)
";
    // The default turns authentication on: guarded (forgeable: the key is in the source),
    // not conditional, nothing to report.
    let files = [("svc/main.py", src)];
    let (class, reason) = class_of(&files, "DELETE", "/items/{item_id}");
    assert_eq!(class, "forgeable", "{reason}");
    assert_unprotected_route(&files, false);
    assert!(!rules(&files).contains("auth-disabled-by-default"));
    // The default turns it off: conditional, and reported with the setting and its default.
    let off = src.replace("AUTH_ENABLED = True", "AUTH_ENABLED = False");
    let files = [("svc/main.py", off.as_str())];
    let (class, reason) = class_of(&files, "DELETE", "/items/{item_id}");
    assert_eq!(class, "conditional", "{reason}");
    assert!(
        reason.contains("settings.AUTH_ENABLED defaults to False"),
        "{reason}"
    );
    assert_unprotected_route(&files, false);
    assert!(rules(&files).contains("auth-disabled-by-default"));
    // A default it cannot tell (a required setting): conditional, not reported.
    let unknown = src.replace("AUTH_ENABLED = True", "AUTH_ENABLED: bool");
    let files = [("svc/main.py", unknown.as_str())];
    assert_eq!(
        class_of(&files, "DELETE", "/items/{item_id}").0,
        "conditional"
    );
    assert!(!rules(&files).contains("auth-disabled-by-default"));
    // A fail-open return on a missing token is no setting.
    let open = src.replace("if not settings.AUTH_ENABLED:", "if not token:");
    let files = [("svc/main.py", open.as_str())];
    assert_eq!(
        class_of(&files, "DELETE", "/items/{item_id}").0,
        "fail-open"
    );
}

/// A router included only under a configuration test (a dev-only router) is conditional and
/// not reported; included unconditionally, its route is an unprotected sibling.
#[test]
fn a_router_included_under_a_setting_is_conditional() {
    let src = "from fastapi import APIRouter, Depends, FastAPI, HTTPException, Header

class Settings:
    ENVIRONMENT = 'local'

settings = Settings()

def current_user(x_api_key: str = Header()):
    if x_api_key != 'k':
        raise HTTPException(403)
    return 'u'

users = APIRouter(prefix='/users')

@users.get('')
def list_users(user=Depends(current_user)):
    return []

private = APIRouter(prefix='/users')

@private.post('/seed')
def seed_user(name: str):
    return {'created': name}

api = APIRouter()
api.include_router(users)
if settings.ENVIRONMENT == 'local':
    api.include_router(private)

app = FastAPI()
app.include_router(api)
";
    let files = [("svc/main.py", src)];
    let (class, reason) = class_of(&files, "POST", "/users/seed");
    assert_eq!(class, "conditional", "{reason}");
    assert!(reason.contains("settings.ENVIRONMENT"), "{reason}");
    assert_unprotected_route(&files, false);
    let always = src.replace(
        "if settings.ENVIRONMENT == 'local':\n    api.include_router(private)",
        "api.include_router(private)",
    );
    let files = [("svc/main.py", always.as_str())];
    assert_eq!(class_of(&files, "POST", "/users/seed").0, "unprotected");
    assert_unprotected_route(&files, true);
}

/// A factory returning one of two dependencies (`a if required else b`): the branch its
/// keyword picks.
#[test]
fn a_factory_picks_the_branch_its_keyword_chooses() {
    let src = "import os
import jwt
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Header

def _user(authorization: str = Header()):
    try:
        return jwt.decode(authorization, os.environ['KEY'], algorithms=['HS256'])
    except jwt.InvalidTokenError:
        raise HTTPException(403)

def _user_optional(authorization: str = Header(default='')):
    if not authorization:
        return None
    return _user(authorization)

def authorizer(*, required: bool = True):
    return _user if required else _user_optional

router = APIRouter(prefix='/articles')

@router.get('')
def feed(user=Depends(authorizer(required=False))):
    return []

@router.post('')
def create(user=Depends(authorizer())):
    return {}

app = FastAPI()
app.include_router(router)
";
    let files = [("svc/main.py", src)];
    assert_eq!(class_of(&files, "POST", "/articles").0, "protected");
    assert_ne!(class_of(&files, "GET", "/articles").0, "protected");
}

/// `from m import *` brings the names `__all__` lists (or every public name without it).
#[test]
fn star_imports_follow_all() {
    let deps = "from fastapi import Header, HTTPException

__all__ = ['require_key']
KEYS = {'k': 'alice'}

def require_key(x_api_key: str = Header()):
    if x_api_key not in KEYS:
        raise HTTPException(403)
    return KEYS[x_api_key]

def hidden_key(x_api_key: str = Header()):
    if x_api_key not in KEYS:
        raise HTTPException(403)
    return KEYS[x_api_key]
";
    let main = "from fastapi import Depends, FastAPI
from app.deps import *

app = FastAPI()

@app.get('/a')
def a(owner=Depends(require_key)):
    return owner

@app.get('/b')
def b(owner=Depends(hidden_key)):
    return owner
";
    let files = [
        ("app/__init__.py", ""),
        ("app/deps.py", deps),
        ("app/main.py", main),
    ];
    assert_eq!(class_of(&files, "GET", "/a").0, "protected");
    assert_eq!(class_of(&files, "GET", "/b").0, "unprotected");
}

/// A bearer scheme alone checks that a header is present: a route whose handler never reads
/// the token it yields is `token-not-verified` (and unprotected in the route table); the
/// twin that verifies the token in a dependency is clean.
#[test]
fn a_bearer_scheme_whose_token_nothing_verifies() {
    let src = "import os
import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPBearer

bearer = HTTPBearer()
app = FastAPI()
REPORTS = ['q1']

@app.get('/reports')
def reports(creds=Depends(bearer)):
    return REPORTS

@app.get('/reports/archive', dependencies=[Depends(bearer)])
def archive():
    return REPORTS
";
    let files = [("svc/main.py", src)];
    let project = Project::from_sources(files.to_vec());
    let found: Vec<_> = jwtward_fastapi::check(&project, &jwtward_fastapi::Settings::default())
        .into_iter()
        .filter(|f| f.rule == "token-not-verified")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.contains("GET /reports") && found[0].message.contains("/reports/archive"),
        "{}",
        found[0].message
    );
    assert_eq!(class_of(&files, "GET", "/reports").0, "unprotected");
    let fixed = src.replace(
        "REPORTS = ['q1']",
        "REPORTS = ['q1']

def current_user(creds=Depends(bearer)):
    try:
        return jwt.decode(creds.credentials, os.environ['KEY'], algorithms=['HS256'])
    except jwt.InvalidTokenError:
        raise HTTPException(401, headers={'WWW-Authenticate': 'Bearer'})",
    );
    let fixed = fixed
        .replace(
            "def reports(creds=Depends(bearer)):",
            "def reports(user=Depends(current_user)):",
        )
        .replace(
            "dependencies=[Depends(bearer)]",
            "dependencies=[Depends(current_user)]",
        );
    let files = [("svc/main.py", fixed.as_str())];
    assert!(!rules(&files).contains("token-not-verified"));
    assert_eq!(class_of(&files, "GET", "/reports").0, "protected");
    assert_eq!(class_of(&files, "GET", "/reports/archive").0, "protected");
}

/// An app behind a JWT middleware whose first statement is `if <TEST>: return await
/// call_next(request)`, with the routes `extra` adds.
fn exempting_app(test: &str, setup: &str, extra: &str) -> String {
    format!(
        "import os, re
import jwt
from fastapi import FastAPI, Request
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse

KEY = os.environ['KEY']
{setup}

class Auth(BaseHTTPMiddleware):
    def __init__(self, app, excluded_paths=None):
        super().__init__(app)
        self.excluded_paths = excluded_paths or ['/health']

    def _is_public(self, path):
        return path.startswith(('/health', '/auth'))

    async def dispatch(self, request: Request, call_next):
        path = request.url.path
        if {test}:
            return await call_next(request)
        try:
            request.state.claims = jwt.decode(request.headers.get('authorization', ''), KEY, algorithms=['HS256'])
        except jwt.InvalidTokenError:
            return JSONResponse({{'detail': 'no'}}, status_code=401, headers={{'WWW-Authenticate': 'Bearer'}})
        if request.state.claims.get('jti') in {{'x'}}:
            return JSONResponse({{'detail': 'no'}}, status_code=401, headers={{'WWW-Authenticate': 'Bearer'}})
        return await call_next(request)

app = FastAPI()
app.add_middleware(Auth)

@app.get('/health')
def health():
    return {{'ok': 1}}

@app.get('/api/users/{{username}}')
def user(username: str):
    return {{'u': username}}

@app.get('/api/reports')
def reports():
    return []
{extra}
"
    )
}

fn too_broad(src: &str) -> Vec<String> {
    let project = Project::from_sources(vec![("svc/main.py", src)]);
    jwtward_fastapi::check(&project, &jwtward_fastapi::Settings::default())
        .into_iter()
        .filter(|f| f.rule == "auth-exemption-too-broad")
        .map(|f| f.message)
        .collect()
}

/// Each shape of exemption test, evaluated exactly: what it lets through and whether it
/// lets through more than its public paths.
#[test]
fn exemption_tests_are_evaluated_exactly() {
    let authors = "\n@app.get('/authors')\ndef authors():\n    return []\n";
    // (test, setup, extra routes, the route class of /api/reports, a too-broad finding
    // naming this witness, or none).
    let cases: &[(&str, &str, &str, &str, Option<&str>)] = &[
        // Exact: `in` on a set, a list, `==`, `self.excluded_paths` (from __init__).
        ("path in {'/health', '/docs'}", "", "", "protected", None),
        (
            "path in ['/health', '/api/reports']",
            "",
            "",
            "public",
            None,
        ),
        (
            "path == '/health' or path == '/docs'",
            "",
            "",
            "protected",
            None,
        ),
        ("path in self.excluded_paths", "", "", "protected", None),
        // `endswith` on a tuple lets `/api/users/health` through (the user route).
        (
            "path.endswith(('health', 'ready'))",
            "",
            "",
            "protected",
            Some("/api/users/health (served by GET /api/users/{username})"),
        ),
        (
            "request.url.path.endswith('ping')",
            "",
            "",
            "protected",
            Some("/api/users/ping (served by GET /api/users/{username})"),
        ),
        // `startswith` on a prefix without its slash lets `/authors` through.
        (
            "path.startswith(('/health', '/auth'))",
            "",
            authors,
            "protected",
            Some("GET /authors"),
        ),
        // ... through a helper method too.
        (
            "self._is_public(path)",
            "",
            authors,
            "protected",
            Some("GET /authors"),
        ),
        // With its slash, nothing else: not reported.
        (
            "path.startswith(('/health', '/auth/'))",
            "",
            authors,
            "protected",
            None,
        ),
        // A constant tuple, `any(...)`.
        (
            "any(path.startswith(p) for p in PUBLIC)",
            "PUBLIC = ('/health', '/api/rep')",
            "",
            "unprotected",
            Some("GET /api/reports"),
        ),
        // Regex: an unanchored search, a match without `$`, a fullmatch (exact enough).
        (
            "re.search(r'report', path)",
            "",
            "",
            "unprotected",
            Some("GET /api/reports"),
        ),
        (
            "PUBLIC_RE.match(path)",
            "PUBLIC_RE = re.compile(r'/api/rep')",
            "",
            "unprotected",
            Some("GET /api/reports"),
        ),
        (
            "re.fullmatch(r'/health|/docs', path)",
            "",
            "",
            "protected",
            None,
        ),
        // A path segment: everything under `/api` when segment 1 is `api`: exempt, but
        // no broader than the `/api` it names.
        (
            "path.split('/')[1] in ('api',)",
            "",
            "",
            "unprotected",
            None,
        ),
        (
            "path.split('/')[-1] in ('health', 'docs')",
            "",
            "",
            "protected",
            Some("/api/users/health (served by GET /api/users/{username})"),
        ),
        // `"x" in path`.
        (
            "'port' in path",
            "",
            "",
            "unprotected",
            Some("GET /api/reports"),
        ),
    ];
    for (test, setup, extra, reports_class, witness) in cases {
        let src = exempting_app(test, setup, extra);
        let files = [("svc/main.py", src.as_str())];
        let (class, reason) = class_of(&files, "GET", "/api/reports");
        assert_eq!(class, *reports_class, "{test}: {reason}");
        let found = too_broad(&src);
        match witness {
            None => assert!(found.is_empty(), "{test}: {found:?}"),
            Some(w) => assert!(
                found.len() == 1 && found[0].contains(w),
                "{test}: expected one finding naming {w}, got {found:?}"
            ),
        }
    }
}

/// With no route a word test can reach, the finding names a path built around the word.
#[test]
fn a_word_exemption_with_no_route_to_reach() {
    let src = exempting_app("path.endswith(('health', 'ready'))", "", "").replace(
        "@app.get('/api/users/{username}')\ndef user(username: str):\n    return {'u': username}\n",
        "",
    );
    assert!(!src.contains("{username}"));
    let found = too_broad(&src);
    assert!(
        found.len() == 1
            && found[0].contains("/api/admin/unhealth (a path a protected route could have)"),
        "{found:?}"
    );
}

/// `add_middleware(Cls, excluded_paths=[...])` gives `__init__` its list: the listed routes
/// are public by design, the others protected.
#[test]
fn exemption_lists_passed_to_add_middleware() {
    let src = exempting_app("path in self.excluded_paths", "", "").replace(
        "app.add_middleware(Auth)",
        "app.add_middleware(Auth, excluded_paths=['/health', '/api/reports'])",
    );
    let files = [("svc/main.py", src.as_str())];
    let (class, reason) = class_of(&files, "GET", "/api/reports");
    assert_eq!(class, "public", "{reason}");
    assert!(reason.contains("listed as a public path"), "{reason}");
    assert_eq!(
        class_of(&files, "GET", "/api/users/{username}").0,
        "protected"
    );
    assert!(too_broad(&src).is_empty());
}

/// Settings-gated authentication with each kind of default: reported (and conditional) when
/// the defaults leave it off, not when they turn it on or cannot be told.
#[test]
fn settings_gates_take_their_defaults() {
    let app = |setup: &str, gate: &str, body: &str| {
        format!(
            "import os
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel
{setup}

def require_key(x_api_key: str | None = Header(default=None)):
    if {gate}:
{body}
    return 'caller'

app = FastAPI()

@app.get('/api/reports', dependencies=[Depends(require_key)])
def reports():
    return []
"
        )
    };
    let skip = "        return 'dev'\n    if x_api_key != os.environ['API_KEY']:\n        raise HTTPException(401, 'bad key', headers={'WWW-Authenticate': 'ApiKey'})";
    let guard = "        if x_api_key != os.environ['API_KEY']:\n            raise HTTPException(403, 'bad api_key')";
    // (setup, gate, skip or guard body, off by default?)
    let cases: &[(&str, &str, &str, Option<bool>)] = &[
        (
            "AUTH_ENABLED = os.getenv('AUTH_ENABLED', 'false').lower() == 'true'",
            "not AUTH_ENABLED",
            skip,
            Some(true),
        ),
        (
            "AUTH_ENABLED = os.getenv('AUTH_ENABLED', 'true').lower() == 'true'",
            "not AUTH_ENABLED",
            skip,
            Some(false),
        ),
        (
            "class Settings(BaseModel):\n    ENV: str = 'dev'\nsettings = Settings()",
            "settings.ENV == 'prod'",
            guard,
            Some(true),
        ),
        (
            "class Settings(BaseModel):\n    ENV: str = 'prod'\nsettings = Settings()",
            "settings.ENV == 'prod'",
            guard,
            Some(false),
        ),
        ("", "os.environ.get('REQUIRE_KEY')", guard, Some(true)),
        ("", "os.environ.get('REQUIRE_KEY', '1')", guard, Some(false)),
        // `DISABLE_AUTH` defaulting to off: the skip never happens.
        (
            "class Settings(BaseModel):\n    DISABLE_AUTH: bool = False\nsettings = Settings()",
            "settings.DISABLE_AUTH and x_api_key is None",
            skip,
            Some(false),
        ),
        // A required field: cannot tell.
        (
            "class Settings(BaseModel):\n    DISABLE_AUTH: bool\nsettings = Settings(DISABLE_AUTH=False)",
            "settings.DISABLE_AUTH",
            skip,
            None,
        ),
    ];
    for (setup, gate, body, off) in cases {
        let src = app(setup, gate, body);
        let files = [("svc/main.py", src.as_str())];
        let reported = rules(&files).contains("auth-disabled-by-default");
        let (class, reason) = class_of(&files, "GET", "/api/reports");
        match off {
            Some(true) => {
                assert!(reported, "{gate} / {setup}");
                assert_eq!(class, "conditional", "{gate}: {reason}");
            }
            Some(false) => {
                assert!(!reported, "{gate} / {setup}");
                assert_eq!(class, "protected", "{gate}: {reason}");
            }
            None => assert!(!reported, "{gate} / {setup}"),
        }
    }
}

/// Constants that refer to each other (a pattern, an exemption list, a setting) end the
/// evaluation instead of recursing forever.
#[test]
fn cyclic_constants_in_exemptions_and_settings_terminate() {
    let src = exempting_app(
        "P.match(path) or path in L or path.startswith(T)",
        "P = Q\nQ = P\nL = M + ['/x']\nM = L\nT = U\nU = T\nAUTH = AUTH_ON\nAUTH_ON = AUTH",
        "\n@app.get('/api/open')\ndef open_(x: str = ''):\n    if not AUTH:\n        return {}\n    raise HTTPException(401)\n",
    );
    let files = [("svc/main.py", src.as_str())];
    let _ = rules(&files);
    assert_eq!(class_of(&files, "GET", "/api/reports").0, "protected");
}
