//! The Python front end of jwtward: the project model every static rule works on.
//!
//! * [`Project::load`] walks the paths given on the command line ([`discovery`]), reads every
//!   Python file in parallel, parses the ones the analysis starts from (those mentioning a JWT
//!   library, FastAPI or Starlette, and their importers, found without parsing) with Astral's
//!   `ruff_python_parser`, and names each [`Module`] from the file tree (packages,
//!   `__init__.py`, src layouts, namespace packages). Other modules are parsed on first use.
//! * Names: [`Project::qualified_name`] turns an expression into a fully qualified name through
//!   imports and aliases (`from jose import jwt as j` makes `j.decode` be `jose.jwt.decode`),
//!   following relative imports and re-exports in `__init__.py` ([`Project::canonical`]).
//! * Definitions: [`Project::lookup`] finds the function, class, module or assignment a qualified
//!   name refers to, in any module of the project.
//! * Constants: [`Project::eval`] evaluates an expression to a [`Const`] (strings, numbers,
//!   booleans, lists/dicts of constants, `os.getenv("X", "default")`, settings classes and
//!   their instances, `timedelta(...)`), within and across modules.
//! * Functions: [`Project::functions`], [`Project::function`] and [`Project::call_sites_of`]
//!   (function summaries and the callers of a function, for wrapper following).
//!
//! Nothing here panics on bad input: unreadable, non-UTF-8, oversized, unparsable or too deeply
//! nested files ([`depth`]) become [`jwtward_report::ErrorEntry`]s in [`Project::errors`]; a
//! file with syntax errors is still analysed from the AST the parser recovered.

pub mod depth;
pub mod discovery;
mod eval;
mod functions;
mod import_scan;
mod index;
mod names;
mod project;
pub mod walk;

pub use discovery::{DiscoveryOptions, LoadError};
pub use eval::{Const, Origin, Scope, Value, fstring_text};
pub use functions::{CallSite, FunctionRef, Param};
pub use index::{Binding, ClassRef};
pub use names::ImportMap;
pub use project::{
    IMPORT_CLOSURE_PATTERNS, INTERESTING_PATTERNS, Module, ModuleId, Project, ProjectSources,
    SyntaxIssue,
};

/// Re-exported so that dependants use the very same AST and range types.
pub use ruff_python_ast as ast;
pub use ruff_text_size::{Ranged, TextRange, TextSize};
