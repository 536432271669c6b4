//! The importer's errors: one variant per kind of problem, each naming the node (op type and name), the
//! attribute or the tensor at fault, rendered as one clear sentence.

use std::fmt;

use veil_ir::LimitError;

/// Why a model could not be imported.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportError {
    /// The file could not be read.
    Io { path: String, message: String },
    /// The bytes are not a protobuf-encoded ONNX message.
    Malformed { what: String, message: String },
    /// No translation exists for this op.
    UnsupportedOp { domain: String, op_type: String, node: String, supported: Vec<String> },
    /// The op is supported, but not with this attribute value.
    UnsupportedAttribute { node: String, attribute: String, value: String, reason: String },
    /// The op and its attributes are supported, but not this use of it (a rank, a dynamic value, an output).
    Unsupported { node: String, message: String },
    /// Operand shapes that the op's rules reject.
    Shape { node: String, message: String },
    /// A node reads a tensor that nothing defines.
    Missing { node: String, name: String },
    /// A graph input that must be bound to a value (an integer input such as a shape) was not.
    UnboundInput { name: String, dtype: String },
    /// A graph input or initializer of an element type the importer does not handle.
    UnsupportedType { name: String, dtype: String },
    /// A binding that names no graph input or does not fit it.
    Binding { name: String, message: String },
    /// Calibration data that cannot give an input range.
    Calibration { message: String },
    /// A model that breaks ONNX's own rules (bad tensor data, an attribute of the wrong kind, ...).
    Invalid { context: String, message: String },
    /// A tensor over a resource limit (docs/limits.md).
    Limit { context: String, error: LimitError },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Io { path, message } => write!(f, "cannot read '{path}': {message}"),
            ImportError::Malformed { what, message } => {
                write!(f, "malformed ONNX file: {what} is not a valid protobuf message ({message})")
            }
            ImportError::UnsupportedOp { domain, op_type, node, supported } => {
                let name = if domain.is_empty() || domain == "ai.onnx" {
                    op_type.clone()
                } else {
                    format!("{domain}.{op_type}")
                };
                write!(f, "unsupported ONNX op '{name}' (node {node}); supported ops: {}", supported.join(", "))
            }
            ImportError::UnsupportedAttribute { node, attribute, value, reason } => {
                write!(f, "{node}: attribute '{attribute}' = {value} is not supported: {reason}")
            }
            ImportError::Unsupported { node, message } => write!(f, "{node}: not supported: {message}"),
            ImportError::Shape { node, message } => write!(f, "{node}: shape mismatch: {message}"),
            ImportError::Missing { node, name } => write!(
                f,
                "{node} reads '{name}', which is neither an initializer, a graph input nor an output of an earlier \
                 node (missing initializer?)"
            ),
            ImportError::UnboundInput { name, dtype } => write!(
                f,
                "graph input '{name}' has element type {dtype}; only float inputs become function arguments, so its \
                 value must be bound at import (an initializer or a binding)"
            ),
            ImportError::UnsupportedType { name, dtype } => {
                write!(f, "'{name}' has element type {dtype}, which the importer does not support")
            }
            ImportError::Binding { name, message } => write!(f, "binding '{name}': {message}"),
            ImportError::Calibration { message } => write!(f, "calibration data: {message}"),
            ImportError::Invalid { context, message } => write!(f, "invalid ONNX model: {context}: {message}"),
            ImportError::Limit { context, error } => write!(f, "{context}: {error}"),
        }
    }
}

impl std::error::Error for ImportError {}
