//! The MLIR front end (feature `mlir`), end to end:
//! - hand-written TOSA and linalg programs (an MLP and a CNN with pooling in each dialect, and a global average pool
//!   written as a linalg reduction), made here from formulas for their weights, imported through MLIR and run by
//!   the float evaluator against a naive reference written here in the programs' own layouts (NHWC for TOSA);
//! - `veil accuracy` and `veil run --backend clear` on them: the fixed-point program stays within the compiler's
//!   proven bound of the float result;
//! - digits_mlp as a real producer emits it (IREE's ONNX importer and torch-mlir's linalg lowering,
//!   test/inputs/mlir/README.md) against onnxruntime's outputs of the same model (`../shared/models`);
//! - the errors: an op Veil does not convert, MLIR's own parse and verifier errors, a dynamic shape, a Veil program
//!   given to `veil import`; and `veil-opt --verify-with-mlir`.

#![cfg(feature = "mlir")]

mod cli_common;

use std::path::{Path, PathBuf};

use cli_common::*;
use veil_mlir::{import_text, ImportOptions};
use veil_nn::eval::{eval_main, Tensor};

/// A deterministic weight in [-1, 1] on a grid of 1/8: the `i`-th of a tensor salted by `salt`.
fn weight(i: usize, salt: usize) -> f32 {
    (((i * 37 + salt * 11 + 5) % 17) as f32 - 8.0) / 8.0
}

fn weights(n: usize, salt: usize) -> Vec<f32> {
    (0..n).map(|i| weight(i, salt)).collect()
}

/// An MLIR `dense` constant of f32 values (row-major) as little-endian hexadecimal, which fits any shape.
fn dense(values: &[f32], shape: &[usize]) -> String {
    let hex: String = values.iter().flat_map(|v| v.to_le_bytes()).map(|b| format!("{b:02X}")).collect();
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("dense<\"0x{hex}\"> : tensor<{}xf32>", dims.join("x"))
}

/// Inputs in [0, 1].
fn input(n: usize, row: usize) -> Vec<f32> {
    (0..n).map(|i| ((i * 7 + row * 5) % 11) as f32 / 10.0).collect()
}

fn matvec(x: &[f32], w: &[f32], b: &[f32], n_out: usize) -> Vec<f32> {
    (0..n_out).map(|o| b[o] + x.iter().enumerate().map(|(i, &xi)| xi * w[i * n_out + o]).sum::<f32>()).collect()
}

// ---- The programs ----------------------------------------------------------------------------------------------

const HIDDEN: usize = 5;

fn tosa_mlp() -> String {
    let (w1, b1, w2, b2) = (weights(8 * HIDDEN, 1), weights(HIDDEN, 2), weights(HIDDEN * 3, 3), weights(3, 4));
    format!(
        r#"func.func @main(%x: tensor<1x8xf32>) -> tensor<1x3xf32> {{
  %w1 = "tosa.const"() {{values = {w1}}} : () -> tensor<1x8x5xf32>
  %b1 = "tosa.const"() {{values = {b1}}} : () -> tensor<1x1x5xf32>
  %w2 = "tosa.const"() {{values = {w2}}} : () -> tensor<1x5x3xf32>
  %b2 = "tosa.const"() {{values = {b2}}} : () -> tensor<1x1x3xf32>
  %zp = "tosa.const"() {{values = dense<0.0> : tensor<1xf32>}} : () -> tensor<1xf32>
  %s1 = tosa.const_shape {{values = dense<[1, 1, 8]> : tensor<3xindex>}} : () -> !tosa.shape<3>
  %x3 = tosa.reshape %x, %s1 : (tensor<1x8xf32>, !tosa.shape<3>) -> tensor<1x1x8xf32>
  %h = tosa.matmul %x3, %w1, %zp, %zp : (tensor<1x1x8xf32>, tensor<1x8x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x5xf32>
  %hb = tosa.add %h, %b1 : (tensor<1x1x5xf32>, tensor<1x1x5xf32>) -> tensor<1x1x5xf32>
  %r = tosa.clamp %hb {{min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32}} : (tensor<1x1x5xf32>) -> tensor<1x1x5xf32>
  %o = tosa.matmul %r, %w2, %zp, %zp : (tensor<1x1x5xf32>, tensor<1x5x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x3xf32>
  %ob = tosa.add %o, %b2 : (tensor<1x1x3xf32>, tensor<1x1x3xf32>) -> tensor<1x1x3xf32>
  %s2 = tosa.const_shape {{values = dense<[1, 3]> : tensor<2xindex>}} : () -> !tosa.shape<2>
  %y = tosa.reshape %ob, %s2 : (tensor<1x1x3xf32>, !tosa.shape<2>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}}
"#,
        w1 = dense(&w1, &[1, 8, HIDDEN]),
        b1 = dense(&b1, &[1, 1, HIDDEN]),
        w2 = dense(&w2, &[1, HIDDEN, 3]),
        b2 = dense(&b2, &[1, 1, 3]),
    )
}

fn mlp_reference(x: &[f32]) -> Vec<f32> {
    let (w1, b1, w2, b2) = (weights(8 * HIDDEN, 1), weights(HIDDEN, 2), weights(HIDDEN * 3, 3), weights(3, 4));
    let h: Vec<f32> = matvec(x, &w1, &b1, HIDDEN).into_iter().map(|v| v.max(0.0)).collect();
    matvec(&h, &w2, &b2, 3)
}

fn linalg_mlp() -> String {
    let (w1, b1, w2, b2) = (weights(8 * HIDDEN, 1), weights(HIDDEN, 2), weights(HIDDEN * 3, 3), weights(3, 4));
    format!(
        r#"#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @main(%x: tensor<1x8xf32>) -> tensor<1x3xf32> {{
  %w1 = arith.constant {w1}
  %b1 = arith.constant {b1}
  %w2 = arith.constant {w2}
  %b2 = arith.constant {b2}
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x5xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x5xf32>) -> tensor<1x5xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<1x8xf32>, tensor<8x5xf32>) outs(%f1 : tensor<1x5xf32>) -> tensor<1x5xf32>
  %r = linalg.generic {{indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}} ins(%h, %b1 : tensor<1x5xf32>, tensor<5xf32>) outs(%e1 : tensor<1x5xf32>) {{
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  }} -> tensor<1x5xf32>
  %e2 = tensor.empty() : tensor<1x3xf32>
  %bias = linalg.broadcast ins(%b2 : tensor<3xf32>) outs(%e2 : tensor<1x3xf32>) dimensions = [0]
  %y = linalg.matmul ins(%r, %w2 : tensor<1x5xf32>, tensor<5x3xf32>) outs(%bias : tensor<1x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}}
