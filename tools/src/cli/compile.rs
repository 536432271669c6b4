//! `veil compile MODEL -o OUT.mlir [--emit nn|he|rt] [--input-range LO,HI] [--calibration F.npy]`: compiles an
//! ONNX model or an nn / he program with the `nn-to-rt` pipeline and writes the program at the requested level.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use veil_ir::print_module;

use super::model_args::{secs, CompileFlags};
use super::Output;
use crate::pipeline::{estimated_pbs, Level};

#[derive(Args, Debug)]
pub struct CompileArgs {
    /// The model: an ONNX file or an nn, he or rt program (.mlir)
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    /// Write the program to this file instead of stdout
    #[arg(short, long, value_name = "OUT.mlir")]
    pub output: Option<PathBuf>,
    /// The level to stop at
    #[arg(long, value_name = "nn|he|rt", default_value = "rt", value_parser = Level::parse)]
    pub emit: Level,
    #[command(flatten)]
    pub flags: CompileFlags,
}

pub fn run(args: &CompileArgs) -> Output {
    let start = Instant::now();
    let compiled = match args.flags.compile(&args.model, None) {
        Ok(c) => c,
        Err(e) => return Output::error(e),
    };
    let Some(module) = compiled.stage(args.emit) else {
        return Output::error(format!(
            "'{}' is already below the {} level; it cannot be emitted at that level",
            args.model.display(),
            args.emit.name()
        ));
    };
    let mut out = Output::default();
    for note in &compiled.notes {
        out.stderr.push_str(&format!("note: {note}\n"));
    }
    out.stderr.push_str(&format!(
        "compiled in {} (estimated {} PBS on the tfhe backend)\n",
        secs(start.elapsed()),
        estimated_pbs(&compiled.rt)
    ));
    let text = print_module(module);
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
