//! The cost model of rt kernels on the tfhe backend: how many programmable bootstraps (PBS) each kernel call
//! runs, following runtime/src/tfhe_backend and the tfhe-rs 1.8 primitives it calls, and what that takes on this
//! machine. The counts are estimates (see each function; `exact` says which follow the code step by step).
//!
//! The building blocks (2 message bits and 2 carry bits per block; `B` = blocks of the result):
//! - a block is `(degree, noise)`: a clean block holds at most 3 at nominal noise 1; a trivial block has noise 0.
//! - carry propagation (`full_propagate_parallelized`, sequential on few cores): 2 PBS (message and carry
//!   extraction) per block from the first block holding a carry to 2 blocks past the last non-zero block, plus a
//!   first extraction round (`2n - 1` PBS) when a receiving block is too full (degree > 12 or noise >= 4), plus
//!   1 PBS per other block whose noise is above nominal.
//! - a sum of terms (`unchecked_sum_ciphertexts_vec_parallelized`): 2 terms are one radix addition (2 PBS per
//!   block); more are reduced column by column: while a column holds more than 5 blocks, every full chunk of 5 is
//!   summed leveled and split into message and carry (2 PBS; 1 in the top column; both of degree 3, as tfhe's
//!   tables over the whole block set them), then one carry propagation.
//! - linear kernels (add, sub, the `_plain` kernels, neg, shl, matmul_plain, conv2d_plain, sum, avg_pool2d) follow
//!   [`veil_rt::radix`]'s plan, shared with the backend: a move by whole blocks costs a sign extension at most,
//!   `-x` and `x - y` one propagation (2B), every other row sums block-shifted multiples of the inputs' unsigned
//!   forms (1 PBS per input, plus an `n+1`-block shift for `2u` when a digit needs it) as above.
//! - squares follow [`veil_rt::radix::square_plan`], shared with the backend: 1 PBS for the unsigned form, 1 per
//!   half of each block product, and the sum of those halves (at their lookup tables' degrees), the complement
//!   and the constant, as above.

use veil_rt::radix::{effective_blocks, row_kind, square_plan, RowKind, SquareTerm};

/// Message bits per radix block (TFHE `PARAM_MESSAGE_2_CARRY_2`).
pub const MESSAGE_BITS: u32 = 2;
/// The largest value a clean block holds.
pub const MESSAGE_MAX: u64 = (1 << MESSAGE_BITS) - 1;
/// The largest value a block holds with its carries (message and carry bits full).
pub const BLOCK_MAX: u64 = (1 << (2 * MESSAGE_BITS)) - 1;
/// How many clean blocks can be added into one without overflowing its carry space: 15 / 3 = 5. It bounds both
/// the leveled accumulation of he-to-rt's variant rule and tfhe's column sums.
pub const MAX_LEVELED_LOAD: u64 = BLOCK_MAX / MESSAGE_MAX;
/// The noise level at which a block can no longer take another addition before a bootstrap.
const MAX_NOISE_LEVEL: u64 = 5;

/// The machine the times are estimated for.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize)]
pub struct Machine {
    /// Latency of one PBS on one core, in milliseconds.
    pub pbs_ms: f64,
    /// Cores the elements of a kernel run on in parallel (rayon).
    pub cores: u32,
}

/// This machine: a single 2-bit-message PBS takes about 20 ms on one core (docs/DESIGN.md's measured figure for
/// the default parameters); 2 cores. Times assume the PBS of a call spread evenly over the cores.
pub const MACHINE: Machine = Machine { pbs_ms: 20.0, cores: 2 };

impl Machine {
    /// Seconds for `pbs` bootstraps spread over the cores.
    pub fn seconds(&self, pbs: u64) -> f64 {
        pbs as f64 * self.pbs_ms / 1000.0 / f64::from(self.cores.max(1))
    }
}

/// A PBS count and whether it follows the backend's code exactly (else it is an approximation of a tfhe-rs
/// routine whose count depends on data or on scheduling).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Pbs {
    pub count: u64,
    pub exact: bool,
}

impl Pbs {
    pub const ZERO: Pbs = Pbs { count: 0, exact: true };

    pub fn exact(count: u64) -> Pbs {
        Pbs { count, exact: true }
    }

    pub fn approx(count: u64) -> Pbs {
        Pbs { count, exact: false }
    }

    pub fn times(self, n: u64) -> Pbs {
        Pbs { count: self.count.saturating_mul(n), exact: self.exact }
    }
}