"#,
        w1 = dense(&w1, &[8, HIDDEN]),
        b1 = dense(&b1, &[HIDDEN]),
        w2 = dense(&w2, &[HIDDEN, 3]),
        b2 = dense(&b2, &[3]),
    )
}

/// TOSA, NHWC: a 3×3 convolution (2 channels, padding 1) with a bias, ReLU6 (`clamp` to [0, 6]), a 2×2 average
/// pool, a 2×2 max pool with stride 1 padded at the bottom and right, then a dense layer on the NHWC flattening.
fn tosa_cnn() -> String {
    format!(
        r#"func.func @main(%x: tensor<1x6x6x1xf32>) -> tensor<1x3xf32> {{
  %w = "tosa.const"() {{values = {w}}} : () -> tensor<2x3x3x1xf32>
  %b = "tosa.const"() {{values = {b}}} : () -> tensor<2xf32>
  %d = "tosa.const"() {{values = {d}}} : () -> tensor<1x18x3xf32>
  %zp = "tosa.const"() {{values = dense<0.0> : tensor<1xf32>}} : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {{acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>}} : (tensor<1x6x6x1xf32>, tensor<2x3x3x1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x6x2xf32>
  %r = tosa.clamp %c {{min_val = 0.0 : f32, max_val = 6.0 : f32}} : (tensor<1x6x6x2xf32>) -> tensor<1x6x6x2xf32>
  %p = tosa.avg_pool2d %r, %zp, %zp {{acc_type = f32, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>}} : (tensor<1x6x6x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x2xf32>
  %m = tosa.max_pool2d %p {{kernel = array<i64: 2, 2>, pad = array<i64: 0, 1, 0, 1>, stride = array<i64: 1, 1>}} : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %s1 = tosa.const_shape {{values = dense<[1, 1, 18]> : tensor<3xindex>}} : () -> !tosa.shape<3>
  %f = tosa.reshape %m, %s1 : (tensor<1x3x3x2xf32>, !tosa.shape<3>) -> tensor<1x1x18xf32>
  %y = tosa.matmul %f, %d, %zp, %zp : (tensor<1x1x18xf32>, tensor<1x18x3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x3xf32>
  %s2 = tosa.const_shape {{values = dense<[1, 3]> : tensor<2xindex>}} : () -> !tosa.shape<2>
  %o = tosa.reshape %y, %s2 : (tensor<1x1x3xf32>, !tosa.shape<2>) -> tensor<1x3xf32>
  return %o : tensor<1x3xf32>
}}
"#,
        w = dense(&weights(18, 5), &[2, 3, 3, 1]),
        b = dense(&weights(2, 6), &[2]),
        d = dense(&weights(54, 7), &[1, 18, 3]),
    )
}

fn tosa_cnn_reference(x: &[f32]) -> Vec<f32> {
    let (w, b, d) = (weights(18, 5), weights(2, 6), weights(54, 7));
    // NHWC with N = 1: x[h][w], weights [o][kh][kw][0].
    let at = |h: i64, v: i64| if (0..6).contains(&h) && (0..6).contains(&v) { x[(h * 6 + v) as usize] } else { 0.0 };
    let mut conv = vec![0.0f32; 6 * 6 * 2];
    for h in 0..6i64 {
        for v in 0..6i64 {
            for o in 0..2 {
                let mut s = b[o];
                for kh in 0..3i64 {
                    for kw in 0..3i64 {
                        s += w[o * 9 + (kh * 3 + kw) as usize] * at(h + kh - 1, v + kw - 1);
                    }
                }
                conv[((h * 6 + v) * 2) as usize + o] = s.clamp(0.0, 6.0);
            }
        }
    }
    let mut avg = [0.0f32; 3 * 3 * 2];
    for h in 0..3 {
        for v in 0..3 {
            for c in 0..2 {
                let cell = |dh: usize, dv: usize| conv[((2 * h + dh) * 6 + 2 * v + dv) * 2 + c];
                avg[(h * 3 + v) * 2 + c] = (cell(0, 0) + cell(0, 1) + cell(1, 0) + cell(1, 1)) / 4.0;
            }
        }
    }
    let mut max = vec![0.0f32; 18];
    for h in 0..3 {
        for v in 0..3 {
            for c in 0..2 {
                let mut m = f32::NEG_INFINITY;
                for (dh, dv) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    if h + dh < 3 && v + dv < 3 {
                        m = m.max(avg[((h + dh) * 3 + v + dv) * 2 + c]);
                    }
                }
                max[(h * 3 + v) * 2 + c] = m;
            }
        }
    }
    matvec(&max, &d, &[0.0; 3], 3)
}

