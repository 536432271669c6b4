//! linalg on tensors (with tensor and arith), as torch-mlir and IREE emit it, to nn: the named ops (matmul,
//! batch_matmul, the NCHW and NHWC convolutions and poolings, fill, transpose, broadcast, the element-wise
//! add/sub/mul/max), `linalg.generic` whose payload is element-wise arith (or a sum), `tensor.empty`, `tensor.pad`,
//! the reshapes and `arith.constant`. An op's `outs` operand is its initial value: added when it is not zero
//! (a bias broadcast into a convolution's output, say).

use melior::ir::attribute::AttributeLike;
use melior::ir::block::BlockLike;
use melior::ir::operation::OperationLike;
use melior::ir::{OperationRef, RegionLike, Value};
use mlir_sys as sys;
use veil_nn::attrs::{AvgPool2dAttrs, Conv2dAttrs, MaxPool2dAttrs, PadAttrs, ReduceSumAttrs, TransposeAttrs};
use veil_nn::build::Val;
use veil_nn::eval::{Op, Tensor};

use super::convert::{name, Converter};
use super::read;

/// The ops of linalg, tensor and arith this module converts (besides `linalg.generic`'s payload ops).
pub(crate) const SUPPORTED: &[&str] = &[
    "arith.constant",
    "tensor.empty",
    "tensor.pad",
    "tensor.expand_shape",
    "tensor.collapse_shape",
    "tensor.reshape",
    "tensor.cast",
    "linalg.fill",
    "linalg.generic",
    "linalg.matmul",
    "linalg.batch_matmul",
    "linalg.conv_2d_nchw_fchw",
    "linalg.conv_2d_nhwc_hwcf",
    "linalg.depthwise_conv_2d_nchw_chw",
    "linalg.pooling_nchw_max",
    "linalg.pooling_nchw_sum",
    "linalg.pooling_nhwc_max",
    "linalg.pooling_nhwc_sum",
    "linalg.transpose",
    "linalg.broadcast",
    "linalg.add",
    "linalg.sub",
    "linalg.mul",
    "linalg.max",
];

const TO_NCHW: [usize; 4] = [0, 3, 1, 2];
const TO_NHWC: [usize; 4] = [0, 2, 3, 1];

pub(crate) fn convert(cv: &mut Converter, op: OperationRef, name: &str) -> Result<Vec<Val>, String> {
    let result = match name {
        "arith.constant" => {
            let attr = op.attribute("value").map_err(|_| "the attribute 'value' is missing".to_string())?;
            if unsafe { sys::mlirAttributeIsAElements(attr.to_raw()) } {
                cv.constant(attr)?
            } else {
                read::scalar(attr)?
            }
        }
        "tensor.empty" => {
            let shape = cv.result_shape(op, 0)?;
            zeros(cv, &shape)?
        }
        "tensor.pad" => pad(cv, op)?,
        "tensor.expand_shape" | "tensor.collapse_shape" | "tensor.reshape" | "tensor.cast" => {
            let x = cv.operand(op, 0)?;
            let shape = cv.result_shape(op, 0)?;
            cv.reshape(&x, &shape)?
        }
        "linalg.fill" => {
            let shape = cv.result_shape(op, 0)?;
            match cv.operand(op, 0)? {
                Val::Float(v) if v.len() == 1 => cv.full(&shape, v.data()[0])?,
                _ => return Err("fills with a value that is not a float constant".into()),
            }
        }
        "linalg.generic" => generic(cv, op)?,
        "linalg.matmul" | "linalg.batch_matmul" => matmul(cv, op, name == "linalg.batch_matmul")?,
        "linalg.conv_2d_nchw_fchw" | "linalg.conv_2d_nhwc_hwcf" | "linalg.depthwise_conv_2d_nchw_chw" => {
            conv(cv, op, name)?
        }
        "linalg.pooling_nchw_max"
        | "linalg.pooling_nchw_sum"
        | "linalg.pooling_nhwc_max"
        | "linalg.pooling_nhwc_sum" => pool(cv, op, name)?,
        "linalg.transpose" => {
            let perm = read::ints(op, "permutation")?;
            let perm: Vec<usize> = perm.iter().map(|&p| usize::try_from(p).unwrap_or(usize::MAX)).collect();
            let x = cv.operand(op, 0)?;
            cv.emit(Op::Transpose(TransposeAttrs { perm }), &[x])?
        }
        "linalg.broadcast" => {
            let x = cv.operand(op, 0)?;
            let out = cv.result_shape(op, 0)?;
            let added = read::ints(op, "dimensions")?;
            let with_ones: Vec<u64> = {
                let mut kept = x.shape().iter();
                (0..out.len())
                    .map(|d| if added.contains(&(d as i64)) { 1 } else { kept.next().copied().unwrap_or(1) })
                    .collect()
            };
            let x = cv.reshape(&x, &with_ones)?;
            broadcast_to(cv, x, &out)?
        }
        "linalg.add" | "linalg.sub" | "linalg.mul" | "linalg.max" => {
            let (a, b) = (cv.operand(op, 0)?, cv.operand(op, 1)?);
            match name {
                "linalg.add" => cv.emit(Op::Add, &[a, b])?,
                "linalg.sub" => cv.emit(Op::Sub, &[a, b])?,
                "linalg.mul" => cv.emit(Op::Mul, &[a, b])?,
                _ => max(cv, a, b)?,
            }
        }
        _ => {
            return Err(format!(
                "is not supported; the linalg, tensor and arith ops Veil converts are {} (with element-wise arith in \
                 linalg.generic)",
                SUPPORTED.join(", ")
            ))
        }
    };
    Ok(vec![result])
}

