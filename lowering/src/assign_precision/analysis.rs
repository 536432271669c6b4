//! The float side of the precision analysis: runs an nn function with the reference evaluator
//! (`veil_nn::eval`) on per-element intervals (sound ranges from the argument ranges and the actual constant
//! weights) or on calibration samples (observed ranges), recording every value, and tracks which values depend
//! on the function's inputs.

use std::collections::{HashMap, HashSet};

use veil_ir::builtin::RETURN;
use veil_ir::{Module, OpId, Value};
use veil_nn::eval::{self, Interval, Scalar, Tensor};

/// Whether `op` is an nn op (asked of the dialect's op table, not of names).
pub fn is_nn(m: &Module, op: OpId) -> bool {
    let def = m.op(op).def;
    veil_nn::ops::ALL.contains(&def)
}

/// `x * x` of one interval: never negative (tighter than the product of two independent intervals).
pub fn square(x: Interval) -> Interval {
    if x.lo >= 0.0 || x.hi <= 0.0 {
        Interval::new(x.lo * x.lo, x.hi * x.hi)
    } else {
        Interval::new(0.0, x.lo.abs().max(x.hi.abs()).powi(2))
    }
}

/// Runs the nn ops of `f` in order on `args`; `visit` sees every argument and result. `square` evaluates
/// `nn.mul(x, x)` of one value when given. Ops of other dialects are skipped; the error names the op.
pub fn run<T: Scalar>(
    m: &Module,
    f: OpId,
    args: Vec<Tensor<T>>,
    square: Option<fn(T) -> T>,
    mut visit: impl FnMut(Value, &Tensor<T>),
) -> Result<(), (OpId, String)> {
    let body = m.body(f).ok_or((f, "the function has no body".to_string()))?;
    let mut env: HashMap<Value, Tensor<T>> = HashMap::new();
    for (&a, t) in m.block(body).args.iter().zip(args) {
        visit(a, &t);
        env.insert(a, t);
    }
    for &op in &m.block(body).ops {
        let data = m.op(op);
        if data.def == &RETURN || !is_nn(m, op) {
            continue;
        }
        let result = if data.def == &veil_nn::CONSTANT {
            eval::constant::<T>(m, op)
        } else {
            let operands = data
                .operands
                .iter()
                .map(|v| {
                    env.get(v).ok_or_else(|| "an operand was not computed (is it defined by a non-nn op?)".to_string())
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| (op, e))?;
            match (square, data.def == &veil_nn::MUL && data.operands[0] == data.operands[1]) {
                (Some(sq), true) => Ok(operands[0].map(sq)),
                _ => eval::Op::from_ir(m, op).and_then(|o| o.apply(&operands)),
            }
        };
        let result = result.map_err(|e| (op, e))?;
        visit(data.result(), &result);
        env.insert(data.result(), result);
    }
    Ok(())
}

/// The values of `f` that depend on its arguments (computed on ciphertexts); the others are compile-time
/// constants.
pub fn input_dependent(m: &Module, f: OpId) -> HashSet<Value> {
    let mut secret: HashSet<Value> = HashSet::new();
    let Some(body) = m.body(f) else { return secret };
    secret.extend(m.block(body).args.iter().copied());
    for &op in &m.block(body).ops {
        if m.op(op).operands.iter().any(|v| secret.contains(v)) {
            secret.extend(m.op(op).results.iter().copied());
        }
    }
    secret
}

/// The hull `[lo, hi]` of every element of every value over every sample, each widened by `margin` times its
/// width on both sides. Samples are consecutive chunks of `data` of the (single) argument's element count.
pub fn calibrate(m: &Module, f: OpId, data: &[f32], margin: f64) -> Result<HashMap<Value, (f64, f64)>, (OpId, String)> {
    let body = m.body(f).ok_or((f, "the function has no body".to_string()))?;
    let [arg] = m.block(body).args.as_slice() else {
        return Err((f, "calibration data covers one input, but the function takes several".into()));
    };
    let shape = m.static_shape(m.value_type(*arg)).ok_or((f, "the argument must have a static shape".to_string()))?;
    let n = shape.iter().product::<u64>() as usize;
    if n == 0 || data.is_empty() || !data.len().is_multiple_of(n) {
        return Err((
            f,
            format!("calibration data holds {} numbers, not a whole number of inputs of shape {shape:?}", data.len()),
        ));
    }
    let mut seen: HashMap<Value, (f64, f64)> = HashMap::new();
    for sample in data.chunks(n) {
        let t = Tensor::new(shape.clone(), sample.to_vec()).map_err(|e| (f, e))?;
        run(m, f, vec![t], None, |v, t| {
            let (lo, hi) = t
                .data()
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x as f64), hi.max(x as f64)));
            let e = seen.entry(v).or_insert((lo, hi));
            *e = (e.0.min(lo), e.1.max(hi));
        })?;
    }
    for r in seen.values_mut() {
        let widen = margin * (r.1 - r.0);
        *r = (r.0 - widen, r.1 + widen);
    }
    Ok(seen)
}
