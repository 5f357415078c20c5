//! A line-based import scanner: the modules a file imports, found without parsing it.
//!
//! [`crate::Project::load`] uses it to decide which files to parse (the files that mention a
//! JWT library or FastAPI, and the modules importing them, transitively). It reads logical
//! lines that hold an `import` keyword: `import a.b as c, d`, `from .x import (y, z)` over
//! several lines, backslash continuations, `;`-separated statements and one-line compound
//! statements (`try: import jwt`). It does not know about strings, so an `import` line in a
//! docstring counts too: a false import only makes the loader parse one more file.

use memchr::memmem;

/// One `import` or `from ... import` statement as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawImport {
    /// Leading dots of a relative `from` import (0 for absolute imports and plain `import`).
    pub level: u32,
    /// The dotted module (`a.b` in `import a.b as c` and `from ..a.b import x`; empty for
    /// `from . import x`).
    pub module: String,
    /// The imported names of a `from` import (`*` included); empty for plain `import`.
    pub names: Vec<String>,
    /// `from ... import ...` (as opposed to `import ...`).
    pub is_from: bool,
    /// `import a.b` without `as`: binds `a`, and makes `a` and `a.b` reachable.
    pub binds_top: bool,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn is_dotted_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            !part.is_empty()
                && part.bytes().all(is_ident_byte)
                && !part.as_bytes()[0].is_ascii_digit()
        })
}

/// Every import statement of `source`, in order of appearance.
pub(crate) fn scan_imports(source: &str) -> Vec<RawImport> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    // Logical lines already handled end here: later `import` words inside them are skipped.
    let mut done_until = 0usize;
    for at in memmem::find_iter(bytes, b"import") {
        if at < done_until {
            continue;
        }
        let before_ok = at == 0 || !is_ident_byte(bytes[at - 1]);
        let after_ok = bytes.get(at + 6).is_none_or(|&b| !is_ident_byte(b));
        if !before_ok || !after_ok {
            continue;
        }
        let (start, end) = logical_line(bytes, at);
        done_until = end;
        let text = joined_without_comments(&source[start..end]);
        for stmt in text.split(';') {
            parse_statement(stmt, &mut out);
        }
    }
    out
}

/// Start of the physical line holding `at`.
fn line_start(bytes: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1)
}

/// End (after the newline) of the physical line holding `at`.
fn line_end(bytes: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i + 1)
}

fn ends_with_backslash(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii_end();
    trimmed.last() == Some(&b'\\')
}

/// The logical line around `at`: earlier lines joined by a trailing backslash, and later lines
/// while a parenthesis is open or a line ends with a backslash.
fn logical_line(bytes: &[u8], at: usize) -> (usize, usize) {
    let mut start = line_start(bytes, at);
    let mut guard = 0;
    while start > 0 && guard < 64 {
        let prev = line_start(bytes, start - 1);
        if !ends_with_backslash(&bytes[prev..start]) {
            break;
        }
        start = prev;
        guard += 1;
    }
    let mut end = line_end(bytes, at);
    let mut depth: i32 = 0;
    let mut pos = start;
    let mut lines = 0;
    loop {
        let line = strip_comment(&bytes[pos..end]);
        for &b in line {
            match b {
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ => {}
            }
        }
        lines += 1;
        let more = depth > 0 || ends_with_backslash(line);
        if !more || end >= bytes.len() || lines > 2000 {
            break;
        }
        pos = end;
        end = line_end(bytes, end);
    }
    (start, end)
}

fn strip_comment(line: &[u8]) -> &[u8] {
    match memchr::memchr(b'#', line) {
        Some(i) => &line[..i],
        None => line,
    }
}

/// The physical lines of a logical line joined by spaces, comments and backslashes removed.
fn joined_without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.split('#').next().unwrap_or("");
        let line = line.trim_end();
        let line = line.strip_suffix('\\').unwrap_or(line);
        out.push_str(line);
        out.push(' ');
    }
    out
}

/// Keywords that open a compound statement whose body may follow on the same line
/// (`try: import jwt`, `if TYPE_CHECKING: from x import y`).
const COMPOUND: &[&str] = &[
    "if", "elif", "else", "try", "except", "finally", "with", "for", "while", "async", "def",
    "class",
];

fn starts_with_word(s: &str, word: &str) -> bool {
    s.strip_prefix(word)
        .is_some_and(|rest| rest.bytes().next().is_none_or(|b| !is_ident_byte(b)))
}

