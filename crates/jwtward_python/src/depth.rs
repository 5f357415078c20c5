//! The nesting bound of the front end: every AST the analysis sees is at most
//! [`MAX_AST_DEPTH`] nodes deep, so that every recursive walker (the rules', the evaluator's,
//! the reporters') runs in bounded stack.
//!
//! A file nested deeper (`x = 1+1+...` with 150,000 terms, 200,000 `[`, half a million unary
//! minus) gets a `too-deep` error entry and is analysed as an empty module. CPython itself
//! refuses such files: it stops compiling at a nesting of about 1,000 to 3,000
//! (`RecursionError: maximum recursion depth exceeded during compilation`), so no module that
//! Python can run is lost.
//!
//! The AST of such a file is taken apart without recursion ([`dismantle`]): dropping it the
//! ordinary way recurses once per level and overflowed the stack.

use ruff_python_ast::visitor::transformer::{self, Transformer};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    AtomicNodeIndex, Expr, ExprNoneLiteral, ModModule, Pattern, PatternMatchAs, Stmt, StmtPass,
};
use ruff_text_size::TextRange;
use std::cell::RefCell;

/// The deepest AST analysed: statements, expressions and patterns nested in each other.
pub const MAX_AST_DEPTH: usize = 3_000;

/// The extra depth a recursive walker of the analysis may add on top of an AST of at most
/// [`MAX_AST_DEPTH`] (walkers that recurse through names, calls or modules bound themselves).
pub const MAX_WALK_DEPTH: usize = MAX_AST_DEPTH + 64;

struct Depth {
    depth: usize,
    too_deep: bool,
}

impl Depth {
    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_AST_DEPTH {
            self.too_deep = true;
        }
        !self.too_deep
    }
}

impl<'a> Visitor<'a> for Depth {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.enter() {
            visitor::walk_stmt(self, stmt);
        }
        self.depth -= 1;
    }
    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.enter() {
            visitor::walk_expr(self, expr);
        }
        self.depth -= 1;
    }
    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        if self.enter() {
            visitor::walk_pattern(self, pattern);
        }
        self.depth -= 1;
    }
}

/// True when `module` nests deeper than [`MAX_AST_DEPTH`]. Visits at most that many levels
/// (its own stack use is bounded) and stops at the first path that is too deep.
pub fn too_deep(module: &ModModule) -> bool {
    let mut d = Depth {
        depth: 0,
        too_deep: false,
    };
    for stmt in &module.body {
        d.visit_stmt(stmt);
        if d.too_deep {
            return true;
        }
    }
    false
}

/// Takes nodes out of the tree onto explicit stacks instead of recursing into them.
#[derive(Default)]
struct Dismantle {
    stmts: RefCell<Vec<Stmt>>,
    exprs: RefCell<Vec<Expr>>,
    patterns: RefCell<Vec<Pattern>>,
}

fn placeholder_expr() -> Expr {
    Expr::NoneLiteral(ExprNoneLiteral::default())
}

fn placeholder_stmt() -> Stmt {
    Stmt::Pass(StmtPass {
        node_index: AtomicNodeIndex::default(),
        range: TextRange::default(),
    })
}

fn placeholder_pattern() -> Pattern {
    Pattern::MatchAs(PatternMatchAs {
        node_index: AtomicNodeIndex::default(),
        range: TextRange::default(),
        pattern: None,
        name: None,
    })
}

impl Transformer for Dismantle {
    fn visit_stmt(&self, stmt: &mut Stmt) {
        let s = std::mem::replace(stmt, placeholder_stmt());
        self.stmts.borrow_mut().push(s);
    }
    fn visit_expr(&self, expr: &mut Expr) {
        let e = std::mem::replace(expr, placeholder_expr());
        self.exprs.borrow_mut().push(e);
    }
    fn visit_pattern(&self, pattern: &mut Pattern) {
        let p = std::mem::replace(pattern, placeholder_pattern());
        self.patterns.borrow_mut().push(p);
    }
}

/// Drops `module` in constant stack: each node's children are moved onto heap stacks before
/// the node itself is dropped (then holding only placeholders).
pub fn dismantle(mut module: ModModule) {
    let d = Dismantle::default();
    for stmt in &mut module.body {
        d.visit_stmt(stmt);
    }
    drop(module);
    loop {
        let next_stmt = d.stmts.borrow_mut().pop();
        if let Some(mut s) = next_stmt {
            transformer::walk_stmt(&d, &mut s);
            continue;
        }
        let next_expr = d.exprs.borrow_mut().pop();
        if let Some(mut e) = next_expr {
            transformer::walk_expr(&d, &mut e);
            continue;
        }
        let next_pattern = d.patterns.borrow_mut().pop();
        if let Some(mut p) = next_pattern {
            transformer::walk_pattern(&d, &mut p);
            continue;
        }
        break;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> ModModule {
        ruff_python_parser::parse_module(src).unwrap().into_syntax()
    }

    /// As in `jwtward scan`: the parser and the walkers run on a thread with a large stack.
    fn big_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(256 * 1024 * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn depth_is_measured_along_every_kind_of_nesting() {
        big_stack(depth_cases);
    }

    fn depth_cases() {
        let n = MAX_AST_DEPTH;
        let shallow = [
            "x = 1\n".to_string(),
            format!("x = {}1\n", "-".repeat(n - 4)),
            format!("x = {}{}\n", "[".repeat(n - 4), "]".repeat(n - 4)),
        ];
        for s in &shallow {
            assert!(!too_deep(&parse(s)), "{}", &s[..20]);
        }
        let deep = [
            format!("x = {}1\n", "-".repeat(n + 1)),
            format!("x = 1{}\n", "+1".repeat(n + 1)),
            format!("x = {}{}\n", "[".repeat(n + 1), "]".repeat(n + 1)),
            format!("x = a{}\n", ".b".repeat(n + 1)),
            format!(
                "match x:\n    case {}1{}:\n        pass\n",
                "[".repeat(n + 1),
                "]".repeat(n + 1)
            ),
        ];
        for s in &deep {
            let m = parse(s);
            assert!(too_deep(&m), "{}", &s[..20]);
            dismantle(m);
        }
    }

    /// The shared walkers stop at MAX_WALK_DEPTH on a tree deeper than the parse-time bound.
    #[test]
    fn walkers_stop_at_the_walk_bound() {
        big_stack(|| {
            let m = parse(&format!("x = {}1\n", "-".repeat(MAX_WALK_DEPTH * 2)));
            let mut n = 0;
            crate::walk::for_each_expr(&m.body, &mut |_, _| n += 1);
            assert_eq!(n, MAX_WALK_DEPTH, "the target name and the bounded chain");
            let mut n = 0;
            crate::walk::for_each_expr_shallow(&m.body, &mut |_| n += 1);
            assert!(n <= MAX_WALK_DEPTH, "{n}");
            dismantle(m);
        });
    }

    /// Dropping a 2M-term sum the ordinary way needs about 100 MB of stack; dismantled, it
    /// runs on a 256 KiB thread.
    #[test]
    fn dismantling_uses_constant_stack() {
        let src = format!(
            "x = 1{}\ny = {}1\n",
            "+1".repeat(2_000_000),
            "-".repeat(200_000)
        );
        let m = parse(&src);
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || dismantle(m))
            .unwrap()
            .join()
            .unwrap();
    }
}