fn zeros(cv: &Converter, shape: &[u64]) -> Result<Val, String> {
    cv.full(shape, 0.0)
}

/// Whether `v` is a constant of zeros (an `outs` operand that adds nothing).
fn is_zero(v: &Val) -> bool {
    matches!(v, Val::Float(t) if t.data().iter().all(|&x| x == 0.0))
}

/// `x` broadcast to `shape` (numpy rules), by adding zeros when its shape differs.
fn broadcast_to(cv: &mut Converter, x: Val, shape: &[u64]) -> Result<Val, String> {
    if x.shape() == shape {
        return Ok(x);
    }
    let z = zeros(cv, shape)?;
    cv.emit(Op::Add, &[x, z])
}

/// `init + y`, or `y` when the initial value is zero.
fn accumulate(cv: &mut Converter, init: Val, y: Val) -> Result<Val, String> {
    if is_zero(&init) {
        Ok(y)
    } else {
        cv.emit(Op::Add, &[init, y])
    }
}

/// `max(a, b)` with a ReLU: `relu(a)` when b is zero, else `a + relu(b − a)`.
fn max(cv: &mut Converter, a: Val, b: Val) -> Result<Val, String> {
    let (a, b) = if is_zero(&a) { (b, a) } else { (a, b) };
    if is_zero(&b) && b.shape().iter().product::<u64>() <= 1 {
        return cv.emit(Op::Relu, &[a]);
    }
    let d = cv.emit(Op::Sub, &[b, a.clone()])?;
    let r = cv.emit(Op::Relu, &[d])?;
    cv.emit(Op::Add, &[a, r])
}

/// `min(a, b) = a − relu(a − b)`.
fn min(cv: &mut Converter, a: Val, b: Val) -> Result<Val, String> {
    let d = cv.emit(Op::Sub, &[a.clone(), b])?;
    let r = cv.emit(Op::Relu, &[d])?;
    cv.emit(Op::Sub, &[a, r])
}

/// One result of an affine map: a loop dimension or a constant (0, for an axis of size 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MapExpr {
    Dim(usize),
    Const(i64),
}

