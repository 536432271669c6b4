//! veil-opt's command line: a clap command whose pass and pipeline flags are generated from the pass
//! registry, and the reading of the flags into a [`Config`] (passes in command-line order).

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, ArgMatches, Command};
use veil_ir::Limits;
use veil_lowering::pass::did_you_mean;
use veil_lowering::{Pass, PassRegistry};

/// The flags of the driver itself (everything else is a pass or pipeline).
const DRIVER_FLAGS: &[&str] = &[
    "output",
    "pass-pipeline",
    "list-passes",
    "verify-each",
    "print-ir-after-all",
    "split-input-file",
    "verify-diagnostics",
    "verify-with-mlir",
    "limits",
    "help",
];

/// What the command line asks for.
pub struct Config {
    pub input: String,
    pub output: Option<String>,
    pub passes: Vec<Box<dyn Pass>>,
    pub verify_each: bool,
    pub print_ir_after_all: bool,
    pub split_input_file: bool,
    pub verify_diagnostics: bool,
    /// Parse and verify every printed module with MLIR itself (the `mlir` feature).
    pub verify_with_mlir: bool,
    /// The resource limits: the defaults, then `VEIL_LIMITS`, then `--limits`.
    pub limits: Limits,
}

/// How parsing the command line ended when it did not produce a [`Config`].
pub enum Exit {
    /// Print to stdout and succeed (`--help`, `--list-passes`).
    Info(String),
    /// Print to stderr and fail.
    Error(String),
}

/// The clap command, with one flag per pass and pipeline.
pub fn command(passes: &PassRegistry) -> Command {
    let mut cmd = Command::new("veil-opt")
        .about("Runs Veil passes over MLIR files, like mlir-opt")
        .disable_version_flag(true)
        .arg(Arg::new("input").value_name("FILE").default_value("-").help("Input file; '-' reads stdin"))
        .arg(Arg::new("output").short('o').value_name("OUT").help("Write the IR to OUT instead of stdout"))
        .arg(
            Arg::new("pass-pipeline")
                .long("pass-pipeline")
                .value_name("PIPELINE")
                .action(ArgAction::Append)
                .help("Passes to run: 'a,b{opt=v}' or 'builtin.module(a,b{opt=v})'"),
        )
        .arg(Arg::new("list-passes").long("list-passes").action(ArgAction::SetTrue).help("List passes and pipelines"))
        .arg(
            Arg::new("verify-each")
                .long("verify-each")
                .value_name("BOOL")
                .num_args(0..=1)
                .require_equals(true)
                .default_value("true")
                .default_missing_value("true")
                .value_parser(clap::value_parser!(bool))
                .help("Verify the IR after every pass"),
        )
        .arg(
            Arg::new("print-ir-after-all")
                .long("print-ir-after-all")
                .action(ArgAction::SetTrue)
                .help("Print the IR to stderr after every pass"),
        )
        .arg(
            Arg::new("split-input-file")
                .long("split-input-file")
                .action(ArgAction::SetTrue)
                .help("Process each '// -----' separated chunk of the input on its own"),
        )
        .arg(
            Arg::new("verify-diagnostics")
                .long("verify-diagnostics")
                .action(ArgAction::SetTrue)
                .help("Check the diagnostics against the input's expected-error/warning/remark comments"),
        )
        .arg(Arg::new("verify-with-mlir").long("verify-with-mlir").action(ArgAction::SetTrue).help(
            "Parse and verify the output with MLIR itself, Veil's dialects unregistered there (needs the mlir feature)",
        ))
        .arg(
            Arg::new("limits")
                .long("limits")
                .value_name("KEY=N,...")
                .action(ArgAction::Append)
                .help(Limits::flag_help()),
        );
    for p in passes.passes() {
        let options: Vec<String> = p.options.iter().map(|o| format!("{}=<{}>", o.name, o.kind.describe())).collect();
        let help = if options.is_empty() {
            p.description.to_string()
        } else {
            format!("{} [options: {}]", p.description, options.join(" "))
        };
        cmd = cmd.arg(pass_flag(p.name, help, "Passes"));
    }
    for p in passes.pipelines() {
        cmd = cmd.arg(pass_flag(p.name, format!("{} (= {})", p.description, p.passes), "Pipelines"));
    }
    cmd
}

