//! The shape and scale rules of every he op, written once over an [`OpView`] (the op's operand and result
//! tensors and its attributes) so that the rt dialect checks its kernel calls with the same code.

use veil_ir::{type_to_string, AttrKind, DenseElements, DenseValues, Module, OpId, Type, TypeKind};

use crate::shape::{self, format_shape, Window2d};
use crate::signature::Operands;
use crate::types::{FixedTensor, Kind, MAX_FRAC};

/// One rule: checks an op through its view; the message is reported at the op.
pub type Rule = fn(&OpView) -> Result<(), String>;

/// An op seen through its types: operand and result tensors read in one dialect, attributes read by name.
#[derive(Debug)]
pub struct OpView<'a> {
    pub m: &'a Module,
    pub op: OpId,
    /// The dialect whose `ct` / `pt` types the op takes (`he`, or `rt` for kernel calls).
    pub dialect: &'static str,
    /// The op's or kernel's short name, for messages (`add`).
    pub name: &'static str,
    pub operands: Vec<FixedTensor>,
    pub result: FixedTensor,
}

impl<'a> OpView<'a> {
    /// Reads the op's operands and single result as `ct` / `pt` tensors of `dialect`, checking their count and
    /// kinds against the signature.
    pub fn new(
        m: &'a Module,
        op: OpId,
        dialect: &'static str,
        name: &'static str,
        operands: &Operands,
        result: Kind,
    ) -> Result<OpView<'a>, String> {
        let data = m.op(op);
        if !operands.accepts(data.operands.len()) {
            return Err(format!(
                "expects operands {}, got {}",
                operands.describe(),
                if data.operands.is_empty() { "none".into() } else { data.operands.len().to_string() }
            ));
        }
        let typed = |t: Type, kind: Kind, what: String| match FixedTensor::of_in(m, t, dialect) {
            Some(ft) if ft.kind == kind => Ok(ft),
            _ => Err(format!(
                "{what} must be a {} !{dialect}.{}, got {}",
                kind.noun(),
                kind.type_name(),
                type_to_string(m, t)
            )),
        };
        let tensors = data
            .operands
            .iter()
            .enumerate()
            .map(|(i, &v)| typed(m.value_type(v), operands.kind(i).unwrap_or(Kind::Cipher), format!("operand #{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let [r] = data.results.as_slice() else { return Err(format!("{name} has exactly one result")) };
        let result = typed(m.value_type(*r), result, "the result".into())?;
        Ok(OpView { m, op, dialect, name, operands: tensors, result })
    }

    fn attr(&self, name: &str) -> Option<&'a AttrKind> {
        self.m.op(self.op).attr(name).map(|a| self.m.attr(a))
    }

    /// An integer attribute, or `default` when absent.
    pub fn int(&self, name: &str, default: Option<i64>) -> Result<i64, String> {
        match self.attr(name) {
            Some(AttrKind::Int { value, .. }) => {
                i64::try_from(*value).map_err(|_| format!("attribute '{name}' does not fit 64 bits"))
            }
            Some(_) => Err(format!("attribute '{name}' must be an integer")),
            None => default.ok_or_else(|| format!("{} requires attribute '{name}'", self.name)),
        }
    }

    /// An array-of-integers attribute, or `default` when absent.
    pub fn ints(&self, name: &str, default: Option<&[i64]>) -> Result<Vec<i64>, String> {
        match self.m.op(self.op).attr(name) {
            Some(a) => {
                self.m.attr_as_int_array(a).ok_or_else(|| format!("attribute '{name}' must be an array of integers"))
            }
            None => default.map(<[i64]>::to_vec).ok_or_else(|| format!("{} requires attribute '{name}'", self.name)),
        }
    }

    /// A boolean attribute, or `default` when absent.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, String> {
        match self.attr(name) {
            Some(AttrKind::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("attribute '{name}' must be true or false")),
            None => Ok(default),
        }
    }

