//! Random kernels, keyed by `(seed, stream)`; `rkeras.random` turns Keras
//! seeds and `SeedGenerator`s into keys.

use pyo3::prelude::*;

use super::convert::{parse_dtype, parse_shape, to_tensor};
use super::tensor::{compute, PyTensor};
use crate::random::{self, RngKey};
use crate::{default_device, DType};

fn key(seed: u64, stream: u64) -> RngKey {
    RngKey { seed, stream }
}

#[pyfunction]
pub fn random_uniform(
    py: Python<'_>,
    shape: &Bound<'_, PyAny>,
    minval: f64,
    maxval: f64,
    dtype: &Bound<'_, PyAny>,
    seed: u64,
    stream: u64,
) -> PyResult<PyTensor> {
    let shape = parse_shape(shape)?;
    let dtype = parse_dtype(dtype)?;
    let t = compute(py, shape.numel(), || {
        random::uniform(
            shape.dims(),
            minval,
            maxval,
            key(seed, stream),
            default_device(),
        )
    })?;
    Ok(PyTensor::new(crate::ops::cast(&t, dtype)?))
}

#[pyfunction]
pub fn random_normal(
    py: Python<'_>,
    shape: &Bound<'_, PyAny>,
    mean: f64,
    stddev: f64,
    seed: u64,
    stream: u64,
) -> PyResult<PyTensor> {
    let shape = parse_shape(shape)?;
    Ok(PyTensor::new(compute(py, shape.numel(), || {
        random::normal(
            shape.dims(),
            mean,
            stddev,
            key(seed, stream),
            default_device(),
        )
    })?))
}

#[pyfunction]
pub fn random_truncated_normal(
    py: Python<'_>,
    shape: &Bound<'_, PyAny>,
    mean: f64,
    stddev: f64,
    seed: u64,
    stream: u64,
) -> PyResult<PyTensor> {
    let shape = parse_shape(shape)?;
    Ok(PyTensor::new(compute(py, shape.numel(), || {
        random::truncated_normal(
            shape.dims(),
            mean,
            stddev,
            key(seed, stream),
            default_device(),
        )
    })?))
}

#[pyfunction]
pub fn random_randint(
    py: Python<'_>,
    shape: &Bound<'_, PyAny>,
    minval: i64,
    maxval: i64,
    dtype: Option<&Bound<'_, PyAny>>,
    seed: u64,
    stream: u64,
) -> PyResult<PyTensor> {
    let shape = parse_shape(shape)?;
    let dtype = dtype.map(parse_dtype).transpose()?.unwrap_or(DType::I32);
    Ok(PyTensor::new(compute(py, shape.numel(), || {
        random::randint(
            shape.dims(),
            minval,
            maxval,
            dtype,
            key(seed, stream),
            default_device(),
        )
    })?))
}

#[pyfunction]
#[pyo3(signature = (x, rate, noise_shape, seed, stream))]
pub fn random_dropout(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    rate: f64,
    noise_shape: Option<Vec<usize>>,
    seed: u64,
    stream: u64,
) -> PyResult<PyTensor> {
    let x = to_tensor(x, None)?;
    Ok(PyTensor::new(compute(py, x.numel(), || {
        random::dropout(&x, rate, noise_shape.as_deref(), key(seed, stream))
    })?))
}

#[pyfunction]
pub fn random_shuffle(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axis: isize,
    seed: u64,
    stream: u64,
) -> PyResult<PyTensor> {
    let x = to_tensor(x, None)?;
    Ok(PyTensor::new(compute(py, x.numel(), || {
        random::shuffle(&x, axis, key(seed, stream))
    })?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(random_uniform, m)?)?;
    m.add_function(wrap_pyfunction!(random_normal, m)?)?;
    m.add_function(wrap_pyfunction!(random_truncated_normal, m)?)?;
    m.add_function(wrap_pyfunction!(random_randint, m)?)?;
    m.add_function(wrap_pyfunction!(random_dropout, m)?)?;
    m.add_function(wrap_pyfunction!(random_shuffle, m)?)?;
    Ok(())
}
