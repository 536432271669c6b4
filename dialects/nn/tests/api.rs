//! The Rust API other crates use: building nn ops from the `pub static` definitions and the typed attribute
//! writers, reading attributes back with their defaults, the argument attributes, and malformed IR built
//! programmatically (which the parser would never produce) being rejected with a message, not a panic.

use veil_ir::builtin::create_func;
use veil_ir::{verify, DenseValues, InsertPoint, Location, Module, OpId, Registry, Type, Value, F64};
use veil_nn::args;
use veil_nn::shapes::{conv2d_output_shape, pool2d_output_shape};
use veil_nn::{attrs::*, AVG_POOL2D, CONCAT, CONSTANT, CONV2D, REDUCE_SUM, RELU, TRANSPOSE};

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(&veil_nn::DIALECT);
    r
}

/// A module with one function `@f(args) -> result` whose body is empty but for the return added by `finish`.
struct Builder {
    m: Module,
    f: OpId,
    body: veil_ir::BlockId,
}

impl Builder {
    fn new(inputs: &[&[u64]]) -> Builder {
        let mut m = Module::new();
        let f32 = m.f32_type();
        let types: Vec<Type> = inputs.iter().map(|s| m.tensor_type(s, f32)).collect();
        let (f, body) = create_func(&mut m, "f", &types, &[], Location::Unknown);
        Builder { m, f, body }
    }

    fn arg(&self, i: usize) -> Value {
        self.m.block(self.body).args[i]
    }

    fn tensor(&mut self, shape: &[u64]) -> Type {
        let f32 = self.m.f32_type();
        self.m.tensor_type(shape, f32)
    }

    fn op(
        &mut self,
        def: &'static veil_ir::OpDef,
        operands: &[Value],
        result: &[u64],
        attrs: Vec<(String, veil_ir::Attr)>,
    ) -> OpId {
        let ty = self.tensor(result);
        self.m.create(InsertPoint::End(self.body), def, operands, &[ty], attrs, Location::Unknown)
    }

    /// Returns `v` and verifies; the error messages if any.
    fn finish(mut self, v: Value) -> Result<Module, String> {
        self.m.create(InsertPoint::End(self.body), &veil_ir::builtin::RETURN, &[v], &[], vec![], Location::Unknown);
        veil_ir::builtin::sync_func_signature(&mut self.m, self.f);
        verify(&self.m, &registry())
            .map_err(|d| d.list.iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("\n"))?;
        Ok(self.m)
    }
}

#[test]
fn conv_built_from_typed_attrs_verifies_and_reads_back() {
    let mut b = Builder::new(&[&[1, 3, 8, 8], &[4, 3, 3, 3]]);
    let attrs = Conv2dAttrs { strides: [2, 2], pads: [1, 1, 1, 1], ..Conv2dAttrs::default() };
    let shape = conv2d_output_shape(&[1, 3, 8, 8], &[4, 3, 3, 3], &attrs).unwrap();
    assert_eq!(shape, [1, 4, 4, 4]);
    let list = attrs.to_attrs(&mut b.m);
    assert_eq!(list.len(), 2, "defaults (dilations, groups) are omitted");
    let (x, w) = (b.arg(0), b.arg(1));
    let op = b.op(&CONV2D, &[x, w], &shape, list);
    let v = b.m.op(op).result();
    let m = b.finish(v).unwrap();
    assert_eq!(Conv2dAttrs::read(&m, op), attrs);
}

#[test]
fn pool_defaults_and_normalized_axes() {
    let mut b = Builder::new(&[&[1, 2, 6, 6]]);
    let pool = AvgPool2dAttrs { kernel: [3, 3], strides: [3, 3], ..AvgPool2dAttrs::default() };
    let shape = pool2d_output_shape(&[1, 2, 6, 6], &pool.window()).unwrap();
    let list = pool.to_attrs(&mut b.m);
    let x = b.arg(0);
    let p = b.op(&AVG_POOL2D, &[x], &shape, list);
    let pv = b.m.op(p).result();
    let axis = b.m.int_attr(-1);
    let c = b.op(&CONCAT, &[pv, pv], &[1, 2, 2, 4], vec![(AXIS.into(), axis)]);
    let cv = b.m.op(c).result();
    let r = b.op(&REDUCE_SUM, &[cv], &[1, 1, 1, 1], vec![]);
    let rv = b.m.op(r).result();
    let t = b.op(&TRANSPOSE, &[rv], &[1, 1, 1, 1], vec![]);
    let tv = b.m.op(t).result();
    let m = b.finish(tv).unwrap();
    assert_eq!(AvgPool2dAttrs::read(&m, p), pool);
    assert!(!AvgPool2dAttrs::read(&m, p).count_include_pad);
    assert_eq!(ConcatAttrs::read(&m, c).axis, 3);
    assert_eq!(ReduceSumAttrs::read(&m, r), ReduceSumAttrs { axes: vec![0, 1, 2, 3], keepdims: true });
    assert_eq!(TransposeAttrs::read(&m, t).perm, [3, 2, 1, 0]);
}

#[test]
fn constant_with_wrong_element_count_is_an_error() {
    let mut b = Builder::new(&[]);
    let ty = b.tensor(&[3]);
    let value = b.m.dense_attr(ty, DenseValues::Float(vec![F64(1.0), F64(2.0)]));
    let c = b.op(&CONSTANT, &[], &[3], vec![(VALUE.into(), value)]);
    let v = b.m.op(c).result();
    let err = b.finish(v).unwrap_err();
    assert!(err.contains("'value' holds 2 elements; expected 3 or a single splat element"), "{err}");
}