/// linalg, NCHW: `tensor.pad`, a 3×3 convolution whose bias a generic adds with the ReLU (torch-mlir's
/// `select(x > 0, x, 0)`), a 2×2 max pooling, `tensor.collapse_shape`, a dense layer with a transposed weight
/// (`linalg.transpose`).
fn linalg_cnn() -> String {
    format!(
        r#"#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#channel = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @main(%x: tensor<1x1x6x6xf32>) -> tensor<1x3xf32> {{
  %w = arith.constant {w}
  %b = arith.constant {b}
  %dt = arith.constant {dt}
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {{
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  }} : tensor<1x1x6x6xf32> to tensor<1x1x8x8xf32>
  %e = tensor.empty() : tensor<1x2x6x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  %c = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}} ins(%padded, %w : tensor<1x1x8x8xf32>, tensor<2x1x3x3xf32>) outs(%f : tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  %r = linalg.generic {{indexing_maps = [#nchw, #channel, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}} ins(%c, %b : tensor<1x2x6x6xf32>, tensor<2xf32>) outs(%e : tensor<1x2x6x6xf32>) {{
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %gt = arith.cmpf ugt, %s, %zero : f32
    %m = arith.select %gt, %s, %zero : f32
    linalg.yield %m : f32
  }} -> tensor<1x2x6x6xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e2 = tensor.empty() : tensor<1x2x3x3xf32>
  %f2 = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %p = linalg.pooling_nchw_max {{dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}} ins(%r, %win : tensor<1x2x6x6xf32>, tensor<2x2xf32>) outs(%f2 : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %flat = tensor.collapse_shape %p [[0], [1, 2, 3]] : tensor<1x2x3x3xf32> into tensor<1x18xf32>
  %e3 = tensor.empty() : tensor<18x3xf32>
  %d = linalg.transpose ins(%dt : tensor<3x18xf32>) outs(%e3 : tensor<18x3xf32>) permutation = [1, 0]
  %e4 = tensor.empty() : tensor<1x3xf32>
  %f4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<1x3xf32>) -> tensor<1x3xf32>
  %y = linalg.matmul ins(%flat, %d : tensor<1x18xf32>, tensor<18x3xf32>) outs(%f4 : tensor<1x3xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}}
"#,
        w = dense(&weights(18, 8), &[2, 1, 3, 3]),
        b = dense(&weights(2, 9), &[2]),
        dt = dense(&weights(54, 10), &[3, 18]),
    )
}

