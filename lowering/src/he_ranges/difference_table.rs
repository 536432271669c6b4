//! A relational bound for `a + T(b - a)`: a table of a difference added back to the value subtracted, which is how
//! he-lut-fuse writes `max(a, b)` (`T` = relu). Interval arithmetic on the sum alone forgets that `a` and
//! `b - a` move together: it bounds `a + relu(b - a)` by `hi_a + hi_b - lo_a` instead of `max(hi_a, hi_b)`, so every
//! level of a tree of maxima would need a wider type than the values it holds. Here, for each index box of the
//! table, the differences `d` it covers and the `a` that go with them (`a` in `A`, `a + d` in `B`) bound the sum
//! exactly for any table, coarse or not.
//!
//! The same for `(a + b) + T(b - a)` (he-lut-fuse's maximum with approximate rounding, `2·max(a, b)` as
//! `a + b + |b - a|`): per index box, `a + b = 2a + d` over the same `a` and `d`.
//!
//! The same for `c·x + T(x)`, a table of a value added back to it (he-abs-relu writes `relu(x)` as `x + |x|`, at one
//! more fraction bit, and its exact form as `2k + (|2k + 1| + 1)`): per index box, the `c·x` it covers plus its
//! entry; `c·x` comes as `x` itself or `mul_plain(x, c)` with every element of `c` the same integer.

use std::collections::HashMap;

use veil_he::{self as he, FixedTensor};
use veil_ir::{DenseValues, Module, OpId, Value};

use super::{Interval, TensorRange};

/// The bound of each element of `op`'s result when `op` is `he.add(a, he.lut(he.sub(b, a)))` (in either operand
/// order, every tensor of one shape); `None` for any other op.
pub(super) fn bound(m: &Module, op: OpId, ranges: &HashMap<Value, TensorRange>) -> Option<TensorRange> {
    let data = m.op(op);
    if data.def != &he::ADD {
        return None;
    }
    let [p, q] = data.operands[..] else { return None };
    [(p, q), (q, p)].into_iter().find_map(|(a, t)| {
        of_sum(m, a, t, ranges).or_else(|| of_self_sum(m, a, t, ranges)).or_else(|| of_pair_sum(m, a, t, ranges))
    })
}

/// The bound of `s + t` when `t = T(b - a)` and `s = a + b` (or `mul_plain(a + b, 1)`: the same integers at
/// another scale).
fn of_pair_sum(m: &Module, s: Value, t: Value, ranges: &HashMap<Value, TensorRange>) -> Option<TensorRange> {
    let (table, b, a) = table_of_difference(m, t)?;
    let s = match multiple_of(m, s) {
        Some((x, 1)) => x,
        _ => s,
    };
    let add = m.defining_op(s).filter(|&o| m.op(o).def == &he::ADD)?;
    let [p, q] = m.op(add).operands[..] else { return None };
    if (p, q) != (a, b) && (p, q) != (b, a) {
        return None;
    }
    per_pair(a, b, t, ranges, |ia, ib| table.pair_sum_bound(ia, ib))
}

/// The bound of `a + t` when `t = T(x)` and `a = c·x` (`x` itself or `mul_plain(x, c)`).
fn of_self_sum(m: &Module, a: Value, t: Value, ranges: &HashMap<Value, TensorRange>) -> Option<TensorRange> {
    let lut = m.defining_op(t).filter(|&o| m.op(o).def == &he::LUT)?;
    let x = m.op(lut).operands[0];
    let c = match a == x {
        true => 1,
        false => multiple_of(m, a).filter(|&(of, _)| of == x)?.1,
    };
    let (rx, shape) = (ranges.get(&x)?, &ranges.get(&t)?.shape);
    if &rx.shape != shape || &ranges.get(&a)?.shape != shape {
        return None;
    }
    let table = Table::of(m, lut)?;
    let elems = rx.elems.iter().map(|&ix| table.self_sum_bound(ix, c)).collect::<Option<Vec<_>>>()?;
    Some(TensorRange { shape: shape.clone(), elems })
}

