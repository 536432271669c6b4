//! Typed readers and writers of the nn ops' attributes, with their defaults in one place: every crate that
//! needs a stride, a pad or an axis reads it through these types instead of re-implementing the defaults.
//!
//! `try_read` validates (it is what the verifiers call) and normalizes (negative axes become indices);
//! `read` is for verified IR, where it cannot fail, and falls back to the defaults otherwise. `to_attrs`
//! builds the attribute list for [`veil_ir::Module::create`], omitting values equal to the defaults.

use veil_ir::{Attr, AttrKind, Module, OpId};

use crate::shapes::{is_permutation, normalize_axis, Window2d};

pub const VALUE: &str = "value";
pub const STRIDES: &str = "strides";
pub const PADS: &str = "pads";
pub const DILATIONS: &str = "dilations";
pub const GROUPS: &str = "groups";
pub const KERNEL: &str = "kernel";
pub const COUNT_INCLUDE_PAD: &str = "count_include_pad";
pub const PERM: &str = "perm";
pub const AXIS: &str = "axis";
pub const AXES: &str = "axes";
pub const KEEPDIMS: &str = "keepdims";
pub const EPSILON: &str = "epsilon";

/// ONNX's default `epsilon` of `BatchNormalization`.
pub const DEFAULT_EPSILON: f64 = 1e-5;

// ---- reading ---------------------------------------------------------------------------------------------

fn int_list(m: &Module, op: OpId, name: &str) -> Result<Option<Vec<i64>>, String> {
    match m.op(op).attr(name) {
        None => Ok(None),
        Some(a) => {
            m.attr_as_int_array(a).map(Some).ok_or_else(|| format!("attribute '{name}' must be an array of integers"))
        }
    }
}

/// A fixed-length list of integers at least `min` (0 or 1), or `default` when absent.
fn fixed<const N: usize>(m: &Module, op: OpId, name: &str, default: [u64; N], min: u64) -> Result<[u64; N], String> {
    let Some(list) = int_list(m, op, name)? else { return Ok(default) };
    if list.len() != N {
        return Err(format!("'{name}' must have {N} elements, got {}", list.len()));
    }
    let mut out = [0; N];
    for (o, &v) in out.iter_mut().zip(&list) {
        *o = u64::try_from(v).ok().filter(|&v| v >= min).ok_or_else(|| {
            let rule = if min == 0 { "non-negative" } else { "positive" };
            format!("'{name}' must be {rule}, got {list:?}")
        })?;
    }
    Ok(out)
}

fn int(m: &Module, op: OpId, name: &str) -> Result<Option<i64>, String> {
    match m.op(op).attr(name) {
        None => Ok(None),
        Some(a) => match m.attr(a) {
            AttrKind::Int { .. } => m.attr_as_int(a).map(Some).ok_or_else(|| format!("'{name}' does not fit in i64")),
            _ => Err(format!("attribute '{name}' must be an integer")),
        },
    }
}

fn flag(m: &Module, op: OpId, name: &str, default: bool) -> Result<bool, String> {
    match m.op(op).attr(name).map(|a| m.attr(a)) {
        None => Ok(default),
        Some(AttrKind::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("attribute '{name}' must be a boolean")),
    }
}

fn float(m: &Module, op: OpId, name: &str, default: f64) -> Result<f64, String> {
    match m.op(op).attr(name) {
        None => Ok(default),
        Some(a) => m.attr_as_float(a).ok_or_else(|| format!("attribute '{name}' must be a number")),
    }
}

/// The rank of operand #0, which the axis attributes refer to.
fn operand_rank(m: &Module, op: OpId) -> Result<usize, String> {
    let v = m.op(op).operands.first().ok_or("has no operand")?;
    m.tensor_dims(m.value_type(*v)).map(<[_]>::len).ok_or_else(|| "operand #0 must be a ranked tensor".to_string())
}

// ---- writing ---------------------------------------------------------------------------------------------

fn ints_attr(m: &mut Module, values: &[u64]) -> Attr {
    let values: Vec<i64> = values.iter().map(|&v| i64::try_from(v).unwrap_or(i64::MAX)).collect();
    m.int_array_attr(&values)
}

fn push_ints(m: &mut Module, out: &mut Vec<(String, Attr)>, name: &str, values: &[u64], default: &[u64]) {
    if values != default {
        out.push((name.to_string(), ints_attr(m, values)));
    }
}

// ---- per op ----------------------------------------------------------------------------------------------

