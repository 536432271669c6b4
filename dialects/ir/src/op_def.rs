//! Ops declared as data: an [`OpDef`] names an op, its arity, traits, attribute specs and verifier; a
//! [`Dialect`] is a table of them; the [`Registry`] maps op names to definitions for the parser.

use std::collections::BTreeMap;

use crate::module::{Module, OpId};

/// How many operands or results an op takes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Arity {
    Exactly(usize),
    AtLeast(usize),
    /// From the first to the second, inclusive.
    Between(usize, usize),
}

impl Arity {
    pub fn accepts(self, n: usize) -> bool {
        match self {
            Arity::Exactly(k) => n == k,
            Arity::AtLeast(k) => n >= k,
            Arity::Between(lo, hi) => (lo..=hi).contains(&n),
        }
    }

    pub fn describe(self) -> String {
        match self {
            Arity::Exactly(k) => format!("{k}"),
            Arity::AtLeast(k) => format!("at least {k}"),
            Arity::Between(lo, hi) => format!("{lo} to {hi}"),
        }
    }
}

/// Properties that passes ask about instead of listing op kinds.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Traits(u32);

impl Traits {
    pub const NONE: Traits = Traits(0);
    /// No side effects: removable when unused, mergeable when identical.
    pub const PURE: Traits = Traits(1);
    /// Applies independently to each element (after broadcasting).
    pub const ELEMENTWISE: Traits = Traits(2);
    /// Operand order does not matter.
    pub const COMMUTATIVE: Traits = Traits(4);
    /// Ends a block.
    pub const TERMINATOR: Traits = Traits(8);
    /// Produces a compile-time constant from its attributes alone.
    pub const CONSTANT: Traits = Traits(16);
    /// Runs only on the client (holds or needs the secret key).
    pub const CLIENT_ONLY: Traits = Traits(32);

    pub const fn with(self, other: Traits) -> Traits {
        Traits(self.0 | other.0)
    }

    pub const fn contains(self, other: Traits) -> bool {
        self.0 & other.0 == other.0
    }
}

/// The kind of value an attribute must have.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AttrType {
    Int,
    Float,
    Bool,
    String,
    Symbol,
    Type,
    Dense,
    /// An array of integers.
    IntArray,
    /// An array of floats (integers accepted).
    FloatArray,
    Any,
}

/// One attribute an op accepts.
#[derive(Copy, Clone, Debug)]
pub struct AttrSpec {
    pub name: &'static str,
    pub ty: AttrType,
    pub required: bool,
}

impl AttrSpec {
    pub const fn required(name: &'static str, ty: AttrType) -> AttrSpec {
        AttrSpec { name, ty, required: true }
    }
    pub const fn optional(name: &'static str, ty: AttrType) -> AttrSpec {
        AttrSpec { name, ty, required: false }
    }
}

/// An op's verifier: the dialect rules beyond arity and attribute kinds, which the core checks first.
/// The error message is reported at the op's location.
pub type VerifyFn = fn(&Module, OpId) -> Result<(), String>;

fn verify_nothing(_: &Module, _: OpId) -> Result<(), String> {
    Ok(())
}

/// The definition of one op.
#[derive(Debug)]
pub struct OpDef {
    /// Full name, `dialect.op`.
    pub name: &'static str,
    /// One line for docs and `--help` output.
    pub summary: &'static str,
    pub operands: Arity,
    pub results: Arity,
    pub traits: Traits,
    /// The attributes the op accepts; others are rejected unless the name contains a dot (discardable).
    pub attrs: &'static [AttrSpec],
    /// Number of regions the op holds.
    pub regions: usize,
    pub verify: VerifyFn,
}

impl OpDef {
    /// A pure op with the given arity and no attributes; refine with the `with_*` methods.
    pub const fn new(name: &'static str, summary: &'static str, operands: Arity, results: Arity) -> OpDef {
        OpDef { name, summary, operands, results, traits: Traits::PURE, attrs: &[], regions: 0, verify: verify_nothing }
    }
    pub const fn with_traits(mut self, traits: Traits) -> OpDef {
        self.traits = traits;
        self
    }
    pub const fn with_attrs(mut self, attrs: &'static [AttrSpec]) -> OpDef {
        self.attrs = attrs;
        self
    }
    pub const fn with_regions(mut self, regions: usize) -> OpDef {
        self.regions = regions;
        self
    }
    pub const fn with_verifier(mut self, verify: VerifyFn) -> OpDef {
        self.verify = verify;
        self
    }

    pub fn dialect(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(d, _)| d)
    }

    pub fn is(&self, traits: Traits) -> bool {
        self.traits.contains(traits)
    }
}

impl PartialEq for OpDef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other) || self.name == other.name
    }
}

/// Checks the parameters of one dialect type (`!d.name<...>`); the error is reported where the type is written.
pub type VerifyTypeFn = fn(&Module, &crate::types::DialectData) -> Result<(), String>;

/// A dialect: a namespace of ops (and the checker of its types).
#[derive(Debug)]
pub struct Dialect {
    pub name: &'static str,
    pub summary: &'static str,
    pub ops: &'static [&'static OpDef],
    pub verify_type: Option<VerifyTypeFn>,
}

/// Maps op names to definitions. Always holds the builtin ops (`builtin.module`, `func.func`, `func.return`).
#[derive(Clone, Debug)]
pub struct Registry {
    ops: BTreeMap<&'static str, &'static OpDef>,
    dialects: BTreeMap<&'static str, &'static Dialect>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// A registry with the builtin dialects only.
    pub fn new() -> Registry {
        let mut r = Registry { ops: BTreeMap::new(), dialects: BTreeMap::new() };
        r.register(&crate::builtin::BUILTIN);
        r.register(&crate::builtin::FUNC);
        r
    }

    /// Adds a dialect. Registering the same dialect twice is harmless; two different definitions of one op
    /// name are a programming error.
    pub fn register(&mut self, dialect: &'static Dialect) -> &mut Self {
        if self.dialects.insert(dialect.name, dialect).is_some() {
            return self;
        }
        for op in dialect.ops {
            assert_eq!(op.dialect(), dialect.name, "op {} registered under dialect {}", op.name, dialect.name);
            let previous = self.ops.insert(op.name, op);
            assert!(previous.is_none(), "op {} defined twice", op.name);
        }
        self
    }

    pub fn op(&self, name: &str) -> Option<&'static OpDef> {
        self.ops.get(name).copied()
    }

    pub fn dialect(&self, name: &str) -> Option<&'static Dialect> {
        self.dialects.get(name).copied()
    }

    pub fn dialects(&self) -> impl Iterator<Item = &'static Dialect> + '_ {
        self.dialects.values().copied()
    }

    /// The registered op names closest to `name` (same dialect first), for "did you mean" hints.
    pub fn suggest(&self, name: &str) -> Option<&'static str> {
        self.ops
            .keys()
            .map(|k| (edit_distance(k, name), *k))
            .filter(|(d, k)| *d <= 3.max(k.len() / 4))
            .min()
            .map(|(_, k)| k)
    }
}

/// Levenshtein distance, for suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
