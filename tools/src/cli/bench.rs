//! `veil bench [PARTS] [OPTIONS]`: Veil's benchmark suite (PARTS are `kernels`, `models`, `baseline`, all three by
//! default, and `peers`, which needs the peers' Python environment). A subcommand rather than a `cargo bench` target so that it runs on the build every test and binary
//! shares (a bench profile would compile TFHE-rs a second time). It measures, on the tfhe backend:
//! - the latency of one PBS (the unit of the lower bound) and key sizes;
//! - kernels (add, matmul_plain 1x64·64x32, the CryptoNets conv2d_plain, relu, max, rescale) at 8/16/32 bits;
//! - models of ../shared/models: compile, key generation, encrypt, evaluate (median of `--repeat`), decrypt,
//!   serialized sizes, peak memory, PBS counted and estimated, and the lower bound PBS × PBS latency ÷ cores;
//! - the hand-written TFHE-rs baseline of a model ([`crate::baseline`]) against Veil, same input,
//!   same quantized weights, same run;
//! - Veil against Concrete ML and TenSEAL on the same models and rows, interleaved ([`peers`]).
//!
//! Prints markdown tables (progress on stderr) and writes them as JSON to `--json-out` (default
//! `target/bench/suite.json`). Nothing here asserts a time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use serde::Serialize;
use veil_runtime::{Backend, ClientKey, Conv2d, EncryptedTensor, Persist, Tensor, Width};

use super::{npy, Output};
use crate::baseline::{self, HlKeys};
use crate::pipeline::{self, Keys, Options, ProgramKeys};
use veil_lowering::he_to_rt::Strategy;
use veil_rt::tfhe_config::Rounding;

pub mod peers;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Serialize)]
pub enum Part {
    Kernels,
    Models,
    Baseline,
    Peers,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// What to run (default: kernels, models and baseline; peers only when asked)
    #[arg(value_enum)]
    pub parts: Vec<Part>,
    /// The folder of the models (`<name>.onnx`, `.calib.npy`, `.inputs.npy`)
    #[arg(long, default_value = "../shared/models")]
    pub models_dir: PathBuf,
    /// Models for `models` and `peers` (repeatable)
    #[arg(long = "model", default_values = ["digits_mlp", "digits_cryptonets", "digits_cnn_relu"])]
    pub models: Vec<String>,
    /// Models for `baseline` (repeatable; matmul, convolution, rescale, relu and square only)
    #[arg(long = "baseline-model", default_values = ["digits_mlp", "digits_cryptonets"])]
    pub baseline_models: Vec<String>,
    /// Fraction bits of activations and weights, e.g. 4,4 (default: the compiler's)
    #[arg(long, value_name = "ACT,WEIGHT")]
    pub precision: Option<String>,
    /// The models' execution model: lut (the default) or radix; the hand-written baseline always compares radix
    #[arg(long, value_name = "lut|radix", value_parser = Strategy::parse, default_value = "lut")]
    pub strategy: Strategy,
    /// lut model: exact or approximate rounding [default: exact]
    #[arg(long, value_name = "exact|approximate", value_parser = Rounding::parse)]
    pub rounding: Option<Rounding>,
    /// lut model: the failure bound per bootstrap, e.g. 2^-40 (the default)
    #[arg(long, value_name = "P")]
    pub p_fail: Option<String>,
    /// lut model: options of he-lut-fuse, e.g. index-bits=4
    #[arg(long, value_name = "OPTS")]
    pub lut_options: Option<String>,
    /// lut model, approximate rounding: the fraction bits results are decrypted to (tfhe-params' decrypt-frac)
    #[arg(long, value_name = "N")]
    pub decrypt_frac: Option<i32>,
    /// Encrypted inferences per model (`peers`: rounds over the rows); the median evaluation is reported
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Kernel widths in bits
    #[arg(long, value_delimiter = ',', default_value = "8,16,32")]
    pub widths: Vec<u32>,
    /// Output elements per layer the hand-written baseline computes (default: all); its time is scaled to the
    /// whole layer, and the next layer gets the clear reference's outputs, encrypted
    #[arg(long)]
    pub baseline_outputs: Option<usize>,
    /// Rows of the models' saved test inputs that `peers` runs encrypted, with every tool (comma-separated)
    #[arg(long, value_delimiter = ',', default_value = "0")]
    pub rows: Vec<usize>,
    /// Veil's configurations for `peers` (repeatable; default: the one --strategy and --rounding name). Each
    /// Concrete configuration is compared with Veil in the same rounding mode when it runs
    #[arg(long = "veil", value_enum)]
    pub veil: Vec<peers::VeilConfig>,
    /// Peers for `peers` (repeatable; default: all; TenSEAL runs square-activation models only)
    #[arg(long = "peer", value_enum)]
    pub peers: Vec<peers::Peer>,
    /// TenSEAL's accuracy: how many of the saved rows it runs encrypted (default: all; each takes seconds)
    #[arg(long, value_name = "N")]
    pub tenseal_accuracy_rows: Option<usize>,
    /// The peers' folder: their programs and the virtualenv `.venv` that its `setup.sh` makes
    #[arg(long, default_value = "tools/peers")]
    pub peers_dir: PathBuf,
    /// Where the JSON report goes
    #[arg(long, default_value = "target/bench/suite.json")]
    pub json_out: PathBuf,
}

