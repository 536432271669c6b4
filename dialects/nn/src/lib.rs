//! The `nn` dialect: float tensor ops at framework level, with ONNX semantics, on ranked static tensors of one
//! float element type (f32 normally); every op is pure and has one result. The ops are declared as data in
//! [`ops`] (also re-exported here: [`ADD`], [`CONV2D`], ...); the shape rules in [`shapes`] and the typed
//! attribute readers in [`attrs`] are shared with the importer, the precision pass and the float evaluator;
//! [`args`] owns the `veil.secret` / `veil.range` function argument attributes. Reference: docs/dialects/nn.md.

pub mod args;
pub mod attrs;
pub mod build;
mod check;
pub mod eval;
pub mod ops;
pub mod shapes;
mod verifiers;

use veil_ir::Dialect;

pub use ops::*;

pub static DIALECT: Dialect = Dialect {
    name: "nn",
    summary: "Float tensor ops at framework level (ONNX semantics)",
    ops: &ops::ALL,
    verify_type: None,
};
