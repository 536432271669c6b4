//! The compiler driver behind `veil compile`, `veil run`, the client/server commands and `veil accuracy`: loads a
//! model at any level (ONNX → import; `.mlir` → parse and verify, its level told by its ops), compiles it to rt with
//! the `nn-to-rt` pipeline (keeping each stage's module), gives the client encoding of the rt function's arguments
//! and results (`x_int = round(x · 2^frac)`, `y = y_int / 2^frac`), and runs the rt program on the clear or tfhe
//! backend from `f32` inputs, or the nn program on the float reference evaluator.

use std::path::Path;
use std::time::Duration;
#[cfg(feature = "tfhe")]
use std::time::Instant;

use veil_he::{FixedTensor, Kind};
use veil_ir::{parse_and_verify_with_limits, Diagnostics, Limits, Module};
use veil_lowering::he_ranges::scale_round;
use veil_lowering::he_to_rt::Strategy;
use veil_lowering::PassManager;
use veil_nn::eval::Tensor as FloatTensor;
use veil_rt::tfhe_config::Rounding;
#[cfg(feature = "tfhe")]
use veil_rt::tfhe_config::TfheConfig;
use veil_runtime::interp::{self, Buffer};
use veil_runtime::{Backend, ClearBackend, Width};
#[cfg(feature = "tfhe")]
use veil_runtime::{ClientKey, LweBackend, LweClientKey, ServerKey, TfheBackend};

use crate::index_bits::Goal;
pub use veil_runtime::Tensor as IntTensor;

/// The dialect level of a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Nn,
    He,
    Rt,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Nn => "nn",
            Level::He => "he",
            Level::Rt => "rt",
        }
    }

    /// `nn`, `he` or `rt`.
    pub fn parse(text: &str) -> Result<Level, String> {
        match text {
            "nn" => Ok(Level::Nn),
            "he" => Ok(Level::He),
            "rt" => Ok(Level::Rt),
            _ => Err(format!("unknown level '{text}'; expected nn, he or rt")),
        }
    }
}

/// How to load and compile a model.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The range of every input element (ONNX models and upstream MLIR programs: the inputs' `veil.range`).
    pub input_range: Option<(f64, f64)>,
    /// Sample inputs whose extremes give the input range (ONNX models and upstream MLIR programs).
    pub calibration: Option<FloatTensor<f32>>,
    /// Options of passes of the `nn-to-rt` pipeline: (pass name, option text such as `act-frac=6`).
    pub pass_options: Vec<(String, String)>,
    /// ONNX graph inputs that are public integers (a `Reshape` shape, `Pad` pads): (position among the graph's
    /// inputs, value). They are bound as compile-time constants, not encrypted.
    pub public_inputs: Vec<PublicInput>,
    /// The execution model: `None` picks the lookup-table model where it compiles, radix otherwise.
    pub strategy: Option<Strategy>,
    /// The lookup-table model's rounding (`tfhe-params{rounding=...}`); exact when `None`.
    pub rounding: Option<Rounding>,
    /// The lookup-table model's failure bound per bootstrap (`tfhe-params{p-fail=...}`), e.g. `2^-40`.
    pub p_fail: Option<String>,
    /// The resource limits the model is held to when it is loaded (docs/limits.md).
    pub limits: Limits,
    /// The lookup-table model's table precision per layer: the i-th table input of the he program
    /// (`he_lut_fuse::table_inputs`, in program order) gets `table_bits[i]` index bits; the rest he-lut-fuse's
    /// `index-bits`. Set by the driver's precision search ([`crate::index_bits`]).
    pub table_bits: Vec<u32>,
}

/// A public integer graph input: its position among the graph's inputs and its value.
pub type PublicInput = (usize, IntTensor<i64>);

/// A loaded program.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub level: Level,
    pub module: Module,
    /// The importer's notes (ONNX models, upstream MLIR programs).
    pub notes: Vec<String>,
}

/// A program compiled to rt, with the modules of the earlier stages it went through.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The nn program (the float reference), when the model was nn or ONNX.
    pub nn: Option<Module>,
    /// The optimized he program just before `he-to-rt`, when the model was nn, ONNX or he.
    pub he: Option<Module>,
    pub rt: Module,
    pub notes: Vec<String>,
    /// The execution model the program was compiled for.
    pub strategy: Strategy,
    /// How many layers of tables the he program has (`he_lut_fuse::table_inputs`): the entries
    /// [`Options::table_bits`] may set.
    pub table_inputs: usize,
}

impl Compiled {
    /// The module at `level`, if the compilation went through it.
    pub fn stage(&self, level: Level) -> Option<&Module> {
        match level {
            Level::Nn => self.nn.as_ref(),
            Level::He => self.he.as_ref(),
            Level::Rt => Some(&self.rt),
        }
    }
}

/// Diagnostics as text, each rendered against its source.
pub fn render(d: &Diagnostics) -> String {
    d.list.iter().map(|diag| diag.render(&d.sources)).collect::<Vec<_>>().join("\n").trim_end().to_string()
}

