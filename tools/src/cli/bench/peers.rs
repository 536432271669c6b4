//! `veil bench peers`: Veil against the tools users would pick instead, on the same models and rows in one run —
//! Concrete ML (TFHE; exact and approximate rounding) and TenSEAL (CKKS; square-activation models only).
//!
//! Each peer is a Python program of `tools/peers` run with the virtualenv `tools/peers/.venv` (made by
//! `tools/peers/setup.sh`; never by CI). It is started once per model with `--serve`: it compiles, makes its keys
//! and answers one JSON line (bit width, PBS, failure probability, key sizes, compile time, accuracy); then each
//! `row N` line gets one timed encrypted inference. The rows run interleaved — Veil, each peer, Veil, each peer —
//! so that the machine's drift falls on every tool alike. Veil's side is `veil bench models`'s: the same
//! compilation options, one `run_tfhe` per row. A peer's own messages go to `<json-out dir>/peers/*.log`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use clap::ValueEnum;
use serde::{Deserialize, Serialize};
use veil_runtime::Persist;

use super::{options, table_header, table_row, timed, BenchArgs};
use crate::cli::{accuracy, npy};
use crate::pipeline::{self, Options, ProgramKeys};
use veil_lowering::he_to_rt::Strategy;
use veil_rt::tfhe_config::Rounding;

/// A peer configuration: a program of `tools/peers` and its options.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Serialize)]
pub enum Peer {
    /// Concrete ML, accumulators rounded exactly
    ConcreteExact,
    /// Concrete ML, accumulators rounded approximately (fhe.Exactness.APPROXIMATE)
    ConcreteApproximate,
    /// TenSEAL's CKKS with its MNIST tutorial's parameters (square-activation models only)
    Tenseal,
    /// TenSEAL's CKKS with larger parameters (degree 16384, scale 2^40): the tutorial's lose accuracy on logits
    /// of a few hundred
    TensealPrecise,
}

impl Peer {
    pub const ALL: [Peer; 4] = [Peer::ConcreteExact, Peer::ConcreteApproximate, Peer::Tenseal, Peer::TensealPrecise];

    pub fn name(self) -> &'static str {
        match self {
            Peer::ConcreteExact => "concrete-exact",
            Peer::ConcreteApproximate => "concrete-approximate",
            Peer::Tenseal => "tenseal",
            Peer::TensealPrecise => "tenseal-precise",
        }
    }

    fn program(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Peer::ConcreteExact => ("concrete_peer.py", &["--rounding", "exact"]),
            Peer::ConcreteApproximate => ("concrete_peer.py", &["--rounding", "approximate"]),
            Peer::Tenseal => ("tenseal_peer.py", &["--params", "tutorial"]),
            Peer::TensealPrecise => ("tenseal_peer.py", &["--params", "precise"]),
        }
    }
}

/// A configuration of Veil in the comparison.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Serialize)]
pub enum VeilConfig {
    /// The lookup-table model, accumulators rounded exactly (bit for bit)
    LutExact,
    /// The lookup-table model, accumulators rounded approximately
    LutApproximate,
    /// The radix model
    Radix,
}

impl VeilConfig {
    /// `--veil`'s configurations, or the one `--strategy` and `--rounding` name.
    pub fn chosen(args: &BenchArgs) -> Vec<VeilConfig> {
        if !args.veil.is_empty() {
            return args.veil.clone();
        }
        vec![match (args.strategy, args.rounding) {
            (Strategy::Radix, _) => VeilConfig::Radix,
            (Strategy::Lut, Some(Rounding::Approximate)) => VeilConfig::LutApproximate,
            (Strategy::Lut, _) => VeilConfig::LutExact,
        }]
    }

