//! Nothing a user can type makes the front end panic: every prefix of every IR chunk under `test/` and
//! `examples/` (sampled for large chunks) and a few hundred seeded mutations of each file go through parse,
//! verify, the printer (when they verify) and the rendering of every diagnostic. Any outcome but a panic passes.
//! The mutations come from a fixed-seed xorshift, so a failure reproduces exactly.

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
