//! The lwe backend's noise against tfhe's published formulas (what the parameter optimizer models): fresh and
//! leveled noise against the encryption standard deviation, a bootstrap's output noise against
//! `pbs_variance_132_bits_security_gaussian_fft_mul`, and the rate of wrong lookups with a deliberately narrow
//! margin against the rate the keyswitch and modulus-switch formulas predict (a plain read, an approximate one, a
//! sign test of an exact floor over the rests it leaves). Measured figures are printed
//! (`cargo test --workspace --test lwe_noise -- --nocapture`).
#![cfg(feature = "tfhe")]

mod common;

use common::lwe::{lwe_enc, lwe_keys, params, TORUS};
use common::{t, w, CLEAR};
use std::sync::Arc;
use tfhe::core_crypto::commons::noise_formulas::lwe_keyswitch::keyswitch_additive_variance_132_bits_security_gaussian;
use tfhe::core_crypto::commons::noise_formulas::lwe_programmable_bootstrap::pbs_variance_132_bits_security_gaussian_fft_mul;
use tfhe::core_crypto::commons::noise_formulas::modulus_switch::modulus_switch_additive_variance;
use tfhe::core_crypto::prelude::{
    DecompositionBaseLog, DecompositionLevelCount, GlweDimension, LweDimension, PolynomialSize,
};
use veil_params::{LutKeyset, LutParams};
use veil_rt::tfhe_config::LookupFloors;
use veil_runtime::lwe_backend::{LweBackend, LweClientKey, LweValue, Rounding};
use veil_runtime::{Backend, Lookup, Tensor};

/// E[e²] of the ciphertexts' phase errors against the expected values (torus fractions²), under the test keys.
fn mean_square_error(values: &Tensor<LweValue>, expected: &Tensor<i64>) -> f64 {
    mean_square_error_under(&lwe_keys().client, values, expected)
}

/// [`mean_square_error`] under `client`'s keys.
fn mean_square_error_under(client: &LweClientKey, values: &Tensor<LweValue>, expected: &Tensor<i64>) -> f64 {
    let errors: Vec<f64> =
        values.data.iter().zip(&expected.data).map(|(v, &e)| client.phase_error(v, e).unwrap()).collect();
    errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64
}

/// `count` values cycling through `bits`-bit range.
fn spread(count: usize, bits: u32) -> Vec<i64> {
    let size = 1i64 << bits;
    (0..count as i64).map(|i| (i * 37) % size - size / 2).collect()
}

#[test]
fn fresh_and_leveled_noise_follow_the_encryption_std() {
    let keys = lwe_keys();
    let sigma2 = params().glwe_noise_std.powi(2);
    // 200 rows of 4 inputs; y = 3a − 2b + 5c + d has ν² = 9 + 4 + 25 + 1 = 39 times the fresh variance.
    let x = t(&[200, 4], &spread(800, 10));
    let ex = lwe_enc(&x, 16);
    let fresh = mean_square_error(&ex, &x) / sigma2;
    let weights = t(&[4, 1], &[3, -2, 5, 1]);
    let y = keys.exact.matmul_plain(&ex, &weights, None, w(16)).unwrap();
    let expected = CLEAR.matmul_plain(&x, &weights, None, w(16)).unwrap();
    let leveled = mean_square_error(&y, &expected) / (39.0 * sigma2);
    println!(
        "fresh noise: measured / σ² = {fresh:.3} (800 samples); leveled ν² = 39: measured / (ν²σ²) = {leveled:.3}"
    );
    assert!((0.75..1.33).contains(&fresh), "fresh variance ratio {fresh}");
    assert!((0.5..2.0).contains(&leveled), "leveled variance ratio {leveled}");
}

/// tfhe's variance of a bootstrap's output at `p` (what the optimizer models).
fn pbs_variance(p: &LutParams) -> f64 {
    pbs_variance_132_bits_security_gaussian_fft_mul(
        LweDimension(p.lwe_dimension),
        GlweDimension(p.glwe_dimension),
        PolynomialSize(p.polynomial_size),
        DecompositionBaseLog(p.pbs_base_log),
        DecompositionLevelCount(p.pbs_level),
        53.0,
        TORUS,
    )
    .0
}

