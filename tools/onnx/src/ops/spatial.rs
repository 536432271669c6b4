//! 2-d sliding-window ops on NCHW tensors: Conv, AveragePool, MaxPool, GlobalAveragePool. `auto_pad` is
//! resolved to explicit pads here, since the nn ops take pads only.

use veil_nn::eval::Op;
use veil_nn::shapes::{AvgPool2dAttrs, Conv2dAttrs, MaxPool2dAttrs};

use crate::error::ImportError;
use crate::graph::{Importer, Val};
use crate::node::Node;

/// A two-element attribute (`strides`, `dilations`, `kernel_shape`), or `default`.
fn pair(node: &Node, name: &str, default: [u64; 2]) -> Result<[u64; 2], ImportError> {
    match node.sizes(name)? {
        None => Ok(default),
        Some(v) => <[u64; 2]>::try_from(v.as_slice())
            .map_err(|_| node.unsupported_attr(name, format!("{v:?}"), "only 2-d windows (two entries) are supported")),
    }
}

/// `[H, W]` of an NCHW input, or an error: only 2-d windows are supported.
fn spatial_dims(node: &Node, x: &Val) -> Result<[u64; 2], ImportError> {
    match x.shape() {
        [_, _, h, w] => Ok([*h, *w]),
        s => Err(node.unsupported(format!(
            "only 2-d {} on rank-4 (N, C, H, W) inputs is supported, got shape {s:?}",
            node.op_type()
        ))),
    }
}

/// The pads `[top, left, bottom, right]` from `pads` or `auto_pad`.
fn pads(
    node: &Node,
    hw: [u64; 2],
    kernel: [u64; 2],
    strides: [u64; 2],
    dilations: [u64; 2],
) -> Result<[u64; 4], ImportError> {
    let auto_pad = node.string("auto_pad", "NOTSET")?;
    match auto_pad.as_str() {
        "NOTSET" => match node.sizes("pads")? {
            None => Ok([0; 4]),
            Some(p) => <[u64; 4]>::try_from(p.as_slice())
                .map_err(|_| node.unsupported_attr("pads", format!("{p:?}"), "2-d windows take four pads")),
        },
        "VALID" => Ok([0; 4]),
        "SAME_UPPER" | "SAME_LOWER" => {
            let mut out = [0; 4];
            for i in 0..2 {
                // The output keeps ceil(input / stride) positions; the extra padding goes at the end (UPPER).
                let target = hw[i].div_ceil(strides[i].max(1));
                // Saturating: absurd attribute values must fail in the shape rules, not overflow here.
                let extent = dilations[i].saturating_mul(kernel[i].saturating_sub(1)).saturating_add(1);
                let reach = target.saturating_sub(1).saturating_mul(strides[i]).saturating_add(extent);
                let total = reach.saturating_sub(hw[i]);
                let small = total / 2;
                (out[i], out[i + 2]) =
                    if auto_pad == "SAME_UPPER" { (small, total - small) } else { (total - small, small) };
            }
            Ok(out)
        }
        other => Err(node.unsupported_attr(
            "auto_pad",
            format!("\"{other}\""),
            "expected NOTSET, VALID, SAME_UPPER or SAME_LOWER",
        )),
    }
}

pub fn conv(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    let w = imp.input(node, 1)?;
    let hw = spatial_dims(node, &x)?;
    let kernel = match w.shape() {
        [_, _, kh, kw] => [*kh, *kw],
        s => return Err(node.shape_error(format!("the weight must have rank 4 (O, C/group, kh, kw), got {s:?}"))),
    };
    if node.has("kernel_shape") && pair(node, "kernel_shape", kernel)? != kernel {
        return Err(node.shape_error(format!("kernel_shape differs from the weight's spatial dimensions {kernel:?}")));
    }
    let strides = pair(node, "strides", [1, 1])?;
    let dilations = pair(node, "dilations", [1, 1])?;
    let groups = u64::try_from(node.int("group", 1)?)
        .map_err(|_| node.unsupported_attr("group", "negative", "must be positive"))?;
    let attrs = Conv2dAttrs { strides, pads: pads(node, hw, kernel, strides, dilations)?, dilations, groups };
    let mut operands = vec![x, w];
    operands.extend(imp.opt_input(node, 2)?);
    Ok(vec![imp.emit(node, Op::Conv2d(attrs), &operands)?])
}

/// The window of a pooling node (kernel, strides, pads, dilations); `ceil_mode = 1` is accepted where it
/// changes nothing.
fn pool_window(node: &Node, x: &Val) -> Result<MaxPool2dAttrs, ImportError> {
    let hw = spatial_dims(node, x)?;
    if !node.has("kernel_shape") {
        return Err(node.invalid("attribute 'kernel_shape' is required"));
    }
    let kernel = pair(node, "kernel_shape", [1, 1])?;
    let strides = pair(node, "strides", [1, 1])?;
    let dilations = pair(node, "dilations", [1, 1])?;
    if kernel.iter().chain(&strides).chain(&dilations).any(|&v| v == 0) {
        return Err(node.unsupported_attr("kernel_shape/strides/dilations", "0", "sizes must be positive"));
    }
    let pads = pads(node, hw, kernel, strides, dilations)?;
    if node.int("ceil_mode", 0)? != 0 {
        let exact = (0..2).all(|i| {
            let padded = hw[i].saturating_add(pads[i]).saturating_add(pads[i + 2]);
            let span = padded.saturating_sub(dilations[i].saturating_mul(kernel[i] - 1).saturating_add(1));
            span.is_multiple_of(strides[i])
        });
        if !exact {
            return Err(node.unsupported_attr("ceil_mode", "1", "rounding the output size up is not supported"));
        }
    }
    Ok(MaxPool2dAttrs { kernel, strides, pads, dilations })
}

pub fn average_pool(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    let MaxPool2dAttrs { kernel, strides, pads, dilations } = pool_window(node, &x)?;
    if dilations != [1, 1] {
        return Err(node.unsupported_attr("dilations", format!("{dilations:?}"), "average pooling is not dilated"));
    }
    let count_include_pad = node.int("count_include_pad", 0)? != 0;
    let attrs = AvgPool2dAttrs { kernel, strides, pads, count_include_pad };
    Ok(vec![imp.emit(node, Op::AvgPool2d(attrs), &[x])?])
}

/// MaxPool's values (its optional `Indices` output is not produced).
pub fn max_pool(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    let attrs = pool_window(node, &x)?;
    Ok(vec![imp.emit(node, Op::MaxPool2d(attrs), &[x])?])
}

pub fn global_average_pool(imp: &mut Importer, node: &Node) -> Result<Vec<Val>, ImportError> {
    let x = imp.input(node, 0)?;
    spatial_dims(node, &x)?;
    Ok(vec![imp.emit(node, Op::GlobalAvgPool2d, &[x])?])
}
