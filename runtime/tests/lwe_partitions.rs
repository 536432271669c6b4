//! Per-partition parameters on real keys: a keyset of two partitions with different big keys (the reference set at
//! N = 2048 and the optimizer's cheapest set at N = 4096), keyswitch routes 0 → 0, 0 → 1 and 1 → 0. A bootstrap
//! reads a value computed under another partition's key and writes under its own, equal to the clear backend (an
//! exact floor's chunks too); what the keyset lacks is refused with a clear error; and the noise of a bootstrap
//! across partitions (the keyswitch from partition 0's big key to partition 1's small key, then partition 1's
//! modulus switch) fails at the rate the optimizer's own formula (`veil_params::partitioned::constraint_variance`)
//! predicts, the keyswitch's share measured alone. Measured figures are printed (`-- --nocapture`).
#![cfg(feature = "tfhe")]

mod common;

use std::sync::{Arc, OnceLock};

use common::lwe::params;
use common::{t, w, CLEAR};
use tfhe::core_crypto::prelude::{
    decrypt_lwe_ciphertext, keyswitch_lwe_ciphertext_with_scalar_change, CiphertextModulus, LweCiphertext,
};
use veil_params::noise::modulus_switch_variance;
use veil_params::partitioned::constraint_variance;
use veil_params::{optimize, p_fail, Constraint, ConstraintKind, CostModel, LutKeyset, Request};
use veil_runtime::lwe_backend::{encoding, LweBackend, LweClientKey, LweValue, Rounding};
use veil_runtime::{Backend, Lookup, Tensor};

/// A bootstrap constraint of `precision` bits from partition `source` into `partition`, its sources weighing
/// nothing (the test injects its own input noise).
fn route(source: usize, partition: usize, precision: u32, table_bits: u32) -> Constraint {
    Constraint {
        label: format!("{source}->{partition}"),
        kind: ConstraintKind::Pbs,
        precision,
        table_bits,
        multiplier_log2: 0,
        norm2_squared: 0.0,
        fresh_norm2_squared: 0.0,
        source,
        partition,
        count: 1,
        margin: 1.0,
    }
}

struct PartitionKeys {
    client: LweClientKey,
    exact: LweBackend,
    approximate: LweBackend,
}

fn keys() -> &'static PartitionKeys {
    static KEYS: OnceLock<PartitionKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        // The cheapest set whose N holds a 2^12-entry table: another big key dimension than the reference set's.
        let wide = optimize(&Request::new(vec![route(0, 0, 6, 12)]), &CostModel::default()).unwrap().params;
        assert!(wide.big_lwe_dimension() >= 4096 && wide.big_lwe_dimension() != params().big_lwe_dimension());
        let keyset = LutKeyset { partitions: vec![params(), wide], routes: vec![(0, 0), (0, 1), (1, 0)] };
        let client = LweClientKey::generate(keyset).unwrap();
        let server = Arc::new(client.server_key());
        let exact = LweBackend::new(server.clone(), Rounding::Exact);
        let approximate = LweBackend::new(server, Rounding::Approximate);
        PartitionKeys { client, exact, approximate }
    })
}

fn keys_of(values: &Tensor<LweValue>) -> Vec<Option<usize>> {
    values.data.iter().map(|v| v.key).collect()
}

#[test]
fn bootstraps_read_across_partitions_and_equal_the_clear_backend() {
    let k = keys();
    // 4-bit encodings: a bootstrap from partition 1's big key (N = 4096) into partition 0's small key (the
    // reference set, made for N = 2048) carries a larger keyswitch noise, which a 4-bit table tolerates (predicted
    // failure 1.4e-14 per bootstrap) and a 6-bit one does not (5e-2: this test once read 14 / 2 as 6).
    let x = t(&[1, 6], &[-8, -5, -1, 0, 2, 3]);
    let ex = k.client.encrypt(&x, w(4)).unwrap();
    assert_eq!(keys_of(&ex), [Some(0); 6], "inputs are under partition 0's key");
    let relu: Vec<i64> = (-8..8).map(|v: i64| v.max(0)).collect();
    // 0 → 1: keyswitched from partition 0's big key to partition 1's small key.
    let into_one = k.exact.lut(&ex, &Lookup::new(w(4), &relu, w(4)).in_partition(1)).unwrap();
    assert_eq!(keys_of(&into_one), [Some(1); 6]);
    let clear = CLEAR.lut(&x, &Lookup::new(w(4), &relu, w(4))).unwrap();
    assert_eq!(k.client.decrypt(&into_one).unwrap(), clear);
    // 1 → 0, after a leveled doubling under partition 1's key (a table without a shift: an exact floor's chunks
    // would bootstrap into the input's partition, and 1 → 1 is no route).
    let doubled = k.exact.shl(&into_one, 1, w(4)).unwrap();
    let half: Vec<i64> = (-8..8).map(|v: i64| v / 2).collect();
    let back = k.exact.lut(&doubled, &Lookup::new(w(4), &half, w(4))).unwrap();
    assert_eq!(keys_of(&back), [Some(0); 6]);
    assert_eq!(k.client.decrypt(&back).unwrap(), clear);
    // An exact floor of partition 0's values (route 0 → 0), then its table into partition 1.
    let wide = k.client.encrypt(&t(&[1, 4], &[-100, -37, 5, 99]), w(8)).unwrap();
    let table: Vec<i64> = (0..8).map(|i| 3 * i - 10).collect();
    let floored = k.exact.lut(&wide, &Lookup::new(w(8), &table, w(6)).shifted(5, 0).in_partition(1)).unwrap();
    let expected = CLEAR.lut(&t(&[1, 4], &[-100, -37, 5, 99]), &Lookup::new(w(8), &table, w(6)).shifted(5, 0)).unwrap();
    assert_eq!(k.client.decrypt(&floored).unwrap(), expected);
}

