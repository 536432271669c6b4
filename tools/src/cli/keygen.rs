//! `veil keygen --out-dir KEYS`: the client's keys: `KEYS/client.key` (secret: encrypts and decrypts) and
//! `KEYS/server.key` (the compressed evaluation key the client hands to the server).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use veil_runtime::{ClientKey, Persist};

use super::model_args::{client_key_path, secs, server_key_path};
use super::Output;

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// The directory to write client.key and server.key into (created if missing)
    #[arg(long, value_name = "KEYS")]
    pub out_dir: PathBuf,
}

pub fn run(args: &KeygenArgs) -> Output {
    let dir = &args.out_dir;
    if let Err(e) = std::fs::create_dir_all(dir) {
        return Output::error(format!("cannot create '{}': {e}", dir.display()));
    }
    let start = Instant::now();
    let client = ClientKey::generate();
    let server = client.compressed_server_key();
    let elapsed = start.elapsed();
    let (client_path, server_path) = (client_key_path(dir), server_key_path(dir));
    if let Err(e) = client.save(&client_path).and_then(|()| server.save(&server_path)) {
        return Output::error(e);
    }
    let size = |p: &PathBuf| std::fs::metadata(p).map_or(0, |m| m.len()) as f64 / 1e6;
    let stdout = format!(
        "generated keys in {}\n  {} ({:.1} MB, secret: keep it on the client)\n  {} ({:.1} MB, for the server)\n",
        secs(elapsed),
        client_path.display(),
        size(&client_path),
        server_path.display(),
        size(&server_path)
    );
    Output { stdout, ..Output::default() }
}
