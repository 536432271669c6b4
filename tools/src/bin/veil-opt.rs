//! The `veil-opt` binary: a thin wrapper around [`veil_tools::opt::run_in`].

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let out = veil_tools::opt::run_in(std::path::Path::new(""), &args, &mut |limits| {
        let bytes = veil_ir::limits::read_all(std::io::stdin().lock(), limits)?;
        String::from_utf8(bytes)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
    });
    // A closed pipe is no reason to panic; the exit code still tells.
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    std::process::exit(out.code);
}
