//! Veil's benchmark suite: `cargo bench -p veil-tools --bench suite [-- PARTS] [OPTIONS]` (see `--help`; PARTS
//! are `kernels`, `models`, `baseline`, all by default). It measures, on the tfhe backend:
//! - the latency of one PBS (the unit of the lower bound) and key sizes;
//! - kernels (add, matmul_plain 1x64·64x32, the CryptoNets conv2d_plain, relu, max, rescale) at 8/16/32 bits;
//! - models of ../shared/models: compile, key generation, encrypt, evaluate (median of `--repeat`), decrypt,
//!   serialized sizes, peak memory, PBS counted and estimated, and the lower bound PBS × PBS latency ÷ cores;
//! - the hand-written TFHE-rs baseline of a dense model ([`veil_tools::baseline`]) against Veil, same input,
//!   same quantized weights, same run.
//!
//! Prints markdown tables and writes them as JSON to `target/bench/suite.json`. Nothing here asserts a time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use serde::Serialize;
use veil_runtime::{Backend, ClientKey, Conv2d, EncryptedTensor, Persist, Tensor, Width};
use veil_tools::baseline::{self, HlKeys};
use veil_tools::cli::npy;
use veil_tools::pipeline::{self, Keys, Options};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Serialize)]
enum Part {
    Kernels,
    Models,
    Baseline,
}

#[derive(Parser, Debug)]
#[command(about = "Veil's benchmarks on the tfhe backend (see docs/performance.md)")]
struct Args {
    /// What to run (default: everything)
    #[arg(value_enum)]
    parts: Vec<Part>,
    /// Models of ../shared/models for `models` (repeatable)
    #[arg(long = "model", default_values = ["digits_mlp", "digits_cryptonets", "digits_cnn_relu"])]
    models: Vec<String>,
    /// The model of `baseline` (a dense network)
    #[arg(long, default_value = "digits_mlp")]
    baseline_model: String,
    /// Fraction bits of activations and weights, e.g. 4,4 (default: the compiler's)
    #[arg(long, value_name = "ACT,WEIGHT")]
    precision: Option<String>,
    /// Encrypted inferences per model; the median evaluation is reported
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Kernel widths in bits
    #[arg(long, value_delimiter = ',', default_value = "8,16,32")]
    widths: Vec<u32>,
    /// Output elements per layer the hand-written baseline computes (default: all); its time is scaled to the
    /// whole layer, and the next layer gets the clear reference's outputs, encrypted
    #[arg(long)]
    baseline_outputs: Option<usize>,
    /// Passed by `cargo bench`
    #[arg(long, hide = true)]
    bench: bool,
}

#[derive(Serialize, Default)]
struct Report {
    machine: Machine,
    kernels: Vec<KernelRow>,
    models: Vec<ModelRow>,
    baseline: Vec<BaselineRow>,
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

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models")
}

fn options(model: &str, precision: &Option<String>) -> Result<Options, String> {
    let calibration = npy::read_f32(&models_dir().join(format!("{model}.calib.npy")))?;
    let mut pass_options = vec![];
    if let Some(p) = precision {
        let (a, w) = p.split_once(',').ok_or("--precision takes ACT,WEIGHT")?;
        pass_options.push(("assign-precision".to_string(), format!("act-frac={a} weight-frac={w}")));
    }
    Ok(Options { calibration: Some(calibration), pass_options, ..Options::default() })
}

/// Row 0 of the model's saved test inputs, as a batch of one.
fn first_input(model: &str) -> Result<veil_nn::eval::Tensor<f32>, String> {
    let inputs = npy::read_f32(&models_dir().join(format!("{model}.inputs.npy")))?;
    Ok(veil_tools::cli::accuracy::row(&inputs, 0))
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let parts =
        if args.parts.is_empty() { vec![Part::Kernels, Part::Models, Part::Baseline] } else { args.parts.clone() };
    let mut report = Report::default();
    let cores = rayon::current_num_threads();

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
    println!("# Veil benchmarks\n");
    println!("| CPU | cores | PBS latency | keygen | server key | compressed server key |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {:.1} ms | {:.2} s | {:.0} MiB | {:.1} MiB |\n",
        m.cpu, m.cores, m.pbs_ms, m.keygen_s, m.server_key_mib, m.compressed_server_key_mib
    );
    let bound = |pbs: u64| pbs as f64 * pbs_ms / 1e3 / cores as f64;

    if parts.contains(&Part::Kernels) {
        println!("## Kernels\n\n| kernel | bits | elements | time | PBS | lower bound | actual / bound |");
        println!("|---|---|---|---|---|---|---|");
        for &bits in &args.widths {
            for row in kernels(&keys, bits)? {
                println!(
                    "| {} | {} | {} | {:.3} s | {} | {:.3} s | {:.2} |",
                    row.kernel,
                    row.bits,
                    row.elements,
                    row.seconds,
                    row.pbs,
                    bound(row.pbs),
                    row.seconds / bound(row.pbs).max(1e-9)
                );
                report.kernels.push(KernelRow { bound_s: bound(row.pbs), ..row });
            }
        }
        println!();
    }

    if parts.contains(&Part::Models) {
        println!("## Models\n");
        println!("| model | precision | compile | encrypt | evaluate (median) | decrypt | input ct | output ct | PBS (estimated) | lower bound | actual / bound | = clear | peak RSS |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for model in &args.models {
            let row = run_model(model, &args, &keys, &bound)?;
            println!(
                "| {} | {} | {:.3} s | {:.3} s | {:.1} s | {:.3} s | {:.0} KiB | {:.0} KiB | {} ({}) | {:.1} s | {:.2} | {} | {:.0} MiB |",
                row.model,
                row.precision,
                row.compile_s,
                row.encrypt_s,
                row.evaluate_median_s,
                row.decrypt_s,
                row.input_ciphertext_kib,
                row.output_ciphertext_kib,
                row.pbs,
                row.estimated_pbs,
                row.lower_bound_s,
                row.actual_over_bound,
                row.equals_clear,
                row.peak_rss_mib
            );
            report.models.push(row);
        }
        println!();
    }

    if parts.contains(&Part::Baseline) {
        let row = run_baseline(&args, &keys)?;
        println!("## Veil vs hand-written TFHE-rs ({})\n", row.model);
        println!("| model | precision | outputs computed | hand-written | its PBS | Veil | Veil PBS | Veil speedup | same integers |");
        println!("|---|---|---|---|---|---|---|---|---|");
        println!(
            "| {} | {} | {:?} of {:?} | {:.1} s | {} | {:.1} s | {} | {:.1}x | {} |\n",
            row.model,
            row.precision,
            row.outputs_computed,
            row.outputs_total,
            row.baseline_s,
            row.baseline_pbs,
            row.veil_s,
            row.veil_pbs,
            row.speedup,
            row.agrees
        );
        report.baseline.push(row);
    }

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("suite.json"), json).map_err(|e| e.to_string())?;
    println!("(written to target/bench/suite.json)");
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
        ("relu", 8, Box::new(|| b.relu(&x8, w))),
        ("max", 8, Box::new(|| b.max(&x8, &y8, w))),
        ("rescale by 3 bits", 8, Box::new(|| b.rescale(&x8, 3, w))),
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

