//! The search: the cheapest parameter set by the cost model whose noise meets every constraint at the requested
//! failure probability, over k, N, n and the PBS and keyswitch decompositions, at 128-bit security.
//!
//! Pruning rests on three monotonicities of the formulas, for a fixed (k, N): the cost grows with n and with both
//! level counts; the PBS output and modulus switch noise grow with n (so once even the least noisy PBS level fails a
//! constraint at some n, every larger n fails too); and for each level count one base minimizes the noise at every
//! n (the PBS variance is n times a factor free of n, the keyswitch variance k·N times one free of k·N).

use std::ops::RangeInclusive;

use crate::constraint::{hardest_of_each_kind, Constraint, ConstraintKind, Request};
use crate::cost::{bootstrap_key_bytes, keyswitch_key_bytes, CostModel};
use crate::error::{NoParams, UnmetConstraint};
use crate::noise::{
    keyswitch_variance_of, modulus_switch_variance_of, pbs_variance, secure_small_key_variance, secure_variance,
    KEYSWITCH_BITS,
};
use crate::solution::Solution;
use crate::LutParams;

const MAX_GLWE_DIMENSION: usize = 4;
const POLYNOMIAL_SIZE_LOG2: RangeInclusive<u32> = 8..=14;
pub(crate) const MAX_POLYNOMIAL_SIZE_LOG2: u32 = 14;
const MAX_BIG_LWE_DIMENSION: usize = 1 << 14;
pub(crate) const LWE_DIMENSIONS: RangeInclusive<usize> = 500..=1200;
pub(crate) const PBS_LEVELS: usize = 6;
pub(crate) const KS_LEVELS: usize = 10;
/// The bootstrap's decomposition must fit the f64 mantissa of its FFT.
const PBS_DECOMPOSITION_BITS: usize = 53;

/// The cheapest parameter set meeting every constraint of `request`, by `cost`; ties go to smaller keys.
pub fn optimize(request: &Request, cost: &CostModel) -> Result<Solution, NoParams> {
    validate(request)?;
    let targets: Vec<Target> =
        hardest_of_each_kind(&request.constraints).into_iter().map(|c| Target::new(c, request.p_fail)).collect();
    let table_bits = targets.iter().map(|t| t.constraint.required_table_bits()).max().unwrap_or(0);
    let keyswitch_bases = KeyswitchBases::new();
    let mut best: Option<Candidate> = None;
    for shape in glwe_shapes().filter(|shape| shape.polynomial_size_log2 >= table_bits) {
        search_shape(shape, &targets, cost, &keyswitch_bases, &mut best);
    }
    match best {
        Some(candidate) => Ok(Solution::evaluate(request, candidate.params, cost)),
        None => Err(match hardest(&targets, &keyswitch_bases, request.p_fail) {
            Some(unmet) => NoParams::Unmet(Box::new(unmet)),
            None => NoParams::Invalid { label: None, reason: "the request has no constraint".into() },
        }),
    }
}

fn validate(request: &Request) -> Result<(), NoParams> {
    let invalid = |label: Option<&str>, reason: String| NoParams::Invalid { label: label.map(str::to_owned), reason };
    if !(request.p_fail > 0.0 && request.p_fail < 1.0) {
        return Err(invalid(None, format!("the failure bound {} is not a probability in (0, 1)", request.p_fail)));
    }
    if request.constraints.is_empty() {
        return Err(invalid(None, "the request has no constraint (no PBS and no decryption)".into()));
    }
    let valid = |x: f64| x.is_finite() && x >= 0.0;
    match request.constraints.iter().find(|c| !(valid(c.norm2_squared) && valid(c.fresh_norm2_squared))) {
        Some(c) => Err(invalid(
            Some(&c.label),
            format!("its squared 2-norm {} is not a finite non-negative number", c.norm2_squared),
        )),
        None => Ok(()),
    }
}

/// One (k, N) of the search space.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GlweShape {
    pub(crate) glwe_dimension: usize,
    pub(crate) polynomial_size: usize,
    pub(crate) polynomial_size_log2: u32,
}