fn linalg_cnn_reference(x: &[f32]) -> Vec<f32> {
    let (w, b, dt) = (weights(18, 8), weights(2, 9), weights(54, 10));
    let at = |h: i64, v: i64| if (0..6).contains(&h) && (0..6).contains(&v) { x[(h * 6 + v) as usize] } else { 0.0 };
    // NCHW: conv[o][h][v].
    let mut conv = vec![0.0f32; 2 * 36];
    for o in 0..2 {
        for h in 0..6i64 {
            for v in 0..6i64 {
                let mut s = b[o];
                for kh in 0..3i64 {
                    for kw in 0..3i64 {
                        s += w[o * 9 + (kh * 3 + kw) as usize] * at(h + kh - 1, v + kw - 1);
                    }
                }
                conv[o * 36 + (h * 6 + v) as usize] = s.max(0.0);
            }
        }
    }
    let mut flat = [0.0f32; 18];
    for o in 0..2 {
        for h in 0..3 {
            for v in 0..3 {
                let cell = |dh: usize, dv: usize| conv[o * 36 + (2 * h + dh) * 6 + 2 * v + dv];
                flat[o * 9 + h * 3 + v] = cell(0, 0).max(cell(0, 1)).max(cell(1, 0)).max(cell(1, 1));
            }
        }
    }
    // d = dtᵀ: d[i][o] = dt[o][i].
    (0..3).map(|o| (0..18).map(|i| flat[i] * dt[o * 18 + i]).sum()).collect()
}

/// linalg: a 2×2 sum pooling (stride 2) and a mean over H and W written as a `linalg.generic` reduction followed
/// by a division, as global average pooling lowers.
fn linalg_pools() -> String {
    r#"#in = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @main(%x: tensor<1x2x4x4xf32>) -> tensor<1x2xf32> {
  %zero = arith.constant 0.0 : f32
  %four = arith.constant 4.0 : f32
  %win = tensor.empty() : tensor<2x2xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %s = linalg.pooling_nchw_sum {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%x, %win : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %e2 = tensor.empty() : tensor<1x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %sum = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%s : tensor<1x2x2x2xf32>) outs(%f2 : tensor<1x2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %t = arith.addf %a, %acc : f32
    linalg.yield %t : f32
  } -> tensor<1x2xf32>
  %mean = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<1x2xf32>) outs(%e2 : tensor<1x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %q = arith.divf %a, %four : f32
    linalg.yield %q : f32
  } -> tensor<1x2xf32>
  return %mean : tensor<1x2xf32>
}
"#
    .to_string()
}

fn linalg_pools_reference(x: &[f32]) -> Vec<f32> {
    // The sum of 2×2 sums over the 4 windows is the sum of the 16 cells; divided by 4.
    (0..2).map(|c| x[c * 16..(c + 1) * 16].iter().sum::<f32>() / 4.0).collect()
}

