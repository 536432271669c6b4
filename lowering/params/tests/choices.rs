//! The optimizer's choices, judged from outside: TFHE-rs's own parameter sets through the noise model, the
//! monotonicity of the search, every answer re-checked constraint by constraint, the errors, and snapshots of the
//! parameters chosen for representative programs.

use std::time::{Duration, Instant};

use veil_params::failure::half_box;
use veil_params::noise::{
    fresh_variance, keyswitch_variance, modulus_switch_variance, pbs_output_variance, secure_small_key_variance,
    secure_variance,
};
use veil_params::{
    optimize, p_fail, z_for, Constraint, ConstraintKind, CostModel, LutParams, NoParams, Request, Solution,
};

fn pbs(label: String, precision: u32, norm2_squared: f64) -> Constraint {
    Constraint {
        label,
        kind: ConstraintKind::Pbs,
        precision,
        table_bits: precision,
        multiplier_log2: 0,
        norm2_squared,
        fresh_norm2_squared: 0.0,
        source: 0,
        partition: 0,
        count: 1,
        margin: 1.0,
    }
}

fn decrypt(label: String, precision: u32, norm2_squared: f64) -> Constraint {
    Constraint {
        label,
        kind: ConstraintKind::Decrypt,
        precision,
        table_bits: 0,
        multiplier_log2: 0,
        norm2_squared,
        fresh_norm2_squared: 0.0,
        source: 0,
        partition: 0,
        count: 1,
        margin: 1.0,
    }
}

/// A digits-MLP-like program in approximate mode: 32 activations at 4..=6 bits whose pre-activations have
/// ν² = 2^10..=2^14, and 10 logits decrypted at 12 bits.
fn approximate_mlp() -> Vec<Constraint> {
    let activations = (0..32).map(|i| pbs(format!("act{i}"), 4 + i % 3, f64::from(1 << (10 + i % 5))));
    let logits = (0..10).map(|j| decrypt(format!("logit{j}"), 12, f64::from(1 << (10 + j % 3))));
    activations.chain(logits).collect()
}

/// The same program in exact mode: each W = 13-bit pre-activation drops s = 8 bits one at a time, bit j moved to the
/// padding bit (a multiplication by 2^(W − j)) and read by a sign bootstrap at precision 0.
fn exact_mlp() -> Vec<Constraint> {
    let (width, dropped) = (13u32, 8u32);
    let sign_steps = (0..32).flat_map(|i| {
        (0..dropped).map(move |j| Constraint {
            label: format!("bit{i}.{j}"),
            kind: ConstraintKind::Pbs,
            precision: 0,
            table_bits: 1,
            multiplier_log2: width - j,
            norm2_squared: f64::from(j),
            fresh_norm2_squared: f64::from(1 << (10 + i % 5)),
            ..decrypt(String::new(), 0, 0.0)
        })
    });
    approximate_mlp().into_iter().chain(sign_steps).collect()
}

/// 32 activations at 8 bits (ν² = 2^10..=2^14) and 10 logits at 12 bits.
fn eight_bit_mlp() -> Vec<Constraint> {
    let activations = (0..32).map(|i| pbs(format!("act{i}"), 8, f64::from(1 << (10 + i % 5))));
    let logits = (0..10).map(|j| decrypt(format!("logit{j}"), 12, f64::from(1 << (10 + j % 3))));
    activations.chain(logits).collect()
}

fn solve(constraints: Vec<Constraint>) -> Result<Solution, NoParams> {
    optimize(&Request::new(constraints), &CostModel::default())
}

#[test]
fn snapshot_approximate_mlp() {
    insta::assert_snapshot!(solve(approximate_mlp()).unwrap().to_string());
}

#[test]
fn snapshot_exact_mlp() {
    insta::assert_snapshot!(solve(exact_mlp()).map_or_else(|e| e.to_string(), |s| s.to_string()));
}

