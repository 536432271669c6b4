//! `veil encrypt --keys KEYS --input X.npy --model MODEL -o x.ct [--arg N]`: the client encodes the input at the
//! fixed-point format of the program's argument N (`round(x · 2^frac)` at its width) and encrypts it with the
//! client key of the program's model (a lookup-table-model program's must be made for the parameters it records);
//! the ciphertext file records its shape, width and fraction bits.

use std::path::PathBuf;

use clap::Args;
use veil_runtime::{ClientKey, EncryptedTensor, LweClientKey, LweEncryptedTensor, Persist, Width};

use super::model_args::{client_key_path, CompileFlags};
use super::{npy, Output};
use crate::pipeline;

#[derive(Args, Debug)]
pub struct EncryptArgs {
    /// The key directory (its client.key is used)
    #[arg(long, value_name = "KEYS")]
    pub keys: PathBuf,
    /// The input tensor
    #[arg(long, value_name = "X.npy")]
    pub input: PathBuf,
    /// The program (any level; compiled to rt, for the lut model where it compiles unless --strategy says
    /// otherwise, to learn the argument's format and the model's parameters)
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// Which argument of the program the input is
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub arg: usize,
    /// The ciphertext file to write
    #[arg(short, long, value_name = "x.ct")]
    pub output: PathBuf,
    #[command(flatten)]
    pub flags: CompileFlags,
}

pub fn run(args: &EncryptArgs) -> Output {
    match execute(args) {
        Ok(stdout) => Output { stdout, ..Output::default() },
        Err(e) => Output::error(e),
    }
}

fn execute(args: &EncryptArgs) -> Result<String, String> {
    let compiled = args.flags.compile(&args.model, Some(&args.input))?;
    let encoding = pipeline::encoding(&compiled.rt)?;
    let ty = encoding.args.get(args.arg).ok_or_else(|| {
        format!("the program has {} argument(s); --arg {} does not exist", encoding.args.len(), args.arg)
    })?;
    let what = format!("argument #{} ('{}')", args.arg, args.input.display());
    let x = npy::read_f32(&args.input).map_err(|e| format!("{what}: {e}"))?;
    let ints = pipeline::encode(&what, &x, &encoding, args.arg)?;
    let (width, frac) = (Width::new(ty.width).map_err(|e| e.to_string())?, ty.frac);
    let key = client_key_path(&args.keys);
    let model = match pipeline::lut_config(&compiled.rt)? {
        None => {
            let client = ClientKey::load(&key).map_err(|e| e.to_string())?;
            let tensor = client.encrypt(&ints, width).map_err(|e| e.to_string())?;
            EncryptedTensor { width, frac, tensor }.save(&args.output).map_err(|e| e.to_string())?;
            "radix"
        }
        Some(config) => {
            let keyset = config.keyset;
            let client = LweClientKey::load_for(&key, &Some(keyset.clone())).map_err(|e| e.to_string())?;
            let tensor = client.encrypt(&ints, width).map_err(|e| e.to_string())?;
            LweEncryptedTensor { keyset, width, frac, tensor }.save(&args.output).map_err(|e| e.to_string())?;
            "lut"
        }
    };
    Ok(format!(
        "encrypted {:?} at i{}, frac {} ({model} model) into {}\n",
        ty.shape,
        ty.width,
        frac,
        args.output.display()
    ))
}