impl GlweShape {
    pub(crate) fn big_lwe_dimension(&self) -> usize {
        self.glwe_dimension * self.polynomial_size
    }
}

pub(crate) fn glwe_shapes() -> impl Iterator<Item = GlweShape> {
    (1..=MAX_GLWE_DIMENSION)
        .flat_map(|glwe_dimension| {
            POLYNOMIAL_SIZE_LOG2.map(move |log2| GlweShape {
                glwe_dimension,
                polynomial_size: 1 << log2,
                polynomial_size_log2: log2,
            })
        })
        .filter(|shape| shape.big_lwe_dimension() <= MAX_BIG_LWE_DIMENSION)
}

/// One deduplicated constraint, in the search's terms: `weight · source (+ switching noise) ≤ budget`.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) constraint: &'a Constraint,
    weight: f64,
    fresh_weight: f64,
    budget: f64,
}

/// The variances a leveled combination starts from: fresh encryptions and bootstrap outputs.
#[derive(Clone, Copy)]
pub(crate) struct Sources {
    pub(crate) fresh: f64,
    pub(crate) pbs: f64,
}

impl<'a> Target<'a> {
    pub(crate) fn new(constraint: &'a Constraint, p_fail: f64) -> Self {
        Target {
            constraint,
            weight: constraint.noise_weight(),
            fresh_weight: constraint.fresh_noise_weight(),
            budget: constraint.variance_budget(p_fail),
        }
    }

    /// The variance this constraint sees, given the source variance and the keyswitch + modulus switch variance.
    fn variance(&self, source: Sources, switching: f64) -> f64 {
        let leveled = self.weight * source.pbs + self.fresh_weight * source.fresh;
        match self.constraint.kind {
            ConstraintKind::Pbs => leveled + switching,
            ConstraintKind::Decrypt => leveled,
        }
    }

    pub(crate) fn met(&self, source: Sources, switching: f64) -> bool {
        self.variance(source, switching) <= self.budget
    }
}

/// For each n of the search and each keyswitch level count, the base log minimizing the keyswitch noise. The
/// variance is k·N times a factor free of k·N (input and output moduli are both 2^64), so one table serves every
/// shape; it is computed at k·N = 1.
pub(crate) struct KeyswitchBases {
    base_logs: Vec<[usize; KS_LEVELS]>,
}

impl KeyswitchBases {
    pub(crate) fn new() -> Self {
        let base_logs = LWE_DIMENSIONS
            .map(|n| {
                std::array::from_fn(|i| {
                    convex_argmin(KEYSWITCH_BITS / (i + 1), |b| keyswitch_variance_of(1, n, b, i + 1))
                })
            })
            .collect();
        KeyswitchBases { base_logs }
    }

    pub(crate) fn base_log(&self, lwe_dimension: usize, level: usize) -> usize {
        self.base_logs[lwe_dimension - LWE_DIMENSIONS.start()][level - 1]
    }
}

/// The base log in 1..=max_base_log minimizing a variance that is convex in the base log (a growing exponential for
/// the key's noise times the digits, plus a shrinking one for the dropped low bits): scan up while it falls.
fn convex_argmin(max_base_log: usize, variance: impl Fn(usize) -> f64) -> usize {
    let mut best = (1, variance(1));
    for base_log in 2..=max_base_log {
        let v = variance(base_log);
        if v > best.1 {
            break;
        }
        best = (base_log, v);
    }
    best.0
}

/// For each PBS level count, the base log minimizing the bootstrap noise of a shape (at n = 1: the variance is n
/// times a factor free of n). Scanned in full: only once per shape.
pub(crate) fn pbs_base_logs(shape: GlweShape) -> [usize; PBS_LEVELS] {
    std::array::from_fn(|i| {
        let level = i + 1;
        let variance = |b| pbs_variance(1, shape.glwe_dimension, shape.polynomial_size, b, level);
        (1..=PBS_DECOMPOSITION_BITS / level).min_by(|&a, &b| variance(a).total_cmp(&variance(b))).unwrap_or(1)
    })
}

