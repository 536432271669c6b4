//! Input and output tensors as NumPy `.npy` files (through the `npyz` crate): integer arrays of any integer dtype
//! read as `i64`, floating arrays as `f64`; C order only. Wrong dtypes, Fortran order and malformed files are
//! errors that name the file.

use crate::error::{Result, RuntimeError};
use crate::tensor::Tensor;
use npyz::{NpyFile, TypeChar, WriteOptions, WriterBuilder};
use std::path::Path;

/// numpy's own bound on a header (`numpy.lib.format`, since numpy 1.24): longer headers are refused before parsing.
pub const MAX_HEADER_BYTES: usize = 10_000;

/// The deepest bracket nesting a header may have: an array's header needs 2 (`{'shape': (2, 3)}`); a structured
/// dtype 3 or 4. The header parser backtracks exponentially in the depth, so deeper headers are refused unread.
pub const MAX_HEADER_NESTING: usize = 4;

/// Checks the header's length and nesting before npyz parses it (a hostile header could otherwise take minutes or
/// allocate its declared size). Bytes that are not an .npy preamble are left to npyz, which names the problem.
pub fn check_header(what: &str, bytes: &[u8]) -> Result<()> {
    let (start, declared) = match bytes {
        [0x93, b'N', b'U', b'M', b'P', b'Y', 1, _, a, b, ..] => (10, u16::from_le_bytes([*a, *b]) as usize),
        [0x93, b'N', b'U', b'M', b'P', b'Y', 2 | 3, _, a, b, c, d, ..] => {
            (12, u32::from_le_bytes([*a, *b, *c, *d]) as usize)
        }
        _ => return Ok(()),
    };
    if declared > MAX_HEADER_BYTES {
        return Err(RuntimeError::format(
            what,
            format!("the header declares {declared} bytes; at most {MAX_HEADER_BYTES} are read (numpy's own bound)"),
        ));
    }
    let Some(header) = bytes.get(start..start + declared) else {
        return Err(RuntimeError::format(what, format!("the header declares {declared} bytes; the file is truncated")));
    };
    let mut depth = 0usize;
    for &byte in header {
        match byte {
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_HEADER_NESTING {
            return Err(RuntimeError::format(
                what,
                format!("the header nests brackets more than {MAX_HEADER_NESTING} deep; an array header needs 2"),
            ));
        }
    }
    Ok(())
}

fn open<'a>(what: &str, bytes: &'a [u8]) -> Result<NpyFile<&'a [u8]>> {
    check_header(what, bytes)?;
    let file = NpyFile::new(bytes).map_err(|e| RuntimeError::format(what, format!("not a valid .npy file: {e}")))?;
    if file.order() != npyz::Order::C {
        return Err(RuntimeError::format(what, "Fortran-order arrays are not supported; save it in C order"));
    }
    Ok(file)
}

fn shape_of(file: &NpyFile<&[u8]>) -> Vec<usize> {
    file.shape().iter().map(|&d| d as usize).collect()
}

fn plain_type(what: &str, file: &NpyFile<&[u8]>) -> Result<(TypeChar, u64)> {
    match file.dtype() {
        npyz::DType::Plain(t) => Ok((t.type_char(), t.size_field())),
        other => Err(RuntimeError::format(what, format!("unsupported dtype {}", other.descr()))),
    }
}

fn values<T: npyz::Deserialize>(what: &str, file: NpyFile<&[u8]>) -> Result<Vec<T>> {
    file.into_vec::<T>().map_err(|e| RuntimeError::format(what, format!("cannot read the data: {e}")))
}

fn widen<T: TryInto<i64> + Copy + std::fmt::Display>(what: &str, data: Vec<T>) -> Result<Vec<i64>> {
    data.into_iter()
        .map(|v| v.try_into().map_err(|_| RuntimeError::format(what, format!("value {v} does not fit in i64"))))
        .collect()
}