#[test]
fn op_without_operands_or_results_is_an_error_not_a_panic() {
    let mut b = Builder::new(&[&[2]]);
    let x = b.arg(0);
    b.m.create(InsertPoint::End(b.body), &RELU, &[x], &[], vec![], Location::Unknown);
    assert!(b.finish(x).unwrap_err().contains("expects 1 result(s), got 0"));
    // Readers on a malformed op fall back to defaults instead of panicking.
    let mut b = Builder::new(&[]);
    let op = b.op(&TRANSPOSE, &[], &[2], vec![]);
    assert!(TransposeAttrs::try_read(&b.m, op).is_err());
    assert_eq!(TransposeAttrs::read(&b.m, op), TransposeAttrs::default());
}

#[test]
fn argument_attributes() {
    let mut b = Builder::new(&[&[2], &[2]]);
    args::set_secret(&mut b.m, b.f, 0, true);
    args::set_input_range(&mut b.m, b.f, 0, Some((-1.0, 2.0)));
    assert!(args::is_secret(&b.m, b.f, 0));
    assert!(!args::is_secret(&b.m, b.f, 1));
    assert_eq!(args::input_range(&b.m, b.f, 0), Ok(Some((-1.0, 2.0))));
    assert_eq!(args::input_range(&b.m, b.f, 1), Ok(None));
    assert!(args::verify_args(&b.m).is_ok());

    let bad = b.m.float_array_attr(&[2.0, 1.0]);
    veil_ir::builtin::set_arg_attr(&mut b.m, b.f, 1, args::RANGE, Some(bad));
    let err = args::verify_func_args(&b.m, b.f).unwrap_err();
    assert_eq!(err, "argument #1: 'veil.range' must be [lo, hi] with finite numbers lo <= hi, got [2.0, 1.0]");
    let flag = b.m.bool_attr(true);
    veil_ir::builtin::set_arg_attr(&mut b.m, b.f, 1, args::SECRET, Some(flag));
    veil_ir::builtin::set_arg_attr(&mut b.m, b.f, 1, args::RANGE, None);
    let err = args::verify_func_args(&b.m, b.f).unwrap_err();
    assert!(err.contains("'veil.secret' is a unit attribute and takes no value, got true"), "{err}");
}

#[test]
fn dialect_lists_every_op_once() {
    let names: Vec<&str> = veil_nn::DIALECT.ops.iter().map(|o| o.name).collect();
    assert_eq!(names.len(), 17);
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len());
    assert!(veil_nn::ADD.is(veil_ir::Traits::COMMUTATIVE.with(veil_ir::Traits::ELEMENTWISE)));
    assert!(!veil_nn::SUB.is(veil_ir::Traits::COMMUTATIVE));
    assert!(veil_nn::CONSTANT.is(veil_ir::Traits::CONSTANT.with(veil_ir::Traits::PURE)));
}

#[test]
fn verifier_errors_render_at_the_op() {
    let src = "\
func.func @f(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {\n  %0 = \"nn.conv2d\"(%x, %w) : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>\n  return %0 : tensor<1x4x6x6xf32>\n}\n";
    let err = veil_ir::parse_and_verify("conv.mlir", src, &registry()).unwrap_err().to_string();
    let expected = "\
conv.mlir:2:3: error: 'nn.conv2d' the weight has 2 input channel(s) per group, expected 3 (input channels 3 / groups 1)
  ┌─ conv.mlir:2:3
  │
2 │   %0 = \"nn.conv2d\"(%x, %w) : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  │   ^^^^^^^^^^^^^^^^

";
    assert_eq!(err, expected);
}

/// `FuncBuilder::emit` refuses an op its verifier refuses, on IR operands and on constants alike (found by the
/// nn_programs fuzz target: an average pooling whose pads reach its kernel without `count_include_pad` was built,
/// and the module failed verification only at the end, at no op).
#[test]
fn the_builder_refuses_what_the_verifier_refuses() {
    use veil_nn::build::{BuildError, FuncBuilder, Val};
    use veil_nn::eval::{Op, Tensor};
    let pool = || {
        Op::AvgPool2d(AvgPool2dAttrs { kernel: [1, 1], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: false })
    };
    let expected = BuildError::Shape(
        "each pad must be smaller than the kernel when 'count_include_pad' is false, got pads [1, 1, 1, 1] for kernel \
         [1, 1]"
            .into(),
    );
    let mut b = FuncBuilder::new("t.mlir", &[vec![1, 1, 2, 2]]);
    let x = b.ir_val(b.args()[0]);
    assert_eq!(b.emit(pool(), std::slice::from_ref(&x)).unwrap_err(), expected);
    let constant = Val::float(Tensor::new(vec![1, 1, 2, 2], vec![1.0; 4]).unwrap());
    assert_eq!(b.emit(pool(), &[constant]).unwrap_err(), expected);
    // A conv whose bias does not match its output channels: a rule of the verifier alone.
    let w = Val::float(Tensor::new(vec![2, 1, 1, 1], vec![1.0; 2]).unwrap());
    let bias = Val::float(Tensor::new(vec![3], vec![0.0; 3]).unwrap());
    let err = b.emit(Op::Conv2d(Conv2dAttrs::default()), &[x.clone(), w, bias]).unwrap_err();
    assert_eq!(err, BuildError::Shape("the bias must have shape [2] (output channels), got [3]".into()));
    // Nothing refused is left in the function: it returns its argument and verifies.
    let arg = b.args()[0];
    b.finish(&[arg]);
    verify(&b.m, &registry()).unwrap();
    assert_eq!(b.m.walk().len(), 2, "only the function and its return");
}
