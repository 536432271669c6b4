//! `veil eval MODEL.rt.mlir --server-key KEYS/server.key --input x.ct [--input ...] -o y.ct`: the server's step.
//! It holds no client key: it loads the server key only, refuses a program that is not rt (or contains any op a
//! server cannot run), evaluates on the ciphertexts and writes the encrypted result.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use veil_runtime::interp::{self, Buffer};
use veil_runtime::{EncryptedTensor, Persist, ServerKey, TfheBackend, Width};

use super::model_args::secs;
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
}

pub fn run(args: &EvalArgs) -> Output {
    match execute(args) {
        Ok(stdout) => Output { stdout, ..Output::default() },
        Err(e) => Output::error(e),
    }
}

fn execute(args: &EvalArgs) -> Result<String, String> {
    let loaded = pipeline::load(&args.model, &pipeline::Options::default())?;
    if loaded.level != Level::Rt {
        return Err(format!(
            "'{}' is an {} program; the server runs rt programs only (veil compile --emit rt)",
            args.model.display(),
            loaded.level.name()
        ));
    }
    pipeline::check_server_program(&loaded.module)?;
    pipeline::require_radix(&loaded.module)?;
    let encoding = pipeline::encoding(&loaded.module)?;
    if args.inputs.len() != encoding.args.len() {
        return Err(format!("the program takes {} input(s), {} given", encoding.args.len(), args.inputs.len()));
    }
    let [result_ty] = encoding.results.as_slice() else {
        return Err(format!("the program has {} results; eval writes programs with one", encoding.results.len()));
    };
    let mut inputs = vec![];
    for (i, (path, ty)) in args.inputs.iter().zip(&encoding.args).enumerate() {
        let ct = EncryptedTensor::load(path).map_err(|e| format!("argument #{i}: {e}"))?;
        if ct.frac != ty.frac {
            return Err(format!(
                "argument #{i} ('{}'): encrypted at frac {}, the program expects frac {}",
                path.display(),
                ct.frac,
                ty.frac
            ));
        }
        inputs.push(Buffer::Ct(ct.tensor));
    }
    let start = Instant::now();
    let key = ServerKey::load(&args.server_key).map_err(|e| e.to_string())?;
    let backend = TfheBackend::new(key);
    let loading = start.elapsed();
    let start = Instant::now();
    veil_runtime::tfhe_backend::reset_pbs_count();
    let mut outputs = interp::run(&loaded.module, None, inputs, &backend).map_err(|e| e.to_string())?;
    let pbs = veil_runtime::tfhe_backend::pbs_count();
    let evaluating = start.elapsed();
    let width = Width::new(result_ty.width).map_err(|e| e.to_string())?;
    let tensor = match outputs.pop() {
        Some(Buffer::Ct(t)) => t,
        Some(Buffer::Pt(t)) => t.map(|&v| backend.server_key().create_trivial_radix(v, width.blocks())),
        None => return Err("the program returned nothing".into()),
    };
    EncryptedTensor { width, frac: result_ty.frac, tensor }.save(&args.output).map_err(|e| e.to_string())?;
    Ok(format!(
        "evaluated in {} ({} PBS; server key loaded in {}); wrote {}\n",
        secs(evaluating),
        pbs,
        secs(loading),
        args.output.display()
    ))
}