macro_rules! readers {
    ($t:ty) => {
        impl $t {
            /// The attributes of a verified op (the defaults where the IR is malformed).
            pub fn read(m: &Module, op: OpId) -> $t {
                Self::try_read(m, op).unwrap_or_default()
            }
        }
    };
}

/// `nn.conv2d`: `strides` (default `[1, 1]`), `pads` `[top, left, bottom, right]` (default zeros), `dilations`
/// (default `[1, 1]`), `groups` (default 1).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Conv2dAttrs {
    pub strides: [u64; 2],
    pub pads: [u64; 4],
    pub dilations: [u64; 2],
    pub groups: u64,
}

impl Default for Conv2dAttrs {
    fn default() -> Self {
        Conv2dAttrs { strides: [1, 1], pads: [0; 4], dilations: [1, 1], groups: 1 }
    }
}

readers!(Conv2dAttrs);

impl Conv2dAttrs {
    pub fn try_read(m: &Module, op: OpId) -> Result<Self, String> {
        let d = Self::default();
        let groups = match int(m, op, GROUPS)? {
            None => d.groups,
            Some(g) => {
                u64::try_from(g).ok().filter(|&g| g >= 1).ok_or(format!("'groups' must be positive, got {g}"))?
            }
        };
        Ok(Conv2dAttrs {
            strides: fixed(m, op, STRIDES, d.strides, 1)?,
            pads: fixed(m, op, PADS, d.pads, 0)?,
            dilations: fixed(m, op, DILATIONS, d.dilations, 1)?,
            groups,
        })
    }

    pub fn to_attrs(&self, m: &mut Module) -> Vec<(String, Attr)> {
        let d = Self::default();
        let mut out = vec![];
        push_ints(m, &mut out, STRIDES, &self.strides, &d.strides);
        push_ints(m, &mut out, PADS, &self.pads, &d.pads);
        push_ints(m, &mut out, DILATIONS, &self.dilations, &d.dilations);
        if self.groups != d.groups {
            out.push((GROUPS.to_string(), m.int_attr(i64::try_from(self.groups).unwrap_or(i64::MAX))));
        }
        out
    }
}

/// `nn.avg_pool2d`: `kernel` `[kh, kw]` (required), `strides` (default `[1, 1]`), `pads` (default zeros),
/// `count_include_pad` (default false: padded cells are not counted in the divisor).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AvgPool2dAttrs {
    pub kernel: [u64; 2],
    pub strides: [u64; 2],
    pub pads: [u64; 4],
    pub count_include_pad: bool,
}

impl Default for AvgPool2dAttrs {
    fn default() -> Self {
        AvgPool2dAttrs { kernel: [1, 1], strides: [1, 1], pads: [0; 4], count_include_pad: false }
    }
}

readers!(AvgPool2dAttrs);

impl AvgPool2dAttrs {
    pub fn try_read(m: &Module, op: OpId) -> Result<Self, String> {
        if m.op(op).attr(KERNEL).is_none() {
            return Err("requires attribute 'kernel'".into());
        }
        let d = Self::default();
        Ok(AvgPool2dAttrs {
            kernel: fixed(m, op, KERNEL, d.kernel, 1)?,
            strides: fixed(m, op, STRIDES, d.strides, 1)?,
            pads: fixed(m, op, PADS, d.pads, 0)?,
            count_include_pad: flag(m, op, COUNT_INCLUDE_PAD, d.count_include_pad)?,
        })
    }

    pub fn window(&self) -> Window2d {
        Window2d { kernel: self.kernel, strides: self.strides, pads: self.pads, dilations: [1, 1] }
    }

    /// Always writes `kernel`.
    pub fn to_attrs(&self, m: &mut Module) -> Vec<(String, Attr)> {
        let d = Self::default();
        let mut out = vec![(KERNEL.to_string(), ints_attr(m, &self.kernel))];
        push_ints(m, &mut out, STRIDES, &self.strides, &d.strides);
        push_ints(m, &mut out, PADS, &self.pads, &d.pads);
        if self.count_include_pad != d.count_include_pad {
            out.push((COUNT_INCLUDE_PAD.to_string(), m.bool_attr(self.count_include_pad)));
        }
        out
    }
}

/// `nn.max_pool2d`: `kernel` `[kh, kw]` (required), `strides` (default `[1, 1]`), `pads` (default zeros),
/// `dilations` (default `[1, 1]`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MaxPool2dAttrs {
    pub kernel: [u64; 2],
    pub strides: [u64; 2],
    pub pads: [u64; 4],
    pub dilations: [u64; 2],
}

