//! Writes small key and ciphertext files of every kind a Veil runtime reads into the folder given as its argument:
//! the seed corpus of the `file_framing` and `runtime_files` fuzz targets (fuzz/run.sh runs it). The lut files use a tiny, insecure
//! parameter set (n = 16, N = 64) so that every file, the server key included, is a few kilobytes and the fuzzer
//! mutates it quickly; the radix files are the client key and a one-element tensor (the radix server keys, tens
//! of megabytes, are left out).

use std::path::PathBuf;
use veil_params::{LutKeyset, LutParams};
use veil_runtime::files::{EncryptedTensor, Persist};
use veil_runtime::{ClientKey, LweClientKey, LweEncryptedTensor, Result, Tensor, Width};

fn main() -> Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus/file_framing".into()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    let tiny = LutParams {
        lwe_dimension: 16,
        glwe_dimension: 1,
        polynomial_size: 64,
        lwe_noise_std: 1e-5,
        glwe_noise_std: 1e-9,
        pbs_base_log: 8,
        pbs_level: 2,
        ks_base_log: 4,
        ks_level: 3,
    };
    let values = Tensor::new(vec![1, 2], vec![3, -2])?;
    let width = Width::new(6)?;
    // Two partitions, so that the seeds hold every part of a keyset (a keyswitch between partitions).
    let wide = LutParams { lwe_dimension: 20, polynomial_size: 128, ..tiny };
    let keyset = LutKeyset { partitions: vec![tiny, wide], routes: vec![(0, 0), (0, 1)] };
    let lut = LweClientKey::generate(keyset.clone())?;
    lut.save(&dir.join("lut_client.key"))?;
    lut.compressed_server_key().save(&dir.join("lut_server.key"))?;
    let tensor = lut.encrypt(&values, width)?;
    LweEncryptedTensor { keyset, width, frac: 2, tensor }.save(&dir.join("lut_x.ct"))?;
    let radix = ClientKey::generate();
    radix.save(&dir.join("radix_client.key"))?;
    let one = Tensor::new(vec![1], vec![5])?;
    let width = Width::new(4)?;
    EncryptedTensor { width, frac: 1, tensor: radix.encrypt(&one, width)? }.save(&dir.join("radix_x.ct"))?;
    println!("wrote the seed files to {}", dir.display());
    Ok(())
}
