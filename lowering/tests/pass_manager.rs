//! The pass infrastructure on a test dialect: registry rules, options reaching the pass, the manager's
//! verification, phase-boundary check, reports and warnings, and cse/dce leaving impure ops alone.

use veil_ir::{
    parse_and_verify, print_module, Arity, Diagnostic, Diagnostics, Dialect, Module, OpDef, Registry, Traits,
};
use veil_lowering::pass::{OptionKind, PassOption, PassOptions};
use veil_lowering::{Changed, Pass, PassManager, PassOutput, PassRegistry, Pipeline};

static ADD: OpDef = OpDef::new("t.add", "a pure sum", Arity::Exactly(2), Arity::Exactly(1))
    .with_traits(Traits::PURE.with(Traits::COMMUTATIVE));
static PRINT: OpDef =
    OpDef::new("t.print", "a side effect", Arity::Exactly(1), Arity::Exactly(1)).with_traits(Traits::NONE);
static T: Dialect = Dialect { name: "t", summary: "test", ops: &[&ADD, &PRINT], verify_type: None };

fn ops() -> Registry {
    let mut r = Registry::new();
    r.register(&T);
    r
}

fn module(text: &str) -> Module {
    parse_and_verify("in.mlir", text, &ops()).unwrap_or_else(|e| panic!("{e}"))
}

const PROGRAM: &str = r#"func.func @f(%a: i32, %b: i32) -> i32 {
  %0 = "t.add"(%a, %b) : (i32, i32) -> i32
  %1 = "t.add"(%b, %a) : (i32, i32) -> i32
  %2 = "t.print"(%0) : (i32) -> i32
  %3 = "t.print"(%1) : (i32) -> i32
  %4 = "t.add"(%2, %2) : (i32, i32) -> i32
  return %0 : i32
}
"#;

/// Breaks the IR: makes the return use a value of another type.
struct Break;
impl Pass for Break {
    fn name(&self) -> &'static str {
        "break-it"
    }
    fn description(&self) -> &'static str {
        "Returns the wrong number of values"
    }
    fn from_options(_: &PassOptions) -> Result<Break, String> {
        Ok(Break)
    }
    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let f = m.funcs()[0];
        let ret = veil_ir::builtin::return_op(m, f).ok_or_else(|| m.error_at(f, "no return"))?;
        let extra = m.op(ret).operands[0];
        m.op_mut(ret).operands.push(extra);
        Ok(Changed::yes())
    }
}

/// Claims to lower away `t`, does nothing.
struct FakeLowering;
impl Pass for FakeLowering {
    fn name(&self) -> &'static str {
        "t-to-nothing"
    }
    fn description(&self) -> &'static str {
        "Pretends to lower the t dialect away"
    }
    fn lowers_away(&self) -> Option<&'static str> {
        Some("t")
    }
    fn from_options(_: &PassOptions) -> Result<FakeLowering, String> {
        Ok(FakeLowering)
    }
    fn run(&self, _: &mut Module) -> Result<Changed, Diagnostics> {
        Ok(Changed::no())
    }
}

/// Counts ops; reports in the chosen format and warns at every impure op.
struct Count {
    json: bool,
    limit: i64,
}
impl Pass for Count {
    fn name(&self) -> &'static str {
        "count-ops"
    }
    fn description(&self) -> &'static str {
        "Counts the ops of the module"
    }
    fn options() -> &'static [PassOption] {
        const OPTIONS: &[PassOption] = &[
            PassOption::enumeration("format", &["text", "json"], "text", "Report format"),
            PassOption::int("limit", "100", "Warn above this many ops"),
        ];
        OPTIONS
    }
    fn from_options(o: &PassOptions) -> Result<Count, String> {
        Ok(Count { json: o.string("format")? == "json", limit: o.int("limit")? })
    }
    fn run(&self, m: &mut Module) -> Result<Changed, Diagnostics> {
        let n = m.walk().len();
        let text = if self.json { format!("{{\"ops\": {n}}}") } else { format!("{n} ops") };
        let mut c = Changed::no().with_report(text);
        if n as i64 > self.limit {
            c = c.with_diagnostic(Diagnostic::warning(m.op(m.funcs()[0]).loc.clone(), "many ops"));
        }
        Ok(c)
    }
}

fn test_registry() -> PassRegistry {
    let mut r = PassRegistry::new();
    r.register::<veil_lowering::cse::Cse>().unwrap();
    r.register::<veil_lowering::dce::Dce>().unwrap();
    r.register::<Break>().unwrap();
    r.register::<FakeLowering>().unwrap();
    r.register::<Count>().unwrap();
    r.register_pipeline(Pipeline { name: "cleanup", description: "cse then dce", passes: "cse,dce" }).unwrap();
    r
}

