//! Models built in the test with the prost types: the importer's errors (unsupported op, unsupported
//! attribute value, shape mismatch, missing initializer, unbound integer input, malformed file) render as one
//! clear sentence, and the graph rewrites (dropped post-processing, batch norm folding, Gemm's attributes)
//! keep the float semantics.

use std::collections::HashMap;

use veil_ir::{print_module, Limits};
use veil_nn::eval::{eval_main, Tensor};
use veil_tools::onnx::proto::attribute_proto::AttributeType;
use veil_tools::onnx::proto::tensor_proto::DataType;
use veil_tools::onnx::proto::tensor_shape_proto::{dimension, Dimension};
use veil_tools::onnx::proto::type_proto::{self, Tensor as TensorType};
use veil_tools::onnx::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use veil_tools::onnx::{decode_model, float_proto, import_model, ImportError, ImportOptions, Imported, TensorData};

/// A value info of element type `dtype`; a negative dimension is the dynamic batch `N`.
fn info(name: &str, dtype: DataType, shape: &[i64]) -> ValueInfoProto {
    let dim = shape
        .iter()
        .map(|&d| Dimension {
            value: Some(if d < 0 { dimension::Value::DimParam("N".into()) } else { dimension::Value::DimValue(d) }),
            ..Dimension::default()
        })
        .collect();
    let tensor = TensorType { elem_type: Some(dtype as i32), shape: Some(TensorShapeProto { dim }) };
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto { value: Some(type_proto::Value::TensorType(tensor)), ..TypeProto::default() }),
        ..ValueInfoProto::default()
    }
}

fn float_info(name: &str, shape: &[i64]) -> ValueInfoProto {
    info(name, DataType::Float, shape)
}

fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str], attrs: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: Some(op.into()),
        name: Some(name.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute: attrs,
        ..NodeProto::default()
    }
}

fn attr_string(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::String as i32),
        s: Some(v.as_bytes().to_vec()),
        ..AttributeProto::default()
    }
}

fn attr_int(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Int as i32),
        i: Some(v),
        ..Default::default()
    }
}

fn attr_float(name: &str, v: f32) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Float as i32),
        f: Some(v),
        ..Default::default()
    }
}

fn model(
    nodes: Vec<NodeProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<ValueInfoProto>,
    initializers: Vec<TensorProto>,
) -> ModelProto {
    let graph = GraphProto {
        node: nodes,
        input: inputs,
        output: outputs,
        initializer: initializers,
        name: Some("test".into()),
        ..GraphProto::default()
    };
    ModelProto { ir_version: Some(8), graph: Some(graph), ..ModelProto::default() }
}

fn import(m: &ModelProto) -> Result<Imported, ImportError> {
    import_model("test.onnx", m, &ImportOptions::default())
}

fn error(m: &ModelProto) -> String {
    import(m).expect_err("the import must fail").to_string()
}

fn tensor(shape: &[u64], data: Vec<f32>) -> Tensor<f32> {
    Tensor::new(shape.to_vec(), data).expect("tensor")
}

fn ramp(n: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|i| (i as f32 - n as f32 / 2.0) * scale).collect()
}

#[test]
fn unsupported_op_names_the_op_the_node_and_the_supported_ops() {
    let m = model(
        vec![node("Tanh", "act", &["x"], &["y"], vec![])],
        vec![float_info("x", &[1, 4])],
        vec![float_info("y", &[1, 4])],
        vec![],
    );
    insta::assert_snapshot!(error(&m), @"unsupported ONNX op 'Tanh' (node Tanh 'act'); supported ops: Add, AveragePool, BatchNormalization, Cast, Concat, Constant, Conv, Div, Dropout, Flatten, Gather, Gemm, GlobalAveragePool, Identity, MatMul, MaxPool, Mul, Neg, Pad, Relu, Reshape, Shape, Squeeze, Sub, Sum, Transpose, Unsqueeze, ai.onnx.ml.LinearClassifier, ai.onnx.ml.LinearRegressor, Softmax (at the end only), LogSoftmax (at the end only), ArgMax (at the end only), TopK (at the end only), ai.onnx.ml.ZipMap (at the end only)");
}

