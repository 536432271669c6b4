//! `veil decrypt --keys KEYS y.ct -o y.npy`: the client decrypts a result with its client key and decodes it
//! (`y / 2^frac`, the fraction bits recorded in the ciphertext file); prints the values and their argmax. The client
//! key says the model (it takes no program): a lookup-table-model key reads ciphertexts made for its parameters.

use std::path::PathBuf;

use clap::Args;
use veil_runtime::files::kind_of;
use veil_runtime::{ClientKey, EncryptedTensor, LweClientKey, LweEncryptedTensor, Persist};

use super::model_args::{client_key_path, format_values, write_npy};
use super::Output;
use crate::pipeline;

#[derive(Args, Debug)]
pub struct DecryptArgs {
    /// The key directory (its client.key is used)
    #[arg(long, value_name = "KEYS")]
    pub keys: PathBuf,
    /// The encrypted result
    #[arg(value_name = "y.ct")]
    pub input: PathBuf,
    /// Write the decoded values to this .npy file (float32)
    #[arg(short, long, value_name = "y.npy")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &DecryptArgs) -> Output {
    match execute(args) {
        Ok(stdout) => Output { stdout, ..Output::default() },
        Err(e) => Output::error(e),
    }
}

fn execute(args: &DecryptArgs) -> Result<String, String> {
    let key = client_key_path(&args.keys);
    let lut = kind_of(ClientKey::WHAT, &key).map_err(|e| e.to_string())?.is_lut();
    let (ints, frac) = if lut {
        let client = LweClientKey::load(&key).map_err(|e| e.to_string())?;
        let ct = LweEncryptedTensor::load_for(&args.input, &Some(client.keyset.clone())).map_err(|e| e.to_string())?;
        (client.decrypt(&ct.tensor).map_err(|e| e.to_string())?, ct.frac)
    } else {
        let client = ClientKey::load(&key).map_err(|e| e.to_string())?;
        let ct = EncryptedTensor::load(&args.input).map_err(|e| e.to_string())?;
        (client.decrypt(&ct.tensor).map_err(|e| e.to_string())?, ct.frac)
    };
    let values = pipeline::decode(&ints, frac);
    if let Some(path) = &args.output {
        write_npy(path, &values)?;
    }
    let mut text = format!("output {:?}: {}\n", values.shape(), format_values(values.data()));
    if let Some(k) = pipeline::argmax(values.data()) {
        text.push_str(&format!("  argmax: {k}\n"));
    }
    Ok(text)
}
