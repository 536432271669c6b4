//! The walk of an upstream program: its entry function (`@main`, or its only public one), the arguments as secret
//! f32 inputs with their ranges, each op of the body converted by its dialect's module (what each MLIR value stands
//! for: a constant known at import or an nn value), and `func.return`'s operands as the results. An op nothing
//! converts is an error naming it at its location in the source.

use std::collections::HashMap;

use melior::ir::attribute::{StringAttribute, TypeAttribute};
use melior::ir::block::BlockLike;
use melior::ir::operation::OperationLike;
use melior::ir::r#type::FunctionType;
use melior::ir::{Module as MlirModule, OperationRef, RegionLike, Value, ValueLike};
use veil_ir::{Diagnostic, Limits, Location, Registry};
use veil_nn::build::{FuncBuilder, Val};
use veil_nn::eval::Op;

use super::{linalg, read, tosa, Source};
use crate::{ImportError, ImportOptions, Imported};

/// The state of a conversion: the nn function being built and what every MLIR value converted so far stands for.
pub(crate) struct Converter<'s> {
    pub b: FuncBuilder,
    vals: HashMap<usize, Val>,
    source: &'s Source,
    pub limits: Limits,
    /// The bytes of the program's constants read so far, against `limits.max_constant_bytes`.
    constant_bytes: u64,
}

/// A value's identity, for the map of converted values.
fn key(v: Value) -> usize {
    v.to_raw().ptr as usize
}

impl Converter<'_> {
    /// What `v` stands for, when it has been converted.
    pub fn lookup(&self, v: Value) -> Option<Val> {
        self.vals.get(&key(v)).cloned()
    }

    pub fn define(&mut self, v: Value, val: Val) {
        self.vals.insert(key(v), val);
    }

    /// Operand `i` of `op`, converted.
    pub fn operand(&self, op: OperationRef, i: usize) -> Result<Val, String> {
        let v = op.operand(i).map_err(|_| format!("operand #{i} is missing"))?;
        self.lookup(v).ok_or_else(|| format!("operand #{i} is not a value Veil converted"))
    }

    /// Operand `i` as a float constant, or an error naming `what` it is.
    pub fn const_operand(&self, op: OperationRef, i: usize, what: &str) -> Result<Val, String> {
        match self.operand(op, i)? {
            v @ (Val::Float(_) | Val::Int(_)) => Ok(v),
            Val::Ir { .. } => Err(format!("{what} (operand #{i}) must be a constant")),
        }
    }

    /// The static shape of result `i` of `op` (an f32 tensor).
    pub fn result_shape(&self, op: OperationRef, i: usize) -> Result<Vec<u64>, String> {
        let result = op.result(i).map_err(|_| format!("result #{i} is missing"))?;
        read::float_shape(result.r#type())
    }

    /// Applies an nn op (folded when its operands are constants).
    pub fn emit(&mut self, op: Op, operands: &[Val]) -> Result<Val, String> {
        self.b.emit(op, operands).map_err(|e| e.to_string())
    }

    pub fn transpose(&mut self, v: &Val, perm: &[usize]) -> Result<Val, String> {
        if perm.iter().enumerate().all(|(i, &p)| i == p) {
            return Ok(v.clone());
        }
        self.emit(Op::Transpose(veil_nn::attrs::TransposeAttrs { perm: perm.to_vec() }), std::slice::from_ref(v))
    }

    pub fn reshape(&mut self, v: &Val, shape: &[u64]) -> Result<Val, String> {
        if v.shape() == shape {
            return Ok(v.clone());
        }
        self.emit(Op::Reshape(shape.to_vec()), std::slice::from_ref(v))
    }

    /// Reads a dense constant attribute of `op`, counting its bytes against the limit on all constants.
    pub fn dense_attr(&mut self, op: OperationRef, name: &str) -> Result<Val, String> {
        let attr = op.attribute(name).map_err(|_| format!("the attribute '{name}' is missing"))?;
        self.constant(attr)
    }

    /// [`Self::dense_attr`] of an attribute in hand.
    pub fn constant(&mut self, attr: melior::ir::Attribute) -> Result<Val, String> {
        let value = read::dense(attr, &self.limits)?;
        let bytes = value.shape().iter().product::<u64>().saturating_mul(4);
        self.limits.add_constant_bytes(&mut self.constant_bytes, bytes).map_err(|e| e.to_sentence())?;
        Ok(value)
    }

    /// A constant tensor of `shape` filled with `value`, its size checked against the limits.
    pub fn full(&self, shape: &[u64], value: f32) -> Result<Val, String> {
        let dims: Vec<Option<u64>> = shape.iter().map(|&d| Some(d)).collect();
        self.limits.check_elements(|| format!("a tensor of shape {shape:?}"), &dims).map_err(|e| e.to_sentence())?;
        Ok(Val::float(veil_nn::eval::Tensor::full(shape.to_vec(), value)?))
    }

    /// A diagnostic at `op`'s location in the source.
    fn error_at(&self, op: OperationRef, message: String) -> Diagnostic {
        Diagnostic::error(self.source.location(op.location()), message)
    }

    /// The location nn ops built for `op` carry: the source file, line and column.
    fn nn_location(&self, op: OperationRef) -> Location {
        match self.source.location(op.location()) {
            Location::Span { start, .. } => {
                let before = &self.source.text[..start as usize];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                Location::FileLineCol { file: self.source.name.clone(), line: line as u32, col: col as u32 }
            }
            other => other,
        }
    }
}

