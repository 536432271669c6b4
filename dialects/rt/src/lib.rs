//! The `rt` dialect (being written).

use veil_ir::Dialect;

pub static DIALECT: Dialect = Dialect { name: "rt", summary: "", ops: &[], verify_type: None };
