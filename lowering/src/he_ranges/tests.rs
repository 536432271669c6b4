//! Tests of the integer interval analysis: exact arithmetic on hand-computed cases, and soundness (random
//! integer inputs within the argument ranges always land inside every computed interval).

use super::*;

fn parse(text: &str) -> Module {
    match veil_ir::parse_and_verify("test.mlir", text, &crate::registry()) {
        Ok(m) => m,
        Err(d) => panic!("{d}"),
    }
}

fn ranges_of(m: &Module) -> RangeAnalysis {
    RangeAnalysis::of_function(m, m.funcs()[0]).unwrap_or_else(|d| panic!("{d}"))
}

/// The value defined by the `i`-th op of the first function.
fn result(m: &Module, i: usize) -> Value {
    let body = m.body(m.funcs()[0]).unwrap();
    m.op(m.block(body).ops[i]).result()
}

#[test]
fn widths() {
    assert_eq!(width_for(Interval::point(0)), 1);
    assert_eq!(width_for(Interval::new(-2, 1)), 2);
    assert_eq!(width_for(Interval::new(0, 255)), 9);
    assert_eq!(width_for(Interval::new(-128, 127)), 8);
    assert_eq!(width_for(Interval::new(-129, 0)), 9);
    assert_eq!(width_for(Interval::of_width(64)), 64);
    assert_eq!(width_for(Interval::new(i128::MIN, i128::MAX)), 128);
    assert_eq!(type_width_for(Interval::point(0)), 2);
}

#[test]
fn interval_arithmetic() {
    let a = Interval::new(-3, 5);
    assert_eq!(a * Interval::new(-2, 4), Interval::new(-12, 20));
    assert_eq!(a.square(), Interval::new(0, 25));
    assert_eq!(Interval::new(-7, -2).square(), Interval::new(4, 49));
    assert_eq!(a.relu(), Interval::new(0, 5));
    assert_eq!(a.shr_floor(1), Interval::new(-2, 2));
    assert_eq!(a - Interval::new(1, 2), Interval::new(-5, 4));
    assert_eq!(a.max(Interval::new(0, 1)), Interval::new(0, 5));
    assert_eq!(a.shl_by(2), Interval::new(-12, 20));
    assert_eq!((Interval::of_width(64) * Interval::of_width(64)).hi, 1i128 << 126);
}

#[test]
fn dot_product_is_the_exact_sum_of_product_intervals() {
    let m = parse(
        r#"func.func @f(%x: !he.ct<1x3xi8, frac = 2> {veil.range = [-1.0, 1.5]}) -> !he.ct<1x2xi16, frac = 4> {
  %w = "he.encode"() {value = dense<[[1, -2], [3, 0], [-1, 4]]> : tensor<3x2xi8>} : () -> !he.pt<3x2xi8, frac = 2>
  %b = "he.encode"() {value = dense<[5, -5]> : tensor<2xi8>} : () -> !he.pt<2xi8, frac = 4>
  %0 = "he.matmul_plain"(%x, %w, %b) : (!he.ct<1x3xi8, frac = 2>, !he.pt<3x2xi8, frac = 2>, !he.pt<2xi8, frac = 4>) -> !he.ct<1x2xi16, frac = 4>
  func.return %0 : !he.ct<1x2xi16, frac = 4>
}"#,
    );
    let a = ranges_of(&m);
    let x = m.block(m.body(m.funcs()[0]).unwrap()).args[0];
    // [-1, 1.5] at frac 2 is [-4, 6].
    assert_eq!(a.hull(x), Some(Interval::new(-4, 6)));
    let r = a.get(result(&m, 2)).unwrap();
    // Column 0: [-4,6]*1 + [-4,6]*3 + [-4,6]*-1 + 5; column 1: [-4,6]*-2 + 0 + [-4,6]*4 - 5.
    assert_eq!(r.elems, vec![Interval::new(-22 + 5, 28 + 5), Interval::new(-28 - 5, 32 - 5)]);
}

