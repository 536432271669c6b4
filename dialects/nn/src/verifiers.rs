//! The verifier of each nn op: the dialect rules (shapes, broadcasting, attribute values) checked after the
//! core has checked arity and attribute kinds. Shape arithmetic is delegated to [`crate::shapes`] and
//! attribute reading to [`crate::attrs`], which the other crates share.

use veil_ir::{type_to_string, Module, OpId};

use crate::attrs::{
    AvgPool2dAttrs, BatchNormAttrs, ConcatAttrs, Conv2dAttrs, MaxPool2dAttrs, PadAttrs, ReduceSumAttrs, TransposeAttrs,
    VALUE,
};
use crate::check::{element_count, expect_rank, expect_result, signature};
use crate::shapes::{
    avg_pool2d_output_shape, broadcast_shapes, concat_shape, conv2d_output_shape, matmul_output_shape, pad_shape,
    pool2d_output_shape, reduce_shape, transpose_shape,
};

pub(crate) fn constant(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let a = m.op(op).attr(VALUE).ok_or("requires attribute 'value'")?;
    let dense = m.attr_as_dense(a).ok_or("attribute 'value' must be a dense elements attribute")?;
    let result_ty = m.value_type(m.op(op).result());
    if dense.ty != result_ty {
        return Err(format!(
            "'value' has type {} but the result has type {}; they must be equal",
            type_to_string(m, dense.ty),
            type_to_string(m, result_ty)
        ));
    }
    let count = element_count(&sig.result, "the result")?;
    let held = dense.values.len() as u64;
    if held != 1 && held != count {
        return Err(format!("'value' holds {held} elements; expected {count} or a single splat element"));
    }
    Ok(())
}

/// `add`, `sub`, `mul`: the result has the broadcast shape of the operands.
pub(crate) fn broadcast_binary(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let (a, b) = (sig.operand(0)?, sig.operand(1)?);
    let shape =
        broadcast_shapes(a, b).ok_or_else(|| format!("operand shapes {a:?} and {b:?} are not broadcastable"))?;
    expect_result(&sig, &shape)
}

/// `neg`, `relu`: the result has the operand's shape.
pub(crate) fn unary(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let shape = sig.operand(0)?.to_vec();
    expect_result(&sig, &shape)
}

pub(crate) fn matmul(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let shape = matmul_output_shape(sig.operand(0)?, sig.operand(1)?)?;
    expect_result(&sig, &shape)
}

pub(crate) fn conv2d(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    if sig.operands.len() > 3 {
        return Err(format!("expects 2 or 3 operands (input, weight, optional bias), got {}", sig.operands.len()));
    }
    let attrs = Conv2dAttrs::try_read(m, op)?;
    let shape = conv2d_output_shape(sig.operand(0)?, sig.operand(1)?, &attrs)?;
    if sig.operands.len() == 3 {
        let out_channels = shape.get(1).copied().unwrap_or_default();
        let bias = sig.operand(2)?;
        if bias != [out_channels] {
            return Err(format!("the bias must have shape [{out_channels}] (output channels), got {bias:?}"));
        }
    }
    expect_result(&sig, &shape)
}

pub(crate) fn avg_pool2d(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let attrs = AvgPool2dAttrs::try_read(m, op)?;
    let shape = avg_pool2d_output_shape(sig.operand(0)?, &attrs)?;
    expect_result(&sig, &shape)
}

pub(crate) fn max_pool2d(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let attrs = MaxPool2dAttrs::try_read(m, op)?;
    let shape = pool2d_output_shape(sig.operand(0)?, &attrs.window())?;
    expect_result(&sig, &shape)
}

pub(crate) fn global_avg_pool2d(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let x = expect_rank(&sig, 0, 4, "N, C, H, W")?;
    expect_result(&sig, &[x[0], x[1], 1, 1])
}

pub(crate) fn reshape(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let input = element_count(sig.operand(0)?, "the operand")?;
    let output = element_count(&sig.result, "the result")?;
    if input != output {
        return Err(format!(
            "the operand has {input} elements ({:?}) but the result has {output} ({:?}); they must be equal",
            sig.operand(0)?,
            sig.result
        ));
    }
    Ok(())
}

pub(crate) fn transpose(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let attrs = TransposeAttrs::try_read(m, op)?;
    let shape = transpose_shape(sig.operand(0)?, &attrs.perm).ok_or("'perm' must be a permutation of the axes")?;
    expect_result(&sig, &shape)
}

pub(crate) fn pad(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let attrs = PadAttrs::try_read(m, op)?;
    let shape = pad_shape(sig.operand(0)?, &attrs.pads).ok_or("the padded shape overflows")?;
    expect_result(&sig, &shape)
}

pub(crate) fn concat(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let attrs = ConcatAttrs::try_read(m, op)?;
    let shape = concat_shape(&sig.operands, attrs.axis)?;
    expect_result(&sig, &shape)
}

pub(crate) fn reduce_sum(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    let attrs = ReduceSumAttrs::try_read(m, op)?;
    expect_result(&sig, &reduce_shape(sig.operand(0)?, &attrs.axes, attrs.keepdims))
}

pub(crate) fn batch_norm(m: &Module, op: OpId) -> Result<(), String> {
    let sig = signature(m, op)?;
    BatchNormAttrs::try_read(m, op)?;
    let x = sig.operand(0)?;
    let channels = match x {
        [_, c, ..] => *c,
        _ => return Err(format!("operand #0 must have rank at least 2 (N, C, ...), got shape {x:?}")),
    };
    for (i, name) in [(1, "scale"), (2, "bias"), (3, "mean"), (4, "var")] {
        let p = sig.operand(i)?;
        if p != [channels] {
            return Err(format!("operand #{i} ({name}) must have shape [{channels}] (the channels of x), got {p:?}"));
        }
    }
    let shape = x.to_vec();
    expect_result(&sig, &shape)
}
