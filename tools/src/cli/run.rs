//! `veil run MODEL --input X.npy [--input ...] [--backend float|clear|tfhe] [--output Y.npy]`: compiles the model
//! as needed, (tfhe:) generates keys, encrypts, evaluates and decrypts, and prints the outputs, their argmax, the
//! difference to the float reference, a timing breakdown and (tfhe) the bootstraps counted beside the cost model's
//! estimate. A file holding N inputs of a batch-1 program runs row by row.

use std::fmt::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use veil_ir::Module;
use veil_nn::eval::{Interval, Tensor as FloatTensor};

use super::accuracy::{error_bound, Bounded, Lowering};
use super::model_args::{format_ints, format_values, read_input, secs, write_npy, CompileFlags};
use super::{npy, Output};
use crate::pipeline::{self, Compiled, Level, RunOutput, Timings};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackendName {
    /// The nn program in f32 (the reference)
    Float,
    /// The rt program on exact integers
    Clear,
    /// The rt program on TFHE ciphertexts
    Tfhe,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The model: an ONNX file or an nn, he or rt program (.mlir)
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    /// An input per program argument, in argument order (for an ONNX model, one per graph input in graph order;
    /// integer arrays, such as a Reshape's shape or Pad's pads, are public and bound at compile time)
    #[arg(long = "input", value_name = "X.npy", required = true)]
    pub inputs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "clear")]
    pub backend: BackendName,
    /// Write the (first) output to this .npy file (float32; rows stacked for a batch)
    #[arg(long, value_name = "Y.npy")]
    pub output: Option<PathBuf>,
    /// Run only row I (from 0) of inputs holding several rows, such as one sample of a test set
    #[arg(long, value_name = "I")]
    pub row: Option<usize>,
    /// With --backend tfhe: print where the evaluation's time went, kernel call by kernel call, with the PBS
    /// measured and estimated for each (of the last row)
    #[arg(long)]
    pub profile: bool,
    #[command(flatten)]
    pub flags: CompileFlags,
}

/// The program in the forms this run needs.
struct Program {
    compiled: Option<Compiled>,
    nn: Option<Module>,
    notes: Vec<String>,
    /// The `--input` files that are the program's (secret) arguments, in order; integer inputs of an ONNX
    /// model are public and bound at compile time instead.
    secret_inputs: Vec<PathBuf>,
}

/// Splits the `--input` files of an ONNX model into public integer inputs (position, value) and the others.
fn split_public(args: &RunArgs) -> Result<(Vec<pipeline::PublicInput>, Vec<PathBuf>), String> {
    let onnx = args.model.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx"));
    let (mut public, mut secret) = (vec![], vec![]);
    for (i, path) in args.inputs.iter().enumerate() {
        if onnx && npy::holds_integers(path).map_err(|e| format!("input #{i}: {e}"))? {
            let t = npy::read_i64(path)?;
            let shape = t.shape().iter().map(|&d| d as usize).collect();
            public.push((i, pipeline::IntTensor::new(shape, t.data().to_vec()).map_err(|e| e.to_string())?));
        } else {
            secret.push(path.clone());
        }
    }
    Ok((public, secret))
}

impl Program {
    fn build(args: &RunArgs) -> Result<Program, String> {
        let (public_inputs, secret_inputs) = split_public(args)?;
        let options = args.flags.options(secret_inputs.first().map(PathBuf::as_path))?;
        let options = pipeline::Options { public_inputs, ..options };
        let loaded = pipeline::load(&args.model, &options)?;
        if args.backend == BackendName::Float {
            if loaded.level != Level::Nn {
                return Err(format!(
                    "the float backend runs nn programs; '{}' is {}",
                    args.model.display(),
                    loaded.level.name()
                ));
            }
            return Ok(Program { nn: Some(loaded.module), notes: loaded.notes, compiled: None, secret_inputs });
        }
        let compiled = pipeline::compile(loaded, &options)?;
        Ok(Program { nn: compiled.nn.clone(), notes: compiled.notes.clone(), compiled: Some(compiled), secret_inputs })
    }

