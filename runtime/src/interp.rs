//! The rt interpreter: runs one function of an rt module on a [`Backend`]. Calls execute in dependency order, one
//! topological level at a time, and the calls of a level run in parallel (rayon); `rt.const` buffers are
//! materialized as plaintext tensors. Arguments are checked against the function signature (shape, kind, and each
//! element's width), and every error names the argument or the op that failed.

use crate::backend::Backend;
use crate::error::{Result, RuntimeError};
use crate::tensor::Tensor;
use crate::width::Width;
use rayon::prelude::*;
use veil_he::{FixedTensor, Kind};
use veil_ir::builtin::{func_name, func_signature};
use veil_ir::graph::topological_levels;
use veil_ir::{DenseValues, Module, OpId, Type, Value};
use veil_rt::RtTensor;

/// A buffer of the running program: ciphertexts of the backend, or plaintext integers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Buffer<C> {
    Ct(Tensor<C>),
    Pt(Tensor<i64>),
}

impl<C> Buffer<C> {
    fn shape(&self) -> &[usize] {
        match self {
            Buffer::Ct(t) => &t.shape,
            Buffer::Pt(t) => &t.shape,
        }
    }
}

/// The function called `name` (the only function when `name` is `None`).
pub fn find_function(m: &Module, name: Option<&str>) -> Result<OpId> {
    let funcs = m.funcs();
    let names = || funcs.iter().map(|&f| format!("@{}", func_name(m, f))).collect::<Vec<_>>().join(", ");
    match name {
        Some(n) => funcs
            .iter()
            .copied()
            .find(|&f| func_name(m, f) == n)
            .ok_or_else(|| RuntimeError::Program(format!("no function @{n} in the module (it has: {})", names()))),
        None if funcs.len() == 1 => Ok(funcs[0]),
        None => Err(RuntimeError::Program(format!("the module has {} functions ({}); name one", funcs.len(), names()))),
    }
}

/// The typed view of an rt type.
pub fn rt_type(m: &Module, t: Type) -> Result<FixedTensor> {
    FixedTensor::of_rt(m, t)
        .ok_or_else(|| RuntimeError::Program(format!("{} is not an rt type", veil_ir::type_to_string(m, t))))
}

fn dims(t: &FixedTensor) -> Vec<usize> {
    t.shape.iter().map(|&d| d as usize).collect()
}

fn width(t: &FixedTensor) -> Result<Width> {
    Width::new(t.width)
}

/// The argument types of function `func`, as rt typed views.
pub fn signature(m: &Module, func: OpId) -> Result<(Vec<FixedTensor>, Vec<FixedTensor>)> {
    let (inputs, results) = func_signature(m, func);
    let view = |ts: Vec<Type>| ts.into_iter().map(|t| rt_type(m, t)).collect::<Result<Vec<_>>>();
    Ok((view(inputs)?, view(results)?))
}

fn check_argument<B: Backend + ?Sized>(backend: &B, name: &str, ty: &FixedTensor, arg: &Buffer<B::Ct>) -> Result<()> {
    let err = |message: String| RuntimeError::Argument { name: name.to_string(), message };
    if arg.shape() != dims(ty) {
        return Err(err(format!("shape {:?}, the function expects {:?}", arg.shape(), ty.shape)));
    }
    let w = width(ty)?;
    match (arg, ty.kind) {
        (Buffer::Ct(t), Kind::Cipher) => backend.check_tensor(t, w).map_err(err),
        (Buffer::Pt(t), Kind::Plain) => match t.data.iter().position(|&v| !w.contains(v as i128)) {
            Some(i) => Err(err(format!("element {} = {} does not fit in {w}", i, t.data[i]))),
            None => Ok(()),
        },
        (Buffer::Ct(_), _) => Err(err("a ciphertext where the function expects a plaintext".into())),
        (Buffer::Pt(_), _) => Err(err("a plaintext where the function expects a ciphertext".into())),
    }
}

/// Runs function `name` (or the only one) of `m` on `inputs` with `backend`; returns the function's results.
pub fn run<B: Backend + ?Sized>(
    m: &Module,
    name: Option<&str>,
    inputs: Vec<Buffer<B::Ct>>,
    backend: &B,
) -> Result<Vec<Buffer<B::Ct>>> {
    run_observed(m, name, inputs, backend, &mut |_, _| {})
}