#[derive(Serialize, Default)]
struct Report {
    machine: Machine,
    kernels: Vec<KernelRow>,
    models: Vec<ModelRow>,
    baseline: Vec<BaselineRow>,
    peers: Vec<peers::ToolRow>,
}

#[derive(Serialize, Default)]
struct Machine {
    cpu: String,
    cores: usize,
    pbs_ms: f64,
    keygen_s: f64,
    server_key_mib: f64,
    compressed_server_key_mib: f64,
}

#[derive(Serialize)]
struct KernelRow {
    kernel: String,
    bits: u32,
    elements: usize,
    seconds: f64,
    pbs: u64,
    bound_s: f64,
}

#[derive(Serialize)]
struct ModelRow {
    model: String,
    precision: String,
    /// The execution model, and for the lut model its parameters and failure probability.
    model_kind: String,
    keygen_s: f64,
    compile_s: f64,
    encrypt_s: f64,
    evaluate_median_s: f64,
    evaluate_s: Vec<f64>,
    decrypt_s: f64,
    input_ciphertext_kib: f64,
    output_ciphertext_kib: f64,
    pbs: u64,
    estimated_pbs: u64,
    lower_bound_s: f64,
    actual_over_bound: f64,
    equals_clear: bool,
    peak_rss_mib: f64,
}

#[derive(Serialize)]
struct BaselineRow {
    model: String,
    precision: String,
    outputs_computed: Vec<usize>,
    outputs_total: Vec<usize>,
    baseline_s: f64,
    baseline_pbs: u64,
    veil_s: f64,
    veil_pbs: u64,
    speedup: f64,
    agrees: bool,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn timed<R>(f: impl FnOnce() -> R) -> (R, f64) {
    let start = Instant::now();
    let r = f();
    (r, start.elapsed().as_secs_f64())
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let name = info.lines().find_map(|l| l.strip_prefix("model name")).and_then(|l| l.split(':').nth(1));
    name.map_or_else(|| "unknown".into(), |n| n.trim().to_string())
}

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|l| l.split_whitespace().next());
    kib.and_then(|k| k.parse::<f64>().ok()).map_or(0.0, |k| k / 1024.0)
}

/// A markdown section heading and the head of its table.
fn table_header(out: &mut String, title: &str, columns: &[&str]) {
    let _ = writeln!(out, "## {title}\n\n| {} |\n|{}", columns.join(" | "), "---|".repeat(columns.len()));
}

/// One markdown table row.
fn table_row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn options(dir: &Path, model: &str, args: &BenchArgs, strategy: Strategy) -> Result<Options, String> {
    let calibration = npy::read_f32(&dir.join(format!("{model}.calib.npy")))?;
    let mut pass_options = vec![];
    if let Some(p) = &args.precision {
        let (a, w) = p.split_once(',').ok_or_else(|| format!("--precision takes ACT,WEIGHT (e.g. 4,4), not '{p}'"))?;
        pass_options.push(("assign-precision".to_string(), format!("act-frac={a} weight-frac={w}")));
    }
    if let (Strategy::Lut, Some(o)) = (strategy, &args.lut_options) {
        pass_options.push(("he-lut-fuse".to_string(), o.clone()));
    }
    if let (Strategy::Lut, Some(f)) = (strategy, args.decrypt_frac) {
        pass_options.push(("tfhe-params".to_string(), format!("decrypt-frac={f}")));
    }
    Ok(Options {
        calibration: Some(calibration),
        pass_options,
        strategy: Some(strategy),
        rounding: args.rounding,
        p_fail: args.p_fail.clone(),
        ..Options::default()
    })
}

