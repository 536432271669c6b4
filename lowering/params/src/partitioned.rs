//! Per-partition parameters. A partition is a set of bootstraps whose outputs meet in leveled combinations, so
//! share one big key; each partition gets its own parameter set, and a bootstrap keyswitches from its source
//! partition's big key (where its input was computed) to its own small key. Tables that need few bits then run at a
//! small N while a wide table elsewhere in the program keeps a large one.
//!
//! The search is a coordinate descent from the single set [`crate::optimize`] chose (feasible for every partition):
//! each partition in turn takes the cheapest set, by the whole program's cost, that meets every constraint it
//! takes part in with the others held, until a round changes nothing. Each step keeps every constraint met and
//! never raises the cost; the result is a local optimum, never worse than one set for all.

use crate::constraint::{hardest_of_each_kind, Constraint, ConstraintKind, Request};
use crate::cost::{bootstrap_key_bytes, CostModel};
use crate::failure::p_fail_within;
use crate::noise::{
    fresh_variance, keyswitch_variance_of, modulus_switch_variance_of, pbs_output_variance, pbs_variance,
    secure_small_key_variance, secure_variance,
};
use crate::search::{
    glwe_shapes, pbs_base_logs, KeyswitchBases, Sources, Target, KS_LEVELS, LWE_DIMENSIONS, PBS_LEVELS,
};
use crate::LutParams;

/// Rounds of the descent at most (each visits every partition); two or three settle the shared models.
const ROUNDS: usize = 8;

/// What the per-partition search returns.
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionedSolution {
    /// One parameter set per partition, in the request's numbering.
    pub partitions: Vec<LutParams>,
    /// The keyswitch keys the program needs: (source partition, partition), each once, sorted.
    pub routes: Vec<(usize, usize)>,
    /// Estimated microseconds of every keyswitch and bootstrap of one run, on one core.
    pub total_us: f64,
    /// The largest failure probability over the constraints.
    pub worst_p_fail: f64,
    /// For every constraint of the request, in its order: (label, variance achieved, failure probability).
    pub per_constraint: Vec<(String, f64, f64)>,
    /// Bytes of the evaluation keys: a bootstrap key per partition that bootstraps, a keyswitch key per route.
    pub key_bytes: u64,
}

/// The noise at the point `constraint` checks, its sources under `partitions[source]` and its bootstrap run by
/// `partitions[partition]`.
pub fn constraint_variance(constraint: &Constraint, partitions: &[LutParams]) -> f64 {
    let (source, own) = (&partitions[constraint.source], &partitions[constraint.partition]);
    let leveled = constraint.noise_weight() * pbs_output_variance(source)
        + constraint.fresh_noise_weight() * fresh_variance(source);
    match constraint.kind {
        ConstraintKind::Pbs => {
            let keyswitch =
                keyswitch_variance_of(source.big_lwe_dimension(), own.lwe_dimension, own.ks_base_log, own.ks_level);
            leveled + keyswitch + modulus_switch_variance_of(own.lwe_dimension, own.polynomial_size)
        }
        ConstraintKind::Decrypt => leveled,
    }
}

/// Bootstraps per route (source, partition), from the PBS constraints' counts.
fn route_counts(request: &Request, partitions: usize) -> Vec<Vec<u64>> {
    let mut counts = vec![vec![0u64; partitions]; partitions];
    for c in request.constraints.iter().filter(|c| c.kind == ConstraintKind::Pbs) {
        counts[c.source][c.partition] += c.count;
    }
    counts
}

/// Estimated microseconds of every keyswitch + bootstrap of the program under `partitions`.
pub fn program_cost_us(request: &Request, partitions: &[LutParams], cost: &CostModel) -> f64 {
    let counts = route_counts(request, partitions.len());
    let mut total = 0.0;
    for (q, row) in counts.iter().enumerate() {
        for (p, &count) in row.iter().enumerate().filter(|(_, &c)| c > 0) {
            total += count as f64 * route_cost_us(cost, &partitions[q], &partitions[p]);
        }
    }
    total
}

/// One keyswitch from `source`'s big key to `own`'s small key and one blind rotation with `own`'s bootstrap key.
fn route_cost_us(cost: &CostModel, source: &LutParams, own: &LutParams) -> f64 {
    cost.blind_rotation_us(own.lwe_dimension, own.glwe_dimension, own.polynomial_size, own.pbs_level)
        + cost.keyswitch_us(source.big_lwe_dimension(), own.lwe_dimension, own.ks_level)
}