#[test]
fn conv_pools_and_lut() {
    let table: Vec<String> = (-128..128).map(|v: i32| (v / 2).to_string()).collect();
    let m = parse(
        &r#"func.func @f(%x: !he.ct<1x1x3x3xi8, frac = 0> {veil.range = [0.0, 2.0]}) -> !he.ct<1x1x1x1xi8, frac = 0> {
  %w = "he.encode"() {value = dense<[[[[1, -1], [2, 0]]]]> : tensor<1x1x2x2xi8>} : () -> !he.pt<1x1x2x2xi8, frac = 0>
  %0 = "he.conv2d_plain"(%x, %w) {pads = [1, 1, 0, 0]} : (!he.ct<1x1x3x3xi8, frac = 0>, !he.pt<1x1x2x2xi8, frac = 0>) -> !he.ct<1x1x3x3xi8, frac = 0>
  %1 = "he.max_pool2d"(%0) {kernel = [2, 2], strides = [2, 2], pads = [1, 1, 0, 0]} : (!he.ct<1x1x3x3xi8, frac = 0>) -> !he.ct<1x1x2x2xi8, frac = 0>
  %2 = "he.avg_pool2d"(%1) {kernel = [2, 2], multiplier = 3} : (!he.ct<1x1x2x2xi8, frac = 0>) -> !he.ct<1x1x1x1xi8, frac = 0>
  %3 = "he.lut"(%2) {table = dense<[TABLE]> : tensor<256xi8>} : (!he.ct<1x1x1x1xi8, frac = 0>) -> !he.ct<1x1x1x1xi8, frac = 0>
  func.return %3 : !he.ct<1x1x1x1xi8, frac = 0>
}"#
        .replace("TABLE", &table.join(", ")),
    );
    let a = ranges_of(&m);
    let conv = a.get(result(&m, 1)).unwrap();
    // Output (0, 0) reads only x[0, 0] (weight 0 at the bottom right): the other taps are in the padding.
    assert_eq!(conv.elems[0], Interval::new(0, 0));
    // Output (0, 1) reads x[0,0] * 2 and x[0,1] * 0 in the bottom row: [0, 4].
    assert_eq!(conv.elems[1], Interval::new(0, 4));
    // Output (1, 1): x00 * 1 + x01 * -1 + x10 * 2 + x11 * 0 = [-2, 6].
    assert_eq!(conv.elems[4], Interval::new(-2, 6));
    let max = a.get(result(&m, 2)).unwrap();
    // Window (0, 0) holds only conv (0, 0): padding never wins.
    assert_eq!(max.elems[0], Interval::new(0, 0));
    let avg = a.get(result(&m, 3)).unwrap();
    assert_eq!(avg.elems[0].lo, 3 * max.elems.iter().map(|i| i.lo).sum::<i128>());
    // The table halves (rounding towards zero): the reachable entries are the halved interval.
    let halved = Interval::new(avg.elems[0].lo / 2, avg.elems[0].hi / 2);
    assert_eq!(a.get(result(&m, 4)).unwrap().elems[0], halved);
}

/// A small deterministic generator (no dependency needed for a seeded loop).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn within(&mut self, iv: Interval) -> i128 {
        iv.lo + (self.next() as i128) % (iv.hi - iv.lo + 1)
    }
}

