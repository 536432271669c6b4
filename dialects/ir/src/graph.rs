//! Derived graphs, computed from the IR when needed (never its storage): the def-use DAG of a function, its
//! topological levels (ops of one level are independent and may run in parallel), and a DOT rendering.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::module::{Module, OpId};
use crate::printer::type_to_string;

/// The def-use DAG of a function body: an edge from each op to every op that uses one of its results.
pub fn def_use_graph(m: &Module, func: OpId) -> DiGraph<OpId, ()> {
    let mut g = DiGraph::new();
    let mut node: HashMap<OpId, NodeIndex> = HashMap::new();
    let Some(body) = m.body(func) else { return g };
    for &op in &m.block(body).ops {
        node.insert(op, g.add_node(op));
    }
    for &op in &m.block(body).ops {
        for &v in &m.op(op).operands {
            if let Some(def) = m.defining_op(v).and_then(|d| node.get(&d)) {
                g.update_edge(*def, node[&op], ());
            }
        }
    }
    g
}

/// Ops grouped by depth in the def-use DAG: every op's operands come from earlier levels.
pub fn topological_levels(m: &Module, func: OpId) -> Vec<Vec<OpId>> {
    let g = def_use_graph(m, func);
    let order = petgraph::algo::toposort(&g, None).expect("SSA def-use graphs are acyclic");
    let mut level: HashMap<NodeIndex, usize> = HashMap::new();
    let mut levels: Vec<Vec<OpId>> = vec![];
    for n in order {
        let l = g.neighbors_directed(n, Direction::Incoming).map(|p| level[&p] + 1).max().unwrap_or(0);
        level.insert(n, l);
        if levels.len() <= l {
            levels.resize(l + 1, vec![]);
        }
        levels[l].push(g[n]);
    }
    for l in &mut levels {
        l.sort();
    }
    levels
}

/// Graphviz DOT of a function's dataflow: one node per op, labelled with its name and result type.
pub fn to_dot(m: &Module, func: OpId) -> String {
    let g = def_use_graph(m, func);
    let mut out = String::from("digraph {\n  node [shape=box, fontname=monospace];\n");
    for n in g.node_indices() {
        let op = m.op(g[n]);
        let ty = op.results.first().map(|&r| type_to_string(m, m.value_type(r))).unwrap_or_default();
        out.push_str(&format!("  n{} [label=\"{}\\n{}\"];\n", n.index(), op.name(), ty.replace('"', "\\\"")));
    }
    for e in g.edge_indices() {
        let (a, b) = g.edge_endpoints(e).expect("edge");
        out.push_str(&format!("  n{} -> n{};\n", a.index(), b.index()));
    }
    out.push_str("}\n");
    out
}
