//! How far a lookup-table-model he program strays from the real functions it stands for, per source location: what
//! the error bound of `veil accuracy` adds, op by op, to the radix model's arithmetic for that model.
//!
//! In the radix model every non-linear op computes its function exactly on the integers, after one rescale (a
//! floor of one unit). In the lookup-table model a table reads its input at fewer bits (he-lut-fuse: the middle of
//! each box), its entries are re-quantized, approximate rounding may read a neighbouring entry, an exact floor
//! drops whole boxes (he-abs-relu), and he-table-grid rounds constants to a coarser grid. Each is measured here on
//! the compiled program itself, over its input's proven integer range:
//!
//! - a `he.lut` with real function g (its [`REAL_ATTR`]): the largest `|T / 2^f_out − g(x / 2^f_in)|` over every
//!   integer x of the range and every entry T a lookup of x may return (the entry of its index; with approximate
//!   rounding and dropped bits, a neighbour too: past the table's ends the negated entry of the other end, or for a
//!   full-domain table the other end's). Within one index's box the entry is one number and g is monotone but at
//!   0 (relu, square, abs and their compositions), so the box's ends and 0 are the only points to try.
//! - a `he.rescale` (an exact floor): below its input by less than one box, `(2^s − 1)` units of the input (a
//!   closed form: a floor's range is not bounded by a table's size);
//! - an op carrying [`ROUNDED_ATTR`]: that number.
//!
//! Each is a bound of the real value's change at that op's result, given its input. [`deviations`] sums them by the
//! op's location, which is the nn op it was lowered from: an ONNX node, an IR line. A table stands for a chain of
//! element-wise steps, so its location may be a step other than the last (a rescale before a relu, or one a
//! binary op inserted to align its operands); each such step is 1-Lipschitz or the add/sub/max that follows it,
//! so that adding the deviation there bounds the same error (for a square, more).

use std::collections::HashMap;

use veil_he::FixedTensor;
use veil_ir::{DenseValues, Location, Module, OpId, Value};
use veil_rt::tfhe_config::{full_domain_offset, Rounding};

use crate::he_lut_fuse::{real_of, REAL_ATTR, REAL_STEPS};
use crate::he_plaintext_bypass::shared::tensor;
use crate::he_ranges::{integer_ranges, Interval};
use crate::he_table_grid::ROUNDED_ATTR;

/// The summed deviation (in real units) of every op of `m` (a lookup-table-model he program, after he-lut-fuse and
/// he-table-grid) by its location, for a program run with `rounding`.
pub fn deviations(m: &Module, rounding: Rounding) -> Result<HashMap<Location, f64>, String> {
    let mut by_loc: HashMap<Location, f64> = HashMap::new();
    for f in m.funcs() {
        let ranges = integer_ranges(m, f).map_err(|d| d.to_string())?;
        let mut ops = vec![];
        m.walk_into(f, &mut ops);
        for op in ops {
            let deviation = of_op(m, op, &ranges, rounding)?;
            if deviation > 0.0 {
                *by_loc.entry(m.op(op).loc.clone()).or_default() += deviation;
            }
        }
    }
    Ok(by_loc)
}

/// One op's deviation (0 for an exact op).
fn of_op(m: &Module, op: OpId, ranges: &HashMap<Value, Interval>, rounding: Rounding) -> Result<f64, String> {
    let data = m.op(op);
    let rounded = data.attr(ROUNDED_ATTR).and_then(|a| m.attr_as_float(a)).unwrap_or(0.0);
    let is_lut = data.def == &veil_he::LUT;
    if !is_lut && data.def != &veil_he::RESCALE {
        return Ok(rounded);
    }
    let x = data.operands[0];
    let what = || format!("'{}' at {:?}", data.name(), data.loc);
    let (Some(input), Some(output), Some(&range)) = (tensor(m, x), tensor(m, data.result()), ranges.get(&x)) else {
        return Err(format!("{}: no proven range or fixed-point types", what()));
    };
    let shift = data.attr("shift").and_then(|a| m.attr_as_int(a)).unwrap_or(0);
    if !is_lut {
        return floor_deviation(&input, &output, shift).map(|d| rounded + d).map_err(|e| format!("{}: {e}", what()));
    }
    let table = match data.attr("table").and_then(|a| m.attr_as_dense(a)).map(|d| &d.values) {
        Some(DenseValues::Int(t)) => t.clone(),
        _ => return Err(format!("{}: no integer table", what())),
    };
    let real = real_of(m, op).ok_or_else(|| {
        format!("{}: the table records no real function ({REAL_ATTR}): its error cannot be bounded", what())
    })?;
    let real = Real::parse(&real).map_err(|e| format!("{}: {e}", what()))?;
    let approximate = rounding == Rounding::Approximate && shift > 0;
    let lookup = Lookup { full_domain: full_domain_offset(&table).is_some(), table, real, approximate };
    // A table past a clamp (a calibrated window) stands for g of the clamp's input, over that input's range.
    let clamp = m.defining_op(x).filter(|&c| m.op(c).def == &veil_he::CLAMP);
    let outer = clamp.and_then(|c| ranges.get(&m.op(c).operands[0]).copied()).unwrap_or(range);
    Ok(rounded + lookup.deviation(&input, &output, shift, range, outer))
}