/// `(x, c)` when `v = mul_plain(x, c)` with every element of the constant `c` the same integer (the product's
/// integers are `c` times `x`'s).
fn multiple_of(m: &Module, v: Value) -> Option<(Value, i128)> {
    let mul = m.defining_op(v).filter(|&o| m.op(o).def == &he::MUL_PLAIN)?;
    let [x, c] = m.op(mul).operands[..] else { return None };
    let encode = m.defining_op(c).filter(|&o| m.op(o).def == &he::ENCODE)?;
    match &m.attr_as_dense(m.op(encode).attr("value")?)?.values {
        DenseValues::Int(v) if !v.is_empty() && v.iter().all(|&e| e == v[0]) => Some((x, i128::from(v[0]))),
        _ => None,
    }
}

/// The bound of `a + t` when `t = T(b - a)`.
fn of_sum(m: &Module, a: Value, t: Value, ranges: &HashMap<Value, TensorRange>) -> Option<TensorRange> {
    let (table, b, subtracted) = table_of_difference(m, t)?;
    if subtracted != a {
        return None;
    }
    per_pair(a, b, t, ranges, |ia, ib| table.sum_bound(ia, ib))
}

/// `(T, b, a)` when `t = T(b - a)`, T a lut.
fn table_of_difference(m: &Module, t: Value) -> Option<(Table, Value, Value)> {
    let lut = m.defining_op(t).filter(|&o| m.op(o).def == &he::LUT)?;
    let sub = m.defining_op(m.op(lut).operands[0]).filter(|&o| m.op(o).def == &he::SUB)?;
    let [b, a] = m.op(sub).operands[..] else { return None };
    Some((Table::of(m, lut)?, b, a))
}

/// Per element, `bound` of a's and b's intervals (the elements share few, so each pair is bounded once), when `a`,
/// `b` and `t` have one shape.
fn per_pair(
    a: Value,
    b: Value,
    t: Value,
    ranges: &HashMap<Value, TensorRange>,
    bound: impl Fn(Interval, Interval) -> Option<Interval>,
) -> Option<TensorRange> {
    let (ra, rb) = (ranges.get(&a)?, ranges.get(&b)?);
    let shape = &ranges.get(&t)?.shape;
    if &ra.shape != shape || &rb.shape != shape {
        return None;
    }
    let mut cache: HashMap<(Interval, Interval), Option<Interval>> = HashMap::new();
    let mut elems = Vec::with_capacity(ra.elems.len());
    for (&ia, &ib) in ra.elems.iter().zip(&rb.elems) {
        elems.push((*cache.entry((ia, ib)).or_insert_with(|| bound(ia, ib)))?);
    }
    Some(TensorRange { shape: shape.clone(), elems })
}

/// A lut's entries, shift and index range.
struct Table {
    entries: Vec<i64>,
    shift: u32,
    /// The indices `floor(d / 2^shift)` the entries stand for.
    index: Interval,
}

impl Table {
    fn of(m: &Module, lut: OpId) -> Option<Table> {
        let data = m.op(lut);
        let width = FixedTensor::of(m, m.value_type(data.operands[0]))?.width;
        let shift = data.attr("shift").map_or(Some(0), |a| m.attr_as_int(a))?;
        let shift = u32::try_from(shift).ok().filter(|&s| s < width)?;
        let entries = match &m.attr_as_dense(data.attr("table")?)?.values {
            DenseValues::Int(v) => v.clone(),
            _ => return None,
        };
        let index = Interval::of_width(width - shift);
        (entries.len() as i128 == index.hi - index.lo + 1).then_some(Table { entries, shift, index })
    }

    /// The hull of `a + T(b - a)` over `a` in `ia`, `b` in `ib`: per index box `j`, the differences `d0..=d1` it
    /// covers, and `a` with `a` in `ia` and `a + d` in `ib` for one of them. `None` when the difference can leave
    /// the table (a program that is not range-correct; interval arithmetic alone then).
    fn sum_bound(&self, ia: Interval, ib: Interval) -> Option<Interval> {
        self.per_box(ib - ia, |entry, (d0, d1)| {
            Interval::new(entry + ia.lo.max(ib.lo - d1), entry + ia.hi.min(ib.hi - d0))
        })
    }

