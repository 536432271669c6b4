//! Generates the Rust types of ONNX's protobuf schema (`proto/onnx.proto`, vendored from the `onnx` 1.17.0
//! wheel) with prost. The schema is compiled by protox, in pure Rust, so no `protoc` binary is needed.

fn main() {
    println!("cargo:rerun-if-changed=proto/onnx.proto");
    let descriptors = protox::compile(["proto/onnx.proto"], ["proto"]).unwrap_or_else(|e| {
        eprintln!("cannot compile proto/onnx.proto: {e}");
        std::process::exit(1)
    });
    if let Err(e) = prost_build::Config::new().compile_fds(descriptors) {
        eprintln!("cannot generate the ONNX types: {e}");
        std::process::exit(1)
    }
}
