//! Printer and parser are exact inverses: for every `// -----` chunk of every IR file under `test/` and
//! `examples/` that parses and verifies, print(parse(print(parse(x)))) == print(parse(x)), and the printed
//! text verifies again.

mod common;

use common::{display, mlir_files, workspace_root};
use veil_ir::{parse_and_verify, print_module};
use veil_tools::opt::split_input;

#[test]
fn print_parse_is_stable() {
    let root = workspace_root();
    let registry = veil_lowering::registry();
    let mut failures = vec![];
    let mut checked = 0;
    for file in mlir_files(&["test", "examples"]) {
        let name = display(&file);
        let Ok(text) = std::fs::read_to_string(root.join(&file)) else {
            failures.push(format!("{name}: cannot read"));
            continue;
        };
        for (i, chunk) in split_input(&text).iter().enumerate() {
            let Ok(m) = parse_and_verify(&name, chunk, &registry) else { continue };
            checked += 1;
            let first = print_module(&m);
            match parse_and_verify("printed.mlir", &first, &registry) {
                Ok(again) => {
                    let second = print_module(&again);
                    if first != second {
                        failures.push(format!(
                            "{name} chunk {}: printing is not stable\n--- first print\n{first}--- second print\n{second}",
                            i + 1
                        ));
                    }
                }
                Err(d) => {
                    failures.push(format!("{name} chunk {}: the printed IR does not read back:\n{d}{first}", i + 1))
                }
            }
        }
    }
    assert!(checked > 0, "no chunk parsed and verified");
    assert!(failures.is_empty(), "{} round-trip failures:\n\n{}", failures.len(), failures.join("\n\n"));
}