    /// The hull of `(a + b) + T(b - a)` over `a` in `ia`, `b` in `ib`: per index box, the differences `d0..=d1` it
    /// covers and `a + b = 2a + d` for the `a` that go with each (`a` in `ia`, `a + d` in `ib`). Its least value,
    /// `max(2·lo_a + d, 2·lo_b - d)`, is convex in d and its greatest, `min(2·hi_a + d, 2·hi_b - d)`, concave: each
    /// is reached where its two lines cross, or at the nearer end of the box.
    fn pair_sum_bound(&self, ia: Interval, ib: Interval) -> Option<Interval> {
        self.per_box(ib - ia, |entry, (d0, d1)| {
            let low = |d: i128| (2 * ia.lo + d).max(2 * ib.lo - d);
            let high = |d: i128| (2 * ia.hi + d).min(2 * ib.hi - d);
            let (dl, dh) = ((ib.lo - ia.lo).clamp(d0, d1), (ib.hi - ia.hi).clamp(d0, d1));
            Interval::new(entry + low(dl), entry + high(dh))
        })
    }

    /// The hull of `c·x + T(x)` over `x` in `ix`: per index box, the `c·x` it covers plus its entry. `None` when
    /// `x` can leave the table.
    fn self_sum_bound(&self, ix: Interval, c: i128) -> Option<Interval> {
        self.per_box(ix, |entry, (x0, x1)| {
            let (a, b) = (c * x0, c * x1);
            Interval::new(entry + a.min(b), entry + a.max(b))
        })
    }