/// A matrix product; a batch of one (`[1, M, K] × [1, K, N]`, TOSA's and `batch_matmul`'s form) is computed as
/// the 2-d product it is, which the compiler lowers (it takes no batched products of a secret).
pub(crate) fn matmul(cv: &mut Converter, a: Val, b: Val) -> Result<Val, String> {
    match (a.shape(), b.shape()) {
        (&[1, m, k], &[1, k2, n]) if k == k2 => {
            let a2 = cv.reshape(&a, &[m, k])?;
            let b2 = cv.reshape(&b, &[k, n])?;
            let y = cv.emit(Op::MatMul, &[a2, b2])?;
            cv.reshape(&y, &[1, m, n])
        }
        _ => cv.emit(Op::MatMul, &[a, b]),
    }
}

/// The name of an op (`tosa.matmul`).
pub(crate) fn name(op: OperationRef) -> String {
    op.name().as_string_ref().as_str().unwrap_or_default().to_string()
}

/// The function to import: `@main`, else the only function that is not private.
fn entry<'c, 'a>(module: &'a MlirModule<'c>, source: &Source) -> Result<OperationRef<'c, 'a>, ImportError> {
    let mut funcs = vec![];
    let mut op = module.body().first_operation();
    while let Some(o) = op {
        if name(o) == "func.func" {
            let symbol = o.attribute("sym_name").ok().and_then(|a| StringAttribute::try_from(a).ok());
            let symbol = symbol.map(|s| s.value().to_string()).unwrap_or_default();
            let private = o
                .attribute("sym_visibility")
                .ok()
                .and_then(|a| StringAttribute::try_from(a).ok())
                .is_some_and(|s| s.value() == "private");
            funcs.push((symbol, private, o));
        }
        op = o.next_in_block();
    }
    if let Some((_, _, main)) = funcs.iter().find(|(s, _, _)| s == "main") {
        return Ok(*main);
    }
    let public: Vec<_> = funcs.iter().filter(|(_, private, _)| !private).collect();
    match public.as_slice() {
        [(_, _, only)] => Ok(*only),
        _ => {
            let names: Vec<String> = funcs.iter().map(|(s, _, _)| format!("@{s}")).collect();
            Err(source.render(vec![Diagnostic::error(
                Location::Unknown,
                format!(
                    "'{}' needs one function to import: @main or a single public one (it has {})",
                    source.name,
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                ),
            )]))
        }
    }
}