#[test]
fn what_the_keyset_lacks_is_refused() {
    let k = keys();
    let x = t(&[1, 2], &[1, -2]);
    let ex = k.client.encrypt(&x, w(5)).unwrap();
    let identity: Vec<i64> = (-16..16).collect();
    let message = |r: veil_runtime::Result<Tensor<LweValue>>| r.unwrap_err().to_string();
    let in_one = k.exact.lut(&ex, &Lookup::new(w(5), &identity, w(5)).in_partition(1)).unwrap();
    assert!(
        message(k.exact.lut(&in_one, &Lookup::new(w(5), &identity, w(5)).in_partition(1)))
            .contains("no keyswitch key from partition 1 to partition 1"),
        "a missing route"
    );
    assert!(
        message(k.exact.lut(&ex, &Lookup::new(w(5), &identity, w(5)).in_partition(7))).contains("partition 7"),
        "no such partition"
    );
    // A leveled combination of values under two keys.
    assert!(message(k.exact.add(&ex, &in_one, w(6))).contains("partitions 0 and 1"), "a sum across partitions");
}

/// A lookup over i6 into partition 1 of inputs under partition 0's key, with extra input noise that brings the
/// margin to 2 standard deviations of the whole noise at the blind rotation (the input's, the keyswitch 0 → 1's
/// from a 2048-dimensional key to partition 1's small key, partition 1's modulus switch): the predicted failure
/// rate, erfc(2/√2) ≈ 4.6 %, which 400 lookups must reproduce within 3.5 binomial standard deviations.
#[test]
fn the_failure_rate_across_partitions_matches_the_optimizer_s_formula() {
    let k = keys();
    let partitions = &k.client.keyset.partitions;
    let switching = constraint_variance(&route(0, 1, 6, 6), partitions);
    let margin = 2.0;
    let total = (2f64.powi(-8) / margin).powi(2);
    let input = total - switching;
    assert!(input > 0.0, "the keyswitch and modulus switch alone exceed the margin");
    let predicted = p_fail(total, 6);

    let samples = 400;
    let x = t(&[samples], &(0..samples as i64).map(|i| (i * 37) % 64 - 32).collect::<Vec<_>>());
    let ex = k.client.encrypt_with_noise(&x, w(6), input.sqrt()).unwrap();
    let identity: Vec<i64> = (-32..32).collect();
    let out = k
        .client
        .decrypt(&k.approximate.lut(&ex, &Lookup::new(w(6), &identity, w(6)).in_partition(1)).unwrap())
        .unwrap();
    let wrong = out.data.iter().zip(&x.data).filter(|(o, e)| o != e).count() as f64;
    let (mean, sd) = (samples as f64 * predicted, (samples as f64 * predicted * (1.0 - predicted)).sqrt());
    println!(
        "across partitions 0 -> 1: σ switching = 2^{:.2}, σ input = 2^{:.2}; predicted p_fail {predicted:.4}, \
         observed {wrong} / {samples} (expected {mean:.1} ± {sd:.1})",
        switching.sqrt().log2(),
        input.sqrt().log2()
    );
    assert!((wrong - mean).abs() <= 3.5 * sd, "{wrong} wrong lookups, predicted {mean:.1} ± {sd:.1}");
}

/// The keyswitch from partition 0's big key (k·N = 2048) to partition 1's small key, measured alone: each value's
/// phase under partition 1's small key after the switch, against the variance the optimizer models for that route
/// (`constraint_variance` of a bootstrap 0 → 1 without its modulus switch), within a factor of 2 over 400 samples.
#[test]
fn the_keyswitch_between_partitions_adds_the_predicted_noise() {
    let k = keys();
    let partitions = &k.client.keyset.partitions;
    let predicted = constraint_variance(&route(0, 1, 6, 6), partitions) - modulus_switch_variance(&partitions[1]);
    let server = k.exact.server_key();
    let keyswitch = server.keyswitch_key(0, 1).expect("the route 0 -> 1");
    let samples = 400;
    let x = t(&[samples], &(0..samples as i64).map(|i| (i * 37) % 64 - 32).collect::<Vec<_>>());
    let ex = k.client.encrypt(&x, w(6)).unwrap();
    // The keyswitch writes 32-bit words (KS32); the phase is read back at 64 bits.
    let mut small = LweCiphertext::new(0u32, keyswitch.output_lwe_size(), CiphertextModulus::new_native());
    let squares: f64 = ex
        .data
        .iter()
        .zip(&x.data)
        .map(|(v, &expected)| {
            keyswitch_lwe_ciphertext_with_scalar_change(keyswitch, &v.ct, &mut small);
            let phase = (decrypt_lwe_ciphertext(&k.client.small_key_32(1), &small).0 as u64) << 32;
            encoding::error(phase, expected, 6).powi(2)
        })
        .sum();
    let ratio = squares / samples as f64 / predicted;
    println!(
        "keyswitch 0 -> 1 (k·N = {} -> n = {}): measured / predicted variance {ratio:.3}, predicted σ = 2^{:.2}",
        partitions[0].big_lwe_dimension(),
        partitions[1].lwe_dimension,
        predicted.sqrt().log2()
    );
    assert!((0.5..2.0).contains(&ratio), "keyswitch variance ratio {ratio}");
}