impl std::ops::Add for Pbs {
    type Output = Pbs;
    fn add(self, other: Pbs) -> Pbs {
        Pbs { count: self.count.saturating_add(other.count), exact: self.exact && other.exact }
    }
}

impl std::iter::Sum for Pbs {
    fn sum<I: Iterator<Item = Pbs>>(iter: I) -> Pbs {
        iter.fold(Pbs::ZERO, |a, b| a + b)
    }
}

/// One radix block as tfhe tracks it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Block {
    degree: u64,
    noise: u64,
}

const CLEAN: Block = Block { degree: MESSAGE_MAX, noise: 1 };
const ZERO: Block = Block { degree: 0, noise: 0 };

/// A trivial (noiseless) radix holding `value` modulo `4^blocks`.
fn trivial(value: u128, blocks: usize) -> Vec<Block> {
    (0..blocks).map(|i| Block { degree: ((value >> (2 * i)) & 3) as u64, noise: 0 }).collect()
}

/// Sign extension of a narrower operand (`extend_radix_with_sign_msb`): one PBS makes the padding block.
pub fn cast(from_blocks: u32, to_blocks: u32) -> Pbs {
    Pbs::exact(u64::from(from_blocks < to_blocks))
}

/// A radix addition of two clean operands with sequential carry propagation: message and carry of each block.
pub fn add(blocks: u32) -> Pbs {
    Pbs::exact(2 * u64::from(blocks))
}

/// `scalar_left_shift_parallelized(x, 1)`: one bivariate PBS per block above the first, one for the first.
pub fn shift_one_bit(blocks: u32) -> Pbs {
    Pbs::exact(u64::from(blocks))
}

/// Carry propagation of `blocks` (`full_propagate_parallelized`, sequential path).
fn propagate(blocks: &[Block]) -> u64 {
    let noisy = |bs: &[Block]| bs.iter().filter(|b| b.noise > 1).count() as u64;
    let Some(start) = blocks.iter().position(|b| b.degree > MESSAGE_MAX) else { return noisy(blocks) };
    let last = blocks.iter().rposition(|b| b.degree != 0).unwrap_or(start);
    let end = (last + 2).min(blocks.len() - 1);
    let range = &blocks[start..=end];
    let n = range.len() as u64;
    let full = range[1..].iter().any(|b| b.degree > BLOCK_MAX - MESSAGE_MAX || b.noise >= MAX_NOISE_LEVEL - 1);
    let first_round = if n > 1 && full { 2 * n - 1 } else { 0 };
    let rounds = if first_round > 0 { 2 * (n - 1) } else { 2 * n };
    noisy(&blocks[..start]) + noisy(&blocks[end + 1..]) + first_round + rounds
}

/// `unchecked_sum_ciphertexts_vec_parallelized` of terms given as their blocks (all `width` long).
fn sum_terms(terms: &[Vec<Block>], width: usize) -> u64 {
    match terms.len() {
        0 | 1 => return 0,
        2 => return add(width as u32).count,
        _ => {}
    }
    let mut columns: Vec<Vec<Block>> = vec![vec![]; width];
    for term in terms {
        for (i, b) in term.iter().enumerate().filter(|(_, b)| b.degree != 0) {
            columns[i].push(*b);
        }
    }
    let chunk = MAX_LEVELED_LOAD as usize;
    let mut pbs = 0;
    while columns.iter().any(|c| c.len() > chunk) {
        let mut carries: Vec<Vec<Block>> = vec![vec![]; width];
        for (i, column) in columns.iter_mut().enumerate() {
            let full = column.len() / chunk;
            // Message and carry extraction: tfhe's lookup tables take their degree from the whole block domain
            // (`x mod 4`, `x / 4` for x ≤ 15), so both results have degree 3, whatever the chunk held.
            for _ in 0..full {
                carries[i].push(CLEAN);
                pbs += 1;
                if i + 1 < width {
                    carries[i + 1].push(CLEAN);
                    pbs += 1;
                }
            }
            column.drain(..full * chunk);
        }
        for (column, new) in columns.iter_mut().zip(carries) {
            column.extend(new);
        }
    }
    let summed: Vec<Block> = columns
        .iter()
        .map(|c| Block { degree: c.iter().map(|b| b.degree).sum(), noise: c.iter().map(|b| b.noise).sum() })
        .collect();
    pbs + propagate(&summed)
}

/// One output element of a linear kernel: its (input element, coefficient) terms and constant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub terms: Vec<(usize, i64)>,
    pub constant: i128,
}

