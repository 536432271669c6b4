//! Veil's runtime: the layer below the compiler that executes rt programs. It owns the kernel interface
//! ([`Backend`], implemented for every [`Primitives`]), the clear backend (exact integers) and `.npy` tensors.

pub mod backend;
pub mod clear;
pub mod error;
pub mod layout;
pub mod linear;
pub mod npy;
pub mod tensor;
pub mod width;

pub use backend::{Backend, ElemError, Primitives};
pub use clear::{ClearBackend, Overflow};
pub use error::{Result, RuntimeError};
pub use linear::{Conv2d, Pool2d};
pub use tensor::Tensor;
pub use width::Width;
