//! Calibrated windows: a table whose input's proven range is far wider than the values it meets reads a window
//! of it instead, saturated at the ends (`he.clamp`), at the full index precision over the window.
//!
//! A value's defining op asks for one with [`WINDOW_ATTR`] `= [lo, hi]` (real numbers: the driver's, from the
//! calibration rows). he-lut-fuse then puts `clamp(x) {lo, hi}` (x's integers, the window rounded outwards, within
//! x's proven range) before the table, which indexes the clamp's range. The error bound counts the saturation: an x
//! outside the window reads the entry of its nearer end (`crate::lut_deviation`).
//!
//! In the lookup-table model a clamp is two bootstraps and a difference ([`ClampPlan`], he-to-rt): a coarse table
//! on x gives, per cell of `2^c` integers, an offset that moves a cell beyond the window to within `3·2^c` of its
//! end (0 for the cells in and next to it); `y = x − offset` is then narrow, re-encoded at its own width (the
//! bits above wrap away), and the table reads y with its entries extended over the margins by the ends' entries.
//! A coarse read that takes a neighbouring cell (approximate rounding) still lands y in the same margin, and
//! leaves every x of the window unchanged: the result is the clamp's, bit for bit.

use veil_he::{self as he, FixedTensor};
use veil_ir::{Module, OpId, Value};

use crate::he_plaintext_bypass::shared::build;
use crate::he_ranges::{type_width_for, Interval};

/// The discardable attribute that asks, on the op defining a value, that the tables reading it read the window
/// `[lo, hi]` (reals) of it, saturated at the ends.
pub const WINDOW_ATTR: &str = "veil.window";

/// The most index bits of the coarse table (the verifier's table size).
const MOST_COARSE_BITS: u32 = he::rules::MAX_LUT_INPUT_WIDTH;

/// The window `[lo, hi]` (reals) `op` asks for the tables reading its value (or the one it rescales), if any.
pub fn window_of(m: &Module, op: OpId) -> Option<(f64, f64)> {
    let values = m.attr_as_float_array(m.op(op).attr(WINDOW_ATTR)?)?;
    match values.as_slice() {
        &[lo, hi] if lo.is_finite() && hi.is_finite() && lo <= hi => Some((lo, hi)),
        _ => None,
    }
}

/// A `he.clamp` of `x` (of type `input`, proven `range`) to the window `[lo, hi]` before `at`, when the window is
/// at most half of the range and the lookup-table model can run it ([`ClampPlan::new`]): the clamp's value and
/// its integer range.
pub fn clamp_to_window(
    m: &mut Module,
    at: OpId,
    x: Value,
    input: &FixedTensor,
    range: Interval,
    (lo, hi): (f64, f64),
) -> Option<(Value, Interval)> {
    let scale = f64::from(input.frac).exp2();
    let window = Interval::new(
        ((lo * scale).floor() as i128).clamp(range.lo, range.hi),
        ((hi * scale).ceil() as i128).clamp(range.lo, range.hi),
    );
    let (span, narrowed) = (window.hi - window.lo + 1, range.hi - range.lo + 1);
    if span * 2 > narrowed {
        return None;
    }
    ClampPlan::new(input.width, range, window, 0)?;
    let (lo, hi) = (i64::try_from(window.lo).ok()?, i64::try_from(window.hi).ok()?);
    let attrs = vec![("lo".to_string(), m.int_attr(lo)), ("hi".to_string(), m.int_attr(hi))];
    let out = input.with_width(type_width_for(window));
    Some((build(m, at, &he::CLAMP, &[x], &out, attrs), window))
}

/// How the lookup-table model runs `clamp(x) {lo, hi}` for an x of `width` bits and proven `range`: a coarse
/// table at `cell_bits` low bits dropped whose entries are the offsets, and the range of `y = x − offset`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClampPlan {
    pub cell_bits: u32,
    /// One offset per index of the coarse table (index `i` for the cell `i − 2^(width − cell_bits − 1)`).
    pub offsets: Vec<i64>,
    /// The range of `x − offset`: the window with a margin of three cells at each end.
    pub y: Interval,
}

