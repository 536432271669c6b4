//! The `rt` dialect: explicit calls of runtime kernels on ciphertext and plaintext buffers, every choice made
//! (radix blocks, signedness, leveled or carry-propagating form); nothing is decided at run time
//! (docs/dialects/rt.md). A server program is rt only: no rt op runs on the client.
//!
//! Types reuse he's typed view ([`types::RtTensor`] on [`veil_he::FixedTensor`]); calls are checked against the
//! kernel table ([`KERNELS`]), whose kernels reuse the shape and scale rules of the he ops they mirror.

pub mod kernels;
pub mod ops;
pub mod radix;
pub mod tfhe_config;
pub mod types;

use veil_ir::Dialect;

pub use kernels::{kernel, Kernel, Variant, KERNELS};
pub use ops::{CALL, CONST};
pub use types::{block_width, is_lwe, lwe_type, RtTensor, BLOCK_BITS};

/// The dialect's name, the prefix of its ops and types.
pub const NAME: &str = "rt";

pub static DIALECT: Dialect = Dialect {
    name: NAME,
    summary: "Runtime kernel calls on ciphertext and plaintext buffers",
    ops: ops::OPS,
    verify_type: Some(types::verify_type),
};