    /// A dense attribute holding integers (already scaled fixed-point values).
    pub fn dense_ints(&self, name: &str) -> Result<(&'a DenseElements, &'a [i64]), String> {
        match self.attr(name) {
            Some(AttrKind::Dense(d)) => match &d.values {
                DenseValues::Int(v) => Ok((d, v.as_slice())),
                _ => Err(format!("attribute '{name}' must hold integers (fixed-point values already scaled)")),
            },
            Some(_) => Err(format!("attribute '{name}' must be a dense elements attribute")),
            None => Err(format!("{} requires attribute '{name}'", self.name)),
        }
    }

    fn operand(&self, i: usize) -> Result<&FixedTensor, String> {
        self.operands.get(i).ok_or_else(|| format!("{} is missing operand #{i}", self.name))
    }

    /// The hint that ends a scale-rule message.
    fn rescale_hint(&self) -> &'static str {
        if self.dialect == crate::NAME {
            "insert he.rescale"
        } else {
            "insert a rescale"
        }
    }

    /// The scale rule of additions and comparisons: operands `a` and `b` have equal fraction bits.
    pub fn equal_scales(&self, a: usize, b: usize) -> Result<i32, String> {
        let (fa, fb) = (self.operand(a)?.frac, self.operand(b)?.frac);
        if fa != fb {
            return Err(format!(
                "operands have different fraction bits ({fa} vs {fb}): {} needs equal scales; {}",
                self.name,
                self.rescale_hint()
            ));
        }
        Ok(fa)
    }

    /// Checks the result's shape, then its fraction bits; `why` explains the expected frac.
    pub fn expect_result(&self, shape: &[u64], frac: i64, why: &str) -> Result<(), String> {
        if self.result.shape != shape {
            return Err(format!(
                "result shape must be {}, got {}",
                format_shape(shape),
                format_shape(&self.result.shape)
            ));
        }
        if self.result.frac as i64 != frac {
            let range = if frac.unsigned_abs() > MAX_FRAC as u64 { " (out of range)" } else { "" };
            return Err(format!("result must have frac = {frac}{range} ({why}), got {}", self.result.frac));
        }
        Ok(())
    }

    /// A `shift` attribute: `1..=63` bits.
    fn shift(&self) -> Result<i64, String> {
        let s = self.int("shift", None)?;
        if !(1..=63).contains(&s) {
            return Err(format!("shift = {s} must be in 1..=63"));
        }
        Ok(s)
    }

    /// An attribute of `N` integers, each at least `min`.
    fn array<const N: usize>(&self, name: &str, default: [i64; N], min: i64) -> Result<[u64; N], String> {
        let v = self.ints(name, Some(&default))?;
        let qualifier = if min > 0 { "positive" } else { "non-negative" };
        match <[i64; N]>::try_from(v.as_slice()) {
            Ok(a) if a.iter().all(|&x| x >= min) => Ok(a.map(|x| x as u64)),
            _ => Err(format!("{name} must be {N} {qualifier} integers, got {v:?}")),
        }
    }

    /// The window of a pooling op: `kernel` (required), `strides` (default 1), `pads` (default 0).
    fn pool_window(&self) -> Result<Window2d, String> {
        if self.m.op(self.op).attr("kernel").is_none() {
            return Err(format!("{} requires attribute 'kernel'", self.name));
        }
        Ok(Window2d {
            kernel: self.array("kernel", [0, 0], 1)?,
            strides: self.array("strides", [1, 1], 1)?,
            pads: self.array("pads", [0; 4], 0)?,
            dilations: [1, 1],
        })
    }
}

fn frac_sum(a: &FixedTensor, b: &FixedTensor) -> i64 {
    a.frac as i64 + b.frac as i64
}

fn sum_reason(name: &str, a: &FixedTensor, b: &FixedTensor) -> String {
    format!("{name} adds the operands' fraction bits: {} + {}", a.frac, b.frac)
}

fn keeps_scale(name: &str) -> String {
    format!("{name} keeps the operand's scale")
}

