//! `he-plaintext-bypass`: ciphertext work that a known plaintext makes trivial becomes no work or a cheaper op
//! with the same integers. Every rewrite is exact (the list below says why); the pass repeats
//! them until none applies, so that one bypass exposes the next (a product by zero, then the sum with it).
//!
//! - `mul` / `add` / `sub` / `max` with a `he.trivial(p)` operand → the `_plain` op on `p` (`max` with a
//!   trivial zero → `relu`): a plaintext operand costs no bootstrap.
//! - `mul_plain(x, c)` with every element of `c` equal to 0 → `he.trivial(he.encode(0))`.
//! - `mul_plain(x, ±2^k)` at `frac = 0` → `x`, `neg(x)`, `shl(x, k)` or `neg(shl(x, k))`.
//! - `mul_plain(x, ±2^k)` at `frac = f != 0`, used only by rescales by `s` with `k >= f` and `s >= f` → each
//!   rescale reads `±shl(x, k - f)` and shifts by `s - f` (dropped when 0): the integers are the same
//!   (`floor(±x 2^k / 2^s) = floor(±x 2^(k-f) / 2^(s-f))`), and so are the scales.
//! - `add_plain` / `sub_plain` of all zeros → the ciphertext operand.
//! - `matmul_plain` / `conv2d_plain` with all-zero weights → `he.trivial` of the bias (or zero) broadcast to
//!   the result. Partly zero weights need no rewrite: the runtime's linear maps store no zero term, so a zero
//!   weight row (an unused input) and a zero column (a constant output) already cost nothing; option
//!   `remarks` reports them.

use veil_he as he;
use veil_ir::{Diagnostic, Diagnostics, Module, OpId, Severity, Traits};

use crate::pass::{Changed, Pass, PassOption, PassOptions};
use shared::{constant, defined_by, fixpoint, replace, retype_all, tensor};

/// The plaintext bypass pass.
pub struct HePlaintextBypass {
    remarks: bool,
}

const OPTIONS: &[PassOption] = &[PassOption::bool(
    "remarks",
    "false",
    "Emit a remark at each matmul_plain / conv2d_plain with zero weights: how many inputs and outputs they free",
)];

impl Pass for HePlaintextBypass {
    fn name(&self) -> &'static str {
        "he-plaintext-bypass"
    }

    fn description(&self) -> &'static str {
        "Skip ciphertext work on plaintext 0, 1, -1, 2^k and zero weights: copy, negate, shift or a constant, exactly"
    }

    fn options() -> &'static [PassOption] {
        OPTIONS
    }

    fn from_options(options: &PassOptions) -> Result<Self, String> {
        Ok(HePlaintextBypass { remarks: options.bool("remarks")? })
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let changed = fixpoint(m, bypass);
        retype_all(m);
        let mut out = Changed::from(changed);
        if self.remarks {
            out.diagnostics = m.walk().into_iter().filter_map(|op| zero_weight_remark(m, op)).collect();
        }
        Ok(out)
    }
}

/// One bypass at `op`, if one applies.
fn bypass(m: &mut Module, op: OpId) -> bool {
    let def = m.op(op).def;
    if def == &he::MUL || def == &he::ADD || def == &he::SUB || def == &he::MAX {
        trivial_operand(m, op)
    } else if def == &he::MUL_PLAIN {
        mul_by_constant(m, op)
    } else if def == &he::ADD_PLAIN || def == &he::SUB_PLAIN {
        let [x, p] = m.op(op).operands[..] else { return false };
        constant(m, p).is_some_and(|c| c.all(|v| v == 0)) && replace(m, m.op(op).result(), x) > 0
    } else if def == &he::MATMUL_PLAIN || def == &he::CONV2D_PLAIN {
        zero_weights(m, op)
    } else {
        false
    }
}

/// `op(x, trivial(p))` → `op_plain(x, p)`; a commutative op also takes the trivial operand first.
fn trivial_operand(m: &mut Module, op: OpId) -> bool {
    let def = m.op(op).def;
    let [a, b] = m.op(op).operands[..] else { return false };
    let plain = |v| defined_by(m, v, &he::TRIVIAL).map(|t| m.op(t).operands[0]);
    let (x, p) = match (plain(a), plain(b)) {
        (_, Some(p)) => (a, p),
        (Some(p), None) if def.is(Traits::COMMUTATIVE) => (b, p),
        _ => return false,
    };
    if def == &he::MAX {
        return constant(m, p).is_some_and(|c| c.all(|v| v == 0)) && shared::substitute(m, op, &he::RELU, &[x], vec![]);
    }
    let target = if def == &he::MUL {
        &he::MUL_PLAIN
    } else if def == &he::ADD {
        &he::ADD_PLAIN
    } else {
        &he::SUB_PLAIN
    };
    shared::substitute(m, op, target, &[x, p], vec![])
}