    fn name(self) -> &'static str {
        match self {
            VeilConfig::LutExact => "veil (lut, exact)",
            VeilConfig::LutApproximate => "veil (lut, approximate)",
            VeilConfig::Radix => "veil (radix)",
        }
    }

    /// The compilation options of `model` in this configuration.
    fn options(self, model: &str, args: &BenchArgs) -> Result<Options, String> {
        let (strategy, rounding) = match self {
            VeilConfig::LutExact => (Strategy::Lut, Some(Rounding::Exact)),
            VeilConfig::LutApproximate => (Strategy::Lut, Some(Rounding::Approximate)),
            VeilConfig::Radix => (Strategy::Radix, None),
        };
        let mut options = options(&args.models_dir, model, args, strategy)?;
        options.rounding = rounding;
        Ok(options)
    }

    /// The rounding a peer's configuration is compared with (like with like); `None` for CKKS.
    fn of_peer(peer: Peer) -> Option<VeilConfig> {
        match peer {
            Peer::ConcreteExact => Some(VeilConfig::LutExact),
            Peer::ConcreteApproximate => Some(VeilConfig::LutApproximate),
            Peer::Tenseal | Peer::TensealPrecise => None,
        }
    }
}

/// TFHE-rs's failure probability of one PBS with `PARAM_MESSAGE_2_CARRY_2_KS_PBS`.
const VEIL_P_ERROR_LOG2: i32 = -128;

/// One encrypted inference of one row.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Latency {
    pub row: usize,
    /// The server's evaluation.
    pub seconds: f64,
    /// With encoding, encryption and decryption.
    pub total_seconds: f64,
    pub prediction: i64,
    pub label: i64,
}

/// One tool on one model: what it reports once (the peers' first JSON line has these names) and its latencies.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolRow {
    pub model: String,
    /// `veil` or the peer configuration's name.
    pub tool: String,
    pub version: String,
    pub scheme: String,
    pub bit_width: String,
    pub pbs: Option<u64>,
    /// Failure probability of one PBS (None for CKKS, which is approximate), and of the whole circuit as the tool
    /// reports it (Concrete's `global_p_error`).
    pub p_error: Option<f64>,
    pub global_p_error: Option<f64>,
    pub client_key_bytes: Option<u64>,
    /// The evaluation keys as the tool stores or sends them (Concrete's and Veil's seeded: masks replaced by
    /// their seeds).
    pub eval_key_bytes: Option<u64>,
    /// Veil's evaluation keys as they sit in the server's memory (expanded, the bootstrap keys in the Fourier
    /// domain); the peers report none.
    pub eval_key_memory_bytes: Option<u64>,
    pub compile_s: Option<f64>,
    pub keygen_s: Option<f64>,
    pub accuracy: Option<f64>,
    pub float_accuracy: Option<f64>,
    /// `clear (= encrypted)`, `simulated` or `encrypted`.
    pub accuracy_kind: String,
    pub accuracy_rows: usize,
    pub latencies: Vec<Latency>,
    pub median_s: Option<f64>,
    pub min_s: Option<f64>,
    pub max_s: Option<f64>,
    /// Veil's median latency over this tool's, on the same model.
    pub veil_over_tool: Option<f64>,
    /// Why the peer cannot run this model.
    pub unsupported: Option<String>,
    /// The peer's whole first line.
    pub details: serde_json::Value,
}

/// The python of the peers' virtualenv, and their programs, or the error telling how to make them.
pub fn python(peers_dir: &Path) -> Result<PathBuf, String> {
    let python = peers_dir.join(".venv/bin/python");
    if !python.is_file() {
        return Err(format!(
            "the peers' Python environment '{}' does not exist; make it with `{}` (Concrete ML and TenSEAL from \
             PyPI, about 3 GB), or give its folder with --peers-dir",
            peers_dir.join(".venv").display(),
            peers_dir.join("setup.sh").display()
        ));
    }
    for peer in Peer::ALL {
        let program = peers_dir.join(peer.program().0);
        if !program.is_file() {
            return Err(format!("the peer program '{}' does not exist (see --peers-dir)", program.display()));
        }
    }
    Ok(python)
}