/// TOSA's other ops: `pad` (with a value), `depthwise_conv2d` (stride 2, a multiplier of 2), `transpose`,
/// `negate`, `concat`, `mul` (shift 0), `sub` and `reduce_sum`.
fn tosa_misc() -> String {
    format!(
        r#"func.func @main(%x: tensor<1x4x4x2xf32>) -> tensor<1x8x2x1xf32> {{
  %wd = "tosa.const"() {{values = {wd}}} : () -> tensor<3x3x2x2xf32>
  %bd = "tosa.const"() {{values = {bd}}} : () -> tensor<4xf32>
  %scale = "tosa.const"() {{values = {scale}}} : () -> tensor<1x8x1x1xf32>
  %off = "tosa.const"() {{values = dense<0.25> : tensor<1x1x1x1xf32>}} : () -> tensor<1x1x1x1xf32>
  %zp = "tosa.const"() {{values = dense<0.0> : tensor<1xf32>}} : () -> tensor<1xf32>
  %shift = "tosa.const"() {{values = dense<0> : tensor<1xi8>}} : () -> tensor<1xi8>
  %pv = "tosa.const"() {{values = dense<0.5> : tensor<1xf32>}} : () -> tensor<1xf32>
  %pads = tosa.const_shape {{values = dense<[0, 0, 1, 0, 1, 0, 0, 0]> : tensor<8xindex>}} : () -> !tosa.shape<8>
  %p = tosa.pad %x, %pads, %pv : (tensor<1x4x4x2xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x5x5x2xf32>
  %dw = tosa.depthwise_conv2d %p, %wd, %bd, %zp, %zp {{acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>}} : (tensor<1x5x5x2xf32>, tensor<3x3x2x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x2x4xf32>
  %t = tosa.transpose %dw {{perms = array<i32: 0, 3, 1, 2>}} : (tensor<1x2x2x4xf32>) -> tensor<1x4x2x2xf32>
  %n = tosa.negate %t, %zp, %zp : (tensor<1x4x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x2x2xf32>
  %c = tosa.concat %t, %n {{axis = 1 : i32}} : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x8x2x2xf32>
  %m = tosa.mul %c, %scale, %shift : (tensor<1x8x2x2xf32>, tensor<1x8x1x1xf32>, tensor<1xi8>) -> tensor<1x8x2x2xf32>
  %d = tosa.sub %m, %off : (tensor<1x8x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x8x2x2xf32>
  %r = tosa.reduce_sum %d {{axis = 3 : i32}} : (tensor<1x8x2x2xf32>) -> tensor<1x8x2x1xf32>
  return %r : tensor<1x8x2x1xf32>
}}
"#,
        wd = dense(&weights(36, 11), &[3, 3, 2, 2]),
        bd = dense(&weights(4, 12), &[4]),
        scale = dense(&weights(8, 13), &[1, 8, 1, 1]),
    )
}

fn tosa_misc_reference(x: &[f32]) -> Vec<f32> {
    let (wd, bd, scale) = (weights(36, 11), weights(4, 12), weights(8, 13));
    // x NHWC [4][4][2]; padded with 0.5 by one row on top and one column on the left.
    let at = |h: i64, v: i64, c: usize| {
        if (0..4).contains(&h) && (0..4).contains(&v) {
            x[((h * 4 + v) * 2) as usize + c]
        } else {
            0.5
        }
    };
    // Depthwise: output channel c * 2 + m; weights [kh][kw][c][m]; stride 2 over the 5×5 padded input.
    let mut dw = [[[0.0f32; 2]; 2]; 4];
    for (oh, row) in [0i64, 1].iter().zip(0..) {
        for (ov, col) in [0i64, 1].iter().zip(0..) {
            for c in 0..2 {
                for m in 0..2 {
                    let mut s = bd[c * 2 + m];
                    for kh in 0..3i64 {
                        for kw in 0..3i64 {
                            let w = wd[((kh * 3 + kw) as usize * 2 + c) * 2 + m];
                            s += w * at(2 * oh + kh - 1, 2 * ov + kw - 1, c);
                        }
                    }
                    dw[c * 2 + m][row][col] = s;
                }
            }
        }
    }
    // [dw, -dw] along channels, times the per-channel scale, minus 0.25, summed over W.
    let mut out = vec![];
    for ch in 0..8 {
        let sign = if ch < 4 { 1.0 } else { -1.0 };
        for row in &dw[ch % 4] {
            out.push(row.iter().map(|v| sign * v * scale[ch] - 0.25).sum());
        }
    }
    out
}

/// linalg's NHWC ops and the named element-wise ones: `conv_2d_nhwc_hwcf`, ReLU as `linalg.max` with zeros,
/// `pooling_nhwc_max` and `pooling_nhwc_sum`, `batch_matmul`, `linalg.sub`, `linalg.mul`, `linalg.add`.
fn linalg_nhwc() -> String {
    format!(
        r#"func.func @main(%x: tensor<1x5x5x2xf32>) -> tensor<1x2xf32> {{
  %w = arith.constant {w}
  %bw = arith.constant {bw}
  %k = arith.constant {k}
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x3x3x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %c = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}} ins(%x, %w : tensor<1x5x5x2xf32>, tensor<3x3x2x3xf32>) outs(%z : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %r = linalg.max ins(%c, %z : tensor<1x3x3x3xf32>, tensor<1x3x3x3xf32>) outs(%e : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e2 = tensor.empty() : tensor<1x2x2x3xf32>
  %f2 = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %mx = linalg.pooling_nhwc_max {{dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}} ins(%r, %win : tensor<1x3x3x3xf32>, tensor<2x2xf32>) outs(%f2 : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %e3 = tensor.empty() : tensor<1x1x1x3xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x1x1x3xf32>) -> tensor<1x1x1x3xf32>
  %sm = linalg.pooling_nhwc_sum {{dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}} ins(%mx, %win : tensor<1x2x2x3xf32>, tensor<2x2xf32>) outs(%f3 : tensor<1x1x1x3xf32>) -> tensor<1x1x1x3xf32>
  %v = tensor.collapse_shape %sm [[0], [1, 2], [3]] : tensor<1x1x1x3xf32> into tensor<1x1x3xf32>
  %e4 = tensor.empty() : tensor<1x1x2xf32>
  %f4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<1x1x2xf32>) -> tensor<1x1x2xf32>
  %bm = linalg.batch_matmul ins(%v, %bw : tensor<1x1x3xf32>, tensor<1x3x2xf32>) outs(%f4 : tensor<1x1x2xf32>) -> tensor<1x1x2xf32>
  %s = linalg.sub ins(%bm, %k : tensor<1x1x2xf32>, tensor<1x1x2xf32>) outs(%e4 : tensor<1x1x2xf32>) -> tensor<1x1x2xf32>
  %m = linalg.mul ins(%s, %k : tensor<1x1x2xf32>, tensor<1x1x2xf32>) outs(%e4 : tensor<1x1x2xf32>) -> tensor<1x1x2xf32>
  %a = linalg.add ins(%m, %bm : tensor<1x1x2xf32>, tensor<1x1x2xf32>) outs(%e4 : tensor<1x1x2xf32>) -> tensor<1x1x2xf32>
  %y = tensor.collapse_shape %a [[0, 1], [2]] : tensor<1x1x2xf32> into tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}}
"#,
        w = dense(&weights(54, 14), &[3, 3, 2, 3]),
        bw = dense(&weights(6, 15), &[1, 3, 2]),
        k = dense(&weights(2, 16), &[1, 1, 2]),
    )
}

