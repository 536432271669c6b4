//! What the commands that compile a model share: the compile flags (`--input-range`, `--calibration`,
//! `--pass-option`, `--strategy`, ...), reading `.npy` inputs and key directories, writing `.npy` outputs and
//! formatting values.

use std::path::{Path, PathBuf};
use veil_lowering::he_to_rt::Strategy;
use veil_rt::tfhe_config::Rounding;

use clap::Args;
use veil_ir::Limits;
use veil_nn::eval::Tensor as FloatTensor;

use super::import::parse_range;
use super::npy;
use crate::pipeline::{self, Compiled, Options};

/// The flags that say how to compile a model.
#[derive(Args, Debug, Clone, Default)]
pub struct CompileFlags {
    /// The range of every input element of an ONNX model, e.g. 0,1
    #[arg(long, value_name = "LO,HI", value_parser = parse_range, allow_hyphen_values = true)]
    pub input_range: Option<(f64, f64)>,
    /// Sample inputs of an ONNX model whose minimum and maximum give the input range
    #[arg(long, value_name = "FILE.npy", conflicts_with = "input_range")]
    pub calibration: Option<PathBuf>,
    /// Options of a pass of the nn-to-rt pipeline, e.g. 'assign-precision{act-frac=6}' (repeatable)
    #[arg(long, value_name = "PASS{OPTS}", value_parser = parse_pass_option)]
    pub pass_option: Vec<(String, String)>,
    /// The execution model: lut (one LWE ciphertext per value, one bootstrap per table) or radix (radix
    /// integers); by default lut where its parameters exist, radix otherwise
    #[arg(long, value_name = "lut|radix", value_parser = Strategy::parse)]
    pub strategy: Option<Strategy>,
    /// lut model: how a table's input drops its low bits: exact (bit-exact, a sign test per chunk of dropped bits and mostly a table) or approximate
    /// (1 bootstrap, off by one unit at most) [default: exact]
    #[arg(long, value_name = "exact|approximate", value_parser = Rounding::parse)]
    pub rounding: Option<Rounding>,
    /// lut model: the most each bootstrap or decryption may fail, e.g. 2^-40 (the default) or 1e-9
    #[arg(long, value_name = "P")]
    pub p_fail: Option<String>,
    #[command(flatten)]
    pub limits: LimitsFlag,
}

/// `--limits KEY=N,...`, over `VEIL_LIMITS` and the defaults (docs/limits.md).
#[derive(Args, Debug, Clone, Default)]
pub struct LimitsFlag {
    /// Raise or lower resource limits: elements (of one tensor), constant-bytes (of all constants), nesting, ops,
    /// file-bytes (of one file read whole) (also VEIL_LIMITS=KEY=N,...; docs/limits.md)
    #[arg(long = "limits", value_name = "KEY=N,...")]
    pub specs: Vec<String>,
}

impl LimitsFlag {
    pub fn limits(&self) -> Result<Limits, String> {
        Limits::from_env_and_flags(self.specs.iter().map(String::as_str))
    }
}

/// `name{options}`.
fn parse_pass_option(text: &str) -> Result<(String, String), String> {
    let bad = || format!("expected PASS{{OPTIONS}}, e.g. 'assign-precision{{act-frac=6}}', got '{text}'");
    let (name, rest) = text.split_once('{').ok_or_else(bad)?;
    let options = rest.strip_suffix('}').ok_or_else(bad)?;
    Ok((name.trim().to_string(), options.to_string()))
}

impl CompileFlags {
    /// The pipeline options; `fallback` calibrates an ONNX model that has neither a range nor calibration data.
    pub fn options(&self, fallback: Option<&Path>) -> Result<Options, String> {
        let calibration = match (&self.calibration, self.input_range) {
            (Some(path), _) => Some(npy::read_f32(path)?),
            (None, None) => fallback
                .map(|p| npy::read_f32(p).map_err(|e| format!("argument #0 ('{}'): {e}", p.display())))
                .transpose()?,
            (None, Some(_)) => None,
        };
        Ok(Options {
            input_range: self.input_range,
            calibration,
            pass_options: self.pass_option.clone(),
            strategy: self.strategy,
            rounding: self.rounding,
            p_fail: self.p_fail.clone(),
            limits: self.limits.limits()?,
            ..Options::default()
        })
    }

    /// Loads and compiles `model` to rt.
    pub fn compile(&self, model: &Path, fallback: Option<&Path>) -> Result<Compiled, String> {
        pipeline::load_and_compile(model, &self.options(fallback)?)
    }

    /// The first compile flag given, by its name: for a command that compiles nothing without a model.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            (self.input_range.is_some(), "--input-range"),
            (self.calibration.is_some(), "--calibration"),
            (!self.pass_option.is_empty(), "--pass-option"),
            (self.strategy.is_some(), "--strategy"),
            (self.rounding.is_some(), "--rounding"),
            (self.p_fail.is_some(), "--p-fail"),
        ]
        .into_iter()
        .find_map(|(given, name)| given.then_some(name))
    }
}

/// Reads input `index` of a program, checking its shape against `expected` up to a leading batch: returns the
/// rows to run (one when the shape matches, N when the file holds N inputs of a batch-1 program).
pub fn read_input(index: usize, path: &Path, expected: &[u64]) -> Result<Vec<FloatTensor<f32>>, String> {
    let name = format!("argument #{index} ('{}')", path.display());
    let x = npy::read_f32(path).map_err(|e| format!("{name}: {e}"))?;
    if x.shape() == expected {
        return Ok(vec![x]);
    }
    let batched = expected.first() == Some(&1) && x.shape().len() == expected.len() && x.shape()[1..] == expected[1..];
    if !batched || x.shape()[0] == 0 {
        return Err(format!("{name}: shape {:?}, the program expects {expected:?}", x.shape()));
    }
    let rows = x.shape()[0] as usize;
    let per_row = x.len() / rows;
    let data = x.into_data();
    let row = |i: usize| FloatTensor::new(expected.to_vec(), data[i * per_row..(i + 1) * per_row].to_vec());
    (0..rows).map(row).collect()
}

/// The client key file of a key directory.
#[cfg(feature = "tfhe")]
pub fn client_key_path(keys: &Path) -> PathBuf {
    keys.join("client.key")
}

/// The server key file of a key directory.
#[cfg(feature = "tfhe")]
pub fn server_key_path(keys: &Path) -> PathBuf {
    keys.join("server.key")
}

/// Writes a float tensor as a `.npy` file (float32).
pub fn write_npy(path: &Path, x: &FloatTensor<f32>) -> Result<(), String> {
    let shape = x.shape().iter().map(|&d| d as usize).collect();
    let tensor = pipeline::IntTensor::new(shape, x.data().to_vec()).map_err(|e| e.to_string())?;
    veil_runtime::npy::write(path, &tensor).map_err(|e| format!("cannot write '{}': {e}", path.display()))
}

/// `[0.1250, -2.0000, ...]`.
pub fn format_values(values: &[f32]) -> String {
    let items: Vec<String> = values.iter().map(|v| format!("{v:.4}")).collect();
    format!("[{}]", items.join(", "))
}

/// `[3, -20, ...]`.
pub fn format_ints(values: &[i64]) -> String {
    let items: Vec<String> = values.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// Seconds with 3 decimals.
pub fn secs(d: std::time::Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}