/// Every noise term of one (k, N, n), for each level count at its best base.
struct NoiseAt {
    fresh: f64,
    pbs: [f64; PBS_LEVELS],
    keyswitch: [f64; KS_LEVELS],
    modulus_switch: f64,
}

impl NoiseAt {
    fn new(shape: GlweShape, n: usize, pbs_bases: &[usize; PBS_LEVELS], keyswitch_bases: &KeyswitchBases) -> Self {
        let (k, big_n) = (shape.glwe_dimension, shape.polynomial_size);
        NoiseAt {
            fresh: secure_variance(shape.big_lwe_dimension()),
            pbs: std::array::from_fn(|i| pbs_variance(n, k, big_n, pbs_bases[i], i + 1)),
            keyswitch: std::array::from_fn(|i| {
                keyswitch_variance_of(shape.big_lwe_dimension(), n, keyswitch_bases.base_log(n, i + 1), i + 1)
            }),
            modulus_switch: modulus_switch_variance_of(n, big_n),
        }
    }

    fn source(&self, pbs_level: usize) -> Sources {
        Sources { fresh: self.fresh, pbs: self.pbs[pbs_level - 1] }
    }

    fn least_source(&self) -> Sources {
        Sources { fresh: self.fresh, pbs: self.pbs.iter().copied().fold(f64::INFINITY, f64::min) }
    }

    fn least_switching(&self) -> f64 {
        self.keyswitch.iter().copied().fold(f64::INFINITY, f64::min) + self.modulus_switch
    }
}

struct Candidate {
    params: LutParams,
    cost_us: f64,
    key_bytes: u64,
}

impl Candidate {
    fn beats(&self, other: &Option<Candidate>) -> bool {
        other.as_ref().is_none_or(|o| (self.cost_us, self.key_bytes) < (o.cost_us, o.key_bytes))
    }
}

/// Whether the best candidate so far costs strictly less than `cost_us`: then nothing costing that can win.
fn beaten_at(best: &Option<Candidate>, cost_us: f64) -> bool {
    best.as_ref().is_some_and(|b| b.cost_us < cost_us)
}

fn search_shape(
    shape: GlweShape,
    targets: &[Target],
    cost: &CostModel,
    keyswitch_bases: &KeyswitchBases,
    best: &mut Option<Candidate>,
) {
    let (k, big_n) = (shape.glwe_dimension, shape.polynomial_size);
    let fresh = secure_variance(shape.big_lwe_dimension());
    if !targets.iter().all(|t| t.met(Sources { fresh, pbs: 0.0 }, 0.0)) {
        return;
    }
    let pbs_bases = pbs_base_logs(shape);
    for n in LWE_DIMENSIONS {
        if beaten_at(best, cost.cost_us(n, k, big_n, 1, 1)) {
            return;
        }
        let noise = NoiseAt::new(shape, n, &pbs_bases, keyswitch_bases);
        if !targets.iter().all(|t| t.met(noise.least_source(), noise.modulus_switch)) {
            return;
        }
        for pbs_level in 1..=PBS_LEVELS {
            let source = noise.source(pbs_level);
            for ks_level in 1..=KS_LEVELS {
                let cost_us = cost.cost_us(n, k, big_n, pbs_level, ks_level);
                if beaten_at(best, cost_us) {
                    break;
                }
                let switching = noise.keyswitch[ks_level - 1] + noise.modulus_switch;
                if targets.iter().all(|t| t.met(source, switching)) {
                    let params = LutParams {
                        lwe_dimension: n,
                        glwe_dimension: k,
                        polynomial_size: big_n,
                        lwe_noise_std: secure_small_key_variance(n).sqrt(),
                        glwe_noise_std: fresh.sqrt(),
                        pbs_base_log: pbs_bases[pbs_level - 1],
                        pbs_level,
                        ks_base_log: keyswitch_bases.base_log(n, ks_level),
                        ks_level,
                    };
                    let key_bytes = bootstrap_key_bytes(&params).saturating_add(keyswitch_key_bytes(&params));
                    let candidate = Candidate { params, cost_us, key_bytes };
                    if candidate.beats(best) {
                        *best = Some(candidate);
                    }
                    break;
                }
            }
        }
    }
}