/// Row 0 of the model's saved test inputs, as a batch of one.
fn first_input(dir: &Path, model: &str) -> Result<veil_nn::eval::Tensor<f32>, String> {
    let inputs = npy::read_f32(&dir.join(format!("{model}.inputs.npy")))?;
    super::accuracy::row(&inputs, 0).map_err(|e| format!("{model}.inputs.npy: {e}"))
}

pub fn run(args: &BenchArgs) -> Output {
    let mut out = String::new();
    match measure(args, &mut out) {
        Ok(()) => Output { stdout: out, ..Output::default() },
        Err(e) => Output { stdout: out, ..Output::error(e) },
    }
}

fn measure(args: &BenchArgs, out: &mut String) -> Result<(), String> {
    let parts =
        if args.parts.is_empty() { vec![Part::Kernels, Part::Models, Part::Baseline] } else { args.parts.clone() };
    let mut report = Report::default();
    let cores = rayon::current_num_threads();
    // Everything the parts read is checked before minutes of key generation and encryption.
    if parts.contains(&Part::Peers) {
        peers::check(args)?;
    }
    let mut needed: Vec<&str> = vec![];
    if parts.contains(&Part::Models) {
        needed.extend(args.models.iter().map(String::as_str));
    }
    if parts.contains(&Part::Baseline) {
        needed.extend(args.baseline_models.iter().map(String::as_str));
    }
    for model in needed {
        for suffix in ["onnx", "calib.npy", "inputs.npy"] {
            let path = args.models_dir.join(format!("{model}.{suffix}"));
            if !path.is_file() {
                return Err(format!("model '{model}': '{}' does not exist (see --models-dir)", path.display()));
            }
        }
        options(&args.models_dir, model, args, args.strategy)?;
        first_input(&args.models_dir, model)?;
    }

    let (keys, keygen_s) = timed(Keys::generate);
    let server = keys.backend.server_key();
    let shortint: &tfhe::shortint::ServerKey = server.as_ref();
    let lut = shortint.generate_lookup_table(|x| x);
    let one = keys.client.encrypt(&Tensor::scalar(1), Width::new(2).map_err(|e| e.to_string())?);
    let one = one.map_err(|e| e.to_string())?;
    let block = tfhe::integer::IntegerCiphertext::blocks(&one.data[0])[0].clone();
    let n = 20;
    let (_, t) = timed(|| (0..n).for_each(|_| drop(shortint.apply_lookup_table(&block, &lut))));
    let pbs_ms = 1e3 * t / n as f64;
    let client = ClientKey::generate();
    report.machine = Machine {
        cpu: cpu_model(),
        cores,
        pbs_ms,
        keygen_s,
        server_key_mib: mib(client.server_key().to_bytes().map_err(|e| e.to_string())?.len()),
        compressed_server_key_mib: mib(client.compressed_server_key().to_bytes().map_err(|e| e.to_string())?.len()),
    };
    let m = &report.machine;
    let _ = writeln!(out, "# Veil benchmarks\n");
    let _ = writeln!(out, "| CPU | cores | PBS latency | keygen | server key | compressed server key |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    let _ = writeln!(
        out,
        "| {} | {} | {:.1} ms | {:.2} s | {:.0} MiB | {:.1} MiB |\n",
        m.cpu, m.cores, m.pbs_ms, m.keygen_s, m.server_key_mib, m.compressed_server_key_mib
    );
    let bound = |pbs: u64| pbs as f64 * pbs_ms / 1e3 / cores as f64;

    if parts.contains(&Part::Kernels) {
        eprintln!("bench: kernels at {:?} bits", args.widths);
        table_header(out, "Kernels", &["kernel", "bits", "elements", "time", "PBS", "lower bound", "actual / bound"]);
        for &bits in &args.widths {
            for row in kernels(&keys, bits)? {
                let b = bound(row.pbs);
                table_row(
                    out,
                    &[
                        row.kernel.clone(),
                        row.bits.to_string(),
                        row.elements.to_string(),
                        format!("{:.3} s", row.seconds),
                        row.pbs.to_string(),
                        format!("{b:.3} s"),
                        format!("{:.2}", row.seconds / b.max(1e-9)),
                    ],
                );
                report.kernels.push(KernelRow { bound_s: b, ..row });
            }
        }
        let _ = writeln!(out);
    }

    if parts.contains(&Part::Models) {
        let columns = [
            "model",
            "precision",
            "compile",
            "encrypt",
            "evaluate (median)",
            "decrypt",
            "input ct",
            "output ct",
            "PBS (estimated)",
            "lower bound",
            "actual / bound",
            "= clear",
            "peak RSS",
        ];
        table_header(out, "Models", &columns);
        for model in &args.models {
            eprintln!("bench: {model} ({} encrypted inferences)", args.repeat.max(1));
            let row = run_model(model, args, &bound)?;
            table_row(
                out,
                &[
                    row.model.clone(),
                    format!("{} ({})", row.precision, row.model_kind),
                    format!("{:.3} s", row.compile_s),
                    format!("{:.3} s", row.encrypt_s),
                    format!("{:.1} s", row.evaluate_median_s),
                    format!("{:.3} s", row.decrypt_s),
                    format!("{:.0} KiB", row.input_ciphertext_kib),
                    format!("{:.0} KiB", row.output_ciphertext_kib),
                    format!("{} ({})", row.pbs, row.estimated_pbs),
                    format!("{:.1} s", row.lower_bound_s),
                    format!("{:.2}", row.actual_over_bound),
                    row.equals_clear.to_string(),
                    format!("{:.0} MiB", row.peak_rss_mib),
                ],
            );
            report.models.push(row);
        }
        let _ = writeln!(out);
    }

    if parts.contains(&Part::Baseline) {
        let radix = ProgramKeys::Radix(Box::new(keys));
        let columns = [
            "model",
            "precision",
            "outputs computed per step",
            "hand-written",
            "its PBS",
            "Veil",
            "Veil PBS",
            "Veil speedup",
            "same integers",
        ];
        table_header(out, "Veil vs hand-written TFHE-rs", &columns);
        for model in &args.baseline_models {
            eprintln!("bench: {model} by hand and by Veil");
            let row = run_baseline(model, args, &radix)?;
            table_row(
                out,
                &[
                    row.model.clone(),
                    row.precision.clone(),
                    format!("{:?} of {:?}", row.outputs_computed, row.outputs_total),
                    format!("{:.1} s", row.baseline_s),
                    row.baseline_pbs.to_string(),
                    format!("{:.1} s", row.veil_s),
                    row.veil_pbs.to_string(),
                    format!("{:.1}x", row.speedup),
                    row.agrees.to_string(),
                ],
            );
            report.baseline.push(row);
        }
        let _ = writeln!(out);
    }

    if parts.contains(&Part::Peers) {
        report.peers = peers::run(args, out)?;
    }

    if let Some(dir) = args.json_out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create '{}': {e}", dir.display()))?;
    }
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&args.json_out, json).map_err(|e| format!("cannot write '{}': {e}", args.json_out.display()))?;
    let _ = writeln!(out, "(written to {})", args.json_out.display());
    Ok(())
}