fn linalg_nhwc_reference(x: &[f32]) -> Vec<f32> {
    let (w, bw, k) = (weights(54, 14), weights(6, 15), weights(2, 16));
    // x NHWC [5][5][2]; w HWCF [3][3][2][3].
    let mut r = [[[0.0f32; 3]; 3]; 3];
    for (h, plane) in r.iter_mut().enumerate() {
        for (v, cell) in plane.iter_mut().enumerate() {
            for (f, out) in cell.iter_mut().enumerate() {
                let mut s = 0.0;
                for kh in 0..3 {
                    for kw in 0..3 {
                        for c in 0..2 {
                            s += x[((h + kh) * 5 + v + kw) * 2 + c] * w[((kh * 3 + kw) * 2 + c) * 3 + f];
                        }
                    }
                }
                *out = s.max(0.0);
            }
        }
    }
    let sums: Vec<f32> = (0..3)
        .map(|f| {
            let mut total = 0.0;
            for h in 0..2 {
                for v in 0..2 {
                    total += r[h][v][f].max(r[h][v + 1][f]).max(r[h + 1][v][f]).max(r[h + 1][v + 1][f]);
                }
            }
            total
        })
        .collect();
    (0..2)
        .map(|o| {
            let bm: f32 = (0..3).map(|i| sums[i] * bw[i * 2 + o]).sum();
            (bm - k[o]) * k[o] + bm
        })
        .collect()
}

// ---- Import and float evaluation ------------------------------------------------------------------------------

type Program = (&'static str, fn() -> String, fn(&[f32]) -> Vec<f32>, Vec<u64>);

fn programs() -> Vec<Program> {
    vec![
        ("mlp.tosa.mlir", tosa_mlp, mlp_reference, vec![1, 8]),
        ("mlp.linalg.mlir", linalg_mlp, mlp_reference, vec![1, 8]),
        ("cnn.tosa.mlir", tosa_cnn, tosa_cnn_reference, vec![1, 6, 6, 1]),
        ("cnn.linalg.mlir", linalg_cnn, linalg_cnn_reference, vec![1, 1, 6, 6]),
        ("pools.linalg.mlir", linalg_pools, linalg_pools_reference, vec![1, 2, 4, 4]),
        ("misc.tosa.mlir", tosa_misc, tosa_misc_reference, vec![1, 4, 4, 2]),
        ("nhwc.linalg.mlir", linalg_nhwc, linalg_nhwc_reference, vec![1, 5, 5, 2]),
    ]
}

fn import(name: &str, text: &str) -> veil_ir::Module {
    let options = ImportOptions { input_range: Some((0.0, 1.0)), ..ImportOptions::default() };
    match import_text(name, text, &options) {
        Ok(imported) => imported.module,
        Err(e) => panic!("{name}: {e}"),
    }
}

#[test]
fn hand_written_programs_compute_what_a_naive_reference_does() {
    for (name, program, reference, shape) in programs() {
        let m = import(name, &program());
        let n: u64 = shape.iter().product();
        for row in 0..4 {
            let x = input(n as usize, row);
            let got = eval_main(&m, &[Tensor::new(shape.clone(), x.clone()).unwrap()]).unwrap();
            let want = reference(&x);
            assert_eq!(got[0].len(), want.len(), "{name}");
            for (g, w) in got[0].data().iter().zip(&want) {
                assert!((g - w).abs() < 1e-4, "{name} row {row}: {:?} vs reference {want:?}", got[0].data());
            }
        }
    }
}

/// Writes each program and `rows` inputs of it to `dir`.
fn write_program(dir: &Path, name: &str, text: &str, shape: &[u64], rows: usize) -> (PathBuf, PathBuf) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let n: u64 = shape.iter().product();
    let data: Vec<f32> = (0..rows).flat_map(|r| input(n as usize, r)).collect();
    let xs = dir.join(format!("{name}.x.npy"));
    let mut batch: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    batch[0] = rows;
    write_f32(&xs, &batch, data);
    (path, xs)
}