impl ClampPlan {
    /// The plan with cells of `2^wider` times a quarter of the window, rounded down to a power of two, or the
    /// nearest wider ones that fit (narrower cells cost index bits of the coarse table, wider ones widen y's
    /// margins: the driver tries several, he-to-rt's `clamp-cells`): the coarse table within 12 index bits and with
    /// one cell of headroom past each end of the range (a neighbouring read must stay on the table, not wrap);
    /// then the narrower cells; `None` when none fits.
    pub fn new(width: u32, range: Interval, window: Interval, wider: u32) -> Option<ClampPlan> {
        let span = window.hi - window.lo + 1;
        let quarter = (span / 4).max(1).ilog2();
        let last = width.saturating_sub(1);
        let preferred = (quarter + wider).min(last);
        (preferred..last).chain(quarter..preferred).find_map(|c| ClampPlan::with_cells(width, range, window, c))
    }

    fn with_cells(width: u32, range: Interval, window: Interval, c: u32) -> Option<ClampPlan> {
        let bits = width - c;
        if bits > MOST_COARSE_BITS {
            return None;
        }
        let half = 1i128 << (bits - 1);
        if (range.lo >> c) - 1 < -half || (range.hi >> c) + 1 >= half {
            return None;
        }
        let cell = 1i128 << c;
        let (low, high) = (window.lo, window.hi + 1);
        let offsets = (0..2 * half)
            .map(|i| {
                let start = (i - half) << c;
                let above = (start - high - cell).max(0);
                let below = (start + 2 * cell - low).min(0);
                i64::try_from(above + below).ok()
            })
            .collect::<Option<Vec<_>>>()?;
        let y = Interval::new(low - 3 * cell, high + 3 * cell - 1);
        Some(ClampPlan { cell_bits: c, offsets, y })
    }

    /// The offset a read of cell index `i` (table position) gives.
    pub fn offset(&self, i: usize) -> i64 {
        self.offsets[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y for x when the coarse read takes cell `cell(x) + d`.
    fn y(plan: &ClampPlan, width: u32, x: i128, d: i128) -> i128 {
        let half = 1i128 << (width - plan.cell_bits - 1);
        let i = (x >> plan.cell_bits) + half + d;
        x - i128::from(plan.offset(i as usize))
    }

    #[test]
    fn every_read_within_a_cell_keeps_the_window_and_saturates_the_rest() {
        let (width, range, window) = (12, Interval::new(-1500, 1900), Interval::new(-100, 60));
        let plan = ClampPlan::new(width, range, window, 0).unwrap();
        assert_eq!(plan.cell_bits, 5, "a quarter of the 161-wide window, rounded down to a power of two");
        assert_eq!(plan.y, Interval::new(-100 - 96, 61 + 96 - 1));
        for x in range.lo..=range.hi {
            for d in -1..=1 {
                let y = y(&plan, width, x, d);
                assert!((plan.y.lo..=plan.y.hi).contains(&y), "x = {x}, d = {d}: y = {y}");
                match x {
                    x if x < window.lo => assert!(y < window.lo, "x = {x}, d = {d}: y = {y}"),
                    x if x > window.hi => assert!(y > window.hi, "x = {x}, d = {d}: y = {y}"),
                    x => assert_eq!(y, x, "d = {d}"),
                }
            }
        }
    }

    #[test]
    fn a_range_that_fills_its_width_gets_wider_cells_or_none() {
        // No headroom at 12 bits for any cell size: the range reaches both ends of i12.
        assert_eq!(ClampPlan::new(12, Interval::new(-2048, 2047), Interval::new(-8, 8), 0), None);
        // 20 bits with a window of 8: cells of 2 would need 19 index bits; cells of 2^8 need 12.
        let plan = ClampPlan::new(20, Interval::new(-300_000, 300_000), Interval::new(-4, 3), 0).unwrap();
        assert_eq!(plan.cell_bits, 8);
        // Wider cells when asked: 2^3 times a quarter of a 161-wide window (2^5), in an i14...
        let (range, window) = (Interval::new(-1500, 1900), Interval::new(-100, 60));
        let plan = ClampPlan::new(14, range, window, 3).unwrap();
        assert_eq!((plan.cell_bits, plan.y), (8, Interval::new(-100 - 768, 61 + 768 - 1)));
        // ...but in an i12 cells of 2^8 or more leave no headroom past 1900: the quarter window's 2^5.
        assert_eq!(ClampPlan::new(12, range, window, 3).unwrap().cell_bits, 5);
    }
}
