//! TOSA (as LLVM 22 defines it) to nn: constants and shapes, element-wise arithmetic, `clamp` as ReLU (or a
//! clip written with two ReLUs), `matmul`, the NHWC convolutions and pools (transposed to nn's NCHW and back:
//! data movement, free on ciphertexts), `reshape`, `transpose`, `pad`, `concat`, `reduce_sum`. Zero points must
//! be zero (float TOSA).

use melior::ir::operation::OperationLike;
use melior::ir::OperationRef;
use veil_nn::attrs::{AvgPool2dAttrs, ConcatAttrs, Conv2dAttrs, MaxPool2dAttrs, PadAttrs, ReduceSumAttrs};
use veil_nn::build::Val;
use veil_nn::eval::{Op, Tensor};

use super::convert::Converter;
use super::read;

/// The TOSA ops this module converts.
pub(crate) const SUPPORTED: &[&str] = &[
    "tosa.const",
    "tosa.const_shape",
    "tosa.identity",
    "tosa.add",
    "tosa.sub",
    "tosa.mul",
    "tosa.negate",
    "tosa.clamp",
    "tosa.matmul",
    "tosa.conv2d",
    "tosa.depthwise_conv2d",
    "tosa.avg_pool2d",
    "tosa.max_pool2d",
    "tosa.reshape",
    "tosa.transpose",
    "tosa.pad",
    "tosa.concat",
    "tosa.reduce_sum",
];

/// NHWC to NCHW, and back.
const TO_NCHW: [usize; 4] = [0, 3, 1, 2];
const TO_NHWC: [usize; 4] = [0, 2, 3, 1];

pub(crate) fn convert(cv: &mut Converter, op: OperationRef, name: &str) -> Result<Vec<Val>, String> {
    let result = match name {
        "tosa.const" => cv.dense_attr(op, if op.has_attribute("values") { "values" } else { "value" })?,
        "tosa.const_shape" => cv.dense_attr(op, "values")?,
        "tosa.identity" => cv.operand(op, 0)?,
        "tosa.add" => binary(cv, op, Op::Add)?,
        "tosa.sub" => binary(cv, op, Op::Sub)?,
        "tosa.mul" => {
            if op.operand_count() > 2 {
                zero(cv, op, 2, "the shift")?;
            }
            binary(cv, op, Op::Mul)?
        }
        "tosa.negate" => {
            zero_points(cv, op, 1)?;
            let x = cv.operand(op, 0)?;
            cv.emit(Op::Neg, &[x])?
        }
        "tosa.clamp" => {
            let x = cv.operand(op, 0)?;
            clamp(cv, x, read::float(op, "min_val")?, read::float(op, "max_val")?)?
        }
        "tosa.matmul" => {
            zero_points(cv, op, 2)?;
            let (a, b) = (cv.operand(op, 0)?, cv.operand(op, 1)?);
            super::convert::matmul(cv, a, b)?
        }
        "tosa.conv2d" => conv2d(cv, op, false)?,
        "tosa.depthwise_conv2d" => conv2d(cv, op, true)?,
        "tosa.avg_pool2d" | "tosa.max_pool2d" => pool2d(cv, op, name == "tosa.max_pool2d")?,
        "tosa.reshape" => {
            let x = cv.operand(op, 0)?;
            let shape = cv.result_shape(op, 0)?;
            cv.reshape(&x, &shape)?
        }
        "tosa.transpose" => {
            let perm = read::ints(op, "perms")?;
            let perm: Vec<usize> = perm
                .iter()
                .map(|&p| usize::try_from(p).map_err(|_| format!("perms {perm:?}")))
                .collect::<Result<_, _>>()?;
            let x = cv.operand(op, 0)?;
            cv.emit(Op::Transpose(veil_nn::attrs::TransposeAttrs { perm }), &[x])?
        }
        "tosa.pad" => {
            let x = cv.operand(op, 0)?;
            let Val::Int(padding) = cv.const_operand(op, 1, "the padding")? else {
                return Err("the padding must be a shape (tosa.const_shape)".into());
            };
            let value = match cv.const_operand(op, 2, "the pad value")? {
                Val::Float(t) if t.len() == 1 => f64::from(t.data()[0]),
                _ => return Err("the pad value must be one float".into()),
            };
            // TOSA: [d0 before, d0 after, d1 before, ...]; nn (ONNX): every begin, then every end.
            let pairs = read::pads(padding.data(), "padding")?;
            let rank = pairs.len() / 2;
            let pads = (0..rank).map(|d| pairs[2 * d]).chain((0..rank).map(|d| pairs[2 * d + 1])).collect();
            cv.emit(Op::Pad(PadAttrs { pads, value }), &[x])?
        }
        "tosa.concat" => {
            let axis = usize::try_from(read::int(op, "axis")?).map_err(|_| "axis must not be negative".to_string())?;
            let xs = (0..op.operand_count()).map(|i| cv.operand(op, i)).collect::<Result<Vec<_>, _>>()?;
            cv.emit(Op::Concat(ConcatAttrs { axis }), &xs)?
        }
        "tosa.reduce_sum" => {
            let axis = usize::try_from(read::int(op, "axis")?).map_err(|_| "axis must not be negative".to_string())?;
            let x = cv.operand(op, 0)?;
            cv.emit(Op::ReduceSum(ReduceSumAttrs { axes: vec![axis], keepdims: true }), &[x])?
        }
        _ => return Err(format!("is not supported; the TOSA ops Veil converts are {}", SUPPORTED.join(", "))),
    };
    Ok(vec![result])
}

