//! The `he` dialect: tensors of ciphertexts (`!he.ct`) and encoded plaintexts (`!he.pt`) of signed fixed-point
//! integers, and the ops on them (docs/dialects/he.md). Every op has an exact integer meaning: operands are
//! sign-extended, the op is computed exactly, and the result fits its width (the precision analysis proves it).
//! The verifier enforces kinds, shapes and the scale rules: additions need equal fraction bits, products add
//! them, `he.rescale` subtracts them.
//!
//! The typed view [`FixedTensor`], the shape rules ([`shape`]) and the op rules ([`rules`], over an
//! [`OpView`]) are written once and reused by the rt dialect, whose types carry the same parameters.

pub mod ops;
pub mod rules;
pub mod shape;
pub mod signature;
pub mod types;

use veil_ir::Dialect;

pub use ops::*;
pub use rules::{OpView, Rule};
pub use signature::{Operands, Signature};
pub use types::{FixedTensor, Kind, LWE_TYPE_NAME, MAX_FRAC, MAX_WIDTH, MIN_WIDTH};

/// The dialect's name, the prefix of its ops and types.
pub const NAME: &str = "he";

pub static DIALECT: Dialect = Dialect {
    name: NAME,
    summary: "Ciphertext and plaintext tensors of fixed-point integers",
    ops: OPS,
    verify_type: Some(types::verify_type),
};
