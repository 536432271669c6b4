//! `he-cost-report`: an analysis that estimates, per kernel call and in total, the bootstraps (PBS) an rt program
//! runs on the tfhe backend and the time they take on this machine ([`crate::cost_model`]), and reports it as a
//! table or as JSON. An he program is costed as he-to-rt would lower it. The IR is left unchanged.

use serde::Serialize;
use veil_he::shape::broadcast;
use veil_he::FixedTensor;
use veil_ir::{Diagnostics, Module, OpId};
use veil_rt::{Kernel, RtTensor};

use crate::cost_model::{self as cost, Machine, Pbs, Row};
use crate::he_to_rt::{plain_values, HeToRt};
use crate::pass::{Changed, Pass, PassOption, PassOptions};

/// Reports estimated PBS counts and times.
pub struct HeCostReport {
    pub json: bool,
    pub machine: Machine,
}

const OPTIONS: &[PassOption] = &[
    PassOption::enumeration("format", &["table", "json"], "table", "Report as a text table or as JSON"),
    PassOption::int("pbs-us", "20000", "Latency of one PBS on one core, in microseconds"),
    PassOption::int("cores", "2", "Cores the elements of a call run on in parallel"),
];

impl Pass for HeCostReport {
    fn name(&self) -> &'static str {
        "he-cost-report"
    }

    fn description(&self) -> &'static str {
        "Report the estimated bootstraps (PBS) and time of every kernel call of an rt (or he) program"
    }

    fn options() -> &'static [PassOption] {
        OPTIONS
    }

    fn from_options(options: &PassOptions) -> Result<HeCostReport, String> {
        let (us, cores) = (options.int("pbs-us")?, options.int("cores")?);
        if us <= 0 || !(1..=4096).contains(&cores) {
            return Err(format!("he-cost-report: pbs-us must be positive and cores in 1..=4096 (got {us}, {cores})"));
        }
        let machine = Machine { pbs_ms: us as f64 / 1000.0, cores: cores as u32 };
        Ok(HeCostReport { json: options.string("format")? == "json", machine })
    }

    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let has_he = m.walk().into_iter().any(|op| m.op(op).def.dialect() == veil_he::NAME);
        let report = if has_he {
            let mut lowered = m.clone();
            HeToRt { leveled: true, strategy: crate::he_to_rt::Strategy::Radix, clamp_cells: 2 }.run(&mut lowered)?;
            analyze(&lowered, self.machine)
        } else {
            analyze(m, self.machine)
        };
        let text = if self.json { render_json(&report) } else { render_table(&report) };
        Ok(Changed::no().with_report(text))
    }
}

/// One kernel call's estimate.
#[derive(Clone, Debug, Serialize)]
pub struct CallCost {
    /// The `rt.call` op.
    #[serde(skip)]
    pub op: OpId,
    pub func: String,
    /// The source line of the op, when known.
    pub line: Option<usize>,
    pub kernel: &'static str,
    pub variant: Option<String>,
    pub shape: Vec<u64>,
    pub width: u32,
    pub blocks: u32,
    pub pbs: u64,
    /// Whether the count follows the backend's code step by step (else it approximates a tfhe-rs routine).
    pub exact: bool,
    pub seconds: f64,
}

/// The estimate of a whole program.
#[derive(Clone, Debug, Serialize)]
pub struct CostReport {
    pub note: &'static str,
    pub machine: Machine,
    pub calls: Vec<CallCost>,
    pub total_pbs: u64,
    pub total_seconds: f64,
}

const NOTE: &str = "estimates: PBS counts follow the tfhe backend's kernels (sequential carry propagation; \
                    '~' marks approximations of tfhe-rs routines); times assume the PBS spread evenly over the cores";

