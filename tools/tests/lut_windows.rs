//! Calibrated windows (he-lut-fuse's `he.clamp` before a table, he-to-rt's coarse table and difference,
//! tools/src/windows.rs): on the clear backend the lookup-table program of a windowed square computes, on every
//! input of the proven range, the square of the middle of its box after the clamp (he-lut-fuse's rule, recomputed
//! here), so it saturates outside the window; on ciphertexts, with approximate rounding, an input a box or more outside the window decrypts to
//! exactly the saturated value whichever neighbouring cell the coarse bootstrap reads; and the driver reads mnist_cryptonets'
//! second layer through a window when no precision over the proven ranges keeps its predictions.

use std::path::{Path, PathBuf};

use veil_ir::parse_and_verify;
use veil_lowering::he_to_rt::Strategy;
use veil_nn::eval::Tensor as FloatTensor;
use veil_rt::tfhe_config::Rounding;
use veil_tools::cli::{accuracy, npy};
use veil_tools::index_bits::AGREEMENT;
use veil_tools::pipeline::{self, Compiled, Level, Loaded, Options};

/// x in [-100, 100] at frac 4 (i12), its window [-3, 5]; the square of x rescaled to frac 2 at frac 4.
const PROGRAM: &str = r#"func.func @main(%x: !he.ct<16xi12, frac = 4> {veil.range = [-100.0, 100.0]}) -> !he.ct<16xi20, frac = 4> {
  %0 = "he.rescale"(%x) {shift = 2, veil.window = [-3.0, 5.0]} : (!he.ct<16xi12, frac = 4>) -> !he.ct<16xi10, frac = 2>
  %1 = "he.square"(%0) : (!he.ct<16xi10, frac = 2>) -> !he.ct<16xi20, frac = 4>
  func.return %1 : !he.ct<16xi20, frac = 4>
}
"#;

fn compile(strategy: Strategy, rounding: Rounding) -> Compiled {
    let module = parse_and_verify("window.mlir", PROGRAM, &veil_lowering::registry()).unwrap_or_else(|d| panic!("{d}"));
    let options = Options { strategy: Some(strategy), rounding: Some(rounding), ..Options::default() };
    pipeline::compile(Loaded { level: Level::He, module, notes: vec![] }, &options).unwrap_or_else(|e| panic!("{e}"))
}

fn input(x: &[f32]) -> FloatTensor<f32> {
    FloatTensor::new(vec![x.len() as u64], x.to_vec()).expect("a tensor")
}

fn run_clear(c: &Compiled, x: &[f32]) -> Vec<f32> {
    pipeline::run_clear(&c.rt, &[input(x)]).unwrap_or_else(|e| panic!("{e}")).values[0].data().to_vec()
}

/// The calls to `callee` in an rt program.
fn calls(rt: &veil_ir::Module, callee: &str) -> usize {
    rt.walk().into_iter().filter(|&op| rt.op(op).attr("callee").and_then(|a| rt.attr_as_str(a)) == Some(callee)).count()
}

/// Every multiple of 1/16 in [-100, 100], in rows of 16.
fn every_input() -> Vec<Vec<f32>> {
    let all: Vec<f32> = (-1600..=1600).map(|i| i as f32 / 16.0).collect();
    all.chunks(16).map(|c| c.iter().copied().chain(std::iter::repeat(0.0)).take(16).collect()).collect()
}

/// What the windowed square computes for x: x at frac 4 clamped to the window [-48, 80] (= [-3, 5]), its box of 8
/// (the table's 5 index bits over the clamp's i8), the square of the box's middle at frac 4: ((2 box + 1) / 4)^2.
fn expected(x: f32) -> f32 {
    let box_ = ((x * 16.0).round() as i64).clamp(-48, 80) >> 3;
    ((2 * box_ + 1) * (2 * box_ + 1)) as f32 / 16.0
}

#[test]
fn a_windowed_table_squares_the_clamped_box_middle() {
    for rounding in [Rounding::Exact, Rounding::Approximate] {
        let lut = compile(Strategy::Lut, rounding);
        assert_eq!((calls(&lut.rt, "lut"), calls(&lut.rt, "sub")), (2, 1), "{rounding:?}: two tables, a difference");
        for x in every_input() {
            let want: Vec<f32> = x.iter().map(|&x| expected(x)).collect();
            assert_eq!(run_clear(&lut, &x), want, "{rounding:?}, inputs {x:?}");
        }
    }
}

