//! The attributes the nn level puts on function arguments: `veil.secret` (the client encrypts this input) and
//! `veil.range = [lo, hi]` (the input's values lie in this closed interval), written by the importer or by
//! hand and read by the precision pass. Readers, writers and the check of their form live here.

use veil_ir::builtin::{arg_attr, func_signature, set_arg_attr};
use veil_ir::{AttrKind, Diagnostic, Diagnostics, Module, OpId};

/// Unit attribute: the argument is encrypted by the client; the server never sees its value.
pub const SECRET: &str = "veil.secret";
/// `[lo, hi]`, two numbers with `lo <= hi`: the argument's elements lie in `[lo, hi]`.
pub const RANGE: &str = "veil.range";

/// Whether argument `index` of function `f` is marked `veil.secret`.
pub fn is_secret(m: &Module, f: OpId, index: usize) -> bool {
    arg_attr(m, f, index, SECRET).is_some_and(|a| matches!(m.attr(a), AttrKind::Unit))
}

/// Marks (or unmarks) argument `index` of `f` as secret.
pub fn set_secret(m: &mut Module, f: OpId, index: usize, secret: bool) {
    let value = secret.then(|| m.unit_attr());
    set_arg_attr(m, f, index, SECRET, value);
}

/// The declared range of argument `index` of `f`: `None` when absent, an error when malformed.
pub fn input_range(m: &Module, f: OpId, index: usize) -> Result<Option<(f64, f64)>, String> {
    let Some(a) = arg_attr(m, f, index, RANGE) else { return Ok(None) };
    match m.attr_as_float_array(a).as_deref() {
        Some(&[lo, hi]) if lo.is_finite() && hi.is_finite() && lo <= hi => Ok(Some((lo, hi))),
        _ => Err(format!(
            "argument #{index}: '{RANGE}' must be [lo, hi] with finite numbers lo <= hi, got {}",
            veil_ir::attr_to_string(m, a)
        )),
    }
}

/// Sets (or with `None` removes) the declared range of argument `index` of `f`.
pub fn set_input_range(m: &mut Module, f: OpId, index: usize, range: Option<(f64, f64)>) {
    let value = range.map(|(lo, hi)| m.float_array_attr(&[lo, hi]));
    set_arg_attr(m, f, index, RANGE, value);
}

/// Checks the form of `veil.secret` and `veil.range` on every argument of `f`.
pub fn verify_func_args(m: &Module, f: OpId) -> Result<(), String> {
    for index in 0..func_signature(m, f).0.len() {
        if let Some(a) = arg_attr(m, f, index, SECRET) {
            if !matches!(m.attr(a), AttrKind::Unit) {
                return Err(format!(
                    "argument #{index}: '{SECRET}' is a unit attribute and takes no value, got {}",
                    veil_ir::attr_to_string(m, a)
                ));
            }
        }
        input_range(m, f, index)?;
    }
    Ok(())
}

/// [`verify_func_args`] for every function of the module, with errors at the functions' locations.
/// (The core verifier has no hook for dialect argument attributes; drivers call this after parsing.)
pub fn verify_args(m: &Module) -> Result<(), Diagnostics> {
    let errors: Vec<Diagnostic> = m
        .funcs()
        .into_iter()
        .filter_map(|f| verify_func_args(m, f).err().map(|e| Diagnostic::error(m.op(f).loc.clone(), e)))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(m.report(errors))
    }
}

/// The range an argument of shape `shape` gets from a front end's options: `range` as given (it must be
/// `lo <= hi`, finite), or the minimum and maximum of calibration samples (whole inputs of that shape, finite
/// values), or `None` without either. Errors say what is wrong with the range or the samples.
pub fn input_range_from(
    range: Option<(f64, f64)>,
    samples: Option<&crate::eval::Tensor<f32>>,
    shape: &[u64],
) -> Result<Option<(f64, f64)>, String> {
    if let Some((lo, hi)) = range {
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(format!("the input range [{lo}, {hi}] is not lo <= hi"));
        }
        return Ok(Some((lo, hi)));
    }
    let Some(data) = samples else { return Ok(None) };
    let per_input = crate::shapes::num_elements(shape).unwrap_or(0) as usize;
    if data.is_empty() || per_input == 0 || !data.len().is_multiple_of(per_input) {
        return Err(format!(
            "{} values of shape {:?} do not make whole inputs of shape {shape:?} ({per_input} values each)",
            data.len(),
            data.shape()
        ));
    }
    if data.data().iter().any(|v| !v.is_finite()) {
        return Err("the data holds NaN or infinite values".into());
    }
    let lo = data.data().iter().copied().fold(f32::INFINITY, f32::min);
    let hi = data.data().iter().copied().fold(f32::NEG_INFINITY, f32::max);
    Ok(Some((f64::from(lo), f64::from(hi))))
}
