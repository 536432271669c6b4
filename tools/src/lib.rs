//! Veil's tools: the `veil-opt` driver ([`opt`]) and the FileCheck used by the file tests ([`filecheck`]).

pub mod baseline;
pub mod cli;
pub mod filecheck;
pub mod index_bits;
pub mod onnx;
pub mod opt;
pub mod pipeline;
