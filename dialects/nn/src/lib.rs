//! The `nn` dialect (being written).

use veil_ir::Dialect;

pub static DIALECT: Dialect = Dialect { name: "nn", summary: "", ops: &[], verify_type: None };
