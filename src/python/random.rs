//! Random kernels, keyed by `(seed, stream)`; `rkeras.random` turns Keras
//! seeds and `SeedGenerator`s into keys.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pyo3::prelude::*;

use super::convert::{parse_dtype, parse_shape, to_tensor};
use super::tensor::{compute, PyTensor};
use crate::random::{self, KeySource, Stream};
use crate::{default_device, DType};

/// A `SeedGenerator`'s counter, shared with the engine so that a random
/// draw in a replayed step advances it as an eager draw does.
#[pyclass(name = "SeedCounter", module = "rkeras._core", frozen)]
pub struct PySeedCounter {
    inner: Arc<AtomicU64>,
}

#[pymethods]
impl PySeedCounter {
    #[new]
    #[pyo3(signature = (value=0))]
    fn new(value: u64) -> Self {
        PySeedCounter {
            inner: Arc::new(AtomicU64::new(value)),
        }
    }

    /// The stream the next draw uses.
    #[getter]
    fn value(&self) -> u64 {
        self.inner.load(Ordering::Relaxed)
    }

    #[setter]
    fn set_value(&self, value: u64) {
        self.inner.store(value, Ordering::Relaxed);
    }

    /// Returns the next stream and advances.
    fn next(&self) -> u64 {
        self.inner.fetch_add(1, Ordering::Relaxed)
    }

    /// Copies and pickles hold the value (a copy counts on its own).
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, pyo3::types::PyType>, (u64,))> {
        Ok((slf.get_type(), (slf.get().value(),)))
    }
}

/// A fixed stream or a generator's counter.
#[derive(FromPyObject)]
pub enum StreamArg<'py> {
    Counter(PyRef<'py, PySeedCounter>),
    Fixed(u64),
}

fn key(seed: u64, stream: StreamArg<'_>) -> KeySource {
    let stream = match stream {
        StreamArg::Counter(c) => Stream::Counter(c.inner.clone()),
        StreamArg::Fixed(s) => Stream::Fixed(s),
    };
    KeySource { seed, stream }
}

#[pyfunction]
pub fn random_uniform(
    py: Python<'_>,
    shape: &Bound<'_, PyAny>,
    minval: f64,
    maxval: f64,
    dtype: &Bound<'_, PyAny>,
    seed: u64,
    stream: StreamArg<'_>,
) -> PyResult<PyTensor> {
    let key = key(seed, stream);
    let shape = parse_shape(shape)?;
    let dtype = parse_dtype(dtype)?;
    let t = compute(py, shape.numel(), || {
        random::uniform(shape.dims(), minval, maxval, key, default_device())
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
    stream: StreamArg<'_>,
) -> PyResult<PyTensor> {
    let key = key(seed, stream);
    let shape = parse_shape(shape)?;
    Ok(PyTensor::new(compute(py, shape.numel(), || {
        random::normal(shape.dims(), mean, stddev, key, default_device())
    })?))
}

#[pyfunction]
pub fn random_truncated_normal(
    py: Python<'_>,
    shape: &Bound<'_, PyAny>,
    mean: f64,
    stddev: f64,
    seed: u64,
    stream: StreamArg<'_>,
) -> PyResult<PyTensor> {
    let key = key(seed, stream);
    let shape = parse_shape(shape)?;
    Ok(PyTensor::new(compute(py, shape.numel(), || {
        random::truncated_normal(shape.dims(), mean, stddev, key, default_device())
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
    stream: StreamArg<'_>,
) -> PyResult<PyTensor> {
    let key = key(seed, stream);
    let shape = parse_shape(shape)?;
    let dtype = dtype.map(parse_dtype).transpose()?.unwrap_or(DType::I32);
    Ok(PyTensor::new(compute(py, shape.numel(), || {
        random::randint(shape.dims(), minval, maxval, dtype, key, default_device())
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
    stream: StreamArg<'_>,
) -> PyResult<PyTensor> {
    let key = key(seed, stream);
    let x = to_tensor(x, None)?;
    Ok(PyTensor::new(compute(py, x.numel(), || {
        random::dropout(&x, rate, noise_shape.as_deref(), key)
    })?))
}

#[pyfunction]
pub fn random_shuffle(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axis: isize,
    seed: u64,
    stream: StreamArg<'_>,
) -> PyResult<PyTensor> {
    let key = key(seed, stream);
    let x = to_tensor(x, None)?;
    Ok(PyTensor::new(compute(py, x.numel(), || {
        random::shuffle(&x, axis, key)
    })?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySeedCounter>()?;
    m.add_function(wrap_pyfunction!(random_uniform, m)?)?;
    m.add_function(wrap_pyfunction!(random_normal, m)?)?;
    m.add_function(wrap_pyfunction!(random_truncated_normal, m)?)?;
    m.add_function(wrap_pyfunction!(random_randint, m)?)?;
    m.add_function(wrap_pyfunction!(random_dropout, m)?)?;
    m.add_function(wrap_pyfunction!(random_shuffle, m)?)?;
    Ok(())
}
