//! Veil's runtime: the layer below the compiler that executes rt programs. It owns the kernel interface
//! ([`Backend`], implemented for every [`Primitives`]), the clear backend (exact integers), the tfhe backend
//! (TFHE-rs signed radix ciphertexts), the lwe backend (one LWE ciphertext per element, the lookup-table model),
//! keys, and the file formats for keys, ciphertexts and `.npy` tensors.

pub mod backend;
pub mod clear;
mod dispatch;
pub mod error;
pub mod file_format;
#[cfg(feature = "tfhe")]
pub mod files;
pub mod interp;
#[cfg(feature = "tfhe")]
pub mod keys;
pub mod layout;
pub mod linear;
#[cfg(feature = "tfhe")]
pub mod lwe_backend;
pub mod npy;
pub mod tensor;
#[cfg(feature = "tfhe")]
pub mod tfhe_backend;
pub mod width;

pub use backend::{Backend, ElemError, Lookup, Primitives};
pub use clear::{ClearBackend, Overflow};
pub use error::{Result, RuntimeError};
#[cfg(feature = "tfhe")]
pub use files::{EncryptedTensor, Kind, Persist};
pub use interp::{run, Buffer};
#[cfg(feature = "tfhe")]
pub use keys::{ClientKey, CompressedServerKey, ServerKey};
pub use linear::{Conv2d, Pool2d};
#[cfg(feature = "tfhe")]
pub use lwe_backend::{
    LweBackend, LweClientKey, LweCompressedServerKey, LweEncryptedTensor, LweServerKey, LweValue, Rounding,
};
pub use tensor::Tensor;
#[cfg(feature = "tfhe")]
pub use tfhe_backend::TfheBackend;
pub use width::Width;