#[test]
fn pad_mode_reflect_is_an_unsupported_attribute_value() {
    let pads = veil_tools::onnx::int_proto("pads", &[4], &[0, 1, 0, 1]);
    let m = model(
        vec![node("Pad", "pad0", &["x", "pads"], &["y"], vec![attr_string("mode", "reflect")])],
        vec![float_info("x", &[2, 3])],
        vec![float_info("y", &[2, 5])],
        vec![pads],
    );
    insta::assert_snapshot!(error(&m), @r#"Pad 'pad0': attribute 'mode' = "reflect" is not supported: only constant padding is supported"#);
}

#[test]
fn truncated_file_is_malformed() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/digits_mlp.onnx");
    let bytes = std::fs::read(path).expect("digits_mlp.onnx");
    let e = decode_model("digits_mlp.onnx", &bytes[..bytes.len() / 2]).expect_err("truncated");
    insta::assert_snapshot!(e.to_string(), @"malformed ONNX file: 'digits_mlp.onnx' (a ModelProto) is not a valid protobuf message (failed to decode Protobuf message: ModelProto.graph: buffer underflow)");
}

#[test]
fn shape_mismatch_names_the_node() {
    let b = float_proto("b", &[4], &[1.0; 4]);
    let m = model(
        vec![node("Add", "", &["x", "b"], &["y"], vec![])],
        vec![float_info("x", &[2, 3])],
        vec![float_info("y", &[2, 3])],
        vec![b],
    );
    insta::assert_snapshot!(error(&m), @"Add #0: shape mismatch: operand shapes [2, 3] and [4] are not broadcastable");
}

#[test]
fn missing_initializer() {
    let m = model(
        vec![node("MatMul", "fc", &["x", "W"], &["y"], vec![])],
        vec![float_info("x", &[1, 3])],
        vec![float_info("y", &[1, 2])],
        vec![],
    );
    insta::assert_snapshot!(error(&m), @"MatMul 'fc' reads 'W', which is neither an initializer, a graph input nor an output of an earlier node (missing initializer?)");
}

#[test]
fn integer_inputs_must_be_bound() {
    let m = model(
        vec![node("Reshape", "r", &["x", "shape"], &["y"], vec![])],
        vec![float_info("x", &[2, 3]), info("shape", DataType::Int64, &[2])],
        vec![float_info("y", &[3, 2])],
        vec![],
    );
    insta::assert_snapshot!(error(&m), @"graph input 'shape' has element type int64; only float inputs become function arguments, so its value must be bound at import (an initializer or a binding)");
    let bind = HashMap::from([("shape".to_string(), TensorData::Int(Tensor::new(vec![2], vec![3, -1]).unwrap()))]);
    let imported = import_model("test.onnx", &m, &ImportOptions { bind, ..Default::default() }).expect("bound");
    let out = eval_main(&imported.module, &[tensor(&[2, 3], ramp(6, 1.0))]).unwrap();
    assert_eq!(out[0].shape(), &[3, 2]);
    let bind = HashMap::from([("nope".to_string(), TensorData::Float(tensor(&[1], vec![0.0])))]);
    let e = import_model("test.onnx", &m, &ImportOptions { bind, ..Default::default() }).unwrap_err();
    insta::assert_snapshot!(e.to_string(), @"binding 'nope': names no graph input (the inputs are 'x', 'shape')");
}

