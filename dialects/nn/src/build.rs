//! Building an nn function from a front end (the ONNX and MLIR importers): what each source value stands for
//! ([`Val`]: a constant known at import, or an IR value), and [`FuncBuilder::emit`], the one place an nn op is
//! made: on constant operands it is evaluated instead (constant folding with the reference evaluator), otherwise
//! its shape is inferred, its constants materialized and the op created.

use std::collections::HashMap;
use std::rc::Rc;

use veil_ir::builtin::{create_func, sync_func_signature, RETURN};
use veil_ir::{BlockId, DenseValues, InsertPoint, Location, Module, OpId, Type, Value, F64};

use crate::eval::{Op, Tensor};

/// What a front end's value stands for.
#[derive(Clone, Debug)]
pub enum Val {
    /// A float constant (an initializer, a bound input, a folded computation).
    Float(Rc<Tensor<f32>>),
    /// An integer constant (a shape, indices, pads).
    Int(Rc<Tensor<i64>>),
    /// A value of the function being built, with its static shape.
    Ir { value: Value, shape: Vec<u64> },
}

impl Val {
    pub fn shape(&self) -> &[u64] {
        match self {
            Val::Float(t) => t.shape(),
            Val::Int(t) => t.shape(),
            Val::Ir { shape, .. } => shape,
        }
    }

    pub fn float(t: Tensor<f32>) -> Val {
        Val::Float(Rc::new(t))
    }

    pub fn as_float(&self) -> Option<&Tensor<f32>> {
        match self {
            Val::Float(t) => Some(t),
            _ => None,
        }
    }

    /// Whether two values are the same one.
    pub fn same(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Float(a), Val::Float(b)) => Rc::ptr_eq(a, b),
            (Val::Int(a), Val::Int(b)) => Rc::ptr_eq(a, b),
            (Val::Ir { value: a, .. }, Val::Ir { value: b, .. }) => a == b,
            _ => false,
        }
    }
}

/// Why an op could not be made.
#[derive(Clone, Debug, PartialEq)]
pub enum BuildError {
    /// The operands' shapes do not fit the op (or its constant evaluation failed): the evaluator's message.
    Shape(String),
    /// An integer constant (a shape, indices) is used as float data.
    IntegerAsData,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Shape(message) => f.write_str(message),
            BuildError::IntegerAsData => f.write_str("an integer tensor (a shape or indices) is used as float data"),
        }
    }
}

/// The module being built: one function `@main` of f32 tensors, and the constants already materialized.
pub struct FuncBuilder {
    pub m: Module,
    pub func: OpId,
    body: BlockId,
    /// Constants already materialized, by the address of their (kept alive) tensor.
    consts: HashMap<usize, (Rc<Tensor<f32>>, Value)>,
    /// Where the ops created from now on are located.
    pub loc: Location,
    f32: Type,
}

impl FuncBuilder {
    /// An empty `@main` with f32 arguments of the given shapes, located in `file`.
    pub fn new(file: &str, arg_shapes: &[Vec<u64>]) -> FuncBuilder {
        let mut m = Module::new();
        let f32 = m.f32_type();
        let types: Vec<Type> = arg_shapes.iter().map(|s| m.tensor_type(s, f32)).collect();
        let loc = Location::FileLineCol { file: file.to_string(), line: 0, col: 0 };
        let (func, body) = create_func(&mut m, "main", &types, &[], loc.clone());
        FuncBuilder { m, func, body, consts: HashMap::new(), loc, f32 }
    }

    /// The function's arguments.
    pub fn args(&self) -> Vec<Value> {
        self.m.block(self.body).args.clone()
    }

    /// An IR value with its static shape.
    pub fn ir_val(&self, value: Value) -> Val {
        Val::Ir { value, shape: self.m.static_shape(self.m.value_type(value)).unwrap_or_default() }
    }

    pub fn tensor_type(&mut self, shape: &[u64]) -> Type {
        self.m.tensor_type(shape, self.f32)
    }

    /// Creates an `nn.constant` holding `t` (a splat when all elements are equal) at `at`.
    pub fn new_constant(&mut self, t: &Tensor<f32>, at: InsertPoint) -> Value {
        let ty = self.tensor_type(t.shape());
        let data = t.data();
        let splat = data.len() > 1 && data.iter().all(|&x| x.to_bits() == data[0].to_bits());
        let kept = if splat { &data[..1] } else { data };
        let value = self.m.dense_attr(ty, DenseValues::Float(kept.iter().map(|&x| F64(f64::from(x))).collect()));
        let attrs = vec![(crate::attrs::VALUE.to_string(), value)];
        let op = self.m.create(at, &crate::CONSTANT, &[], &[ty], attrs, self.loc.clone());
        self.m.op(op).result()
    }

    /// The IR value of `v`, materializing a constant once.
    pub fn value(&mut self, v: &Val) -> Result<Value, BuildError> {
        match v {
            Val::Ir { value, .. } => Ok(*value),
            Val::Float(t) => {
                let key = Rc::as_ptr(t) as usize;
                if let Some((_, value)) = self.consts.get(&key) {
                    return Ok(*value);
                }
                let value = self.new_constant(t, InsertPoint::End(self.body));
                self.consts.insert(key, (t.clone(), value));
                Ok(value)
            }
            Val::Int(_) => Err(BuildError::IntegerAsData),
        }
    }

    /// Applies an nn op: evaluated now when every operand is a float constant, else created in the function.
    pub fn emit(&mut self, op: Op, operands: &[Val]) -> Result<Val, BuildError> {
        let shapes: Vec<&[u64]> = operands.iter().map(Val::shape).collect();
        let shape = op.output_shape(&shapes).map_err(BuildError::Shape)?;
        let consts: Option<Vec<&Tensor<f32>>> = operands.iter().map(Val::as_float).collect();
        if let Some(consts) = consts {
            return op.apply(&consts).map(Val::float).map_err(BuildError::Shape);
        }
        let values = operands.iter().map(|v| self.value(v)).collect::<Result<Vec<_>, _>>()?;
        let ty = self.tensor_type(&shape);
        let attrs = op.to_attrs(&mut self.m);
        let created = self.m.create(InsertPoint::End(self.body), op.def(), &values, &[ty], attrs, self.loc.clone());
        // The op's own verifier holds the rules shape inference does not (attribute combinations, bias shapes), so
        // that a front end reports them at the op rather than the module failing verification at the end.
        if let Err(message) = (op.def().verify)(&self.m, created) {
            self.m.erase(created);
            return Err(BuildError::Shape(message));
        }
        Ok(Val::Ir { value: self.m.op(created).result(), shape })
    }

    /// Ends the function with a `func.return` of `values` and erases the ops nothing returned reads (folded-away
    /// constants, outputs not returned).
    pub fn finish(&mut self, values: &[Value]) {
        self.m.create(InsertPoint::End(self.body), &RETURN, values, &[], vec![], self.loc.clone());
        sync_func_signature(&mut self.m, self.func);
        let mut uses = self.m.use_counts();
        for op in self.m.block(self.body).ops.clone().into_iter().rev() {
            let data = self.m.op(op);
            if data.def == &RETURN || data.results.iter().any(|r| uses[r.index()] > 0) {
                continue;
            }
            for o in data.operands.clone() {
                uses[o.index()] -= 1;
            }
            self.m.erase(op);
        }
    }
}