const SOUNDNESS_PROGRAM: &str = r#"func.func @f(%x: !he.ct<1x2x4x4xi8, frac = 4> {veil.range = [-1.0, 2.0]}, %y: !he.ct<1x2x4x4xi8, frac = 4> {veil.range = [0.25, 1.0]}) -> !he.ct<3xi56, frac = 4> {
  %w = "he.encode"() {value = dense<[[[[3, -1], [0, 2]], [[-4, 1], [1, 1]]], [[[1, 1], [-1, -1]], [[0, 5], [2, -3]]], [[[7, 0], [0, -7]], [[1, 2], [3, 4]]]]> : tensor<3x2x2x2xi8>} : () -> !he.pt<3x2x2x2xi8, frac = 4>
  %b = "he.encode"() {value = dense<[-100, 0, 37]> : tensor<3xi16>} : () -> !he.pt<3xi16, frac = 8>
  %c = "he.encode"() {value = dense<[[1, -1]]> : tensor<1x2xi8>} : () -> !he.pt<1x2xi8, frac = 4>
  %0 = "he.sub"(%x, %y) : (!he.ct<1x2x4x4xi8, frac = 4>, !he.ct<1x2x4x4xi8, frac = 4>) -> !he.ct<1x2x4x4xi10, frac = 4>
  %1 = "he.conv2d_plain"(%0, %w, %b) {pads = [1, 0, 0, 1], strides = [1, 2]} : (!he.ct<1x2x4x4xi10, frac = 4>, !he.pt<3x2x2x2xi8, frac = 4>, !he.pt<3xi16, frac = 8>) -> !he.ct<1x3x4x2xi20, frac = 8>
  %2 = "he.rescale"(%1) {shift = 3} : (!he.ct<1x3x4x2xi20, frac = 8>) -> !he.ct<1x3x4x2xi20, frac = 5>
  %3 = "he.square"(%2) : (!he.ct<1x3x4x2xi20, frac = 5>) -> !he.ct<1x3x4x2xi40, frac = 10>
  %4 = "he.relu"(%1) : (!he.ct<1x3x4x2xi20, frac = 8>) -> !he.ct<1x3x4x2xi20, frac = 8>
  %5 = "he.max_pool2d"(%4) {kernel = [2, 2], pads = [1, 1, 0, 0]} : (!he.ct<1x3x4x2xi20, frac = 8>) -> !he.ct<1x3x4x2xi20, frac = 8>
  %6 = "he.avg_pool2d"(%5) {kernel = [4, 2], multiplier = 5, multiplier_frac = 2} : (!he.ct<1x3x4x2xi20, frac = 8>) -> !he.ct<1x3x1x1xi30, frac = 10>
  %7 = "he.mul"(%3, %6) : (!he.ct<1x3x4x2xi40, frac = 10>, !he.ct<1x3x1x1xi30, frac = 10>) -> !he.ct<1x3x4x2xi64, frac = 20>
  %8 = "he.rescale"(%7) {shift = 16} : (!he.ct<1x3x4x2xi64, frac = 20>) -> !he.ct<1x3x4x2xi48, frac = 4>
  %9 = "he.transpose"(%8) {perm = [0, 3, 1, 2]} : (!he.ct<1x3x4x2xi48, frac = 4>) -> !he.ct<1x2x3x4xi48, frac = 4>
  %10 = "he.pad"(%9) {pads = [0, 0, 1, 0, 0, 0, 0, 1]} : (!he.ct<1x2x3x4xi48, frac = 4>) -> !he.ct<1x2x4x5xi48, frac = 4>
  %11 = "he.concat"(%10, %10) {axis = 2} : (!he.ct<1x2x4x5xi48, frac = 4>, !he.ct<1x2x4x5xi48, frac = 4>) -> !he.ct<1x2x8x5xi48, frac = 4>
  %12 = "he.sum"(%11) {axes = [0, 3], keepdims = false} : (!he.ct<1x2x8x5xi48, frac = 4>) -> !he.ct<2x8xi52, frac = 4>
  %13 = "he.reshape"(%12) : (!he.ct<2x8xi52, frac = 4>) -> !he.ct<16xi52, frac = 4>
  %k = "he.encode"() {value = dense<[[1, 0, -2], [0, 1, 1], [2, 2, 2], [-1, 0, 0], [1, 1, 1], [0, 0, 3], [1, -1, 1], [2, 0, 0], [0, 0, 0], [1, 2, 3], [3, 2, 1], [-3, 0, 3], [1, 1, -1], [0, 4, 0], [-2, 0, 0], [0, 0, 1]]> : tensor<16x3xi8>} : () -> !he.pt<16x3xi8, frac = 0>
  %14 = "he.matmul_plain"(%13, %k) : (!he.ct<16xi52, frac = 4>, !he.pt<16x3xi8, frac = 0>) -> !he.ct<3xi56, frac = 4>
  %15 = "he.reshape"(%0) : (!he.ct<1x2x4x4xi10, frac = 4>) -> !he.ct<16x2xi10, frac = 4>
  %16 = "he.mul_plain"(%15, %c) : (!he.ct<16x2xi10, frac = 4>, !he.pt<1x2xi8, frac = 4>) -> !he.ct<16x2xi20, frac = 8>
  %17 = "he.max"(%x, %y) : (!he.ct<1x2x4x4xi8, frac = 4>, !he.ct<1x2x4x4xi8, frac = 4>) -> !he.ct<1x2x4x4xi8, frac = 4>
  %18 = "he.neg"(%17) : (!he.ct<1x2x4x4xi8, frac = 4>) -> !he.ct<1x2x4x4xi8, frac = 4>
  %19 = "he.shl"(%18) {shift = 2} : (!he.ct<1x2x4x4xi8, frac = 4>) -> !he.ct<1x2x4x4xi10, frac = 4>
  func.return %14 : !he.ct<3xi56, frac = 4>
}"#;

#[test]
fn random_inputs_land_inside_the_intervals() {
    let m = parse(SOUNDNESS_PROGRAM);
    let f = m.funcs()[0];
    let sound = ranges_of(&m);
    let args = m.block(m.body(f).unwrap()).args.clone();
    let mut ops = vec![];
    m.walk_into(f, &mut ops);
    let mut rng = Lcg(0x5eed);
    for _ in 0..200 {
        // Interval arithmetic on points is exact evaluation: run the program on random points.
        let mut exact = RangeAnalysis::new();
        for &a in &args {
            let r = sound.get(a).unwrap();
            let elems = r.elems.iter().map(|&iv| Interval::point(rng.within(iv))).collect();
            exact.set(a, TensorRange { shape: r.shape.clone(), elems });
        }
        for &op in &ops {
            exact.visit(&m, op).unwrap();
            for &v in &m.op(op).results {
                let (Some(point), Some(bound)) = (exact.get(v), sound.get(v)) else { continue };
                for (p, b) in point.elems.iter().zip(&bound.elems) {
                    assert!(b.contains(p.lo), "{} escapes {b} at {}", p.lo, m.op(op).name());
                }
            }
        }
    }
}

