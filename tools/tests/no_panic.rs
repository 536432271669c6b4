//! Nothing a user can type makes the front end panic: every prefix of every IR chunk under `test/` and
//! `examples/` (sampled for large chunks) and a few hundred seeded mutations of each file go through parse,
//! verify, the printer (when they verify) and the rendering of every diagnostic. Any outcome but a panic passes.
//! The mutations come from a fixed-seed xorshift, so a failure reproduces exactly. And the `veil-opt` and `veil`
//! binaries, run on adversarial files under a memory cap, exit with an error message and code 1, never a signal.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use common::{display, mlir_files, panic_message, workspace_root};
use veil_ir::{parse, print_module, verify, Registry};
use veil_tools::opt::split_input;

/// At most this many prefixes per chunk (evenly spaced beyond that).
const MAX_PREFIXES: usize = 1500;
/// Mutated inputs per file.
const MUTATIONS: usize = 300;

/// Text fragments that stress the lexer, the grammar and the resolver.
const FRAGMENTS: &[&str] = &[
    "%",
    "@",
    "!",
    "#",
    "{",
    "}",
    "(",
    ")",
    "<",
    ">",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "=",
    "->",
    "x",
    "?",
    "0",
    "-1",
    "0x",
    "1e309",
    "-0.0",
    "nan",
    "99999999999999999999999999999999999999999",
    "i0",
    "i1",
    "i64",
    "i1025",
    "si8",
    "f32",
    "index",
    "tensor<",
    "dense<",
    "dense<\"0x",
    "!he.ct<",
    "!nn.",
    "#loc",
    "loc(",
    "unit",
    "true",
    "%0#1",
    "%0:2",
    "func.func @g() {\n",
    "func.return",
    "module {",
    "\n",
    "\\",
    "é",
    "∞",
    "\u{0}",
    "// -----\n",
    "{veil.secret}",
    "frac = ",
    "x?x",
    "0x0",
];

/// A tiny deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Rng {
        // FNV-1a of the seed text, never zero.
        let h = seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3));
        Rng(h | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let len = bytes.len();
        let at = rng.below(len + 1);
        match rng.below(6) {
            0 if len > 0 => {
                let end = (at + 1 + rng.below(8)).min(len);
                bytes.drain(at.min(end)..end);
            }
            1 if at < len => bytes[at] = b" %@!#{}()<>[]\":,=x0-9.e\n"[rng.below(24)],
            2 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(40)).min(len);
                let piece = bytes[start..end].to_vec();
                bytes.splice(at..at, piece);
            }
            3 if at < len => bytes[at] ^= 1 << rng.below(8),
            _ => {
                let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())].as_bytes();
                bytes.splice(at..at, fragment.iter().copied());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Parses, verifies, prints and renders; returns the panic message if anything panicked.
fn exercise(registry: &Registry, text: &str) -> Option<String> {
    catch_unwind(AssertUnwindSafe(|| match parse("fuzz.mlir", text, registry) {
        Ok(m) => match verify(&m, registry) {
            Ok(()) => drop(print_module(&m)),
            Err(d) => drop(d.to_string()),
        },
        Err(d) => drop(d.to_string()),
    }))
    .err()
    .map(|p| panic_message(&*p))
}

/// The char boundaries of `text` at which to cut prefixes.
fn cut_points(text: &str) -> Vec<usize> {
    let all: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
    if all.len() <= MAX_PREFIXES {
        return all;
    }
    let step = all.len() as f64 / MAX_PREFIXES as f64;
    (0..MAX_PREFIXES).map(|i| all[(i as f64 * step) as usize]).chain([text.len()]).collect()
}