impl Default for MaxPool2dAttrs {
    fn default() -> Self {
        MaxPool2dAttrs { kernel: [1, 1], strides: [1, 1], pads: [0; 4], dilations: [1, 1] }
    }
}

readers!(MaxPool2dAttrs);

impl MaxPool2dAttrs {
    pub fn try_read(m: &Module, op: OpId) -> Result<Self, String> {
        if m.op(op).attr(KERNEL).is_none() {
            return Err("requires attribute 'kernel'".into());
        }
        let d = Self::default();
        Ok(MaxPool2dAttrs {
            kernel: fixed(m, op, KERNEL, d.kernel, 1)?,
            strides: fixed(m, op, STRIDES, d.strides, 1)?,
            pads: fixed(m, op, PADS, d.pads, 0)?,
            dilations: fixed(m, op, DILATIONS, d.dilations, 1)?,
        })
    }

    pub fn window(&self) -> Window2d {
        Window2d { kernel: self.kernel, strides: self.strides, pads: self.pads, dilations: self.dilations }
    }

    /// Always writes `kernel`.
    pub fn to_attrs(&self, m: &mut Module) -> Vec<(String, Attr)> {
        let d = Self::default();
        let mut out = vec![(KERNEL.to_string(), ints_attr(m, &self.kernel))];
        push_ints(m, &mut out, STRIDES, &self.strides, &d.strides);
        push_ints(m, &mut out, PADS, &self.pads, &d.pads);
        push_ints(m, &mut out, DILATIONS, &self.dilations, &d.dilations);
        out
    }
}

/// `nn.transpose`: `perm`, a permutation of `0..rank` (default: the dimensions reversed, as in ONNX).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TransposeAttrs {
    pub perm: Vec<usize>,
}

readers!(TransposeAttrs);

impl TransposeAttrs {
    pub fn try_read(m: &Module, op: OpId) -> Result<Self, String> {
        Self::try_read_ranked(m, op, operand_rank(m, op)?)
    }

    /// [`Self::try_read`] for an operand of rank `rank` (when operand #0 is no longer an nn tensor, as during
    /// lowering).
    pub fn try_read_ranked(m: &Module, op: OpId, rank: usize) -> Result<Self, String> {
        let Some(list) = int_list(m, op, PERM)? else { return Ok(TransposeAttrs { perm: (0..rank).rev().collect() }) };
        let perm: Option<Vec<usize>> = list.iter().map(|&p| usize::try_from(p).ok()).collect();
        match perm {
            Some(perm) if is_permutation(&perm, rank) => Ok(TransposeAttrs { perm }),
            _ => Err(format!("'perm' must be a permutation of 0..{rank}, got {list:?}")),
        }
    }

    /// Always writes `perm`.
    pub fn to_attrs(&self, m: &mut Module) -> Vec<(String, Attr)> {
        let perm: Vec<u64> = self.perm.iter().map(|&p| p as u64).collect();
        vec![(PERM.to_string(), ints_attr(m, &perm))]
    }
}

/// `nn.pad`: `pads` (required; `2 * rank` non-negative sizes, all begins then all ends) and the fill `value`
/// (default 0.0). Constant mode only.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PadAttrs {
    pub pads: Vec<u64>,
    pub value: f64,
}

readers!(PadAttrs);

impl PadAttrs {
    pub fn try_read(m: &Module, op: OpId) -> Result<Self, String> {
        Self::try_read_ranked(m, op, operand_rank(m, op)?)
    }

    /// [`Self::try_read`] for an operand of rank `rank` (when operand #0 is no longer an nn tensor, as during
    /// lowering).
    pub fn try_read_ranked(m: &Module, op: OpId, rank: usize) -> Result<Self, String> {
        let list = int_list(m, op, PADS)?.ok_or("requires attribute 'pads'")?;
        if list.len() != 2 * rank {
            return Err(format!("'pads' must have 2 * rank = {} elements, got {}", 2 * rank, list.len()));
        }
        let pads: Option<Vec<u64>> = list.iter().map(|&p| u64::try_from(p).ok()).collect();
        let pads = pads.ok_or_else(|| format!("'pads' must be non-negative, got {list:?}"))?;
        Ok(PadAttrs { pads, value: float(m, op, VALUE, 0.0)? })
    }

    pub fn to_attrs(&self, m: &mut Module) -> Vec<(String, Attr)> {
        let mut out = vec![(PADS.to_string(), ints_attr(m, &self.pads))];
        if self.value.to_bits() != 0.0f64.to_bits() {
            out.push((VALUE.to_string(), m.float_attr(self.value)));
        }
        out
    }
}

