//! `.npy` input and output tensors: round trips of integer and float arrays, and errors for a wrong shape, a wrong
//! dtype, a malformed file, hostile headers and a missing file.

mod common;

use common::t;
use veil_runtime::{npy, RuntimeError, Tensor};

fn message(err: RuntimeError) -> String {
    err.to_string()
}

#[test]
fn npy_round_trip_and_bad_inputs() {
    let dir = std::env::temp_dir().join(format!("veil-runtime-npy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.npy");
    let x = t(&[2, 3], &[1, -2, 3, -4, 5, i64::MIN]);
    npy::write(&path, &x).unwrap();
    assert_eq!(npy::read_i64(&path, Some(&[2, 3])).unwrap(), x);
    let err = message(npy::read_i64(&path, Some(&[3, 2])).unwrap_err());
    assert!(err.contains("shape [2, 3], expected [3, 2]"), "{err}");
    let float = Tensor::new(vec![2], vec![0.5f32, -1.0]).unwrap();
    npy::write(&path, &float).unwrap();
    assert!(message(npy::read_i64(&path, None).unwrap_err()).contains("expected an integer array"));
    assert_eq!(npy::read_f64(&path, None).unwrap().data, vec![0.5, -1.0]);
    let small = Tensor::new(vec![3], vec![-1i16, 2, 300]).unwrap();
    npy::write(&path, &small).unwrap();
    assert_eq!(npy::read_i64(&path, None).unwrap().data, vec![-1, 2, 300]);
    std::fs::write(&path, b"\x93NUMPY garbage").unwrap();
    assert!(npy::read_i64(&path, None).is_err());
    // Headers refused before npyz parses them: nesting (found by fuzzing: npyz's parser backtracked for minutes on
    // 90 nested braces), a declared length beyond numpy's bound, and a declared length beyond the file.
    let with_header = |version: u8, header: &[u8], declared: usize| {
        let mut bytes = vec![0x93, b'N', b'U', b'M', b'P', b'Y', version, 0];
        match version {
            1 => bytes.extend_from_slice(&(declared as u16).to_le_bytes()),
            _ => bytes.extend_from_slice(&(declared as u32).to_le_bytes()),
        }
        bytes.extend_from_slice(header);
        bytes
    };
    let nested = format!("{{'descr': '<i8', 'x': {}", "{".repeat(90));
    let err = message(npy::i64_from_npy_bytes("nested", &with_header(1, nested.as_bytes(), nested.len())).unwrap_err());
    assert_eq!(err, "cannot read nested: the header nests brackets more than 4 deep; an array header needs 2");
    let err = message(npy::f64_from_npy_bytes("big", &with_header(2, b"{'descr'", 0xffff_fff0)).unwrap_err());
    assert!(err.contains("the header declares 4294967280 bytes; at most 10000 are read"), "{err}");
    let err = message(npy::i64_from_npy_bytes("short", &with_header(1, b"{'descr'", 200)).unwrap_err());
    assert!(err.contains("the header declares 200 bytes; the file is truncated"), "{err}");
    let err = message(npy::read_i64(&dir.join("missing.npy"), None).unwrap_err());
    assert!(err.contains("missing.npy"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