/// `mul_plain(x, c)` with a uniform `c` of 0 or `±2^k`.
fn mul_by_constant(m: &mut Module, op: OpId) -> bool {
    let [x, p] = m.op(op).operands[..] else { return false };
    let r = m.op(op).result();
    let (Some(c), Some(xt), Some(rt)) = (constant(m, p), tensor(m, x), tensor(m, r)) else { return false };
    let Some(value) = c.uniform() else { return false };
    if value == 0 {
        let zeros = vec![0; 1];
        return shared::constant_result(m, op, &zeros, None);
    }
    let (k, negate) = (value.unsigned_abs().trailing_zeros() as i64, value < 0);
    if value.unsigned_abs() != 1u64 << k || xt.shape != rt.shape {
        return false;
    }
    let f = c.tensor.frac as i64;
    if f == 0 {
        return shared::shifted(m, op, x, k, negate, &rt).is_some_and(|y| shared::replace_or_discard(m, r, y));
    }
    // frac != 0: the product's extra fraction bits are only dropped again by the rescales that read it.
    let users = m.uses(r);
    let shifts: Option<Vec<i64>> =
        users.iter().map(|&(u, _)| (m.op(u).def == &he::RESCALE).then(|| shared::shift(m, u)).flatten()).collect();
    let Some(shifts) = shifts else { return false };
    if users.is_empty() || k < f || shifts.iter().any(|&s| s < f) {
        return false;
    }
    let width = xt.width as i64 + (k - f) + negate as i64;
    if width > he::MAX_WIDTH as i64 {
        return false;
    }
    let Some(y) = shared::shifted(m, op, x, k - f, negate, &xt.with_width(width as u32)) else { return false };
    let mut moved = 0;
    for ((user, _), s) in users.into_iter().zip(shifts) {
        if s == f {
            moved += replace(m, m.op(user).result(), y);
        } else {
            m.set_operand(user, 0, y);
            let a = m.int_attr(s - f);
            m.set_attr(user, "shift", a);
            moved += 1;
        }
    }
    shared::erase_dead(m, op);
    shared::discard_if_unused(m, y);
    moved > 0
}

/// `matmul_plain` / `conv2d_plain` with all-zero weights → the bias (or zero) as a trivial ciphertext.
fn zero_weights(m: &mut Module, op: OpId) -> bool {
    let operands = m.op(op).operands.clone();
    if !operands.get(1).and_then(|&w| constant(m, w)).is_some_and(|w| w.all(|v| v == 0)) {
        return false;
    }
    let bias = match operands.get(2) {
        Some(&b) => match constant(m, b) {
            Some(c) => c.expanded(),
            None => return false,
        },
        None => vec![0],
    };
    let axis = shared::channel_axis(m, op);
    shared::constant_result(m, op, &bias, axis)
}

/// The remark of a linear op with some zero weights: inputs no output reads, outputs that are constants.
fn zero_weight_remark(m: &Module, op: OpId) -> Option<Diagnostic> {
    let def = m.op(op).def;
    if def != &he::MATMUL_PLAIN && def != &he::CONV2D_PLAIN {
        return None;
    }
    let w = constant(m, *m.op(op).operands.get(1)?)?;
    let rank = if def == &he::MATMUL_PLAIN { 2 } else { 4 };
    if w.tensor.rank() != rank {
        return None;
    }
    let values = w.expanded();
    let zeros = values.iter().filter(|&&v| v == 0).count();
    if zeros == 0 {
        return None;
    }
    let shape: Vec<usize> = w.tensor.shape.iter().map(|&d| d as usize).collect();
    // matmul: W[K, N], input k is row k, output n is column n; conv: W[O, C/g, kh, kw], output channel o is
    // filter o, input channel (within its group) ci is slice [:, ci].
    let matmul = def == &he::MATMUL_PLAIN;
    let (inputs, outputs) = if matmul { (shape[0], shape[1]) } else { (shape[1], shape[0]) };
    let plane = shape.get(2..).map_or(1, |d| d.iter().product());
    let coords =
        |i: usize| if matmul { (i / outputs, i % outputs) } else { (i / plane % inputs, i / (inputs * plane)) };
    let (mut used_in, mut used_out) = (vec![false; inputs], vec![false; outputs]);
    for (i, &v) in values.iter().enumerate() {
        if v != 0 {
            let (input, output) = coords(i);
            used_in[input] = true;
            used_out[output] = true;
        }
    }
    let unused = used_in.iter().filter(|u| !**u).count();
    let constant_outputs = used_out.iter().filter(|u| !**u).count();
    let (what_in, what_out) =
        if def == &he::MATMUL_PLAIN { ("inputs", "outputs") } else { ("input channels", "output channels") };
    let message = format!(
        "{zeros} of {} weights are zero and cost nothing (the runtime's linear maps store no zero term): \
         {unused} of {inputs} {what_in} unused, {constant_outputs} of {outputs} {what_out} constant",
        values.len()
    );
    Some(Diagnostic { severity: Severity::Remark, message, loc: m.op(op).loc.clone(), notes: vec![] })
}