/// `nn.concat`: `axis` (required, in `-rank..rank`; read back as an index in `0..rank`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct ConcatAttrs {
    pub axis: usize,
}

readers!(ConcatAttrs);

impl ConcatAttrs {
    pub fn try_read(m: &Module, op: OpId) -> Result<Self, String> {
        Self::try_read_ranked(m, op, operand_rank(m, op)?)
    }

    /// [`Self::try_read`] for an operand of rank `rank` (when operand #0 is no longer an nn tensor, as during
    /// lowering).
    pub fn try_read_ranked(m: &Module, op: OpId, rank: usize) -> Result<Self, String> {
        let axis = int(m, op, AXIS)?.ok_or("requires attribute 'axis'")?;
        let axis = normalize_axis(axis, rank).ok_or_else(|| out_of_range("axis", axis, rank))?;
        Ok(ConcatAttrs { axis })
    }

    pub fn to_attrs(&self, m: &mut Module) -> Vec<(String, Attr)> {
        vec![(AXIS.to_string(), m.int_attr(i64::try_from(self.axis).unwrap_or(i64::MAX)))]
    }
}

fn out_of_range(what: &str, axis: i64, rank: usize) -> String {
    if rank == 0 {
        return format!("{what} {axis} is out of range: the operand has rank 0");
    }
    format!("{what} {axis} is out of range for rank {rank} (expected {}..={})", -(rank as i128), rank - 1)
}

/// `nn.reduce_sum`: `axes` (default: absent or empty reduces every axis; each in `-rank..rank`, read back as
/// sorted indices in `0..rank`) and `keepdims` (default true).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReduceSumAttrs {
    pub axes: Vec<usize>,
    pub keepdims: bool,
}

impl Default for ReduceSumAttrs {
    fn default() -> Self {
        ReduceSumAttrs { axes: vec![], keepdims: true }
    }
}

readers!(ReduceSumAttrs);

impl ReduceSumAttrs {
    pub fn try_read(m: &Module, op: OpId) -> Result<Self, String> {
        Self::try_read_ranked(m, op, operand_rank(m, op)?)
    }

    /// [`Self::try_read`] for an operand of rank `rank` (when operand #0 is no longer an nn tensor, as during
    /// lowering).
    pub fn try_read_ranked(m: &Module, op: OpId, rank: usize) -> Result<Self, String> {
        let list = int_list(m, op, AXES)?.unwrap_or_default();
        let mut axes = Vec::with_capacity(list.len());
        for &a in &list {
            let axis = normalize_axis(a, rank).ok_or_else(|| out_of_range("axis", a, rank))?;
            if axes.contains(&axis) {
                return Err(format!("'axes' names axis {axis} more than once: {list:?}"));
            }
            axes.push(axis);
        }
        if axes.is_empty() {
            axes = (0..rank).collect();
        }
        axes.sort_unstable();
        Ok(ReduceSumAttrs { axes, keepdims: flag(m, op, KEEPDIMS, true)? })
    }

    /// Always writes `axes`.
    pub fn to_attrs(&self, m: &mut Module) -> Vec<(String, Attr)> {
        let axes: Vec<u64> = self.axes.iter().map(|&a| a as u64).collect();
        let mut out = vec![(AXES.to_string(), ints_attr(m, &axes))];
        if !self.keepdims {
            out.push((KEEPDIMS.to_string(), m.bool_attr(false)));
        }
        out
    }
}

/// `nn.batch_norm`: `epsilon` (default 1e-5, finite and non-negative), added to the variance.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct BatchNormAttrs {
    pub epsilon: f64,
}

impl Default for BatchNormAttrs {
    fn default() -> Self {
        BatchNormAttrs { epsilon: DEFAULT_EPSILON }
    }
}

readers!(BatchNormAttrs);

impl BatchNormAttrs {
    pub fn try_read(m: &Module, op: OpId) -> Result<Self, String> {
        let epsilon = float(m, op, EPSILON, DEFAULT_EPSILON)?;
        if !epsilon.is_finite() || epsilon < 0.0 {
            return Err(format!("'epsilon' must be finite and non-negative, got {epsilon}"));
        }
        Ok(BatchNormAttrs { epsilon })
    }

    pub fn to_attrs(&self, m: &mut Module) -> Vec<(String, Attr)> {
        if self.epsilon.to_bits() == DEFAULT_EPSILON.to_bits() {
            return vec![];
        }
        vec![(EPSILON.to_string(), m.float_attr(self.epsilon))]
    }
}