fn binary(cv: &mut Converter, op: OperationRef, nn: Op) -> Result<Val, String> {
    let (a, b) = (cv.operand(op, 0)?, cv.operand(op, 1)?);
    cv.emit(nn, &[a, b])
}

/// Requires operand `i` to be a constant of zeros (a zero point or a shift).
fn zero(cv: &Converter, op: OperationRef, i: usize, what: &str) -> Result<(), String> {
    let all_zero = match cv.const_operand(op, i, what)? {
        Val::Float(t) => t.data().iter().all(|&v| v == 0.0),
        Val::Int(t) => t.data().iter().all(|&v| v == 0),
        Val::Ir { .. } => false,
    };
    all_zero.then_some(()).ok_or_else(|| format!("{what} (operand #{i}) must be zero: quantized TOSA is not supported"))
}

/// Requires the zero-point operands from `first` on to be zero.
fn zero_points(cv: &Converter, op: OperationRef, first: usize) -> Result<(), String> {
    (first..op.operand_count()).try_for_each(|i| zero(cv, op, i, "the zero point"))
}

/// `clamp(x, lo, hi)` with ReLUs: `relu(x)` for `[0, ∞)`, `lo + relu(x − lo)` for `[lo, ∞)`, `hi − relu(hi − x)`
/// for `(−∞, hi]`, and `lo + relu(x − lo) − relu(x − hi)` for both (ReLU6, say). A bound at or beyond f32's
/// largest magnitude counts as none.
fn clamp(cv: &mut Converter, x: Val, lo: f64, hi: f64) -> Result<Val, String> {
    let unbounded = |v: f64| v.abs() >= f64::from(f32::MAX);
    if lo > hi {
        return Err(format!("min_val {lo} is above max_val {hi}"));
    }
    let scalar = |v: f64| Val::float(Tensor::scalar(v as f32));
    let shifted_relu = |cv: &mut Converter, at: f64| -> Result<Val, String> {
        let d = if at == 0.0 { x.clone() } else { cv.emit(Op::Sub, &[x.clone(), scalar(at)])? };
        cv.emit(Op::Relu, &[d])
    };
    match (unbounded(lo), unbounded(hi)) {
        (true, true) => Ok(x),
        (false, true) if lo == 0.0 => shifted_relu(cv, 0.0),
        (false, true) => {
            let r = shifted_relu(cv, lo)?;
            cv.emit(Op::Add, &[r, scalar(lo)])
        }
        (true, false) => {
            let d = cv.emit(Op::Sub, &[scalar(hi), x.clone()])?;
            let r = cv.emit(Op::Relu, &[d])?;
            cv.emit(Op::Sub, &[scalar(hi), r])
        }
        (false, false) => {
            let low = shifted_relu(cv, lo)?;
            let high = shifted_relu(cv, hi)?;
            let r = cv.emit(Op::Sub, &[low, high])?;
            if lo == 0.0 {
                Ok(r)
            } else {
                cv.emit(Op::Add, &[r, scalar(lo)])
            }
        }
    }
}

