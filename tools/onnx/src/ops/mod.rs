//! The translation of each supported ONNX op, found by (domain, op type) in one table; the list of supported
//! ops in error messages and docs comes from the same table. A translator reads its node's inputs and
//! attributes and returns the values of its outputs, in order (outputs it does not produce must be unused).
//! Ops that only post-process scores at the very end of a graph (softmax, argmax, ...) are dropped here.

mod arith;
mod layout;
mod linear;
mod shape;
mod spatial;

use std::collections::{HashMap, HashSet};

use super::error::ImportError;
use super::graph::{Importer, Val};
use super::node::Node;

type Translate = fn(&mut Importer, &Node) -> Result<Vec<Val>, ImportError>;

/// The default ONNX domain and the classical-ML one.
const ONNX: &str = "";
const ML: &str = "ai.onnx.ml";

static OPS: &[(&str, &str, Translate)] = &[
    (ONNX, "Add", arith::add),
    (ONNX, "AveragePool", spatial::average_pool),
    (ONNX, "BatchNormalization", linear::batch_norm),
    (ONNX, "Cast", shape::cast),
    (ONNX, "Concat", layout::concat),
    (ONNX, "Constant", arith::constant),
    (ONNX, "Conv", spatial::conv),
    (ONNX, "Div", arith::div),
    (ONNX, "Dropout", arith::identity),
    (ONNX, "Flatten", layout::flatten),
    (ONNX, "Gather", shape::gather),
    (ONNX, "Gemm", linear::gemm),
    (ONNX, "GlobalAveragePool", spatial::global_average_pool),
    (ONNX, "Identity", arith::identity),
    (ONNX, "MatMul", linear::matmul),
    (ONNX, "MaxPool", spatial::max_pool),
    (ONNX, "Mul", arith::mul),
    (ONNX, "Neg", arith::neg),
    (ONNX, "Pad", layout::pad),
    (ONNX, "Relu", arith::relu),
    (ONNX, "Reshape", layout::reshape),
    (ONNX, "Shape", shape::shape),
    (ONNX, "Squeeze", shape::squeeze),
    (ONNX, "Sub", arith::sub),
    (ONNX, "Sum", arith::sum),
    (ONNX, "Transpose", layout::transpose),
    (ONNX, "Unsqueeze", shape::unsqueeze),
    (ML, "LinearClassifier", linear::linear_classifier),
    (ML, "LinearRegressor", linear::linear_regressor),
];

/// Ops dropped when they only post-process the outputs (their results feed nothing but graph outputs and
/// other such ops): the importer returns their first input, the scores, whose argmax they do not change.
static TAIL_OPS: &[(&str, &str, &str)] = &[
    (ONNX, "Softmax", "it does not change the argmax"),
    (ONNX, "LogSoftmax", "it does not change the argmax"),
    (ONNX, "ArgMax", "the argmax of the returned scores gives its result"),
    (ONNX, "TopK", "the returned scores give its result"),
    (ML, "ZipMap", "it only pairs the scores with class labels"),
];

/// `ai.onnx` is another spelling of the default domain.
fn domain_of<'a>(node: &Node<'a>) -> &'a str {
    match node.proto.domain() {
        "ai.onnx" => ONNX,
        d => d,
    }
}

fn display_name(domain: &str, op_type: &str) -> String {
    if domain.is_empty() {
        op_type.to_string()
    } else {
        format!("{domain}.{op_type}")
    }
}

/// The supported op types (`ai.onnx.ml.` ones prefixed), then the ops accepted only at the end of a graph.
pub fn supported_ops() -> Vec<String> {
    let ops = OPS.iter().map(|(d, t, _)| display_name(d, t));
    let tail = TAIL_OPS.iter().map(|(d, t, _)| format!("{} (at the end only)", display_name(d, t)));
    ops.chain(tail).collect()
}

/// Which nodes are dropped output post-processing (a tail op whose outputs feed only graph outputs and other
/// dropped nodes), and the names that only graph outputs and dropped nodes read. Nodes come in topological
/// order, so consumers are decided before their producers.
pub fn tail_nodes(nodes: &[Node]) -> (Vec<bool>, HashSet<String>) {
    let mut consumers: HashMap<&str, Vec<usize>> = HashMap::new();
    for node in nodes {
        for name in node.proto.input.iter().filter(|n| !n.is_empty()) {
            consumers.entry(name.as_str()).or_default().push(node.index);
        }
    }
    let mut tail = vec![false; nodes.len()];
    let mut returned_only = HashSet::new();
    for node in nodes.iter().rev() {
        let is_tail_op = TAIL_OPS.iter().any(|(d, t, _)| *d == domain_of(node) && *t == node.op_type());
        let mut all_returned = true;
        for (_, out) in node.outputs() {
            if consumers.get(out).is_none_or(|users| users.iter().all(|&u| tail[u])) {
                returned_only.insert(out.to_string());
            } else {
                all_returned = false;
            }
        }
        tail[node.index] = is_tail_op && all_returned;
    }
    (tail, returned_only)
}

/// Translates one node: the values of its outputs.
pub fn translate(imp: &mut Importer, node: &Node, is_tail: bool) -> Result<Vec<Val>, ImportError> {
    let domain = domain_of(node);
    if let Some((_, _, why)) = TAIL_OPS.iter().find(|(d, t, _)| *d == domain && *t == node.op_type()) {
        if !is_tail {
            return Err(node.unsupported(format!(
                "{} is accepted only at the end of the graph, where {why}; here its result feeds other ops",
                node.op_type()
            )));
        }
        let scores = imp.input(node, 0)?;
        let outputs: Vec<&str> = node.outputs().map(|(_, n)| n).collect();
        imp.notes.push(format!(
            "dropped {} (output {}): {why}; its input, the scores, is returned instead",
            node.label(),
            outputs.iter().map(|o| format!("'{o}'")).collect::<Vec<_>>().join(", ")
        ));
        for name in outputs {
            imp.mark_dropped(name);
        }
        return Ok(vec![scores; node.proto.output.len()]);
    }
    match OPS.iter().find(|(d, t, _)| *d == domain && *t == node.op_type()) {
        Some((_, _, translate)) => translate(imp, node),
        None => Err(ImportError::UnsupportedOp {
            domain: node.proto.domain().to_string(),
            op_type: node.op_type().to_string(),
            node: node.label(),
            supported: supported_ops(),
        }),
    }
}
