//! A minimal reader of NumPy `.npy` files (versions 1 to 3, little-endian numbers, C order), enough for
//! calibration data: the numbers as `f32`, whatever their stored type.

/// The numbers of an `.npy` file, in row-major order, and its shape.
pub fn read(bytes: &[u8]) -> Result<(Vec<u64>, Vec<f32>), String> {
    let rest = bytes.strip_prefix(b"\x93NUMPY").ok_or("not a .npy file (no \\x93NUMPY magic)")?;
    let (major, rest) = rest.split_first().ok_or("truncated header")?;
    let rest = rest.get(1..).ok_or("truncated header")?;
    let (len, rest) = match major {
        1 => (
            u16::from_le_bytes([*rest.first().ok_or("truncated header")?, *rest.get(1).ok_or("truncated header")?])
                as usize,
            &rest[2..],
        ),
        2 | 3 if rest.len() >= 4 => (u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize, &rest[4..]),
        _ => return Err(format!("unsupported .npy version {major}")),
    };
    let header =
        std::str::from_utf8(rest.get(..len).ok_or("truncated header")?).map_err(|_| "the header is not text")?;
    let data = &rest[len..];
    if field(header, "fortran_order").is_some_and(|v| v.starts_with("True")) {
        return Err("Fortran-order arrays are not supported; save with np.ascontiguousarray".into());
    }
    let descr = field(header, "descr").ok_or("the header has no 'descr'")?;
    let descr = descr.trim_start_matches(['\'', '"']).split(['\'', '"']).next().unwrap_or("");
    let shape_text = field(header, "shape").ok_or("the header has no 'shape'")?;
    let shape_text = shape_text.trim_start_matches('(').split(')').next().unwrap_or("");
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u64>().map_err(|_| format!("bad dimension '{s}' in the shape")))
        .collect::<Result<Vec<u64>, String>>()?;
    let count = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).ok_or("the shape is too large")? as usize;
    let numbers = decode(descr, data, count)?;
    Ok((shape, numbers))
}

/// The text after `'key':` in a header dictionary.
fn field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'"))?;
    let after = &header[at + key.len() + 2..];
    Some(after.trim_start().strip_prefix(':')?.trim_start())
}

fn decode(descr: &str, data: &[u8], count: usize) -> Result<Vec<f32>, String> {
    let (size, convert): (usize, fn(&[u8]) -> f32) = match descr {
        "<f4" => (4, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        "<f8" => (8, |b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32),
        "<i4" => (4, |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32),
        "<i8" => (8, |b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32),
        "|u1" => (1, |b| b[0] as f32),
        "|i1" => (1, |b| b[0] as i8 as f32),
        other => return Err(format!("unsupported element type '{other}' (expected <f4, <f8, <i4, <i8, |u1 or |i1)")),
    };
    let need = count.checked_mul(size).ok_or("the array is too large")?;
    if data.len() < need {
        return Err(format!("the file holds {} bytes of data, the shape needs {need}", data.len()));
    }
    Ok(data[..need].chunks_exact(size).map(convert).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn reads_floats_and_shapes() {
        let data: Vec<u8> = [1.5f32, -2.0, 0.25].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(read(&npy("<f4", "(3,)", &data)).unwrap(), (vec![3], vec![1.5, -2.0, 0.25]));
        let data: Vec<u8> = [1.0f64, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(read(&npy("<f8", "(1, 2)", &data)).unwrap(), (vec![1, 2], vec![1.0, 2.0]));
        assert!(read(&npy("<f4", "(4,)", &data[..8])).unwrap_err().contains("needs 16"));
        assert!(read(b"PK\x03\x04").is_err());
        assert!(read(&npy(">f4", "(1,)", &[0; 4])).unwrap_err().contains("unsupported element type"));
    }
}
