//! Reading `.npy` files (numpy's array format, through npyz) into evaluator tensors: float arrays as `f32`
//! (`f8` is rounded), integer arrays (labels) as `i64`. C order only.

use std::path::Path;

use npyz::{DType, NpyFile, Order};
use veil_nn::eval::Tensor;

/// A whole file's bytes, read as .npy.
type Npy = NpyFile<std::io::Cursor<Vec<u8>>>;

/// The header-checked reader of one file (its header's size and nesting checked first, by the runtime's rule);
/// errors name the file.
fn open(path: &Path) -> Result<(Npy, String), String> {
    let shown = path.display();
    let bytes = veil_ir::limits::read_file_env(path).map_err(|e| format!("cannot read '{shown}': {e}"))?;
    veil_runtime::npy::check_header(&shown.to_string(), &bytes).map_err(|e| e.to_string())?;
    let npy = NpyFile::new(std::io::Cursor::new(bytes)).map_err(|e| format!("'{shown}' is not a .npy file: {e}"))?;
    if npy.order() != Order::C {
        return Err(format!("'{shown}' is in Fortran order; save it in C order"));
    }
    let DType::Plain(ty) = npy.dtype() else { return Err(format!("'{shown}' does not hold plain numbers")) };
    Ok((npy, ty.to_string()))
}

fn tensor<T: Copy>(path: &Path, shape: Vec<u64>, data: std::io::Result<Vec<T>>) -> Result<Tensor<T>, String> {
    let data = data.map_err(|e| format!("cannot read the data of '{}': {e}", path.display()))?;
    Tensor::new(shape, data).map_err(|e| format!("'{}': {e}", path.display()))
}

/// A float array (`f4` or `f8`) as `f32`.
pub fn read_f32(path: &Path) -> Result<Tensor<f32>, String> {
    let (npy, ty) = open(path)?;
    let shape = npy.shape().to_vec();
    match &ty[1..] {
        "f4" => tensor(path, shape, npy.into_vec::<f32>()),
        "f8" => tensor(path, shape, npy.into_vec::<f64>().map(|v| v.into_iter().map(|x| x as f32).collect())),
        _ => Err(format!("'{}' holds {ty} values; expected float32 or float64", path.display())),
    }
}

/// Whether the file holds integers (`int64` or `int32`) rather than floats.
pub fn holds_integers(path: &Path) -> Result<bool, String> {
    let (_, ty) = open(path)?;
    Ok(matches!(&ty[1..], "i8" | "i4"))
}

/// An integer array (`i8`, `i4`, ...) as `i64`.
pub fn read_i64(path: &Path) -> Result<Tensor<i64>, String> {
    let (npy, ty) = open(path)?;
    let shape = npy.shape().to_vec();
    match &ty[1..] {
        "i8" => tensor(path, shape, npy.into_vec::<i64>()),
        "i4" => tensor(path, shape, npy.into_vec::<i32>().map(|v| v.into_iter().map(i64::from).collect())),
        _ => Err(format!("'{}' holds {ty} values; expected int64 or int32", path.display())),
    }
}