/// The `indexing_maps` of an op, each as its list of results; any other affine expression is an error.
fn indexing_maps(op: OperationRef) -> Result<Vec<Vec<MapExpr>>, String> {
    let attr = op.attribute("indexing_maps").map_err(|_| "the attribute 'indexing_maps' is missing".to_string())?;
    let raw = attr.to_raw();
    if !unsafe { sys::mlirAttributeIsAArray(raw) } {
        return Err(format!("indexing_maps ({attr}) is not an array"));
    }
    let count = unsafe { sys::mlirArrayAttrGetNumElements(raw) };
    (0..count)
        .map(|i| {
            let element = unsafe { sys::mlirArrayAttrGetElement(raw, i) };
            if !unsafe { sys::mlirAttributeIsAAffineMap(element) } {
                return Err(format!("indexing map #{i} is not an affine map"));
            }
            let map = unsafe { sys::mlirAffineMapAttrGetValue(element) };
            let results = unsafe { sys::mlirAffineMapGetNumResults(map) };
            (0..results)
                .map(|r| {
                    let expr = unsafe { sys::mlirAffineMapGetResult(map, r) };
                    unsafe {
                        if sys::mlirAffineExprIsADim(expr) {
                            Ok(MapExpr::Dim(sys::mlirAffineDimExprGetPosition(expr) as usize))
                        } else if sys::mlirAffineExprIsAConstant(expr) {
                            Ok(MapExpr::Const(sys::mlirAffineConstantExprGetValue(expr)))
                        } else {
                            Err(format!("indexing map #{i} is not a projected permutation (an index is computed)"))
                        }
                    }
                })
                .collect()
        })
        .collect()
}

/// The number of `ins` operands (from `operandSegmentSizes`; all but the last otherwise).
fn ins_count(op: OperationRef) -> Result<usize, String> {
    match read::opt_ints(op, "operandSegmentSizes")? {
        Some(sizes) if !sizes.is_empty() => {
            usize::try_from(sizes[0]).map_err(|_| format!("operandSegmentSizes {sizes:?}"))
        }
        _ => Ok(op.operand_count().saturating_sub(1)),
    }
}

/// Brings an operand into the loop space of `loops` dimensions: its axis for loop dimension k at position k, 1
/// where the map does not read a dimension (broadcast by the element-wise ops that follow).
fn to_loop_space(cv: &mut Converter, x: Val, map: &[MapExpr], loops: usize) -> Result<Val, String> {
    let shape = x.shape().to_vec();
    if shape.len() != map.len() {
        return Err(format!("an operand of shape {shape:?} has an indexing map of {} results", map.len()));
    }
    let mut axes: Vec<(usize, u64)> = vec![];
    for (axis, expr) in map.iter().enumerate() {
        match *expr {
            MapExpr::Dim(k) if k < loops => axes.push((k, shape[axis])),
            MapExpr::Const(0) if shape[axis] == 1 => {}
            _ => return Err(format!("indexing map {map:?} is not a broadcast of its operand")),
        }
    }
    let kept: Vec<u64> = axes.iter().map(|&(_, size)| size).collect();
    let x = cv.reshape(&x, &kept)?;
    let mut order: Vec<usize> = (0..axes.len()).collect();
    order.sort_by_key(|&i| axes[i].0);
    let x = cv.transpose(&x, &order)?;
    let mut full = vec![1; loops];
    for &(k, size) in &axes {
        full[k] = size;
    }
    cv.reshape(&x, &full)
}