fn pass_flag(name: &'static str, help: String, heading: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .value_name("OPTIONS")
        .num_args(0..=1)
        .require_equals(true)
        .default_missing_value("")
        .action(ArgAction::Append)
        .help(help)
        .help_heading(heading)
}

/// Reads the command line (without the program name).
pub fn parse(passes: &PassRegistry, args: &[String]) -> Result<Config, Exit> {
    if let Some(clash) =
        passes.passes().map(|p| p.name).chain(passes.pipelines().map(|p| p.name)).find(|n| DRIVER_FLAGS.contains(n))
    {
        return Err(Exit::Error(format!("error: pass or pipeline '{clash}' has the name of a veil-opt flag\n")));
    }
    let argv = std::iter::once("veil-opt".to_string()).chain(args.iter().cloned());
    let matches = match command(passes).try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) => return Err(clap_exit(passes, e)),
    };
    if matches.get_flag("list-passes") {
        return Err(Exit::Info(passes.describe()));
    }
    let pass_list = ordered_passes(passes, &matches).map_err(|e| Exit::Error(format!("error: {e}\n")))?;
    let limits =
        Limits::from_env_and_flags(matches.get_many::<String>("limits").into_iter().flatten().map(String::as_str))
            .map_err(|e| Exit::Error(format!("error: {e}\n")))?;
    Ok(Config {
        input: matches.get_one::<String>("input").cloned().unwrap_or_else(|| "-".into()),
        output: matches.get_one::<String>("output").cloned(),
        passes: pass_list,
        verify_each: matches.get_one::<bool>("verify-each").copied().unwrap_or(true),
        print_ir_after_all: matches.get_flag("print-ir-after-all"),
        split_input_file: matches.get_flag("split-input-file"),
        verify_diagnostics: matches.get_flag("verify-diagnostics"),
        verify_with_mlir: matches.get_flag("verify-with-mlir"),
        limits,
    })
}

/// The passes of every pass flag and `--pass-pipeline`, in command-line order.
fn ordered_passes(passes: &PassRegistry, matches: &ArgMatches) -> Result<Vec<Box<dyn Pass>>, String> {
    let mut items: Vec<(usize, Option<&str>, String)> = vec![];
    let names = passes.passes().map(|p| p.name).chain(passes.pipelines().map(|p| p.name));
    for name in names.map(Some).chain([None]) {
        let id = name.unwrap_or("pass-pipeline");
        let (Some(values), Some(indices)) = (matches.get_many::<String>(id), matches.indices_of(id)) else {
            continue;
        };
        items.extend(indices.zip(values).map(|(i, v)| (i, name, v.clone())));
    }
    items.sort_by_key(|(i, _, _)| *i);
    let mut out = vec![];
    for (_, name, value) in items {
        match name {
            Some(name) => out.extend(passes.create(name, &value)?),
            None => out.extend(passes.parse_pipeline(&value)?),
        }
    }
    Ok(out)
}

fn clap_exit(passes: &PassRegistry, e: clap::Error) -> Exit {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => return Exit::Info(e.render().to_string()),
        ErrorKind::UnknownArgument => {
            if let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) {
                if let Some(name) = arg.strip_prefix("--") {
                    let name = name.split_once('=').map_or(name, |(n, _)| n);
                    if did_you_mean(name, DRIVER_FLAGS.iter().copied()).is_none() {
                        if let Err(msg) = passes.create(name, "") {
                            return Exit::Error(format!("error: {msg}\n"));
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Exit::Error(e.render().to_string())
}