/// Helpers the he optimization passes share (he-lazy-rescale, he-fold-linear and he-narrow-widths use them).
pub(crate) mod shared {
    use veil_he::{self as he, FixedTensor, Kind};
    use veil_ir::builtin::sync_func_signature;
    use veil_ir::{Attr, DenseValues, InsertPoint, Module, OpDef, OpId, Traits, Value};

    use crate::he_ranges::{type_width_for, Interval};

    /// The he tensor view of a value's type.
    pub fn tensor(m: &Module, v: Value) -> Option<FixedTensor> {
        FixedTensor::of(m, m.value_type(v))
    }

    /// The op defining `v` when it is a `def` op.
    pub fn defined_by(m: &Module, v: Value, def: &OpDef) -> Option<OpId> {
        m.defining_op(v).filter(|&op| m.op(op).def == def)
    }

    /// The `shift` of a rescale or shl.
    pub fn shift(m: &Module, op: OpId) -> Option<i64> {
        m.op(op).attr("shift").and_then(|a| m.attr_as_int(a))
    }

    /// The integers of a `he.encode` plaintext (a splat holds one).
    #[derive(Clone, Debug)]
    pub struct Constant {
        pub tensor: FixedTensor,
        pub values: Vec<i64>,
    }

    impl Constant {
        pub fn get(&self, i: usize) -> i64 {
            self.values[if self.values.len() == 1 { 0 } else { i }]
        }

        pub fn all(&self, f: impl Fn(i64) -> bool) -> bool {
            self.values.iter().all(|&v| f(v))
        }

        /// The one value every element holds.
        pub fn uniform(&self) -> Option<i64> {
            let first = *self.values.first()?;
            self.all(|v| v == first).then_some(first)
        }

        /// Every element, row-major.
        pub fn expanded(&self) -> Vec<i64> {
            (0..self.tensor.numel() as usize).map(|i| self.get(i)).collect()
        }
    }

    /// The plaintext `v` when it is a `he.encode` constant.
    pub fn constant(m: &Module, v: Value) -> Option<Constant> {
        let op = defined_by(m, v, &he::ENCODE)?;
        let dense = m.op(op).attr("value").and_then(|a| m.attr_as_dense(a))?;
        let DenseValues::Int(values) = &dense.values else { return None };
        let tensor = tensor(m, v)?;
        let n = tensor.numel();
        (n <= 1 << 24 && (values.len() == 1 || values.len() as u64 == n))
            .then(|| Constant { tensor, values: values.clone() })
    }

    /// The narrowest he width holding every value.
    pub fn width_of(values: &[i64]) -> u32 {
        let lo = values.iter().copied().min().unwrap_or(0) as i128;
        let hi = values.iter().copied().max().unwrap_or(0) as i128;
        type_width_for(Interval::new(lo, hi))
    }

    /// Creates an op of one result just before `at` (at its location) and returns the result.
    pub fn build(
        m: &mut Module,
        at: OpId,
        def: &'static OpDef,
        operands: &[Value],
        t: &FixedTensor,
        attrs: Vec<(String, Attr)>,
    ) -> Value {
        let ty = t.to_type(m);
        let loc = m.op(at).loc.clone();
        let op = m.create(InsertPoint::Before(at), def, operands, &[ty], attrs, loc);
        m.op(op).result()
    }