fn run(passes: &str, verify_each: bool, text: &str) -> (Module, PassOutput, Result<(), Diagnostics>) {
    let ops = ops();
    let mut pm = PassManager::new(&ops);
    pm.verify_each = verify_each;
    pm.extend(test_registry().parse_pipeline(passes).unwrap());
    let mut m = module(text);
    let mut out = PassOutput::default();
    let result = pm.run(&mut m, &mut out);
    (m, out, result)
}

#[test]
fn registry_rejects_duplicates_and_bad_pipelines() {
    let mut r = test_registry();
    assert_eq!(r.register::<Break>().unwrap_err(), "a pass or pipeline named 'break-it' is already registered");
    let clash = Pipeline { name: "cse", description: "x", passes: "dce" };
    assert!(r.register_pipeline(clash).is_err());
    let unknown = Pipeline { name: "p", description: "x", passes: "cse,nope" };
    assert!(r.register_pipeline(unknown).unwrap_err().contains("unknown pass 'nope'"));
    let bad_name = Pipeline { name: "Bad_Name", description: "x", passes: "cse" };
    assert!(r.register_pipeline(bad_name).is_err());
}

#[test]
fn unknown_names_get_a_suggestion_and_the_list() {
    let r = test_registry();
    let e = r.create("count-op", "").err().unwrap();
    assert_eq!(
        e,
        "unknown pass 'count-op' (did you mean 'count-ops'?); valid passes: break-it, count-ops, cse, dce, \
         t-to-nothing; pipelines: cleanup"
    );
    let e = r.parse_pipeline("cse,count-ops{formt=json}").err().unwrap();
    assert!(e.contains("has no option 'formt' (did you mean 'format'?); valid options: format, limit"), "{e}");
    assert!(r.create("cleanup", "x=1").is_err());
    assert_eq!(r.create("cleanup", "").unwrap().len(), 2);
    let info = r.pass("count-ops").unwrap();
    assert_eq!(info.options[0].kind, OptionKind::Enum(&["text", "json"]));
    assert!(r.describe().contains("      format=<text|json>  Report format (default: text)\n"));
}

#[test]
fn verification_after_a_pass_names_the_pass() {
    let (_, _, result) = run("break-it", true, PROGRAM);
    let e = result.unwrap_err().to_string();
    assert!(e.contains("error: after pass 'break-it': 'func.func' func.return returns 2 value(s)"), "{e}");
    let (m, _, result) = run("break-it", false, PROGRAM);
    assert!(result.is_ok(), "verification is off");
    assert!(veil_ir::verify(&m, &ops()).is_err());
}

#[test]
fn lowering_passes_must_leave_nothing_of_their_dialect() {
    let (_, _, result) = run("t-to-nothing", true, PROGRAM);
    let e = result.unwrap_err();
    assert_eq!(e.list.len(), 5, "one error per remaining op");
    assert!(e.to_string().contains(
        "error: after pass 't-to-nothing': op 't.add' remains, but the pass lowers away every op of dialect 't'\n  ┌─ in.mlir:2:3"
    ));
    let (_, _, ok) = run("t-to-nothing", true, "func.func @f() {\n  return\n}\n");
    assert!(ok.is_ok());
}

#[test]
fn reports_and_warnings_are_collected_in_order() {
    let (_, out, result) = run("count-ops{format=json limit=3},cse,count-ops", true, PROGRAM);
    result.unwrap();
    let reports: Vec<(&str, &str)> = out.reports.iter().map(|r| (r.pass, r.text.as_str())).collect();
    assert_eq!(reports, vec![("count-ops", "{\"ops\": 7}"), ("count-ops", "6 ops")]);
    assert_eq!(out.diagnostics.len(), 1);
    assert!(out.changed, "cse changed the IR");
}

#[test]
fn cse_and_dce_leave_impure_ops_alone() {
    let (m, out, result) = run("cse,dce", true, PROGRAM);
    result.unwrap();
    assert!(out.changed);
    let printed = print_module(&m);
    // The commutative duplicate is merged and the unused pure op removed; both prints stay although one of
    // them has no use, and they are not merged although they look identical after cse.
    assert_eq!(
        printed,
        "module {\n  func.func @f(%arg0: i32, %arg1: i32) -> i32 {\n    %0 = \"t.add\"(%arg0, %arg1) : (i32, i32) -> i32\n    \
         %1 = \"t.print\"(%0) : (i32) -> i32\n    %2 = \"t.print\"(%0) : (i32) -> i32\n    func.return %0 : i32\n  }\n}\n"
    );
    let (_, again, _) = run("cse,dce", true, &printed);
    assert!(!again.changed, "a second run finds nothing");
}