/// Costs every `rt.call` of the module. A lookup-table-model program (`!rt.lwe`) runs one bootstrap per table
/// lookup (three for an exact rounding), timed at its recorded parameters' estimate when it has `rt.tfhe`.
pub fn analyze(m: &Module, machine: Machine) -> CostReport {
    let lut = veil_rt::tfhe_config::TfheConfig::read(m).ok().flatten();
    let rounding = lut.as_ref().map_or(veil_rt::tfhe_config::Rounding::Exact, |c| c.rounding);
    let floors = lut.as_ref().map(|c| c.floors).unwrap_or_default();
    let machine = match &lut {
        Some(c) => Machine { pbs_ms: c.pbs_us / 1000.0, ..machine },
        None => machine,
    };
    let mut calls = vec![];
    for f in m.funcs() {
        let name = veil_ir::builtin::func_name(m, f).to_string();
        let mut ops = vec![];
        m.walk_into(f, &mut ops);
        for op in ops.into_iter().filter(|&op| m.op(op).def == &veil_rt::CALL) {
            let Ok(kernel) = veil_rt::ops::callee(m, op) else { continue };
            let Some(result) = FixedTensor::of_rt(m, m.value_type(m.op(op).result())) else { continue };
            let variant = m.op(op).attr("variant").and_then(|a| m.attr_as_str(a)).map(str::to_string);
            let pbs = if veil_rt::is_lwe(m, m.value_type(m.op(op).result())) {
                lut_model_pbs(m, op, kernel, (rounding, floors), &result)
            } else {
                call_pbs(m, op, kernel, variant.as_deref(), &result)
            };
            calls.push(CallCost {
                op,
                func: name.clone(),
                line: m.sources.line_col(&m.op(op).loc).map(|(_, line, _)| line),
                kernel: kernel.name,
                variant,
                width: result.width,
                blocks: result.blocks(),
                shape: result.shape,
                pbs: pbs.count,
                exact: pbs.exact,
                seconds: machine.seconds(pbs.count),
            });
        }
    }
    let total_pbs = calls.iter().map(|c| c.pbs).sum();
    CostReport { note: NOTE, machine, total_seconds: machine.seconds(total_pbs), total_pbs, calls }
}

/// The tensors a call reads: operand `i` as an rt tensor.
struct Call<'a> {
    m: &'a Module,
    op: OpId,
    blocks: u32,
}

impl Call<'_> {
    fn operand(&self, i: usize) -> Option<FixedTensor> {
        FixedTensor::of_rt(self.m, self.m.value_type(*self.m.op(self.op).operands.get(i)?))
    }

    fn operand_blocks(&self, i: usize) -> u32 {
        self.operand(i).map_or(self.blocks, |t| t.blocks())
    }

    fn numel(&self, i: usize) -> usize {
        self.operand(i).map_or(0, |t| t.numel() as usize)
    }

    /// The values of plaintext operand `i`; unknown values (a plaintext argument) count as 3 (two digits).
    fn plain(&self, i: usize) -> (Vec<i64>, bool) {
        let Some(&v) = self.m.op(self.op).operands.get(i) else { return (vec![], true) };
        match plain_values(self.m, v) {
            // A splat holds one value for every element.
            Some(&[value]) => (vec![value; self.numel(i)], true),
            Some(values) => (values.to_vec(), true),
            None => (vec![3; self.numel(i)], false),
        }
    }

    fn ints(&self, name: &str, default: &[i64]) -> Vec<usize> {
        let values = self.m.op(self.op).attr(name).and_then(|a| self.m.attr_as_int_array(a));
        values.unwrap_or_else(|| default.to_vec()).into_iter().map(|v| v.max(0) as usize).collect()
    }

    fn int(&self, name: &str, default: i64) -> i64 {
        self.m.op(self.op).attr(name).and_then(|a| self.m.attr_as_int(a)).unwrap_or(default)
    }

    /// The PBS of a linear kernel with these rows over operand 0's elements (then operand 1's, for add/sub).
    fn linear(&self, rows: &[Row], exact: bool) -> Pbs {
        let first = self.numel(0);
        let (a, b) = (self.operand_blocks(0), self.operand_blocks(1));
        let inputs =
            first + if rows.iter().any(|r| r.terms.iter().any(|&(i, _)| i >= first)) { self.numel(1) } else { 0 };
        let pbs = cost::linear(rows, inputs, &|i| if i < first { a } else { b }, self.blocks);
        Pbs { exact: pbs.exact && exact, ..pbs }
    }
}

/// The PBS of one call of the lookup-table model: its tables and exact floors; everything else is leveled.
fn lut_model_pbs(
    m: &Module,
    op: OpId,
    kernel: &Kernel,
    (rounding, floors): (veil_rt::tfhe_config::Rounding, veil_rt::tfhe_config::LookupFloors),
    result: &FixedTensor,
) -> Pbs {
    let int = |name: &str| m.op(op).attr(name).and_then(|a| m.attr_as_int(a)).unwrap_or(0).clamp(0, 63) as u32;
    let (shift, zero_bits) = (int("shift"), int("zero_bits"));
    let per_element = if kernel.he_op() == &veil_he::LUT {
        let width = m.op(op).operands.first().and_then(|&x| FixedTensor::of_rt(m, m.value_type(x))).map_or(0, |t| t.width);
        rounding.pbs_per_lookup(width, shift, zero_bits, floors)
    } else if kernel.he_op() == &veil_he::RESCALE {
        veil_rt::tfhe_config::Floor::of_rescale(shift, int("chunk")).bootstraps()
    } else {
        return Pbs::ZERO;
    };
    Pbs { count: result.numel() * per_element, exact: true }
}