    /// The hull of `bound(entry, (v0, v1))` over the index boxes the table input `v` reaches, `v0..=v1` the part of
    /// `v` in each; `None` when `v` can leave the table.
    fn per_box(&self, v: Interval, bound: impl Fn(i128, (i128, i128)) -> Interval) -> Option<Interval> {
        let boxes = Interval::new(v.lo >> self.shift, v.hi >> self.shift);
        if boxes.intersect(self.index) != Some(boxes) {
            return None;
        }
        (boxes.lo..=boxes.hi)
            .map(|j| {
                let part = (v.lo.max(j << self.shift), v.hi.min(((j + 1) << self.shift) - 1));
                bound(i128::from(self.entries[(j - self.index.lo) as usize]), part)
            })
            .reduce(Interval::hull)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(entries: Vec<i64>, shift: u32, bits: u32) -> Table {
        Table { entries, shift, index: Interval::of_width(bits) }
    }

    fn relu(bits: u32, shift: u32) -> Table {
        let index = Interval::of_width(bits);
        table((index.lo..=index.hi).map(|j| (j << shift).max(0) as i64).collect(), shift, bits)
    }

    #[test]
    fn an_exact_relu_gives_the_maximum() {
        let t = relu(5, 0);
        assert_eq!(t.sum_bound(Interval::new(0, 15), Interval::new(0, 15)), Some(Interval::new(0, 15)));
        assert_eq!(t.sum_bound(Interval::new(-3, 2), Interval::new(5, 9)), Some(Interval::new(5, 9)));
        assert_eq!(t.sum_bound(Interval::new(-8, 7), Interval::new(-8, -8)), Some(Interval::new(-8, 7)));
    }

    #[test]
    fn a_coarse_relu_stays_within_the_operands() {
        // floor(d / 4) * 4: never above the maximum, never below a.
        let t = relu(3, 2);
        assert_eq!(t.sum_bound(Interval::new(0, 15), Interval::new(0, 15)), Some(Interval::new(0, 15)));
        // a = 0, b = 3: d = 3 reads box 0 (0): the sum is 0, below max = 3.
        assert_eq!(t.sum_bound(Interval::point(0), Interval::point(3)), Some(Interval::point(0)));
    }

    #[test]
    fn a_pair_plus_the_absolute_difference_is_twice_the_maximum() {
        let abs = |bits: u32, shift: u32| {
            let index = Interval::of_width(bits);
            let middle = if shift > 0 { 1 << (shift - 1) } else { 0 };
            let entries = (index.lo..=index.hi).map(|j| ((j << shift) + middle).abs() as i64).collect();
            table(entries, shift, bits)
        };
        // Exact: a + b + |b - a| = 2 max(a, b) over [0, 15]: [0, 30]; with b above a, twice b's range.
        assert_eq!(abs(5, 0).pair_sum_bound(Interval::new(0, 15), Interval::new(0, 15)), Some(Interval::new(0, 30)));
        assert_eq!(abs(5, 0).pair_sum_bound(Interval::new(-3, 2), Interval::new(5, 9)), Some(Interval::new(10, 18)));
        // Coarse (boxes of 4, entries at the middle): within the box's half width of 2 max, both ways. Interval
        // arithmetic would give [-32, 46].
        let bound = abs(3, 2).pair_sum_bound(Interval::new(-8, 7), Interval::new(-8, 7)).expect("in the table");
        assert!(bound.lo >= -16 - 2 && bound.hi <= 14 + 2, "{bound:?}");
        // Every point evaluates exactly: a = 1, b = 6, d = 5 reads box 1 (entry 6): 7 + 6.
        assert_eq!(abs(3, 2).pair_sum_bound(Interval::point(1), Interval::point(6)), Some(Interval::point(13)));
    }

    #[test]
    fn a_value_plus_its_absolute_value_is_twice_its_relu() {
        // |x| over 3 index bits of a 5-bit x (shift 2), each entry |middle of its box|: x + |x| ≈ 2 relu(x).
        let index = Interval::of_width(3);
        let abs = (index.lo..=index.hi).map(|j| ((j << 2) + 2).abs() as i64).collect();
        let t = table(abs, 2, 3);
        // x in [-16, -1]: boxes -4..-1, entries 14, 10, 6, 2; x + entry in [-2, 1]: near 0.
        assert_eq!(t.self_sum_bound(Interval::new(-16, -1), 1), Some(Interval::new(-2, 1)));
        // x in [0, 15]: entries 2, 6, 10, 14 on boxes 0..3: [2, 29], near 2x.
        assert_eq!(t.self_sum_bound(Interval::new(0, 15), 1), Some(Interval::new(2, 29)));
        assert_eq!(t.self_sum_bound(Interval::new(0, 16), 1), None, "16 is past the table");
    }

    #[test]
    fn an_exact_floor_s_relu_is_bounded_like_the_relu() {
        // he-abs-relu's exact form: k exact (shift 0), the sum 2k + (|2k + 1| + 1) = v + |v| for v = 2k + 1: 0 for
        // k < 0, 2v for k >= 0. Interval arithmetic gives [2·lo, 2·hi] + [1, ...]: negative, one bit wider.
        let index = Interval::of_width(4);
        let entries = (index.lo..=index.hi).map(|k| ((2 * k + 1).abs() + 1) as i64).collect();
        let t = table(entries, 0, 4);
        assert_eq!(t.self_sum_bound(Interval::new(-8, 7), 2), Some(Interval::new(0, 30)));
        assert_eq!(t.self_sum_bound(Interval::new(-8, -1), 2), Some(Interval::point(0)));
        // k = -3, -2, -1: 3 + 6, 2 + 4, 1 + 2.
        assert_eq!(t.self_sum_bound(Interval::new(-3, -1), -1), Some(Interval::new(3, 9)), "a negative multiple");
    }

    #[test]
    fn points_evaluate_exactly_and_escaping_differences_give_up() {
        let t = table(vec![7, -1, 5, 2], 1, 2);
        // d = 3 - 1 = 2 reads index 1 (entry 2): 1 + 2.
        assert_eq!(t.sum_bound(Interval::point(1), Interval::point(3)), Some(Interval::point(3)));
        // d = -4 reads index -2 (entry 7): 4 + 7.
        assert_eq!(t.sum_bound(Interval::point(4), Interval::point(0)), Some(Interval::point(11)));
        // d up to 4 needs index 2, past the table's 2 bits.
        assert_eq!(t.sum_bound(Interval::new(0, 1), Interval::new(0, 4)), None);
    }
}