    /// A `he.encode` of `values` (one value makes a splat) before `at`, of type `t` widened to fit the values.
    pub fn encode(m: &mut Module, at: OpId, t: &FixedTensor, values: Vec<i64>) -> Value {
        let t = t.with_kind(Kind::Plain).with_width(t.width.max(width_of(&values)));
        let values = match values.first() {
            Some(&first) if values.iter().all(|&v| v == first) => vec![first],
            _ => values,
        };
        let elem = m.int_type(t.width);
        let dense_ty = m.tensor_type(&t.shape, elem);
        let value = m.dense_attr(dense_ty, DenseValues::Int(values));
        build(m, at, &he::ENCODE, &[], &t, vec![("value".into(), value)])
    }

    /// `{shift = s}`.
    pub fn shift_attr(m: &mut Module, s: i64) -> Vec<(String, Attr)> {
        vec![("shift".into(), m.int_attr(s))]
    }

    /// Replaces the uses of `old` by `new` wherever the user still verifies (a `lut` or `trivial` reads its
    /// operand's exact width, so it keeps `old`); returns how many uses changed. Erases `old`'s op once unused.
    pub fn replace(m: &mut Module, old: Value, new: Value) -> usize {
        let mut count = 0;
        for (user, i) in m.uses(old) {
            m.set_operand(user, i, new);
            if (m.op(user).def.verify)(m, user).is_ok() {
                count += 1;
            } else {
                m.set_operand(user, i, old);
            }
        }
        if let Some(op) = m.defining_op(old) {
            erase_dead(m, op);
        }
        count
    }

    /// Replaces `op` by a new `def` op on `operands` with `op`'s result type, if the new op verifies.
    pub fn substitute(
        m: &mut Module,
        op: OpId,
        def: &'static OpDef,
        operands: &[Value],
        attrs: Vec<(String, Attr)>,
    ) -> bool {
        let Some(t) = tensor(m, m.op(op).result()) else { return false };
        let new = build(m, op, def, operands, &t, attrs);
        let new_op = m.defining_op(new).expect("just built");
        if (def.verify)(m, new_op).is_err() {
            m.erase(new_op);
            return false;
        }
        replace_or_discard(m, m.op(op).result(), new)
    }

    /// [`replace`], then erases `new`'s op chain if nothing uses it; whether any use changed.
    pub fn replace_or_discard(m: &mut Module, old: Value, new: Value) -> bool {
        let changed = replace(m, old, new) > 0;
        discard_if_unused(m, new);
        changed
    }

    /// Erases the op defining `v` (and what only it used) when `v` has no use.
    pub fn discard_if_unused(m: &mut Module, v: Value) {
        if let Some(op) = m.defining_op(v) {
            erase_dead(m, op);
        }
    }

    /// Erases `op` if it is pure and unused, then the operands' definitions that became unused.
    pub fn erase_dead(m: &mut Module, op: OpId) {
        let mut work = vec![op];
        while let Some(op) = work.pop() {
            let data = m.op(op);
            let dead = m.is_live(op)
                && data.def.is(Traits::PURE)
                && data.regions.is_empty()
                && data.results.iter().all(|&r| m.uses(r).is_empty());
            if dead {
                work.extend(data.operands.iter().filter_map(|&v| m.defining_op(v)));
                m.erase(op);
            }
        }
    }

    /// `x * (±2^k)` as `x`, `neg(x)`, `shl(x, k)` or `neg(shl(x, k))` before `at`; the last op gets type `t`.
    pub fn shifted(m: &mut Module, at: OpId, x: Value, k: i64, negate: bool, t: &FixedTensor) -> Option<Value> {
        if !(0..=63).contains(&k) {
            return None;
        }
        let mut y = x;
        if k > 0 {
            let xt = tensor(m, x)?;
            let inner = if negate { t.with_width((xt.width + k as u32).min(he::MAX_WIDTH)) } else { t.clone() };
            let attrs = shift_attr(m, k);
            y = build(m, at, &he::SHL, &[y], &inner, attrs);
        }
        if negate {
            y = build(m, at, &he::NEG, &[y], t, vec![]);
        }
        Some(y)
    }

    /// The axis of a linear op's result that its weights' output channel runs along (bias index).
    pub fn channel_axis(m: &Module, op: OpId) -> Option<usize> {
        let rank = tensor(m, m.op(op).result())?.rank();
        if m.op(op).def == &he::CONV2D_PLAIN {
            Some(1)
        } else {
            rank.checked_sub(1)
        }
    }