/// `he.encode` / `rt.const`: a dense integer attribute `value` with the result's shape whose values fit its width.
pub fn encode(v: &OpView) -> Result<(), String> {
    let (dense, values) = v.dense_ints("value")?;
    let shape = v.m.static_shape(dense.ty).unwrap_or_default();
    if shape != v.result.shape {
        return Err(format!(
            "value has shape {}, but the result has shape {}",
            format_shape(&shape),
            format_shape(&v.result.shape)
        ));
    }
    check_fits(v, "value", values)
}

fn check_fits(v: &OpView, name: &str, values: &[i64]) -> Result<(), String> {
    match values.iter().find(|&&x| !v.result.fits(x as i128)) {
        Some(x) => Err(format!(
            "{name} holds {x}, which does not fit the result's i{} ({}..={})",
            v.result.width,
            v.result.min_int(),
            v.result.max_int()
        )),
        None => Ok(()),
    }
}

/// encrypt, decrypt, trivial: the result has the operand's shape, width and frac (only the kind changes).
pub fn same_tensor(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    if (&x.shape, x.width, x.frac) != (&v.result.shape, v.result.width, v.result.frac) {
        return Err(format!(
            "result must have the operand's shape, width and frac: expected {}, got {}",
            x.with_kind(v.result.kind),
            v.result
        ));
    }
    Ok(())
}

/// trivial: as [`same_tensor`], except that an LWE result (`!rt.lwe`, the lookup-table model) is encoded at the
/// width of its partition (the ciphertexts its leveled ops connect), which need not be the plaintext's whole
/// radix blocks: its width is free, and the value must fit it like every result's (the backends check).
pub fn trivial(v: &OpView) -> Result<(), String> {
    let result = v.m.op(v.op).results.first().map(|&r| v.m.value_type(r));
    let lwe = result.is_some_and(|t| matches!(v.m.ty(t), TypeKind::Dialect(d) if d.name == crate::LWE_TYPE_NAME));
    if !lwe {
        return same_tensor(v);
    }
    let x = v.operand(0)?;
    if (&x.shape, x.frac) != (&v.result.shape, v.result.frac) {
        return Err(format!(
            "result must have the operand's shape and frac: expected {}, got {}",
            x.with_kind(v.result.kind).with_width(v.result.width),
            v.result
        ));
    }
    Ok(())
}

/// add, sub, max: equal scales, numpy broadcasting, the scale kept.
pub fn same_scale_broadcast(v: &OpView) -> Result<(), String> {
    let frac = v.equal_scales(0, 1)?;
    let shape = shape::broadcast(&v.operand(0)?.shape, &v.operand(1)?.shape)?;
    v.expect_result(&shape, frac.into(), &keeps_scale(v.name))
}

/// add_plain, sub_plain: equal scales; the plaintext broadcasts to the ciphertext's shape.
pub fn plain_same_scale(v: &OpView) -> Result<(), String> {
    let frac = v.equal_scales(0, 1)?;
    let (x, p) = (v.operand(0)?, v.operand(1)?);
    if !shape::broadcasts_to(&p.shape, &x.shape) {
        return Err(format!(
            "the plaintext's shape {} does not broadcast to the ciphertext's shape {}",
            format_shape(&p.shape),
            format_shape(&x.shape)
        ));
    }
    v.expect_result(&x.shape, frac.into(), &keeps_scale(v.name))
}

/// neg, relu: the operand's shape and scale.
pub fn unary_same_scale(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    v.expect_result(&x.shape, x.frac.into(), &keeps_scale(v.name))
}

/// mul, mul_plain: numpy broadcasting; the result's frac is the sum of the operands'.
pub fn product(v: &OpView) -> Result<(), String> {
    let (a, b) = (v.operand(0)?, v.operand(1)?);
    let shape = shape::broadcast(&a.shape, &b.shape)?;
    v.expect_result(&shape, frac_sum(a, b), &sum_reason(v.name, a, b))
}

/// square: the operand's shape, twice its frac.
pub fn square(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    v.expect_result(&x.shape, frac_sum(x, x), &sum_reason(v.name, x, x))
}