/// The kernels at one width, on ciphertexts of values that fit it.
fn kernels(keys: &Keys, bits: u32) -> Result<Vec<KernelRow>, String> {
    let e = |e: veil_runtime::RuntimeError| e.to_string();
    let w = Width::new(bits).map_err(e)?;
    let b = &keys.backend;
    let tensor = |shape: Vec<usize>, f: &dyn Fn(usize) -> i64| {
        let n = shape.iter().product();
        Tensor::new(shape, (0..n).map(f).collect()).map_err(e)
    };
    // Inputs small enough that a 64-term dot product with 4-bit weights stays inside 8 bits' neighbourhood; the
    // tfhe backend computes modulo 2^bits either way, and the time does not depend on the values.
    let small = |i: usize| (i as i64 * 7 % 5) - 2;
    let x8 = keys.client.encrypt(&tensor(vec![8], &small)?, w).map_err(e)?;
    // The square's input: half the width (at least one block), values that fit even i2.
    let half_width = Width::new((bits / 2).max(2)).map_err(e)?;
    let half = keys.client.encrypt(&tensor(vec![8], &|i| (i as i64 % 3) - 2)?, half_width).map_err(e)?;
    let y8 = keys.client.encrypt(&tensor(vec![8], &|i| small(i + 3))?, w).map_err(e)?;
    let x64 = keys.client.encrypt(&tensor(vec![1, 64], &small)?, w).map_err(e)?;
    let weights = tensor(vec![64, 32], &|i| (i as i64 * 13 % 15) - 7)?;
    let image = keys.client.encrypt(&tensor(vec![1, 1, 8, 8], &small)?, w).map_err(e)?;
    let filters = tensor(vec![5, 1, 3, 3], &|i| (i as i64 * 11 % 15) - 7)?;
    let conv = Conv2d { strides: [1, 1], pads: [0; 4], dilations: [1, 1], groups: 1 };
    type Run<'a> = Box<dyn Fn() -> veil_runtime::Result<Tensor<veil_runtime::keys::Ciphertext>> + 'a>;
    let runs: Vec<(&str, usize, Run)> = vec![
        ("add", 8, Box::new(|| b.add(&x8, &y8, w))),
        ("matmul_plain 1x64 · 64x32", 32, Box::new(|| b.matmul_plain(&x64, &weights, None, w))),
        (
            "conv2d_plain 1x1x8x8 * 5x1x3x3 (CryptoNets digits)",
            180,
            Box::new(|| b.conv2d_plain(&image, &filters, None, &conv, w)),
        ),
        ("square of half the width", 8, Box::new(|| b.square(&half, w))),
        ("relu", 8, Box::new(|| b.relu(&x8, w))),
        ("max", 8, Box::new(|| b.max(&x8, &y8, w))),
        ("rescale by 3 bits", 8, Box::new(|| b.rescale(&x8, 3, None, w))),
    ];
    let mut rows = vec![];
    for (kernel, elements, run) in runs {
        veil_runtime::tfhe_backend::reset_pbs_count();
        let (result, seconds) = timed(run);
        result.map_err(e)?;
        let pbs = veil_runtime::tfhe_backend::pbs_count();
        rows.push(KernelRow { kernel: kernel.into(), bits, elements, seconds, pbs, bound_s: 0.0 });
    }
    Ok(rows)
}