#[test]
fn softmax_in_the_middle_is_rejected_and_at_the_end_dropped() {
    let middle = model(
        vec![node("Softmax", "sm", &["x"], &["p"], vec![]), node("Relu", "r", &["p"], &["y"], vec![])],
        vec![float_info("x", &[1, 4])],
        vec![float_info("y", &[1, 4])],
        vec![],
    );
    insta::assert_snapshot!(error(&middle), @"Softmax 'sm': not supported: Softmax is accepted only at the end of the graph, where it does not change the argmax; here its result feeds other ops");
    let end = model(
        vec![
            node("Relu", "r", &["x"], &["s"], vec![]),
            node("Softmax", "sm", &["s"], &["p"], vec![]),
            node("ArgMax", "am", &["p"], &["label"], vec![]),
        ],
        vec![float_info("x", &[-1, 4])],
        vec![float_info("label", &[-1]), float_info("p", &[-1, 4])],
        vec![],
    );
    let imported = import(&end).expect("imports");
    insta::assert_snapshot!(imported.notes.join("\n"), @r"
    input 'x': the dynamic batch dimension 'N' is bound to 1
    input 'x' has no range; the precision pass needs one (give --input-range LO,HI or --calibration FILE.npy)
    dropped Softmax 'sm' (output 'p'): it does not change the argmax; its input, the scores, is returned instead
    dropped ArgMax 'am' (output 'label'): the argmax of the returned scores gives its result; its input, the scores, is returned instead
    ");
    insta::assert_snapshot!(print_module(&imported.module), @r#"
    module {
      func.func @main(%arg0: tensor<1x4xf32> {veil.secret}) -> tensor<1x4xf32> {
        %0 = "nn.relu"(%arg0) : (tensor<1x4xf32>) -> tensor<1x4xf32>
        func.return %0 : tensor<1x4xf32>
      }
    }
    "#);
}

/// Conv -> BatchNormalization: folded into the conv's constant weights when they are initializers, an
/// `nn.batch_norm` when the weights are a run-time input; both compute the same.
#[test]
fn batch_norm_folds_into_a_conv_with_constant_weights() {
    let params: Vec<TensorProto> =
        [("scale", vec![0.5, 2.0]), ("bias", vec![0.25, -1.0]), ("mean", vec![0.1, -0.3]), ("var", vec![1.5, 0.25])]
            .iter()
            .map(|(n, v)| float_proto(n, &[2], v))
            .collect();
    let nodes = vec![
        node("Conv", "conv", &["x", "w", "b"], &["c"], vec![attr_int("group", 1)]),
        node(
            "BatchNormalization",
            "bn",
            &["c", "scale", "bias", "mean", "var"],
            &["y"],
            vec![attr_float("epsilon", 1e-3)],
        ),
    ];
    let (w, b) = (ramp(2 * 3 * 2 * 2, 0.1), vec![0.5, -0.5]);
    let mut inits = params.clone();
    inits.extend([float_proto("w", &[2, 3, 2, 2], &w), float_proto("b", &[2], &b)]);
    let folded =
        model(nodes.clone(), vec![float_info("x", &[1, 3, 4, 4])], vec![float_info("y", &[1, 2, 3, 3])], inits);
    let folded = import(&folded).expect("folded");
    let text = print_module(&folded.module);
    assert!(!text.contains("nn.batch_norm") && folded.notes.iter().any(|n| n.contains("folded BatchNormalization")));

    let inputs = vec![float_info("x", &[1, 3, 4, 4]), float_info("w", &[2, 3, 2, 2]), float_info("b", &[2])];
    let kept = import(&model(nodes, inputs, vec![float_info("y", &[1, 2, 3, 3])], params)).expect("kept");
    assert!(print_module(&kept.module).contains("nn.batch_norm"));

    let x = tensor(&[1, 3, 4, 4], ramp(48, 0.05));
    let a = eval_main(&folded.module, std::slice::from_ref(&x)).unwrap();
    let b = eval_main(&kept.module, &[x, tensor(&[2, 3, 2, 2], w), tensor(&[2], b)]).unwrap();
    for (p, q) in a[0].data().iter().zip(b[0].data()) {
        assert!((p - q).abs() < 1e-5, "{p} vs {q}");
    }
}

/// Gemm with transA, alpha and beta on constant B and C folds them: one matmul and one add remain.
#[test]
fn gemm_attributes_fold_into_constants() {
    let (b, c) = (ramp(12, 0.5), ramp(4, 1.0));
    let attrs = vec![attr_int("transA", 1), attr_int("transB", 1), attr_float("alpha", 0.5), attr_float("beta", 2.0)];
    let m = model(
        vec![node("Gemm", "g", &["a", "b", "c"], &["y"], attrs)],
        vec![float_info("a", &[3, 2])],
        vec![float_info("y", &[2, 4])],
        vec![float_proto("b", &[4, 3], &b), float_proto("c", &[4], &c)],
    );
    let imported = import(&m).expect("imports");
    let ops: Vec<&str> = imported.module.walk().iter().map(|&o| imported.module.op(o).name()).collect();
    assert_eq!(ops, ["func.func", "nn.transpose", "nn.constant", "nn.matmul", "nn.constant", "nn.add", "func.return"]);
    let a = ramp(6, 0.25);
    let out = eval_main(&imported.module, &[tensor(&[3, 2], a.clone())]).unwrap();
    for i in 0..2 {
        for j in 0..4 {
            let dot: f32 = (0..3).map(|k| a[k * 2 + i] * b[j * 3 + k]).sum();
            let want = 0.5 * dot + 2.0 * c[j];
            assert!((out[0].data()[i * 4 + j] - want).abs() < 1e-5);
        }
    }
}

/// Corrupted files (every prefix, and single flipped bytes) give an error or a model, never a panic.
#[test]
fn corrupted_models_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    for case in
        ["models/digits_cnn_maxpool.onnx", "models/breast_cancer_logreg.onnx", "onnx-node/test_constant_pad/model.onnx"]
    {
        let bytes = std::fs::read(dir.join(case)).expect("model");
        let mut variants: Vec<Vec<u8>> = (0..bytes.len()).step_by(7).map(|n| bytes[..n].to_vec()).collect();
        for i in (0..bytes.len()).step_by(3) {
            for mask in [0x01, 0x80, 0xff] {
                let mut v = bytes.clone();
                v[i] ^= mask;
                variants.push(v);
            }
        }
        for v in variants {
            if let Ok(m) = decode_model(case, &v) {
                let _ = import(&m);
            }
        }
    }
}

#[test]
fn graph_input_over_the_element_limit_is_refused_before_anything_is_built() {
    // The IR form of this model made assign-precision panic with a capacity overflow.
    let m = model(
        vec![node("Relu", "act", &["x"], &["y"], vec![])],
        vec![float_info("x", &[100_000_000_000, 100_000_000])],
        vec![float_info("y", &[100_000_000_000, 100_000_000])],
        vec![],
    );
    insta::assert_snapshot!(error(&m), @"graph input 'x': its shape [100000000000, 100000000] has 10000000000000000000 elements, more than the limit of 16777216; raise the limit with VEIL_LIMITS=elements=N or the flag `--limits elements=N` of veil and veil-opt (docs/limits.md)");
    let options = ImportOptions { limits: Limits { max_elements: 3, ..Limits::default() }, ..ImportOptions::default() };
    let small = model(
        vec![node("Relu", "act", &["x"], &["y"], vec![])],
        vec![float_info("x", &[1, 4])],
        vec![float_info("y", &[1, 4])],
        vec![],
    );
    insta::assert_snapshot!(import_model("test.onnx", &small, &options).unwrap_err().to_string(), @"graph input 'x': its shape [1, 4] has 4 elements, more than the limit of 3; raise the limit with VEIL_LIMITS=elements=N or the flag `--limits elements=N` of veil and veil-opt (docs/limits.md)");
    assert!(import(&small).is_ok(), "the default limits accept it");
}

#[test]
fn initializer_dims_over_the_element_limit_are_refused_before_reading_data() {
    let huge = TensorProto {
        name: Some("w".into()),
        dims: vec![4, 4_000_000_000],
        data_type: Some(DataType::Float as i32),
        ..TensorProto::default()
    };
    let m = model(
        vec![node("Add", "add", &["x", "w"], &["y"], vec![])],
        vec![float_info("x", &[4, 1])],
        vec![float_info("y", &[4, 4_000_000_000])],
        vec![huge],
    );
    insta::assert_snapshot!(error(&m), @"initializer 'w': its shape [4, 4000000000] has 16000000000 elements, more than the limit of 16777216; raise the limit with VEIL_LIMITS=elements=N or the flag `--limits elements=N` of veil and veil-opt (docs/limits.md)");
}
