//! Every primitive of the lwe backend on real ciphertexts against the clear backend: leveled linear maps (zero,
//! negative and large weights, re-encoding of wider inputs), trivial encryptions, and table lookups without and
//! with a shift, bit-exact (Rounding::Exact) at the edges of the index boxes or within one entry
//! (Rounding::Approximate), exact floors (rescale) and reads of inputs whose low bits are known zero. Test
//! parameters: n = 880, k = 1, N = 2048 (tests/common/lwe.rs).
#![cfg(feature = "tfhe")]

mod common;

use common::lwe::{lwe_dec, lwe_enc, lwe_keys};
use common::{t, w, CLEAR};
use veil_rt::tfhe_config::{reads_full_domain, LookupFloors};
use veil_runtime::lwe_backend::Rounding;
use veil_runtime::{run, Backend, Buffer, ClearBackend, Lookup, RuntimeError};

#[test]
fn linear_maps_are_leveled_and_exact() {
    let b = lwe_keys().exact.with_rounding(Rounding::Exact);
    // x[2, 4] @ w[4, 3] + bias: zero, negative and large weights, at 17 bits.
    let x = t(&[2, 4], &[-128, 127, 0, -1, 5, -7, 100, 33]);
    let weights = t(&[4, 3], &[0, 1, -200, -3, 0, 150, 7, -1, 0, 0, 255, -99]);
    let bias = t(&[3], &[1000, -1000, 0]);
    let ex = lwe_enc(&x, 17);
    let clear = CLEAR.matmul_plain(&x, &weights, Some(&bias), w(17)).unwrap();
    assert_eq!(lwe_dec(&b.matmul_plain(&ex, &weights, Some(&bias), w(17)).unwrap()), clear);
    assert_eq!(clear.data, [619, -1383, 44749, 1721, 7320, -5317]);
    // add, sub, neg and plaintext ops at an odd width.
    let (y, z) = (t(&[3], &[-40, 17, 63]), t(&[3], &[23, -63, -1]));
    let (ey, ez) = (lwe_enc(&y, 7), lwe_enc(&z, 7));
    assert_eq!(lwe_dec(&b.add(&ey, &ez, w(7)).unwrap()), CLEAR.add(&y, &z, w(7)).unwrap());
    // 81 and 64 overflow i7: the encoding wraps modulo 2^7, like the clear backend's wrapping mode.
    let wrapping = ClearBackend::wrapping();
    assert_eq!(lwe_dec(&b.sub(&ey, &ez, w(7)).unwrap()), wrapping.sub(&y, &z, w(7)).unwrap());
    assert_eq!(lwe_dec(&b.neg(&ez, w(7)).unwrap()), CLEAR.neg(&z, w(7)).unwrap());
    let p = t(&[3], &[-1, 3, 0]);
    assert_eq!(lwe_dec(&b.mul_plain(&ey, &p, w(7)).unwrap()), CLEAR.mul_plain(&y, &p, w(7)).unwrap());
    assert_eq!(lwe_dec(&b.add_plain(&ey, &p, w(7)).unwrap()), CLEAR.add_plain(&y, &p, w(7)).unwrap());
    assert_eq!(b.pbs_count(), 0, "linear maps are leveled");
}

#[test]
fn a_wider_input_is_re_encoded_and_a_narrower_one_refused() {
    let b = &lwe_keys().exact;
    // Values of i6 encoded at i12 (a wider encoding) summed into an i6 result: multiplied by 2^6, exact.
    let (x, y) = (t(&[3], &[-20, 31, 0]), t(&[3], &[-12, -31, 5]));
    let sum = b.add(&lwe_enc(&x, 12), &lwe_enc(&y, 6), w(6)).unwrap();
    assert!(sum.data.iter().all(|v| v.bits == 6));
    assert_eq!(lwe_dec(&sum), t(&[3], &[-32, 0, 5]));
    let err = b.add(&lwe_enc(&x, 6), &lwe_enc(&y, 6), w(8)).unwrap_err();
    assert_eq!(
        err,
        RuntimeError::Kernel {
            kernel: "add".into(),
            message: "element [0]: an input encoded at i6 cannot widen to i8 without a bootstrap; the compiler \
                      unifies encodings"
                .into()
        }
    );
}

