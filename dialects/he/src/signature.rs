//! Signatures: which tensors an op takes (ciphertexts or plaintexts, with optional trailing operands), which it
//! produces, and the rule that checks shapes and scales. Every he op has one; rt's kernels reuse them.

use veil_ir::{Arity, Module, OpDef, OpId};

use crate::rules::{OpView, Rule};
use crate::types::Kind;

/// The operands an op takes, by kind.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Operands {
    /// `required` in order, then any prefix of `optional`.
    Fixed { required: &'static [Kind], optional: &'static [Kind] },
    /// One or more operands of one kind.
    Variadic(Kind),
}

impl Operands {
    pub const NONE: Operands = Operands::fixed(&[]);

    pub const fn fixed(required: &'static [Kind]) -> Operands {
        Operands::Fixed { required, optional: &[] }
    }

    pub const fn with_optional(required: &'static [Kind], optional: &'static [Kind]) -> Operands {
        Operands::Fixed { required, optional }
    }

    pub const fn variadic(kind: Kind) -> Operands {
        Operands::Variadic(kind)
    }

    /// The arity the IR core checks.
    pub const fn arity(&self) -> Arity {
        match self {
            Operands::Fixed { required, optional: [] } => Arity::Exactly(required.len()),
            Operands::Fixed { required, optional } => Arity::Between(required.len(), required.len() + optional.len()),
            Operands::Variadic(_) => Arity::AtLeast(1),
        }
    }

    /// Whether an op may have `n` operands.
    pub fn accepts(&self, n: usize) -> bool {
        match self {
            Operands::Fixed { required, optional } => (required.len()..=required.len() + optional.len()).contains(&n),
            Operands::Variadic(_) => n >= 1,
        }
    }

    /// The kind of operand `i`, if an op may have it.
    pub fn kind(&self, i: usize) -> Option<Kind> {
        match self {
            Operands::Fixed { required, optional } => required.iter().chain(optional.iter()).nth(i).copied(),
            Operands::Variadic(k) => Some(*k),
        }
    }

    /// `(ct, pt[, pt])`, `(ct, ...)` or `()`.
    pub fn describe(&self) -> String {
        match self {
            Operands::Fixed { required, optional } => {
                let mut s: String = required.iter().map(|k| k.type_name()).collect::<Vec<_>>().join(", ");
                for k in optional.iter() {
                    let sep = if s.is_empty() { "" } else { ", " };
                    s = format!("{s}[{sep}{}", k.type_name());
                }
                format!("({s}{})", "]".repeat(optional.len()))
            }
            Operands::Variadic(k) => format!("({}, ...)", k.type_name()),
        }
    }
}

/// What an op takes and produces, and the rule over its tensors and attributes.
#[derive(Debug)]
pub struct Signature {
    /// The op this signature belongs to.
    pub op: &'static OpDef,
    pub operands: Operands,
    pub result: Kind,
    pub rule: Rule,
}

impl Signature {
    /// The op's name without its dialect: `add` for `he.add`.
    pub const fn short_name(&self) -> &'static str {
        short_name(self.op.name)
    }

    /// Checks an op (or a kernel call) whose tensors are `ct` / `pt` types of `dialect`.
    pub fn check(&self, m: &Module, op: OpId, dialect: &'static str) -> Result<(), String> {
        let view = OpView::new(m, op, dialect, self.short_name(), &self.operands, self.result)?;
        (self.rule)(&view)
    }
}

/// `add` for `he.add` (usable in statics).
pub const fn short_name(name: &'static str) -> &'static str {
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'.' {
            return name.split_at(i + 1).1;
        }
        i += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_operands() {
        use Kind::{Cipher as Ct, Plain as Pt};
        assert_eq!(Operands::with_optional(&[Ct, Pt], &[Pt]).describe(), "(ct, pt[, pt])");
        assert_eq!(Operands::NONE.describe(), "()");
        assert_eq!(Operands::variadic(Ct).describe(), "(ct, ...)");
        assert!(Operands::with_optional(&[Ct, Pt], &[Pt]).accepts(3));
        assert!(!Operands::with_optional(&[Ct, Pt], &[Pt]).accepts(4));
        assert_eq!(short_name("he.matmul_plain"), "matmul_plain");
    }
}