fn run_model(model: &str, args: &BenchArgs, bound: &dyn Fn(u64) -> f64) -> Result<ModelRow, String> {
    let path = args.models_dir.join(format!("{model}.onnx"));
    let (compiled, compile_s) =
        timed(|| pipeline::load_and_compile(&path, &options(&args.models_dir, model, args, args.strategy)?));
    let compiled = compiled?;
    let (keys, keygen_s) = timed(|| ProgramKeys::for_program(&compiled.rt));
    let keys = keys?;
    // The lut model's bootstraps are not the radix ones the machine row measured: its bound uses the cost model's
    // estimate for the chosen parameters.
    let lut_bound =
        keys.lut_config().map(|c| move |pbs: u64| pbs as f64 * c.pbs_us / 1e6 / rayon::current_num_threads() as f64);
    let bound = |pbs: u64| lut_bound.map_or_else(|| bound(pbs), |b| b(pbs));
    let x = first_input(&args.models_dir, model)?;
    let clear = pipeline::run_clear(&compiled.rt, std::slice::from_ref(&x))?;
    let mut timings = vec![];
    let mut equals_clear = true;
    for _ in 0..args.repeat.max(1) {
        let (out, t) = pipeline::run_tfhe(&compiled.rt, std::slice::from_ref(&x), &keys)?;
        equals_clear &= out.ints == clear.ints;
        timings.push(t);
    }
    let evaluate_s: Vec<f64> = timings.iter().map(|t| secs(t.evaluate)).collect();
    let mut sorted = evaluate_s.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let encoding = pipeline::encoding(&compiled.rt)?;
    let size = |t: &veil_he::FixedTensor| -> Result<f64, String> {
        let w = Width::new(t.width).map_err(|e| e.to_string())?;
        let dims = pipeline::dims(t);
        let ProgramKeys::Radix(keys) = &keys else {
            // One LWE ciphertext of k·N + 1 64-bit words per element (the inputs' partition's k·N).
            let k = keys.lut_config().map_or(0, |c| c.keyset.inputs().big_lwe_dimension() + 1);
            return Ok((dims.iter().product::<usize>() * k * 8) as f64 / 1024.0);
        };
        let zeros = Tensor::new(dims.clone(), vec![0; dims.iter().product()]).map_err(|e| e.to_string())?;
        let ct = keys.client.encrypt(&zeros, w).map_err(|e| e.to_string())?;
        let bytes = EncryptedTensor { width: w, frac: t.frac, tensor: ct }.to_bytes().map_err(|e| e.to_string())?;
        Ok(bytes.len() as f64 / 1024.0)
    };
    let pbs = timings[0].pbs;
    Ok(ModelRow {
        model: model.into(),
        precision: args.precision.clone().unwrap_or_else(|| "default".into()),
        model_kind: super::run::describe_model(&compiled.rt).lines().collect::<Vec<_>>().join("; "),
        keygen_s,
        compile_s,
        encrypt_s: secs(timings[0].encrypt),
        evaluate_median_s: median,
        evaluate_s,
        decrypt_s: secs(timings[0].decrypt),
        input_ciphertext_kib: size(encoding.args.first().ok_or("the program takes no input")?)?,
        output_ciphertext_kib: size(encoding.results.first().ok_or("the program has no result")?)?,
        pbs,
        estimated_pbs: pipeline::estimated_pbs(&compiled.rt),
        lower_bound_s: bound(pbs),
        actual_over_bound: median / bound(pbs).max(1e-9),
        equals_clear,
        peak_rss_mib: peak_rss_mib(),
    })
}

