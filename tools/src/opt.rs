//! `veil-opt`, the opt-style driver: parses an MLIR file (or each `// -----` chunk of it), runs the passes
//! named on the command line in order, and prints the IR; diagnostics are rendered to stderr, or matched
//! against `expected-*` comments with `--verify-diagnostics`. All logic lives here so tests run it in-process;
//! the binary only passes the process's arguments and stdin.

mod cli;
mod expect;

use std::path::Path;

use veil_ir::{parse_and_verify_with_limits, print_module, Diagnostic, Limits, Module, Registry, SourceMap};
use veil_lowering::{PassManager, PassOutput};

pub use cli::command;
use cli::Exit;

/// The separator of `--split-input-file` chunks, in the input and in the output.
pub const SPLIT_MARKER: &str = "// -----";

/// What a veil-opt run printed and its exit code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptOutput {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Runs veil-opt with `args` (without the program name); `-` reads `stdin`. Paths are relative to the
/// current directory.
pub fn run(args: &[String], stdin: &str) -> OptOutput {
    run_in(Path::new(""), args, &mut |_| Ok(stdin.to_string()))
}

/// Runs veil-opt with relative paths resolved against `dir` (and reported as given); stdin is read only when
/// the input is `-`.
pub fn run_in(dir: &Path, args: &[String], stdin: &mut dyn FnMut(&Limits) -> std::io::Result<String>) -> OptOutput {
    let passes = veil_lowering::passes();
    let config = match cli::parse(&passes, args) {
        Ok(c) => c,
        Err(Exit::Info(text)) => return OptOutput { stdout: text, ..OptOutput::default() },
        Err(Exit::Error(text)) => return fail(text),
    };
    if config.verify_with_mlir && !veil_mlir::AVAILABLE {
        return fail(
            "error: --verify-with-mlir needs veil-opt built with the MLIR front end (`--features mlir`; \
             docs/mlir-frontend.md)\n"
                .into(),
        );
    }
    let (name, text) = match read_input(dir, &config.input, &config.limits, stdin) {
        Ok(input) => input,
        Err(e) => return fail(format!("error: {e}\n")),
    };
    let ops = veil_lowering::registry();
    let mut pm = PassManager::new(&ops);
    pm.verify_each = config.verify_each;
    pm.print_ir_after_all = config.print_ir_after_all;
    // The passes are shared by all chunks: a pass keeps no state between runs.
    pm.extend(config.passes);
    let chunks = if config.split_input_file { split_input(&text) } else { vec![text] };
    let mut out = OptOutput::default();
    let mut ir_parts = vec![];
    for chunk in &chunks {
        let run = process_chunk(&pm, &ops, config.limits, &name, chunk);
        for report in &run.output.reports {
            out.stdout.push_str(&with_newline(&report.text));
        }
        for dump in &run.output.ir_dumps {
            out.stderr.push_str(&dump.render());
        }
        let failed = if config.verify_diagnostics {
            let mismatches = expect::verify(chunk, &name, 0, &run.sources, &run.diagnostics);
            let silent_failure = run.ir.is_none() && run.diagnostics.is_empty();
            for d in &mismatches {
                out.stderr.push_str(&d.render(&run.sources));
            }
            if silent_failure {
                out.stderr.push_str("error: a chunk failed without a diagnostic\n");
            }
            !mismatches.is_empty() || silent_failure
        } else {
            for d in &run.diagnostics {
                out.stderr.push_str(&d.render(&run.sources));
            }
            run.ir.is_none()
        };
        let rejected = match (&run.ir, config.verify_with_mlir) {
            (Some(ir), true) => veil_mlir::verify_text(&format!("{name} (output)"), ir).err(),
            _ => None,
        };
        if let Some(e) = &rejected {
            out.stderr.push_str(&format!("error: MLIR rejects the output:\n{e}\n"));
        }
        if failed || rejected.is_some() {
            out.code = 1;
        }
        ir_parts.push(run.ir.unwrap_or_default());
    }
    let ir = ir_parts.join(&format!("{SPLIT_MARKER}\n"));
    match &config.output {
        Some(path) if path != "-" => {
            if out.code == 0 {
                if let Err(e) = std::fs::write(dir.join(path), ir) {
                    out.stderr.push_str(&format!("error: cannot write '{path}': {e}\n"));
                    out.code = 1;
                }
            }
        }
        _ => out.stdout.push_str(&ir),
    }
    out
}

fn fail(stderr: String) -> OptOutput {
    OptOutput { stdout: String::new(), stderr, code: 1 }
}

fn with_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

fn read_input(
    dir: &Path,
    input: &str,
    limits: &Limits,
    stdin: &mut dyn FnMut(&Limits) -> std::io::Result<String>,
) -> Result<(String, String), String> {
    if input == "-" {
        let text = stdin(limits).map_err(|e| format!("cannot read stdin: {e}"))?;
        return Ok(("<stdin>".to_string(), text));
    }
    let bytes =
        veil_ir::limits::read_file(&dir.join(input), limits).map_err(|e| format!("cannot read '{input}': {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("cannot read '{input}': it is not UTF-8 text"))?;
    Ok((input.to_string(), text))
}

/// Splits at `// -----` lines. Each chunk is padded with the blank lines before it, so that positions in a
/// chunk are positions in the whole file.
pub fn split_input(text: &str) -> Vec<String> {
    let mut chunks = vec![];
    let mut current = String::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if is_split_marker(line) {
            chunks.push(std::mem::take(&mut current));
            current = "\n".repeat(index + 1);
        } else {
            current.push_str(line);
        }
    }
    chunks.push(current);
    chunks
}

fn is_split_marker(line: &str) -> bool {
    line.trim_end().strip_prefix(SPLIT_MARKER).is_some_and(|rest| rest.chars().all(|c| c == '-'))
}

/// What one chunk produced.
struct ChunkRun {
    /// The printed module, when everything succeeded.
    ir: Option<String>,
    output: PassOutput,
    /// Errors, warnings and remarks, in order, and the sources they point into.
    diagnostics: Vec<Diagnostic>,
    sources: SourceMap,
}

fn process_chunk(pm: &PassManager, ops: &Registry, limits: Limits, name: &str, text: &str) -> ChunkRun {
    let mut m: Module = match parse_and_verify_with_limits(name, text, ops, limits) {
        Ok(m) => m,
        Err(d) => return ChunkRun { ir: None, output: PassOutput::default(), diagnostics: d.list, sources: d.sources },
    };
    let mut output = PassOutput::default();
    let result = pm.run(&mut m, &mut output);
    let mut diagnostics = std::mem::take(&mut output.diagnostics);
    match result {
        Ok(()) => ChunkRun { ir: Some(print_module(&m)), output, diagnostics, sources: m.sources },
        Err(d) => {
            diagnostics.extend(d.list);
            ChunkRun { ir: None, output, diagnostics, sources: d.sources }
        }
    }
}