/// The PBS of one call.
fn call_pbs(m: &Module, op: OpId, kernel: &Kernel, variant: Option<&str>, result: &FixedTensor) -> Pbs {
    if kernel.is_leveled(variant) {
        return Pbs::ZERO;
    }
    let call = Call { m, op, blocks: result.blocks() };
    let out = result.numel();
    let he = kernel.he_op();
    let shape = |i: usize| call.operand(i).map(|t| t.shape).unwrap_or_default();
    let elementwise = |a: Vec<u64>, b: Vec<u64>, f: &dyn Fn(usize, usize, usize) -> Row| -> Vec<Row> {
        let out_shape = broadcast(&a, &b).unwrap_or_default();
        let (ia, ib) = (sources(&a, &out_shape), sources(&b, &out_shape));
        (0..ia.len()).map(|o| f(o, ia[o], ib[o])).collect()
    };
    if he == &veil_he::ADD || he == &veil_he::SUB {
        let (n, sign) = (call.numel(0), if he == &veil_he::ADD { 1 } else { -1 });
        let rows = elementwise(shape(0), shape(1), &|_, a, b| Row { terms: vec![(a, 1), (n + b, sign)], constant: 0 });
        call.linear(&rows, true)
    } else if he == &veil_he::ADD_PLAIN || he == &veil_he::SUB_PLAIN || he == &veil_he::MUL_PLAIN {
        let (p, known) = call.plain(1);
        let rows = elementwise(shape(0), shape(1), &|_, a, b| {
            let v = p.get(b).copied().unwrap_or(0);
            match he {
                h if h == &veil_he::ADD_PLAIN => Row { terms: vec![(a, 1)], constant: v.into() },
                h if h == &veil_he::SUB_PLAIN => Row { terms: vec![(a, 1)], constant: -i128::from(v) },
                _ => Row { terms: [(a, v)].into_iter().filter(|&(_, c)| c != 0).collect(), constant: 0 },
            }
        });
        call.linear(&rows, known)
    } else if he == &veil_he::NEG || he == &veil_he::SHL {
        let c = if he == &veil_he::NEG { -1 } else { 1i64.checked_shl(call.int("shift", 0) as u32).unwrap_or(0) };
        call.linear(&(0..call.numel(0)).map(|i| Row { terms: vec![(i, c)], constant: 0 }).collect::<Vec<_>>(), true)
    } else if he == &veil_he::MATMUL_PLAIN {
        let (rows, known) = matmul_rows(&call, &shape(0), &shape(1));
        call.linear(&rows, known)
    } else if he == &veil_he::CONV2D_PLAIN {
        let (rows, known) = conv_rows(&call, &shape(0), &shape(1));
        call.linear(&rows, known)
    } else if he == &veil_he::SUM {
        call.linear(&sum_rows(&call, &shape(0)), true)
    } else if he == &veil_he::AVG_POOL2D {
        let c = call.int("multiplier", 1);
        let rows = pool_windows(&call, &shape(0))
            .into_iter()
            .map(|w| Row { terms: w.into_iter().filter(|_| c != 0).map(|i| (i, c)).collect(), constant: 0 })
            .collect::<Vec<_>>();
        call.linear(&rows, true)
    } else if he == &veil_he::MUL {
        let casts: Pbs = (0..m.op(op).operands.len()).map(|i| cost::cast(call.operand_blocks(i), call.blocks)).sum();
        (casts + cost::mul(call.blocks)).times(out)
    } else if he == &veil_he::SQUARE {
        cost::square(call.operand_blocks(0), call.blocks).times(out)
    } else if he == &veil_he::RESCALE {
        cost::rescale(call.int("shift", 0).clamp(0, 63) as u32, call.operand_blocks(0), call.blocks).times(out)
    } else if he == &veil_he::RELU {
        cost::relu(call.operand_blocks(0)).times(out)
    } else if he == &veil_he::MAX {
        cost::max_of(call.operand_blocks(0), call.operand_blocks(1), call.blocks).times(out)
    } else if he == &veil_he::CLAMP {
        // A scalar maximum, then a scalar minimum (costed as comparisons with a ciphertext, an upper bound).
        let (input, b) = (call.operand_blocks(0), call.blocks);
        (cost::max_of(input, input, b) + cost::max_of(b, b, b)).times(out)
    } else if he == &veil_he::MAX_POOL2D {
        let (input, b) = (call.operand_blocks(0), call.blocks);
        // A window of w elements takes w - 1 pairwise maxima (one for w = 1); the first level reads the input.
        pool_windows(&call, &shape(0))
            .iter()
            .map(|w| match w.len() {
                0 => Pbs::ZERO,
                1 => cost::max_of(input, input, b),
                n => {
                    cost::max_of(input, input, b).times(n as u64 / 2)
                        + cost::max_of(b, b, b).times((n - 1 - n / 2) as u64)
                }
            })
            .sum()
    } else if he == &veil_he::LUT {
        cost::lut(call.operand(0).map_or(0, |t| t.width), call.blocks).times(out)
    } else {
        Pbs::ZERO
    }
}

