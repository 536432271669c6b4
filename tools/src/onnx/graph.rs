//! The importer's state while it walks a graph: what each ONNX tensor name stands for ([`Val`]: a constant
//! known at import, or an IR value), the function being built, and the notes for the user. [`Importer::emit`]
//! is the one place an nn op is made: on constant operands it is evaluated instead (constant folding with the
//! reference evaluator), otherwise its shape is inferred, its constants materialized and the op created.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use veil_ir::builtin::{create_func, sync_func_signature, RETURN};
use veil_ir::{BlockId, DenseValues, InsertPoint, Location, Module, OpId, Type, Value, F64};
use veil_nn::eval::{Op, Tensor};

use super::error::ImportError;
use super::node::Node;
use super::tensor::TensorData;

/// What an ONNX tensor name stands for.
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

    /// Whether two names stand for the same value.
    fn same(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Float(a), Val::Float(b)) => Rc::ptr_eq(a, b),
            (Val::Int(a), Val::Int(b)) => Rc::ptr_eq(a, b),
            (Val::Ir { value: a, .. }, Val::Ir { value: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl From<TensorData> for Val {
    fn from(t: TensorData) -> Val {
        match t {
            TensorData::Float(t) => Val::Float(Rc::new(t)),
            TensorData::Int(t) => Val::Int(Rc::new(t)),
        }
    }
}

/// The module being built and everything known about the graph's names.
pub struct Importer {
    pub m: Module,
    pub func: OpId,
    body: BlockId,
    env: HashMap<String, Val>,
    /// Constants already materialized, by the address of their (kept alive) tensor.
    consts: HashMap<usize, (Rc<Tensor<f32>>, Value)>,
    /// Graph outputs whose value a dropped op replaced (the scores instead of a label).
    dropped: HashSet<String>,
    /// Names that only graph outputs and dropped post-processing ops read.
    pub returned_only: HashSet<String>,
    pub notes: Vec<String>,
    /// The model file, for op locations.
    file: String,
    loc: Location,
    f32: Type,
}

impl Importer {
    /// An empty `@main` with arguments of the given shapes.
    pub fn new(file: &str, arg_shapes: &[Vec<u64>]) -> Importer {
        let mut m = Module::new();
        let f32 = m.f32_type();
        let types: Vec<Type> = arg_shapes.iter().map(|s| m.tensor_type(s, f32)).collect();
        let loc = Location::FileLineCol { file: file.to_string(), line: 0, col: 0 };
        let (func, body) = create_func(&mut m, "main", &types, &[], loc.clone());
        Importer {
            m,
            func,
            body,
            env: HashMap::new(),
            consts: HashMap::new(),
            dropped: HashSet::new(),
            returned_only: HashSet::new(),
            notes: vec![],
            file: file.to_string(),
            loc,
            f32,
        }
    }

    /// The function's arguments.
    pub fn args(&self) -> Vec<Value> {
        self.m.block(self.body).args.clone()
    }

    pub fn define(&mut self, name: &str, v: Val) {
        self.env.insert(name.to_string(), v);
    }

    /// Whether only graph outputs (and dropped post-processing ops) read `name`.
    pub fn only_returned(&self, name: &str) -> bool {
        self.returned_only.contains(name)
    }

    /// An IR value with its static shape.
    pub fn ir_val(&self, value: Value) -> Val {
        Val::Ir { value, shape: self.m.static_shape(self.m.value_type(value)).unwrap_or_default() }
    }

    /// Marks a graph output name as replaced by another value (its op was dropped).
    pub fn mark_dropped(&mut self, name: &str) {
        self.dropped.insert(name.to_string());
    }

    /// Ops created from now on are located at this node (`file:N:1`, N its 1-based position in the graph).
    pub fn at_node(&mut self, node: &Node) {
        self.loc = Location::FileLineCol { file: self.file.clone(), line: node.index as u32 + 1, col: 1 };
    }

    /// Input `i` of the node; an error when absent or undefined.
    pub fn input(&self, node: &Node, i: usize) -> Result<Val, ImportError> {
        self.opt_input(node, i)?.ok_or_else(|| node.invalid(format!("input #{i} is required")))
    }

    /// Optional input `i` of the node: `None` when omitted.
    pub fn opt_input(&self, node: &Node, i: usize) -> Result<Option<Val>, ImportError> {
        let Some(name) = node.input_name(i) else { return Ok(None) };
        let v = self.env.get(name).ok_or_else(|| ImportError::Missing { node: node.label(), name: name.into() })?;
        Ok(Some(v.clone()))
    }

    /// Every (present) input of the node.
    pub fn inputs(&self, node: &Node) -> Result<Vec<Val>, ImportError> {
        (0..node.proto.input.len()).filter_map(|i| self.opt_input(node, i).transpose()).collect()
    }

    /// Input `i` as a float constant; an error naming `what` when it is computed at run time.
    pub fn const_input(&self, node: &Node, i: usize, what: &str) -> Result<Rc<Tensor<f32>>, ImportError> {
        match self.input(node, i)? {
            Val::Float(t) => Ok(t),
            Val::Int(t) => Ok(Rc::new(t.map(|v| v as f32))),
            Val::Ir { .. } => Err(node.unsupported(format!("{what} must be a constant (an initializer or a binding)"))),
        }
    }

    /// Input `i` as an integer constant (a shape, pads, axes).
    pub fn int_input(&self, node: &Node, i: usize, what: &str) -> Result<Rc<Tensor<i64>>, ImportError> {
        match self.input(node, i)? {
            Val::Int(t) => Ok(t),
            _ => Err(node.unsupported(format!(
                "{what} must be an integer constant (an initializer, a folded shape computation or a bound input)"
            ))),
        }
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
        let attrs = vec![(veil_nn::attrs::VALUE.to_string(), value)];
        let op = self.m.create(at, &veil_nn::CONSTANT, &[], &[ty], attrs, self.loc.clone());
        self.m.op(op).result()
    }

    /// The IR value of `v`, materializing a constant once.
    pub fn value(&mut self, node: &Node, v: &Val) -> Result<Value, ImportError> {
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
            Val::Int(_) => Err(node.unsupported("an integer tensor (a shape or indices) is used as float data")),
        }
    }

    /// Applies an nn op: evaluated now when every operand is a float constant, else created in the function.
    pub fn emit(&mut self, node: &Node, op: Op, operands: &[Val]) -> Result<Val, ImportError> {
        let consts: Option<Vec<&Tensor<f32>>> = operands.iter().map(Val::as_float).collect();
        if let Some(consts) = consts {
            return op.apply(&consts).map(Val::float).map_err(|e| node.shape_error(e));
        }
        let shapes: Vec<&[u64]> = operands.iter().map(Val::shape).collect();
        let shape = op.output_shape(&shapes).map_err(|e| node.shape_error(e))?;
        let values = operands.iter().map(|v| self.value(node, v)).collect::<Result<Vec<_>, _>>()?;
        let ty = self.tensor_type(&shape);
        let attrs = op.to_attrs(&mut self.m);
        let created = self.m.create(InsertPoint::End(self.body), op.def(), &values, &[ty], attrs, self.loc.clone());
        Ok(Val::Ir { value: self.m.op(created).result(), shape })
    }

    /// Ends the function with a `func.return` of the graph outputs: dropped outputs (a label replaced by the
    /// scores it is the argmax of) are returned only when no other output returns the same value.
    pub fn finish(&mut self, outputs: &[&str]) -> Result<(), ImportError> {
        let mut returned: Vec<(&str, Val)> = vec![];
        let mut resolved = vec![];
        for &name in outputs {
            let v = self.env.get(name).cloned();
            resolved
                .push((name, v.ok_or_else(|| ImportError::Missing { node: "the graph".into(), name: name.into() })?));
        }
        let (kept, dropped): (Vec<_>, Vec<_>) = resolved.into_iter().partition(|(n, _)| !self.dropped.contains(*n));
        for (name, v) in kept.into_iter().chain(dropped) {
            match returned.iter().find(|(_, r)| r.same(&v)) {
                Some((first, _)) if !self.dropped.contains(name) => self
                    .notes
                    .push(format!("graph output '{name}' is the same value as '{first}'; it is returned once")),
                Some(_) => {}
                None => returned.push((name, v)),
            }
        }
        let graph = Node { proto: &Default::default(), index: 0 };
        let mut values = vec![];
        for (name, v) in &returned {
            if matches!(v, Val::Int(_)) {
                return Err(ImportError::Unsupported {
                    node: format!("graph output '{name}'"),
                    message: "integer outputs are not supported".into(),
                });
            }
            values.push(self.value(&graph, v)?);
        }
        self.m.create(InsertPoint::End(self.body), &RETURN, &values, &[], vec![], self.loc.clone());
        sync_func_signature(&mut self.m, self.func);
        self.remove_dead_ops();
        Ok(())
    }

    /// Erases ops whose results are unused (folded-away constants, outputs nothing returns).
    fn remove_dead_ops(&mut self) {
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
