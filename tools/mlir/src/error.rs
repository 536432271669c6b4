//! The front end's errors: MLIR's own diagnostics (parse and verify), an op Veil cannot convert (named, at its
//! location in the source file, with the source line), bad options, and a build without the `mlir` feature.

use std::fmt;

/// Why a program could not be imported.
#[derive(Debug)]
pub enum ImportError {
    /// This build has no MLIR (the `mlir` feature is off).
    NotBuilt { program: String, op: Option<String> },
    /// MLIR refused the program, or Veil cannot convert an op of it: rendered diagnostics (`file:line:col: error:
    /// message`, the source line and a caret).
    Diagnostics(String),
    /// The options do not fit the program (its input range or calibration data).
    Options(String),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::NotBuilt { program, op } => {
                let what =
                    op.as_ref().map_or_else(|| "MLIR".to_string(), |op| format!("an upstream MLIR program ('{op}')"));
                write!(
                    f,
                    "'{program}' needs {what}, and this veil was built without the MLIR front end: rebuild with \
                     `cargo build --features mlir` (LLVM 22's MLIR packages; docs/mlir-frontend.md)"
                )
            }
            ImportError::Diagnostics(text) | ImportError::Options(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for ImportError {}
