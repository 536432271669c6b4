//! The `veil` binary: a thin wrapper around [`veil_tools::cli::run`].

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let out = veil_tools::cli::run(&args);
    // A closed pipe is no reason to panic; the exit code still tells.
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    std::process::exit(out.code);
}