#[test]
fn argument_ranges_must_fit_the_type() {
    let m = parse(
        r#"func.func @f(%x: !he.ct<4xi8, frac = 6> {veil.range = [0.0, 4.0]}) -> !he.ct<4xi8, frac = 6> {
  func.return %x : !he.ct<4xi8, frac = 6>
}"#,
    );
    let e = RangeAnalysis::of_function(&m, m.funcs()[0]).unwrap_err();
    assert!(e.to_string().contains("is the integer range [0, 256], which needs i10"), "{e}");
    let m = parse(
        r#"func.func @f(%x: !he.ct<4xi8, frac = 6>) -> !he.ct<4xi8, frac = 6> {
  %0 = "he.relu"(%x) : (!he.ct<4xi8, frac = 6>) -> !he.ct<4xi8, frac = 6>
  func.return %0 : !he.ct<4xi8, frac = 6>
}"#,
    );
    let r = integer_ranges(&m, m.funcs()[0]).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(r.get(&result(&m, 0)), Some(&Interval::new(0, 127)));
}

/// `a + T(b - a)` with a table that drops one bit of the difference (`floor(d / 2) * 2`, relu, and one odd entry).
fn difference_table_program(table: &[i64]) -> String {
    let table: Vec<String> = table.iter().map(i64::to_string).collect();
    r#"func.func @f(%a: !he.ct<2xi6, frac = 0> {veil.range = [-5.0, 12.0]}, %b: !he.ct<2xi6, frac = 0> {veil.range = [0.0, 15.0]}) -> !he.ct<2xi8, frac = 0> {
  %0 = "he.sub"(%b, %a) : (!he.ct<2xi6, frac = 0>, !he.ct<2xi6, frac = 0>) -> !he.ct<2xi6, frac = 0>
  %1 = "he.lut"(%0) {shift = 1, table = dense<[TABLE]> : tensor<32xi8>} : (!he.ct<2xi6, frac = 0>) -> !he.ct<2xi8, frac = 0>
  %2 = "he.add"(%a, %1) : (!he.ct<2xi6, frac = 0>, !he.ct<2xi8, frac = 0>) -> !he.ct<2xi8, frac = 0>
  func.return %2 : !he.ct<2xi8, frac = 0>
}"#
    .replace("TABLE", &table.join(", "))
}

#[test]
fn a_max_written_as_a_table_keeps_the_maximum_range() {
    // Index j stands for d in [2j, 2j + 1]; relu(2j): a + T(b - a) lies in [max(lo) - 1, max(hi)].
    let relu: Vec<i64> = (-16..16).map(|j: i64| (2 * j).max(0)).collect();
    let m = parse(&difference_table_program(&relu));
    let a = ranges_of(&m);
    // Interval arithmetic alone: [-5, 12] + [0, 20] = [-5, 32]. b = 0, a = -5 reads d = 5 -> 4: -1; a = b - 1
    // reads 0: b - 1 >= -1; the sum never passes max(a, b) <= 15.
    assert_eq!(a.get(result(&m, 2)).unwrap().elems[0], Interval::new(-1, 15));
}

#[test]
fn difference_tables_are_sound_for_any_table() {
    let mut rng = Lcg(0xd1ff);
    for _ in 0..20 {
        let table: Vec<i64> = (0..32).map(|_| rng.within(Interval::new(-40, 40)) as i64).collect();
        let m = parse(&difference_table_program(&table));
        let sound = ranges_of(&m);
        let f = m.funcs()[0];
        let args = m.block(m.body(f).unwrap()).args.clone();
        let mut ops = vec![];
        m.walk_into(f, &mut ops);
        let bound = sound.get(result(&m, 2)).unwrap().elems[0];
        let (mut lo, mut hi) = (i128::MAX, i128::MIN);
        for va in -5..=12 {
            for vb in 0..=15 {
                let mut exact = RangeAnalysis::new();
                for (&arg, v) in args.iter().zip([va, vb]) {
                    exact.set(arg, TensorRange { shape: vec![2], elems: vec![Interval::point(v); 2] });
                }
                for &op in &ops {
                    exact.visit(&m, op).unwrap();
                }
                let v = exact.get(result(&m, 2)).unwrap().elems[0].lo;
                assert!(bound.contains(v), "{v} escapes {bound} (a = {va}, b = {vb}, table {table:?})");
                (lo, hi) = (lo.min(v), hi.max(v));
            }
        }
        // Exact: every bound is reached.
        assert_eq!(bound, Interval::new(lo, hi), "table {table:?}");
    }
}