/// [`run`], calling `after_level` with the ops of each topological level (run in parallel) and its wall time once
/// the level is done: the hook of `veil run --profile`.
pub fn run_observed<B: Backend + ?Sized>(
    m: &Module,
    name: Option<&str>,
    inputs: Vec<Buffer<B::Ct>>,
    backend: &B,
    after_level: &mut dyn FnMut(&[OpId], std::time::Duration),
) -> Result<Vec<Buffer<B::Ct>>> {
    let func = find_function(m, name)?;
    let body = m.body(func).ok_or_else(|| RuntimeError::Program("the function has no body".into()))?;
    let args = &m.block(body).args;
    if inputs.len() != args.len() {
        return Err(RuntimeError::Program(format!(
            "the function takes {} arguments, {} given",
            args.len(),
            inputs.len()
        )));
    }
    let mut slots: Vec<Option<Buffer<B::Ct>>> = vec![None; m.value_capacity()];
    for (index, (&arg, input)) in args.iter().zip(inputs).enumerate() {
        let ty = rt_type(m, m.value_type(arg))?;
        check_argument(backend, &format!("#{index}"), &ty, &input)?;
        slots[arg.index()] = Some(input);
    }
    let mut outputs = None;
    for level in topological_levels(m, func) {
        let start = std::time::Instant::now();
        let results: Vec<(OpId, Step<B::Ct>)> =
            level.par_iter().map(|&op| (op, execute(m, op, &slots, backend))).collect();
        after_level(&level, start.elapsed());
        for (op, result) in results {
            let at = |e: RuntimeError| RuntimeError::Program(format!("{}: {e}", describe(m, op)));
            match result.map_err(at)? {
                Some(buffer) => slots[m.op(op).result().index()] = Some(buffer),
                None if m.op(op).name() == "func.return" => {
                    outputs = Some(m.op(op).operands.iter().map(|&v| read(&slots, v)).collect::<Result<Vec<_>>>()?)
                }
                None => {}
            }
        }
    }
    outputs.ok_or_else(|| RuntimeError::Program("the function has no func.return".into()))
}

/// `%3 = rt.call @relu`: how errors name an op.
fn describe(m: &Module, op: OpId) -> String {
    let data = m.op(op);
    let callee = data.attr("callee").and_then(|a| m.attr_as_str(a)).map(|c| format!(" @{c}")).unwrap_or_default();
    match data.results.first() {
        Some(r) => format!("{r} = {}{callee}", data.name()),
        None => data.name().to_string(),
    }
}

fn read<C: Clone>(slots: &[Option<Buffer<C>>], v: Value) -> Result<Buffer<C>> {
    slots[v.index()].clone().ok_or_else(|| RuntimeError::Program(format!("{v} is used before it is computed")))
}

/// What one op produced: its buffer, or `None` for ops without one (func.return).
type Step<C> = Result<Option<Buffer<C>>>;

/// Runs one op.
fn execute<B: Backend + ?Sized>(m: &Module, op: OpId, slots: &[Option<Buffer<B::Ct>>], backend: &B) -> Step<B::Ct> {
    let data = m.op(op);
    match data.name() {
        "func.return" => Ok(None),
        "rt.const" => {
            let ty = rt_type(m, m.value_type(data.result()))?;
            let mut values = dense_ints(m, data.attr("value"), "value")?;
            let shape = dims(&ty);
            if values.len() == 1 {
                // A splat (`dense<v> : tensor<10xi4>`): one value for every element.
                values = vec![values[0]; shape.iter().product()];
            }
            Ok(Some(Buffer::Pt(Tensor::new(shape, values)?)))
        }
        "rt.call" => {
            let operands = data.operands.iter().map(|&v| slot(slots, v)).collect::<Result<Vec<_>>>()?;
            let ty = rt_type(m, m.value_type(data.result()))?;
            let result = crate::dispatch::call(m, op, &operands, &ty, backend)?;
            if result.shape != dims(&ty) {
                return Err(RuntimeError::Program(format!(
                    "result shape {:?}, its type says {:?}",
                    result.shape, ty.shape
                )));
            }
            Ok(Some(Buffer::Ct(result)))
        }
        other => Err(RuntimeError::Program(format!("{other} is not an rt op: lower the module to rt first"))),
    }
}

fn slot<C>(slots: &[Option<Buffer<C>>], v: Value) -> Result<&Buffer<C>> {
    slots[v.index()].as_ref().ok_or_else(|| RuntimeError::Program(format!("{v} is used before it is computed")))
}

/// The integers of a dense attribute.
pub fn dense_ints(m: &Module, attr: Option<veil_ir::Attr>, name: &str) -> Result<Vec<i64>> {
    let dense = attr.and_then(|a| m.attr_as_dense(a));
    match dense.map(|d| &d.values) {
        Some(DenseValues::Int(v)) => Ok(v.clone()),
        Some(DenseValues::Bool(v)) => Ok(v.iter().map(|&b| b as i64).collect()),
        _ => Err(RuntimeError::Program(format!("attribute '{name}' must be a dense integer array"))),
    }
}
