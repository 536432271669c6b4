//! The importer's state while it walks a graph: what each ONNX tensor name stands for (a [`Val`]), the function
//! being built ([`FuncBuilder`], shared with the MLIR front end), and the notes for the user.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use veil_ir::{Location, Value};
use veil_nn::build::{BuildError, FuncBuilder};
use veil_nn::eval::{Op, Tensor};

pub use veil_nn::build::Val;

use super::error::ImportError;
use super::node::Node;
use super::tensor::TensorData;

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
    pub b: FuncBuilder,
    env: HashMap<String, Val>,
    /// Graph outputs whose value a dropped op replaced (the scores instead of a label).
    dropped: HashSet<String>,
    /// Names that only graph outputs and dropped post-processing ops read.
    pub returned_only: HashSet<String>,
    pub notes: Vec<String>,
    /// The model file, for op locations.
    file: String,
}

impl Importer {
    /// An empty `@main` with arguments of the given shapes.
    pub fn new(file: &str, arg_shapes: &[Vec<u64>]) -> Importer {
        Importer {
            b: FuncBuilder::new(file, arg_shapes),
            env: HashMap::new(),
            dropped: HashSet::new(),
            returned_only: HashSet::new(),
            notes: vec![],
            file: file.to_string(),
        }
    }

    /// The function's arguments.
    pub fn args(&self) -> Vec<Value> {
        self.b.args()
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
        self.b.ir_val(value)
    }

    /// Marks a graph output name as replaced by another value (its op was dropped).
    pub fn mark_dropped(&mut self, name: &str) {
        self.dropped.insert(name.to_string());
    }

    /// Ops created from now on are located at this node (`file:N:1`, N its 1-based position in the graph).
    pub fn at_node(&mut self, node: &Node) {
        self.b.loc = Location::FileLineCol { file: self.file.clone(), line: node.index as u32 + 1, col: 1 };
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

    /// The IR value of `v`, materializing a constant once.
    pub fn value(&mut self, node: &Node, v: &Val) -> Result<Value, ImportError> {
        self.b.value(v).map_err(|e| build_error(node, e))
    }

    /// Applies an nn op: evaluated now when every operand is a float constant, else created in the function.
    pub fn emit(&mut self, node: &Node, op: Op, operands: &[Val]) -> Result<Val, ImportError> {
        self.b.emit(op, operands).map_err(|e| build_error(node, e))
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
        self.b.finish(&values);
        Ok(())
    }
}

fn build_error(node: &Node, e: BuildError) -> ImportError {
    match e {
        BuildError::Shape(message) => node.shape_error(message),
        BuildError::IntegerAsData => node.unsupported(e.to_string()),
    }
}
