//! Reading MLIR types and attributes into Veil's values: static tensor shapes, dense constants as float or integer
//! tensors (checked against the resource limits first), integer arrays in any of MLIR's spellings, and scalars.

use std::rc::Rc;

use melior::ir::attribute::{
    ArrayAttribute, AttributeLike, DenseElementsAttribute, DenseI32ArrayAttribute, DenseI64ArrayAttribute,
    FloatAttribute, IntegerAttribute,
};
use melior::ir::operation::OperationLike;
use melior::ir::r#type::TypeLike;
use melior::ir::{Attribute, OperationRef, Type};
use mlir_sys as sys;
use veil_ir::Limits;
use veil_nn::build::Val;
use veil_nn::eval::Tensor;

/// The element type of a tensor (or a scalar type itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Element {
    F32,
    F64,
    /// A signless, signed or unsigned integer of this width, or `index` (width 64).
    Int(u32),
    Other,
}

fn element(ty: Type) -> Element {
    let raw = ty.to_raw();
    unsafe {
        if sys::mlirTypeIsAF32(raw) {
            Element::F32
        } else if sys::mlirTypeIsAF64(raw) {
            Element::F64
        } else if sys::mlirTypeIsAIndex(raw) {
            Element::Int(64)
        } else if sys::mlirTypeIsAInteger(raw) {
            Element::Int(sys::mlirIntegerTypeGetWidth(raw))
        } else {
            Element::Other
        }
    }
}

/// The static shape and element type of a ranked tensor type (`[]` and the type itself for a scalar).
pub(crate) fn tensor_type(ty: Type) -> Result<(Vec<u64>, Element), String> {
    let raw = ty.to_raw();
    if !unsafe { sys::mlirTypeIsAShaped(raw) } {
        return Ok((vec![], element(ty)));
    }
    if !unsafe { sys::mlirTypeIsARankedTensor(raw) } {
        return Err(format!("the type {ty} is not a ranked tensor"));
    }
    let rank = unsafe { sys::mlirShapedTypeGetRank(raw) };
    let mut shape = vec![];
    for i in 0..rank as isize {
        let d = unsafe { sys::mlirShapedTypeGetDimSize(raw, i) };
        if unsafe { sys::mlirShapedTypeIsDynamicSize(d) } {
            return Err(format!("the type {ty} has a dynamic dimension: Veil needs static shapes"));
        }
        shape.push(d as u64);
    }
    let elem = unsafe { Type::from_raw(sys::mlirShapedTypeGetElementType(raw)) };
    Ok((shape, element(elem)))
}

/// The static shape of a float (f32) tensor type: what an argument or a computed value must be.
pub(crate) fn float_shape(ty: Type) -> Result<Vec<u64>, String> {
    match tensor_type(ty)? {
        (shape, Element::F32) => Ok(shape),
        _ => Err(format!("the type {ty} is not a tensor of f32: Veil computes on f32 tensors")),
    }
}

/// A dense constant (`dense<...>` or `dense_resource<...>` with its blob): a float tensor for float elements,
/// an integer one for integers and indices; its element count checked against the limits before it is read.
pub(crate) fn dense(attr: Attribute, limits: &Limits) -> Result<Val, String> {
    let raw = attr.to_raw();
    let ty = attr.r#type();
    let (shape, elem) = tensor_type(ty)?;
    let dims: Vec<Option<u64>> = shape.iter().map(|&d| Some(d)).collect();
    let count = limits.check_elements(|| format!("the constant of type {ty}"), &dims).map_err(|e| e.to_sentence())?;
    let count = count as usize;
    if unsafe { sys::mlirAttributeIsADenseResourceElements(raw) } {
        return Err(format!(
            "a dense_resource constant ({ty}) is not read yet: print the program with its weights inline \
             (e.g. mlir-opt --mlir-print-op-generic after materializing resources), or as dense<...>"
        ));
    }
    let dense =
        DenseElementsAttribute::try_from(attr).map_err(|_| format!("the attribute {attr} is not a dense constant"))?;
    let at = |i: usize| if dense.is_splat() { 0 } else { i } as isize;
    let get_int = |i: usize| -> i64 {
        let pos = at(i);
        unsafe {
            match elem {
                Element::Int(1) => i64::from(sys::mlirDenseElementsAttrGetBoolValue(raw, pos)),
                Element::Int(8) => i64::from(sys::mlirDenseElementsAttrGetInt8Value(raw, pos)),
                Element::Int(16) => i64::from(sys::mlirDenseElementsAttrGetInt16Value(raw, pos)),
                Element::Int(32) => i64::from(sys::mlirDenseElementsAttrGetInt32Value(raw, pos)),
                _ if sys::mlirTypeIsAIndex(sys::mlirShapedTypeGetElementType(ty.to_raw())) => {
                    sys::mlirDenseElementsAttrGetIndexValue(raw, pos) as i64
                }
                _ => sys::mlirDenseElementsAttrGetInt64Value(raw, pos),
            }
        }
    };
    match elem {
        Element::F32 => {
            let data = (0..count).map(|i| unsafe { sys::mlirDenseElementsAttrGetFloatValue(raw, at(i)) }).collect();
            Ok(Val::Float(Rc::new(Tensor::new(shape, data)?)))
        }
        Element::F64 => {
            let data =
                (0..count).map(|i| unsafe { sys::mlirDenseElementsAttrGetDoubleValue(raw, at(i)) } as f32).collect();
            Ok(Val::Float(Rc::new(Tensor::new(shape, data)?)))
        }
        Element::Int(1 | 8 | 16 | 32 | 64) => {
            Ok(Val::Int(Rc::new(Tensor::new(shape, (0..count).map(get_int).collect())?)))
        }
        _ => Err(format!("constants of type {ty} are not supported (f32, f64 and integers are)")),
    }
}

