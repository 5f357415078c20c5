//! Small AST walking helpers shared by the front end and the rules.
//!
//! Every walker here stops descending at [`MAX_WALK_DEPTH`] levels: the ASTs of the project
//! are at most [`crate::depth::MAX_AST_DEPTH`] deep, and the bound keeps a walker's stack
//! bounded whatever tree it is handed.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

pub use crate::depth::MAX_WALK_DEPTH;

/// The bodies directly nested in a statement (not expressions).
pub fn child_bodies(stmt: &Stmt) -> Vec<&[Stmt]> {
    match stmt {
        Stmt::FunctionDef(f) => vec![&f.body[..]],
        Stmt::ClassDef(c) => vec![&c.body[..]],
        Stmt::If(i) => {
            let mut v = vec![&i.body[..]];
            v.extend(i.elif_else_clauses.iter().map(|c| &c.body[..]));
            v
        }
        Stmt::Try(t) => {
            let mut v = vec![&t.body[..]];
            v.extend(t.handlers.iter().map(|h| match h {
                ruff_python_ast::ExceptHandler::ExceptHandler(h) => &h.body[..],
            }));
            v.push(&t.orelse[..]);
            v.push(&t.finalbody[..]);
            v
        }
        Stmt::With(w) => vec![&w.body[..]],
        Stmt::For(f) => vec![&f.body[..], &f.orelse[..]],
        Stmt::While(w) => vec![&w.body[..], &w.orelse[..]],
        Stmt::Match(m) => m.cases.iter().map(|c| &c.body[..]).collect(),
        _ => Vec::new(),
    }
}

/// Calls `f` on every statement of `body`, at any depth (nested functions and classes too).
pub fn for_each_stmt<'a>(body: &'a [Stmt], f: &mut dyn FnMut(&'a Stmt)) {
    stmts_at(body, f, 0, true);
}

/// Calls `f` on every statement of `body` without entering nested functions or classes.
pub fn for_each_stmt_shallow<'a>(body: &'a [Stmt], f: &mut dyn FnMut(&'a Stmt)) {
    stmts_at(body, f, 0, false);
}

fn stmts_at<'a>(body: &'a [Stmt], f: &mut dyn FnMut(&'a Stmt), depth: usize, nested: bool) {
    if depth >= MAX_WALK_DEPTH {
        return;
    }
    for stmt in body {
        f(stmt);
        if !nested && matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            continue;
        }
        for b in child_bodies(stmt) {
            stmts_at(b, f, depth + 1, nested);
        }
    }
}

/// The statement whose range is exactly `range`, searched through nested bodies.
pub fn find_stmt(body: &[Stmt], range: TextRange) -> Option<&Stmt> {
    let mut body = body;
    'outer: loop {
        let i = body.partition_point(|s| s.range().end() < range.start());
        let stmt = body.get(i)?;
        if stmt.range() == range {
            return Some(stmt);
        }
        if !stmt.range().contains_range(range) {
            return None;
        }
        for b in child_bodies(stmt) {
            if b.first().is_some_and(|s| s.start() <= range.start())
                && b.last().is_some_and(|s| s.end() >= range.end())
            {
                body = b;
                continue 'outer;
            }
        }
        return None;
    }
}

/// A function or class enclosing an expression.
#[derive(Clone, Debug)]
pub struct Frame {
    pub name: String,
    pub is_class: bool,
    pub range: TextRange,
}

/// Joins frames into a local qualified name (`Class.method`, `outer.inner`).
pub fn frames_name(frames: &[Frame]) -> String {
    let mut s = String::new();
    for f in frames {
        if !s.is_empty() {
            s.push('.');
        }
        s.push_str(&f.name);
    }
    s
}

struct ExprWalker<'f, 'a> {
    frames: Vec<Frame>,
    depth: usize,
    f: &'f mut dyn FnMut(&'a Expr, &[Frame]),
}

impl<'a> Visitor<'a> for ExprWalker<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.depth >= MAX_WALK_DEPTH {
            return;
        }
        self.depth += 1;
        self.stmt(stmt);
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.depth >= MAX_WALK_DEPTH {
            return;
        }
        self.depth += 1;
        (self.f)(expr, &self.frames);
        visitor::walk_expr(self, expr);
        self.depth -= 1;
    }
}

impl<'a> ExprWalker<'_, 'a> {
    fn stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(d) => {
                for dec in &d.decorator_list {
                    self.visit_expr(&dec.expression);
                }
                self.frames.push(Frame {
                    name: d.name.as_str().to_string(),
                    is_class: false,
                    range: d.range,
                });
                self.visit_parameters(&d.parameters);
                if let Some(r) = &d.returns {
                    self.visit_expr(r);
                }
                self.visit_body(&d.body);
                self.frames.pop();
            }
            Stmt::ClassDef(c) => {
                for dec in &c.decorator_list {
                    self.visit_expr(&dec.expression);
                }
                if let Some(args) = &c.arguments {
                    self.visit_arguments(args);
                }
                self.frames.push(Frame {
                    name: c.name.as_str().to_string(),
                    is_class: true,
                    range: c.range,
                });
                self.visit_body(&c.body);
                self.frames.pop();
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }
}

/// Calls `f` on every expression of `body` (pre-order), with the enclosing functions and
/// classes, outermost first.
pub fn for_each_expr<'a>(body: &'a [Stmt], f: &mut dyn FnMut(&'a Expr, &[Frame])) {
    let mut w = ExprWalker {
        frames: Vec::new(),
        depth: 0,
        f,
    };
    w.visit_body(body);
}

/// Calls `f` on every expression of `body` (pre-order) without the enclosing frames, not
/// entering nested function or class bodies.
pub fn for_each_expr_shallow<'a>(body: &'a [Stmt], f: &mut dyn FnMut(&'a Expr)) {
    struct W<'f, 'a> {
        f: &'f mut dyn FnMut(&'a Expr),
        depth: usize,
    }
    impl<'a> Visitor<'a> for W<'_, 'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_))
                || self.depth >= MAX_WALK_DEPTH
            {
                return;
            }
            self.depth += 1;
            visitor::walk_stmt(self, stmt);
            self.depth -= 1;
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.depth >= MAX_WALK_DEPTH {
                return;
            }
            self.depth += 1;
            (self.f)(expr);
            visitor::walk_expr(self, expr);
            self.depth -= 1;
        }
    }
    let mut w = W { f, depth: 0 };
    w.visit_body(body);
}

/// Calls `f` on `expr` and every expression inside it.
pub fn for_each_subexpr<'a>(expr: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    struct W<'f, 'a> {
        f: &'f mut dyn FnMut(&'a Expr),
        depth: usize,
    }
    impl<'a> Visitor<'a> for W<'_, 'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.depth >= MAX_WALK_DEPTH {
                return;
            }
            self.depth += 1;
            visitor::walk_stmt(self, stmt);
            self.depth -= 1;
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.depth >= MAX_WALK_DEPTH {
                return;
            }
            self.depth += 1;
            (self.f)(expr);
            visitor::walk_expr(self, expr);
            self.depth -= 1;
        }
    }
    let mut w = W { f, depth: 0 };
    w.visit_expr(expr);
}
