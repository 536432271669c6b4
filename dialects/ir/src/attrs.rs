//! Attributes: MLIR's builtin attributes (integers, floats, strings, arrays, dictionaries, types, symbol
//! references, dense elements) and opaque dialect attributes, uniqued by the module like types.

use crate::types::{DialectData, Type};

/// A uniqued attribute; resolve it with [`crate::Module::attr`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Attr(pub(crate) u32);

/// An `f64` compared and hashed by its bits, so that float attributes can be uniqued.
#[derive(Copy, Clone, Debug)]
pub struct F64(pub f64);

impl PartialEq for F64 {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}
impl Eq for F64 {}
impl std::hash::Hash for F64 {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AttrKind {
    /// `42 : i64` (an integer of any builtin integer or index type).
    Int {
        value: i128,
        ty: Type,
    },
    /// `1.5 : f32`
    Float {
        value: F64,
        ty: Type,
    },
    Bool(bool),
    Unit,
    String(String),
    Array(Vec<Attr>),
    /// `{a = 1, b}`: entries sorted by name, as MLIR's DictionaryAttr keeps them.
    Dict(Vec<(String, Attr)>),
    Type(Type),
    /// `@name`
    Symbol(String),
    /// `dense<...> : tensor<...>`
    Dense(DenseElements),
    /// `#dialect.name<params>`
    Dialect(DialectData),
}

/// The elements of a `dense<...>` attribute, in row-major order. A splat holds one element.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DenseElements {
    /// The `tensor<...>` type of the attribute.
    pub ty: Type,
    pub values: DenseValues,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DenseValues {
    Int(Vec<i64>),
    Float(Vec<F64>),
    Bool(Vec<bool>),
}

impl DenseValues {
    pub fn len(&self) -> usize {
        match self {
            DenseValues::Int(v) => v.len(),
            DenseValues::Float(v) => v.len(),
            DenseValues::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `i` as an f64 (a splat answers every index).
    pub fn get_f64(&self, i: usize) -> f64 {
        let i = if self.len() == 1 { 0 } else { i };
        match self {
            DenseValues::Int(v) => v[i] as f64,
            DenseValues::Float(v) => v[i].0,
            DenseValues::Bool(v) => v[i] as i64 as f64,
        }
    }

    /// Element `i` as an i64 (floats are truncated; a splat answers every index).
    pub fn get_i64(&self, i: usize) -> i64 {
        let i = if self.len() == 1 { 0 } else { i };
        match self {
            DenseValues::Int(v) => v[i],
            DenseValues::Float(v) => v[i].0 as i64,
            DenseValues::Bool(v) => v[i] as i64,
        }
    }
}