/// `linalg.generic`: element-wise (every iterator parallel) or a sum over its reduction dimensions.
fn generic(cv: &mut Converter, op: OperationRef) -> Result<Val, String> {
    let maps = indexing_maps(op)?;
    let ins = ins_count(op)?;
    if op.operand_count() != ins + 1 || op.result_count() != 1 {
        return Err("only a generic with one output is supported".into());
    }
    let out_map = maps.last().ok_or("no indexing maps")?.clone();
    let out_shape = cv.result_shape(op, 0)?;
    let loops = maps
        .iter()
        .flatten()
        .filter_map(|e| if let MapExpr::Dim(k) = e { Some(k + 1) } else { None })
        .max()
        .unwrap_or(0);
    // Loop sizes from every operand's map.
    let mut sizes = vec![None; loops];
    for (i, map) in maps.iter().enumerate() {
        let shape = if i < ins { cv.operand(op, i)?.shape().to_vec() } else { out_shape.clone() };
        for (axis, expr) in map.iter().enumerate() {
            if let (MapExpr::Dim(k), Some(&size)) = (expr, shape.get(axis)) {
                sizes[*k] = Some(size);
            }
        }
    }
    let sizes: Vec<u64> = sizes.into_iter().map(|s| s.unwrap_or(1)).collect();
    let reduced: Vec<usize> = (0..loops).filter(|k| !out_map.contains(&MapExpr::Dim(*k))).collect();
    let region = op.region(0).map_err(|_| "the generic has no payload".to_string())?;
    let block = region.first_block().ok_or("the generic has no payload")?;
    let mut env: Vec<(Value, Val)> = vec![];
    for (i, map) in maps.iter().enumerate().take(ins) {
        let x = cv.operand(op, i)?;
        let x = to_loop_space(cv, x, map, loops)?;
        env.push((block.argument(i).map_err(|e| e.to_string())?.into(), x));
    }
    let out_arg: Value = block.argument(ins).map_err(|e| e.to_string())?.into();
    let init = cv.operand(op, ins)?;
    let yielded = payload(cv, block, &env, out_arg)?;
    let (value, accumulates) = yielded;
    let in_loop_order = if reduced.is_empty() {
        if accumulates {
            return Err("an element-wise payload reads its output".into());
        }
        broadcast_to(cv, value, &sizes)?
    } else {
        if !accumulates {
            return Err("a reduction whose payload is not a sum (`arith.addf` of the output) is not supported".into());
        }
        let value = broadcast_to(cv, value, &sizes)?;
        let axes = reduced.clone();
        cv.emit(Op::ReduceSum(ReduceSumAttrs { axes, keepdims: false }), &[value])?
    };
    // The kept loop dimensions, in loop order; the output map orders them (constants are axes of size 1).
    let kept: Vec<usize> = (0..loops).filter(|k| !reduced.contains(k)).collect();
    let mut out_dims = vec![];
    for expr in &out_map {
        match expr {
            MapExpr::Dim(k) => {
                out_dims.push(kept.iter().position(|d| d == k).ok_or("the output map repeats a dimension")?)
            }
            MapExpr::Const(_) => {}
        }
    }
    let y = cv.transpose(&in_loop_order, &out_dims)?;
    let y = cv.reshape(&y, &out_shape)?;
    if reduced.is_empty() {
        Ok(y)
    } else {
        accumulate(cv, init, y)
    }
}