pub(crate) fn convert(module: &MlirModule, source: &Source, options: &ImportOptions) -> Result<Imported, ImportError> {
    let func = entry(module, source)?;
    let func_error =
        |message: String| source.render(vec![Diagnostic::error(source.location(func.location()), message)]);
    let function_type = func
        .attribute("function_type")
        .ok()
        .and_then(|a| TypeAttribute::try_from(a).ok())
        .and_then(|t| FunctionType::try_from(t.value()).ok())
        .ok_or_else(|| func_error("the function has no function type".into()))?;
    let mut shapes = vec![];
    for i in 0..function_type.input_count() {
        let ty = function_type.input(i).map_err(|e| func_error(e.to_string()))?;
        let shape = read::float_shape(ty).map_err(|e| func_error(format!("argument #{i}: {e}")))?;
        let dims: Vec<Option<u64>> = shape.iter().map(|&d| Some(d)).collect();
        options
            .limits
            .check_elements(|| format!("argument #{i} ({ty})"), &dims)
            .map_err(|e| func_error(e.to_sentence()))?;
        shapes.push(shape);
    }
    let region = func.region(0).map_err(|_| func_error("the function has no body".into()))?;
    let body = region.first_block().ok_or_else(|| func_error("the function has no body".into()))?;
    let mut cv = Converter {
        b: FuncBuilder::new(&source.name, &shapes),
        vals: HashMap::new(),
        source,
        limits: options.limits,
        constant_bytes: 0,
    };
    cv.b.m.limits = options.limits;
    let mut notes = vec![];
    for (i, (value, shape)) in cv.b.args().into_iter().zip(&shapes).enumerate() {
        let samples = options.calibration.as_ref().filter(|_| i == 0);
        let range =
            veil_nn::args::input_range_from(options.input_range, samples, shape).map_err(ImportError::Options)?;
        if range.is_none() {
            notes.push(format!(
                "argument #{i} has no range; the precision pass needs one (give --input-range LO,HI or --calibration FILE.npy)"
            ));
        }
        veil_nn::args::set_secret(&mut cv.b.m, cv.b.func, i, true);
        veil_nn::args::set_input_range(&mut cv.b.m, cv.b.func, i, range);
        let arg = body.argument(i).map_err(|e| func_error(e.to_string()))?;
        let converted = Val::Ir { value, shape: shape.clone() };
        cv.define(arg.into(), converted);
    }
    let mut outputs = vec![];
    let mut count = 0;
    let mut next = body.first_operation();
    while let Some(op) = next {
        count += 1;
        options.limits.check_ops(count).map_err(|e| source.render(vec![cv.error_at(op, e.to_sentence())]))?;
        let op_name = name(op);
        if op_name == "func.return" {
            for i in 0..op.operand_count() {
                let v = cv.operand(op, i).map_err(|e| source.render(vec![cv.error_at(op, e)]))?;
                let value =
                    cv.b.value(&v).map_err(|e| source.render(vec![cv.error_at(op, format!("result #{i}: {e}"))]))?;
                outputs.push(value);
            }
            break;
        }
        cv.b.loc = cv.nn_location(op);
        let results = convert_op(&mut cv, op, &op_name)
            .map_err(|e| source.render(vec![cv.error_at(op, format!("'{op_name}': {e}"))]))?;
        if results.len() != op.result_count() {
            return Err(source.render(vec![cv.error_at(
                op,
                format!("'{op_name}': {} results, Veil converts {}", op.result_count(), results.len()),
            )]));
        }
        for (i, val) in results.into_iter().enumerate() {
            let result = op.result(i).map_err(|e| source.render(vec![cv.error_at(op, e.to_string())]))?;
            cv.define(result.into(), val);
        }
        next = op.next_in_block();
    }
    cv.b.finish(&outputs);
    let mut registry = Registry::new();
    registry.register(&veil_nn::DIALECT);
    let module = cv.b.m;
    veil_ir::verify(&module, &registry)
        .and_then(|()| veil_nn::args::verify_args(&module))
        .map_err(|d| ImportError::Diagnostics(format!("the imported nn program is invalid: {d}")))?;
    Ok(Imported { module, notes })
}

/// Converts one op of the function's body into what its results stand for.
fn convert_op(cv: &mut Converter, op: OperationRef, op_name: &str) -> Result<Vec<Val>, String> {
    match op_name.split_once('.').map(|(dialect, _)| dialect) {
        Some("tosa") => tosa::convert(cv, op, op_name),
        Some("linalg" | "tensor" | "arith") => linalg::convert(cv, op, op_name),
        _ => Err("is not an op Veil converts: the MLIR front end reads TOSA and linalg on tensors (with tensor and \
                  arith) in one function (docs/mlir-frontend.md)"
            .to_string()),
    }
}