    /// The shapes of the program's arguments.
    fn arg_shapes(&self) -> Result<Vec<Vec<u64>>, String> {
        if let Some(c) = &self.compiled {
            return Ok(pipeline::encoding(&c.rt)?.args.into_iter().map(|t| t.shape).collect());
        }
        let nn = self.nn.as_ref().ok_or("no program")?;
        let func = veil_runtime::interp::find_function(nn, None).map_err(|e| e.to_string())?;
        let (inputs, _) = veil_ir::builtin::func_signature(nn, func);
        inputs.into_iter().map(|t| nn.static_shape(t).ok_or_else(|| "an argument has no static shape".into())).collect()
    }
}

/// Reads every secret input; returns the rows to run, each with one tensor per argument.
fn read_rows(args: &RunArgs, inputs: &[PathBuf], shapes: &[Vec<u64>]) -> Result<Vec<Vec<FloatTensor<f32>>>, String> {
    if inputs.len() != shapes.len() {
        return Err(format!("the program takes {} input(s) (one --input each), {} given", shapes.len(), inputs.len()));
    }
    let per_arg = inputs.iter().zip(shapes).enumerate().map(|(i, (p, s))| read_input(i, p, s));
    let per_arg = per_arg.collect::<Result<Vec<_>, _>>()?;
    let rows = per_arg.iter().map(Vec::len).max().unwrap_or(0);
    if let Some(i) = per_arg.iter().position(|r| r.len() != rows && r.len() != 1) {
        return Err(format!("argument #{i} holds {} rows, another input holds {rows}", per_arg[i].len()));
    }
    let selected = match args.row {
        Some(r) if r >= rows => return Err(format!("--row {r}: the inputs hold {rows} row(s)")),
        Some(r) => r..r + 1,
        None => 0..rows,
    };
    Ok(selected.map(|r| per_arg.iter().map(|a| a[r.min(a.len() - 1)].clone()).collect()).collect())
}

/// The time of each phase, summed over the rows.
#[derive(Default)]
struct Totals {
    compile: Duration,
    keygen: Duration,
    run: Timings,
}