/// Each model's fixed-point program is within the proven bound of the float one (`veil accuracy`'s bound models
/// the radix model's rescales, and the lookup-table model's table deviations besides, docs/accuracy.md). The
/// lookup-table programs compile at the driver's 4 fraction bits (the default 8 leaves most without parameters),
/// where these random models' close logits lose some argmaxes (cnn.tosa 7 of 8 rows): the bound is the check.
#[test]
fn the_clear_backend_stays_within_the_proven_bound_of_the_float_result() {
    let dir = scratch("mlir_accuracy");
    for (name, program, _, shape) in programs() {
        let (path, xs) = write_program(&dir, name, &program(), &shape, 8);
        let common = ["accuracy", s(&path), "--inputs", s(&xs), "--input-range", "0,1"];
        for strategy in ["radix", "lut"] {
            let out = ok(&[&common[..], &["--strategy", strategy]].concat());
            let line = out.lines().find(|l| l.starts_with("max |clear - float|")).unwrap_or_else(|| panic!("{out}"));
            assert!(line.ends_with(", 0 violations)"), "{name}, {strategy}: {out}");
        }
        // And one row through `veil run`, as a user would.
        let run = ok(&["run", s(&path), "--input", s(&xs), "--row", "0", "--input-range", "0,1", "--backend", "clear"]);
        assert!(run.contains("argmax:"), "{name}: {run}");
    }
}

// ---- A real producer ------------------------------------------------------------------------------------------

#[test]
fn digits_mlp_from_iree_matches_onnxruntime() {
    let path = repo("test/inputs/mlir/digits_mlp.linalg.mlir");
    let text = std::fs::read_to_string(&path).unwrap();
    let m = import(&path, &text);
    let inputs = veil_tools::cli::npy::read_f32(Path::new(&repo("../shared/models/digits_mlp.inputs.npy"))).unwrap();
    let expected =
        veil_tools::cli::npy::read_f32(Path::new(&repo("../shared/models/digits_mlp.expected.npy"))).unwrap();
    let rows = inputs.shape()[0] as usize;
    assert_eq!(rows, 200);
    for r in 0..rows {
        let x = Tensor::new(vec![1, 64], inputs.data()[r * 64..(r + 1) * 64].to_vec()).unwrap();
        let got = eval_main(&m, &[x]).unwrap();
        let want = &expected.data()[r * 10..(r + 1) * 10];
        for (g, w) in got[0].data().iter().zip(want) {
            assert!((g - w).abs() < 1e-4, "row {r}: {:?} vs onnxruntime {want:?}", got[0].data());
        }
    }
    // End to end on the clear backend, the README's first input: the label is 2.
    let x = repo("examples/digits_mlp.input0.npy");
    let out = ok(&["run", &path, "--input", &x, "--input-range", "0,1", "--backend", "clear"]);
    assert!(out.contains("argmax: 2"), "{out}");
}

// ---- Errors ---------------------------------------------------------------------------------------------------