/// An exact floor's deviation: its result, at `shift` fewer fraction bits, lies below its input by less than one
/// box, `(2^shift − 1)` units of the input (a closed form: the range may be far wider than a table's).
fn floor_deviation(input: &FixedTensor, output: &FixedTensor, shift: i64) -> Result<f64, String> {
    if i64::from(output.frac) != i64::from(input.frac) - shift {
        return Err(format!("a floor by {shift} bits from frac {} to frac {}", input.frac, output.frac));
    }
    Ok(((shift as f64).exp2() - 1.0) * (-f64::from(input.frac)).exp2())
}

/// A table standing for `real`, read exactly or (`approximate`) possibly at a neighbouring index.
struct Lookup {
    table: Vec<i64>,
    real: Real,
    approximate: bool,
    full_domain: bool,
}

impl Lookup {
    /// The largest deviation over the integers of `range`, at index `floor(x / 2^shift)`: at most 2^12 boxes (the
    /// verifier's table size). `outer` is the range of a clamp's input when the table reads a clamp (`range` is
    /// then the window): an x outside the window reads the box of the window's nearer end.
    fn deviation(
        &self,
        input: &FixedTensor,
        output: &FixedTensor,
        shift: i64,
        range: Interval,
        outer: Interval,
    ) -> f64 {
        let (in_scale, out_scale) = ((-f64::from(input.frac)).exp2(), (-f64::from(output.frac)).exp2());
        let half = 1i128 << (i64::from(input.width) - shift - 1).max(0);
        // The integers lo..=hi all read table index `index`: g is monotone on each side of 0, so the ends and 0
        // are the points to try.
        let worst_over = |index: i128, lo: i128, hi: i128| -> f64 {
            let entries = self.entries(index);
            let points = [Some(lo), Some(hi), (lo < 0 && hi > 0).then_some(0)];
            let wants = points.into_iter().flatten().map(|x| self.real.apply(x as f64 * in_scale));
            wants.flat_map(|want| entries.iter().map(move |&e| (e as f64 * out_scale - want).abs())).fold(0.0, f64::max)
        };
        let boxes = ((range.lo >> shift)..=(range.hi >> shift))
            .map(|k| worst_over(k + half, (k << shift).max(range.lo), (((k + 1) << shift) - 1).min(range.hi)));
        let saturated = [(range.lo, outer.lo), (range.hi, outer.hi)]
            .map(|(end, far)| worst_over((end >> shift) + half, end.min(far), end.max(far)));
        boxes.chain(saturated).fold(0.0, f64::max)
    }

    /// The entries a lookup of table index `index` may return.
    fn entries(&self, index: i128) -> Vec<i128> {
        let len = self.table.len() as i128;
        let at = |j: i128| match j {
            j if (0..len).contains(&j) => i128::from(self.table[j as usize]),
            j if self.full_domain => i128::from(self.table[j.rem_euclid(len) as usize]),
            j if j < 0 => -i128::from(self.table[(len - 1) as usize]),
            _ => -i128::from(self.table[0]),
        };
        match self.approximate {
            true => (index - 1..=index + 1).map(at).collect(),
            false => vec![at(index)],
        }
    }
}