/// Per-partition parameters for `request`, whose constraints name their partitions (`0..partitions`), starting from
/// `start`, a single set that meets every constraint (what [`crate::optimize`] returns).
pub fn refine(request: &Request, start: LutParams, partitions: usize, cost: &CostModel) -> PartitionedSolution {
    let partitions = partitions.max(1);
    let mut current = vec![start; partitions];
    let targets: Vec<Target> =
        hardest_of_each_kind(&request.constraints).into_iter().map(|c| Target::new(c, request.p_fail)).collect();
    let counts = route_counts(request, partitions);
    let keyswitch_bases = KeyswitchBases::new();
    for _ in 0..ROUNDS {
        let mut changed = false;
        for p in 0..partitions {
            let step = Step { p, targets: &targets, counts: &counts, cost, keyswitch_bases: &keyswitch_bases };
            if let Some(better) = step.best(&current) {
                current[p] = better;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    judge(request, current, cost)
}

/// Judges per-partition parameters against a request (whether or not they meet it).
pub fn judge(request: &Request, partitions: Vec<LutParams>, cost: &CostModel) -> PartitionedSolution {
    let per_constraint: Vec<(String, f64, f64)> = request
        .constraints
        .iter()
        .map(|c| {
            let variance = constraint_variance(c, &partitions);
            (c.label.clone(), variance, p_fail_within(variance, c.half_box()))
        })
        .collect();
    let counts = route_counts(request, partitions.len());
    let mut routes = vec![];
    for (q, row) in counts.iter().enumerate() {
        routes.extend(row.iter().enumerate().filter(|(_, &c)| c > 0).map(|(p, _)| (q, p)));
    }
    let bootstrapping: std::collections::BTreeSet<usize> = routes.iter().map(|&(_, p)| p).collect();
    let keyswitch_bytes = |&(q, p): &(usize, usize)| {
        let (source, own): (&LutParams, &LutParams) = (&partitions[q], &partitions[p]);
        [source.big_lwe_dimension() as u64, own.ks_level as u64, own.lwe_dimension as u64 + 1, 8]
            .into_iter()
            .fold(1, u64::saturating_mul)
    };
    let key_bytes = bootstrapping
        .iter()
        .map(|&p| bootstrap_key_bytes(&partitions[p]))
        .chain(routes.iter().map(keyswitch_bytes))
        .fold(0, u64::saturating_add);
    PartitionedSolution {
        total_us: program_cost_us(request, &partitions, cost),
        worst_p_fail: per_constraint.iter().map(|&(_, _, p)| p).fold(0.0, f64::max),
        per_constraint,
        routes,
        key_bytes,
        partitions,
    }
}

/// One step of the descent: the cheapest set for partition `p`, the others held.
struct Step<'a> {
    p: usize,
    targets: &'a [Target<'a>],
    counts: &'a [Vec<u64>],
    cost: &'a CostModel,
    keyswitch_bases: &'a KeyswitchBases,
}

impl Step<'_> {
    /// The part of the program's cost that depends on partition p's set: its own bootstraps (keyswitched from
    /// wherever their inputs are) and the keyswitches out of its big key into other partitions.
    fn cost_of(&self, candidate: &LutParams, others: &[LutParams]) -> f64 {
        let p = self.p;
        let mut total = 0.0;
        for (q, row) in self.counts.iter().enumerate() {
            let source = if q == p { candidate } else { &others[q] };
            if row[p] > 0 {
                total += row[p] as f64 * route_cost_us(self.cost, source, candidate);
            }
        }
        for (r, &count) in self.counts[p].iter().enumerate().filter(|&(r, &c)| r != p && c > 0) {
            total += count as f64
                * self.cost.keyswitch_us(candidate.big_lwe_dimension(), others[r].lwe_dimension, others[r].ks_level);
        }
        total
    }

    /// A set for p strictly cheaper than its current one that meets every constraint p takes part in, if any.
    /// Each noise term is computed once where it can be: per shape the keyswitches out of p's big key, per n the
    /// modulus switch, per PBS level p's bootstrap noise, per keyswitch level the switches into p's small key.
    fn best(&self, current: &[LutParams]) -> Option<LutParams> {
        let p = self.p;
        let involved: Vec<&Target> =
            self.targets.iter().filter(|t| t.constraint.source == p || t.constraint.partition == p).collect();
        // Into p (its bootstraps, from p itself or from another partition), and out of p (another partition's
        // bootstraps or a decryption of p's values).
        let (into, out): (Vec<&Target>, Vec<&Target>) =
            involved.into_iter().partition(|t| t.constraint.kind == ConstraintKind::Pbs && t.constraint.partition == p);
        let table_bits = into.iter().map(|t| t.constraint.required_table_bits()).max().unwrap_or(0);
        let sources = |q: usize| Sources { fresh: fresh_variance(&current[q]), pbs: pbs_output_variance(&current[q]) };
        let mut best = (self.cost_of(&current[p], current), None);
        for shape in glwe_shapes().filter(|s| s.polynomial_size_log2 >= table_bits) {
            let (k, big_n, big) = (shape.glwe_dimension, shape.polynomial_size, shape.big_lwe_dimension());
            let pbs_bases = pbs_base_logs(shape);
            let fresh = secure_variance(big);
            // The switching noise of each outgoing constraint: from p's big key into its partition's small key.
            let out_switching: Vec<f64> = out
                .iter()
                .map(|t| match t.constraint.kind {
                    ConstraintKind::Pbs => {
                        let own = &current[t.constraint.partition];
                        keyswitch_variance_of(big, own.lwe_dimension, own.ks_base_log, own.ks_level)
                            + modulus_switch_variance_of(own.lwe_dimension, own.polynomial_size)
                    }
                    ConstraintKind::Decrypt => 0.0,
                })
                .collect();
            for n in LWE_DIMENSIONS {
                let lwe_noise_std = secure_small_key_variance(n).sqrt();
                let candidate = |pbs_level: usize, ks_level: usize| LutParams {
                    lwe_dimension: n,
                    glwe_dimension: k,
                    polynomial_size: big_n,
                    lwe_noise_std,
                    glwe_noise_std: fresh.sqrt(),
                    pbs_base_log: pbs_bases[pbs_level - 1],
                    pbs_level,
                    ks_base_log: self.keyswitch_bases.base_log(n, ks_level),
                    ks_level,
                };
                // The cost grows with n and both level counts: past the best, nothing larger can win.
                if self.cost_of(&candidate(1, 1), current) >= best.0 {
                    break;
                }
                let modulus_switch = modulus_switch_variance_of(n, big_n);
                // The keyswitch into p's small key at each level, from each source's big key.
                let keyswitch = |source_big: usize| -> [f64; KS_LEVELS] {
                    std::array::from_fn(|i| {
                        keyswitch_variance_of(source_big, n, self.keyswitch_bases.base_log(n, i + 1), i + 1)
                    })
                };
                let into_noise: Vec<(Sources, [f64; KS_LEVELS])> = into
                    .iter()
                    .map(|t| match t.constraint.source {
                        q if q == p => (Sources { fresh, pbs: 0.0 }, keyswitch(big)),
                        q => (sources(q), keyswitch(current[q].big_lwe_dimension())),
                    })
                    .collect();
                let mut any_level_serves_out = false;
                for pbs_level in 1..=PBS_LEVELS {
                    let own = Sources { fresh, pbs: pbs_variance(n, k, big_n, pbs_bases[pbs_level - 1], pbs_level) };
                    if !out.iter().zip(&out_switching).all(|(t, &switching)| t.met(own, switching)) {
                        continue;
                    }
                    any_level_serves_out = true;
                    for ks_level in 1..=KS_LEVELS {
                        let params = candidate(pbs_level, ks_level);
                        let cost_us = self.cost_of(&params, current);
                        if cost_us >= best.0 {
                            break;
                        }
                        let meets = into.iter().zip(&into_noise).all(|(t, (source, keyswitch))| {
                            let source = if t.constraint.source == p { own } else { *source };
                            t.met(source, keyswitch[ks_level - 1] + modulus_switch)
                        });
                        if meets {
                            best = (cost_us, Some(params));
                            break;
                        }
                    }
                }
                // What leaves p only gets noisier with n (its bootstrap noise grows): no larger n serves it.
                if !any_level_serves_out {
                    break;
                }
            }
        }
        best.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize;

    fn pbs(label: &str, precision: u32, norm2_squared: f64, route: (usize, usize), count: u64) -> Constraint {
        Constraint {
            label: label.into(),
            kind: ConstraintKind::Pbs,
            precision,
            table_bits: precision,
            multiplier_log2: 0,
            norm2_squared,
            fresh_norm2_squared: 0.0,
            source: route.0,
            partition: route.1,
            count,
            margin: 1.0,
        }
    }

    /// A CNN-like program: 256 narrow tables on fresh inputs (partition 0), 32 wide ones on their outputs
    /// (partition 1), decrypted logits.
    fn two_layers() -> Request {
        let first = Constraint { norm2_squared: 0.0, fresh_norm2_squared: 400.0, ..pbs("first", 4, 0.0, (0, 0), 256) };
        let second = pbs("second", 6, 300.0, (0, 1), 32);
        let logits =
            Constraint { kind: ConstraintKind::Decrypt, table_bits: 0, ..pbs("logits", 10, 200.0, (1, 1), 10) };
        Request::new(vec![first, second, logits])
    }

    #[test]
    fn narrow_tables_get_a_cheaper_set_and_every_constraint_stays_met() {
        let request = two_layers();
        let cost = CostModel::default();
        let single = optimize(&request, &cost).unwrap();
        let refined = refine(&request, single.params, 2, &cost);
        let [narrow, wide] = refined.partitions[..] else { panic!("two partitions") };
        assert!(narrow.polynomial_size < wide.polynomial_size, "{narrow:?} vs {wide:?}");
        assert!(refined.total_us < program_cost_us(&request, &[single.params; 2], &cost));
        assert!(refined.worst_p_fail <= request.p_fail, "{:?}", refined.per_constraint);
        assert_eq!(refined.routes, [(0, 0), (0, 1)]);
    }

    #[test]
    fn one_partition_keeps_the_single_optimum() {
        let mut request = two_layers();
        request.constraints.iter_mut().for_each(|c| (c.source, c.partition) = (0, 0));
        let cost = CostModel::default();
        let single = optimize(&request, &cost).unwrap();
        assert_eq!(refine(&request, single.params, 1, &cost).partitions, [single.params]);
    }
}
