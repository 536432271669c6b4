//! The clear backend's exact semantics, checked against hand-computed results, and its range check.

use veil_runtime::{Backend, ClearBackend, Conv2d, Lookup, Pool2d, RuntimeError, Tensor, Width};

fn t(shape: &[usize], data: &[i64]) -> Tensor<i64> {
    Tensor::new(shape.to_vec(), data.to_vec()).unwrap()
}

fn w(bits: u32) -> Width {
    Width::new(bits).unwrap()
}

const C: ClearBackend = ClearBackend { overflow: veil_runtime::Overflow::Check };

#[test]
fn elementwise_kernels_broadcast_like_numpy() {
    let a = t(&[2, 2], &[1, -2, 3, -4]);
    let row = t(&[2], &[10, -10]);
    assert_eq!(C.add(&a, &row, w(8)).unwrap(), t(&[2, 2], &[11, -12, 13, -14]));
    assert_eq!(C.sub(&row, &a, w(8)).unwrap(), t(&[2, 2], &[9, -8, 7, -6]));
    assert_eq!(C.mul(&a, &row, w(8)).unwrap(), t(&[2, 2], &[10, 20, 30, 40]));
    assert_eq!(C.add_plain(&a, &t(&[], &[5]), w(8)).unwrap(), t(&[2, 2], &[6, 3, 8, 1]));
    assert_eq!(C.sub_plain(&a, &row, w(8)).unwrap(), t(&[2, 2], &[-9, 8, -7, 6]));
    assert_eq!(C.mul_plain(&a, &t(&[2, 1], &[0, -1]), w(8)).unwrap(), t(&[2, 2], &[0, 0, -3, 4]));
    assert_eq!(C.neg(&a, w(8)).unwrap(), t(&[2, 2], &[-1, 2, -3, 4]));
    assert_eq!(C.square(&a, w(8)).unwrap(), t(&[2, 2], &[1, 4, 9, 16]));
    assert_eq!(C.relu(&a, w(8)).unwrap(), t(&[2, 2], &[1, 0, 3, 0]));
    assert_eq!(C.max(&a, &t(&[1], &[0]), w(8)).unwrap(), t(&[2, 2], &[1, 0, 3, 0]));
    assert_eq!(C.clamp(&a, -3, 2, w(3)).unwrap(), t(&[2, 2], &[1, -2, 2, -3]));
    assert!(C.add(&a, &t(&[3], &[1, 2, 3]), w(8)).is_err());
}

#[test]
fn shifts_round_toward_minus_infinity() {
    let a = t(&[5], &[-7, -1, 0, 5, 127]);
    assert_eq!(C.rescale(&a, 1, None, w(8)).unwrap(), t(&[5], &[-4, -1, 0, 2, 63]));
    assert_eq!(C.rescale(&a, 3, None, w(6)).unwrap(), t(&[5], &[-1, -1, 0, 0, 15]));
    assert_eq!(C.rescale(&a, 40, None, w(2)).unwrap(), t(&[5], &[-1, -1, 0, 0, 0]));
    assert_eq!(C.shl(&a, 2, w(10)).unwrap(), t(&[5], &[-28, -4, 0, 20, 508]));
}

