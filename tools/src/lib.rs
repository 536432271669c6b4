//! Veil's tools: the `veil-opt` driver ([`opt`]) and the FileCheck used by the file tests ([`filecheck`]).

pub mod baseline;
pub mod cli;
pub mod decrypt_precision;
pub mod filecheck;
pub mod index_bits;
pub mod opt;
pub mod pipeline;
pub mod windows;

/// The ONNX importer, its own crate (`tools/onnx`) so that it builds without the rest of the toolchain.
pub use veil_onnx as onnx;