fn run_baseline(model: &str, args: &BenchArgs, keys: &ProgramKeys) -> Result<BaselineRow, String> {
    let path = args.models_dir.join(format!("{model}.onnx"));
    let compiled = pipeline::load_and_compile(&path, &options(&args.models_dir, model, args, Strategy::Radix)?)?;
    let steps = baseline::steps(&compiled.rt)?;
    let x = first_input(&args.models_dir, model)?;
    let encoding = pipeline::encoding(&compiled.rt)?;
    let ints = pipeline::encode("the input", &x, &encoding, 0)?;
    let x_ints: Vec<i32> = ints.data.iter().map(|&v| v as i32).collect();

    // Veil, on the same input in the same run.
    let (veil, veil_t) = pipeline::run_tfhe(&compiled.rt, std::slice::from_ref(&x), keys)?;
    let reference = baseline::run_clear(&steps, &x_ints);
    let veil_ints: Vec<i32> =
        veil.ints.first().ok_or("the program has no result")?.data.iter().map(|&v| v as i32).collect();

    // The hand-written program, step by step.
    let hl = HlKeys::generate();
    hl.install();
    let mut agrees = veil_ints == reference;
    let (mut clear_in, mut total_s, mut total_pbs) = (x_ints.clone(), 0.0, 0u64);
    let (mut computed, mut totals) = (vec![], vec![]);
    for step in &steps {
        let n = step.outputs(clear_in.len());
        let k = args.baseline_outputs.map_or(n, |k| k.clamp(1, n));
        // The step's inputs are the clear reference's previous outputs, encrypted (not timed): a partial run
        // times only k outputs of each step.
        let encrypted = hl.encrypt(&clear_in);
        veil_runtime::tfhe_backend::reset_pbs_count();
        let (out, t) = timed(|| baseline::apply(step, &encrypted, Some(k)));
        let pbs = veil_runtime::tfhe_backend::pbs_count();
        let clear_out: Vec<i32> = baseline::apply(step, &clear_in, None);
        agrees &= hl.decrypt(&out) == clear_out[..k];
        total_s += t * n as f64 / k as f64;
        total_pbs += pbs * n as u64 / k as u64;
        computed.push(k);
        totals.push(n);
        clear_in = clear_out;
    }
    let veil_s = secs(veil_t.evaluate);
    Ok(BaselineRow {
        model: model.to_string(),
        precision: args.precision.clone().unwrap_or_else(|| "default".into()),
        outputs_computed: computed,
        outputs_total: totals,
        baseline_s: total_s,
        baseline_pbs: total_pbs,
        veil_s,
        veil_pbs: veil_t.pbs,
        speedup: total_s / veil_s.max(1e-9),
        agrees,
    })
}