#[test]
fn matmul_and_conv_are_integer_dot_products() {
    let x = t(&[1, 3], &[2, -3, 5]);
    let wt = t(&[3, 2], &[1, 0, -1, 2, 4, -8]);
    let bias = t(&[2], &[100, -100]);
    assert_eq!(C.matmul_plain(&x, &wt, Some(&bias), w(10)).unwrap(), t(&[1, 2], &[125, -146]));
    // 1x1x3x3 image, 1x1x2x2 kernel, pad 1 on the left/top only, stride 2.
    let img = t(&[1, 1, 3, 3], &[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let k = t(&[1, 1, 2, 2], &[1, -1, 2, 0]);
    let attrs = Conv2d { strides: [2, 2], pads: [1, 1, 0, 0], dilations: [1, 1], groups: 1 };
    // windows at (-1,-1), (-1,1), (1,-1), (1,1): only in-bounds taps contribute.
    assert_eq!(C.conv2d_plain(&img, &k, None, &attrs, w(8)).unwrap(), t(&[1, 1, 2, 2], &[0, 4, -4, 15]));
    // depthwise: 2 channels, groups = 2, a 1x1 kernel per channel.
    let img2 = t(&[1, 2, 1, 2], &[1, 2, 3, 4]);
    let dw = t(&[2, 1, 1, 1], &[3, -1]);
    let attrs = Conv2d { strides: [1, 1], pads: [0; 4], dilations: [1, 1], groups: 2 };
    assert_eq!(
        C.conv2d_plain(&img2, &dw, Some(&t(&[2], &[1, 1])), &attrs, w(8)).unwrap(),
        t(&[1, 2, 1, 2], &[4, 7, -2, -3])
    );
}

#[test]
fn pooling_and_sums() {
    let img = t(&[1, 1, 2, 3], &[1, -5, 3, -2, 4, -6]);
    let pool = Pool2d { kernel: [2, 2], strides: [1, 1], pads: [0, 0, 0, 1] };
    assert_eq!(C.max_pool2d(&img, &pool, w(8)).unwrap(), t(&[1, 1, 1, 3], &[4, 4, 3]));
    assert_eq!(C.avg_pool2d(&img, &pool, 3, w(8)).unwrap(), t(&[1, 1, 1, 3], &[-6, -12, -9]));
    let a = t(&[2, 3], &[1, 2, 3, 4, 5, 6]);
    assert_eq!(C.sum(&a, &[1], false, w(8)).unwrap(), t(&[2], &[6, 15]));
    assert_eq!(C.sum(&a, &[0], true, w(8)).unwrap(), t(&[1, 3], &[5, 7, 9]));
    assert_eq!(C.sum(&a, &[], false, w(8)).unwrap(), t(&[], &[21]));
}

#[test]
fn lut_is_indexed_from_the_minimum() {
    let a = t(&[4], &[-2, -1, 0, 1]);
    let table = [10, 11, 12, 13];
    assert_eq!(C.lut(&a, &Lookup::new(w(2), &table, w(6))).unwrap(), t(&[4], &[10, 11, 12, 13]));
    assert!(C.lut(&a, &Lookup::new(w(2), &table[..3], w(6))).is_err());
}

#[test]
fn a_shifted_lut_is_indexed_by_the_floor() {
    // i5 shifted right by 3: floor(a / 8) in [-2, 1], a table of 4 entries indexed from -2.
    let a = t(&[8], &[-16, -9, -8, -1, 0, 7, 8, 15]);
    let table = [10, 11, 12, 13];
    assert_eq!(
        C.lut(&a, &Lookup::new(w(5), &table, w(6)).shifted(3, 0)).unwrap(),
        t(&[8], &[10, 10, 11, 11, 12, 12, 13, 13])
    );
    // An odd width, and a shift leaving a single index bit (the sign).
    let b = t(&[4], &[-64, -1, 0, 63]);
    assert_eq!(C.lut(&b, &Lookup::new(w(7), &[-5, 5], w(4)).shifted(6, 0)).unwrap(), t(&[4], &[-5, -5, 5, 5]));
    let err = C.lut(&a, &Lookup::new(w(5), &[0; 8], w(6)).shifted(3, 0)).unwrap_err();
    assert_eq!(err.to_string(), "lut: a table over i5 shifted right by 3 needs 4 entries, not 8");
    assert_eq!(
        C.lut(&a, &Lookup::new(w(5), &[0], w(6)).shifted(5, 0)).unwrap_err().to_string(),
        "lut: shift 5 leaves no index bits of i5"
    );
}

#[test]
fn layout_kernels_move_elements() {
    let a = t(&[2, 3], &[1, 2, 3, 4, 5, 6]);
    assert_eq!(C.transpose(&a, &[1, 0]).unwrap(), t(&[3, 2], &[1, 4, 2, 5, 3, 6]));
    assert_eq!(C.reshape(&a, &[3, 2]).unwrap(), t(&[3, 2], &[1, 2, 3, 4, 5, 6]));
    assert_eq!(C.pad(&t(&[2], &[7, 8]), &[1, 2], w(8)).unwrap(), t(&[5], &[0, 7, 8, 0, 0]));
    assert_eq!(C.concat(&[&a, &t(&[2, 1], &[9, 9])], 1).unwrap(), t(&[2, 4], &[1, 2, 3, 9, 4, 5, 6, 9]));
    assert!(C.transpose(&a, &[0, 0]).is_err());
    assert!(C.reshape(&a, &[4]).is_err());
}

#[test]
fn the_range_check_names_kernel_element_value_and_width() {
    let a = t(&[2, 2], &[100, 27, 28, 0]);
    let err = C.add_plain(&a, &t(&[], &[100]), w(8)).unwrap_err();
    assert_eq!(err, RuntimeError::Range { kernel: "add_plain".into(), index: vec![0, 0], value: 200, bits: 8 });
    assert_eq!(err.to_string(), "add_plain: element [0, 0] = 200 does not fit in i8 (range [-128, 127])");
    let err = C.mul(&a, &t(&[], &[-5]), w(8)).unwrap_err();
    assert!(matches!(err, RuntimeError::Range { ref index, value: -500, .. } if index == &vec![0, 0]));
    // The first element out of range is the one reported.
    let err = C.shl(&t(&[3], &[1, 40, 64]), 1, w(8)).unwrap_err();
    assert!(matches!(err, RuntimeError::Range { ref index, value: 128, .. } if index == &vec![2]));
}

#[test]
fn wrapping_mode_behaves_like_a_radix_ciphertext() {
    let wrap = ClearBackend::wrapping();
    assert_eq!(wrap.add_plain(&t(&[2], &[127, -128]), &t(&[], &[1]), w(8)).unwrap(), t(&[2], &[-128, -127]));
    assert_eq!(wrap.mul(&t(&[1], &[16]), &t(&[1], &[16]), w(8)).unwrap(), t(&[1], &[0]));
}

#[test]
fn widths_are_2_to_64_bits() {
    assert!(Width::new(0).is_err());
    assert!(Width::new(1).is_err());
    assert_eq!(Width::new(7).unwrap().max_value(), 63);
    assert!(Width::new(65).is_err());
    assert_eq!(Width::new(64).unwrap().blocks(), 32);
}