/// For each element of `out_shape`, the flat index of the element of `in_shape` it broadcasts from.
fn sources(in_shape: &[u64], out_shape: &[u64]) -> Vec<usize> {
    let offset = out_shape.len().saturating_sub(in_shape.len());
    let total: u64 = out_shape.iter().product();
    (0..total as usize)
        .map(|flat| {
            let (mut rest, mut source, mut stride) = (flat, 0usize, 1usize);
            for axis in (0..out_shape.len()).rev() {
                let index = rest % out_shape[axis] as usize;
                rest /= out_shape[axis] as usize;
                if let Some(&d) = axis.checked_sub(offset).and_then(|a| in_shape.get(a)) {
                    source += if d == 1 { 0 } else { index * stride };
                    stride *= d as usize;
                }
            }
            source
        })
        .collect()
}

fn matmul_rows(call: &Call, x: &[u64], w: &[u64]) -> (Vec<Row>, bool) {
    let (&[k, n], Some(&xk)) = (w, x.last()) else { return (vec![], false) };
    let (k, n) = (k as usize, n as usize);
    let m_rows = x[..x.len() - 1].iter().product::<u64>() as usize;
    let (weights, known) = call.plain(1);
    let (bias, bias_known) = if call.operand(2).is_some() { call.plain(2) } else { (vec![], true) };
    if xk as usize != k || weights.len() != k * n {
        return (vec![], false);
    }
    let rows = (0..m_rows * n)
        .map(|o| {
            let (r, col) = (o / n, o % n);
            let terms = (0..k).map(|i| (r * k + i, weights[i * n + col])).filter(|&(_, c)| c != 0).collect();
            Row { terms, constant: bias.get(col).copied().unwrap_or(0).into() }
        })
        .collect();
    (rows, known && bias_known)
}

/// For each output position of a 2-D window sweep over `[h, w]`, its in-bounds taps (input offset in the plane,
/// tap index), as the runtime enumerates them.
fn sweep(hw: [usize; 2], k: [usize; 2], strides: &[usize], pads: &[usize], dil: &[usize]) -> Vec<Vec<(usize, usize)>> {
    let extent = |a: usize| {
        let span = dil[a] * k[a].saturating_sub(1) + 1;
        (hw[a] + pads[a] + pads[a + 2]).checked_sub(span).map_or(0, |room| room / strides[a].max(1) + 1)
    };
    let (oh, ow) = (extent(0), extent(1));
    (0..oh * ow)
        .map(|o| {
            let (oy, ox) = (o / ow, o % ow);
            let mut taps = vec![];
            for ky in 0..k[0] {
                for kx in 0..k[1] {
                    let y = (oy * strides[0] + ky * dil[0]).checked_sub(pads[0]).filter(|&y| y < hw[0]);
                    let x = (ox * strides[1] + kx * dil[1]).checked_sub(pads[1]).filter(|&x| x < hw[1]);
                    if let (Some(y), Some(x)) = (y, x) {
                        taps.push((y * hw[1] + x, ky * k[1] + kx));
                    }
                }
            }
            taps
        })
        .collect()
}