fn parse_statement(stmt: &str, out: &mut Vec<RawImport>) {
    let mut s = stmt.trim();
    // One-line compound statements: the import is the body after the colon.
    let mut guard = 0;
    while !starts_with_word(s, "import") && !starts_with_word(s, "from") && guard < 8 {
        guard += 1;
        if !COMPOUND.iter().any(|k| starts_with_word(s, k)) {
            return;
        }
        let Some(colon) = find_body_colon(s) else {
            return;
        };
        s = s[colon + 1..].trim_start();
    }
    if let Some(rest) = s.strip_prefix("import")
        && starts_with_word(s, "import")
    {
        for item in rest.split(',') {
            let mut words = item.split_whitespace();
            let Some(module) = words.next() else { continue };
            if !is_dotted_name(module) {
                continue;
            }
            let binds_top = words.next() != Some("as");
            out.push(RawImport {
                level: 0,
                module: module.to_string(),
                names: Vec::new(),
                is_from: false,
                binds_top,
            });
        }
    } else if let Some(rest) = s.strip_prefix("from")
        && starts_with_word(s, "from")
    {
        parse_from(rest, out);
    }
}

/// The colon ending the header of a one-line compound statement: the first `:` followed by an
/// `import` or `from` statement.
fn find_body_colon(s: &str) -> Option<usize> {
    s.match_indices(':').map(|(i, _)| i).find(|&i| {
        let after = s[i + 1..].trim_start();
        starts_with_word(after, "import")
            || starts_with_word(after, "from")
            || COMPOUND.iter().any(|k| starts_with_word(after, k))
    })
}