#[test]
fn bootstrap_output_noise_is_within_tfhe_s_formula() {
    let predicted = pbs_variance(&params());
    let x = t(&[200], &spread(200, 5));
    let identity: Vec<i64> = (-16..16).collect();
    let out = lwe_keys().approximate.lut(&lwe_enc(&x, 5), &Lookup::new(w(5), &identity, w(5))).unwrap();
    let measured = mean_square_error(&out, &x);
    let ratio = measured / predicted;
    println!(
        "PBS output noise: measured σ = 2^{:.2}, tfhe's formula σ = 2^{:.2}, variance ratio {ratio:.3} (200 samples)",
        measured.sqrt().log2(),
        predicted.sqrt().log2()
    );
    assert!((0.25..4.0).contains(&ratio), "PBS variance ratio {ratio}");
}

/// tfhe's keyswitch and modulus-switch variances of a lookup at the test parameters: the noise a bootstrap's input
/// gains before the blind rotation reads it.
fn switching_variances() -> (f64, f64) {
    let p = params();
    let var_ks = keyswitch_additive_variance_132_bits_security_gaussian(
        LweDimension(p.big_lwe_dimension()),
        LweDimension(p.lwe_dimension),
        DecompositionBaseLog(p.ks_base_log),
        DecompositionLevelCount(p.ks_level),
        TORUS,
        TORUS,
    )
    .0;
    let var_ms =
        modulus_switch_additive_variance(LweDimension(p.lwe_dimension), TORUS, 2.0 * p.polynomial_size as f64).0;
    (var_ks, var_ms)
}