#[test]
fn prefixes_and_mutations_never_panic() {
    let root = workspace_root();
    let registry = veil_lowering::registry();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures: Vec<String> = vec![];
    let mut inputs = 0usize;
    for file in mlir_files(&["test", "examples"]) {
        let name = display(&file);
        let Ok(text) = std::fs::read_to_string(root.join(&file)) else { continue };
        let chunks: Vec<String> =
            split_input(&text).into_iter().map(|c| c.trim_start_matches('\n').to_string()).collect();
        let mut report = |what: String, input: &str, msg: String| {
            if failures.len() < 20 {
                failures.push(format!("{name}: {what} panicked: {msg}\ninput:\n{input}"));
            }
        };
        for (i, chunk) in chunks.iter().enumerate() {
            for cut in cut_points(chunk) {
                inputs += 1;
                if let Some(msg) = exercise(&registry, &chunk[..cut]) {
                    report(format!("chunk {} cut at byte {cut}", i + 1), &chunk[..cut], msg);
                    break;
                }
            }
        }
        let mut rng = Rng::new(&name);
        for n in 0..MUTATIONS {
            let chunk = &chunks[rng.below(chunks.len())];
            let input = mutate(chunk, &mut rng);
            inputs += 1;
            if let Some(msg) = exercise(&registry, &input) {
                report(format!("mutation {n}"), &input, msg);
            }
        }
    }
    let _ = std::panic::take_hook();
    assert!(inputs > 0, "no IR file found");
    assert!(failures.is_empty(), "panics (first {} shown):\n\n{}", failures.len(), failures.join("\n\n"));
}

/// Inputs found to crash the front end once, kept as regressions.
#[test]
fn adversarial_inputs_are_errors() {
    let registry = veil_lowering::registry();
    let deep =
        |n: usize| format!("func.func @f() attributes {{a = {}{}}} {{\n  return\n}}\n", "[".repeat(n), "]".repeat(n));
    let cases = [
        // Nesting deep enough to overflow the stack of a recursive tree walk (an abort, not even a panic).
        deep(100_000),
        "func.func @f() -> tensor<99999999999x99999999999xf32> {\n  return\n}\n".to_string(),
        "func.func @f(%a: i32) -> i32 {\n  return %a#99999999999999999999 : i32\n}\n".to_string(),
    ];
    for input in &cases {
        let outcome = catch_unwind(AssertUnwindSafe(|| match parse("adversarial.mlir", input, &registry) {
            Ok(m) => verify(&m, &registry).map_err(|d| d.to_string()),
            Err(d) => Err(d.to_string()),
        }));
        match outcome {
            Ok(result) => assert!(result.is_err(), "accepted: {}", &input[..input.len().min(200)]),
            Err(p) => panic!("panicked on {}: {}", &input[..input.len().min(200)], panic_message(&*p)),
        }
    }
    assert!(parse("ok.mlir", &deep(200), &registry).is_ok(), "reasonable nesting must still parse");
}

/// The address space a CLI run under test may use: far less than any of the adversarial files would need.
const MEMORY_CAP: u64 = 2 << 30;

/// Runs a binary of this package on `args` under [`MEMORY_CAP`], with extra environment variables.
fn run_capped(binary: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(binary);
    cmd.args(args).env_remove("VEIL_LIMITS").envs(env.iter().copied());
    // SAFETY: the closure runs in the child between fork and exec and only calls setrlimit, which is
    // async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let cap = libc::rlimit { rlim_cur: MEMORY_CAP as libc::rlim_t, rlim_max: MEMORY_CAP as libc::rlim_t };
            if libc::setrlimit(libc::RLIMIT_AS, &cap) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().unwrap_or_else(|e| panic!("cannot run {binary}: {e}"))
}

/// An ONNX model whose one ReLU reads a graph input of 10^19 elements.
fn huge_input_onnx() -> Vec<u8> {
    use prost::Message;
    use veil_tools::onnx::proto::tensor_shape_proto::{dimension, Dimension};
    use veil_tools::onnx::proto::type_proto::{self, Tensor as TensorType};
    use veil_tools::onnx::proto::{GraphProto, ModelProto, NodeProto, TensorShapeProto, TypeProto, ValueInfoProto};
    let info = |name: &str| {
        let dim = [100_000_000_000i64, 100_000_000]
            .iter()
            .map(|&d| Dimension { value: Some(dimension::Value::DimValue(d)), ..Dimension::default() })
            .collect();
        let tensor = TensorType { elem_type: Some(1), shape: Some(TensorShapeProto { dim }) };
        ValueInfoProto {
            name: Some(name.into()),
            r#type: Some(TypeProto { value: Some(type_proto::Value::TensorType(tensor)), ..TypeProto::default() }),
            ..ValueInfoProto::default()
        }
    };
    let relu = NodeProto {
        op_type: Some("Relu".into()),
        input: vec!["x".into()],
        output: vec!["y".into()],
        ..NodeProto::default()
    };
    let graph =
        GraphProto { node: vec![relu], input: vec![info("x")], output: vec![info("y")], ..GraphProto::default() };
    ModelProto { ir_version: Some(8), graph: Some(graph), ..ModelProto::default() }.encode_to_vec()
}