fn parse_from(rest: &str, out: &mut Vec<RawImport>) {
    let mut level = 0u32;
    let mut s = rest.trim_start();
    // `from . . import x` is valid Python: dots may be separated by spaces.
    while let Some(r) = s.strip_prefix('.') {
        level += 1;
        s = r.trim_start();
    }
    let module_end = s
        .find(|c: char| c.is_whitespace() || c == '(')
        .unwrap_or(s.len());
    let (module, after) = s.split_at(module_end);
    let module = if starts_with_word(module, "import") && level > 0 && module.len() == 6 {
        // `from . import x`: no module, the keyword follows the dots.
        ""
    } else {
        module
    };
    let after = if module.is_empty() { s } else { after };
    if !module.is_empty() && !is_dotted_name(module) {
        return;
    }
    if module.is_empty() && level == 0 {
        return;
    }
    let after = after.trim_start();
    let Some(names) = after.strip_prefix("import") else {
        return;
    };
    if !starts_with_word(after, "import") {
        return;
    }
    let names = names.trim().trim_start_matches('(').trim_end_matches(')');
    let mut list = Vec::new();
    for item in names.split(',') {
        let Some(name) = item.split_whitespace().next() else {
            continue;
        };
        let name = name.trim_matches(|c| c == '(' || c == ')');
        if name == "*" || is_dotted_name(name) && !name.contains('.') {
            list.push(name.to_string());
        }
    }
    if list.is_empty() {
        return;
    }
    out.push(RawImport {
        level,
        module: module.to_string(),
        names: list,
        is_from: true,
        binds_top: false,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imp(level: u32, module: &str, names: &[&str]) -> RawImport {
        RawImport {
            level,
            module: module.into(),
            names: names.iter().map(|s| s.to_string()).collect(),
            is_from: true,
            binds_top: false,
        }
    }

    fn plain(module: &str, binds_top: bool) -> RawImport {
        RawImport {
            level: 0,
            module: module.into(),
            names: Vec::new(),
            is_from: false,
            binds_top,
        }
    }

    #[test]
    fn plain_imports_with_aliases_and_lists() {
        assert_eq!(
            scan_imports("import a.b as c, d\nimport jwt as pyjwt\n"),
            vec![plain("a.b", false), plain("d", true), plain("jwt", false)]
        );
    }

    #[test]
    fn parenthesised_multi_line_from_imports() {
        let src = "from app.core.security import (\n    decode_token,  # the wrapper\n    ALGORITHM,\n)\nx = 1\n";
        assert_eq!(
            scan_imports(src),
            vec![imp(0, "app.core.security", &["decode_token", "ALGORITHM"])]
        );
        assert_eq!(
            scan_imports("from . import (a,\n b)\n"),
            vec![imp(1, "", &["a", "b"])]
        );
    }

    #[test]
    fn relative_levels() {
        assert_eq!(
            scan_imports(
                "from .. import x\nfrom ...pkg.mod import y as z\nfrom .x import *\nfrom . . import w\n"
            ),
            vec![
                imp(2, "", &["x"]),
                imp(3, "pkg.mod", &["y"]),
                imp(1, "x", &["*"]),
                imp(2, "", &["w"]),
            ]
        );
    }

    #[test]
    fn imports_in_blocks_one_liners_and_semicolons() {
        let src = "\
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from app.settings import Settings
try:
    import jwt
except ImportError:  # pragma: no cover
    jwt = None
try: import jose
except ImportError: pass
if TYPE_CHECKING: from x.y import (Z)
import os; import sys as s; x = 1
def f():
    from .deps import get_user
    return get_user
";
        assert_eq!(
            scan_imports(src),
            vec![
                imp(0, "typing", &["TYPE_CHECKING"]),
                imp(0, "app.settings", &["Settings"]),
                plain("jwt", true),
                plain("jose", true),
                imp(0, "x.y", &["Z"]),
                plain("os", true),
                plain("sys", false),
                imp(1, "deps", &["get_user"]),
            ]
        );
    }

    #[test]
    fn backslash_continuations() {
        assert_eq!(
            scan_imports("from app.security \\\n    import verify, \\\n    decode\n"),
            vec![imp(0, "app.security", &["verify", "decode"])]
        );
        assert_eq!(
            scan_imports("import a, \\\n    b\n"),
            vec![plain("a", true), plain("b", true)]
        );
    }

    #[test]
    fn words_that_are_not_import_statements() {
        assert!(
            scan_imports("import_module('x')\nimportlib.reload(m)\nx.import_ = 1\n").is_empty()
        );
        assert!(scan_imports("# import jwt\n").is_empty());
        // Prose in a docstring that happens to look like an import is harmless either way.
        assert!(scan_imports("\"\"\"Data from the API import job.\"\"\"\n").is_empty());
        assert!(scan_imports("").is_empty());
        assert!(scan_imports("import").is_empty());
        assert!(scan_imports("from import x").is_empty());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn ident() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z_][a-z0-9_]{0,6}".prop_filter("not a keyword", |s| !matches!(
                    s.as_str(),
                    "import"
                        | "from"
                        | "as"
                        | "if"
                        | "try"
                        | "else"
                        | "def"
                        | "in"
                        | "is"
                        | "or"
                        | "and"
                        | "not"
                )),
                Just("jwt".to_string()),
                Just("fastapi".to_string()),
                Just("ключ".to_string()),
            ]
        }

        fn dotted() -> impl Strategy<Value = String> {
            prop::collection::vec(ident(), 1..4).prop_map(|p| p.join("."))
        }

        /// One statement: its source text in a random layout, and what the scanner must return.
        fn statement() -> impl Strategy<Value = (String, Vec<RawImport>)> {
            let plain_stmt = prop::collection::vec((dotted(), prop::option::of(ident())), 1..4)
                .prop_map(|items| {
                    let text = items
                        .iter()
                        .map(|(m, a)| match a {
                            Some(a) => format!("{m} as {a}"),
                            None => m.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let expected = items.iter().map(|(m, a)| plain(m, a.is_none())).collect();
                    (format!("import {text}"), expected)
                });
            let from_stmt = (
                0u32..3,
                prop::option::of(dotted()),
                prop::collection::vec(ident(), 1..4),
                0u8..3,
            )
                .prop_filter("`from import x` is not Python", |(level, module, _, _)| {
                    *level > 0 || module.is_some()
                })
                .prop_map(|(level, module, names, layout)| {
                    let module = module.unwrap_or_default();
                    let list = match layout {
                        0 => names.join(", "),
                        1 => format!("(\n    {},\n)", names.join(",\n    ")),
                        _ => names.join(", \\\n    "),
                    };
                    let text = format!("from {}{module} import {list}", ".".repeat(level as usize));
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    (text, vec![imp(level, &module, &names)])
                });
            prop_oneof![plain_stmt, from_stmt]
        }

        proptest! {
            /// Statements written in any of the layouts Python allows (aliases, lists,
            /// parentheses over several lines, backslash continuations, `;`, indentation,
            /// trailing comments, code between them) come back exactly, in order.
            #[test]
            fn statements_round_trip(
                stmts in prop::collection::vec((statement(), 0u8..4), 1..6)
            ) {
                let mut source = String::new();
                let mut expected = Vec::new();
                for ((text, want), glue) in stmts {
                    match glue {
                        0 => source.push_str(&format!("{text}\n")),
                        1 => source.push_str(&format!("    {text}  # a comment\n")),
                        2 => source.push_str(&format!("x = 1; {text}\n")),
                        _ => source.push_str(&format!("if TYPE_CHECKING:\n    {text}\nvalue = f(1)\n")),
                    }
                    expected.extend(want);
                }
                prop_assert_eq!(scan_imports(&source), expected, "source:\n{}", source);
            }

            /// Any text at all, import-like or not, is scanned without a panic, and every
            /// module it reports is a dotted name (or empty, for `from . import x`).
            #[test]
            fn any_text_is_scanned_without_panic(
                parts in prop::collection::vec(
                    prop_oneof![
                        Just("import".to_string()),
                        Just("from".to_string()),
                        Just(" as ".to_string()),
                        Just(".".to_string()),
                        Just("(".to_string()),
                        Just(")".to_string()),
                        Just(",".to_string()),
                        Just(";".to_string()),
                        Just("\\\n".to_string()),
                        Just("\n".to_string()),
                        Just("#".to_string()),
                        Just("\"".to_string()),
                        Just(":".to_string()),
                        "[ -~]{0,4}",
                        "\\PC{0,3}",
                    ],
                    0..40,
                )
            ) {
                let source = parts.concat();
                for i in scan_imports(&source) {
                    prop_assert!(i.module.is_empty() || is_dotted_name(&i.module), "{i:?}");
                }
            }
        }
    }
}
