//! `--nn-to-he`: lowers the float nn program to an exact fixed-point program on ciphertexts, in the formats that
//! `--assign-precision` chose (it must run first; the `nn-to-he` pipeline runs both).
//!
//! - Function arguments become `!he.ct` at their recorded format: the client sends `x_int = round(x * 2^frac)`
//!   per element (the arguments keep `veil.range`, `veil.frac` and `veil.width`); results are `!he.ct` too, and
//!   the client reads `y = y_int / 2^frac` with the frac of the result type.
//! - Values computed from constants only are folded at compile time (with `veil_nn::eval`); a constant used by
//!   a ciphertext op becomes an `he.encode` plaintext, `round(c * 2^frac)` at the weight frac for multiplicands
//!   and at the ciphertext's frac for addends.
//! - Every multiplication adds fraction bits (`he.mul_plain`, `he.matmul_plain`, ...) and is followed by an
//!   `he.rescale` back to the value's recorded frac. The bias of a matmul or a convolution (the conv2d's third
//!   operand, or a following `nn.add` of a per-output constant that is the product's only user) is folded into
//!   `he.matmul_plain` / `he.conv2d_plain` at the product's frac, before the rescale, so that it costs no
//!   separate addition and loses no precision.
//! - Every he value's width comes from the sound integer interval analysis ([`crate::he_ranges`]) of the program
//!   being built (intersected with the calibrated ranges when the module is marked `veil.calibrated`); one that
//!   needs more than `max-width` bits is an error naming the nn op and the range.
//!
//! The exact lowering of every op is documented on `Lowering::lower_op` (nn_to_he/ops.rs).

mod ops;

use std::collections::{HashMap, HashSet};

use veil_he::{FixedTensor, MAX_WIDTH};
use veil_ir::builtin::{return_op, sync_func_signature, RETURN};
use veil_ir::{Attr, DenseValues, Diagnostics, InsertPoint, Module, OpDef, OpId, Value};
use veil_nn::eval::{self, Tensor};

use crate::assign_precision::{self, format_of, is_nn, AssignPrecision};
use crate::he_lut_fuse::window::WINDOW_ATTR;
use crate::he_ranges::{scale_round, type_width_for, Interval, RangeAnalysis};
use crate::pass::{Changed, Pass, PassOptions};

/// The nn → he lowering; see the module documentation.
pub struct NnToHe;

impl Pass for NnToHe {
    fn name(&self) -> &'static str {
        "nn-to-he"
    }

    fn description(&self) -> &'static str {
        "Lower nn to he: inputs become ciphertexts, constants plaintexts, rescales keep the chosen fraction bits"
    }

    fn lowers_away(&self) -> Option<&'static str> {
        Some(veil_nn::DIALECT.name)
    }

    fn from_options(_: &PassOptions) -> Result<NnToHe, String> {
        Ok(NnToHe)
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let mut out = Changed::no();
        if assign_precision::recorded_precision(m).is_none() && m.walk().iter().any(|&op| is_nn(m, op)) {
            // No formats chosen yet: choose them with the default options, as `--assign-precision` would.
            out = AssignPrecision::with_defaults().run(m)?;
        }
        let mut changed = out.ir;
        for f in m.funcs() {
            let has_nn = {
                let mut ops = vec![];
                m.walk_into(f, &mut ops);
                ops.iter().any(|&op| is_nn(m, op))
            };
            if !has_nn && !has_float_args(m, f) {
                continue;
            }
            let Some((_, weight_frac, max_width)) = assign_precision::recorded_precision(m) else {
                return Err(m.error_at(f, "no fixed-point formats were chosen: run --assign-precision first"));
            };
            let mut l = Lowering {
                f,
                weight_frac,
                max_width,
                calibrated: assign_precision::is_calibrated(m),
                ranges: RangeAnalysis::new(),
                consts: HashMap::new(),
                map: HashMap::new(),
                fused: HashSet::new(),
                current: None,
            };
            l.run(m)?;
            changed = true;
        }
        out.ir = changed;
        Ok(out)
    }
}

fn has_float_args(m: &Module, f: OpId) -> bool {
    m.body(f).is_some_and(|b| m.block(b).args.iter().any(|&a| FixedTensor::of(m, m.value_type(a)).is_none()))
}

