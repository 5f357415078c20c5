//! Exact-token store lookups: a verification after which the presented token string itself
//! must be found in a store (a database row, a dict or cache keyed by the token) or the
//! request is refused. Such a token is an opaque key that happens to be a JWT: a token
//! forged with a guessed signing key is not in the store, so it is refused.
//!
//! A decode call is store-checked when, in its function, every path that returns after it
//! has first looked up the same token variable and refused when the lookup found nothing
//! (`row = await db.tokens.find(token=t)` then `if not row: raise ...`), or returns the entry
//! a subscript of the store found (`return cache[t]`), or passes the token to a function
//! that does so; or when the function only returns the claims and every caller does that
//! with the token it passed.

use crate::jwt_model::DecodeCall;
use jwtward_python::{Module, Project};
use ruff_python_ast::{BoolOp, CmpOp, ExceptHandler, Expr, ExprCall, Stmt, UnaryOp};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Out {
    /// Carries on to the next statement.
    Falls,
    /// Every path from here refuses or has matched the token in a store.
    Safe,
    /// A path returns without the token having been matched.
    Exits,
}

struct Walk<'p> {
    project: &'p Project,
    module: &'p Module,
    /// The token variable and the names that hold a key built from it.
    token: Vec<String>,
    /// Names holding the result of a store lookup of the token.
    pending: Vec<String>,
    depth: u32,
}

/// Words of a callee (its receiver chain or its name) that say it reads a store.
const STORE_WORDS: &[&str] = &[
    "db",
    "database",
    "repo",
    "store",
    "redis",
    "cache",
    "session",
    "crud",
    "dao",
    "table",
    "collection",
    "query",
    "select",
    "filter",
    "find",
    "lookup",
    "fetch",
    "exists",
];

fn strip_await(e: &Expr) -> &Expr {
    match e {
        Expr::Await(a) => &a.value,
        e => e,
    }
}

impl<'p> Walk<'p> {
    fn mentions_token(&self, e: &Expr) -> bool {
        match e {
            Expr::Name(n) => self.token.iter().any(|t| t == n.id.as_str()),
            Expr::Tuple(t) => t.elts.iter().any(|x| self.mentions_token(x)),
            Expr::FString(_) | Expr::BinOp(_) => {
                let text = self.module.slice(ruff_text_size::Ranged::range(e));
                self.token.iter().any(|t| {
                    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .any(|w| w == t)
                })
            }
            _ => false,
        }
    }

    fn passes_token(&self, c: &ExprCall) -> bool {
        c.arguments
            .args
            .iter()
            .chain(c.arguments.keywords.iter().map(|k| &k.value))
            .any(|a| self.mentions_token(a))
    }

