//! The runtime's error type: every failure a user can cause (bad shapes, values outside a declared width, files made
//! with other parameters, truncated or corrupted files) is reported as a [`RuntimeError`], never a panic.

use std::fmt;

/// A failure of the runtime, with enough context to find its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeError {
    /// A kernel result does not fit the width the compiler declared (clear backend's range check).
    Range { kernel: String, index: Vec<usize>, value: i128, bits: u32 },
    /// A kernel was called with operands it cannot take (shapes, attributes, widths).
    Kernel { kernel: String, message: String },
    /// A width outside 2..=64 bits.
    Width(String),
    /// An argument does not match the function signature.
    Argument { name: String, message: String },
    /// A file or byte buffer cannot be read: truncated, corrupted, wrong kind, other parameters.
    Format { what: String, message: String },
    /// An I/O error, with the path it concerns.
    Io { path: String, message: String },
    /// The program (rt module) cannot be run as written.
    Program(String),
}

impl RuntimeError {
    pub(crate) fn kernel(kernel: &str, message: impl Into<String>) -> Self {
        RuntimeError::Kernel { kernel: kernel.to_string(), message: message.into() }
    }

    pub(crate) fn format(what: &str, message: impl Into<String>) -> Self {
        RuntimeError::Format { what: what.to_string(), message: message.into() }
    }

    pub(crate) fn io(path: &std::path::Path, err: impl fmt::Display) -> Self {
        RuntimeError::Io { path: path.display().to_string(), message: err.to_string() }
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeError::Range { kernel, index, value, bits } => write!(
                f,
                "{kernel}: element {index:?} = {value} does not fit in i{bits} (range [{}, {}])",
                -(1i128 << (bits - 1)),
                (1i128 << (bits - 1)) - 1
            ),
            RuntimeError::Kernel { kernel, message } => write!(f, "{kernel}: {message}"),
            RuntimeError::Width(message) => write!(f, "invalid width: {message}"),
            RuntimeError::Argument { name, message } => write!(f, "argument {name}: {message}"),
            RuntimeError::Format { what, message } => write!(f, "cannot read {what}: {message}"),
            RuntimeError::Io { path, message } => write!(f, "{path}: {message}"),
            RuntimeError::Program(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for RuntimeError {}

pub type Result<T, E = RuntimeError> = std::result::Result<T, E>;