/// `[top, bottom, left, right]` (TOSA) as nn's `[top, left, bottom, right]`.
fn window_pads(op: OperationRef) -> Result<[u64; 4], String> {
    let p = read::pads(&read::ints(op, "pad")?, "pad")?;
    match p.as_slice() {
        &[top, bottom, left, right] => Ok([top, left, bottom, right]),
        _ => Err(format!("pad {p:?} must have 4 values")),
    }
}

/// A convolution of an NHWC input: weights `[O, KH, KW, I]` (`depthwise`: `[KH, KW, C, M]`), a bias per output
/// channel, zero points after.
fn conv2d(cv: &mut Converter, op: OperationRef, depthwise: bool) -> Result<Val, String> {
    zero_points(cv, op, 3)?;
    let x = cv.operand(op, 0)?;
    let w = cv.operand(op, 1)?;
    let bias = cv.operand(op, 2)?;
    let (w, groups) = match (depthwise, w.shape()) {
        (false, [_, _, _, _]) => (cv.transpose(&w, &TO_NCHW)?, 1),
        (true, &[kh, kw, c, m]) => {
            let cm = cv.transpose(&w, &[2, 3, 0, 1])?;
            (cv.reshape(&cm, &[c * m, 1, kh, kw])?, c)
        }
        (_, shape) => return Err(format!("the weights must have rank 4, not shape {shape:?}")),
    };
    let out_channels = w.shape()[0];
    let bias = match bias {
        Val::Float(t) if t.len() == 1 && out_channels > 1 => Val::float(Tensor::full(vec![out_channels], t.data()[0])?),
        other => other,
    };
    let attrs = Conv2dAttrs {
        strides: read::sizes(&read::ints(op, "stride")?, "stride")?,
        pads: window_pads(op)?,
        dilations: read::sizes(&read::ints(op, "dilation")?, "dilation")?,
        groups,
    };
    let nchw = cv.transpose(&x, &TO_NCHW)?;
    let y = cv.emit(Op::Conv2d(attrs), &[nchw, w, bias])?;
    cv.transpose(&y, &TO_NHWC)
}

/// Average (padding not counted) or max pooling of an NHWC input.
fn pool2d(cv: &mut Converter, op: OperationRef, max: bool) -> Result<Val, String> {
    let x = cv.operand(op, 0)?;
    let kernel = read::sizes(&read::ints(op, "kernel")?, "kernel")?;
    let strides = read::sizes(&read::ints(op, "stride")?, "stride")?;
    let pads = window_pads(op)?;
    let nn = if max {
        Op::MaxPool2d(MaxPool2dAttrs { kernel, strides, pads, dilations: [1, 1] })
    } else {
        zero_points(cv, op, 1)?;
        Op::AvgPool2d(AvgPool2dAttrs { kernel, strides, pads, count_include_pad: false })
    };
    let nchw = cv.transpose(&x, &TO_NCHW)?;
    let y = cv.emit(nn, &[nchw])?;
    cv.transpose(&y, &TO_NHWC)
}