/// A real function as a [`REAL_ATTR`] names it.
#[derive(Debug)]
struct Real(Vec<&'static str>);

impl Real {
    fn parse(text: &str) -> Result<Real, String> {
        let steps = text.split(',').map(str::trim).filter(|s| !s.is_empty());
        let known = |s: &str| REAL_STEPS.iter().find(|&&k| k == s).copied();
        steps
            .map(|s| {
                known(s).ok_or_else(|| format!("unknown step '{s}' in {REAL_ATTR} (known: {})", REAL_STEPS.join(", ")))
            })
            .collect::<Result<_, _>>()
            .map(Real)
    }

    fn apply(&self, v: f64) -> f64 {
        self.0.iter().fold(v, |v, &step| match step {
            "relu" => v.max(0.0),
            "square" => v * v,
            "neg" => -v,
            "abs" => v.abs(),
            _ => v / 2.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(width: u32, frac: i32) -> FixedTensor {
        FixedTensor::new(veil_he::Kind::Cipher, [1u64], width, frac)
    }

    #[test]
    fn a_relu_table_at_the_middle_of_each_box_errs_by_half_a_box_plus_its_rounding() {
        // x: i8 at frac 4, 3 bits dropped: boxes of 8 units (0.5); entries relu(middle) at frac 4.
        let table: Vec<i64> = (0..32).map(|j| (((j - 16) << 3) + 4).max(0)).collect();
        let lookup = Lookup { table, real: Real::parse("relu").unwrap(), approximate: false, full_domain: false };
        let d = lookup.deviation(&t(8, 4), &t(8, 4), 3, Interval { lo: -100, hi: 100 }, Interval { lo: -100, hi: 100 });
        // In a box [8k, 8k + 7] the entry is 8k + 4: off by 4 units at the box's start (0.25).
        assert_eq!(d, 0.25);
        // Approximate rounding may read a neighbour: 12 units away at most.
        let near = Lookup { approximate: true, ..lookup };
        assert_eq!(
            near.deviation(&t(8, 4), &t(8, 4), 3, Interval { lo: -100, hi: 100 }, Interval { lo: -100, hi: 100 }),
            0.75
        );
    }

    #[test]
    fn past_a_clamp_the_far_ends_read_the_windows_end_boxes() {
        // The relu table of the test above behind a clamp to [-100, 100] of an x in [-300, 300]: x = 300 (18.75)
        // reads the box of 100, whose entry is 100 (6.25): 12.5 off; below the window relu is 0 either way.
        let table: Vec<i64> = (0..32).map(|j| (((j - 16) << 3) + 4).max(0)).collect();
        let lookup = Lookup { table, real: Real::parse("relu").unwrap(), approximate: false, full_domain: false };
        let window = Interval { lo: -100, hi: 100 };
        assert_eq!(lookup.deviation(&t(8, 4), &t(8, 4), 3, window, Interval { lo: -300, hi: 300 }), 12.5);
        assert_eq!(lookup.deviation(&t(8, 4), &t(8, 4), 3, window, Interval { lo: -300, hi: 100 }), 0.25);
    }

    #[test]
    fn a_floor_errs_by_its_box_less_one_unit() {
        assert_eq!(floor_deviation(&t(10, 6), &t(6, 2), 4), Ok(15.0 / 64.0));
        assert!(floor_deviation(&t(10, 6), &t(6, 3), 4).unwrap_err().contains("from frac 6 to frac 3"));
    }

    #[test]
    fn compositions_and_unknown_steps() {
        assert_eq!(Real::parse("abs,half").unwrap().apply(-3.0), 1.5);
        assert_eq!(Real::parse("relu,square").unwrap().apply(-3.0), 0.0);
        assert_eq!(Real::parse("").unwrap().apply(-3.0), -3.0);
        assert!(Real::parse("cube").unwrap_err().contains("unknown step 'cube'"));
    }

    const PROGRAM: &str = r#"func.func @main(%x: !he.ct<4xi8, frac = 4> {veil.range = [-4.0, 4.0]}) -> !he.ct<4xi8, frac = 4> {
  %0 = "he.lut"(%x) {shift = 3, table = dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 12, 20, 28, 36, 44, 52, 60, 68, 76, 84, 92, 100, 108, 116, 124]> : tensor<32xi8>, veil.real = "relu"} : (!he.ct<4xi8, frac = 4>) -> !he.ct<4xi8, frac = 4>
  func.return %0 : !he.ct<4xi8, frac = 4>
}
"#;

    #[test]
    fn deviations_are_measured_on_the_program_by_location() {
        let m = veil_ir::parse_and_verify("t.mlir", PROGRAM, &crate::registry()).unwrap();
        let exact = deviations(&m, Rounding::Exact).unwrap();
        let approximate = deviations(&m, Rounding::Approximate).unwrap();
        assert_eq!(exact.len(), 1);
        // Boxes of 8 units of 1/16 (0.5), entries relu of the box's middle: a quarter off at most; a neighbour's
        // entry three quarters.
        assert_eq!(exact.values().copied().collect::<Vec<_>>(), [0.25]);
        assert_eq!(approximate.values().copied().collect::<Vec<_>>(), [0.75]);
        let unknown = PROGRAM.replace(", veil.real = \"relu\"", "");
        let m = veil_ir::parse_and_verify("t.mlir", &unknown, &crate::registry()).unwrap();
        let e = deviations(&m, Rounding::Exact).unwrap_err();
        assert!(e.contains("the table records no real function (veil.real)"), "{e}");
    }
}
