//! ONNX tensors (`TensorProto`) as evaluator tensors: float types become `f32`, integer and boolean types
//! `i64`; data comes from the typed fields or little-endian `raw_data`. Also reads the `.pb` tensor files of
//! ONNX's backend tests.

use std::path::Path;

use prost::Message;
use veil_nn::eval::Tensor;

use super::error::ImportError;
use super::proto::tensor_proto::{DataLocation, DataType};
use super::proto::TensorProto;

/// A constant tensor: float data or integer data (shapes, indices, pads).
#[derive(Clone, Debug, PartialEq)]
pub enum TensorData {
    Float(Tensor<f32>),
    Int(Tensor<i64>),
}

impl TensorData {
    pub fn shape(&self) -> &[u64] {
        match self {
            TensorData::Float(t) => t.shape(),
            TensorData::Int(t) => t.shape(),
        }
    }
}

impl From<Tensor<f32>> for TensorData {
    fn from(t: Tensor<f32>) -> Self {
        TensorData::Float(t)
    }
}

impl From<Tensor<i64>> for TensorData {
    fn from(t: Tensor<i64>) -> Self {
        TensorData::Int(t)
    }
}

/// The ONNX name of an element type code (`TensorProto.DataType`).
pub fn dtype_name(code: i32) -> String {
    DataType::try_from(code).map_or_else(|_| format!("#{code}"), |d| d.as_str_name().to_lowercase())
}

/// Whether the element type code is a float type the importer reads as `f32`.
pub fn is_float(code: i32) -> bool {
    code == DataType::Float as i32 || code == DataType::Double as i32
}

/// Splits little-endian `raw` into `width`-byte elements and converts each.
fn from_raw<T>(raw: &[u8], width: usize, convert: impl Fn(&[u8]) -> T) -> Result<Vec<T>, String> {
    if !raw.len().is_multiple_of(width) {
        return Err(format!("raw_data holds {} bytes, not a multiple of the element size {width}", raw.len()));
    }
    Ok(raw.chunks_exact(width).map(convert).collect())
}

fn le<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(b);
    out
}

/// Converts a `TensorProto`; the error says what is wrong with it (the caller names the tensor).
pub fn tensor_from_proto(t: &TensorProto) -> Result<TensorData, String> {
    if t.data_location == Some(DataLocation::External as i32) || !t.external_data.is_empty() {
        return Err("tensors stored in external data files are not supported".into());
    }
    let shape: Vec<u64> = t
        .dims
        .iter()
        .map(|&d| u64::try_from(d).map_err(|_| format!("negative dimension in {:?}", t.dims)))
        .collect::<Result<_, _>>()?;
    let raw = t.raw_data.as_deref().filter(|r| !r.is_empty());
    let code = t.data_type();
    let dtype = DataType::try_from(code).map_err(|_| format!("unknown element type #{code}"))?;
    let data = match dtype {
        DataType::Float => TensorData::Float(Tensor::new(
            shape,
            match raw {
                Some(r) => from_raw(r, 4, |b| f32::from_le_bytes(le(b)))?,
                None => t.float_data.clone(),
            },
        )?),
        DataType::Double => TensorData::Float(Tensor::new(
            shape,
            match raw {
                Some(r) => from_raw(r, 8, |b| f64::from_le_bytes(le(b)) as f32)?,
                None => t.double_data.iter().map(|&v| v as f32).collect(),
            },
        )?),
        DataType::Int64 => TensorData::Int(Tensor::new(
            shape,
            match raw {
                Some(r) => from_raw(r, 8, |b| i64::from_le_bytes(le(b)))?,
                None => t.int64_data.clone(),
            },
        )?),
        DataType::Int32 | DataType::Int16 | DataType::Int8 | DataType::Uint16 | DataType::Uint8 | DataType::Bool => {
            let data = match raw {
                Some(r) => match dtype {
                    DataType::Int32 => from_raw(r, 4, |b| i64::from(i32::from_le_bytes(le(b))))?,
                    DataType::Int16 => from_raw(r, 2, |b| i64::from(i16::from_le_bytes(le(b))))?,
                    DataType::Uint16 => from_raw(r, 2, |b| i64::from(u16::from_le_bytes(le(b))))?,
                    DataType::Int8 => from_raw(r, 1, |b| i64::from(b[0] as i8))?,
                    _ => from_raw(r, 1, |b| i64::from(b[0]))?,
                },
                None => t.int32_data.iter().map(|&v| i64::from(v)).collect(),
            };
            TensorData::Int(Tensor::new(shape, data)?)
        }
        other => return Err(format!("element type {} is not supported", other.as_str_name().to_lowercase())),
    };
    Ok(data)
}

/// Reads a serialized `TensorProto` file (the `input_<i>.pb` / `output_<i>.pb` of ONNX backend tests): its
/// name and value.
pub fn read_tensor_file(path: &Path) -> Result<(String, TensorData), ImportError> {
    let shown = path.display().to_string();
    let bytes = veil_ir::limits::read_file_env(path)
        .map_err(|e| ImportError::Io { path: shown.clone(), message: e.to_string() })?;
    let proto = TensorProto::decode(bytes.as_slice())
        .map_err(|e| ImportError::Malformed { what: format!("'{shown}' (a TensorProto)"), message: e.to_string() })?;
    let data = tensor_from_proto(&proto).map_err(|message| ImportError::Invalid { context: shown, message })?;
    Ok((proto.name().to_string(), data))
}

/// A float `TensorProto` (for building models in tests and tools).
pub fn float_proto(name: &str, shape: &[u64], data: &[f32]) -> TensorProto {
    TensorProto {
        name: Some(name.to_string()),
        dims: shape.iter().map(|&d| d as i64).collect(),
        data_type: Some(DataType::Float as i32),
        float_data: data.to_vec(),
        ..TensorProto::default()
    }
}

/// An int64 `TensorProto`.
pub fn int_proto(name: &str, shape: &[u64], data: &[i64]) -> TensorProto {
    TensorProto {
        name: Some(name.to_string()),
        dims: shape.iter().map(|&d| d as i64).collect(),
        data_type: Some(DataType::Int64 as i32),
        int64_data: data.to_vec(),
        ..TensorProto::default()
    }
}
