//! `rkeras.ops` constructors and conversions.

use pyo3::prelude::*;

use super::convert::{parse_dtype, parse_shape, to_numpy_copy, to_tensor};
use super::tensor::{compute, PyTensor};
use crate::{default_device, ops, DType, Tensor};

fn dtype_or(dtype: Option<&Bound<'_, PyAny>>, default: DType) -> PyResult<DType> {
    Ok(dtype.map(parse_dtype).transpose()?.unwrap_or(default))
}

/// A tensor of zeros (float32 unless `dtype` says otherwise).
#[pyfunction]
#[pyo3(signature = (shape, dtype=None))]
pub fn zeros(shape: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let shape = parse_shape(shape)?;
    Ok(PyTensor::new(Tensor::zeros(
        shape,
        dtype_or(dtype, DType::F32)?,
        default_device(),
    )?))
}

/// A tensor of ones.
#[pyfunction]
#[pyo3(signature = (shape, dtype=None))]
pub fn ones(shape: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    let shape = parse_shape(shape)?;
    Ok(PyTensor::new(Tensor::ones(
        shape,
        dtype_or(dtype, DType::F32)?,
        default_device(),
    )?))
}

/// A tensor filled with `fill_value`.
#[pyfunction]
#[pyo3(signature = (shape, fill_value, dtype=None))]
pub fn full(
    shape: &Bound<'_, PyAny>,
    fill_value: f64,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let shape = parse_shape(shape)?;
    Ok(PyTensor::new(Tensor::full(
        shape,
        fill_value,
        dtype_or(dtype, DType::F32)?,
        default_device(),
    )?))
}

fn like(x: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>, value: f64) -> PyResult<PyTensor> {
    let x = to_tensor(x, None)?;
    let dtype = dtype_or(dtype, x.dtype())?;
    Ok(PyTensor::new(Tensor::full(
        x.shape().clone(),
        value,
        dtype,
        x.device(),
    )?))
}

/// Zeros with the shape (and dtype) of `x`.
#[pyfunction]
#[pyo3(signature = (x, dtype=None))]
pub fn zeros_like(x: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    like(x, dtype, 0.0)
}

/// Ones with the shape (and dtype) of `x`.
#[pyfunction]
#[pyo3(signature = (x, dtype=None))]
pub fn ones_like(x: &Bound<'_, PyAny>, dtype: Option<&Bound<'_, PyAny>>) -> PyResult<PyTensor> {
    like(x, dtype, 1.0)
}

/// `fill_value` with the shape (and dtype) of `x`.
#[pyfunction]
#[pyo3(signature = (x, fill_value, dtype=None))]
pub fn full_like(
    x: &Bound<'_, PyAny>,
    fill_value: f64,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    like(x, dtype, fill_value)
}

/// Evenly spaced values in `[start, stop)`; with one argument, `[0, start)`.
/// The dtype is int32 when all arguments are ints, else float32.
#[pyfunction]
#[pyo3(signature = (start, stop=None, step=None, dtype=None))]
pub fn arange(
    start: &Bound<'_, PyAny>,
    stop: Option<&Bound<'_, PyAny>>,
    step: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let is_int =
        |o: Option<&Bound<'_, PyAny>>| o.is_none_or(|v| v.is_instance_of::<pyo3::types::PyInt>());
    let default = if is_int(Some(start)) && is_int(stop) && is_int(step) {
        DType::I32
    } else {
        DType::F32
    };
    let (a, b) = match stop {
        Some(s) => (start.extract::<f64>()?, s.extract::<f64>()?),
        None => (0.0, start.extract::<f64>()?),
    };
    let step = step.map(|s| s.extract::<f64>()).transpose()?.unwrap_or(1.0);
    Ok(PyTensor::new(ops::arange(
        a,
        b,
        step,
        dtype_or(dtype, default)?,
        default_device(),
    )?))
}

/// An `N` x `M` matrix with ones on diagonal `k`.
#[pyfunction]
#[pyo3(signature = (N, M=None, k=0, dtype=None))]
#[allow(non_snake_case)]
pub fn eye(
    N: usize,
    M: Option<usize>,
    k: isize,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::eye(
        N,
        M,
        k,
        dtype_or(dtype, DType::F32)?,
        default_device(),
    )?))
}

/// Converts arrays, numbers and nested lists to a tensor.
#[pyfunction]
#[pyo3(signature = (x, dtype=None, sparse=None, ragged=None))]
pub fn convert_to_tensor(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    sparse: Option<bool>,
    ragged: Option<bool>,
) -> PyResult<PyTensor> {
    if sparse == Some(true) || ragged == Some(true) {
        return Err(pyo3::exceptions::PyNotImplementedError::new_err(
            "sparse and ragged tensors are not supported",
        ));
    }
    let dtype = dtype.map(parse_dtype).transpose()?;
    let t = to_tensor(x, dtype)?;
    Ok(PyTensor::new(compute(py, 0, || Ok(t))?))
}

/// A writable NumPy copy of `x`.
#[pyfunction]
pub fn convert_to_numpy<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    to_numpy_copy(py, &to_tensor(x, None)?)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(zeros, m)?)?;
    m.add_function(wrap_pyfunction!(ones, m)?)?;
    m.add_function(wrap_pyfunction!(full, m)?)?;
    m.add_function(wrap_pyfunction!(zeros_like, m)?)?;
    m.add_function(wrap_pyfunction!(ones_like, m)?)?;
    m.add_function(wrap_pyfunction!(full_like, m)?)?;
    m.add_function(wrap_pyfunction!(arange, m)?)?;
    m.add_function(wrap_pyfunction!(eye, m)?)?;
    m.add_function(wrap_pyfunction!(convert_to_tensor, m)?)?;
    m.add_function(wrap_pyfunction!(convert_to_numpy, m)?)?;
    Ok(())
}