/// Evaluates a payload block on whole tensors: block arguments are the operands in loop space, values from outside
/// the block (scalar constants) are looked up. Returns the yielded value and whether it is a sum with the output
/// argument (a reduction: the output argument is then left out of the value).
fn payload(
    cv: &mut Converter,
    block: melior::ir::BlockRef,
    env: &[(Value, Val)],
    out_arg: Value,
) -> Result<(Val, bool), String> {
    let mut local: Vec<(Value, Val)> = env.to_vec();
    let mut accumulates = false;
    let lookup = |cv: &Converter, local: &[(Value, Val)], v: Value| -> Result<Val, String> {
        local
            .iter()
            .find(|(k, _)| *k == v)
            .map(|(_, x)| x.clone())
            .or_else(|| cv.lookup(v))
            .ok_or_else(|| format!("the payload reads a value Veil did not convert ({v})"))
    };
    let mut next = block.first_operation();
    while let Some(op) = next {
        let op_name = name(op);
        let arg = |i: usize| op.operand(i).map_err(|e| e.to_string());
        if op_name == "linalg.yield" {
            let v = arg(0)?;
            return Ok((lookup(cv, &local, v)?, accumulates));
        }
        // `out + x` (either order): a reduction's sum, the output argument left out.
        if op_name == "arith.addf" && (arg(0)? == out_arg || arg(1)? == out_arg) {
            let other = if arg(0)? == out_arg { arg(1)? } else { arg(0)? };
            accumulates = true;
            let x = lookup(cv, &local, other)?;
            local.push((op.result(0).map_err(|e| e.to_string())?.into(), x));
            next = op.next_in_block();
            continue;
        }
        let mut operands = vec![];
        for i in 0..op.operand_count() {
            let v = arg(i)?;
            if v == out_arg {
                return Err(format!("'{op_name}' in the payload reads the output: only sums accumulate"));
            }
            operands.push(lookup(cv, &local, v));
        }
        let get = |i: usize| -> Result<Val, String> { operands.get(i).cloned().ok_or("missing operand")? };
        let value = match op_name.as_str() {
            "arith.constant" => {
                let attr = op.attribute("value").map_err(|_| "the attribute 'value' is missing".to_string())?;
                read::scalar(attr)?
            }
            "arith.addf" => cv.emit(Op::Add, &[get(0)?, get(1)?])?,
            "arith.subf" => cv.emit(Op::Sub, &[get(0)?, get(1)?])?,
            "arith.mulf" => cv.emit(Op::Mul, &[get(0)?, get(1)?])?,
            "arith.negf" => cv.emit(Op::Neg, &[get(0)?])?,
            "arith.divf" => match get(1)? {
                Val::Float(d) if d.len() == 1 && d.data()[0] != 0.0 => {
                    let reciprocal = Val::float(Tensor::scalar(1.0 / d.data()[0]));
                    cv.emit(Op::Mul, &[get(0)?, reciprocal])?
                }
                _ => return Err("'arith.divf' in the payload divides by a value that is not a non-zero constant".into()),
            },
            "arith.maximumf" | "arith.maxnumf" => max(cv, get(0)?, get(1)?)?,
            "arith.minimumf" | "arith.minnumf" => min(cv, get(0)?, get(1)?)?,
            "arith.truncf" | "arith.extf" => get(0)?,
            "arith.cmpf" => {
                // Kept as a marker: only `select(cmpf(a, b), a, b)` (a max or a min) is supported.
                let predicate = read::int(op, "predicate")?;
                local.push((op.result(0).map_err(|e| e.to_string())?.into(), Val::Int(std::rc::Rc::new(Tensor::scalar(predicate)))));
                next = op.next_in_block();
                continue;
            }
            "arith.select" => select(cv, op, &local, |cv: &Converter, v| lookup(cv, &local, v))?,
            other => return Err(format!("'{other}' in a linalg.generic payload is not supported (element-wise addf, subf, mulf, divf by a constant, negf, maximumf, minimumf, and select of a comparison are)")),
        };
        local.push((op.result(0).map_err(|e| e.to_string())?.into(), value));
        next = op.next_in_block();
    }
    Err("the payload does not end with linalg.yield".into())
}

/// `select(cmpf(pred, a, b), a, b)` as a max or a min (torch-mlir's ReLU: `select(a > 0, a, 0)`).
fn select(
    cv: &mut Converter,
    op: OperationRef,
    local: &[(Value, Val)],
    lookup: impl Fn(&Converter, Value) -> Result<Val, String>,
) -> Result<Val, String> {
    let unsupported = || {
        "'arith.select' in the payload must choose between the two values its condition compares (a max or a min)"
            .to_string()
    };
    let operand = |i: usize| op.operand(i).map_err(|e| e.to_string());
    let condition = operand(0)?;
    let compare = local.iter().find(|(k, _)| *k == condition).map(|(_, v)| v.clone());
    let Some(Val::Int(predicate)) = compare else { return Err(unsupported()) };
    let cmp = op
        .operand(0)
        .ok()
        .and_then(|v| melior::ir::operation::OperationResult::try_from(v).ok())
        .map(|r| r.owner())
        .ok_or_else(unsupported)?;
    let (a, b) = (cmp.operand(0).map_err(|e| e.to_string())?, cmp.operand(1).map_err(|e| e.to_string())?);
    let (t, f) = (operand(1)?, operand(2)?);
    // arith.cmpf predicates: 2 ogt, 3 oge, 4 olt, 5 ole, 9 ugt, 10 uge, 11 ult, 12 ule.
    let greater = match predicate.data()[0] {
        2 | 3 | 9 | 10 => true,
        4 | 5 | 11 | 12 => false,
        _ => return Err(unsupported()),
    };
    let takes_first = if t == a && f == b {
        true
    } else if t == b && f == a {
        false
    } else {
        return Err(unsupported());
    };
    let (va, vb) = (lookup(cv, a)?, lookup(cv, b)?);
    if greater == takes_first {
        max(cv, va, vb)
    } else {
        min(cv, va, vb)
    }
}

