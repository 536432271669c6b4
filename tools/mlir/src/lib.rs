//! The MLIR front end: programs in upstream MLIR dialects (TOSA, and linalg on tensors with tensor and arith),
//! as torch-mlir, IREE and TensorFlow hand them over, parsed and verified by MLIR itself in-process (melior,
//! behind the `mlir` feature) and converted to one nn function (docs/mlir-frontend.md). Without the feature the
//! crate still recognizes such programs ([`upstream_op`]) so that the driver can say how to build it.

mod error;
#[cfg(feature = "mlir")]
mod mlir;

use veil_ir::{Limits, Module};
use veil_nn::eval::Tensor;

pub use error::ImportError;

/// Whether this build has the front end (the `mlir` feature: LLVM 22's MLIR linked in).
pub const AVAILABLE: bool = cfg!(feature = "mlir");

/// The upstream dialects whose ops mark a program for this front end: Veil's own dialects are nn, he and rt.
pub const UPSTREAM_DIALECTS: [&str; 4] = ["tosa", "linalg", "tensor", "arith"];

/// What the importer is told besides the program.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// `veil.range` of every argument: each element lies in `[lo, hi]`. Takes precedence over calibration.
    pub input_range: Option<(f64, f64)>,
    /// Sample inputs whose minimum and maximum become the `veil.range` of the first argument.
    pub calibration: Option<Tensor<f32>>,
    /// The resource limits the program's tensors and the imported module are held to.
    pub limits: Limits,
}

/// An imported program: the verified nn module and notes for the user.
#[derive(Debug)]
pub struct Imported {
    pub module: Module,
    pub notes: Vec<String>,
}

/// The first op of an upstream dialect in an MLIR text, with its 1-based line: `("tosa.matmul", 7)`. Comments
/// are skipped; an op is a dialect name followed by a dot and a lower-case letter, not inside an identifier or a
/// type (`!tosa.shape` alone does not count).
pub fn upstream_op(text: &str) -> Option<(String, usize)> {
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for dialect in UPSTREAM_DIALECTS {
            let pattern = format!("{dialect}.");
            let mut from = 0;
            while let Some(at) = code[from..].find(&pattern).map(|i| i + from) {
                from = at + pattern.len();
                let before = code[..at].chars().next_back();
                let starts_name = !before.is_some_and(|c| c.is_alphanumeric() || "_.!#$%@".contains(c));
                let rest = &code[from..];
                if starts_name && rest.starts_with(|c: char| c.is_ascii_lowercase()) {
                    let end =
                        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(rest.len());
                    return Some((format!("{pattern}{}", &rest[..end]), number + 1));
                }
            }
        }
    }
    None
}

/// The deepest nesting of `(`, `[` and `{` in an MLIR text (string literals and comments skipped), checked against
/// the limit before MLIR sees the text: MLIR's recursive-descent parser overflows the stack (a segfault) on a
/// constant nested a few hundred thousand levels deep.
pub fn check_nesting(name: &str, text: &str, max_nesting: usize) -> Result<(), ImportError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (number, line) in text.lines().enumerate() {
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '/' if chars.peek() == Some(&'/') => break,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > max_nesting {
                return Err(ImportError::Options(format!(
                    "{name}:{}: brackets nested more than {max_nesting} levels deep, the limit; raise it with \
                     --limits nesting=N or {}=nesting=N (docs/limits.md)",
                    number + 1,
                    veil_ir::limits::ENV_VAR
                )));
            }
        }
    }
    Ok(())
}

/// Parses `text` (the file `name`) with MLIR, verifies it with MLIR's verifiers and converts its function to the
/// nn dialect.
pub fn import_text(name: &str, text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    check_nesting(name, text, options.limits.max_nesting)?;
    #[cfg(feature = "mlir")]
    return mlir::import(name, text, options);
    #[cfg(not(feature = "mlir"))]
    {
        let _ = options;
        Err(ImportError::NotBuilt { program: name.to_string(), op: upstream_op(text).map(|(op, _)| op) })
    }
}

/// Parses `text` (the file `name`) with MLIR and runs MLIR's verifiers on it, with every dialect registered and
/// unregistered ops allowed (Veil's own dialects are unregistered there): `veil-opt --verify-with-mlir`.
pub fn verify_text(name: &str, text: &str) -> Result<(), ImportError> {
    check_nesting(name, text, Limits::default().max_nesting)?;
    #[cfg(feature = "mlir")]
    return mlir::verify(name, text);
    #[cfg(not(feature = "mlir"))]
    {
        let _ = text;
        Err(ImportError::NotBuilt { program: name.to_string(), op: None })
    }
}

#[cfg(test)]
mod tests {
    use super::{check_nesting, upstream_op};

    #[test]
    fn deep_nesting_is_refused_before_mlir_parses() {
        let deep = format!("%c = arith.constant dense<{}1.0{}> : tensor<1xf32>", "[".repeat(300), "]".repeat(300));
        let e = check_nesting("deep.mlir", &deep, 256).unwrap_err().to_string();
        assert!(e.starts_with("deep.mlir:1: brackets nested more than 256 levels deep"), "{e}");
        // Brackets inside strings and comments do not count.
        let quoted = format!("%s = \"x\" {{note = \"{}\"}} // {}", "[".repeat(300), "(".repeat(300));
        assert!(check_nesting("q.mlir", &quoted, 256).is_ok());
    }

    #[test]
    fn upstream_ops_are_found_by_dialect() {
        let tosa = "func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n  // tosa.sub in a comment\n  %0 = tosa.add %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n  return %0 : tensor<2xf32>\n}";
        assert_eq!(upstream_op(tosa), Some(("tosa.add".to_string(), 3)));
        let generic = r#"%0 = "linalg.matmul"(%a, %b, %c) : (...) -> ..."#;
        assert_eq!(upstream_op(generic), Some(("linalg.matmul".to_string(), 1)));
        let veil = r#"%0 = "nn.relu"(%x) : (tensor<2xf32>) -> tensor<2xf32>"#;
        assert_eq!(upstream_op(veil), None);
        assert_eq!(upstream_op("%s = \"nn.reshape\"(%x) : (!tosa.shape<3>) -> x"), None);
        assert_eq!(upstream_op("%x = \"he.lut\"(%y) {name = mytosa.add}"), None);
    }
}
