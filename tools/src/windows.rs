//! Calibrated windows, the driver's last resort for a lookup-table program whose tables cannot keep the model's
//! predictions at any precision over the proven ranges (mnist_cryptonets: its second layer's values are proven to
//! lie within ±209 but stay within ±13 on the data, so a square table over the proven range steps by 16).
//! Every nn value gets [`WINDOW_ATTR`], the range the float model reaches on the calibration rows, widened by
//! [`MARGIN`] of its width at each end; he-lut-fuse makes the tables whose input's proven range is at least twice
//! that wide read the window instead, saturated outside it (`he.clamp`; two bootstraps in the lookup-table model).
//! A clamp's coarse cells (he-to-rt's `clamp-cells`) change its cost, not its result: the driver compiles each of
//! [`CELLS`] and keeps the lowest estimated bootstrap time, unless the user sets them. The result is kept when it
//! predicts like the float model on [`AGREEMENT`] of the rows. The error bound stays proven: it counts what
//! saturation can cost a value outside the window.

use veil_ir::Module;

use crate::index_bits::{Reference, AGREEMENT};
use crate::pipeline::{self, Compiled, Options};
use veil_lowering::he_lut_fuse::window::WINDOW_ATTR;

/// How much each observed range is widened at each end, as a share of its width.
pub const MARGIN: f64 = 0.1;

/// The coarse cells tried (he-to-rt's `clamp-cells`).
pub const CELLS: std::ops::RangeInclusive<u32> = 0..=3;

/// What [`choose`] keeps: the nn program with its windows, the options it was compiled with, the program and the
/// note that says so.
pub type Windowed = (Module, Options, Compiled, String);

/// The program compiled from `nn` with calibrated windows, when it predicts like the float model on [`AGREEMENT`]
/// of the calibration rows; `None` when it does not, or no check applies.
pub fn choose(
    nn: &Module,
    options: &Options,
    compile: impl Fn(&Module, &Options) -> Result<Compiled, String>,
) -> Result<Option<Windowed>, String> {
    let (Some(reference), Some(calibration)) = (Reference::new(nn, options)?, &options.calibration) else {
        return Ok(None);
    };
    // A program the calibration rows cannot run through (several inputs) gets no windows.
    let Ok(windowed) = with_windows(nn, calibration.data()) else { return Ok(None) };
    let user_set = options.pass_options.iter().any(|(p, o)| p == "he-to-rt" && o.contains("clamp-cells"));
    let candidates: Vec<Options> = match user_set {
        true => vec![options.clone()],
        false => CELLS
            .map(|c| {
                let mut o = options.clone();
                o.pass_options.push(("he-to-rt".into(), format!("clamp-cells={c}")));
                o
            })
            .collect(),
    };
    let mut best: Option<(f64, Options, Compiled)> = None;
    for o in candidates {
        let Ok(compiled) = compile(&windowed, &o) else { continue };
        let estimated = pipeline::estimated_bootstrap_s(&compiled)?.unwrap_or(f64::INFINITY);
        if best.as_ref().is_none_or(|(b, _, _)| estimated < *b) {
            best = Some((estimated, o, compiled));
        }
    }
    let Some((estimated, options, compiled)) = best else { return Ok(None) };
    let windows = compiled
        .he
        .as_ref()
        .map_or(0, |he| he.walk().into_iter().filter(|&op| he.op(op).def == &veil_he::CLAMP).count());
    let agreement = reference.agreement(&compiled)?;
    if windows == 0 || agreement < AGREEMENT {
        return Ok(None);
    }
    let note = format!(
        "{windows} layer(s) of tables read calibrated windows (the calibration rows' range of their input, widened \
         by {:.0}% at each end, saturated outside it; one more bootstrap per value): the prediction agrees with the \
         float model's on {:.0}% of the rows, an estimated {estimated:.1} s of bootstraps on one core",
        100.0 * MARGIN,
        100.0 * agreement
    );
    Ok(Some((windowed, options, compiled, note)))
}

/// `nn` with [`WINDOW_ATTR`] on every op of its main function: the range its value reaches on the calibration
/// rows (`data`, the rows one after another), widened by [`MARGIN`].
pub fn with_windows(nn: &Module, data: &[f32]) -> Result<Module, String> {
    let mut m = nn.clone();
    let f = veil_nn::eval::main_func(&m)?;
    let observed = veil_lowering::assign_precision::calibrate(&m, f, data, MARGIN)
        .map_err(|(op, e)| format!("calibrated windows: '{}': {e}", m.op(op).name()))?;
    let mut ops = vec![];
    m.walk_into(f, &mut ops);
    for op in ops {
        let Some(&(lo, hi)) = m.op(op).results.first().and_then(|r| observed.get(r)) else { continue };
        let window = m.float_array_attr(&[lo, hi]);
        m.set_attr(op, WINDOW_ATTR, window);
    }
    Ok(m)
}