#[test]
fn trivial_encryptions_and_padding_zeros() {
    let b = &lwe_keys().exact;
    let pt = t(&[4], &[-16, 15, 0, -1]);
    assert_eq!(lwe_dec(&b.trivial(&pt, w(5)).unwrap()), pt);
    let x = lwe_enc(&t(&[2], &[3, -4]), 5);
    assert_eq!(lwe_dec(&b.pad(&x, &[1, 2], w(5)).unwrap()).data, [0, 3, -4, 0, 0]);
}

#[test]
fn lut_without_shift_reads_every_entry() {
    // relu over all of i5, one bootstrap each, in both modes.
    let x = t(&[32], &(-16..16).collect::<Vec<_>>());
    let relu: Vec<i64> = (-16..16).map(|v: i64| v.max(0)).collect();
    let ex = lwe_enc(&x, 5);
    let clear = CLEAR.lut(&x, &Lookup::new(w(5), &relu, w(5))).unwrap();
    for rounding in [Rounding::Exact, Rounding::Approximate] {
        let b = lwe_keys().exact.with_rounding(rounding);
        assert_eq!(lwe_dec(&b.lut(&ex, &Lookup::new(w(5), &relu, w(5))).unwrap()), clear, "{rounding:?}");
        assert_eq!(b.pbs_count(), 32);
    }
    // Negative entries, a wider output encoding.
    let square: Vec<i64> = (-16..16).map(|v: i64| 100 - v * v).collect();
    let out = lwe_keys().exact.lut(&ex, &Lookup::new(w(5), &square, w(10))).unwrap();
    assert_eq!(lwe_dec(&out), CLEAR.lut(&x, &Lookup::new(w(5), &square, w(10))).unwrap());
}

/// A lookup of trivial (noiseless) values: their bodies alone reach the bootstrap, rounded to the keyswitch's 32-bit
/// words; every entry of an i5 table in both roundings, and the bootstraps counted.
#[test]
fn lut_of_trivial_values_reads_every_entry() {
    let x = t(&[32], &(-16..16).collect::<Vec<_>>());
    let table: Vec<i64> = (-16..16).map(|v: i64| 3 * v - 7).collect();
    let clear = CLEAR.lut(&x, &Lookup::new(w(5), &table, w(8))).unwrap();
    for rounding in [Rounding::Exact, Rounding::Approximate] {
        let b = lwe_keys().exact.with_rounding(rounding);
        let trivial = b.trivial(&x, w(5)).unwrap();
        assert_eq!(lwe_dec(&b.lut(&trivial, &Lookup::new(w(5), &table, w(8))).unwrap()), clear, "{rounding:?}");
        assert_eq!(b.pbs_count(), 32);
    }
}

/// i12 values at both edges of their index boxes for a shift of 7 (x ≡ 0 and x ≡ 127 mod 128), negative and
/// positive, including the ends of the range, and at the edges of the exact floor's chunks (bits 0..6, its top bit
/// 32, then bit 6: x ≡ 31, 32, 63, 64, 95, 96 mod 128). The index has 5 bits: at N = 2048 a 6-bit index box is
/// only ~2.6 standard deviations of the modulus-switch noise wide (half a box), too narrow for exact tests.
const EDGES: [i64; 20] =
    [-2048, -1921, -1920, -129, -128, -97, -96, -65, -64, -33, -1, 0, 31, 32, 63, 64, 127, 128, 1920, 2047];
const SHIFT: u32 = 7;

fn shifted_tables() -> [Vec<i64>; 2] {
    let relu = (-16..16).map(|h: i64| h.max(0)).collect();
    let affine = (-16..16).map(|h: i64| 3 * h + 1).collect();
    [relu, affine]
}

#[test]
fn exact_shifted_lut_equals_the_clear_floor_at_box_edges() {
    let b = lwe_keys().exact.with_rounding(Rounding::Exact);
    let x = t(&[EDGES.len()], &EDGES);
    let ex = lwe_enc(&x, 12);
    for table in shifted_tables() {
        let clear = CLEAR.lut(&x, &Lookup::new(w(12), &table, w(7)).shifted(SHIFT, 0)).unwrap();
        assert_eq!(lwe_dec(&b.lut(&ex, &Lookup::new(w(12), &table, w(7)).shifted(SHIFT, 0)).unwrap()), clear);
    }
    // The 7 dropped bits in a chunk of 6 (a sign and a 5-bit table) and one of 1 (a sign), then the table.
    assert_eq!(b.pbs_count(), 2 * EDGES.len() as u64 * 4);
}