/// erfc, Numerical Recipes' Chebyshev fit (relative error < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.26551223
        + t * (1.00002368
            + t * (0.37409196
                + t * (0.09678418
                    + t * (-0.18628806
                        + t * (0.27886807
                            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// A lookup over i6 reads the wrong entry when the noise at the blind rotation's input passes half an index box,
/// 2^-8 of the torus. That noise is the input's own, the keyswitch's and the modulus switch's (tfhe's formulas);
/// inputs encrypted with extra noise bring the margin to 2 standard deviations, a predicted failure rate of
/// erfc(2 / √2) ≈ 4.6 % (about 2^-4.5), which 400 lookups must reproduce within 3.5 binomial standard deviations (a false alarm about once in
/// 2000 runs).
#[test]
fn the_failure_rate_of_a_narrow_lookup_matches_the_prediction() {
    let (var_ks, var_ms) = switching_variances();
    let half_box = 2f64.powi(-8);
    let margin = 2.0;
    let var_input = (half_box / margin).powi(2) - var_ks - var_ms;
    assert!(var_input > 0.0, "the keyswitch and modulus switch alone exceed the margin");
    let predicted = erfc(margin / 2f64.sqrt());

    let samples = 400;
    let x = t(&[samples], &spread(samples, 6));
    let keys = lwe_keys();
    let ex = keys.client.encrypt_with_noise(&x, w(6), var_input.sqrt()).unwrap();
    let identity: Vec<i64> = (-32..32).collect();
    let out = keys.client.decrypt(&keys.approximate.lut(&ex, &Lookup::new(w(6), &identity, w(6))).unwrap()).unwrap();
    let wrong = out.data.iter().zip(&x.data).filter(|(o, e)| o != e).count() as f64;
    let (mean, sd) = (samples as f64 * predicted, (samples as f64 * predicted * (1.0 - predicted)).sqrt());
    println!(
        "narrow lookup: σ_ks = 2^{:.2}, σ_ms = 2^{:.2}, σ_input = 2^{:.2}; predicted p_fail = {predicted:.4} \
         (2^{:.2}), observed {wrong} / {samples} = {:.4} (expected {mean:.1} ± {sd:.1})",
        var_ks.sqrt().log2(),
        var_ms.sqrt().log2(),
        var_input.sqrt().log2(),
        predicted.log2(),
        wrong / samples as f64
    );
    assert!((wrong - mean).abs() <= 3.5 * sd, "{wrong} wrong lookups, predicted {mean:.1} ± {sd:.1}");
}

/// An approximate lookup that drops s bits places the 2^s values of an index box symmetrically about the box's
/// centre (the centring of `lut`), within (1/2 − 2^-(s+1)) of a box of it, and the error bound already counts a
/// neighbouring entry; so it goes wrong (reads two or more boxes away) only when the noise passes the distance
/// from the value to the next box but one: 3/2 box minus the value's offset, at least a whole box. That is what
/// tfhe-params assumes of such a lookup (the failure threshold of a table of one bit less). Here i8 inputs read
/// through 2^6 boxes (s = 2, a box of 2^-7 of the torus) with noise of 0.6 box: the rate of reads outside
/// {k − 1, k, k + 1}, averaged over the four offsets (about 2.3%), must match the Gaussian prediction within 3.5
/// binomial standard deviations; a neighbour is read about 45% of the time, which a half-box threshold would count
/// as failures.
#[test]
fn an_approximate_lookup_fails_only_past_its_neighbours() {
    let (var_ks, var_ms) = switching_variances();
    let (bits, shift) = (8u32, 2u32);
    let box_size = 2f64.powi(-((bits - shift) as i32 + 1));
    let sigma = 0.6 * box_size;
    let var_input = sigma * sigma - var_ks - var_ms;
    assert!(var_input > 0.0, "the keyswitch and modulus switch alone exceed the noise wanted");
    // Value r (0..4) of a box sits (r − 3/2)/4 of a box from its centre; failure past ±3/2 box.
    let tail = |margin_boxes: f64| 0.5 * erfc(margin_boxes * box_size / (sigma * 2f64.sqrt()));
    let per_offset = |r: i64| tail(1.5 - (r as f64 - 1.5) / 4.0) + tail(1.5 + (r as f64 - 1.5) / 4.0);

    // Interior boxes only (k in −30..30), so that the neighbours of every box are entries of the table.
    let samples = 400;
    let values: Vec<i64> = (0..samples as i64).map(|i| (i * 37) % 240 - 120).collect();
    let predicted: f64 = values.iter().map(|x| per_offset(x.rem_euclid(4))).sum::<f64>() / samples as f64;
    let x = t(&[samples], &values);
    let keys = lwe_keys();
    let ex = keys.client.encrypt_with_noise(&x, w(bits), var_input.sqrt()).unwrap();
    let index_values: Vec<i64> = (-32..32).collect();
    let out = keys
        .client
        .decrypt(&keys.approximate.lut(&ex, &Lookup::new(w(bits), &index_values, w(6)).shifted(shift, 0)).unwrap());
    let out = out.unwrap();
    let wrong = out.data.iter().zip(&values).filter(|(o, x)| (**o - x.div_euclid(4)).abs() > 1).count() as f64;
    let neighbours = out.data.iter().zip(&values).filter(|(o, x)| **o != x.div_euclid(4)).count();
    let (mean, sd) = (samples as f64 * predicted, (samples as f64 * predicted * (1.0 - predicted)).sqrt());
    println!(
        "approximate lookup: σ = 0.6 box; predicted failure (past a neighbour) {predicted:.4}, observed {wrong} / \
         {samples} (expected {mean:.1} ± {sd:.1}); reads of a neighbour or further: {neighbours}"
    );
    assert!((wrong - mean).abs() <= 3.5 * sd, "{wrong} reads past a neighbour, predicted {mean:.1} ± {sd:.1}");
}

/// The second read of an exact lookup through sign tests (`floors = "signs"`) is a sign test over the rests the
/// first chunk leaves, centred a quarter of its step below the middle: its margin is 2^-(c+2) of the torus, what
/// tfhe-params assumes of a c-bit read (`ExactChunk::precision`). Here i12 inputs ≡ 0 mod 256 are read through
/// 4 index bits (a shift of 8: a sign-only chunk of bits 0..4, then a sign test and a table of bits 4..8, then the
/// table), so the second sign test reads 0 at exactly that margin above its edge, and reading 1 there takes 128
/// from the input: the quotient comes out one too low. Its noise is the first sign test's bootstrap output
/// multiplied by 2^5 (the chunk moved to the top) plus the keyswitch and modulus switch. A key set with a coarse
/// bootstrap decomposition (2^19 × 1: σ ≈ 2^-11.4 by tfhe's formula) makes that noise about 0.75 of the margin, a
/// failure rate near 9%. The bootstrap output noise is measured on these very keys (400 lookups), and the rate of
/// wrong quotients over 400 lookups must match the Gaussian prediction within 3.5 standard deviations of the
/// binomial count and of the prediction (whose variance estimate has a relative spread of √(2/400)); a margin
/// half as wide would fail about 25% of the time, one 1.5 times as wide about 2%. (The third read, the table of
/// bits 4..8, fails at its lower edge here as well, but then returns −112 instead of 0, which the final read
/// absorbs: the quotient stays right.)
#[test]
fn a_sign_test_over_rests_fails_at_the_predicted_rate() {
    let p = LutParams { pbs_base_log: 19, pbs_level: 1, ..params() };
    let client = LweClientKey::generate(LutKeyset::single(p)).unwrap();
    let backend = LweBackend::new(Arc::new(client.server_key()), Rounding::Exact).with_floors(LookupFloors::Signs);

    // The bootstrap output noise on these keys, measured.
    let measured = 400;
    let x = t(&[measured], &spread(measured, 5));
    let identity: Vec<i64> = (-16..16).collect();
    let out = backend.lut(&client.encrypt(&x, w(5)).unwrap(), &Lookup::new(w(5), &identity, w(5))).unwrap();
    let var_pbs = mean_square_error_under(&client, &out, &x);

    // The read's variance: the first sign test's output moved up by 2^5, the keyswitch, the modulus switch.
    let (var_ks, var_ms) = switching_variances();
    let read_variance = |var_pbs: f64| var_pbs * 2f64.powi(10) + var_ks + var_ms;
    let margin = 2f64.powi(-6);
    let rate = |var_pbs: f64| 0.5 * erfc(margin / (read_variance(var_pbs) * 2.0).sqrt());
    let predicted = rate(var_pbs);
    assert!((0.02..0.3).contains(&predicted), "the keys give a rate this test cannot measure: {predicted}");

    let samples = 400;
    let values: Vec<i64> = (0..samples as i64).map(|i| (i % 16 - 8) * 256).collect();
    let table: Vec<i64> = (-8..8).collect();
    let lookup = Lookup::new(w(12), &table, w(7)).shifted(8, 0);
    let before = backend.pbs_count();
    let out = client.decrypt(&backend.lut(&client.encrypt(&t(&[samples], &values), w(12)).unwrap(), &lookup).unwrap());
    assert_eq!(backend.pbs_count() - before, 4 * samples as u64, "a sign test, a sign test and a table, the table");
    let wrong = out.unwrap().data.iter().zip(&values).filter(|(o, x)| **o != **x / 256).count() as f64;
    let n = samples as f64;
    // The prediction's own spread: the measured variance is off by a relative √(2/400) at one standard deviation.
    let spread_of_prediction = n * (rate(var_pbs * (1.0 + (2.0 / measured as f64).sqrt())) - predicted);
    let (mean, sd) = (n * predicted, (n * predicted * (1.0 - predicted) + spread_of_prediction.powi(2)).sqrt());
    println!(
        "sign test over rests: bootstrap output σ = 2^{:.2} measured (tfhe's formula 2^{:.2}), σ at the read = \
         {:.2} of the margin; predicted failure {predicted:.4}, observed {wrong} / {samples} (expected {mean:.1} ± \
         {sd:.1})",
        var_pbs.sqrt().log2(),
        pbs_variance(&p).sqrt().log2(),
        read_variance(var_pbs).sqrt() / margin
    );
    assert!((wrong - mean).abs() <= 3.5 * sd, "{wrong} wrong quotients, predicted {mean:.1} ± {sd:.1}");
}
