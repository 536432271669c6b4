//! The `he` dialect (being written).

use veil_ir::Dialect;

pub static DIALECT: Dialect = Dialect { name: "he", summary: "", ops: &[], verify_type: None };