/// i12 values at the edges of a shift of 8 with 4 index bits read through sign tests (`floors = "signs"`): the
/// index boxes (x ≡ 0, 255 mod 256), the first chunk's sign, bit 3 (x ≡ 7, 8 mod 16), the last chunk's sign, bit 7
/// (x ≡ 127, 128 mod 256), and its table's boxes with the largest rest under them (bits 0..3 = 7: x ≡ 7, 119, 135,
/// 247 mod 256), negative and positive, including the ends of the range.
const SIGN_EDGES: [i64; 25] = [
    -2048, -2041, -2040, -1793, -1792, -257, -256, -249, -137, -129, -128, -121, -9, -1, 0, 7, 8, 15, 16, 119, 127,
    128, 247, 255, 2047,
];

#[test]
fn exact_lookups_through_sign_tests_equal_the_clear_floor_at_their_edges() {
    let b = lwe_keys().exact.with_rounding(Rounding::Exact).with_floors(LookupFloors::Signs);
    let x = t(&[SIGN_EDGES.len()], &SIGN_EDGES);
    let ex = lwe_enc(&x, 12);
    let relu: Vec<i64> = (-8..8).map(|h: i64| h.max(0)).collect();
    let affine: Vec<i64> = (-8..8).map(|h: i64| 3 * h + 1).collect();
    for table in [relu, affine] {
        let lookup = Lookup::new(w(12), &table, w(7)).shifted(8, 0);
        assert_eq!(lwe_dec(&b.lut(&ex, &lookup).unwrap()), CLEAR.lut(&x, &lookup).unwrap());
    }
    // The 8 dropped bits in two chunks of 4: a sign test, then a sign test and a table, then the table (the
    // classic chunks of 5 and 3 bits would take 5).
    assert_eq!(Rounding::Exact.pbs_per_lookup(12, 8, 0, LookupFloors::Cleared), 5);
    assert_eq!(b.pbs_count(), 2 * SIGN_EDGES.len() as u64 * 4);
}

/// The entries an approximate lookup of index `i` may return: `table[i]` or a neighbour; past the ends, the
/// blind rotation is negacyclic, so index 2^p reads −table[0] and index −1 reads −table[2^p − 1].
fn neighbours(table: &[i64], i: i64) -> Vec<i64> {
    let last = table.len() as i64 - 1;
    (i - 1..=i + 1)
        .map(|j| match j {
            -1 => -table[last as usize],
            j if j > last => -table[0],
            j => table[j as usize],
        })
        .collect()
}

#[test]
fn approximate_shifted_lut_is_within_one_entry() {
    let b = lwe_keys().exact.with_rounding(Rounding::Approximate);
    let x = t(&[EDGES.len()], &EDGES);
    let ex = lwe_enc(&x, 12);
    for table in shifted_tables() {
        let got = lwe_dec(&b.lut(&ex, &Lookup::new(w(12), &table, w(7)).shifted(SHIFT, 0)).unwrap());
        for (&v, &g) in EDGES.iter().zip(&got.data) {
            let i = (v >> SHIFT) + 16;
            let near = neighbours(&table, i);
            assert!(near.contains(&g), "x = {v}: {g} is not among the entries {near:?} around index {i}");
        }
    }
    assert_eq!(b.pbs_count(), 2 * EDGES.len() as u64, "one bootstrap per element");
}

/// |x| with each entry the middle of its box: minus 2^(W−2) it is negacyclic, so a bootstrap reads it over the whole
/// torus (no padding bit): `bits` index bits for the margin of a (bits − 1)-bit table.
fn abs_table(width: u32, bits: u32) -> Vec<i64> {
    let shift = width - bits;
    let middle = if shift > 0 { 1i64 << (shift - 1) } else { 0 };
    (0..1i64 << bits).map(|j| (((j - (1 << (bits - 1))) << shift) + middle).abs()).collect()
}