/// Everything `peers` reads, checked before key generation: the environment, each model's files and the rows.
pub fn check(args: &BenchArgs) -> Result<(), String> {
    python(&args.peers_dir)?;
    if args.rows.is_empty() {
        return Err("--rows needs at least one row".into());
    }
    for model in &args.models {
        for suffix in ["onnx", "calib.npy", "inputs.npy", "labels.npy"] {
            let path = args.models_dir.join(format!("{model}.{suffix}"));
            if !path.is_file() {
                return Err(format!("model '{model}': '{}' does not exist (see --models-dir)", path.display()));
            }
        }
        for config in VeilConfig::chosen(args) {
            config.options(model, args)?;
        }
        let inputs = npy::read_f32(&args.models_dir.join(format!("{model}.inputs.npy")))?;
        for &row in &args.rows {
            accuracy::row(&inputs, row).map_err(|e| format!("--rows: {model}.inputs.npy: {e}"))?;
        }
    }
    Ok(())
}

/// A running peer program.
struct PeerProcess {
    peer: Peer,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    log: PathBuf,
}

impl PeerProcess {
    /// Starts the peer on `model` and reads its report; `Ok((None, row))` when it cannot run the model.
    fn start(
        args: &BenchArgs,
        python: &Path,
        peer: Peer,
        model: &str,
        logs: &Path,
    ) -> Result<(Option<Self>, ToolRow), String> {
        let (program, options) = peer.program();
        let log = logs.join(format!("{model}.{}.log", peer.name()));
        let log_file = std::fs::File::create(&log).map_err(|e| format!("cannot create '{}': {e}", log.display()))?;
        let models_dir = std::fs::canonicalize(&args.models_dir).map_err(|e| format!("--models-dir: {e}"))?;
        let mut child = Command::new(python)
            .arg(args.peers_dir.join(program))
            .args(options)
            .args(["--serve", "--model", model, "--models-dir"])
            .arg(models_dir)
            .args(match (peer, args.tenseal_accuracy_rows) {
                (Peer::Tenseal | Peer::TensealPrecise, Some(n)) => vec!["--accuracy-rows".to_string(), n.to_string()],
                _ => vec![],
            })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {} ({}): {e}", peer.name(), python.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut process = PeerProcess { peer, child, stdin, stdout, log };
        let first = process.read()?;
        let mut row: ToolRow = serde_json::from_value(first.clone())
            .map_err(|e| format!("{}: unexpected report {first}: {e}", peer.name()))?;
        row.model = model.to_string();
        row.tool = peer.name().to_string();
        row.details = first;
        if row.unsupported.is_some() {
            process.finish();
            return Ok((None, row));
        }
        Ok((Some(process), row))
    }

