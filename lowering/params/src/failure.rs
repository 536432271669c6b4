//! Failure probabilities: the chance that centred Gaussian noise crosses half a box of a b-bit message, its inverse
//! (how many standard deviations a budget must span), and a whole program's chance of any wrong result.

use std::f64::consts::SQRT_2;

/// Half the width of one message box of a b-bit value with one padding bit: 2^-(b+2) of the torus. Noise smaller
/// than this in magnitude decodes (or bootstraps) to the right value.
pub fn half_box(precision_bits: u32) -> f64 {
    (-(f64::from(precision_bits) + 2.0)).exp2()
}

/// P(|N(0, variance)| ≥ 2^-(b+2)): the chance that noise of this variance makes a b-bit value wrong. NaN for a NaN
/// or negative variance.
pub fn p_fail(variance: f64, precision_bits: u32) -> f64 {
    p_fail_within(variance, half_box(precision_bits))
}

/// P(|N(0, variance)| ≥ margin): the chance that noise of this variance moves a value past `margin` (a share of
/// the torus). NaN for a NaN or negative variance.
pub fn p_fail_within(variance: f64, margin: f64) -> f64 {
    if variance.is_nan() || variance < 0.0 {
        return f64::NAN;
    }
    if variance == 0.0 {
        return 0.0;
    }
    tail_probability(margin / variance.sqrt())
}

/// The z with P(|N(0, 1)| ≥ z) = p_fail: noise stays under a half box with probability 1 − p_fail when its standard
/// deviation is at most half_box / z. Infinite for p_fail ≤ 0, zero for p_fail ≥ 1, NaN for NaN.
pub fn z_for(p_fail: f64) -> f64 {
    if p_fail.is_nan() {
        return f64::NAN;
    }
    if p_fail <= 0.0 {
        return f64::INFINITY;
    }
    if p_fail >= 1.0 {
        return 0.0;
    }
    // The tail is strictly decreasing in z; bisect until the interval stops shrinking (erfc underflows past z ≈ 38).
    let (mut low, mut high) = (0.0_f64, 40.0_f64);
    loop {
        let middle = 0.5 * (low + high);
        if middle <= low || middle >= high {
            return middle;
        }
        if tail_probability(middle) > p_fail {
            low = middle;
        } else {
            high = middle;
        }
    }
}

/// The chance that any of a program's bootstraps or decryptions is wrong: 1 − Π (1 − p_i)^count_i over
/// (per-use failure probability, number of uses) pairs, computed in log space so tiny probabilities keep their
/// digits. Independent failures are assumed; the union bound Σ count_i · p_i is never below it.
pub fn program_p_fail(uses: &[(f64, u64)]) -> f64 {
    let log_success: f64 = uses
        .iter()
        .filter(|&&(_, count)| count > 0)
        .map(|&(p_fail, count)| count as f64 * (-p_fail.clamp(0.0, 1.0)).ln_1p())
        .sum();
    -log_success.exp_m1()
}

/// P(|N(0, 1)| ≥ z) = erfc(z / √2).
fn tail_probability(z: f64) -> f64 {
    libm::erfc(z / SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (z, P(|N(0,1)| ≥ z)) from standard normal tables.
    const TAILS: &[(f64, f64)] = &[
        (1.0, 0.317_310_507_862_914_15),
        (2.0, 0.045_500_263_896_358_44),
        (3.0, 0.002_699_796_063_260_191),
        (6.0, 1.973_175_290_075_402e-9),
        (7.143_552_034_352_19, 9.094_947_017_729_282e-13), // 2^-40
        (10.0, 1.523_970_604_832_119e-23),
    ];

    #[test]
    fn tails_and_their_inverse_match_the_normal_table() {
        for &(z, tail) in TAILS {
            let variance = (half_box(4) / z).powi(2);
            let p = p_fail(variance, 4);
            assert!((p / tail - 1.0).abs() < 1e-8, "z={z}: {p} vs {tail}");
            assert!((z_for(tail) / z - 1.0).abs() < 1e-8, "p={tail}: {} vs {z}", z_for(tail));
        }
    }

    #[test]
    fn degenerate_inputs_give_defined_answers() {
        assert!(p_fail(f64::NAN, 4).is_nan());
        assert!(p_fail(-1.0, 4).is_nan());
        assert_eq!(p_fail(0.0, 4), 0.0);
        assert_eq!(p_fail(f64::INFINITY, 4), 1.0);
        assert_eq!(z_for(0.0), f64::INFINITY);
        assert_eq!(z_for(1.0), 0.0);
        assert!(z_for(f64::NAN).is_nan());
        assert!(z_for(1e-300).is_finite());
    }

    #[test]
    fn a_program_fails_when_any_use_fails() {
        let p = 2f64.powi(-40);
        let program = program_p_fail(&[(p, 1000), (p, 24), (0.5, 0)]);
        assert!((program / (1024.0 * p) - 1.0).abs() < 1e-6, "{program}");
        assert_eq!(program_p_fail(&[]), 0.0);
        assert_eq!(program_p_fail(&[(1.0, 3)]), 1.0);
        assert!((program_p_fail(&[(0.5, 2)]) - 0.75).abs() < 1e-15);
    }
}
