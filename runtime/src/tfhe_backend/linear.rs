//! Linear maps on radix ciphertexts with the fewest PBS: every plaintext coefficient is split into balanced base-4
//! digits (one per 2-bit block), so each product becomes a sum of block-shifted multiples of the input
//! (x, 2x, -x, -2x). Block shifts are free, `~x` is leveled, `2x` costs one shift (a PBS per block) and is computed
//! once per input element however many outputs use it, and `-x = ~x + 1` moves the `+1` into the row's constant.
//! All terms of an output element then go through one `unchecked_sum_ciphertexts_vec_parallelized`: leveled
//! additions within the carry space, message/carry extraction when it fills, and a single carry propagation.
//! Weights 0 cost nothing, weights ±1 and ±2^(2k) are one free term, ±2^(2k+1) one term of the shared `2x`.

use super::{cast, clean, shift_blocks_up};
use crate::backend::ElemResult;
use crate::linear::{LinearMap, Row};
use rayon::prelude::*;
use tfhe::integer::{ServerKey, SignedRadixCiphertext};

/// The multiples of one input that its coefficients' digits need.
const PLUS_TWO: u8 = 1;
const MINUS_ONE: u8 = 2;
const MINUS_TWO: u8 = 4;

/// Balanced base-4 digits of `c` modulo 4^blocks: (block position, digit in {-2, -1, 1, 2}).
pub(crate) fn digits(c: i64, blocks: usize) -> Vec<(usize, i8)> {
    let mut rest = c as i128;
    let mut digits = Vec::new();
    for position in 0..blocks {
        if rest == 0 {
            break;
        }
        let d: i8 = match rest.rem_euclid(4) {
            0 => 0,
            1 => 1,
            2 if rest < 0 => -2,
            2 => 2,
            _ => -1,
        };
        if d != 0 {
            digits.push((position, d));
        }
        rest = (rest - d as i128) / 4;
    }
    digits
}

fn digit_need(d: i8) -> u8 {
    match d {
        2 => PLUS_TWO,
        -1 => MINUS_ONE,
        -2 => MINUS_TWO | PLUS_TWO,
        _ => 0,
    }
}

/// An input at the output width, with the multiples its digits use.
#[derive(Default)]
struct Multiples {
    one: Option<SignedRadixCiphertext>,
    two: Option<SignedRadixCiphertext>,
    not_one: Option<SignedRadixCiphertext>,
    not_two: Option<SignedRadixCiphertext>,
}

impl Multiples {
    fn new(sks: &ServerKey, x: &SignedRadixCiphertext, blocks: usize, need: u8) -> Multiples {
        let one = cast(sks, &clean(sks, x), blocks);
        let two = (need & PLUS_TWO != 0).then(|| sks.scalar_left_shift_parallelized(&one, 1u32));
        let not_one = (need & MINUS_ONE != 0).then(|| sks.bitnot(&one));
        let not_two = (need & MINUS_TWO != 0).then(|| two.as_ref().map(|t| sks.bitnot(t))).flatten();
        Multiples { one: Some(one), two, not_one, not_two }
    }

    /// The multiple whose shifted copy stands for digit `d` (for negative digits, the complement: -y = ~y + 1).
    fn get(&self, d: i8) -> Option<&SignedRadixCiphertext> {
        match d {
            1 => self.one.as_ref(),
            2 => self.two.as_ref(),
            -1 => self.not_one.as_ref(),
            _ => self.not_two.as_ref(),
        }
    }
}

/// Evaluates `map` at `blocks` blocks per output element.
pub(crate) fn evaluate(
    sks: &ServerKey,
    inputs: &[&SignedRadixCiphertext],
    map: &LinearMap,
    blocks: usize,
) -> Vec<ElemResult<SignedRadixCiphertext>> {
    let mut need: Vec<Option<u8>> = vec![None; inputs.len()];
    for row in &map.rows {
        for &(i, c) in &row.terms {
            let n = need[i].get_or_insert(0);
            *n |= digits(c, blocks).iter().map(|&(_, d)| digit_need(d)).fold(0, |a, b| a | b);
        }
    }
    let prepared: Vec<Multiples> = need
        .par_iter()
        .zip(inputs.par_iter())
        .map(|(need, x)| need.map_or_else(Multiples::default, |n| Multiples::new(sks, x, blocks, n)))
        .collect();
    map.rows.par_iter().map(|row| Ok(evaluate_row(sks, &prepared, row, blocks))).collect()
}

fn evaluate_row(sks: &ServerKey, prepared: &[Multiples], row: &Row, blocks: usize) -> SignedRadixCiphertext {
    let one = |i: usize| prepared[i].one.as_ref().expect("every used input is prepared");
    // Shapes that tfhe computes with one dedicated carry propagation.
    match (&row.terms[..], row.constant) {
        (&[(i, 1)], 0) => return one(i).clone(),
        (&[(i, -1)], 0) => return sks.neg_parallelized(one(i)),
        (&[(i, 1), (j, -1)], 0) => return sks.sub_parallelized(one(i), one(j)),
        _ => {}
    }
    let mut constant = row.constant;
    let mut terms = Vec::new();
    for &(i, c) in &row.terms {
        for (position, d) in digits(c, blocks) {
            if d < 0 {
                constant += 1i128 << (2 * position);
            }
            let multiple = prepared[i].get(d).expect("multiples follow the digits");
            terms.push(shift_blocks_up(sks, multiple, position));
        }
    }
    let modulus_bits = 2 * blocks as u32;
    let constant = (constant as u128) & (u128::MAX >> (128 - modulus_bits));
    if constant != 0 || terms.is_empty() {
        terms.push(sks.create_trivial_radix(constant as u64, blocks));
    }
    if terms.len() == 1 {
        return terms.pop().expect("one term");
    }
    sks.unchecked_sum_ciphertexts_vec_parallelized(terms).unwrap_or_else(|| sks.create_trivial_radix(0u64, blocks))
}

#[cfg(test)]
mod tests {
    use super::digits;

    #[test]
    fn digits_recompose_modulo_the_width() {
        for blocks in [1usize, 4, 8, 32] {
            for c in [-70_000i64, -9, -4, -3, -2, -1, 0, 1, 2, 3, 6, 8, 127, 1 << 20, i64::MIN, i64::MAX] {
                let sum: i128 = digits(c, blocks).iter().map(|&(p, d)| (d as i128) << (2 * p)).sum();
                let m = 1i128 << (2 * blocks);
                assert_eq!(sum.rem_euclid(m), (c as i128).rem_euclid(m), "c = {c}, blocks = {blocks}");
            }
        }
        assert_eq!(digits(-2, 8), vec![(0, -2)]);
        assert_eq!(digits(8, 8), vec![(1, 2)]);
        assert_eq!(digits(-16, 8), vec![(2, -1)]);
    }
}