fn progress(rows: usize) -> ProgressBar {
    let bar = ProgressBar::new(rows as u64);
    let style = ProgressStyle::with_template("{spinner} evaluating {pos}/{len} [{elapsed}]")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub fn run(args: &RunArgs) -> Output {
    match execute(args) {
        Ok(out) => out,
        Err(e) => Output::error(e),
    }
}

fn execute(args: &RunArgs) -> Result<Output, String> {
    let mut totals = Totals::default();
    let start = Instant::now();
    let program = Program::build(args)?;
    totals.compile = start.elapsed();
    let rows = read_rows(args, &program.secret_inputs, &program.arg_shapes()?)?;
    let mut out = Output::default();
    for note in &program.notes {
        out.stderr.push_str(&format!("note: {note}\n"));
    }
    let keys = match (args.backend, &program.compiled) {
        (BackendName::Tfhe, Some(c)) => {
            let start = Instant::now();
            let keys = generate_keys(&c.rt)?;
            totals.keygen = start.elapsed();
            Some(keys)
        }
        _ => None,
    };
    if let Some(c) = &program.compiled {
        out.stderr.push_str(&describe_model(&c.rt));
    }
    // The bound is a report beside the prediction: when it cannot be computed, the run says why and goes on.
    let lowering = match (&program.compiled, &program.nn, args.backend) {
        (Some(c), Some(_), BackendName::Clear | BackendName::Tfhe) => Some(Lowering::of(c)),
        _ => None,
    };
    let bar = progress(rows.len());
    let mut first_outputs = vec![];
    let mut text = String::new();
    for (r, row) in rows.iter().enumerate() {
        let float = program.nn.as_ref().map(|nn| pipeline::run_float(nn, row)).transpose()?;
        let result = match (&program.compiled, &keys) {
            (None, _) => None,
            (Some(c), None) => Some(pipeline::run_clear(&c.rt, row)?),
            (Some(c), Some(keys)) => {
                let (result, timings) = run_encrypted(&c.rt, row, keys)?;
                add_timings(&mut totals.run, &timings);
                Some(result)
            }
        };
        bar.inc(1);
        if rows.len() > 1 {
            let _ = writeln!(text, "row {r}:");
        }
        report_row(&mut text, args.backend, float.as_deref(), result.as_ref());
        if let (Some(c), Some(nn), Some(lowering)) = (&program.compiled, &program.nn, &lowering) {
            match lowering.as_ref().map_err(String::clone).and_then(|l| proven_bound(c, nn, l, row)) {
                Ok(bound) => _ = writeln!(text, "proven bound: {bound:.6} (docs/accuracy.md)"),
                Err(e) => _ = writeln!(text, "proven bound: none ({e})"),
            }
        }
        let values = result.map(|r| r.values).or(float).unwrap_or_default();
        first_outputs.extend(values.into_iter().next());
    }
    bar.finish_and_clear();
    report_totals(&mut text, args.backend, &totals, program.compiled.as_ref(), rows.len());
    if let (true, Some(c)) = (args.profile && args.backend == BackendName::Tfhe, &program.compiled) {
        report_profile(&mut text, &totals.run, &c.rt);
    }
    out.stdout = text;
    if let Some(path) = &args.output {
        write_npy(path, &stack(&first_outputs)?)?;
    }
    Ok(out)
}

#[cfg(feature = "tfhe")]
type KeySet = pipeline::ProgramKeys;
#[cfg(not(feature = "tfhe"))]
enum KeySet {}

#[cfg(not(feature = "tfhe"))]
const NO_TFHE: &str =
    "this veil was built without the tfhe backend (--no-default-features); rebuild it with the default features";

fn generate_keys(rt: &Module) -> Result<KeySet, String> {
    #[cfg(feature = "tfhe")]
    return pipeline::ProgramKeys::for_program(rt);
    #[cfg(not(feature = "tfhe"))]
    {
        let _ = rt;
        Err(NO_TFHE.into())
    }
}

/// The execution model a program was compiled for, and for the lookup-table model its parameters, rounding and
/// failure probability.
pub fn describe_model(rt: &Module) -> String {
    if !pipeline::is_lut_program(rt) {
        return "model: radix (radix integers of 2-bit blocks)\n".into();
    }
    match veil_rt::tfhe_config::TfheConfig::read(rt) {
        Ok(Some(c)) => {
            let decrypted =
                c.decrypt_frac.map_or(String::new(), |f| format!(", results decrypted to {f} fraction bits"));
            let floors = match c.floors {
                veil_rt::tfhe_config::LookupFloors::Signs => " (floors by sign tests)",
                veil_rt::tfhe_config::LookupFloors::Cleared => "",
            };
            format!(
                "model: lut (one LWE ciphertext per value), rounding {}{floors}{decrypted}, {} PBS per run\n\
                 parameters: {}\n\
                 failure probability: {:.1e} per run (at most 2^{:.0} per bootstrap)\n",
                c.rounding.name(),
                c.pbs,
                veil_rt::tfhe_config::describe_keyset(&c.keyset),
                c.p_fail,
                c.p_fail_bound.log2()
            )
        }
        _ => "model: lut (one LWE ciphertext per value), no parameters recorded\n".into(),
    }
}

#[cfg(feature = "tfhe")]
fn run_encrypted(rt: &Module, row: &[FloatTensor<f32>], keys: &KeySet) -> Result<(RunOutput, Timings), String> {
    pipeline::run_tfhe(rt, row, keys)
}

#[cfg(not(feature = "tfhe"))]
fn run_encrypted(_: &Module, _: &[FloatTensor<f32>], keys: &KeySet) -> Result<(RunOutput, Timings), String> {
    match *keys {}
}

fn add_timings(total: &mut Timings, t: &Timings) {
    total.encrypt += t.encrypt;
    total.evaluate += t.evaluate;
    total.decrypt += t.decrypt;
    total.pbs += t.pbs;
    total.levels.clone_from(&t.levels);
}

/// `--profile`: the kernel calls of the last row by evaluation order, with their share of the time.
fn report_profile(text: &mut String, t: &Timings, rt: &Module) {
    let estimates = veil_lowering::he_cost_report::analyze(rt, veil_lowering::cost_model::MACHINE);
    let estimate = |op| estimates.calls.iter().find(|c| c.op == op);
    let total = t.levels.iter().map(|l| l.time.as_secs_f64()).sum::<f64>().max(1e-9);
    let _ = writeln!(
        text,
        "profile (last row): {:<40} {:>10} {:>6} {:>9} {:>9}",
        "calls", "time (s)", "share", "PBS", "estimate"
    );
    for level in &t.levels {
        let names: Vec<String> = level
            .calls
            .iter()
            .map(|&op| match estimate(op) {
                Some(c) => format!(
                    "{} {} i{}",
                    c.kernel,
                    c.shape.iter().map(u64::to_string).collect::<Vec<_>>().join("x"),
                    c.width
                ),
                None => "?".into(),
            })
            .collect();
        let estimated: u64 = level.calls.iter().filter_map(|&op| estimate(op)).map(|c| c.pbs).sum();
        let seconds = level.time.as_secs_f64();
        let _ = writeln!(
            text,
            "  {:<58} {seconds:>10.3} {:>5.1}% {:>9} {estimated:>9}",
            names.join(" + "),
            100.0 * seconds / total,
            level.pbs
        );
    }
}

/// The largest of the compiler's error bounds (docs/accuracy.md) of a row's results against the float model.
fn proven_bound(c: &Compiled, nn: &Module, lowering: &Lowering, row: &[FloatTensor<f32>]) -> Result<f64, String> {
    let (act, weight, _) =
        c.he.as_ref()
            .and_then(veil_lowering::assign_precision::recorded_precision)
            .ok_or("the compiled program records no precision")?;
    let inputs: Vec<_> = row.iter().map(|x| x.map(|v| Bounded::input(Interval::point(f64::from(v)), act))).collect();
    let bounds = error_bound(nn, &inputs, act, weight, lowering)?;
    Ok(bounds.iter().flat_map(|t| t.data().iter().map(|b| b.err)).fold(0.0, f64::max))
}

/// The outputs, argmax and difference to the float result of one row.
fn report_row(text: &mut String, backend: BackendName, float: Option<&[FloatTensor<f32>]>, result: Option<&RunOutput>) {
    let values = result.map(|r| r.values.as_slice()).or(float).unwrap_or_default();
    for (i, v) in values.iter().enumerate() {
        let _ = writeln!(text, "output #{i} {:?}: {}", v.shape(), format_values(v.data()));
        if let Some(r) = result {
            let _ = writeln!(text, "  integers: {}", format_ints(&r.ints[i].data));
        }
        if let Some(k) = pipeline::argmax(v.data()).filter(|_| v.len() > 1) {
            let _ = writeln!(text, "  argmax: {k}");
        }
    }
    if let (Some(f), Some(r)) = (float, result) {
        let name = format!("{backend:?}").to_lowercase();
        let _ = writeln!(text, "max |{name} - float|: {:.6}", pipeline::max_abs_diff(&r.values, f));
    }
}

fn report_totals(text: &mut String, backend: BackendName, totals: &Totals, compiled: Option<&Compiled>, rows: usize) {
    let mut line = format!("time: compile {}", secs(totals.compile));
    if backend == BackendName::Tfhe {
        let t = &totals.run;
        let _ = write!(
            line,
            ", keygen {}, encrypt {}, evaluate {}, decrypt {}",
            secs(totals.keygen),
            secs(t.encrypt),
            secs(t.evaluate),
            secs(t.decrypt)
        );
    }
    let _ = writeln!(text, "{line}");
    if let (BackendName::Tfhe, Some(c)) = (backend, compiled) {
        let _ = writeln!(
            text,
            "PBS: {} measured, {} estimated by the cost model (per row)",
            totals.run.pbs / rows.max(1) as u64,
            pipeline::estimated_pbs(&c.rt)
        );
    }
}

/// Rows of equal shape `[1, ...]` (or any one tensor) stacked along the first axis.
fn stack(rows: &[FloatTensor<f32>]) -> Result<FloatTensor<f32>, String> {
    match rows {
        [] => Err("the program has no outputs to write".into()),
        [one] => Ok(one.clone()),
        [first, ..] => {
            let mut shape = first.shape().to_vec();
            let rest: Vec<u64> = shape.get(1..).unwrap_or_default().to_vec();
            shape = std::iter::once(rows.len() as u64 * shape.first().copied().unwrap_or(1)).chain(rest).collect();
            FloatTensor::new(shape, rows.iter().flat_map(|r| r.data().iter().copied()).collect())
        }
    }
}
