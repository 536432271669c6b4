//! The `veil` command line: a clap command with one subcommand per module (`import` here; `run`, `keygen`,
//! `encrypt`, `eval`, `decrypt`, `compile`, `accuracy` join it the same way: a file with its `Args` and `run`,
//! and a variant of [`Command`]). Everything runs in-process and returns an [`Output`], so tests drive the CLI
//! without spawning it; the binary only prints.

pub mod accuracy;
#[cfg(feature = "tfhe")]
pub mod bench;
pub mod compile;
#[cfg(feature = "tfhe")]
pub mod decrypt;
#[cfg(feature = "tfhe")]
pub mod encrypt;
#[cfg(feature = "tfhe")]
pub mod eval;
pub mod import;
#[cfg(feature = "tfhe")]
pub mod keygen;
pub mod model_args;
pub mod npy;
pub mod run;

use clap::{Parser, Subcommand};

/// What a command printed and its exit code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Output {
    /// A failure: `error: message` on stderr, exit code 1.
    pub fn error(message: impl std::fmt::Display) -> Output {
        Output { stderr: format!("error: {message}\n"), code: 1, ..Output::default() }
    }
}

#[derive(Parser)]
#[command(name = "veil", about = "Compile and run neural networks on encrypted data", disable_version_flag = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import an ONNX model into the nn dialect
    Import(import::ImportArgs),
    /// Compile a model (ONNX, nn or he) to an rt program, or stop at --emit nn|he
    Compile(compile::CompileArgs),
    /// Run a model on the float, clear or tfhe backend
    Run(run::RunArgs),
    /// Generate a client key and a server key: radix ones, or for a program's model and parameters (--model)
    #[cfg(feature = "tfhe")]
    Keygen(keygen::KeygenArgs),
    /// Encrypt an input for a program (client)
    #[cfg(feature = "tfhe")]
    Encrypt(encrypt::EncryptArgs),
    /// Evaluate an rt program on encrypted inputs with the server key only (server)
    #[cfg(feature = "tfhe")]
    Eval(eval::EvalArgs),
    /// Decrypt and decode a result (client)
    #[cfg(feature = "tfhe")]
    Decrypt(decrypt::DecryptArgs),
    /// Float and fixed-point accuracy of a model on labelled inputs, their agreement and errors
    Accuracy(accuracy::AccuracyArgs),
    /// Benchmarks on the tfhe backend: kernels, models, Veil against hand-written TFHE-rs and against its peers
    /// (docs/performance.md)
    #[cfg(feature = "tfhe")]
    Bench(bench::BenchArgs),
}

/// Runs `veil` with `args` (without the program name). Usage errors exit 1; `--help` exits 0.
pub fn run(args: &[String]) -> Output {
    let argv = std::iter::once("veil".to_string()).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            return match e.use_stderr() {
                true => Output { stderr: text, code: 1, ..Output::default() },
                false => Output { stdout: text, ..Output::default() },
            };
        }
    };
    match cli.command {
        Command::Import(args) => import::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Run(args) => run::run(&args),
        #[cfg(feature = "tfhe")]
        Command::Keygen(args) => keygen::run(&args),
        #[cfg(feature = "tfhe")]
        Command::Encrypt(args) => encrypt::run(&args),
        #[cfg(feature = "tfhe")]
        Command::Eval(args) => eval::run(&args),
        #[cfg(feature = "tfhe")]
        Command::Decrypt(args) => decrypt::run(&args),
        Command::Accuracy(args) => accuracy::run(&args),
        #[cfg(feature = "tfhe")]
        Command::Bench(args) => bench::run(&args),
    }
}