#[test]
fn full_domain_tables_read_one_more_index_bit() {
    // 6 index bits of an i12 at the box edges (x ≡ 0, 63 mod 64) and the range's ends: within one entry, and the
    // neighbours wrap around (index 2^6 is index 0: the whole torus is the table).
    let b = lwe_keys().exact.with_rounding(Rounding::Approximate);
    let edges = [-2048, -1985, -1984, -65, -64, -1, 0, 63, 64, 1983, 1984, 2047];
    let table = abs_table(12, 6);
    assert!(reads_full_domain(Rounding::Approximate, 6, 0, &table), "the backend takes the full-domain path");
    let got = lwe_dec(
        &b.lut(&lwe_enc(&t(&[edges.len()], &edges), 12), &Lookup::new(w(12), &table, w(13)).shifted(6, 0)).unwrap(),
    );
    for (&v, &g) in edges.iter().zip(&got.data) {
        let i = (v >> 6) + 32;
        let near: Vec<i64> = (i - 1..=i + 1).map(|j| table[j.rem_euclid(64) as usize]).collect();
        assert!(near.contains(&g), "x = {v}: {g} is not among the entries {near:?} around index {i}");
    }
    assert_eq!(b.pbs_count(), edges.len() as u64, "one bootstrap per element");
    // Without a shift the lookup is exact in both modes, every i6 value.
    let x = t(&[64], &(-32..32).collect::<Vec<_>>());
    let table = abs_table(6, 6);
    for rounding in [Rounding::Exact, Rounding::Approximate] {
        let b = lwe_keys().exact.with_rounding(rounding);
        let got = lwe_dec(&b.lut(&lwe_enc(&x, 6), &Lookup::new(w(6), &table, w(7))).unwrap());
        assert_eq!(got, CLEAR.lut(&x, &Lookup::new(w(6), &table, w(7))).unwrap(), "{rounding:?}");
    }
}

#[test]
fn the_radix_kernels_are_lookups_in_the_lut_model() {
    let b = &lwe_keys().exact;
    let x = lwe_enc(&t(&[1], &[3]), 6);
    let err = b.relu(&x, w(6)).unwrap_err().to_string();
    assert_eq!(
        err,
        "relu: element [0]: the lut model computes relu as a table lookup: compile with the lut strategy (he-lut-fuse)"
    );
    assert!(b.mul(&x, &x, w(6)).unwrap_err().to_string().contains("computes mul as a table lookup"));
    let err = b.rescale(&x, 1, None, w(6)).unwrap_err().to_string();
    assert!(err.contains("computes a rescale without a chunk size as a table lookup"), "{err}");
    let err = b.rescale(&x, 1, Some(4), w(6)).unwrap_err().to_string();
    assert!(err.contains("a rescale by 1 of an input encoded at i6 is encoded at i5, not i6"), "{err}");
}

#[test]
fn exact_rescale_and_reads_of_known_zero_bits_are_bit_exact() {
    // An exact floor (he-abs-relu's rescale) of i12 values at the box edges, encoded at i14 as a floor's input is
    // (wider than its value): 7 bits cleared in chunks of at most 4, the first with its sign at the top (bits 0..3,
    // bit 3 left), the second classic (bits 3..7): two bootstraps each, no table. The quotient is the same
    // ciphertext at i7.
    let b = lwe_keys().exact.with_rounding(Rounding::Exact);
    let x = t(&[EDGES.len()], &EDGES);
    let k = b.rescale(&lwe_enc(&x, 14), SHIFT, Some(4), w(7)).unwrap();
    let clear_k = CLEAR.rescale(&x, SHIFT, None, w(7)).unwrap();
    assert_eq!(lwe_dec(&k), clear_k);
    assert_eq!(b.pbs_count(), 4 * EDGES.len() as u64);
    // k (i5 values) moved to the top of its i7 encoding and read by |k|, a full-domain table: its 2 low bits are
    // known zero, so even exact rounding reads it in one bootstrap, at the middle of its box.
    let up = b.shl(&k, 2, w(7)).unwrap();
    let table: Vec<i64> = (-16..16).map(|v: i64| v.abs()).collect();
    assert!(reads_full_domain(Rounding::Exact, 2, 2, &table));
    let clear_up = CLEAR.shl(&clear_k, 2, w(7)).unwrap();
    let got = lwe_dec(&b.lut(&up, &Lookup::new(w(7), &table, w(6)).shifted(2, 2)).unwrap());
    assert_eq!(got, CLEAR.lut(&clear_up, &Lookup::new(w(7), &table, w(6)).shifted(2, 2)).unwrap());
    assert_eq!(b.pbs_count(), 5 * EDGES.len() as u64, "one bootstrap per element for the table");
    // The clear backend holds a program to its promise of zero bits.
    let err = CLEAR.lut(&t(&[1], &[5]), &Lookup::new(w(7), &table, w(6)).shifted(2, 2)).unwrap_err().to_string();
    assert_eq!(err, "lut: element [0]: lut input 5 is not a multiple of 2^2 (zero_bits)");
}