#[cfg(feature = "tfhe")]
#[test]
fn on_ciphertexts_inputs_outside_the_window_decrypt_to_the_saturated_value() {
    let lut = compile(Strategy::Lut, Rounding::Approximate);
    let keys = pipeline::ProgramKeys::for_program(&lut.rt).expect("keys");
    // Far outside, just outside, at the ends, inside; the cells' boundaries of the coarse table (2^7 integers at
    // frac 4: multiples of 8.0) put x where the coarse bootstrap may read either neighbouring cell.
    let x = [-100.0, -64.0, -56.0, -8.0, -3.0625, -3.0, 0.0, 2.5, 5.0, 5.0625, 8.0, 16.0, 24.0, 56.0, 64.0, 99.9375];
    let (tfhe, _) = pipeline::run_tfhe(&lut.rt, &[input(&x)], &keys).expect("an encrypted run");
    let (tfhe, clear) = (tfhe.values[0].data().to_vec(), x.map(expected).to_vec());
    for ((&x, &t), &c) in x.iter().zip(&tfhe).zip(&clear) {
        if !(-3.5..=5.5).contains(&x) {
            // A box or more beyond the window, y lies in the margin, whose entries (and their neighbours) are all
            // the saturated value.
            assert_eq!(t, c, "x = {x}: tfhe {tfhe:?}, clear {clear:?}");
        } else {
            // Within a box of the window, the square's own bootstrap may read a neighbouring box (0.5 away), as
            // any approximate lookup does.
            assert!((t - c).abs() <= 0.5 * (2.0 * x.abs() + 1.0), "x = {x}: tfhe {tfhe:?}, clear {clear:?}");
        }
    }
}

fn shared(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../shared/models/{name}"))
}

fn mnist_options() -> Options {
    let calibration = npy::read_f32(&shared("mnist_cryptonets.calib.npy")).expect("calibration rows");
    Options {
        calibration: Some(calibration),
        pass_options: vec![("assign-precision".to_string(), "act-frac=4 weight-frac=4".to_string())],
        rounding: Some(Rounding::Approximate),
        ..Options::default()
    }
}

/// The share of `rows` rows of `file` whose clear prediction equals the float model's.
fn agreement(compiled: &Compiled, file: &str, rows: usize) -> f64 {
    let data: FloatTensor<f32> = npy::read_f32(&shared(file)).expect("rows");
    let nn = compiled.nn.as_ref().expect("an nn stage");
    let agree = (0..rows)
        .filter(|&i| {
            let x = accuracy::row(&data, i).expect("a row");
            let clear = pipeline::run_clear(&compiled.rt, std::slice::from_ref(&x)).expect("clear run");
            let float = pipeline::run_float(nn, std::slice::from_ref(&x)).expect("float run");
            pipeline::argmax(clear.values[0].data()) == pipeline::argmax(float[0].data())
        })
        .count();
    agree as f64 / rows as f64
}

#[test]
fn the_driver_reads_mnist_cryptonets_through_windows() {
    let path = shared("mnist_cryptonets.onnx");
    let c = pipeline::load_and_compile(&path, &mnist_options()).expect("compiles");
    assert_eq!(c.strategy, Strategy::Lut, "{:?}", c.notes);
    let note = c.notes.iter().find(|n| n.contains("calibrated windows")).expect("a note");
    assert!(note.contains("no precision up to 8 bits agrees"), "{note}");
    let he = c.he.as_ref().expect("an he stage");
    let clamps = he.walk().into_iter().filter(|&op| he.op(op).def == &veil_he::CLAMP).count();
    assert_eq!(clamps, 1, "the second square's input only (the first's window is its proven range): {note}");
    assert!(agreement(&c, "mnist_cryptonets.calib.npy", 100) >= AGREEMENT, "{note}");
    // On test rows the driver never saw.
    assert!(agreement(&c, "mnist_cryptonets.inputs.npy", 40) >= 0.95, "{note}");
}