/// Parses an integer array (`i1`..`i8`, `u1`..`u8`, `b1`) from `.npy` bytes.
pub fn i64_from_npy_bytes(what: &str, bytes: &[u8]) -> Result<Tensor<i64>> {
    let file = open(what, bytes)?;
    let shape = shape_of(&file);
    let data = match plain_type(what, &file)? {
        (TypeChar::Int, 1) => widen(what, values::<i8>(what, file)?)?,
        (TypeChar::Int, 2) => widen(what, values::<i16>(what, file)?)?,
        (TypeChar::Int, 4) => widen(what, values::<i32>(what, file)?)?,
        (TypeChar::Int, 8) => values::<i64>(what, file)?,
        (TypeChar::Uint, 1) => widen(what, values::<u8>(what, file)?)?,
        (TypeChar::Uint, 2) => widen(what, values::<u16>(what, file)?)?,
        (TypeChar::Uint, 4) => widen(what, values::<u32>(what, file)?)?,
        (TypeChar::Uint, 8) => widen(what, values::<u64>(what, file)?)?,
        (TypeChar::Bool, 1) => values::<bool>(what, file)?.into_iter().map(i64::from).collect(),
        (c, size) => {
            return Err(RuntimeError::format(what, format!("expected an integer array, found dtype {c:?}{size}")))
        }
    };
    Tensor::new(shape, data).map_err(|e| RuntimeError::format(what, e.to_string()))
}

/// Parses a floating-point array (`f4`, `f8`) from `.npy` bytes.
pub fn f64_from_npy_bytes(what: &str, bytes: &[u8]) -> Result<Tensor<f64>> {
    let file = open(what, bytes)?;
    let shape = shape_of(&file);
    let data = match plain_type(what, &file)? {
        (TypeChar::Float, 4) => values::<f32>(what, file)?.into_iter().map(f64::from).collect(),
        (TypeChar::Float, 8) => values::<f64>(what, file)?,
        (c, size) => {
            return Err(RuntimeError::format(what, format!("expected a float array, found dtype {c:?}{size}")))
        }
    };
    Tensor::new(shape, data).map_err(|e| RuntimeError::format(what, e.to_string()))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    veil_ir::limits::read_file_env(path).map_err(|e| RuntimeError::io(path, e))
}

/// Reads an integer `.npy` file; with `expected`, its shape must match.
pub fn read_i64(path: &Path, expected: Option<&[usize]>) -> Result<Tensor<i64>> {
    let what = path.display().to_string();
    let tensor = i64_from_npy_bytes(&what, &read(path)?)?;
    check_shape(&what, &tensor.shape, expected)?;
    Ok(tensor)
}

/// Reads a floating-point `.npy` file; with `expected`, its shape must match.
pub fn read_f64(path: &Path, expected: Option<&[usize]>) -> Result<Tensor<f64>> {
    let what = path.display().to_string();
    let tensor = f64_from_npy_bytes(&what, &read(path)?)?;
    check_shape(&what, &tensor.shape, expected)?;
    Ok(tensor)
}

fn check_shape(what: &str, shape: &[usize], expected: Option<&[usize]>) -> Result<()> {
    match expected {
        Some(e) if e != shape => Err(RuntimeError::format(what, format!("shape {shape:?}, expected {e:?}"))),
        _ => Ok(()),
    }
}

/// `.npy` bytes of a tensor (dtype `<i8` for i64, `<f8` for f64).
pub fn to_npy_bytes<T: npyz::AutoSerialize + Copy>(tensor: &Tensor<T>) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let shape: Vec<u64> = tensor.shape.iter().map(|&d| d as u64).collect();
    let io = |e: std::io::Error| RuntimeError::Program(format!("cannot encode .npy: {e}"));
    let mut writer = WriteOptions::new().default_dtype().shape(&shape).writer(&mut bytes).begin_nd().map_err(io)?;
    writer.extend(tensor.data.iter().copied()).map_err(io)?;
    writer.finish().map_err(io)?;
    Ok(bytes)
}

pub fn write<T: npyz::AutoSerialize + Copy>(path: &Path, tensor: &Tensor<T>) -> Result<()> {
    std::fs::write(path, to_npy_bytes(tensor)?).map_err(|e| RuntimeError::io(path, e))
}