    /// Row-major strides.
    pub fn strides(shape: &[u64]) -> Vec<usize> {
        let mut s = vec![1usize; shape.len()];
        for i in (0..shape.len().saturating_sub(1)).rev() {
            s[i] = s[i + 1] * shape[i + 1] as usize;
        }
        s
    }

    /// Replaces `op` by `he.trivial(he.encode(...))` of its result's type whose element `i` is
    /// `per_channel[channel of i along axis]` (or `per_channel[0]` everywhere when `axis` is `None`).
    pub fn constant_result(m: &mut Module, op: OpId, per_channel: &[i64], axis: Option<usize>) -> bool {
        let r = m.op(op).result();
        let Some(rt) = tensor(m, r) else { return false };
        let values: Vec<i64> = match axis {
            Some(a) if per_channel.len() > 1 => {
                let stride = strides(&rt.shape)[a];
                (0..rt.numel() as usize).map(|i| per_channel[i / stride % rt.shape[a] as usize]).collect()
            }
            _ => vec![per_channel.first().copied().unwrap_or(0)],
        };
        let p = encode(m, op, &rt, values);
        let Some(pt) = tensor(m, p) else { return false };
        let ct = build(m, op, &he::TRIVIAL, &[p], &pt.with_kind(Kind::Cipher), vec![]);
        replace_or_discard(m, r, ct)
    }

    /// For a plaintext broadcast to `target`, the value of each index along `axis`, when every element
    /// depends on that index only (a per-channel constant); `None` otherwise.
    pub fn per_channel(c: &Constant, target: &[u64], axis: usize) -> Option<Vec<i64>> {
        let shape = &c.tensor.shape;
        if !he::shape::broadcasts_to(shape, target) || axis >= target.len() {
            return None;
        }
        let n = target[axis] as usize;
        // The plaintext's own axis that lines up with `axis`, when it has one of extent > 1.
        let own = (axis + shape.len()).checked_sub(target.len()).filter(|&a| shape[a] > 1);
        let stride = own.map(|a| strides(shape)[a]);
        let mut out: Vec<Option<i64>> = vec![None; n];
        for i in 0..c.tensor.numel() as usize {
            let v = c.get(i);
            let channels = match (own, stride) {
                (Some(a), Some(s)) => {
                    let ch = i / s % shape[a] as usize;
                    ch..ch + 1
                }
                _ => 0..n,
            };
            for ch in channels {
                match out[ch] {
                    Some(prev) if prev != v => return None,
                    _ => out[ch] = Some(v),
                }
            }
        }
        out.into_iter().collect()
    }

    /// Applies `rewrite` at every live op until none applies (bounded, in case two rewrites undo each other);
    /// returns whether anything changed.
    pub fn fixpoint(m: &mut Module, mut rewrite: impl FnMut(&mut Module, OpId) -> bool) -> bool {
        let mut changed = false;
        for _ in 0..1000 {
            let mut round = false;
            for op in m.walk() {
                if m.is_live(op) && rewrite(m, op) {
                    round = true;
                }
            }
            if !round {
                break;
            }
            changed = true;
        }
        changed
    }

    /// Refreshes every function's signature from its arguments and returned values (a rewrite may have
    /// changed a returned value's width).
    pub fn retype_all(m: &mut Module) {
        for f in m.funcs() {
            sync_func_signature(m, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shared::{per_channel, Constant};
    use veil_he::FixedTensor;

    #[test]
    fn per_channel_constants() {
        let c = |shape: &[u64], values: &[i64]| Constant {
            tensor: FixedTensor::plain(shape, 8, 0),
            values: values.to_vec(),
        };
        assert_eq!(per_channel(&c(&[3], &[1, 2, 3]), &[2, 3], 1), Some(vec![1, 2, 3]));
        assert_eq!(per_channel(&c(&[], &[5]), &[2, 3], 1), Some(vec![5, 5, 5]));
        assert_eq!(per_channel(&c(&[2, 1, 1], &[4, 7]), &[1, 2, 3, 3], 1), Some(vec![4, 7]));
        assert_eq!(per_channel(&c(&[2, 3], &[1, 2, 3, 1, 2, 3]), &[2, 3], 1), Some(vec![1, 2, 3]));
        assert_eq!(per_channel(&c(&[2, 3], &[1, 2, 3, 1, 2, 4]), &[2, 3], 1), None);
        assert_eq!(per_channel(&c(&[2, 1], &[1, 2]), &[2, 3], 1), None);
    }
}