fn conv_rows(call: &Call, x: &[u64], w: &[u64]) -> (Vec<Row>, bool) {
    let (&[n, c, h, wd], &[o, cg, kh, kw]) = (x, w) else { return (vec![], false) };
    let [n, c, h, wd, o, cg, kh, kw] = [n, c, h, wd, o, cg, kh, kw].map(|d| d as usize);
    let g = call.int("groups", 1).max(1) as usize;
    let (weights, known) = call.plain(1);
    let (bias, bias_known) = if call.operand(2).is_some() { call.plain(2) } else { (vec![], true) };
    if o % g != 0 || weights.len() != o * cg * kh * kw {
        return (vec![], false);
    }
    let taps = sweep(
        [h, wd],
        [kh, kw],
        &call.ints("strides", &[1, 1]),
        &call.ints("pads", &[0; 4]),
        &call.ints("dilations", &[1, 1]),
    );
    let (og, positions) = (o / g, taps.len());
    let rows = (0..n * o * positions)
        .map(|flat| {
            let (b, oc, pos) = (flat / (o * positions), flat / positions % o, flat % positions);
            let mut terms = vec![];
            for ci in 0..cg {
                let plane = (b * c + oc / og * cg + ci) * h * wd;
                let kernel = &weights[(oc * cg + ci) * kh * kw..][..kh * kw];
                terms.extend(taps[pos].iter().map(|&(at, tap)| (plane + at, kernel[tap])).filter(|&(_, c)| c != 0));
            }
            Row { terms, constant: bias.get(oc).copied().unwrap_or(0).into() }
        })
        .collect();
    (rows, known && bias_known)
}

/// The input elements of each pooling window (padding left out), planes in order.
fn pool_windows(call: &Call, x: &[u64]) -> Vec<Vec<usize>> {
    let &[n, c, h, w] = x else { return vec![] };
    let [n, c, h, w] = [n, c, h, w].map(|d| d as usize);
    let kernel = call.ints("kernel", &[1, 1]);
    let taps =
        sweep([h, w], [kernel[0], kernel[1]], &call.ints("strides", &[1, 1]), &call.ints("pads", &[0; 4]), &[1, 1]);
    (0..n * c)
        .flat_map(|plane| taps.iter().map(move |t| t.iter().map(|&(at, _)| plane * h * w + at).collect()))
        .collect()
}

fn sum_rows(call: &Call, x: &[u64]) -> Vec<Row> {
    let axes: Vec<usize> = call.ints("axes", &[]);
    let reduced = |a: usize| axes.is_empty() || axes.contains(&a);
    let out_shape: Vec<u64> = x.iter().enumerate().map(|(a, &d)| if reduced(a) { 1 } else { d }).collect();
    let mut rows = vec![Row::default(); out_shape.iter().product::<u64>() as usize];
    let total: u64 = x.iter().product();
    for flat in 0..total as usize {
        let (mut rest, mut target, mut stride) = (flat, 0usize, 1usize);
        for a in (0..x.len()).rev() {
            let index = rest % x[a] as usize;
            rest /= x[a] as usize;
            if !reduced(a) {
                target += index * stride;
                stride *= x[a] as usize;
            }
        }
        rows[target].terms.push((flat, 1));
    }
    rows
}

fn render_json(report: &CostReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn render_table(report: &CostReport) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "// he-cost-report: {}\n// 1 PBS = {} ms on one core, {} cores\n",
        report.note, report.machine.pbs_ms, report.machine.cores
    );
    let _ = writeln!(
        out,
        "{:<10} {:>5}  {:<14} {:<10} {:<14} {:>6} {:>6} {:>11} {:>10}",
        "func", "line", "kernel", "variant", "shape", "width", "blocks", "PBS", "time (s)"
    );
    for c in &report.calls {
        let shape = c.shape.iter().map(u64::to_string).collect::<Vec<_>>().join("x");
        let line = c.line.map_or("-".to_string(), |l| l.to_string());
        let pbs = format!("{}{}", if c.exact { "" } else { "~" }, c.pbs);
        let _ = writeln!(
            out,
            "{:<10} {:>5}  {:<14} {:<10} {:<14} {:>6} {:>6} {:>11} {:>10.3}",
            c.func,
            line,
            c.kernel,
            c.variant.as_deref().unwrap_or("-"),
            if shape.is_empty() { "scalar".into() } else { shape },
            format!("i{}", c.width),
            c.blocks,
            pbs,
            c.seconds
        );
    }
    let approx = if report.calls.iter().all(|c| c.exact) { "" } else { "~" };
    let _ = writeln!(
        out,
        "{:<10} {:>5}  {:<14} {:<10} {:<14} {:>6} {:>6} {:>11} {:>10.3}",
        "total",
        "",
        format!("{} calls", report.calls.len()),
        "",
        "",
        "",
        "",
        format!("{approx}{}", report.total_pbs),
        report.total_seconds
    );
    out
}