/// The level of a verified module: the dialect of its ops, or of its function types when it has no dialect op.
pub fn detect_level(m: &Module) -> Result<Level, String> {
    let mut found = vec![];
    for op in m.walk() {
        let dialect = m.op(op).def.dialect();
        let level = if dialect == veil_nn::DIALECT.name {
            Level::Nn
        } else if dialect == veil_he::NAME {
            Level::He
        } else if dialect == veil_rt::NAME {
            Level::Rt
        } else {
            continue;
        };
        if !found.contains(&level) {
            found.push(level);
        }
    }
    if found.is_empty() {
        for f in m.funcs() {
            for arg in &m.block(m.body(f).ok_or("a function has no body")?).args {
                let t = m.value_type(*arg);
                let level = if FixedTensor::of(m, t).is_some() {
                    Level::He
                } else if interp::rt_type(m, t).is_ok() {
                    Level::Rt
                } else {
                    Level::Nn
                };
                if !found.contains(&level) {
                    found.push(level);
                }
            }
        }
    }
    match found.as_slice() {
        [level] => Ok(*level),
        [] => Err("the module has no function arguments or ops to tell its level (nn, he or rt)".into()),
        many => Err(format!(
            "the module mixes levels ({}); give an nn, he or rt program",
            many.iter().map(|l| l.name()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Loads an ONNX model (by its `.onnx` extension or its contents), an upstream MLIR program (TOSA, linalg: the MLIR
/// front end, [`veil_mlir`]) or a Veil program of any level.
pub fn load(path: &Path, options: &Options) -> Result<Loaded, String> {
    let shown = path.display();
    let bytes = veil_ir::limits::read_file(path, &options.limits).map_err(|e| format!("cannot read '{shown}': {e}"))?;
    let is_onnx = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx"));
    let text = (!is_onnx).then(|| std::str::from_utf8(&bytes).ok()).flatten();
    let Some(text) = text else {
        let name = path.file_name().map_or_else(|| shown.to_string(), |n| n.to_string_lossy().into_owned());
        let model = crate::onnx::decode_model(&name, &bytes).map_err(|e| e.to_string())?;
        let import = crate::onnx::ImportOptions {
            input_range: options.input_range,
            calibration: options.calibration.clone(),
            bind: public_bindings(&model, &options.public_inputs)?,
            limits: options.limits,
        };
        let imported = crate::onnx::import_model(&name, &model, &import).map_err(|e| e.to_string())?;
        return Ok(Loaded { level: Level::Nn, module: imported.module, notes: imported.notes });
    };
    let name = path.to_string_lossy();
    if veil_mlir::upstream_op(text).is_some() {
        let import = veil_mlir::ImportOptions {
            input_range: options.input_range,
            calibration: options.calibration.clone(),
            limits: options.limits,
        };
        let imported = veil_mlir::import_text(&name, text, &import).map_err(|e| e.to_string())?;
        return Ok(Loaded { level: Level::Nn, module: imported.module, notes: imported.notes });
    }
    let module = parse_and_verify_with_limits(&name, text, &veil_lowering::registry(), options.limits)
        .map_err(|d| render(&d))?;
    let level = detect_level(&module).map_err(|e| format!("'{shown}': {e}"))?;
    Ok(Loaded { level, module, notes: vec![] })
}

/// The graph inputs (initializers excluded) named by position, bound to the given integers.
fn public_bindings(
    model: &crate::onnx::proto::ModelProto,
    public: &[PublicInput],
) -> Result<std::collections::HashMap<String, crate::onnx::TensorData>, String> {
    let Some(graph) = &model.graph else { return Ok(Default::default()) };
    let initializers: Vec<&str> = graph.initializer.iter().map(|t| t.name()).collect();
    let names: Vec<&str> = graph.input.iter().map(|i| i.name()).filter(|n| !initializers.contains(n)).collect();
    let mut bind = std::collections::HashMap::new();
    for (position, values) in public {
        let name = names
            .get(*position)
            .ok_or_else(|| format!("input #{position} is integer, but the model has {} graph input(s)", names.len()))?;
        let data = veil_nn::eval::Tensor::new(values.shape.iter().map(|&d| d as u64).collect(), values.data.clone())?;
        bind.insert(name.to_string(), crate::onnx::TensorData::Int(data));
    }
    Ok(bind)
}

/// The pipeline of a strategy.
fn pipeline_name(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Radix => "nn-to-rt",
        Strategy::Lut => "nn-to-rt-lut",
    }
}

/// The passes of the strategy's pipeline that run on a program at `from`, with `options` applied, split into those
/// before the first pass that makes tables (`he-abs-relu`, `he-lut-fuse`: where [`Options::table_bits`] is set),
/// those from there to `he-to-rt`, and the rest (`he-to-rt`, and `tfhe-params` in the lookup-table model).
fn passes_from(from: Level, strategy: Strategy, options: &Options) -> Result<[String; 3], String> {
    let registry = veil_lowering::passes();
    let name = pipeline_name(strategy);
    let pipeline = registry.pipeline(name).ok_or_else(|| format!("the {name} pipeline is not registered"))?;
    let items = veil_lowering::pass::registry::split_pipeline(pipeline.passes)?;
    let names: Vec<&str> = items.iter().map(|(n, _)| n.as_str()).collect();
    for (pass, _) in &options.pass_options {
        if !names.contains(&pass.as_str()) {
            return Err(format!("pass '{pass}' is not in the {name} pipeline ({})", names.join(", ")));
        }
    }
    let first = match from {
        Level::Nn => 0,
        _ => names.iter().position(|&n| n == "nn-to-he").map_or(0, |i| i + 1),
    };
    let mut params = vec![];
    if let Some(r) = options.rounding {
        params.push(format!("rounding={}", r.name()));
    }
    if let Some(p) = &options.p_fail {
        params.push(format!("p-fail={p}"));
    }
    let spec = |(n, builtin): &(String, String)| {
        let mut opts: Vec<String> = (!builtin.is_empty()).then(|| builtin.clone()).into_iter().collect();
        if n == "tfhe-params" {
            opts.extend(params.iter().cloned());
        }
        // he-pool-first, he-abs-relu, he-defer-rescale and he-lut-fuse follow the program's rounding, he-abs-relu
        // he-lut-fuse's index bits (unless set on it): one knob each.
        if ["he-pool-first", "he-abs-relu", "he-defer-rescale", "he-lut-fuse"].contains(&n.as_str()) {
            opts.extend(options.rounding.map(|r| format!("rounding={}", r.name())));
        }
        if n == "he-abs-relu" {
            let own = options.pass_options.iter().any(|(p, o)| p == n && o.contains("index-bits"));
            let fuse = options.pass_options.iter().filter(|(p, _)| p == "he-lut-fuse" && !own);
            opts.extend(
                fuse.flat_map(|(_, o)| o.split([',', ' '])).filter(|o| o.starts_with("index-bits=")).map(String::from),
            );
        }
        opts.extend(options.pass_options.iter().filter(|(p, _)| p == n).map(|(_, o)| o.clone()));
        if opts.is_empty() {
            n.to_string()
        } else {
            format!("{n}{{{}}}", opts.join(","))
        }
    };
    let position = |pass: &str| names.iter().position(|&n| n == pass);
    let to_rt = position("he-to-rt").unwrap_or(names.len()).max(first);
    let tables = position("he-abs-relu").or(position("he-lut-fuse")).unwrap_or(to_rt).clamp(first, to_rt);
    let join = |items: &[(String, String)]| items.iter().map(spec).collect::<Vec<_>>().join(",");
    Ok([join(&items[first..tables]), join(&items[tables..to_rt]), join(&items[to_rt..])])
}

fn run_passes(m: &mut Module, pipeline: &str) -> Result<(), String> {
    if pipeline.is_empty() {
        return Ok(());
    }
    let ops = veil_lowering::registry();
    let mut pm = PassManager::new(&ops);
    pm.extend(veil_lowering::passes().parse_pipeline(pipeline)?);
    pm.run(m, &mut Default::default()).map_err(|d| render(&d))
}

/// Compiles a loaded program to rt with the strategy's pipeline (the part of it that applies to the program's
/// level). Without a strategy: the lookup-table model where it compiles (a note says why not otherwise), radix else.
pub fn compile(loaded: Loaded, options: &Options) -> Result<Compiled, String> {
    match options.strategy {
        Some(strategy) => compile_with(loaded, strategy, options),
        None if loaded.level == Level::Rt => {
            let strategy = if is_lut_program(&loaded.module) { Strategy::Lut } else { Strategy::Radix };
            compile_with(loaded, strategy, options)
        }
        None => compile_with(loaded.clone(), Strategy::Lut, options).or_else(|lut_error| {
            let mut compiled = compile_with(loaded, Strategy::Radix, options)?;
            let why = lut_error.lines().next().unwrap_or_default().to_string();
            compiled.notes.push(format!("the lookup-table model does not apply ({why}); compiled for the radix model"));
            Ok(compiled)
        }),
    }
}

/// Bootstraps × the cost model's time per bootstrap, in seconds on one core: how the driver compares lookup-table
/// programs; `None` for a radix program.
pub fn estimated_bootstrap_s(compiled: &Compiled) -> Result<Option<f64>, String> {
    Ok(TfheConfig::read(&compiled.rt)?.map(|c| c.pbs as f64 * c.pbs_us / 1e6))
}

/// Whether an rt program is in the lookup-table model (its ciphertexts are `!rt.lwe`).
pub fn is_lut_program(rt: &Module) -> bool {
    rt.funcs().iter().any(|&f| {
        let (inputs, results) = veil_ir::builtin::func_signature(rt, f);
        inputs.iter().chain(&results).any(|&t| veil_rt::is_lwe(rt, t))
    })
}

fn compile_with(loaded: Loaded, strategy: Strategy, options: &Options) -> Result<Compiled, String> {
    if strategy != Strategy::Lut || loaded.level != Level::Nn {
        return compile_fixed(loaded, strategy, options);
    }
    let (loaded, options, compiled) = match with_pool_form(loaded.clone(), strategy, options) {
        Ok(done) => done,
        Err(e) => {
            // Only the noise budget of wide accumulators is what fewer fraction bits mend.
            let narrow = match with_lut_precision(options) {
                Some(narrow) if e.contains("no TFHE parameters") => narrow,
                _ => return Err(e),
            };
            let (loaded, narrow, mut compiled) = with_pool_form(loaded, strategy, &narrow).map_err(|e| {
                format!(
                    "{e}\n(at {LUT_FRAC} fraction bits for activations and weights, which the driver tries when \
                     assign-precision's default leaves the lookup-table model without parameters)"
                )
            })?;
            compiled.notes.push(format!(
                "fixed point at {LUT_FRAC} fraction bits for activations and weights: at assign-precision's default \
                 the lookup-table model has no parameters ('assign-precision{{act-frac=N weight-frac=N}}' sets them)"
            ));
            (loaded, narrow, compiled)
        }
    };
    let nn = loaded.module.clone();
    let compile = |o: &Options| compile_fixed(loaded.clone(), strategy, o);
    Ok(crate::decrypt_precision::choose(&nn, &options, &compiled, compile)?.unwrap_or(compiled))
}

/// The fraction bits for activations and weights the lookup-table model falls back to when the user sets neither
/// and assign-precision's default (8, the radix model's) leaves it without parameters: every value is one LWE
/// ciphertext whose noise budget shrinks with each bit an accumulator carries (digits_mlp's logits would need 17).
/// At 4 every shared model compiles but mnist_cryptonets with exact rounding (0–5 points under its float accuracy
/// with calibration rows, docs/accuracy.md), and the driver's checks on the calibration rows raise the tables'
/// precision where needed.
pub const LUT_FRAC: i32 = 4;

/// `options` with [`LUT_FRAC`] for assign-precision's `act-frac` and `weight-frac`, unless the user sets either.
fn with_lut_precision(options: &Options) -> Option<Options> {
    let set = options
        .pass_options
        .iter()
        .any(|(p, o)| p == "assign-precision" && (o.contains("act-frac") || o.contains("weight-frac")));
    if set {
        return None;
    }
    let mut options = options.clone();
    options.pass_options.push(("assign-precision".into(), format!("act-frac={LUT_FRAC} weight-frac={LUT_FRAC}")));
    Some(options)
}

/// The lookup-table model's table precision, when the user sets none, checked on the calibration rows
/// ([`crate::index_bits`]): the program loaded (with calibrated windows, [`crate::windows`], when no precision
/// keeps the predictions but windows do), the options it was compiled with (the raised per-layer precisions, if
/// any) and the program. With neither and no --strategy, the lookup-table model does not apply.
fn with_table_precision(
    loaded: Loaded,
    strategy: Strategy,
    options: &Options,
    goal: crate::index_bits::Goal,
) -> Result<(Loaded, Options, Compiled), String> {
    let compile = |o: &Options| compile_fixed(loaded.clone(), strategy, o);
    let compiled = compile(options)?;
    if crate::index_bits::chosen_by_user(options) {
        return Ok((loaded, options.clone(), compiled));
    }
    let nn = &loaded.module;
    let Ok(Some(choice)) = crate::index_bits::choose(nn, options, &compiled, compile, goal) else {
        return Ok((loaded, options.clone(), compiled));
    };
    if let Some((table_bits, mut raised)) = choice.raised {
        raised.notes.push(choice.note);
        return Ok((loaded, Options { table_bits, ..options.clone() }, raised));
    }
    let compile_nn =
        |module: &Module, o: &Options| compile_fixed(Loaded { module: module.clone(), ..loaded.clone() }, strategy, o);
    if let Some((windowed, options, mut compiled, note)) = crate::windows::choose(nn, options, compile_nn)? {
        compiled.notes.push(format!("{}; {note}", choice.note));
        return Ok((Loaded { module: windowed, ..loaded }, options, compiled));
    }
    if options.strategy.is_none() {
        return Err(choice.note);
    }
    let mut compiled = compiled;
    compiled.notes.push(choice.note);
    Ok((loaded, options.clone(), compiled))
}

/// How many more calibration rows (a share) the slower of two forms of a program must predict like the float model
/// for the driver to keep it.
const FORM_AGREEMENT_GAIN: f64 = 0.02;

/// [`with_table_precision`], except that a classifier with max pooling compiled with approximate rounding is also
/// compiled without he-pool-first (unless the user sets `he-pool-first` options), and the faster kept among the
/// forms that are as close to the float model on the calibration rows as the other: the pooled form is raised
/// (per-layer table precision) until its outputs are on average no farther from the float model's than the other
/// form's, and it misses fewer than [`FORM_AGREEMENT_GAIN`] of the rows the other predicts right; it is kept when it
/// is still the faster. Without calibration rows nothing can tell: the form without.
fn with_pool_form(
    loaded: Loaded,
    strategy: Strategy,
    options: &Options,
) -> Result<(Loaded, Options, Compiled), String> {
    let user_set = options.pass_options.iter().any(|(p, _)| p == "he-pool-first");
    let pools = loaded.module.walk().into_iter().any(|op| loaded.module.op(op).def == &veil_nn::ops::MAX_POOL2D);
    let mut without = options.clone();
    without.pass_options.push(("he-pool-first".into(), "apply=false".into()));
    if options.rounding != Some(Rounding::Approximate) || user_set || !pools {
        return with_table_precision(loaded, strategy, options, Goal::DEFAULT);
    }
    let plain = with_table_precision(loaded.clone(), strategy, &without, Goal::DEFAULT);
    // The form without compiling to nothing: the pooled one; no calibration rows to judge by (or none the float
    // model runs): the form without.
    let Ok(plain) = plain else { return with_table_precision(loaded, strategy, options, Goal::DEFAULT) };
    let Some(reference) = crate::index_bits::Reference::new(&loaded.module, options).ok().flatten() else {
        return Ok(plain);
    };
    let Ok(bar) = reference.fit(&plain.2) else { return Ok(plain) };
    let goal = Goal {
        agreement: crate::index_bits::AGREEMENT.max(bar.agreement - FORM_AGREEMENT_GAIN + 1e-9),
        mean_error: bar.mean_error,
    };
    let Ok(pooled) = with_table_precision(loaded, strategy, options, goal) else { return Ok(plain) };
    let estimated_s = |c: &Compiled| estimated_bootstrap_s(c).ok().flatten().unwrap_or(f64::INFINITY);
    let (pooled_s, plain_s) = (estimated_s(&pooled.2), estimated_s(&plain.2));
    if !reference.fit(&pooled.2).is_ok_and(|fit| goal.met_by(fit)) || pooled_s >= plain_s {
        return Ok(plain);
    }
    let mut pooled = pooled;
    pooled.2.notes.push(format!(
        "max pooling before the rescales and ReLUs that feed it (he-pool-first): an estimated {pooled_s:.1} s of \
         bootstraps on one core instead of {plain_s:.1} s ('he-pool-first{{apply=false}}' keeps them after)"
    ));
    Ok(pooled)
}

/// [`compile_once`], except that a lookup-table program with exact rounding is compiled with and without
/// he-abs-relu's exact floor (unless the user sets `exact-floor`) and the one of the lower estimated time kept: the
/// floor brings every bootstrap to one bit less precision, but encodes the first layer's accumulator wider, which
/// can cost more than it saves (or find no parameters). With calibration rows of a classifier, the slower form is
/// kept instead when it predicts like the float model on [`FORM_AGREEMENT_GAIN`] more of them: the floor's
/// `v + |v|` once cost digits_cnn_relu much of its accuracy (77.5% against 96.0%, a loose proven range after it,
/// since fixed in he-ranges). Without them nothing can tell, and the plain form is kept.
fn compile_fixed(loaded: Loaded, strategy: Strategy, options: &Options) -> Result<Compiled, String> {
    let user_set = options.pass_options.iter().any(|(p, o)| p == "he-abs-relu" && o.contains("exact-floor"));
    if strategy != Strategy::Lut
        || loaded.level == Level::Rt
        || options.rounding == Some(Rounding::Approximate)
        || user_set
    {
        return compile_once(loaded, strategy, options);
    }
    let mut without = options.clone();
    without.pass_options.push(("he-abs-relu".into(), "exact-floor=false".into()));
    let estimated_us = |c: &Compiled| estimated_bootstrap_s(c).ok().flatten().unwrap_or(f64::INFINITY);
    let nn = (loaded.level == Level::Nn).then(|| loaded.module.clone());
    match (compile_once(loaded.clone(), strategy, options), compile_once(loaded, strategy, &without)) {
        (Ok(floor), Ok(plain)) => {
            let reference = match &nn {
                Some(nn) => crate::index_bits::Reference::new(nn, options)?,
                None => None,
            };
            // The faster form, unless the other predicts like the float model on notably more calibration rows;
            // without them, the floor's accuracy cannot be checked: the plain form.
            let keep_floor = match reference {
                Some(r) => keeps_floor(
                    estimated_us(&floor) <= estimated_us(&plain),
                    r.agreement(&floor)?,
                    r.agreement(&plain)?,
                ),
                None => false,
            };
            Ok(if keep_floor { floor } else { plain })
        }
        (Ok(floor), Err(_)) => Ok(floor),
        (Err(_), Ok(plain)) => Ok(plain),
        (Err(_), Err(e)) => Err(e),
    }
}

/// Whether the driver keeps the exact floor form: the faster form, unless the other predicts like the float model
/// on [`FORM_AGREEMENT_GAIN`] more of the calibration rows (`with_floor`, `without`: the shares that agree).
pub fn keeps_floor(floor_is_faster: bool, with_floor: f64, without: f64) -> bool {
    match floor_is_faster {
        true => with_floor + FORM_AGREEMENT_GAIN > without,
        false => with_floor >= without + FORM_AGREEMENT_GAIN,
    }
}

/// Compiles with every option as given.
fn compile_once(loaded: Loaded, strategy: Strategy, options: &Options) -> Result<Compiled, String> {
    let Loaded { level, module, notes } = loaded;
    if level == Level::Rt {
        if is_lut_program(&module) != (strategy == Strategy::Lut) {
            let (is, not) = if strategy == Strategy::Lut { ("radix", "lut") } else { ("lut", "radix") };
            return Err(format!("the rt program is compiled for the {is} model, not the {not} model (--strategy)"));
        }
        return Ok(Compiled { nn: None, he: None, rt: module, notes, strategy, table_inputs: 0 });
    }
    let [before_tables, tables, he_to_rt] = passes_from(level, strategy, options)?;
    let mut he = module.clone();
    run_passes(&mut he, &before_tables)?;
    let table_inputs = set_table_bits(&mut he, &options.table_bits)?;
    run_passes(&mut he, &tables)?;
    let mut rt = he.clone();
    run_passes(&mut rt, &he_to_rt)?;
    let nn = (level == Level::Nn).then_some(module);
    Ok(Compiled { nn, he: Some(he), rt, notes, strategy, table_inputs })
}

/// Sets [`Options::table_bits`] on the he program's table inputs (he-lut-fuse's `veil.index_bits`); returns how
/// many there are.
fn set_table_bits(he: &mut Module, bits: &[u32]) -> Result<usize, String> {
    let inputs = veil_lowering::he_lut_fuse::table_inputs(he);
    if bits.len() > inputs.len() {
        return Err(format!("{} table precisions given for {} table inputs", bits.len(), inputs.len()));
    }
    for (&op, &b) in inputs.iter().zip(bits) {
        let attr = he.int_attr(i64::from(b));
        he.set_attr(op, veil_lowering::he_lut_fuse::INDEX_BITS_ATTR, attr);
    }
    Ok(inputs.len())
}

/// Loads and compiles in one step.
pub fn load_and_compile(path: &Path, options: &Options) -> Result<Compiled, String> {
    compile(load(path, options)?, options)
}

/// Refuses a program a server must not run: anything but rt calls and constants (no client-side op).
pub fn check_server_program(m: &Module) -> Result<(), String> {
    for op in m.walk() {
        let data = m.op(op);
        let dialect = data.def.dialect();
        let allowed = dialect == veil_rt::NAME || matches!(data.name(), "func.func" | "func.return" | "builtin.module");
        if !allowed || data.name().contains("decrypt") {
            return Err(format!(
                "the program contains '{}', which a server cannot run: give an rt program (veil compile --emit rt)",
                data.name()
            ));
        }
    }
    Ok(())
}

/// The client's view of the rt function: the fixed-point format of each argument and result.
#[derive(Clone, Debug, PartialEq)]
pub struct Encoding {
    pub args: Vec<FixedTensor>,
    /// The integers each argument may hold: its declared range (`veil.range`) at its frac, which every width of
    /// the program was proven for, or else its type's range. (A lookup-table program encodes an argument at the
    /// width of the layer it feeds, wider than its range.)
    pub arg_bounds: Vec<(i128, i128)>,
    pub results: Vec<FixedTensor>,
}

/// The encoding of the only function of an rt module.
pub fn encoding(rt: &Module) -> Result<Encoding, String> {
    let func = interp::find_function(rt, None).map_err(|e| e.to_string())?;
    let (args, results) = interp::signature(rt, func).map_err(|e| e.to_string())?;
    let mut arg_bounds = vec![];
    for (i, t) in args.iter().enumerate() {
        let w = Width::new(t.width).map_err(|e| e.to_string())?;
        let full = (w.min_value(), w.max_value());
        let declared = veil_nn::args::input_range(rt, func, i)?.map(|(lo, hi)| {
            let (lo, hi) = (scale_round(lo, t.frac), scale_round(hi, t.frac));
            (lo.max(full.0), hi.min(full.1))
        });
        arg_bounds.push(declared.unwrap_or(full));
    }
    Ok(Encoding { args, arg_bounds, results })
}

/// The shape of a fixed-point tensor type as the runtime's `usize` dimensions.
pub fn dims(ty: &FixedTensor) -> Vec<usize> {
    ty.shape.iter().map(|&d| d as usize).collect()
}

/// `round(x · 2^frac)` for every element of argument `index`; fails (naming `what`) on a shape mismatch or a value
/// outside the integers the argument may hold ([`Encoding::arg_bounds`]).
pub fn encode(what: &str, x: &FloatTensor<f32>, encoding: &Encoding, index: usize) -> Result<IntTensor<i64>, String> {
    let (Some(ty), Some(&(lo, hi))) = (encoding.args.get(index), encoding.arg_bounds.get(index)) else {
        return Err(format!("{what}: the program has {} argument(s), not {}", encoding.args.len(), index + 1));
    };
    if x.shape() != ty.shape.as_slice() {
        return Err(format!("{what}: shape {:?}, the program expects {:?}", x.shape(), ty.shape));
    }
    let scale = (ty.frac as f64).exp2();
    let mut data = Vec::with_capacity(x.len());
    for (i, &v) in x.data().iter().enumerate() {
        let q = (v as f64 * scale).round();
        if !q.is_finite() || !(lo..=hi).contains(&(q as i128)) {
            return Err(format!(
                "{what}: element {i} = {v} is outside the range the program was compiled for ({}..{}); \
                 recompile with a wider --input-range",
                lo as f64 / scale,
                hi as f64 / scale
            ));
        }
        data.push(q as i64);
    }
    IntTensor::new(dims(ty), data).map_err(|e| format!("{what}: {e}"))
}

/// `y / 2^frac` for every element.
pub fn decode(y: &IntTensor<i64>, frac: i32) -> FloatTensor<f32> {
    let scale = (-frac as f64).exp2();
    let shape = y.shape.iter().map(|&d| d as u64).collect();
    FloatTensor::new(shape, y.data.iter().map(|&v| (v as f64 * scale) as f32).collect())
        .expect("a runtime tensor's shape matches its data")
}

/// The float reference: evaluates the nn program on `inputs`.
pub fn run_float(nn: &Module, inputs: &[FloatTensor<f32>]) -> Result<Vec<FloatTensor<f32>>, String> {
    let func = interp::find_function(nn, None).map_err(|e| e.to_string())?;
    veil_nn::eval::eval_func(nn, func, inputs)
}

/// The outputs of one run: the integers the program computed and their decoded values.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOutput {
    pub ints: Vec<IntTensor<i64>>,
    pub values: Vec<FloatTensor<f32>>,
}

/// Where a tfhe run's time went, and its bootstraps.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub encrypt: Duration,
    pub evaluate: Duration,
    pub decrypt: Duration,
    /// PBS counted by tfhe during the evaluation.
    pub pbs: u64,
    /// The evaluation step by step: each topological level that ran kernel calls.
    pub levels: Vec<LevelTime>,
}

/// The kernel calls of one topological level of the rt program (run in parallel), their wall time and PBS.
#[derive(Clone, Debug)]
pub struct LevelTime {
    pub calls: Vec<veil_ir::OpId>,
    pub time: Duration,
    pub pbs: u64,
}

fn decoded(ints: Vec<IntTensor<i64>>, encoding: &Encoding) -> RunOutput {
    let values = ints.iter().zip(&encoding.results).map(|(t, ty)| decode(t, ty.frac)).collect();
    RunOutput { ints, values }
}

/// Encodes the inputs (plaintext arguments as public integers, ciphertext ones through `cipher`).
fn buffers<C>(
    encoding: &Encoding,
    inputs: &[FloatTensor<f32>],
    mut cipher: impl FnMut(IntTensor<i64>, Width) -> Result<IntTensor<C>, String>,
) -> Result<Vec<Buffer<C>>, String> {
    if inputs.len() != encoding.args.len() {
        return Err(format!("the program takes {} input(s), {} given", encoding.args.len(), inputs.len()));
    }
    let mut out = vec![];
    for (i, (x, ty)) in inputs.iter().zip(&encoding.args).enumerate() {
        let ints = encode(&format!("argument #{i}"), x, encoding, i)?;
        out.push(match ty.kind {
            Kind::Plain => Buffer::Pt(ints),
            Kind::Cipher => Buffer::Ct(cipher(ints, Width::new(ty.width).map_err(|e| e.to_string())?)?),
        });
    }
    Ok(out)
}

fn evaluate<B: Backend>(rt: &Module, inputs: Vec<Buffer<B::Ct>>, backend: &B) -> Result<Vec<Buffer<B::Ct>>, String> {
    interp::run(rt, None, inputs, backend).map_err(|e| e.to_string())
}

/// Runs the rt program on the exact clear backend.
pub fn run_clear(rt: &Module, inputs: &[FloatTensor<f32>]) -> Result<RunOutput, String> {
    let encoding = encoding(rt)?;
    let inputs = buffers(&encoding, inputs, |t, _| Ok(t))?;
    let outputs = evaluate(rt, inputs, &ClearBackend::checked())?;
    let ints = outputs.into_iter().map(|b| match b {
        Buffer::Ct(t) | Buffer::Pt(t) => t,
    });
    Ok(decoded(ints.collect(), &encoding))
}

#[cfg(feature = "tfhe")]
/// A radix client key with the backend its server key drives.
pub struct Keys {
    pub client: ClientKey,
    pub backend: TfheBackend,
}

#[cfg(feature = "tfhe")]
impl Keys {
    pub fn generate() -> Keys {
        let client = ClientKey::generate();
        let server: ServerKey = client.server_key();
        Keys { client, backend: TfheBackend::new(server) }
    }
}

#[cfg(feature = "tfhe")]
/// The TFHE configuration a lookup-table-model program records (`rt.tfhe`: its parameters and rounding), `None`
/// for a radix-model program: what its keys and ciphertexts are made for.
pub fn lut_config(rt: &Module) -> Result<Option<TfheConfig>, String> {
    if !is_lut_program(rt) {
        return Ok(None);
    }
    let config = TfheConfig::read(rt)?
        .ok_or("the lookup-table-model program records no TFHE parameters (rt.tfhe): compile it with --tfhe-params")?;
    Ok(Some(config))
}

#[cfg(feature = "tfhe")]
/// A lookup-table-model client key (for the parameters a program records) with the backend its server key drives.
pub struct LutKeys {
    pub client: LweClientKey,
    pub backend: LweBackend,
    pub config: TfheConfig,
}

#[cfg(feature = "tfhe")]
/// The keys a program runs with: radix keys, or lookup-table-model keys for its recorded parameters.
pub enum ProgramKeys {
    Radix(Box<Keys>),
    Lut(Box<LutKeys>),
}

#[cfg(feature = "tfhe")]
impl ProgramKeys {
    /// Generates the keys `rt` needs: for a lookup-table-model program, from its `rt.tfhe` parameters.
    pub fn for_program(rt: &Module) -> Result<ProgramKeys, String> {
        let Some(config) = lut_config(rt)? else {
            return Ok(ProgramKeys::Radix(Box::new(Keys::generate())));
        };
        let client = LweClientKey::generate(config.keyset.clone()).map_err(|e| e.to_string())?;
        let backend =
            LweBackend::new(std::sync::Arc::new(client.server_key()), config.rounding).with_floors(config.floors);
        Ok(ProgramKeys::Lut(Box::new(LutKeys { client, backend, config })))
    }

    /// The recorded configuration of a lookup-table-model key set.
    pub fn lut_config(&self) -> Option<&TfheConfig> {
        match self {
            ProgramKeys::Lut(k) => Some(&k.config),
            ProgramKeys::Radix(_) => None,
        }
    }
}

#[cfg(feature = "tfhe")]
/// Encrypts, evaluates on ciphertexts with tfhe, decrypts: with radix or lookup-table-model keys.
pub fn run_tfhe(rt: &Module, inputs: &[FloatTensor<f32>], keys: &ProgramKeys) -> Result<(RunOutput, Timings), String> {
    match keys {
        ProgramKeys::Radix(k) => run_encrypted(
            rt,
            inputs,
            |t, w| k.client.encrypt(&t, w).map_err(|e| e.to_string()),
            &k.backend,
            |t| k.client.decrypt(&t).map_err(|e| e.to_string()),
            veil_runtime::tfhe_backend::pbs_count,
        ),
        ProgramKeys::Lut(k) => run_encrypted(
            rt,
            inputs,
            |t, w| k.client.encrypt(&t, w).map_err(|e| e.to_string()),
            &k.backend,
            |t| k.client.decrypt(&t).map_err(|e| e.to_string()),
            veil_runtime::lwe_backend::pbs_count,
        ),
    }
}

#[cfg(feature = "tfhe")]
/// One encrypted run on `backend`: `encrypt` each ciphertext argument, evaluate level by level (timing each and
/// counting bootstraps with `pbs_count`), `decrypt` each result.
fn run_encrypted<B: Backend>(
    rt: &Module,
    inputs: &[FloatTensor<f32>],
    encrypt: impl FnMut(IntTensor<i64>, Width) -> Result<IntTensor<B::Ct>, String>,
    backend: &B,
    decrypt: impl Fn(IntTensor<B::Ct>) -> Result<IntTensor<i64>, String>,
    pbs_count: fn() -> u64,
) -> Result<(RunOutput, Timings), String> {
    let encoding = encoding(rt)?;
    let mut timings = Timings::default();
    let start = Instant::now();
    let inputs = buffers(&encoding, inputs, encrypt)?;
    timings.encrypt = start.elapsed();
    let start = Instant::now();
    let first = pbs_count();
    let mut counted = first;
    let mut record = |ops: &[veil_ir::OpId], time: Duration| {
        let calls: Vec<veil_ir::OpId> = ops.iter().copied().filter(|&op| rt.op(op).def == &veil_rt::CALL).collect();
        let pbs = pbs_count();
        if !calls.is_empty() {
            timings.levels.push(LevelTime { calls, time, pbs: pbs - counted });
        }
        counted = pbs;
    };
    let outputs = interp::run_observed(rt, None, inputs, backend, &mut record).map_err(|e| e.to_string())?;
    timings.pbs = pbs_count() - first;
    timings.evaluate = start.elapsed();
    let start = Instant::now();
    let ints = outputs
        .into_iter()
        .map(|b| match b {
            Buffer::Ct(t) => decrypt(t),
            Buffer::Pt(t) => Ok(t),
        })
        .collect::<Result<Vec<_>, _>>()?;
    timings.decrypt = start.elapsed();
    Ok((decoded(ints, &encoding), timings))
}

/// The cost model's estimate of the bootstraps of the rt program on the tfhe backend.
pub fn estimated_pbs(rt: &Module) -> u64 {
    veil_lowering::he_cost_report::analyze(rt, veil_lowering::cost_model::MACHINE).total_pbs
}

/// The index of the largest element (the first on ties).
pub fn argmax(values: &[f32]) -> Option<usize> {
    values
        .iter()
        .enumerate()
        .fold(None, |best: Option<(usize, f32)>, (i, &v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((i, v)),
        })
        .map(|(i, _)| i)
}

/// The largest absolute difference between two lists of tensors of equal shapes.
pub fn max_abs_diff(a: &[FloatTensor<f32>], b: &[FloatTensor<f32>]) -> f32 {
    a.iter().zip(b).flat_map(|(x, y)| x.data().iter().zip(y.data()).map(|(p, q)| (p - q).abs())).fold(0.0, f32::max)
}
