//! The lut model's encoding: a signed W-bit integer v is the torus value v·Δ_W mod 2^64 with Δ_W = 2^(63 − W), one
//! padding bit above the value's W bits. Every function here is plain integer arithmetic on u64 phases.

/// The widest encoding: Δ_W ≥ 2, so that half a step (the lut's centring offset) is an integer.
pub const MAX_BITS: u32 = 62;

/// Δ_W = 2^(63 − W): one unit of a W-bit value on the torus (`bits` in 2..=[`MAX_BITS`]).
pub fn delta(bits: u32) -> u64 {
    1 << (63 - bits)
}

/// `value`·Δ_W modulo 2^64 (two's complement: a negative value sits in the upper half of the torus).
pub fn encode(value: i64, bits: u32) -> u64 {
    (value as u64).wrapping_mul(delta(bits))
}

/// The W-bit value nearest to `phase`: rounded to a multiple of Δ_W, the padding bit dropped, sign-extended.
pub fn decode(phase: u64, bits: u32) -> i64 {
    let units = phase.wrapping_add(delta(bits) / 2) >> (63 - bits);
    let unused = 64 - bits;
    ((units << unused) as i64) >> unused
}

/// `phase − value·Δ_W` as a signed fraction of the torus, in [−1/2, 1/2).
pub fn error(phase: u64, value: i64, bits: u32) -> f64 {
    phase.wrapping_sub(encode(value, bits)) as i64 as f64 / 2f64.powi(64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_at_every_width_with_noise_below_half_a_step() {
        for bits in [2, 5, 12, 33, MAX_BITS] {
            let half = delta(bits) / 2;
            let (min, max) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
            for v in [min, -1, 0, 1, max] {
                let exact = encode(v, bits);
                assert_eq!(decode(exact, bits), v);
                assert_eq!(decode(exact.wrapping_add(half - 1), bits), v);
                assert_eq!(decode(exact.wrapping_sub(half), bits), v);
                assert_eq!(error(exact.wrapping_sub(half), v, bits), -(half as f64) / 2f64.powi(64));
            }
        }
    }

    #[test]
    fn decoding_wraps_at_the_width_like_two_s_complement() {
        // 2^(W−1) (padding bit set) reads as −2^(W−1).
        assert_eq!(decode(1 << 62, 5), -16);
        assert_eq!(decode(encode(17, 5), 5), -15);
    }
}