fn import_error(name: &str, text: &str) -> String {
    match import_text(name, text, &ImportOptions::default()) {
        Ok(_) => panic!("{name} imported"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_op_veil_does_not_convert_is_named_at_its_line_with_the_source() {
    let text = "func.func @main(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {\n  %y = tosa.sigmoid %x : (tensor<1x4xf32>) -> tensor<1x4xf32>\n  return %y : tensor<1x4xf32>\n}\n";
    let e = import_error("act.mlir", text);
    assert!(e.starts_with("act.mlir:2:8: error: 'tosa.sigmoid': is not supported"), "{e}");
    assert!(e.contains("tosa.matmul") && e.contains("%y = tosa.sigmoid %x"), "{e}");
    let generic = "func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {\n  %e = tensor.empty() : tensor<2xf32>\n  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = [\"parallel\"]} ins(%x : tensor<2xf32>) outs(%e : tensor<2xf32>) {\n  ^bb0(%a: f32, %o: f32):\n    %t = math.exp %a : f32\n    linalg.yield %t : f32\n  } -> tensor<2xf32>\n  return %y : tensor<2xf32>\n}\n";
    let e = import_error("exp.mlir", generic);
    assert!(
        e.starts_with("exp.mlir:3:8: error: 'linalg.generic': 'math.exp' in a linalg.generic payload is not supported"),
        "{e}"
    );
}

#[test]
fn mlir_reports_its_own_parse_and_verifier_errors_with_the_source_line() {
    let bad_syntax = "func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {\n  %y = tosa.add %x, : tensor<4xf32>\n  return %y : tensor<4xf32>\n}\n";
    let e = import_error("syntax.mlir", bad_syntax);
    assert!(e.starts_with("syntax.mlir:2:"), "{e}");
    assert!(e.contains("error:") && e.contains("%y = tosa.add %x, : tensor<4xf32>"), "{e}");
    // Well-formed text that MLIR's verifier refuses: the shapes of tosa.add do not broadcast.
    let bad_shapes = "func.func @main(%x: tensor<4xf32>, %z: tensor<3xf32>) -> tensor<4xf32> {\n  %y = tosa.add %x, %z : (tensor<4xf32>, tensor<3xf32>) -> tensor<4xf32>\n  return %y : tensor<4xf32>\n}\n";
    let e = import_error("shapes.mlir", bad_shapes);
    assert!(e.starts_with("shapes.mlir:2:8: error:"), "{e}");
}

#[test]
fn dynamic_shapes_and_missing_functions_are_refused() {
    let dynamic = "func.func @main(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {\n  %y = tosa.add %x, %x : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>\n  return %y : tensor<?x4xf32>\n}\n";
    let e = import_error("dyn.mlir", dynamic);
    assert!(e.contains("dyn.mlir:1:1") && e.contains("argument #0") && e.contains("dynamic dimension"), "{e}");
    let two = "func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n  return %x : tensor<4xf32>\n}\nfunc.func @g(%x: tensor<4xf32>) -> tensor<4xf32> {\n  %y = tosa.add %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n  return %y : tensor<4xf32>\n}\n";
    let e = import_error("two.mlir", two);
    assert!(e.contains("needs one function to import: @main or a single public one (it has @f, @g)"), "{e}");
}

#[test]
fn resource_limits_hold_before_and_during_the_conversion() {
    // Deep nesting is refused before MLIR parses (its parser overflows the stack on it).
    let deep = format!(
        "func.func @main(%x: tensor<1xf32>) -> tensor<1xf32> {{\n  %c = arith.constant dense<{}1.0{}> : tensor<1xf32>\n  return %x : tensor<1xf32>\n}}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = import_error("deep.mlir", &deep);
    assert!(e.starts_with("deep.mlir:2: brackets nested more than 256 levels deep, the limit"), "{e}");
    // A fill of 10^11 elements: an error at the op, not an allocation.
    let huge = "func.func @main(%x: tensor<1xf32>) -> tensor<1xf32> {\n  %z = arith.constant 0.0 : f32\n  %e = tensor.empty() : tensor<100000x1000000xf32>\n  %f = linalg.fill ins(%z : f32) outs(%e : tensor<100000x1000000xf32>) -> tensor<100000x1000000xf32>\n  return %x : tensor<1xf32>\n}\n";
    let e = import_error("huge.mlir", huge);
    assert!(e.starts_with("huge.mlir:3:8: error: 'tensor.empty': a tensor of shape [100000, 1000000] has"), "{e}");
    // The bytes of all constants: the MLP's four weight tensors take 204 bytes.
    let limits = veil_ir::Limits { max_constant_bytes: 100, ..veil_ir::Limits::default() };
    let e = match import_text("mlp.mlir", &tosa_mlp(), &ImportOptions { limits, ..ImportOptions::default() }) {
        Ok(_) => panic!("imported beyond the limit"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("'tosa.const': the constants of this module take more than 100 bytes"), "{e}");
}

#[test]
fn veil_import_converts_upstream_programs_and_refuses_veil_programs() {
    let dir = scratch("mlir_import");
    let (path, _) = write_program(&dir, "mlp.tosa.mlir", &tosa_mlp(), &[1, 8], 1);
    let nn = ok(&["import", s(&path), "--input-range", "0,1"]);
    assert!(
        nn.contains("\"nn.matmul\"") && nn.contains("\"nn.relu\"") && nn.contains("veil.range = [0.0, 1.0]"),
        "{nn}"
    );
    let e = fails(&["import", &repo("test/models/mlp.mlir")]);
    assert!(e.contains("is not an ONNX model nor an upstream MLIR program"), "{e}");
}

#[test]
fn veil_opt_verifies_its_output_with_mlir() {
    let model = repo("test/models/mlp.mlir");
    let out = veil_tools::opt::run(&[model.clone(), "--nn-to-rt".into(), "--verify-with-mlir".into()], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("rt.call"), "{}", out.stdout);
    // MLIR's verifier is what runs: a module it refuses (a func.return whose type does not match) is an error.
    let broken = "func.func @f(%x: tensor<4xf32>) -> tensor<3xf32> {\n  func.return %x : tensor<4xf32>\n}\n";
    let e = veil_mlir::verify_text("broken.mlir", broken).unwrap_err().to_string();
    assert!(e.starts_with("broken.mlir:2:3: error:"), "{e}");
}