    /// The next JSON line, or the error with the end of the peer's log.
    fn read(&mut self) -> Result<serde_json::Value, String> {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).map_err(|e| format!("{}: {e}", self.peer.name()))?;
        if n == 0 {
            let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "{} stopped ({status}); the end of {}:\n{}",
                self.peer.name(),
                self.log.display(),
                tail.join("\n")
            ));
        }
        let value: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("{}: not JSON: {line:?}: {e}", self.peer.name()))?;
        match value.get("error") {
            Some(e) => Err(format!("{}: {e}", self.peer.name())),
            None => Ok(value),
        }
    }

    /// One encrypted inference of `row`.
    fn infer(&mut self, row: usize) -> Result<Latency, String> {
        writeln!(self.stdin, "row {row}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("{}: {e}", self.peer.name()))?;
        let reply = self.read()?;
        serde_json::from_value(reply.clone())
            .map_err(|e| format!("{}: unexpected answer {reply}: {e}", self.peer.name()))
    }

    fn finish(mut self) {
        let _ = writeln!(self.stdin, "quit");
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

/// Median, min and max of the latencies.
fn summarize(row: &mut ToolRow) {
    let mut s: Vec<f64> = row.latencies.iter().map(|l| l.seconds).collect();
    s.sort_by(f64::total_cmp);
    if let (Some(&min), Some(&max)) = (s.first(), s.last()) {
        (row.median_s, row.min_s, row.max_s) = (Some(s[s.len() / 2]), Some(min), Some(max));
    }
}

/// Veil's row: compilation, clear accuracy on every saved row (the tfhe backend computes the same integers), key
/// sizes; latencies come later.
fn veil_row(
    model: &str,
    args: &BenchArgs,
    config: VeilConfig,
) -> Result<(ToolRow, pipeline::Compiled, ProgramKeys), String> {
    let path = args.models_dir.join(format!("{model}.onnx"));
    let (compiled, compile_s) = timed(|| pipeline::load_and_compile(&path, &config.options(model, args)?));
    let compiled = compiled?;
    let (keys, keygen_s) = timed(|| ProgramKeys::for_program(&compiled.rt));
    let keys = keys?;
    let inputs = npy::read_f32(&args.models_dir.join(format!("{model}.inputs.npy")))?;
    let labels = npy::read_i64(&args.models_dir.join(format!("{model}.labels.npy")))?;
    let nn = compiled.nn.as_ref().ok_or("an ONNX model has an nn program")?;
    let n = inputs.shape().first().map_or(0, |&r| r as usize).min(labels.len());
    let (mut correct, mut float_correct) = (0, 0);
    for i in 0..n {
        let x = accuracy::row(&inputs, i)?;
        let label = usize::try_from(labels.data()[i]).ok();
        let clear = pipeline::run_clear(&compiled.rt, std::slice::from_ref(&x))?;
        let float = pipeline::run_float(nn, std::slice::from_ref(&x))?;
        correct += usize::from(clear.values.first().and_then(|v| pipeline::argmax(v.data())) == label);
        float_correct += usize::from(float.first().and_then(|v| pipeline::argmax(v.data())) == label);
    }
    let (act, weight, _) = compiled
        .he
        .as_ref()
        .and_then(veil_lowering::assign_precision::recorded_precision)
        .ok_or("the compiled program records no precision")?;
    let e = |e: veil_runtime::RuntimeError| e.to_string();
    let (scheme, p_error, client_key_bytes, (eval_key_bytes, eval_key_memory_bytes)) = match &keys {
        ProgramKeys::Radix(k) => (
            "TFHE (TFHE-rs radix, PARAM_MESSAGE_2_CARRY_2_KS_PBS)".to_string(),
            f64::from(VEIL_P_ERROR_LOG2).exp2(),
            k.client.to_bytes().map_err(e)?.len() as u64,
            (k.client.compressed_server_key().to_bytes().map_err(e)?.len() as u64, None),
        ),
        ProgramKeys::Lut(k) => {
            let server = k.backend.server_key();
            (
                format!(
                    "TFHE (Veil lut model: {})",
                    super::super::run::describe_model(&compiled.rt).replace('\n', "; ")
                ),
                k.config.p_fail_bound,
                // Each partition's small and GLWE secret keys, 8 bytes a coefficient.
                k.config.keyset.partitions.iter().map(|p| 8 * (p.lwe_dimension + p.big_lwe_dimension()) as u64).sum(),
                (
                    // The server key file `veil keygen` writes (seeded), and the keys expanded in memory.
                    k.client.compressed_server_key().to_bytes().map_err(e)?.len() as u64,
                    Some((server.bootstrap_key_bytes() + server.keyswitch_key_bytes()) as u64),
                ),
            )
        }
    };
    let row = ToolRow {
        model: model.into(),
        tool: config.name().into(),
        version: format!("veil {}", env!("CARGO_PKG_VERSION")),
        scheme,
        bit_width: format!("frac {act}/{weight}; widest ciphertext {} bits", accuracy::widest(&compiled.rt)),
        p_error: Some(p_error),
        client_key_bytes: Some(client_key_bytes),
        eval_key_bytes: Some(eval_key_bytes),
        eval_key_memory_bytes,
        compile_s: Some(compile_s),
        accuracy: Some(correct as f64 / n.max(1) as f64),
        float_accuracy: Some(float_correct as f64 / n.max(1) as f64),
        accuracy_kind: "clear (= encrypted)".into(),
        accuracy_rows: n,
        keygen_s: Some(keygen_s),
        ..ToolRow::default()
    };
    Ok((row, compiled, keys))
}

/// Runs Veil and every peer on every model; appends the table to `out` and returns the rows.
pub fn run(args: &BenchArgs, out: &mut String) -> Result<Vec<ToolRow>, String> {
    let python = python(&args.peers_dir)?;
    let logs = args.json_out.parent().unwrap_or(Path::new(".")).join("peers");
    std::fs::create_dir_all(&logs).map_err(|e| format!("cannot create '{}': {e}", logs.display()))?;
    let peers: &[Peer] = if args.peers.is_empty() { &Peer::ALL } else { &args.peers };
    let mut rows = vec![];
    for model in &args.models {
        let configs = VeilConfig::chosen(args);
        let mut veils = vec![];
        let mut unsupported = vec![];
        for &config in &configs {
            eprintln!("bench: {model}: preparing {}", config.name());
            match veil_row(model, args, config) {
                Ok(v) => veils.push((config, v)),
                // A configuration that cannot compile the model (no parameters) is reported like a peer that
                // cannot run it.
                Err(e) => unsupported.push(ToolRow {
                    model: model.clone(),
                    tool: config.name().into(),
                    unsupported: Some(e.lines().next().unwrap_or_default().to_string()),
                    ..ToolRow::default()
                }),
            }
        }
        let mut running = vec![];
        let mut tools = vec![];
        for &peer in peers {
            eprintln!("bench: {model}: preparing {}", peer.name());
            let (process, row) = PeerProcess::start(args, &python, peer, model, &logs)?;
            running.extend(process.map(|p| (p, tools.len())));
            tools.push(row);
        }
        let inputs = npy::read_f32(&args.models_dir.join(format!("{model}.inputs.npy")))?;
        let labels = npy::read_i64(&args.models_dir.join(format!("{model}.labels.npy")))?;
        for round in 0..args.repeat.max(1) {
            for &r in &args.rows {
                let x = accuracy::row(&inputs, r)?;
                for (_, (veil, compiled, keys)) in &mut veils {
                    eprintln!("bench: {model} row {r} (round {}): {}", round + 1, veil.tool);
                    let (result, t) = pipeline::run_tfhe(&compiled.rt, std::slice::from_ref(&x), keys)?;
                    veil.pbs = Some(t.pbs);
                    veil.latencies.push(Latency {
                        row: r,
                        seconds: t.evaluate.as_secs_f64(),
                        total_seconds: (t.encrypt + t.evaluate + t.decrypt).as_secs_f64(),
                        prediction: result
                            .values
                            .first()
                            .and_then(|v| pipeline::argmax(v.data()))
                            .map_or(-1, |p| p as i64),
                        label: labels.data().get(r).copied().unwrap_or(-1),
                    });
                }
                for (process, i) in &mut running {
                    eprintln!("bench: {model} row {r} (round {}): {}", round + 1, process.peer.name());
                    tools[*i].latencies.push(process.infer(r)?);
                }
            }
        }
        running.into_iter().for_each(|(p, _)| p.finish());
        for (_, (veil, _, keys)) in &mut veils {
            veil.global_p_error = match keys.lut_config() {
                Some(c) => Some(c.p_fail),
                None => veil.pbs.map(|p| p as f64 * f64::from(VEIL_P_ERROR_LOG2).exp2()),
            };
            summarize(veil);
        }
        // Each peer against Veil in the same rounding mode where it has one (Concrete), TenSEAL against Veil's fastest.
        let fastest = veils.iter().filter_map(|(_, (v, _, _))| v.median_s).min_by(f64::total_cmp);
        for (tool, peer) in tools.iter_mut().zip(peers) {
            summarize(tool);
            // A Concrete configuration without Veil in its rounding mode gets no ratio (not a mixed one).
            let veil = match VeilConfig::of_peer(*peer) {
                Some(c) => veils.iter().find(|(k, _)| *k == c).and_then(|(_, (v, _, _))| v.median_s),
                None => fastest,
            };
            tool.veil_over_tool = veil.zip(tool.median_s).map(|(v, t)| v / t.max(1e-9));
        }
        rows.extend(veils.into_iter().map(|(_, (v, _, _))| v));
        rows.extend(unsupported);
        rows.extend(tools);
    }
    write_table(out, &rows, args);
    Ok(rows)
}

fn size(bytes: Option<u64>) -> String {
    match bytes {
        Some(b) if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        Some(b) => format!("{:.0} KiB", b as f64 / 1024.0),
        None => "—".into(),
    }
}

/// Per PBS, and per inference by the union bound (PBS × per PBS) for every TFHE tool alike; Concrete's own
/// `global_p_error` stays in the JSON details.
fn failure(row: &ToolRow) -> String {
    match (row.p_error, row.pbs) {
        (Some(p), Some(pbs)) => format!("{} per PBS; ≤ {} per inference", probability(p), probability(p * pbs as f64)),
        (Some(p), None) => format!("{} per PBS", probability(p)),
        _ => "none (CKKS is approximate)".into(),
    }
}

/// `2^-128` or `8.3e-13`.
fn probability(p: f64) -> String {
    let log = p.log2();
    if p > 0.0 && (log - log.round()).abs() < 1e-9 {
        return format!("2^{}", log.round());
    }
    format!("{p:.1e}")
}

fn write_table(out: &mut String, rows: &[ToolRow], args: &BenchArgs) {
    let columns = [
        "model",
        "tool",
        "version",
        "bit width",
        "PBS",
        "failure probability",
        "compile",
        "keygen",
        "client key",
        "evaluation key (in memory)",
        "accuracy (float)",
        "latency median (min–max)",
        "Veil / tool",
    ];
    table_header(out, "Veil and its peers", &columns);
    let secs = |s: Option<f64>, digits: usize| s.map_or("—".into(), |s| format!("{s:.digits$} s"));
    for row in rows.iter().filter(|r| r.unsupported.is_none()) {
        let pct = |a: Option<f64>| a.map_or("—".into(), |a| format!("{:.1}%", 100.0 * a));
        table_row(
            out,
            &[
                row.model.clone(),
                row.tool.clone(),
                row.version.clone(),
                row.bit_width.clone(),
                row.pbs.map_or("—".into(), |p| p.to_string()),
                failure(row),
                secs(row.compile_s, 3),
                secs(row.keygen_s, 2),
                size(row.client_key_bytes),
                match row.eval_key_memory_bytes {
                    Some(m) => format!("{} ({})", size(row.eval_key_bytes), size(Some(m))),
                    None => size(row.eval_key_bytes),
                },
                format!(
                    "{} ({}) {}, {} rows",
                    pct(row.accuracy),
                    pct(row.float_accuracy),
                    row.accuracy_kind,
                    row.accuracy_rows
                ),
                match (row.median_s, row.min_s, row.max_s) {
                    (Some(m), Some(lo), Some(hi)) => format!("{m:.2} s ({lo:.2}–{hi:.2})"),
                    _ => "—".into(),
                },
                row.veil_over_tool.map_or("—".into(), |r| format!("{r:.2}")),
            ],
        );
    }
    let _ = writeln!(out);
    for row in rows.iter().filter(|r| r.unsupported.is_some()) {
        let _ =
            writeln!(out, "- {} does not run {}: {}", row.tool, row.model, row.unsupported.as_deref().unwrap_or(""));
    }
    let _ = writeln!(
        out,
        "\nRows {:?}, {} round(s), interleaved (Veil, then each peer, row by row). Latency: the server's evaluation \
         of one encrypted input; keys made before. Evaluation key: as the tool stores it (Concrete's and Veil's \
         server key file seeded: each mask replaced by its seed), Veil's expanded in memory in parentheses. Veil / \
         tool: the median of Veil in the same rounding mode (Concrete) or of Veil's fastest configuration \
         (TenSEAL) over the tool's.\n",
        args.rows,
        args.repeat.max(1)
    );
}