/// The state of lowering one function.
struct Lowering {
    f: OpId,
    weight_frac: i32,
    max_width: u32,
    calibrated: bool,
    ranges: RangeAnalysis,
    /// nn values known at compile time.
    consts: HashMap<Value, Tensor<f32>>,
    /// nn values computed on ciphertexts, and their he value.
    map: HashMap<Value, Value>,
    /// `nn.add` ops already lowered as the bias of the product before them.
    fused: HashSet<OpId>,
    /// The nn op being lowered and, in calibrated mode, its recorded real range.
    current: Option<(OpId, Option<(f64, f64)>)>,
}

/// An nn operand: a compile-time constant or a ciphertext.
enum Operand<'a> {
    Const(&'a Tensor<f32>),
    Cipher(Value),
}

impl Lowering {
    fn run(&mut self, m: &mut Module) -> Result<(), Diagnostics> {
        let f = self.f;
        let body = m.body(f).ok_or_else(|| m.error_at(f, "the function has no body"))?;
        self.lower_arguments(m)?;
        let ops: Vec<OpId> = m.block(body).ops.clone();
        self.fold_constants(m, &ops)?;
        for &op in &ops {
            if m.op(op).def == &RETURN || !is_nn(m, op) || self.fused.contains(&op) {
                continue;
            }
            let result = m.op(op).result();
            if self.consts.contains_key(&result) {
                continue;
            }
            let range = m.op(op).attr(assign_precision::RANGE).and_then(|a| m.attr_as_float_array(a));
            let range = range.and_then(|r| match r.as_slice() {
                &[lo, hi] if self.calibrated => Some((lo, hi)),
                _ => None,
            });
            self.current = Some((op, range));
            let v = self.lower_op(m, op)?;
            self.map.insert(result, v);
        }
        self.lower_return(m)?;
        for &op in &ops {
            if let Some(&v) = m.op(op).results.first().and_then(|r| self.map.get(r)) {
                carry_window(m, op, v);
            }
        }
        for &op in ops.iter().rev() {
            if m.is_live(op) && m.op(op).def != &RETURN && is_nn(m, op) {
                m.erase(op);
            }
        }
        sync_func_signature(m, f);
        Ok(())
    }

    /// Arguments become ciphertexts at their recorded format; their ranges seed the analysis.
    fn lower_arguments(&mut self, m: &mut Module) -> Result<(), Diagnostics> {
        let f = self.f;
        let args = m.body(f).map(|b| m.block(b).args.clone()).unwrap_or_default();
        for (i, &a) in args.iter().enumerate() {
            if FixedTensor::of(m, m.value_type(a)).is_some() {
                self.ranges.seed_argument(m, f, i).map_err(|e| m.error_at(f, e))?;
                self.map.insert(a, a);
                continue;
            }
            if !veil_nn::args::is_secret(m, f, i) {
                return Err(m.error_at(
                    f,
                    format!(
                        "argument #{i} is not marked veil.secret: nn-to-he encrypts every input, so mark it secret \
                         (or make it a constant)"
                    ),
                ));
            }
            let Some(((lo, hi), frac, _)) = format_of(m, f, a) else {
                return Err(
                    m.error_at(f, format!("argument #{i} has no fixed-point format: run --assign-precision first"))
                );
            };
            let shape = m.static_shape(m.value_type(a)).unwrap_or_default();
            if shape.contains(&0) {
                return Err(m.error_at(
                    f,
                    format!("argument #{i} has no elements (shape {}): an encrypted input needs at least one", veil_he::shape::format_shape(&shape)),
                ));
            }
            let ints = Interval::new(scale_round(lo, frac), scale_round(hi, frac));
            let width = type_width_for(ints);
            if width > self.max_width {
                return Err(m.error_at(
                    f,
                    format!(
                        "argument #{i} needs {width} bits for its integer range {ints} at frac {frac}, more than \
                         max-width = {}",
                        self.max_width
                    ),
                ));
            }
            let t = FixedTensor::cipher(shape, width, frac).to_type(m);
            m.set_value_type(a, t);
            self.ranges.seed_argument(m, f, i).map_err(|e| m.error_at(f, e))?;
            self.map.insert(a, a);
        }
        Ok(())
    }