#[test]
fn snapshot_eight_bit_mlp() {
    insta::assert_snapshot!(solve(eight_bit_mlp()).map_or_else(|e| e.to_string(), |s| s.to_string()));
}

/// The same approximate program with every activation at 4 bits: the region of TFHE-rs's 2-bit message, 2-bit carry
/// sets.
fn four_bit_mlp() -> Vec<Constraint> {
    approximate_mlp()
        .into_iter()
        .map(|c| if c.kind == ConstraintKind::Pbs { pbs(c.label, 4, c.norm2_squared) } else { c })
        .collect()
}

#[test]
fn snapshot_four_bit_mlp() {
    insta::assert_snapshot!(solve(four_bit_mlp()).unwrap().to_string());
}

type PublishedSet = (&'static str, usize, usize, usize, usize, usize, usize, usize, u32, f64, f64);

/// TFHE-rs 0.11's Gaussian p_fail 2^-64 sets with k·N ≤ 2^14, as (message_carry, n, k, N, pbs base log, pbs level,
/// ks base log, ks level, message + carry bits, 2-norm, published log2 p_fail). Left out: 1_3, where TFHE-rs's
/// optimizer kept 4 bits of slack (the model gives 2^-68.2).
const TFHE_RS_SETS: &[PublishedSet] = &[
    ("1_1", 781, 4, 512, 23, 1, 4, 3, 2, 3.0, -64.01),
    ("1_2", 858, 2, 1024, 23, 1, 5, 3, 3, 7.0, -64.415),
    ("1_4", 902, 1, 4096, 15, 2, 3, 6, 5, 31.0, -64.069),
    ("1_5", 981, 1, 8192, 15, 2, 3, 6, 6, 63.0, -64.068),
    ("1_6", 1054, 1, 16384, 11, 3, 3, 7, 7, 127.0, -64.054),
    ("2_1", 857, 2, 1024, 23, 1, 5, 3, 3, 2.0, -64.176),
    ("2_2", 834, 1, 2048, 23, 1, 3, 5, 4, 5.0, -64.074),
    ("2_3", 902, 1, 4096, 15, 2, 3, 6, 5, 10.0, -64.084),
    ("2_4", 977, 1, 8192, 15, 2, 3, 6, 6, 21.0, -64.078),
    ("2_5", 1052, 1, 16384, 11, 3, 3, 7, 7, 42.0, -64.151),
    ("3_1", 833, 1, 2048, 23, 1, 3, 5, 4, 2.0, -64.346),
    ("3_2", 935, 1, 4096, 22, 1, 3, 6, 5, 4.0, -64.064),
    ("3_3", 977, 1, 8192, 15, 2, 3, 6, 6, 9.0, -64.166),
    ("4_0", 833, 1, 2048, 23, 1, 3, 5, 4, 1.0, -64.454),
    ("4_1", 954, 1, 4096, 22, 1, 4, 4, 5, 2.0, -64.077),
    ("5_0", 946, 1, 4096, 22, 1, 4, 4, 5, 1.0, -64.068),
    ("5_1", 977, 1, 8192, 15, 2, 3, 6, 6, 2.0, -64.185),
    ("6_0", 1005, 1, 8192, 22, 1, 3, 7, 6, 1.0, -64.034),
];

fn secure_params(n: usize, k: usize, big_n: usize, pbs: (usize, usize), ks: (usize, usize)) -> LutParams {
    LutParams {
        lwe_dimension: n,
        glwe_dimension: k,
        polynomial_size: big_n,
        lwe_noise_std: secure_small_key_variance(n).sqrt(),
        glwe_noise_std: secure_variance(k * big_n).sqrt(),
        pbs_base_log: pbs.0,
        pbs_level: pbs.1,
        ks_base_log: ks.0,
        ks_level: ks.1,
    }
}

#[test]
fn tfhe_rs_sets_fail_as_often_as_tfhe_rs_publishes() {
    for &(name, n, k, big_n, pbs_base, pbs_level, ks_base, ks_level, bits, norm2, published) in TFHE_RS_SETS {
        let params = secure_params(n, k, big_n, (pbs_base, pbs_level), (ks_base, ks_level));
        let request = Request::new(vec![pbs(name.into(), bits, norm2 * norm2)]);
        let modelled = Solution::evaluate(&request, params, &CostModel::default()).worst_p_fail.log2();
        assert!((modelled - published).abs() < 1.25, "{name}: 2^{modelled:.2} against TFHE-rs's 2^{published}");
    }
}

/// Requests spanning the space: single constraints and whole programs, shifts, decryptions, large tables.
fn requests() -> Vec<Vec<Constraint>> {
    let mut requests = vec![approximate_mlp(), exact_mlp(), four_bit_mlp()];
    for precision in 1..=7 {
        for norm2_squared in [1.0, 100.0, 10_000.0] {
            requests.push(vec![pbs(format!("b{precision}"), precision, norm2_squared)]);
        }
    }
    requests.push(vec![decrypt("out".into(), 20, 1e4)]);
    requests.push(vec![Constraint { table_bits: 12, ..pbs("wide".into(), 3, 9.0) }, decrypt("out".into(), 16, 1.0)]);
    requests.push(vec![Constraint { multiplier_log2: 4, ..pbs("shifted".into(), 3, 50.0) }]);
    requests
}

/// Every answer meets every constraint, re-checked from the public noise functions term by term, at 128-bit
/// security and within the decomposition and table limits.
#[test]
fn every_solution_meets_every_constraint_it_was_given() {
    for constraints in requests() {
        let request = Request::new(constraints);
        let Ok(solution) = optimize(&request, &CostModel::default()) else { continue };
        let p = solution.params;
        assert!(p.lwe_noise_std.powi(2) >= secure_small_key_variance(p.lwe_dimension) * (1.0 - 1e-12));
        assert!(p.glwe_noise_std.powi(2) >= secure_variance(p.big_lwe_dimension()) * (1.0 - 1e-12));
        assert!(p.pbs_base_log * p.pbs_level <= 53 && p.ks_base_log * p.ks_level <= 64);
        let source = fresh_variance(&p).max(pbs_output_variance(&p));
        let switching = keyswitch_variance(&p) + modulus_switch_variance(&p);
        let z = z_for(request.p_fail);
        for (c, (label, variance, reported_p_fail)) in request.constraints.iter().zip(&solution.per_constraint) {
            let recomputed = match c.kind {
                ConstraintKind::Pbs => {
                    assert!(p.polynomial_size >= 1 << c.table_bits, "{label}: N = {}", p.polynomial_size);
                    4f64.powi(c.multiplier_log2 as i32) * c.norm2_squared * source + switching
                }
                ConstraintKind::Decrypt => c.norm2_squared * source,
            };
            assert_eq!(label, &c.label);
            assert!((variance / recomputed - 1.0).abs() < 1e-12, "{label}: {variance} vs {recomputed}");
            assert!(recomputed.sqrt() * z <= half_box(c.precision) * (1.0 + 1e-12), "{label}: over budget");
            let recomputed_p_fail = p_fail(recomputed, c.precision);
            assert!(recomputed_p_fail <= request.p_fail * (1.0 + 1e-9), "{label}: p_fail {recomputed_p_fail}");
            assert!(*reported_p_fail <= recomputed_p_fail * (1.0 + 1e-9) + f64::MIN_POSITIVE, "{label}");
            assert!(recomputed_p_fail <= *reported_p_fail * (1.0 + 1e-9) + f64::MIN_POSITIVE, "{label}");
            assert!(solution.worst_p_fail >= *reported_p_fail);
        }
    }
}

/// More bits or a larger ν² never makes the answer cheaper (and never turns an impossible request possible).
#[test]
fn harder_constraints_never_cost_less() {
    let cost = |constraints: Vec<Constraint>| solve(constraints).map_or(f64::INFINITY, |s| s.pbs_cost_us);
    for precision in 1..=7 {
        let mut previous = 0.0;
        for log2_norm2_squared in (0..=20).step_by(2) {
            let norm2_squared = f64::from(1 << log2_norm2_squared);
            let here = cost(vec![pbs("x".into(), precision, norm2_squared), decrypt("out".into(), 10, norm2_squared)]);
            let more_bits =
                cost(vec![pbs("x".into(), precision + 1, norm2_squared), decrypt("out".into(), 10, norm2_squared)]);
            assert!(here >= previous, "b = {precision}, ν² = 2^{log2_norm2_squared}: {here} < {previous}");
            assert!(more_bits >= here, "b = {precision}, ν² = 2^{log2_norm2_squared}: more bits {more_bits} < {here}");
            previous = here;
        }
    }
}

#[test]
fn the_search_takes_well_under_a_second() {
    for constraints in [approximate_mlp(), exact_mlp(), eight_bit_mlp()] {
        let start = Instant::now();
        let _ = solve(constraints);
        assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    }
}

#[test]
fn an_unreachable_constraint_is_named_with_its_remedies() {
    let noisy = vec![pbs("act".into(), 4, 1.0), pbs("dense3.relu".into(), 6, 1e12), decrypt("logit".into(), 12, 1.0)];
    let error = solve(noisy).unwrap_err();
    let NoParams::Unmet(unmet) = &error else { panic!("{error}") };
    assert_eq!((unmet.label.as_str(), unmet.precision), ("dense3.relu", 6));
    insta::assert_snapshot!("unreachable_weights", error.to_string());

    let wide = vec![Constraint { table_bits: 15, ..pbs("wide".into(), 15, 1.0) }];
    insta::assert_snapshot!("unreachable_table", solve(wide).unwrap_err().to_string());

    let decrypted = vec![decrypt("logit".into(), 60, 1.0)];
    insta::assert_snapshot!("unreachable_decryption", solve(decrypted).unwrap_err().to_string());
}

#[test]
fn malformed_requests_are_errors_not_panics() {
    let invalid = |request: Request| match optimize(&request, &CostModel::default()) {
        Err(NoParams::Invalid { label, reason }) => (label, reason),
        other => panic!("{other:?}"),
    };
    for bad in [f64::NAN, -1.0, f64::INFINITY] {
        let (label, _) = invalid(Request::new(vec![pbs("a".into(), 4, 1.0), pbs("bad".into(), 4, bad)]));
        assert_eq!(label.as_deref(), Some("bad"));
    }
    for p_fail in [0.0, 1.0, f64::NAN, -0.5, 2.0] {
        assert_eq!(invalid(Request { constraints: vec![pbs("a".into(), 4, 1.0)], p_fail }).0, None);
    }
    assert_eq!(invalid(Request::new(vec![])).0, None);
    insta::assert_snapshot!(
        "invalid_norm",
        optimize(&Request::new(vec![pbs("dense1".into(), 4, f64::NAN)]), &CostModel::default())
            .unwrap_err()
            .to_string()
    );
    // Absurd but well-formed: reported as unmet, never a panic or an overflow.
    let absurd = Constraint {
        label: "absurd".into(),
        kind: ConstraintKind::Pbs,
        precision: u32::MAX,
        table_bits: u32::MAX,
        multiplier_log2: u32::MAX,
        norm2_squared: f64::MAX,
        fresh_norm2_squared: f64::MAX,
        ..decrypt(String::new(), 0, 0.0)
    };
    assert!(matches!(solve(vec![absurd.clone()]), Err(NoParams::Unmet(_))));
    assert!(matches!(solve(vec![Constraint { kind: ConstraintKind::Decrypt, ..absurd }]), Err(NoParams::Unmet(_))));
}
