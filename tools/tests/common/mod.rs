//! What the file-based tests share: the workspace root and the discovery of IR files.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// Every `*.mlir` file below the given workspace folders, relative to the root, sorted.
pub fn mlir_files(folders: &[&str]) -> Vec<PathBuf> {
    let root = workspace_root();
    let mut out = vec![];
    for folder in folders {
        collect(&root, &root.join(folder), &mut out);
    }
    out.sort();
    out
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "mlir") {
            out.push(path.strip_prefix(root).map_or_else(|_| path.clone(), Path::to_path_buf));
        }
    }
}

/// The path with `/` separators, as tests print and snapshot it.
pub fn display(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".into())
}
