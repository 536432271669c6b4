//! `veil eval MODEL.rt.mlir --server-key KEYS/server.key --input x.ct [--input ...] -o y.ct`: the server's step.
//! It holds no client key: it loads the server key only, refuses a program that is not rt (or contains any op a
//! server cannot run), evaluates on the ciphertexts and writes the encrypted result. The program's model says which
//! files it takes: radix ones, or lookup-table-model ones made for the parameters and rounding it records.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use veil_he::FixedTensor;
use veil_ir::Module;
use veil_runtime::interp::{self, Buffer};
use veil_runtime::{
    Backend, EncryptedTensor, LweBackend, LweCompressedServerKey, LweEncryptedTensor, Persist, ServerKey, Tensor,
    TfheBackend, Width,
};

use super::model_args::{secs, LimitsFlag};
use super::Output;
use crate::pipeline::{self, Level};

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The compiled rt program
    #[arg(value_name = "MODEL.rt.mlir")]
    pub model: PathBuf,
    /// The server (evaluation) key
    #[arg(long, value_name = "server.key")]
    pub server_key: PathBuf,
    /// An encrypted input per program argument, in argument order
    #[arg(long = "input", value_name = "x.ct", required = true)]
    pub inputs: Vec<PathBuf>,
    /// The encrypted result to write
    #[arg(short, long, value_name = "y.ct")]
    pub output: PathBuf,
    #[command(flatten)]
    pub limits: LimitsFlag,
}

pub fn run(args: &EvalArgs) -> Output {
    match execute(args) {
        Ok(stdout) => Output { stdout, ..Output::default() },
        Err(e) => Output::error(e),
    }
}

/// What one evaluation took.
struct Evaluated {
    loading: Duration,
    evaluating: Duration,
    pbs: u64,
}

fn execute(args: &EvalArgs) -> Result<String, String> {
    let options = pipeline::Options { limits: args.limits.limits()?, ..pipeline::Options::default() };
    let loaded = pipeline::load(&args.model, &options)?;
    if loaded.level != Level::Rt {
        return Err(format!(
            "'{}' is an {} program; the server runs rt programs only (veil compile --emit rt)",
            args.model.display(),
            loaded.level.name()
        ));
    }
    let rt = &loaded.module;
    pipeline::check_server_program(rt)?;
    let encoding = pipeline::encoding(rt)?;
    if args.inputs.len() != encoding.args.len() {
        return Err(format!("the program takes {} input(s), {} given", encoding.args.len(), args.inputs.len()));
    }
    let [result_ty] = encoding.results.as_slice() else {
        return Err(format!("the program has {} results; eval writes programs with one", encoding.results.len()));
    };
    let (width, frac) = (Width::new(result_ty.width).map_err(|e| e.to_string())?, result_ty.frac);
    let done = match pipeline::lut_config(rt)? {
        None => {
            let load = |path: &Path| EncryptedTensor::load(path).map(|t| (t.frac, t.tensor));
            let inputs = read_inputs(args, &encoding.args, load)?;
            let start = Instant::now();
            let backend = TfheBackend::new(ServerKey::load(&args.server_key).map_err(|e| e.to_string())?);
            let loading = start.elapsed();
            let (tensor, done) = evaluate(rt, inputs, &backend, width, veil_runtime::tfhe_backend::pbs_count)?;
            EncryptedTensor { width, frac, tensor }.save(&args.output).map_err(|e| e.to_string())?;
            Evaluated { loading, ..done }
        }
        Some(config) => {
            let params = Some(config.keyset.clone());
            let load = |path: &Path| LweEncryptedTensor::load_for(path, &params).map(|t| (t.frac, t.tensor));
            let inputs = read_inputs(args, &encoding.args, load)?;
            let start = Instant::now();
            let key = LweCompressedServerKey::load_for(&args.server_key, &params).map_err(|e| e.to_string())?;
            let backend = LweBackend::new(Arc::new(key.decompress()), config.rounding).with_floors(config.floors);
            let loading = start.elapsed();
            let (tensor, done) = evaluate(rt, inputs, &backend, width, veil_runtime::lwe_backend::pbs_count)?;
            let result = LweEncryptedTensor { keyset: config.keyset, width, frac, tensor };
            result.save(&args.output).map_err(|e| e.to_string())?;
            Evaluated { loading, ..done }
        }
    };
    Ok(format!(
        "evaluated in {} ({} PBS; server key loaded in {}); wrote {}\n",
        secs(done.evaluating),
        done.pbs,
        secs(done.loading),
        args.output.display()
    ))
}

/// Reads the encrypted inputs with `load` (which gives each file's fraction bits and tensor), checking each
/// one's fraction bits against the program's.
fn read_inputs<C>(
    args: &EvalArgs,
    types: &[FixedTensor],
    load: impl Fn(&Path) -> veil_runtime::Result<(i32, Tensor<C>)>,
) -> Result<Vec<Buffer<C>>, String> {
    let mut inputs = vec![];
    for (i, (path, ty)) in args.inputs.iter().zip(types).enumerate() {
        let (frac, tensor) = load(path).map_err(|e| format!("argument #{i}: {e}"))?;
        if frac != ty.frac {
            return Err(format!(
                "argument #{i} ('{}'): encrypted at frac {frac}, the program expects frac {}",
                path.display(),
                ty.frac
            ));
        }
        inputs.push(Buffer::Ct(tensor));
    }
    Ok(inputs)
}

/// Runs the program on `backend`: its one result as ciphertexts (a plaintext result made trivial ones at `width`),
/// with the time it took and the bootstraps `pbs_count` (a process-wide counter) saw.
fn evaluate<B: Backend>(
    rt: &Module,
    inputs: Vec<Buffer<B::Ct>>,
    backend: &B,
    width: Width,
    pbs_count: fn() -> u64,
) -> Result<(Tensor<B::Ct>, Evaluated), String> {
    let start = Instant::now();
    let first = pbs_count();
    let mut outputs = interp::run(rt, None, inputs, backend).map_err(|e| e.to_string())?;
    let pbs = pbs_count() - first;
    let evaluating = start.elapsed();
    let tensor = match outputs.pop() {
        Some(Buffer::Ct(t)) => t,
        Some(Buffer::Pt(t)) => backend.trivial(&t, width).map_err(|e| e.to_string())?,
        None => return Err("the program returned nothing".into()),
    };
    Ok((tensor, Evaluated { loading: Duration::ZERO, evaluating, pbs }))
}
