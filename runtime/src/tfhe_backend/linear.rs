//! Linear maps on radix ciphertexts with the fewest PBS, following the plan of [`veil_rt::radix`] (which the cost
//! model counts): every input used in a sum enters once as its unsigned form `u` (one PBS flips the top block's
//! high bit), with `2u` (one shift) and the complements `~u`, `~(2u)` (leveled) only when its coefficients' digits
//! need them; each term is a copy of one of them shifted by whole blocks, among trivial zero blocks that tfhe's
//! column sums skip; all terms of an output element and its constant go through one
//! `unchecked_sum_ciphertexts_vec_parallelized` (leveled additions within the carry space, message/carry
//! extraction when it fills, one carry propagation). Moves by whole blocks, additions of a constant, negations
//! and differences keep the input signed.

use super::{cast, clean, placed, shift_blocks_up, sum_terms, unsigned_form};
use crate::backend::ElemResult;
use crate::linear::LinearMap;
use rayon::prelude::*;
use tfhe::integer::{IntegerCiphertext, IntegerRadixCiphertext, RadixCiphertext, ServerKey, SignedRadixCiphertext};
use tfhe::shortint::server_key::LookupTableOwned;
use tfhe::shortint::Ciphertext;
use veil_rt::radix::{effective_blocks, row_kind, Multiple, RowKind, RowPlan};

/// The multiples of one input's unsigned form that the plans use, as blocks.
#[derive(Default)]
struct Multiples {
    one: Vec<Ciphertext>,
    two: Vec<Ciphertext>,
    not_one: Vec<Ciphertext>,
    not_two: Vec<Ciphertext>,
}

impl Multiples {
    fn new(sks: &ServerKey, flip: &LookupTableOwned, x: &SignedRadixCiphertext, n: usize, need: [bool; 4]) -> Self {
        let key: &tfhe::shortint::ServerKey = sks.as_ref();
        let one = unsigned_form(sks, flip, x, n);
        let not = |blocks: &[Ciphertext]| sks.bitnot(&RadixCiphertext::from_blocks(blocks.to_vec())).into_blocks();
        let two = if need[1] || need[3] {
            let mut wide = one.clone();
            wide.push(key.create_trivial(0));
            sks.scalar_left_shift_parallelized(&RadixCiphertext::from_blocks(wide), 1u32).into_blocks()
        } else {
            vec![]
        };
        Multiples {
            not_one: if need[2] { not(&one) } else { vec![] },
            not_two: if need[3] { not(&two) } else { vec![] },
            one: if need[0] { one } else { vec![] },
            two: if need[1] { two } else { vec![] },
        }
    }

    fn get(&self, m: Multiple) -> &[Ciphertext] {
        match m {
            Multiple::One => &self.one,
            Multiple::Two => &self.two,
            Multiple::NotOne => &self.not_one,
            Multiple::NotTwo => &self.not_two,
        }
    }
}

fn index(m: Multiple) -> usize {
    match m {
        Multiple::One => 0,
        Multiple::Two => 1,
        Multiple::NotOne => 2,
        Multiple::NotTwo => 3,
    }
}

/// Evaluates `map` at `blocks` blocks per output element.
pub(crate) fn evaluate(
    sks: &ServerKey,
    flip: &LookupTableOwned,
    inputs: &[&SignedRadixCiphertext],
    map: &LinearMap,
    blocks: usize,
) -> Vec<ElemResult<SignedRadixCiphertext>> {
    let input_blocks = |i: usize| inputs[i].blocks().len();
    let kinds: Vec<RowKind> =
        map.rows.iter().map(|row| row_kind(&row.terms, row.constant, &input_blocks, blocks)).collect();
    let mut need: Vec<[bool; 4]> = vec![[false; 4]; inputs.len()];
    for kind in &kinds {
        if let RowKind::Sum(plan) = kind {
            for t in &plan.terms {
                need[t.input][index(t.multiple)] = true;
            }
        }
    }
    let prepared: Vec<Multiples> = need
        .par_iter()
        .zip(inputs.par_iter())
        .map(|(need, x)| match need.iter().any(|&b| b) {
            true => Multiples::new(sks, flip, x, effective_blocks(x.blocks().len(), blocks), *need),
            false => Multiples::default(),
        })
        .collect();
    kinds.par_iter().map(|kind| Ok(evaluate_row(sks, inputs, &prepared, kind, blocks))).collect()
}

fn evaluate_row(
    sks: &ServerKey,
    inputs: &[&SignedRadixCiphertext],
    prepared: &[Multiples],
    kind: &RowKind,
    blocks: usize,
) -> SignedRadixCiphertext {
    let signed = |i: usize| cast(sks, &clean(sks, inputs[i]), blocks);
    match kind {
        RowKind::Shift { input, position } => shift_blocks_up(sks, &signed(*input), *position),
        RowKind::AddConstant { input, constant } => {
            sks.add_parallelized(&signed(*input), &sks.create_trivial_radix(*constant as u64, blocks))
        }
        RowKind::Neg { input } => sks.neg_parallelized(&signed(*input)),
        RowKind::Sub { a, b } => sks.sub_parallelized(&signed(*a), &signed(*b)),
        RowKind::Sum(plan) => sum(sks, prepared, plan, blocks),
    }
}

fn sum(sks: &ServerKey, prepared: &[Multiples], plan: &RowPlan, blocks: usize) -> SignedRadixCiphertext {
    let mut terms: Vec<RadixCiphertext> =
        plan.terms.iter().map(|t| placed(sks, t.position, prepared[t.input].get(t.multiple), blocks)).collect();
    if plan.constant != 0 || terms.is_empty() {
        terms.push(sks.create_trivial_radix(plan.constant as u64, blocks));
    }
    sum_terms(sks, terms).expect("the constant at least")
}