    /// Evaluates every nn op whose operands are all compile-time constants.
    fn fold_constants(&mut self, m: &Module, ops: &[OpId]) -> Result<(), Diagnostics> {
        for &op in ops {
            let data = m.op(op);
            if data.def == &RETURN || !is_nn(m, op) {
                continue;
            }
            let value = if data.def == &veil_nn::CONSTANT {
                eval::constant::<f32>(m, op)
            } else {
                let Some(operands) = data.operands.iter().map(|v| self.consts.get(v)).collect::<Option<Vec<_>>>()
                else {
                    continue;
                };
                eval::Op::from_ir(m, op).and_then(|o| o.apply(&operands))
            };
            let value = value.map_err(|e| m.error_at(op, format!("cannot fold '{}': {e}", data.name())))?;
            self.consts.insert(data.result(), value);
        }
        Ok(())
    }

    fn operand(&self, m: &Module, op: OpId, i: usize) -> Result<Operand<'_>, Diagnostics> {
        let v = m.op(op).operands[i];
        if let Some(c) = self.consts.get(&v) {
            return Ok(Operand::Const(c));
        }
        self.map.get(&v).map(|&h| Operand::Cipher(h)).ok_or_else(|| {
            m.error_at(op, format!("operand #{i} of '{}' is not an nn value the lowering reached", m.op(op).name()))
        })
    }

    /// The frac recorded for the result of `op`.
    fn target_frac(&self, m: &Module, op: OpId) -> Result<i32, Diagnostics> {
        format_of(m, self.f, m.op(op).result()).map(|(_, frac, _)| frac).ok_or_else(|| {
            m.error_at(op, format!("'{}' has no fixed-point format: run --assign-precision first", m.op(op).name()))
        })
    }

    /// The op being lowered, where new ops go and errors point.
    fn at(&self) -> OpId {
        self.current.map_or(self.f, |(op, _)| op)
    }

    /// Creates an he op before the nn op being lowered, with a `!he.ct` result of `shape` and `frac` whose width
    /// the range analysis proves. `tighten` intersects with the calibrated range of the nn op (calibrated mode).
    /// (The arguments are the new op's parts, which read best side by side at the call sites.)
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        m: &mut Module,
        def: &'static OpDef,
        operands: &[Value],
        shape: &[u64],
        frac: i32,
        attrs: Vec<(String, Attr)>,
        tighten: bool,
    ) -> Result<Value, Diagnostics> {
        let at = self.at();
        if shape.contains(&0) {
            let name = m.op(at).name();
            return Err(m.error_at(at, format!("'{name}' would give a ciphertext with no elements (shape {})", veil_he::shape::format_shape(shape))));
        }
        let provisional = FixedTensor::cipher(shape.to_vec(), MAX_WIDTH, frac).to_type(m);
        let loc = m.op(at).loc.clone();
        let new = m.create(InsertPoint::Before(at), def, operands, &[provisional], attrs, loc);
        let v = m.op(new).result();
        self.ranges.visit(m, new).map_err(|e| m.error_at(at, e))?;
        if let (true, Some((_, Some((lo, hi))))) = (tighten, self.current) {
            self.tighten(v, lo, hi, frac);
        }
        let hull = self.ranges.hull(v).unwrap_or(Interval::point(0));
        let width = type_width_for(hull);
        if width > self.max_width {
            return Err(m.error_at(
                at,
                format!(
                    "'{}' lowers to '{}' whose integer range {hull} at frac {frac} needs {width} bits, more than \
                     max-width = {}; lower act-frac or weight-frac, or narrow the input ranges",
                    m.op(at).name(),
                    def.name,
                    self.max_width
                ),
            ));
        }
        let t = FixedTensor::cipher(shape.to_vec(), width, frac).to_type(m);
        m.set_value_type(v, t);
        Ok(v)
    }

    /// Calibrated mode: intersect each element's proven interval with the observed real range at `frac`
    /// (one unit of slack on each side for rounding).
    fn tighten(&mut self, v: Value, lo: f64, hi: f64, frac: i32) {
        let Some(mut r) = self.ranges.get(v).cloned() else { return };
        let scale = (frac as f64).exp2();
        let observed = Interval::new(scale_round((lo * scale).floor(), 0) - 1, scale_round((hi * scale).ceil(), 0) + 1);
        for e in &mut r.elems {
            *e = e.intersect(observed).unwrap_or(*e);
        }
        self.ranges.set(v, r);
    }

    /// An `he.encode` of `c` at `frac` (`round(c * 2^frac)`), before the op being lowered.
    fn encode(&mut self, m: &mut Module, c: &Tensor<f32>, frac: i32) -> Result<Value, Diagnostics> {
        let at = self.at();
        let ints: Vec<i128> = c.data().iter().map(|&x| scale_round(x as f64, frac)).collect();
        let hull = ints.iter().fold(Interval::point(0), |h, &v| h.hull(Interval::point(v)));
        let width = type_width_for(hull);
        if width > MAX_WIDTH {
            return Err(m.error_at(
                at,
                format!("a constant of '{}' needs {width} bits at frac {frac} (integers {hull})", m.op(at).name()),
            ));
        }
        let elem = m.int_type(width);
        let dense_ty = m.tensor_type(c.shape(), elem);
        let value = m.dense_attr(dense_ty, DenseValues::Int(ints.iter().map(|&v| v as i64).collect()));
        let t = FixedTensor::plain(c.shape().to_vec(), width, frac).to_type(m);
        let loc = m.op(at).loc.clone();
        let new = m.create(InsertPoint::Before(at), &veil_he::ENCODE, &[], &[t], vec![("value".into(), value)], loc);
        self.ranges.visit(m, new).map_err(|e| m.error_at(at, e))?;
        Ok(m.op(new).result())
    }

    /// `x` rescaled down to `frac` (unchanged when it has no more fraction bits than that).
    fn rescale_to(&mut self, m: &mut Module, x: Value, frac: i32, tighten: bool) -> Result<Value, Diagnostics> {
        let t = self.view(m, x);
        let mut v = x;
        let mut left = t.frac - frac;
        while left > 0 {
            let shift = left.min(63);
            left -= shift;
            let attrs = vec![("shift".to_string(), m.int_attr(shift.into()))];
            v = self.emit(m, &veil_he::RESCALE, &[v], &t.shape, frac + left, attrs, tighten && left == 0)?;
        }
        Ok(v)
    }

    /// A ciphertext operand's typed view.
    fn view(&self, m: &Module, v: Value) -> FixedTensor {
        FixedTensor::of(m, m.value_type(v)).unwrap_or_else(|| FixedTensor::cipher(vec![], MAX_WIDTH, 0))
    }

    /// A constant as a ciphertext: a trivial encryption of its encoding at `frac`.
    fn trivial(&mut self, m: &mut Module, c: &Tensor<f32>, frac: i32) -> Result<Value, Diagnostics> {
        let p = self.encode(m, c, frac)?;
        self.emit(m, &veil_he::TRIVIAL, &[p], c.shape(), frac, vec![], false)
    }

    fn lower_return(&mut self, m: &mut Module) -> Result<(), Diagnostics> {
        let Some(ret) = return_op(m, self.f) else { return Ok(()) };
        for i in 0..m.op(ret).operands.len() {
            let v = m.op(ret).operands[i];
            let new = match (self.map.get(&v), self.consts.get(&v).cloned()) {
                (Some(&h), _) => h,
                (None, Some(c)) => {
                    let frac = match m.defining_op(v) {
                        Some(op) => self.target_frac(m, op)?,
                        None => self.weight_frac,
                    };
                    self.current = Some((ret, None));
                    self.trivial(m, &c, frac)?
                }
                (None, None) => continue,
            };
            m.set_operand(ret, i, new);
        }
        Ok(())
    }
}

/// The shape of the result of `op`.
fn result_shape(m: &Module, op: OpId) -> Vec<u64> {
    m.static_shape(m.value_type(m.op(op).result())).unwrap_or_default()
}

#[cfg(test)]
mod tests;

/// The calibrated window an nn op asks its tables to read ([`WINDOW_ATTR`]) moves to the he op that computes its
/// value (he-lut-fuse reads it there, or on the rescale of a table it fuses).
fn carry_window(m: &mut Module, op: OpId, v: Value) {
    let (Some(window), Some(def)) = (m.op(op).attr(WINDOW_ATTR), m.defining_op(v)) else { return };
    if m.op(def).def.dialect() == veil_he::NAME {
        m.set_attr(def, WINDOW_ATTR, window);
    }
}
