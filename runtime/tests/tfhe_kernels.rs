//! Every kernel on the tfhe backend decrypts to exactly the clear backend's result, on small tensors with negative
//! values, zero / ±1 / 2^k weights, sign extension between widths, and values at the limits of their widths.
#![cfg(feature = "tfhe")]

mod common;

use common::{enc, keys, same, t, w, CLEAR};
use veil_runtime::{Backend, Conv2d, Lookup, Pool2d};

#[test]
fn add_sub_neg_at_the_width_limits_with_sign_extension() {
    let b = &keys().backend;
    let (x, y) = (t(&[4], &[100, -100, -128, 0]), t(&[4], &[27, -28, 0, -1]));
    let (ex, ey) = (enc(&x, 8), enc(&y, 8));
    same(b.add(&ex, &ey, w(8)), CLEAR.add(&x, &y, w(8)), &[127, -128, -128, -1]);
    same(b.sub(&ex, &ey, w(8)), CLEAR.sub(&x, &y, w(8)), &[73, -72, -128, 1]);
    let n = t(&[2], &[7, -8]);
    same(b.neg(&enc(&n, 4), w(6)), CLEAR.neg(&n, w(6)), &[-7, 8]);
    // An i4 operand sign-extended into an i8 sum.
    let s = t(&[4], &[7, -8, 3, 0]);
    same(b.add(&enc(&s, 4), &ex, w(8)), CLEAR.add(&s, &x, w(8)), &[107, -108, -125, 0]);
}

#[test]
fn add_with_carry_propagation_at_16_bits() {
    let b = &keys().backend;
    let (x, y) = (t(&[2], &[32000, -32768]), t(&[2], &[767, 1]));
    same(b.add(&enc(&x, 16), &enc(&y, 16), w(16)), CLEAR.add(&x, &y, w(16)), &[32767, -32767]);
}

#[test]
fn plaintext_add_and_sub() {
    let b = &keys().backend;
    let x = t(&[4], &[120, -120, 0, -1]);
    let ex = enc(&x, 8);
    let p = t(&[4], &[7, -8, 0, -127]);
    same(b.add_plain(&ex, &p, w(8)), CLEAR.add_plain(&x, &p, w(8)), &[127, -128, 0, -128]);
    let q = t(&[], &[-7]);
    same(b.sub_plain(&ex, &q, w(8)), CLEAR.sub_plain(&x, &q, w(8)), &[127, -113, 7, 6]);
}

#[test]
fn ciphertext_products() {
    let b = &keys().backend;
    let (x, y) = (t(&[4], &[-8, 7, 0, -1]), t(&[4], &[15, -16, 3, 1]));
    let ex = enc(&x, 4);
    same(b.mul(&ex, &enc(&y, 6), w(8)), CLEAR.mul(&x, &y, w(8)), &[-120, -112, 0, -1]);
    same(b.square(&ex, w(8)), CLEAR.square(&x, w(8)), &[64, 49, 0, 1]);
}

#[test]
fn mul_plain_with_zero_unit_power_and_general_weights() {
    let b = &keys().backend;
    let x = t(&[2, 4], &[3, -5, 7, -2, -8, 1, 6, 0]);
    let ex = enc(&x, 4);
    let p = t(&[2, 4], &[0, 1, -1, 8, 2, -2, -16, 5]);
    same(b.mul_plain(&ex, &p, w(8)), CLEAR.mul_plain(&x, &p, w(8)), &[0, -5, -7, -16, -16, -2, -96, 0]);
    // Broadcast a row of weights, with 3, -3, -7, 6 (several digits each).
    let r = t(&[4], &[3, -3, -7, 6]);
    same(b.mul_plain(&ex, &r, w(8)), CLEAR.mul_plain(&x, &r, w(8)), &[9, 15, -49, -12, -24, -3, -42, 0]);
}

#[test]
fn matmul_plain_with_bias() {
    let b = &keys().backend;
    let x = t(&[1, 3], &[7, -8, 1]);
    let m = t(&[3, 2], &[1, -1, 0, 4, -3, 2]);
    let bias = t(&[2], &[5, -5]);
    same(b.matmul_plain(&enc(&x, 4), &m, Some(&bias), w(8)), CLEAR.matmul_plain(&x, &m, Some(&bias), w(8)), &[9, -42]);
}

#[test]
fn conv2d_plain_with_padding() {
    let b = &keys().backend;
    let img = t(&[1, 1, 2, 2], &[1, -2, 3, -4]);
    let k = t(&[1, 1, 2, 2], &[1, 0, -1, 2]);
    let attrs = Conv2d { strides: [1, 1], pads: [0, 0, 0, 1], dilations: [1, 1], groups: 1 };
    let bias = t(&[1], &[-1]);
    same(
        b.conv2d_plain(&enc(&img, 4), &k, Some(&bias), &attrs, w(8)),
        CLEAR.conv2d_plain(&img, &k, Some(&bias), &attrs, w(8)),
        &[-11, 1],
    );
}

#[test]
fn sums_and_average_pooling() {
    let b = &keys().backend;
    let x = t(&[2, 2], &[31, -32, 5, 27]);
    let ex = enc(&x, 6);
    same(b.sum(&ex, &[1], false, w(8)), CLEAR.sum(&x, &[1], false, w(8)), &[-1, 32]);
    let img = t(&[1, 1, 2, 2], &[31, -32, 5, 27]);
    let pool = Pool2d { kernel: [2, 2], strides: [1, 1], pads: [0; 4] };
    same(b.avg_pool2d(&enc(&img, 6), &pool, 3, w(10)), CLEAR.avg_pool2d(&img, &pool, 3, w(10)), &[93]);
}