/// `linalg.matmul` (2-d; the default maps, or B or A transposed) and `linalg.batch_matmul` (3-d).
fn matmul(cv: &mut Converter, op: OperationRef, batch: bool) -> Result<Val, String> {
    let (mut a, mut b, init) = (cv.operand(op, 0)?, cv.operand(op, 1)?, cv.operand(op, 2)?);
    if op.has_attribute("indexing_maps") {
        let maps = indexing_maps(op)?;
        let d = |k| MapExpr::Dim(k);
        let (m, n, k) = if batch { (1, 2, 3) } else { (0, 1, 2) };
        let lead: Vec<MapExpr> = if batch { vec![d(0)] } else { vec![] };
        let with = |x: &[MapExpr]| [lead.clone(), x.to_vec()].concat();
        let swap: Vec<usize> = if batch { vec![0, 2, 1] } else { vec![1, 0] };
        if maps.len() != 3 || maps[2] != with(&[d(m), d(n)]) {
            return Err(format!("indexing maps {maps:?} are not a matrix product"));
        }
        if maps[0] == with(&[d(k), d(m)]) {
            a = cv.transpose(&a, &swap)?;
        } else if maps[0] != with(&[d(m), d(k)]) {
            return Err(format!("indexing maps {maps:?} are not a matrix product"));
        }
        if maps[1] == with(&[d(n), d(k)]) {
            b = cv.transpose(&b, &swap)?;
        } else if maps[1] != with(&[d(k), d(n)]) {
            return Err(format!("indexing maps {maps:?} are not a matrix product"));
        }
    }
    let y = super::convert::matmul(cv, a, b)?;
    accumulate(cv, init, y)
}

/// The `strides` and `dilations` of a convolution or pooling (1 when absent).
fn window(op: OperationRef) -> Result<([u64; 2], [u64; 2]), String> {
    let strides = read::opt_ints(op, "strides")?.unwrap_or(vec![1, 1]);
    let dilations = read::opt_ints(op, "dilations")?.unwrap_or(vec![1, 1]);
    Ok((read::sizes(&strides, "strides")?, read::sizes(&dilations, "dilations")?))
}

/// A bias per channel when `init` (NCHW) is constant over N, H and W; `None` otherwise.
fn channel_bias(init: &Val) -> Option<Val> {
    let Val::Float(t) = init else { return None };
    let &[n, c, h, w] = t.shape() else { return None };
    let data = t.data();
    let plane = (h * w) as usize;
    if data.is_empty() || plane == 0 {
        return None;
    }
    let per_channel: Vec<f32> = (0..c as usize).map(|ch| data[ch * plane]).collect();
    let constant = (0..n as usize).all(|i| {
        (0..c as usize).all(|ch| data[(i * c as usize + ch) * plane..][..plane].iter().all(|&v| v == per_channel[ch]))
    });
    constant.then(|| Tensor::new(vec![c], per_channel).ok().map(Val::float)).flatten()
}