#[test]
fn inputs_are_checked_against_their_width_and_key() {
    let keys = lwe_keys();
    let x = lwe_enc(&t(&[2], &[3, -4]), 6);
    assert_eq!(keys.exact.check_tensor(&x, w(6)), Ok(()));
    let err = keys.exact.check_tensor(&x, w(8));
    assert_eq!(err, Err("element [0]: a ciphertext encoded at i6 where i8 is expected".to_string()));
    let err = keys.client.encrypt(&t(&[2, 2], &[0, 1, 2, 32]), w(6)).unwrap_err();
    assert_eq!(err.to_string(), "argument input: element [1, 1] = 32 does not fit in i6");
    let err = keys.exact.lut(&x, &Lookup::new(w(8), &[0; 256], w(6))).unwrap_err().to_string();
    assert_eq!(err, "lut: element [0]: the operand is encoded at i6, not i8");
    let err =
        keys.exact.lut(&lwe_enc(&t(&[1], &[0]), 12), &Lookup::new(w(12), &[0; 4096], w(6))).unwrap_err().to_string();
    assert_eq!(err, "lut: element [0]: a table of 2^12 entries needs a polynomial size N ≥ 2^12, not 2048");
}

/// A layer in rt form: i6 inputs, a matmul at i6, and a table over the i6 sums shifted right by 2 (16 entries).
const LAYER: &str = r#"
func.func @layer(%x: !rt.ct<1x4xi6, frac = 0>) -> !rt.ct<1x2xi4, frac = 0> {
  %w = "rt.const"() {value = dense<[[1, -2], [0, 3], [-1, 1], [2, 0]]> : tensor<4x2xi4>} : () -> !rt.pt<4x2xi4, frac = 0>
  %0 = "rt.call"(%x, %w) {callee = @matmul_plain, blocks = 3, signed = true} : (!rt.ct<1x4xi6, frac = 0>, !rt.pt<4x2xi4, frac = 0>) -> !rt.ct<1x2xi6, frac = 0>
  %1 = "rt.call"(%0) {callee = @lut, blocks = 2, signed = true, shift = 2, table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]> : tensor<16xi8>} : (!rt.ct<1x2xi6, frac = 0>) -> !rt.ct<1x2xi4, frac = 0>
  func.return %1 : !rt.ct<1x2xi4, frac = 0>
}
"#;

#[test]
fn the_interpreter_runs_a_layer_on_lwe_ciphertexts_like_on_clear_integers() {
    // Parsed without verification: the rt verifier does not know lut's `shift` yet (it comes with the dialect
    // change); the interpreter's dispatch reads it.
    let mut registry = veil_ir::Registry::new();
    registry.register(&veil_he::DIALECT).register(&veil_rt::DIALECT);
    let m = veil_ir::parse("layer.mlir", LAYER, &registry).unwrap_or_else(|e| panic!("{e}"));
    let x = t(&[1, 4], &[7, -5, 3, 9]);
    let clear = run(&m, None, vec![Buffer::Ct(x.clone())], &CLEAR).unwrap();
    // x·w = [22, -26]; floor(/4) = [5, -7]; relu of the floor.
    assert_eq!(clear, vec![Buffer::Ct(t(&[1, 2], &[5, 0]))]);
    let b = lwe_keys().exact.with_rounding(Rounding::Exact);
    let out = run(&m, None, vec![Buffer::Ct(lwe_enc(&x, 6))], &b).unwrap();
    let [Buffer::Ct(out)] = &out[..] else { panic!("one ciphertext result expected") };
    assert_eq!(vec![Buffer::Ct(lwe_dec(out))], clear);
    assert_eq!(b.pbs_count(), 2 * 3, "the 2 dropped bits in one chunk (a sign and a 1-bit table), then the table");
}