/// The PBS of one output row at `blocks` blocks (the backend's [`row_kind`]), the per-input costs of sums (the
/// unsigned form, `2u`) excluded.
pub fn row(row: &Row, input_blocks: &dyn Fn(usize) -> u32, blocks: u32) -> Pbs {
    let b = blocks as usize;
    let n = |i: usize| input_blocks(i) as usize;
    match row_kind(&row.terms, row.constant, &n, b) {
        RowKind::Shift { input, .. } => cast(input_blocks(input), blocks),
        RowKind::AddConstant { input, .. } | RowKind::Neg { input } => cast(input_blocks(input), blocks) + add(blocks),
        RowKind::Sub { a, b: other } => cast(input_blocks(a), blocks) + cast(input_blocks(other), blocks) + add(blocks),
        RowKind::Sum(plan) => {
            let mut terms: Vec<Vec<Block>> = plan
                .terms
                .iter()
                .map(|t| {
                    let len = t.multiple.blocks(effective_blocks(n(t.input), b));
                    (0..b).map(|i| if i >= t.position && i < t.position + len { CLEAN } else { ZERO }).collect()
                })
                .collect();
            if plan.constant != 0 || terms.is_empty() {
                terms.push(trivial(plan.constant, b));
            }
            Pbs::exact(sum_terms(&terms, b))
        }
    }
}

/// A linear kernel: every row, plus per input element used in a sum its unsigned form (one PBS) and, when a
/// digit needs it, its `2u` (a shift of `n + 1` blocks).
pub fn linear(rows: &[Row], inputs: usize, input_blocks: &dyn Fn(usize) -> u32, blocks: u32) -> Pbs {
    let b = blocks as usize;
    let n = |i: usize| input_blocks(i) as usize;
    let mut used = vec![false; inputs];
    let mut double = vec![false; inputs];
    for r in rows {
        if let RowKind::Sum(plan) = row_kind(&r.terms, r.constant, &n, b) {
            for t in plan.terms.iter().filter(|t| t.input < inputs) {
                used[t.input] = true;
                double[t.input] |= t.multiple.needs_double();
            }
        }
    }
    let per_input: Pbs = (0..inputs)
        .filter(|&i| used[i])
        .map(|i| {
            let two = effective_blocks(n(i), b) as u32 + 1;
            Pbs::exact(1) + if double[i] { shift_one_bit(two) } else { Pbs::ZERO }
        })
        .sum();
    per_input + rows.iter().map(|r| row(r, input_blocks, blocks)).sum()
}

/// A ciphertext product at `blocks` blocks (`mul_parallelized`): `B^2` bivariate block products (low and high
/// halves of every pair that stays below the top), summed as terms, then propagated.
pub fn mul(blocks: u32) -> Pbs {
    let b = blocks as usize;
    let term = |from: usize, degree: u64| -> Vec<Block> {
        (0..b).map(|i| if i < from { ZERO } else { Block { degree, noise: 1 } }).collect()
    };
    let mut terms: Vec<Vec<Block>> = (0..b).map(|i| term(i, MESSAGE_MAX)).collect();
    // The high half of a product of two 2-bit blocks is at most 9 / 4 = 2.
    terms.extend((0..b.saturating_sub(1)).map(|i| term(i + 1, (MESSAGE_MAX * MESSAGE_MAX) >> MESSAGE_BITS)));
    let products = (blocks as u64).pow(2);
    Pbs::exact(products + sum_terms(&terms, b))
}

/// A square of an `in_blocks` input at `blocks` blocks ([`square_plan`], as the backend runs it): the unsigned
/// form (1 PBS), one PBS per block product, and the sum of the products (each alone in its term, at its
/// degree), the complement and the constant.
pub fn square(in_blocks: u32, blocks: u32) -> Pbs {
    let b = blocks as usize;
    let plan = square_plan(in_blocks as usize, b);
    if plan.n == 0 {
        return Pbs::ZERO;
    }
    let placed = |position: usize, block: &dyn Fn(usize) -> Block| -> Vec<Block> {
        (0..b).map(|i| if i >= position { block(i - position) } else { Block { degree: 0, noise: 0 } }).collect()
    };
    let terms: Vec<Vec<Block>> = plan
        .terms()
        .into_iter()
        .map(|term| match term {
            SquareTerm::Product(k) => {
                let p = &plan.products[k];
                placed(p.position, &|i| if i == 0 { Block { degree: p.degree(), noise: 1 } } else { ZERO })
            }
            SquareTerm::Complement(position) => placed(position, &|i| if i < plan.n { CLEAN } else { ZERO }),
            SquareTerm::Constant(c) => trivial(c, b),
        })
        .collect();
    Pbs::exact(1 + plan.products.len() as u64 + sum_terms(&terms, b))
}

