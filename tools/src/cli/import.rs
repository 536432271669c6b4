//! `veil import MODEL [-o OUT.mlir] [--input-range LO,HI] [--calibration FILE.npy]`: prints (or writes) the nn
//! IR of an ONNX model or an upstream MLIR program (TOSA, linalg: the MLIR front end); the importer's notes go to
//! stderr.

use std::path::PathBuf;

use clap::Args;
use veil_ir::print_module;

use super::model_args::LimitsFlag;
use super::{npy, Output};
use crate::pipeline::{self, Options};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The model: an ONNX file, or an MLIR file in upstream dialects (TOSA, linalg; needs the mlir feature)
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    /// Write the IR to this file instead of stdout
    #[arg(short, long, value_name = "OUT.mlir")]
    pub output: Option<PathBuf>,
    /// The range of every input element, e.g. 0,1 (the inputs' `veil.range`)
    #[arg(long, value_name = "LO,HI", value_parser = parse_range, allow_hyphen_values = true)]
    pub input_range: Option<(f64, f64)>,
    /// Sample inputs whose minimum and maximum give the input range
    #[arg(long, value_name = "FILE.npy", conflicts_with = "input_range")]
    pub calibration: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitsFlag,
}

/// `LO,HI` with finite `LO <= HI`.
pub(crate) fn parse_range(text: &str) -> Result<(f64, f64), String> {
    let bad = || format!("expected LO,HI with finite numbers LO <= HI, got '{text}'");
    let (lo, hi) = text.split_once(',').ok_or_else(bad)?;
    let (lo, hi): (f64, f64) = (lo.trim().parse().map_err(|_| bad())?, hi.trim().parse().map_err(|_| bad())?);
    if lo.is_finite() && hi.is_finite() && lo <= hi {
        Ok((lo, hi))
    } else {
        Err(bad())
    }
}

pub fn run(args: &ImportArgs) -> Output {
    let calibration = match args.calibration.as_deref().map(npy::read_f32).transpose() {
        Ok(c) => c,
        Err(e) => return Output::error(e),
    };
    let limits = match args.limits.limits() {
        Ok(l) => l,
        Err(e) => return Output::error(e),
    };
    let is_program = std::fs::read_to_string(&args.model).ok().is_some_and(|text| {
        args.model.extension().is_some_and(|e| e == "mlir") && veil_mlir::upstream_op(&text).is_none()
    });
    if is_program {
        return Output::error(format!(
            "'{}' is not an ONNX model nor an upstream MLIR program (TOSA, linalg): a Veil program needs no import",
            args.model.display()
        ));
    }
    let options = Options { input_range: args.input_range, calibration, limits, ..Options::default() };
    let imported = match pipeline::load(&args.model, &options) {
        Ok(i) => i,
        Err(e) => return Output::error(e),
    };
    let mut out = Output::default();
    for note in &imported.notes {
        out.stderr.push_str(&format!("note: {note}\n"));
    }
    let text = print_module(&imported.module);
    match &args.output {
        None => out.stdout = text,
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                return Output::error(format!("cannot write '{}': {e}", path.display()));
            }
        }
    }
    out
}
