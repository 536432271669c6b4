//! What several targets share: compiling an nn module with a named pipeline and running an rt program on the clear
//! backend with all-zero arguments, both bounded so that every fuzz run takes milliseconds.

use veil_he::{FixedTensor, Kind};
use veil_ir::Module;
use veil_lowering::{PassManager, PassOutput};
use veil_rt::RtTensor;
use veil_runtime::interp::{self, Buffer};
use veil_runtime::tensor::Tensor;
use veil_runtime::ClearBackend;

/// The most elements of any value a program may have for the targets to compile or run it.
pub const MOST_ELEMENTS: u64 = 4096;

/// Runs the pipeline `name` (registered in `veil_lowering::passes()`, or a list of its passes) on `m`: whether it
/// succeeded.
#[allow(dead_code)] // rt_clear_run compiles nothing
pub fn compile(m: &mut Module, name: &str) -> bool {
    let ops = veil_lowering::registry();
    let mut pm = PassManager::new(&ops);
    pm.extend(veil_lowering::passes().parse_pipeline(name).expect("a valid pipeline"));
    pm.run(m, &mut PassOutput::default()).is_ok()
}

/// The lookup-table pipeline with approximate rounding (its registered form is exact): the passes that follow the
/// rounding get `rounding=approximate`, as `veil compile --rounding approximate` gives them.
#[allow(dead_code)] // only nn_programs compiles for both roundings
pub fn lut_approximate_pipeline() -> String {
    let passes = veil_lowering::passes();
    let text = passes.pipeline("nn-to-rt-lut").expect("a registered pipeline").passes;
    let items = veil_lowering::pass::registry::split_pipeline(text).expect("the registered pipeline parses");
    let with_rounding = ["he-abs-relu", "he-defer-rescale", "tfhe-params"];
    let spec = |(name, options): &(String, String)| {
        let mut all: Vec<&str> = (!options.is_empty()).then_some(options.as_str()).into_iter().collect();
        if with_rounding.contains(&name.as_str()) {
            all.push("rounding=approximate");
        }
        if all.is_empty() {
            name.clone()
        } else {
            format!("{name}{{{}}}", all.join(","))
        }
    };
    items.iter().map(spec).collect::<Vec<_>>().join(",")
}

/// Runs the rt program `m` on the clear backend with all-zero arguments of its declared types, unless it has a
/// value of more than [`MOST_ELEMENTS`] elements. The outcome (values or an error) is dropped: only a panic fails.
pub fn run_with_zeros(m: &Module) {
    let small = m.walk().into_iter().all(|op| {
        m.op(op)
            .results
            .iter()
            .all(|&v| FixedTensor::of_rt(m, m.value_type(v)).is_none_or(|t| t.numel() <= MOST_ELEMENTS))
    });
    let Ok(func) = interp::find_function(m, None) else { return };
    let Ok((args, _)) = interp::signature(m, func) else { return };
    if !small || args.iter().any(|t| t.numel() > MOST_ELEMENTS) {
        return;
    }
    let inputs = args
        .iter()
        .map(|t| {
            let zeros = Tensor::new(t.shape.iter().map(|&d| d as usize).collect(), vec![0i64; t.numel() as usize])
                .expect("the shape's own element count");
            match t.kind {
                Kind::Plain => Buffer::Pt(zeros),
                Kind::Cipher => Buffer::Ct(zeros),
            }
        })
        .collect();
    let _ = interp::run(m, None, inputs, &ClearBackend::checked());
}