/// `floor(x / 2^shift)` from `in_blocks` to `blocks`: whole blocks dropped for free; an odd bit costs one PBS per
/// remaining block plus one for the sign padding; a wider result sign-extends.
pub fn rescale(shift: u32, in_blocks: u32, blocks: u32) -> Pbs {
    let shift = shift.min((MESSAGE_BITS * in_blocks).saturating_sub(1));
    let remaining = in_blocks.saturating_sub(shift / MESSAGE_BITS);
    let odd = if shift.is_multiple_of(MESSAGE_BITS) { 0 } else { u64::from(remaining) + 1 };
    Pbs::exact(odd) + cast(remaining, blocks)
}

/// relu: one PBS extracts the sign of the top block, one bivariate PBS per block zeroes it when negative.
pub fn relu(in_blocks: u32) -> Pbs {
    Pbs::exact(u64::from(in_blocks) + 1)
}

/// `max_parallelized` at `blocks` blocks: a comparison (a borrow propagation, about 2 PBS per block; one
/// bivariate PBS for a single block) and a selection (both operands zeroed under the condition and cleaned: 3 per
/// block). Approximate: tfhe's comparison tree depends on the block count.
pub fn max(blocks: u32) -> Pbs {
    let compare = if blocks == 1 { 1 } else { 2 * u64::from(blocks) };
    Pbs::approx(compare + 3 * u64::from(blocks))
}

/// The maximum of two operands (`a_blocks`, `b_blocks`) into `blocks`: casts to the wider, max, cast to the result.
pub fn max_of(a_blocks: u32, b_blocks: u32, blocks: u32) -> Pbs {
    let common = a_blocks.max(b_blocks);
    cast(a_blocks, common) + cast(b_blocks, common) + max(common) + cast(common, blocks)
}

/// A lookup table over `in_bits` (`match_value_parallelized`): block equality indicators (4 per input block), one
/// selector per table entry, a one-hot dot product per output block (entries summed 5 at a time) and the
/// "some entry matched" flag. Approximate.
pub fn lut(in_bits: u32, out_blocks: u32) -> Pbs {
    let entries = 1u64 << in_bits.min(63);
    let in_blocks = u64::from(in_bits.div_ceil(MESSAGE_BITS));
    Pbs::approx(
        4 * in_blocks + entries + entries.div_ceil(MAX_LEVELED_LOAD) * u64::from(out_blocks) + entries.div_ceil(15),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_rows_follow_the_backend() {
        let r = |terms: &[(usize, i64)], constant: i128| Row { terms: terms.to_vec(), constant };
        let same = |_: usize| 4;
        // x, 4x, 16x: one block-shifted term, free.
        for c in [1, 4, 16] {
            assert_eq!(row(&r(&[(0, c)], 0), &same, 4), Pbs::ZERO);
        }
        assert_eq!(row(&r(&[], 0), &same, 4), Pbs::ZERO);
        // x - y is one radix subtraction: 2 PBS per block; a narrower operand adds its sign extension.
        assert_eq!(row(&r(&[(0, 1), (1, -1)], 0), &same, 4).count, 8);
        assert_eq!(row(&r(&[(0, 1), (1, -1)], 0), &|_| 2, 4).count, 10);
    }

    #[test]
    fn leveled_and_shifted_kernels_cost_what_the_backend_tests_measure() {
        // runtime/tests/tfhe_costs.rs: relu over i8 costs 5 per element, a rescale by a whole block none.
        assert_eq!(relu(4).count, 5);
        assert_eq!(rescale(2, 4, 3), Pbs::ZERO);
        assert_eq!(rescale(1, 4, 4).count, 5);
        assert_eq!(linear(&[Row { terms: vec![(0, 4)], constant: 0 }], 1, &|_| 4, 4), Pbs::ZERO);
    }

    #[test]
    fn a_dot_product_costs_less_than_separate_additions() {
        let dot = Row { terms: (0..4).map(|i| (i, 1)).collect(), constant: 0 };
        assert!(row(&dot, &|_| 4, 4).count < 3 * add(4).count);
        assert_eq!(MAX_LEVELED_LOAD, 5);
    }
}