#[test]
fn rescale_by_whole_blocks_and_odd_bits() {
    let b = &keys().backend;
    let x = t(&[4], &[-128, 127, -7, 5]);
    let ex = enc(&x, 8);
    same(b.rescale(&ex, 1, None, w(8)), CLEAR.rescale(&x, 1, None, w(8)), &[-64, 63, -4, 2]);
    same(b.rescale(&ex, 2, None, w(6)), CLEAR.rescale(&x, 2, None, w(6)), &[-32, 31, -2, 1]);
    same(b.rescale(&ex, 3, None, w(6)), CLEAR.rescale(&x, 3, None, w(6)), &[-16, 15, -1, 0]);
    same(b.rescale(&ex, 9, None, w(2)), CLEAR.rescale(&x, 9, None, w(2)), &[-1, 0, -1, 0]);
}

#[test]
fn shl_and_trivial() {
    let b = &keys().backend;
    let x = t(&[4], &[3, -4, 1, 0]);
    let ex = enc(&x, 4);
    same(b.shl(&ex, 1, w(6)), CLEAR.shl(&x, 1, w(6)), &[6, -8, 2, 0]);
    same(b.shl(&ex, 2, w(8)), CLEAR.shl(&x, 2, w(8)), &[12, -16, 4, 0]);
    let p = t(&[2], &[5, -3]);
    same(b.trivial(&p, w(8)), CLEAR.trivial(&p, w(8)), &[5, -3]);
}

#[test]
fn relu_and_max() {
    let b = &keys().backend;
    let x = t(&[4], &[-128, 127, 0, -1]);
    let ex = enc(&x, 8);
    same(b.relu(&ex, w(8)), CLEAR.relu(&x, w(8)), &[0, 127, 0, 0]);
    let y = t(&[4], &[7, -8, 0, -4]);
    same(b.max(&ex, &enc(&y, 4), w(8)), CLEAR.max(&x, &y, w(8)), &[7, 127, 0, -1]);
    // A narrow input relu'd into a wider result gets zero blocks on top.
    same(b.relu(&enc(&y, 4), w(8)), CLEAR.relu(&y, w(8)), &[7, 0, 0, 0]);
}

#[test]
fn clamp_into_narrower_and_wider_results() {
    let b = &keys().backend;
    let x = t(&[4], &[-128, 127, 5, -3]);
    same(b.clamp(&enc(&x, 8), -10, 20, w(6)), CLEAR.clamp(&x, -10, 20, w(6)), &[-10, 20, 5, -3]);
    let y = t(&[2], &[7, -8]);
    same(b.clamp(&enc(&y, 4), -2, 3, w(8)), CLEAR.clamp(&y, -2, 3, w(8)), &[3, -2]);
}

#[test]
fn max_pool2d_ignores_padding() {
    let b = &keys().backend;
    let img = t(&[1, 1, 1, 2], &[-5, -9]);
    let pool = Pool2d { kernel: [1, 2], strides: [1, 1], pads: [0, 1, 0, 0] };
    same(b.max_pool2d(&enc(&img, 6), &pool, w(6)), CLEAR.max_pool2d(&img, &pool, w(6)), &[-5, -5]);
}

#[test]
fn lut_over_a_4_bit_input() {
    let b = &keys().backend;
    let x = t(&[4], &[-8, 7, 0, -1]);
    let table: Vec<i64> = (0..16).map(|i| i * i - 50).collect();
    same(
        b.lut(&enc(&x, 4), &Lookup::new(w(4), &table, w(10))),
        CLEAR.lut(&x, &Lookup::new(w(4), &table, w(10))),
        &[-50, 175, 14, -1],
    );
}

#[test]
fn shifted_lut_rescales_first() {
    let b = &keys().backend;
    // i8 shifted right by 3: a 5-bit index, held by a 6-bit radix.
    let x = t(&[4], &[-128, -97, 127, 7]);
    let table: Vec<i64> = (0..32).map(|i| 3 * i - 40).collect();
    same(
        b.lut(&enc(&x, 8), &Lookup::new(w(8), &table, w(8)).shifted(3, 0)),
        CLEAR.lut(&x, &Lookup::new(w(8), &table, w(8)).shifted(3, 0)),
        &[-40, -31, 53, 8],
    );
}

#[test]
fn layout_kernels_and_padding_zeros() {
    let b = &keys().backend;
    let x = t(&[2, 1], &[-3, 2]);
    let moved = b.transpose(&enc(&x, 4), &[1, 0]).unwrap();
    let clear = CLEAR.transpose(&x, &[1, 0]).unwrap();
    same(b.pad(&moved, &[0, 1, 0, 0], w(4)), CLEAR.pad(&clear, &[0, 1, 0, 0], w(4)), &[0, -3, 2]);
}

#[test]
fn the_interpreter_runs_a_layer_on_ciphertexts_like_on_clear_integers() {
    use veil_runtime::{run, Buffer};
    let m = common::program::parse(common::program::MLP);
    let x = t(&[1, 4], &[1, 2, 3, -4]);
    let clear = run(&m, Some("mlp"), vec![Buffer::Ct(x.clone())], &CLEAR).unwrap();
    let out = run(&m, Some("mlp"), vec![Buffer::Ct(enc(&x, 8))], &keys().backend).unwrap();
    let [Buffer::Ct(out)] = &out[..] else { panic!("one ciphertext result expected") };
    assert_eq!(vec![Buffer::Ct(keys().client.decrypt(out).unwrap())], clear);
    // A ciphertext of the wrong width is rejected, naming the argument.
    let err = run(&m, Some("mlp"), vec![Buffer::Ct(enc(&x, 6))], &keys().backend).unwrap_err();
    assert!(err.to_string().starts_with("argument #0: element [0, 0]: a ciphertext of 3 blocks"), "{err}");
}