    /// `store.get(t)`, `db.tokens.find(token=t)`, `session.query(...).filter(T.token == t)`:
    /// a call that reads a store with the token (not a decoding function).
    fn is_lookup(&self, c: &ExprCall) -> bool {
        let callee = self.module.slice(ruff_text_size::Ranged::range(&*c.func));
        let lower = callee.to_ascii_lowercase();
        if ["decode", "verify", "jwt", "encode"]
            .iter()
            .any(|w| lower.contains(w))
        {
            return false;
        }
        let words: Vec<&str> = lower
            .split(|ch: char| !ch.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let store = words
            .iter()
            .any(|w| STORE_WORDS.iter().any(|s| w == s || w.starts_with(s)))
            || lower.rsplit('.').next().is_some_and(|m| {
                ["get_", "validate_", "load_"]
                    .iter()
                    .any(|p| m.starts_with(p))
            });
        if !store {
            return false;
        }
        if self.passes_token(c) {
            return true;
        }
        // `.filter(Token.token == t)` / `.where(...)` / `.filter_by(token=t)` anywhere in
        // the chain.
        let text = self.module.slice(ruff_text_size::Ranged::range(c));
        self.token.iter().any(|t| {
            text.contains(&format!("== {t})"))
                || text.contains(&format!("={t})"))
                || text.contains(&format!("={t},"))
        })
    }

    /// A call of a project function that store-checks the token it is given.
    fn pins_by_call(&self, c: &ExprCall) -> bool {
        if self.depth > 3 || !self.passes_token(c) {
            return false;
        }
        let Some(q) = self.project.qualified_name(self.module, &c.func) else {
            return false;
        };
        let Some(f) = self.project.function(&q) else {
            return false;
        };
        // The callee's parameter that receives the token.
        let Some(param) = f.params().into_iter().find_map(|p| {
            f.argument_for(c, p.name)
                .filter(|a| self.mentions_token(a))
                .map(|_| p.name.to_string())
        }) else {
            return false;
        };
        let mut w = Walk {
            project: self.project,
            module: f.module,
            token: vec![param],
            pending: Vec::new(),
            depth: self.depth + 1,
        };
        w.block(&f.def.body) == Out::Safe
    }

    /// A value that only exists when the token is in the store (`cache[t]`), or that a
    /// store-checking function returns.
    fn pinned_value(&self, v: &Expr) -> bool {
        match strip_await(v) {
            Expr::Subscript(s) => self.mentions_token(&s.slice),
            Expr::Call(c) => self.pins_by_call(c),
            Expr::Attribute(a) => self.pinned_value(&a.value),
            _ => false,
        }
    }

    /// `if not row`, `if row is None`, `if t not in store`: the test holds when the lookup
    /// found nothing.
    fn refutes(&self, test: &Expr) -> bool {
        match test {
            Expr::UnaryOp(u) if u.op == UnaryOp::Not => match &*u.operand {
                Expr::Name(n) => self.pending.iter().any(|p| p == n.id.as_str()),
                Expr::Call(c) => self.is_lookup(c),
                Expr::Await(a) => matches!(&*a.value, Expr::Call(c) if self.is_lookup(c)),
                _ => false,
            },
            Expr::Compare(c) if c.ops.len() == 1 && c.comparators.len() == 1 => {
                match (&c.ops[0], &*c.left, &c.comparators[0]) {
                    (CmpOp::Is | CmpOp::Eq, Expr::Name(n), Expr::NoneLiteral(_)) => {
                        self.pending.iter().any(|p| p == n.id.as_str())
                    }
                    (CmpOp::NotIn, l, _) => self.mentions_token(l),
                    _ => false,
                }
            }
            Expr::BoolOp(b) if b.op == BoolOp::Or => b.values.iter().any(|v| self.refutes(v)),
            _ => false,
        }
    }

    fn block(&mut self, body: &[Stmt]) -> Out {
        for s in body {
            match self.stmt(s) {
                Out::Falls => {}
                o => return o,
            }
        }
        Out::Falls
    }

    fn branches(&mut self, bodies: &[&[Stmt]], exhaustive: bool) -> Out {
        let outs: Vec<Out> = bodies.iter().map(|b| self.block(b)).collect();
        if outs.contains(&Out::Exits) {
            Out::Exits
        } else if exhaustive && outs.iter().all(|o| *o == Out::Safe) {
            Out::Safe
        } else {
            Out::Falls
        }
    }

    fn stmt(&mut self, s: &Stmt) -> Out {
        match s {
            Stmt::Raise(_) => Out::Safe,
            Stmt::Return(r) => match &r.value {
                Some(v) if self.pinned_value(v) => Out::Safe,
                _ => Out::Exits,
            },
            Stmt::Expr(e) => match strip_await(&e.value) {
                Expr::Call(c) if self.pins_by_call(c) => Out::Safe,
                _ => Out::Falls,
            },
            Stmt::Assign(a) => {
                let v = strip_await(&a.value);
                let names: Vec<String> = a
                    .targets
                    .iter()
                    .filter_map(|t| match t {
                        Expr::Name(n) => Some(n.id.to_string()),
                        _ => None,
                    })
                    .collect();
                match v {
                    Expr::Call(c) if self.pins_by_call(c) => return Out::Safe,
                    Expr::Call(c) if self.is_lookup(c) => self.pending.extend(names),
                    v if self.mentions_token(v) => self.token.extend(names),
                    _ => {}
                }
                Out::Falls
            }
            Stmt::If(i) => {
                let mut bodies: Vec<&[Stmt]> = vec![&i.body];
                let mut exhaustive = false;
                for c in &i.elif_else_clauses {
                    bodies.push(&c.body);
                    exhaustive |= c.test.is_none();
                }
                if self.refutes(&i.test) && self.block(&i.body) == Out::Safe {
                    // Past this test the token was found in the store.
                    return Out::Safe;
                }
                self.branches(&bodies, exhaustive)
            }
            Stmt::Try(t) => {
                let body = self.block(&t.body);
                if body == Out::Exits {
                    return Out::Exits;
                }
                let handlers: Vec<&[Stmt]> = t
                    .handlers
                    .iter()
                    .map(|h| {
                        let ExceptHandler::ExceptHandler(h) = h;
                        h.body.as_slice()
                    })
                    .collect();
                let hs = self.branches(&handlers, true);
                if hs == Out::Exits {
                    return Out::Exits;
                }
                if body == Out::Safe && (hs == Out::Safe || handlers.is_empty()) {
                    return Out::Safe;
                }
                if body == Out::Falls {
                    let e = self.block(&t.orelse);
                    if e != Out::Falls {
                        return e;
                    }
                }
                self.block(&t.finalbody)
            }
            Stmt::With(w) => self.block(&w.body),
            Stmt::For(f) => match self.block(&f.body) {
                Out::Exits => Out::Exits,
                _ => Out::Falls,
            },
            Stmt::While(w) => match self.block(&w.body) {
                Out::Exits => Out::Exits,
                _ => Out::Falls,
            },
            _ => Out::Falls,
        }
    }
}

/// The statements after the one at `offset` in `body` and, outward, after each enclosing
/// compound statement: what runs after a call there.
fn tail_after(body: &[Stmt], offset: ruff_text_size::TextSize) -> Option<Vec<&Stmt>> {
    use ruff_text_size::Ranged;
    let i = body.iter().position(|s| s.range().contains(offset))?;
    let s = &body[i];
    let inner: Vec<&[Stmt]> = match s {
        Stmt::If(x) => std::iter::once(x.body.as_slice())
            .chain(x.elif_else_clauses.iter().map(|c| c.body.as_slice()))
            .collect(),
        Stmt::Try(t) => {
            let mut v: Vec<&[Stmt]> = vec![&t.body];
            for h in &t.handlers {
                let ExceptHandler::ExceptHandler(h) = h;
                v.push(&h.body);
            }
            v.push(&t.orelse);
            v.push(&t.finalbody);
            v
        }
        Stmt::With(w) => vec![&w.body],
        Stmt::For(f) => vec![&f.body],
        Stmt::While(w) => vec![&w.body],
        // The statement of the call itself runs on when it returns the call's value.
        Stmt::Return(_) => {
            let mut out = vec![s];
            out.extend(body[i + 1..].iter());
            return Some(out);
        }
        _ => Vec::new(),
    };
    let mut out: Vec<&Stmt> = inner
        .into_iter()
        .find_map(|b| tail_after(b, offset))
        .unwrap_or_default();
    out.extend(body[i + 1..].iter());
    Some(out)
}

/// Where the token `d` decodes is matched against a store before anything is accepted: a
/// note naming the function that does it, if so.
pub fn store_checked(project: &Project, d: &DecodeCall<'_>) -> Option<String> {
    let Some(Expr::Name(tok)) = d.token else {
        return None;
    };
    let f = project.function(d.function.as_deref()?)?;
    let mut w = Walk {
        project,
        module: f.module,
        token: vec![tok.id.to_string()],
        pending: Vec::new(),
        depth: 0,
    };
    // The decode's own function refuses unless the token is in the store.
    let rest = tail_after(&f.def.body, ruff_text_size::Ranged::range(d.call).start())?;
    let mut out = Out::Falls;
    for s in rest {
        out = w.stmt(s);
        if out != Out::Falls {
            break;
        }
    }
    if out == Out::Safe {
        return Some(format!("`{}` matches the token in a store", f.name()));
    }
    // A decode helper: every caller outside tests store-checks the token it passed.
    if !f.params().iter().any(|p| p.name == tok.id.as_str()) {
        return None;
    }
    let sites: Vec<_> = project
        .call_sites_of(&f.qualname)
        .into_iter()
        .filter(|s| !s.module.is_test)
        .collect();
    if sites.is_empty() {
        return None;
    }
    let mut by = None;
    for site in &sites {
        let Some(Expr::Name(arg)) = f.argument_for(site.call, tok.id.as_str()) else {
            return None;
        };
        let caller = project.function(site.caller.as_deref()?)?;
        let rest = tail_after(
            &caller.def.body,
            ruff_text_size::Ranged::range(site.call).start(),
        )?;
        let mut w = Walk {
            project,
            module: caller.module,
            token: vec![arg.id.to_string()],
            pending: Vec::new(),
            depth: 0,
        };
        let mut out = Out::Falls;
        for s in rest {
            out = w.stmt(s);
            if out != Out::Falls {
                break;
            }
        }
        if out != Out::Safe {
            return None;
        }
        by.get_or_insert_with(|| caller.name().to_string());
    }
    by.map(|c| format!("`{c}` matches the token in a store"))
}