/// The reported crashes and their relatives, through both binaries under a memory cap: each must end with exit
/// code 1 and an error that names the problem, not a panic, an abort or a signal.
#[test]
fn cli_refuses_adversarial_files_under_a_memory_cap() {
    let dir = std::env::temp_dir().join(format!("veil-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        path.to_string_lossy().into_owned()
    };
    let huge_relu = write(
        "huge_relu.mlir",
        br#"func.func @main(%x: tensor<100000000000x100000000xf32> {veil.range = [0.0, 1.0], veil.secret}) -> tensor<100000000000x100000000xf32> {
  %0 = "nn.relu"(%x) : (tensor<100000000000x100000000xf32>) -> tensor<100000000000x100000000xf32>
  return %0 : tensor<100000000000x100000000xf32>
}
"#,
    );
    let huge_splat = write(
        "huge_splat.mlir",
        br#"func.func @main(%x: tensor<4x4000000000xf32> {veil.range = [0.0, 1.0], veil.secret}) -> tensor<4x4000000000xf32> {
  %c = "nn.constant"() {value = dense<1.0> : tensor<4x4000000000xf32>} : () -> tensor<4x4000000000xf32>
  %0 = "nn.add"(%x, %c) : (tensor<4x4000000000xf32>, tensor<4x4000000000xf32>) -> tensor<4x4000000000xf32>
  return %0 : tensor<4x4000000000xf32>
}
"#,
    );
    let lying_hex = write(
        "lying_hex.mlir",
        br#"func.func @main(%x: tensor<4xf32> {veil.range = [0.0, 1.0], veil.secret}) -> tensor<4xf32> {
  %c = "nn.constant"() {value = dense<"0x0000803F"> : tensor<4611686018427387904xf32>} : () -> tensor<4611686018427387904xf32>
  return %x : tensor<4xf32>
}
"#,
    );
    let deep = write(
        "deep.mlir",
        format!("func.func @f() attributes {{a = {}}} {{\n  return\n}}\n", "[".repeat(1 << 20)).as_bytes(),
    );
    let onnx = write("huge_input.onnx", &huge_input_onnx());
    let npy = workspace_root().join("examples/digits_mlp.input0.npy").to_string_lossy().into_owned();
    let model = workspace_root().join("examples/digits_mlp.onnx").to_string_lossy().into_owned();
    // Found by the npy_bytes fuzz target: a header of nested braces made npyz's parser backtrack for minutes.
    let mut nested = b"\x93NUMPY\x01\x00".to_vec();
    let header = format!("{{'descr': '<f4', 'x': {}", "{".repeat(90));
    nested.extend_from_slice(&(header.len() as u16).to_le_bytes());
    nested.extend_from_slice(header.as_bytes());
    let nested_npy = write("nested.npy", &nested);
    let huge_header_npy = write("huge_header.npy", b"\x93NUMPY\x02\x00\xf0\xff\xff\xff{'descr'");
    let opt = env!("CARGO_BIN_EXE_veil-opt");
    let veil = env!("CARGO_BIN_EXE_veil");
    let too_many = "elements, more than the limit of 16777216";
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (opt, vec![&huge_relu, "--nn-to-rt"], too_many),
        (opt, vec![&huge_splat, "--nn-to-rt"], too_many),
        (opt, vec![&lying_hex, "--nn-to-rt"], too_many),
        (opt, vec![&deep], "brackets nested more than 256 levels deep"),
        (veil, vec!["compile", &huge_relu], too_many),
        (veil, vec!["run", &huge_splat, "--backend", "clear", "--input", &npy], too_many),
        (veil, vec!["compile", &onnx, "--input-range", "0,1"], too_many),
        (veil, vec!["import", &onnx], too_many),
        (veil, vec!["run", &model, "--backend", "clear", "--input", &nested_npy], "nests brackets more than 4 deep"),
        (veil, vec!["run", &model, "--backend", "clear", "--input", &huge_header_npy], "at most 10000 are read"),
    ];
    let mut failures = vec![];
    for (binary, args, expected) in &cases {
        let out = run_capped(binary, args, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let name = std::path::Path::new(binary).file_name().map_or_else(String::new, |n| n.to_string_lossy().into());
        if out.status.code() != Some(1) || !stderr.contains("error") || !stderr.contains(expected) {
            failures.push(format!("{name} {}: {:?}\n{stderr}", args.join(" "), out.status));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Files read whole stop at the `file-bytes` limit: a device that never ends, as a model, an input, IR on stdin,
/// and an oversized key file (a valid header, then padding), each an error naming the limit. The limit is lowered
/// to 1 MB here: the default (4 GiB) is above the memory cap.
#[test]
fn files_read_whole_stop_at_the_file_bytes_limit() {
    let dir = std::env::temp_dir().join(format!("veil-file-bytes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut key = b"VEILRT\0\0\x01\x00\x01\x00".to_vec();
    key.resize(2_000_000, 0);
    std::fs::write(dir.join("client.key"), key).expect("write");
    let keys = dir.to_string_lossy().into_owned();
    let model = workspace_root().join("examples/digits_mlp.onnx").to_string_lossy().into_owned();
    let (opt, veil) = (env!("CARGO_BIN_EXE_veil-opt"), env!("CARGO_BIN_EXE_veil"));
    let env = [("VEIL_LIMITS", "file-bytes=1000000")];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (opt, vec!["/dev/zero", "--nn-to-rt"]),
        (veil, vec!["compile", "/dev/zero"]),
        (veil, vec!["run", &model, "--backend", "clear", "--input", "/dev/zero"]),
        (veil, vec!["decrypt", "--keys", &keys, "/dev/zero"]),
    ];
    let mut failures = vec![];
    let expected = "more than 1000000 bytes, the limit; raise the limit with VEIL_LIMITS=file-bytes=N";
    for (binary, args) in &cases {
        let out = run_capped(binary, args, &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(1) || !stderr.contains(expected) {
            failures.push(format!("{binary} {}: {:?}\n{stderr}", args.join(" "), out.status));
        }
    }
    let stdin = std::process::Command::new(opt)
        .arg("-")
        .env("VEIL_LIMITS", "file-bytes=1000000")
        .stdin(std::fs::File::open("/dev/zero").expect("/dev/zero"))
        .output()
        .expect("veil-opt runs");
    let stdin_err = String::from_utf8_lossy(&stdin.stderr);
    if stdin.status.code() != Some(1) || !stdin_err.contains(expected) {
        failures.push(format!("veil-opt - < /dev/zero: {:?}\n{stdin_err}", stdin.status));
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `VEIL_LIMITS` is read by both binaries: it raises a limit, and a malformed value is a clear error.
#[test]
fn veil_limits_environment_variable_raises_limits() {
    let dir = std::env::temp_dir().join(format!("veil-limits-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("nine.mlir");
    std::fs::write(&path, "func.func @f(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {\n  return %a : tensor<3x3xf32>\n}\n")
        .expect("write");
    let file = path.to_string_lossy().into_owned();
    let opt = env!("CARGO_BIN_EXE_veil-opt");
    let lowered = run_capped(opt, &[&file], &[("VEIL_LIMITS", "elements=8")]);
    let raised = run_capped(opt, &[&file, "--limits", "elements=9"], &[("VEIL_LIMITS", "elements=8")]);
    let bad = run_capped(opt, &[&file], &[("VEIL_LIMITS", "elements=lots")]);
    let bad_veil = run_capped(env!("CARGO_BIN_EXE_veil"), &["compile", &file], &[("VEIL_LIMITS", "ops")]);
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(lowered.status.code(), Some(1), "{}", stderr(&lowered));
    assert!(stderr(&lowered).contains("has 9 elements, more than the limit of 8"), "{}", stderr(&lowered));
    assert_eq!(raised.status.code(), Some(0), "--limits applies over VEIL_LIMITS: {}", stderr(&raised));
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(stderr(&bad), "error: VEIL_LIMITS: 'elements' must be a non-negative integer, got 'lots'\n");
    assert_eq!(bad_veil.status.code(), Some(1));
    assert_eq!(stderr(&bad_veil), "error: VEIL_LIMITS: expected KEY=VALUE, got 'ops'\n");
}