/// The optional bias of matmul_plain / conv2d_plain (operand #2): shape `[n]`, frac = the product's.
fn check_bias(v: &OpView, n: u64, frac: i64) -> Result<(), String> {
    let Some(b) = v.operands.get(2) else { return Ok(()) };
    if b.shape != [n] {
        return Err(format!("the bias must have shape {n}, got {}", format_shape(&b.shape)));
    }
    if b.frac as i64 != frac {
        return Err(format!("the bias must have frac = {frac} (the product's scale), got {}", b.frac));
    }
    Ok(())
}

/// matmul_plain: `[M, K] x [K, N] (+ bias [N]) -> [M, N]` (or `[K] -> [N]`), frac f1 + f2.
pub fn matmul_plain(v: &OpView) -> Result<(), String> {
    let (x, w) = (v.operand(0)?, v.operand(1)?);
    let shape = shape::matmul(&x.shape, &w.shape)?;
    let frac = frac_sum(x, w);
    check_bias(v, w.shape[1], frac)?;
    v.expect_result(&shape, frac, &sum_reason(v.name, x, w))
}

/// conv2d_plain: NCHW input, `[O, C/groups, kh, kw]` weights, optional bias `[O]`, frac f1 + f2.
pub fn conv2d_plain(v: &OpView) -> Result<(), String> {
    let (x, w) = (v.operand(0)?, v.operand(1)?);
    let window = Window2d {
        kernel: [1, 1],
        strides: v.array("strides", [1, 1], 1)?,
        pads: v.array("pads", [0; 4], 0)?,
        dilations: v.array("dilations", [1, 1], 1)?,
    };
    let groups = v.int("groups", Some(1))?;
    if groups < 1 {
        return Err(format!("groups = {groups} must be at least 1"));
    }
    let shape = shape::conv2d(&x.shape, &w.shape, &window, groups as u64)?;
    let frac = frac_sum(x, w);
    check_bias(v, w.shape[0], frac)?;
    v.expect_result(&shape, frac, &sum_reason(v.name, x, w))
}

/// sum: over `axes`, keeping them as 1s unless `keepdims = false`; the scale kept.
pub fn sum(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    let shape = shape::reduce(&x.shape, &v.ints("axes", None)?, v.flag("keepdims", true)?)?;
    v.expect_result(&shape, x.frac.into(), &keeps_scale(v.name))
}

/// rescale: `floor(x / 2^shift)`, the result's frac is the operand's minus `shift`.
pub fn rescale(v: &OpView) -> Result<(), String> {
    let (x, shift) = (v.operand(0)?, v.shift()?);
    let chunk = v.int("chunk", Some(1))?;
    if !(1..=63).contains(&chunk) {
        return Err(format!("chunk = {chunk} must be in 1..=63"));
    }
    let why = format!("rescale by {shift} drops {shift} of the operand's {} fraction bits", x.frac);
    v.expect_result(&x.shape, x.frac as i64 - shift, &why)
}

/// shl: `x * 2^shift`, the scale kept.
pub fn shl(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    v.shift()?;
    v.expect_result(&x.shape, x.frac.into(), &keeps_scale(v.name))
}

/// max_pool2d: windows over NCHW; the scale kept.
pub fn max_pool2d(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    let shape = shape::pool2d(&x.shape, &v.pool_window()?)?;
    v.expect_result(&shape, x.frac.into(), &keeps_scale(v.name))
}

/// avg_pool2d: window sums times `multiplier`; the result's frac is the operand's plus `multiplier_frac`.
pub fn avg_pool2d(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    let shape = shape::pool2d(&x.shape, &v.pool_window()?)?;
    let multiplier = v.int("multiplier", Some(1))?;
    if multiplier < 1 {
        return Err(format!("multiplier = {multiplier} must be positive"));
    }
    let mfrac = v.int("multiplier_frac", Some(0))?;
    if !(0..=MAX_FRAC as i64).contains(&mfrac) {
        return Err(format!("multiplier_frac = {mfrac} must be in 0..={MAX_FRAC}"));
    }
    let why = format!("avg_pool2d adds multiplier_frac to the operand's frac: {} + {mfrac}", x.frac);
    v.expect_result(&shape, x.frac as i64 + mfrac, &why)
}