/// A scalar constant attribute (`0.0 : f32`, `1 : i64`) as a rank-0 float or integer tensor.
pub(crate) fn scalar(attr: Attribute) -> Result<Val, String> {
    if let Ok(f) = FloatAttribute::try_from(attr) {
        return Ok(Val::float(Tensor::scalar(f.value() as f32)));
    }
    if let Ok(i) = IntegerAttribute::try_from(attr) {
        return Ok(Val::Int(Rc::new(Tensor::scalar(i.value()))));
    }
    Err(format!("the constant {attr} is neither a float, an integer nor a dense tensor"))
}

/// An integer array attribute of an op, in any spelling: `array<i64: ...>`, `array<i32: ...>`, `dense<...>`
/// of integers, or `[1, 2]` of integer attributes.
pub(crate) fn ints(op: OperationRef, name: &str) -> Result<Vec<i64>, String> {
    let attr = op.attribute(name).map_err(|_| format!("the attribute '{name}' is missing"))?;
    ints_of(attr).ok_or_else(|| format!("the attribute '{name}' ({attr}) is not an array of integers"))
}

/// [`ints`], or `None` when the op has no such attribute.
pub(crate) fn opt_ints(op: OperationRef, name: &str) -> Result<Option<Vec<i64>>, String> {
    if op.has_attribute(name) {
        ints(op, name).map(Some)
    } else {
        Ok(None)
    }
}

fn ints_of(attr: Attribute) -> Option<Vec<i64>> {
    if let Ok(a) = DenseI64ArrayAttribute::try_from(attr) {
        return (0..a.len()).map(|i| a.element(i).ok()).collect();
    }
    if let Ok(a) = DenseI32ArrayAttribute::try_from(attr) {
        return (0..a.len()).map(|i| a.element(i).ok().map(i64::from)).collect();
    }
    if let Ok(a) = ArrayAttribute::try_from(attr) {
        return (0..a.len())
            .map(|i| a.element(i).ok().and_then(|e| IntegerAttribute::try_from(e).ok()).map(|e| e.value()))
            .collect();
    }
    if unsafe { sys::mlirAttributeIsADenseIntElements(attr.to_raw()) } {
        // A tensor or a vector of integers (`dense<1> : vector<2xi64>`).
        let raw = attr.to_raw();
        let width = element(unsafe { Type::from_raw(sys::mlirShapedTypeGetElementType(attr.r#type().to_raw())) });
        let count = unsafe { sys::mlirElementsAttrGetNumElements(raw) }.clamp(0, 64) as isize;
        return (0..count)
            .map(|i| unsafe {
                match width {
                    Element::Int(32) => Some(i64::from(sys::mlirDenseElementsAttrGetInt32Value(raw, i))),
                    Element::Int(64) => Some(sys::mlirDenseElementsAttrGetInt64Value(raw, i)),
                    _ => None,
                }
            })
            .collect();
    }
    None
}

/// An integer attribute of an op (`axis = 1 : i32`).
pub(crate) fn int(op: OperationRef, name: &str) -> Result<i64, String> {
    let attr = op.attribute(name).map_err(|_| format!("the attribute '{name}' is missing"))?;
    IntegerAttribute::try_from(attr)
        .map(|i| i.value())
        .map_err(|_| format!("the attribute '{name}' ({attr}) is not an integer"))
}

/// A float attribute of an op (`min_val = 0.0 : f32`).
pub(crate) fn float(op: OperationRef, name: &str) -> Result<f64, String> {
    let attr = op.attribute(name).map_err(|_| format!("the attribute '{name}' is missing"))?;
    FloatAttribute::try_from(attr)
        .map(|f| f.value())
        .map_err(|_| format!("the attribute '{name}' ({attr}) is not a float"))
}

/// Converts integers to the sizes of a window (kernel, stride, dilation): all at least 1.
pub(crate) fn sizes<const N: usize>(values: &[i64], what: &str) -> Result<[u64; N], String> {
    let sizes: Vec<u64> = values
        .iter()
        .map(|&v| u64::try_from(v).ok().filter(|&v| v > 0))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("{what} {values:?} must be positive"))?;
    sizes.try_into().map_err(|_| format!("{what} {values:?} must have {N} values"))
}

/// Converts integers to paddings: all at least 0.
pub(crate) fn pads(values: &[i64], what: &str) -> Result<Vec<u64>, String> {
    values.iter().map(|&v| u64::try_from(v).map_err(|_| format!("{what} {values:?} must not be negative"))).collect()
}
