//! The `veil-opt` binary: a thin wrapper around [`veil_tools::opt::run_in`].

use std::io::{Read, Write};

fn main() {
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let out = veil_tools::opt::run_in(std::path::Path::new(""), &args, &mut || {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    });
    // A closed pipe is no reason to panic; the exit code still tells.
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    std::process::exit(out.code);
}