fn conv(cv: &mut Converter, op: OperationRef, name: &str) -> Result<Val, String> {
    let (x, w, init) = (cv.operand(op, 0)?, cv.operand(op, 1)?, cv.operand(op, 2)?);
    let (strides, dilations) = window(op)?;
    let nhwc = name == "linalg.conv_2d_nhwc_hwcf";
    let (x, w, init, groups) = match name {
        "linalg.conv_2d_nhwc_hwcf" => {
            let x = cv.transpose(&x, &TO_NCHW)?;
            let w = cv.transpose(&w, &[3, 2, 0, 1])?;
            let init = cv.transpose(&init, &TO_NCHW)?;
            (x, w, init, 1)
        }
        "linalg.depthwise_conv_2d_nchw_chw" => {
            let &[c, kh, kw] = w.shape() else { return Err(format!("the filter {:?} must be [C, KH, KW]", w.shape())) };
            let w = cv.reshape(&w, &[c, 1, kh, kw])?;
            (x, w, init, c)
        }
        _ => (x, w, init, 1),
    };
    let attrs = Conv2dAttrs { strides, pads: [0; 4], dilations, groups };
    let y = match channel_bias(&init) {
        Some(bias) => cv.emit(Op::Conv2d(attrs), &[x, w, bias])?,
        None => {
            let y = cv.emit(Op::Conv2d(attrs), &[x, w])?;
            accumulate(cv, init, y)?
        }
    };
    if nhwc {
        cv.transpose(&y, &TO_NHWC)
    } else {
        Ok(y)
    }
}

fn pool(cv: &mut Converter, op: OperationRef, name: &str) -> Result<Val, String> {
    let (x, window_shape, init) = (cv.operand(op, 0)?, cv.operand(op, 1)?, cv.operand(op, 2)?);
    let kernel: [u64; 2] = match window_shape.shape() {
        &[kh, kw] => [kh, kw],
        other => return Err(format!("the window {other:?} must be 2-d")),
    };
    let (strides, dilations) = window(op)?;
    let nhwc = name.contains("nhwc");
    let x = if nhwc { cv.transpose(&x, &TO_NCHW)? } else { x };
    let y = if name.ends_with("_max") {
        let lowest = matches!(&init, Val::Float(t) if t.data().iter().all(|&v| v <= f32::MIN));
        if !lowest {
            return Err("a max pooling's initial value must be -inf (or the lowest float)".into());
        }
        cv.emit(Op::MaxPool2d(MaxPool2dAttrs { kernel, strides, pads: [0; 4], dilations }), &[x])?
    } else {
        if dilations != [1, 1] {
            return Err("a sum pooling with dilations is not supported".into());
        }
        let mean =
            cv.emit(Op::AvgPool2d(AvgPool2dAttrs { kernel, strides, pads: [0; 4], count_include_pad: true }), &[x])?;
        let count = Val::float(Tensor::scalar((kernel[0] * kernel[1]) as f32));
        let sum = cv.emit(Op::Mul, &[mean, count])?;
        let init = if nhwc { cv.transpose(&init, &TO_NCHW)? } else { init };
        accumulate(cv, init, sum)?
    };
    if nhwc {
        cv.transpose(&y, &TO_NHWC)
    } else {
        Ok(y)
    }
}

/// `tensor.pad` with static sizes and a constant value.
fn pad(cv: &mut Converter, op: OperationRef) -> Result<Val, String> {
    if op.operand_count() != 1 {
        return Err("only static padding is supported".into());
    }
    let x = cv.operand(op, 0)?;
    let low = read::pads(&read::ints(op, "static_low")?, "static_low")?;
    let high = read::pads(&read::ints(op, "static_high")?, "static_high")?;
    let region = op.region(0).map_err(|_| "the pad has no region".to_string())?;
    let block = region.first_block().ok_or("the pad has no region")?;
    let yielded = block.terminator().and_then(|t| t.operand(0).ok()).ok_or("the pad yields nothing")?;
    let value = match cv.lookup(yielded) {
        Some(Val::Float(v)) if v.len() == 1 => f64::from(v.data()[0]),
        _ => return Err("the pad value must be a float constant defined outside the pad".into()),
    };
    cv.emit(Op::Pad(PadAttrs { pads: [low, high].concat(), value }), &[x])
}
