//! The module: the one context that owns every entity of a program in arenas (ops, values, blocks, regions)
//! and uniques its types and attributes. Entities are typed indices; erased ops are unlinked, never reused.

use std::collections::HashMap;
use std::hash::Hash;

use crate::attrs::{Attr, AttrKind, DenseElements, DenseValues, F64};
use crate::diag::{Diagnostic, Diagnostics, Location, SourceMap};
use crate::limits::Limits;
use crate::op_def::OpDef;
use crate::types::{Dim, FloatKind, Signedness, Type, TypeKind};

macro_rules! entity {
    ($(#[$m:meta])* $name:ident, $prefix:literal) => {
        $(#[$m])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(crate) u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

entity!(
    /// An operation.
    OpId, "op"
);
entity!(
    /// An SSA value: an op result or a block argument.
    Value, "v"
);
entity!(
    /// A basic block: arguments and a list of ops.
    BlockId, "bb"
);
entity!(
    /// A region: a list of blocks owned by an op.
    RegionId, "region"
);

/// Interns values of `T`, handing out dense indices.
#[derive(Clone, Debug)]
struct Interner<T: Hash + Eq + Clone> {
    items: Vec<T>,
    index: HashMap<T, u32>,
}

impl<T: Hash + Eq + Clone> Interner<T> {
    fn new() -> Self {
        Interner { items: Vec::new(), index: HashMap::new() }
    }
    fn intern(&mut self, item: T) -> u32 {
        if let Some(&i) = self.index.get(&item) {
            return i;
        }
        let i = self.items.len() as u32;
        self.items.push(item.clone());
        self.index.insert(item, i);
        i
    }
}

#[derive(Clone, Debug)]
pub struct OpData {
    pub def: &'static OpDef,
    pub operands: Vec<Value>,
    pub results: Vec<Value>,
    /// Sorted by name.
    pub attrs: Vec<(String, Attr)>,
    pub regions: Vec<RegionId>,
    pub loc: Location,
    pub parent: Option<BlockId>,
}

impl OpData {
    pub fn name(&self) -> &'static str {
        self.def.name
    }

    pub fn attr(&self, name: &str) -> Option<Attr> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, a)| *a)
    }

    pub fn result(&self) -> Value {
        self.results[0]
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ValueDef {
    Result { op: OpId, index: usize },
    BlockArg { block: BlockId, index: usize },
}

#[derive(Clone, Debug)]
pub struct ValueData {
    pub ty: Type,
    pub def: ValueDef,
}

#[derive(Clone, Debug, Default)]
pub struct BlockData {
    pub args: Vec<Value>,
    pub ops: Vec<OpId>,
    pub parent: Option<RegionId>,
}

#[derive(Clone, Debug)]
pub struct RegionData {
    pub blocks: Vec<BlockId>,
    pub parent: OpId,
}

/// Where [`Module::insert`] puts an op.
#[derive(Copy, Clone, Debug)]
pub enum InsertPoint {
    End(BlockId),
    Before(OpId),
    After(OpId),
}

/// A program: the top-level `builtin.module` op and everything it holds.
#[derive(Clone, Debug)]
pub struct Module {
    types: Interner<TypeKind>,
    attrs: Interner<AttrKind>,
    ops: Vec<OpData>,
    values: Vec<ValueData>,
    blocks: Vec<BlockData>,
    regions: Vec<RegionData>,
    top: OpId,
    /// The texts that source locations point into.
    pub sources: SourceMap,
    /// The resource limits the module was read under; the verifier holds every pass's output to them too.
    pub limits: Limits,
}

impl Default for Module {
    fn default() -> Self {
        Self::new()
    }
}

impl Module {
    /// An empty `builtin.module`.
    pub fn new() -> Module {
        let mut m = Module {
            types: Interner::new(),
            attrs: Interner::new(),
            ops: Vec::new(),
            values: Vec::new(),
            blocks: Vec::new(),
            regions: Vec::new(),
            top: OpId(0),
            sources: SourceMap::default(),
            limits: Limits::default(),
        };
        m.top = m.build_op(&crate::builtin::MODULE, &[], &[], vec![], Location::Unknown);
        let region = m.add_region(m.top);
        m.add_block(region);
        m
    }

    // ---- types -------------------------------------------------------------------------------------------

    pub fn intern_type(&mut self, kind: TypeKind) -> Type {
        Type(self.types.intern(kind))
    }

    pub fn ty(&self, t: Type) -> &TypeKind {
        &self.types.items[t.0 as usize]
    }

    /// Signless `iN`.
    pub fn int_type(&mut self, width: u32) -> Type {
        self.intern_type(TypeKind::Int { width, signedness: Signedness::Signless })
    }

    pub fn float_type(&mut self, kind: FloatKind) -> Type {
        self.intern_type(TypeKind::Float(kind))
    }

    pub fn f32_type(&mut self) -> Type {
        self.float_type(FloatKind::F32)
    }

    pub fn index_type(&mut self) -> Type {
        self.intern_type(TypeKind::Index)
    }

    /// A static tensor type.
    pub fn tensor_type(&mut self, shape: &[u64], elem: Type) -> Type {
        self.intern_type(TypeKind::Tensor { shape: shape.iter().map(|&d| Some(d)).collect(), elem })
    }

    pub fn function_type(&mut self, inputs: Vec<Type>, results: Vec<Type>) -> Type {
        self.intern_type(TypeKind::Function { inputs, results })
    }

    /// The static shape of a tensor type, `None` for other types or dynamic dimensions.
    pub fn static_shape(&self, t: Type) -> Option<Vec<u64>> {
        match self.ty(t) {
            TypeKind::Tensor { shape, .. } => shape.iter().copied().collect::<Option<Vec<u64>>>(),
            _ => None,
        }
    }

    /// The element type of a tensor type, or the type itself.
    pub fn element_type(&self, t: Type) -> Type {
        match self.ty(t) {
            TypeKind::Tensor { elem, .. } => *elem,
            _ => t,
        }
    }

    pub fn tensor_dims(&self, t: Type) -> Option<&[Dim]> {
        match self.ty(t) {
            TypeKind::Tensor { shape, .. } => Some(shape),
            _ => None,
        }
    }

    // ---- attributes --------------------------------------------------------------------------------------

    pub fn intern_attr(&mut self, kind: AttrKind) -> Attr {
        if let AttrKind::Dict(entries) = &kind {
            debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0), "dictionary entries must be sorted");
        }
        Attr(self.attrs.intern(kind))
    }

    pub fn attr(&self, a: Attr) -> &AttrKind {
        &self.attrs.items[a.0 as usize]
    }

    /// An `i64` integer attribute.
    pub fn int_attr(&mut self, value: i64) -> Attr {
        let ty = self.int_type(64);
        self.intern_attr(AttrKind::Int { value: value as i128, ty })
    }

    /// An `f64` float attribute.
    pub fn float_attr(&mut self, value: f64) -> Attr {
        let ty = self.float_type(FloatKind::F64);
        self.intern_attr(AttrKind::Float { value: F64(value), ty })
    }

    pub fn string_attr(&mut self, s: impl Into<String>) -> Attr {
        self.intern_attr(AttrKind::String(s.into()))
    }

    pub fn unit_attr(&mut self) -> Attr {
        self.intern_attr(AttrKind::Unit)
    }

    pub fn bool_attr(&mut self, b: bool) -> Attr {
        self.intern_attr(AttrKind::Bool(b))
    }

    pub fn type_attr(&mut self, t: Type) -> Attr {
        self.intern_attr(AttrKind::Type(t))
    }

    pub fn array_attr(&mut self, items: Vec<Attr>) -> Attr {
        self.intern_attr(AttrKind::Array(items))
    }

    /// An array of `i64` integer attributes.
    pub fn int_array_attr(&mut self, items: &[i64]) -> Attr {
        let items = items.iter().map(|&i| self.int_attr(i)).collect();
        self.array_attr(items)
    }

    /// An array of `f64` float attributes.
    pub fn float_array_attr(&mut self, items: &[f64]) -> Attr {
        let items = items.iter().map(|&f| self.float_attr(f)).collect();
        self.array_attr(items)
    }

    pub fn dict_attr(&mut self, mut entries: Vec<(String, Attr)>) -> Attr {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        self.intern_attr(AttrKind::Dict(entries))
    }

    /// `dense<...> : ty` with the given elements (one element makes a splat).
    pub fn dense_attr(&mut self, ty: Type, values: DenseValues) -> Attr {
        self.intern_attr(AttrKind::Dense(DenseElements { ty, values }))
    }

    pub fn attr_as_int(&self, a: Attr) -> Option<i64> {
        match self.attr(a) {
            AttrKind::Int { value, .. } => i64::try_from(*value).ok(),
            AttrKind::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    pub fn attr_as_float(&self, a: Attr) -> Option<f64> {
        match self.attr(a) {
            AttrKind::Float { value, .. } => Some(value.0),
            AttrKind::Int { value, .. } => Some(*value as f64),
            _ => None,
        }
    }

    pub fn attr_as_str(&self, a: Attr) -> Option<&str> {
        match self.attr(a) {
            AttrKind::String(s) | AttrKind::Symbol(s) => Some(s),
            _ => None,
        }
    }

    pub fn attr_as_int_array(&self, a: Attr) -> Option<Vec<i64>> {
        match self.attr(a) {
            AttrKind::Array(items) => items.iter().map(|&i| self.attr_as_int(i)).collect(),
            _ => None,
        }
    }

    pub fn attr_as_float_array(&self, a: Attr) -> Option<Vec<f64>> {
        match self.attr(a) {
            AttrKind::Array(items) => items.iter().map(|&i| self.attr_as_float(i)).collect(),
            _ => None,
        }
    }

    pub fn attr_as_dense(&self, a: Attr) -> Option<&DenseElements> {
        match self.attr(a) {
            AttrKind::Dense(d) => Some(d),
            _ => None,
        }
    }

    // ---- ops, values, blocks ------------------------------------------------------------------------------

    pub fn top(&self) -> OpId {
        self.top
    }

    /// The block that holds the module's functions.
    pub fn top_block(&self) -> BlockId {
        self.regions[self.ops[self.top.index()].regions[0].index()].blocks[0]
    }

    pub fn op(&self, op: OpId) -> &OpData {
        &self.ops[op.index()]
    }

    pub fn op_mut(&mut self, op: OpId) -> &mut OpData {
        &mut self.ops[op.index()]
    }

    pub fn value(&self, v: Value) -> &ValueData {
        &self.values[v.index()]
    }

    pub fn value_type(&self, v: Value) -> Type {
        self.values[v.index()].ty
    }

    /// Changes the type of a value in place (for passes that refine types, such as width narrowing).
    pub fn set_value_type(&mut self, v: Value, ty: Type) {
        self.values[v.index()].ty = ty;
    }

    /// The op defining `v`, if it is an op result.
    pub fn defining_op(&self, v: Value) -> Option<OpId> {
        match self.values[v.index()].def {
            ValueDef::Result { op, .. } => Some(op),
            ValueDef::BlockArg { .. } => None,
        }
    }

    pub fn block(&self, b: BlockId) -> &BlockData {
        &self.blocks[b.index()]
    }

    pub fn region(&self, r: RegionId) -> &RegionData {
        &self.regions[r.index()]
    }

    /// Creates an op that is not yet in any block; place it with [`Module::insert`].
    pub fn build_op(
        &mut self,
        def: &'static OpDef,
        operands: &[Value],
        result_types: &[Type],
        mut attrs: Vec<(String, Attr)>,
        loc: Location,
    ) -> OpId {
        attrs.sort_by(|a, b| a.0.cmp(&b.0));
        let op = OpId(self.ops.len() as u32);
        let results = result_types
            .iter()
            .enumerate()
            .map(|(index, &ty)| self.new_value(ty, ValueDef::Result { op, index }))
            .collect();
        self.ops.push(OpData { def, operands: operands.to_vec(), results, attrs, regions: vec![], loc, parent: None });
        op
    }

    fn new_value(&mut self, ty: Type, def: ValueDef) -> Value {
        let v = Value(self.values.len() as u32);
        self.values.push(ValueData { ty, def });
        v
    }

    pub fn add_region(&mut self, op: OpId) -> RegionId {
        let r = RegionId(self.regions.len() as u32);
        self.regions.push(RegionData { blocks: vec![], parent: op });
        self.ops[op.index()].regions.push(r);
        r
    }

    pub fn add_block(&mut self, region: RegionId) -> BlockId {
        let b = BlockId(self.blocks.len() as u32);
        self.blocks.push(BlockData { args: vec![], ops: vec![], parent: Some(region) });
        self.regions[region.index()].blocks.push(b);
        b
    }

    pub fn add_block_arg(&mut self, block: BlockId, ty: Type) -> Value {
        let index = self.blocks[block.index()].args.len();
        let v = self.new_value(ty, ValueDef::BlockArg { block, index });
        self.blocks[block.index()].args.push(v);
        v
    }

    /// Links a detached op into a block.
    pub fn insert(&mut self, at: InsertPoint, op: OpId) {
        debug_assert!(self.ops[op.index()].parent.is_none(), "op is already in a block");
        let (block, pos) = match at {
            InsertPoint::End(b) => (b, self.blocks[b.index()].ops.len()),
            InsertPoint::Before(anchor) | InsertPoint::After(anchor) => {
                let b = self.ops[anchor.index()].parent.expect("anchor op is not in a block");
                let pos = self.position_in_block(anchor);
                (b, if matches!(at, InsertPoint::After(_)) { pos + 1 } else { pos })
            }
        };
        self.blocks[block.index()].ops.insert(pos, op);
        self.ops[op.index()].parent = Some(block);
    }

    fn position_in_block(&self, op: OpId) -> usize {
        let b = self.ops[op.index()].parent.expect("op is not in a block");
        self.blocks[b.index()].ops.iter().position(|&o| o == op).expect("op missing from its block")
    }

    /// Builds an op and inserts it; returns the op.
    pub fn create(
        &mut self,
        at: InsertPoint,
        def: &'static OpDef,
        operands: &[Value],
        result_types: &[Type],
        attrs: Vec<(String, Attr)>,
        loc: Location,
    ) -> OpId {
        let op = self.build_op(def, operands, result_types, attrs, loc);
        self.insert(at, op);
        op
    }

    /// Unlinks an op from its block. Its results must have no remaining uses.
    pub fn erase(&mut self, op: OpId) {
        if let Some(b) = self.ops[op.index()].parent.take() {
            self.blocks[b.index()].ops.retain(|&o| o != op);
        }
    }

    /// Whether the op is still linked into the module.
    pub fn is_live(&self, op: OpId) -> bool {
        op == self.top || self.ops[op.index()].parent.is_some()
    }

    pub fn set_attr(&mut self, op: OpId, name: &str, value: Attr) {
        let attrs = &mut self.ops[op.index()].attrs;
        match attrs.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
            Ok(i) => attrs[i].1 = value,
            Err(i) => attrs.insert(i, (name.to_string(), value)),
        }
    }

    pub fn remove_attr(&mut self, op: OpId, name: &str) -> Option<Attr> {
        let attrs = &mut self.ops[op.index()].attrs;
        let i = attrs.iter().position(|(n, _)| n == name)?;
        Some(attrs.remove(i).1)
    }

    pub fn set_operand(&mut self, op: OpId, index: usize, v: Value) {
        self.ops[op.index()].operands[index] = v;
    }

    /// Replaces every use of `old` in live ops by `new`; returns how many uses changed.
    pub fn replace_all_uses(&mut self, old: Value, new: Value) -> usize {
        let mut count = 0;
        for op in self.walk() {
            for operand in &mut self.ops[op.index()].operands {
                if *operand == old {
                    *operand = new;
                    count += 1;
                }
            }
        }
        count
    }

    /// Every use of `v` in live ops, as (user, operand index).
    pub fn uses(&self, v: Value) -> Vec<(OpId, usize)> {
        let mut uses = vec![];
        for op in self.walk() {
            for (i, &o) in self.ops[op.index()].operands.iter().enumerate() {
                if o == v {
                    uses.push((op, i));
                }
            }
        }
        uses
    }

    /// Use counts of every value, indexed by value; one pass over the module.
    pub fn use_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.values.len()];
        for op in self.walk() {
            for &o in &self.ops[op.index()].operands {
                counts[o.index()] += 1;
            }
        }
        counts
    }

    /// Every live op below the top-level module, in program order (parents before their nested ops).
    pub fn walk(&self) -> Vec<OpId> {
        let mut out = vec![];
        self.walk_into(self.top, &mut out);
        out
    }

    /// The live ops nested in `op` (not `op` itself), in program order.
    pub fn walk_into(&self, op: OpId, out: &mut Vec<OpId>) {
        for &r in &self.ops[op.index()].regions {
            for &b in &self.regions[r.index()].blocks {
                for &child in &self.blocks[b.index()].ops {
                    out.push(child);
                    self.walk_into(child, out);
                }
            }
        }
    }

    /// The first block of an op's first region (the body of a function or of the module).
    pub fn body(&self, op: OpId) -> Option<BlockId> {
        let r = *self.ops[op.index()].regions.first()?;
        self.regions[r.index()].blocks.first().copied()
    }

    /// The `func.func` ops of the module, in order.
    pub fn funcs(&self) -> Vec<OpId> {
        let top = self.top_block();
        self.blocks[top.index()]
            .ops
            .iter()
            .copied()
            .filter(|&o| self.ops[o.index()].def == &crate::builtin::FUNC_OP)
            .collect()
    }

    /// Number of ops ever created, live or erased (an upper bound for dense per-op tables).
    pub fn op_capacity(&self) -> usize {
        self.ops.len()
    }

    /// Number of values ever created (an upper bound for dense per-value tables).
    pub fn value_capacity(&self) -> usize {
        self.values.len()
    }

    // ---- diagnostics ---------------------------------------------------------------------------------------

    /// An error at the location of `op`, packaged with the module's sources.
    pub fn error_at(&self, op: OpId, message: impl Into<String>) -> Diagnostics {
        Diagnostics::new(&self.sources, vec![Diagnostic::error(self.ops[op.index()].loc.clone(), message)])
    }

    /// Packages diagnostics with the module's sources.
    pub fn report(&self, list: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics::new(&self.sources, list)
    }
}