fn run_model(model: &str, args: &Args, keys: &Keys, bound: &dyn Fn(u64) -> f64) -> Result<ModelRow, String> {
    let path = models_dir().join(format!("{model}.onnx"));
    let (compiled, compile_s) = timed(|| pipeline::load_and_compile(&path, &options(model, &args.precision)?));
    let compiled = compiled?;
    let x = first_input(model)?;
    let clear = pipeline::run_clear(&compiled.rt, std::slice::from_ref(&x))?;
    let mut timings = vec![];
    let mut equals_clear = true;
    for _ in 0..args.repeat.max(1) {
        let (out, t) = pipeline::run_tfhe(&compiled.rt, std::slice::from_ref(&x), keys)?;
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
        let zeros = Tensor::new(dims.clone(), vec![0; dims.iter().product()]).map_err(|e| e.to_string())?;
        let ct = keys.client.encrypt(&zeros, w).map_err(|e| e.to_string())?;
        let bytes = EncryptedTensor { width: w, frac: t.frac, tensor: ct }.to_bytes().map_err(|e| e.to_string())?;
        Ok(bytes.len() as f64 / 1024.0)
    };
    let pbs = timings[0].pbs;
    Ok(ModelRow {
        model: model.into(),
        precision: args.precision.clone().unwrap_or_else(|| "default".into()),
        compile_s,
        encrypt_s: secs(timings[0].encrypt),
        evaluate_median_s: median,
        evaluate_s,
        decrypt_s: secs(timings[0].decrypt),
        input_ciphertext_kib: size(&encoding.args[0])?,
        output_ciphertext_kib: size(&encoding.results[0])?,
        pbs,
        estimated_pbs: pipeline::estimated_pbs(&compiled.rt),
        lower_bound_s: bound(pbs),
        actual_over_bound: median / bound(pbs).max(1e-9),
        equals_clear,
        peak_rss_mib: peak_rss_mib(),
    })
}

fn run_baseline(args: &Args, keys: &Keys) -> Result<BaselineRow, String> {
    let model = &args.baseline_model;
    let path = models_dir().join(format!("{model}.onnx"));
    let compiled = pipeline::load_and_compile(&path, &options(model, &args.precision)?)?;
    let layers = baseline::dense_layers(&compiled.rt)?;
    let x = first_input(model)?;
    let encoding = pipeline::encoding(&compiled.rt)?;
    let ints = pipeline::encode("the input", &x, &encoding.args[0])?;
    let x_ints: Vec<i32> = ints.data.iter().map(|&v| v as i32).collect();

    // Veil, on the same input in the same run.
    let (veil, veil_t) = pipeline::run_tfhe(&compiled.rt, std::slice::from_ref(&x), keys)?;
    let reference = baseline::run_clear(&layers, &x_ints);
    let veil_ints: Vec<i32> = veil.ints[0].data.iter().map(|&v| v as i32).collect();

    // The hand-written program, layer by layer.
    let hl = HlKeys::generate();
    hl.install();
    let mut agrees = veil_ints == reference;
    let (mut clear_in, mut total_s, mut total_pbs) = (x_ints.clone(), 0.0, 0u64);
    let (mut computed, mut totals) = (vec![], vec![]);
    for layer in &layers {
        let n = layer.bias.len();
        let k = args.baseline_outputs.map_or(n, |k| k.clamp(1, n));
        let encrypted = hl.encrypt(&clear_in);
        veil_runtime::tfhe_backend::reset_pbs_count();
        let (out, t) = timed(|| baseline::layer(layer, &encrypted, Some(k)));
        let pbs = veil_runtime::tfhe_backend::pbs_count();
        let clear_out: Vec<i32> = baseline::layer(layer, &clear_in, None);
        agrees &= hl.decrypt(&out) == clear_out[..k];
        total_s += t * n as f64 / k as f64;
        total_pbs += pbs * n as u64 / k as u64;
        computed.push(k);
        totals.push(n);
        clear_in = clear_out;
    }
    let veil_s = secs(veil_t.evaluate);
    Ok(BaselineRow {
        model: model.clone(),
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
