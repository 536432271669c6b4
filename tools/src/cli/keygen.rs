//! `veil keygen --out-dir KEYS [--model MODEL [compile flags]]`: the client's keys: `KEYS/client.key` (secret:
//! encrypts and decrypts) and `KEYS/server.key` (the compressed evaluation key the client hands to the server).
//! Radix-model keys serve every radix-model program (one parameter set), so they need no model. A
//! lookup-table-model program runs with the TFHE parameters the compiler chose for it (`rt.tfhe`): `--model`
//! compiles it as `encrypt` does (same default model: lut where it compiles) and makes keys for those parameters.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use veil_runtime::files::describe_lut_keyset;
use veil_runtime::{ClientKey, LweClientKey, Persist};

use super::model_args::{client_key_path, secs, server_key_path, CompileFlags};
use super::Output;
use crate::pipeline;

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// The directory to write client.key and server.key into (created if missing)
    #[arg(long, value_name = "KEYS")]
    pub out_dir: PathBuf,
    /// The program the keys are for (any level; compiled like `veil encrypt --model`, so give the same compile
    /// flags, or compile once to rt): a lookup-table-model program gets keys for the parameters it records, a
    /// radix-model one radix keys. Without it: radix keys, which serve every radix-model program
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub flags: CompileFlags,
}

pub fn run(args: &KeygenArgs) -> Output {
    match execute(args) {
        Ok(stdout) => Output { stdout, ..Output::default() },
        Err(e) => Output::error(e),
    }
}

fn execute(args: &KeygenArgs) -> Result<String, String> {
    let config = match &args.model {
        Some(model) => pipeline::lut_config(&args.flags.compile(model, None)?.rt)?,
        None => match args.flags.first_given() {
            Some(flag) => return Err(format!("{flag} says how to compile a program: give the program with --model")),
            None => None,
        },
    };
    let dir = &args.out_dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create '{}': {e}", dir.display()))?;
    let (client_path, server_path) = (client_key_path(dir), server_key_path(dir));
    let (model, elapsed) = match config {
        None => {
            let start = Instant::now();
            let client = ClientKey::generate();
            let server = client.compressed_server_key();
            let elapsed = start.elapsed();
            save(&client, &client_path, &server, &server_path)?;
            ("the radix model".to_string(), elapsed)
        }
        Some(config) => {
            let start = Instant::now();
            let client = LweClientKey::generate(config.keyset.clone()).map_err(|e| e.to_string())?;
            let server = client.compressed_server_key();
            let elapsed = start.elapsed();
            save(&client, &client_path, &server, &server_path)?;
            (format!("the lut model ({})", describe_lut_keyset(&config.keyset, false)), elapsed)
        }
    };
    Ok(report(&model, elapsed, &client_path, &server_path))
}

fn save(client: &impl Persist, client_path: &Path, server: &impl Persist, server_path: &Path) -> Result<(), String> {
    client.save(client_path).and_then(|()| server.save(server_path)).map_err(|e| e.to_string())
}

fn report(model: &str, elapsed: Duration, client_path: &Path, server_path: &Path) -> String {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len()) as f64 / 1e6;
    format!(
        "generated keys for {model} in {}\n  {} ({:.1} MB, secret: keep it on the client)\n  {} ({:.1} MB, for the \
         server)\n",
        secs(elapsed),
        client_path.display(),
        size(client_path),
        server_path.display(),
        size(server_path)
    )
}