/// The constraint furthest from being met: for each, the least variance any parameter set gives it alone, over its
/// budget; the largest ratio wins (above 1 it is unreachable alone, at most 1 only together with the others).
fn hardest(targets: &[Target], keyswitch_bases: &KeyswitchBases, p_fail: f64) -> Option<UnmetConstraint> {
    // Per target: (least total variance, least switching variance alone), each over the budget.
    let mut least = vec![(f64::INFINITY, f64::INFINITY); targets.len()];
    for shape in glwe_shapes() {
        let pbs_bases = pbs_base_logs(shape);
        for n in LWE_DIMENSIONS {
            let noise = NoiseAt::new(shape, n, &pbs_bases, keyswitch_bases);
            let (source, switching) = (noise.least_source(), noise.least_switching());
            for (target, (total, alone)) in targets.iter().zip(least.iter_mut()) {
                if shape.polynomial_size_log2 >= target.constraint.required_table_bits() {
                    *total = total.min(over_budget(target.variance(source, switching), target.budget));
                    let unweighted = Target { weight: 0.0, fresh_weight: 0.0, ..*target };
                    *alone = alone.min(over_budget(unweighted.variance(source, switching), target.budget));
                }
            }
        }
    }
    let (hardest, (excess, switching_excess)) =
        targets.iter().zip(least).fold(None, |worst: Option<(&Target, (f64, f64))>, (t, r)| match worst {
            Some((_, w)) if w.0 >= r.0 => worst,
            _ => Some((t, r)),
        })?;
    Some(UnmetConstraint::new(hardest.constraint, p_fail, excess, switching_excess))
}

/// variance / budget, with 0 / 0 (met) as 0 and anything over an empty budget as infinite.
fn over_budget(variance: f64, budget: f64) -> f64 {
    if variance <= budget {
        if budget > 0.0 {
            variance / budget
        } else {
            0.0
        }
    } else if budget > 0.0 {
        variance / budget
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shapes_cover_k_up_to_4_and_n_up_to_2_14_within_k_n_2_14() {
        let shapes: Vec<(usize, usize)> = glwe_shapes().map(|s| (s.glwe_dimension, s.polynomial_size)).collect();
        assert_eq!(shapes.len(), 7 + 6 + 5 + 5);
        assert!(shapes.contains(&(1, 16384)) && shapes.contains(&(4, 4096)) && !shapes.contains(&(3, 8192)));
    }

    #[test]
    fn the_scanned_keyswitch_bases_are_the_true_minimizers_at_every_shape() {
        let table = KeyswitchBases::new();
        for n in LWE_DIMENSIONS.step_by(37) {
            for level in 1..=KS_LEVELS {
                for big in [256, 2048, 16384] {
                    let variance = |b| keyswitch_variance_of(big, n, b, level);
                    let full = (1..=KEYSWITCH_BITS / level).min_by(|&a, &b| variance(a).total_cmp(&variance(b)));
                    assert_eq!(variance(table.base_log(n, level)), variance(full.unwrap()), "n={n} level={level}");
                }
            }
        }
    }

    #[test]
    fn the_pbs_bases_minimize_at_every_n() {
        for shape in glwe_shapes().step_by(3) {
            let bases = pbs_base_logs(shape);
            for n in [500, 834, 1200] {
                for level in 1..=PBS_LEVELS {
                    let variance = |b| pbs_variance(n, shape.glwe_dimension, shape.polynomial_size, b, level);
                    let least = (1..=PBS_DECOMPOSITION_BITS / level).map(variance).fold(f64::INFINITY, f64::min);
                    assert!(variance(bases[level - 1]) <= least * (1.0 + 1e-12), "{shape:?} n={n} level={level}");
                }
            }
        }
    }

    #[test]
    fn over_budget_cases() {
        assert_eq!(over_budget(1.0, 2.0), 0.5);
        assert_eq!(over_budget(0.0, 0.0), 0.0);
        assert_eq!(over_budget(1.0, 0.0), f64::INFINITY);
        assert_eq!(over_budget(4.0, 2.0), 2.0);
    }
}