/// clamp: `min(max(x, lo), hi)` with `lo <= hi`, both fitting the result; the operand's shape and scale.
pub fn clamp(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    let (lo, hi) = (v.int("lo", None)?, v.int("hi", None)?);
    if lo > hi {
        return Err(format!("lo = {lo} must not exceed hi = {hi}"));
    }
    check_fits(v, "the window", &[lo, hi])?;
    v.expect_result(&x.shape, x.frac.into(), &keeps_scale(v.name))
}

/// The widest lut index: tables hold `2^12` entries at most.
pub const MAX_LUT_INPUT_WIDTH: u32 = 12;

/// lut: `table[floor(x / 2^shift) + 2^(W_in - shift - 1)]`, a table of `2^(W_in - shift)` entries (indices in
/// increasing order from `-2^(W_in - shift - 1)`) that fit the result's width.
pub fn lut(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    let shift = v.int("shift", Some(0))?;
    if !(0..i64::from(x.width)).contains(&shift) {
        return Err(format!("shift = {shift} must be in 0..{} (below the input width i{})", x.width, x.width));
    }
    let zero_bits = v.int("zero_bits", Some(0))?;
    if !(0..=shift).contains(&zero_bits) {
        return Err(format!("zero_bits = {zero_bits} must be in 0..={shift} (at most the dropped bits)"));
    }
    let index_bits = x.width - shift as u32;
    if index_bits > MAX_LUT_INPUT_WIDTH {
        let hint = if shift == 0 { String::new() } else { format!(" after dropping {shift} bits") };
        return Err(format!(
            "the input width i{}{hint} is too wide for a table: at most {MAX_LUT_INPUT_WIDTH} index bits ({} entries)",
            x.width,
            1u32 << MAX_LUT_INPUT_WIDTH
        ));
    }
    let (dense, values) = v.dense_ints("table")?;
    let entries = 1u64 << index_bits;
    let shape = v.m.static_shape(dense.ty).unwrap_or_default();
    if shape != [entries] {
        let per = if shift == 0 {
            format!("one per i{} input", x.width)
        } else {
            format!("one per i{} input >> {shift}", x.width)
        };
        return Err(format!(
            "table must have {entries} entries ({per}) as a 1-D tensor, got shape {}",
            format_shape(&shape)
        ));
    }
    check_fits(v, "table", values)?;
    if v.result.shape != x.shape {
        return Err(format!("result shape must be {}, got {}", format_shape(&x.shape), format_shape(&v.result.shape)));
    }
    Ok(())
}

/// reshape: the same number of elements; the scale kept.
pub fn reshape(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    if x.numel() != v.result.numel() {
        return Err(format!(
            "reshape from {} ({} elements) to {} ({} elements) changes the element count",
            format_shape(&x.shape),
            x.numel(),
            format_shape(&v.result.shape),
            v.result.numel()
        ));
    }
    v.expect_result(&v.result.shape, x.frac.into(), &keeps_scale(v.name))
}

/// transpose: result dimension `i` is operand dimension `perm[i]`.
pub fn transpose(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    let shape = shape::transpose(&x.shape, &v.ints("perm", None)?)?;
    v.expect_result(&shape, x.frac.into(), &keeps_scale(v.name))
}

/// pad: zero padding by `pads` (all begins, then all ends).
pub fn pad(v: &OpView) -> Result<(), String> {
    let x = v.operand(0)?;
    let shape = shape::pad(&x.shape, &v.ints("pads", None)?)?;
    v.expect_result(&shape, x.frac.into(), &keeps_scale(v.name))
}

/// concat: along `axis`, all operands at one scale.
pub fn concat(v: &OpView) -> Result<(), String> {
    for i in 1..v.operands.len() {
        v.equal_scales(0, i)?;
    }
    let shapes: Vec<&[u64]> = v.operands.iter().map(|t| t.shape.as_slice()).collect();
    let shape = shape::concat(&shapes, v.int("axis", None)?)?;
    v.expect_result(&shape, v.operand(0)?.frac.into(), &keeps_scale(v.name))
}
