//! Types: builtin MLIR types (integers, floats, index, ranked tensors, functions) and opaque dialect types,
//! uniqued by the module so that a `Type` is a small copyable handle compared by identity.

use crate::attrs::Attr;

/// A uniqued type; resolve it with [`crate::Module::ty`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Type(pub(crate) u32);

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Signedness {
    /// `iN`: two's complement bits, meaning given by the op.
    Signless,
    /// `siN`
    Signed,
    /// `uiN`
    Unsigned,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FloatKind {
    F16,
    BF16,
    F32,
    F64,
}

impl FloatKind {
    pub fn name(self) -> &'static str {
        match self {
            FloatKind::F16 => "f16",
            FloatKind::BF16 => "bf16",
            FloatKind::F32 => "f32",
            FloatKind::F64 => "f64",
        }
    }
}

/// One dimension of a ranked shape: `None` is MLIR's dynamic `?`.
pub type Dim = Option<u64>;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeKind {
    Int {
        width: u32,
        signedness: Signedness,
    },
    Float(FloatKind),
    Index,
    /// Ranked `tensor<2x3xf32>`; rank 0 is `tensor<f32>`.
    Tensor {
        shape: Vec<Dim>,
        elem: Type,
    },
    Function {
        inputs: Vec<Type>,
        results: Vec<Type>,
    },
    /// `!dialect.name<params>`: the dialect gives the parameters their meaning.
    Dialect(DialectData),
}

/// The body of a dialect type `!d.name<...>` or dialect attribute `#d.name<...>`: a comma-separated list of
/// parameters, kept structured so that no dialect needs its own grammar.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DialectData {
    pub dialect: String,
    pub name: String,
    pub params: Vec<DialectParam>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DialectParam {
    /// A shape with an element type, as inside `tensor<...>`: `1x64xi8`.
    Shaped { shape: Vec<Dim>, elem: Type },
    /// A positional attribute (a type is an attribute too).
    Attr(Attr),
    /// `key = attr`.
    Keyword(String, Attr),
}

impl DialectData {
    /// The full name, `dialect.name`.
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.dialect, self.name)
    }

    /// The value of the keyword parameter `key`, if present.
    pub fn keyword(&self, key: &str) -> Option<Attr> {
        self.params.iter().find_map(|p| match p {
            DialectParam::Keyword(k, a) if k == key => Some(*a),
            _ => None,
        })
    }

    /// The first shaped parameter, if present.
    pub fn shaped(&self) -> Option<(&[Dim], Type)> {
        self.params.iter().find_map(|p| match p {
            DialectParam::Shaped { shape, elem } => Some((shape.as_slice(), *elem)),
            _ => None,
        })
    }
}
