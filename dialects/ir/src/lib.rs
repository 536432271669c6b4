//! Veil's IR core: one [`Module`] owns arenas of ops, values, blocks and regions and uniques types and
//! attributes; text in MLIR's generic syntax is parsed (logos + lalrpop, then a name-resolving builder) and
//! printed back exactly; ops are declared as data ([`OpDef`]) and verified from those declarations.
//! The core knows no dialect but the structural `builtin.module`, `func.func` and `func.return`.

pub mod attrs;
pub mod builtin;
pub mod diag;
pub mod graph;
mod lexer;
pub mod limits;
pub mod module;
pub mod op_def;
pub mod printer;
mod resolve;
pub mod syntax;
pub mod types;
mod verifier;

#[allow(clippy::all, unused_parens)]
mod grammar {
    include!(concat!(env!("OUT_DIR"), "/grammar.rs"));
}

pub use attrs::{Attr, AttrKind, DenseElements, DenseValues, F64};
pub use diag::{Diagnostic, Diagnostics, Location, Severity, SourceMap};
pub use limits::{LimitError, Limits};
pub use module::{BlockId, InsertPoint, Module, OpData, OpId, RegionId, Value, ValueDef};
pub use op_def::{Arity, AttrSpec, AttrType, Dialect, OpDef, Registry, Traits};
pub use printer::{attr_to_string, print_module, type_to_string};
pub use resolve::{builtin_type, int_fits, parse, parse_with_limits};
pub use types::{DialectData, DialectParam, Dim, FloatKind, Signedness, Type, TypeKind};
pub use verifier::verify;

/// Words the lexer reserves; attribute keys spelled like them are printed quoted.
pub const KEYWORDS: &[&str] =
    &["module", "attributes", "tensor", "dense", "true", "false", "unit", "loc", "func.func", "func.return", "return"];

/// Parses and verifies MLIR text under the default [`Limits`].
pub fn parse_and_verify(name: &str, text: &str, registry: &Registry) -> Result<Module, Diagnostics> {
    parse_and_verify_with_limits(name, text, registry, Limits::default())
}

/// Parses and verifies MLIR text under `limits`.
pub fn parse_and_verify_with_limits(
    name: &str,
    text: &str,
    registry: &Registry,
    limits: Limits,
) -> Result<Module, Diagnostics> {
    let m = parse_with_limits(name, text, registry, limits)?;
    verify(&m, registry)?;
    Ok(m)
}
