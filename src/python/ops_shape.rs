//! `rkeras.ops` shape, joining and indexing ops.

use pyo3::prelude::*;

use super::convert::{parse_shape, to_tensor};
use super::ops_math::{run, unary};
use super::ops_reduce::Axes;
use super::tensor::{compute, PyTensor};
use crate::ops::{self, SplitSpec};
use crate::Tensor;

fn tensors(xs: &Bound<'_, PyAny>) -> PyResult<Vec<Tensor>> {
    xs.try_iter()?.map(|x| to_tensor(&x?, None)).collect()
}

/// Permutes the axes (reverses them when `axes` is `None`).
#[pyfunction]
#[pyo3(signature = (x, axes=None))]
pub fn transpose(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axes: Option<Vec<isize>>,
) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::transpose(t, axes.as_deref()))
}

/// Gives `x` a new shape with the same elements; one dimension may be -1.
#[pyfunction]
pub fn reshape(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    newshape: &Bound<'_, PyAny>,
) -> PyResult<PyTensor> {
    let shape: Vec<isize> = match newshape.extract::<isize>() {
        Ok(n) => vec![n],
        Err(_) => newshape.extract()?,
    };
    unary(py, x, |t| ops::reshape_with_unknown(t, &shape))
}

/// Inserts a size-1 axis at `axis`.
#[pyfunction]
pub fn expand_dims(py: Python<'_>, x: &Bound<'_, PyAny>, axis: isize) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::expand_dims(t, axis))
}

/// Removes size-1 axes (all, or those in `axis`).
#[pyfunction]
#[pyo3(signature = (x, axis=Axes(None)))]
pub fn squeeze(py: Python<'_>, x: &Bound<'_, PyAny>, axis: Axes) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::squeeze(t, axis.0.as_deref()))
}

/// Broadcasts `x` to `shape` (a view; no copy).
#[pyfunction]
pub fn broadcast_to(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    shape: &Bound<'_, PyAny>,
) -> PyResult<PyTensor> {
    let shape = parse_shape(shape)?;
    unary(py, x, |t| ops::broadcast_to(t, shape.dims()))
}

/// Reverses the order of elements along `axis` (all axes when `None`).
#[pyfunction]
#[pyo3(signature = (x, axis=Axes(None)))]
pub fn flip(py: Python<'_>, x: &Bound<'_, PyAny>, axis: Axes) -> PyResult<PyTensor> {
    unary(py, x, |t| {
        let axes = t.shape().axes(axis.0.as_deref(), "flip")?;
        axes.into_iter()
            .try_fold(t.clone(), |acc, a| ops::flip(&acc, a))
    })
}

/// Joins a sequence of tensors along an existing axis.
#[pyfunction]
#[pyo3(signature = (xs, axis=0))]
pub fn concatenate(py: Python<'_>, xs: &Bound<'_, PyAny>, axis: isize) -> PyResult<PyTensor> {
    let xs = tensors(xs)?;
    let work = xs.iter().map(Tensor::numel).sum();
    Ok(PyTensor::new(compute(py, work, || {
        ops::concatenate(&xs, axis)
    })?))
}

/// Joins a sequence of same-shape tensors along a new axis.
#[pyfunction]
#[pyo3(signature = (x, axis=0))]
pub fn stack(py: Python<'_>, x: &Bound<'_, PyAny>, axis: isize) -> PyResult<PyTensor> {
    let xs = tensors(x)?;
    let work = xs.iter().map(Tensor::numel).sum();
    Ok(PyTensor::new(compute(py, work, || ops::stack(&xs, axis))?))
}

/// Splits `x` into equal sections (an int) or at the given indices.
#[pyfunction]
#[pyo3(signature = (x, indices_or_sections, axis=0))]
pub fn split(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    indices_or_sections: &Bound<'_, PyAny>,
    axis: isize,
) -> PyResult<Vec<PyTensor>> {
    let x = to_tensor(x, None)?;
    let parts = match indices_or_sections.extract::<usize>() {
        Ok(k) => compute(py, 0, || ops::split(&x, SplitSpec::Sections(k), axis))?,
        Err(_) => {
            let idx: Vec<isize> = indices_or_sections.extract()?;
            compute(py, 0, || ops::split(&x, SplitSpec::Indices(&idx), axis))?
        }
    };
    Ok(parts.into_iter().map(PyTensor::new).collect())
}

/// Elements at `indices` along `axis` (of the flattened tensor when `None`).
#[pyfunction]
#[pyo3(signature = (x, indices, axis=None))]
pub fn take(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    indices: &Bound<'_, PyAny>,
    axis: Option<isize>,
) -> PyResult<PyTensor> {
    let x = to_tensor(x, None)?;
    let idx = to_tensor(indices, None)?.to_device(x.device())?;
    run(py, x, |t| ops::take(t, &idx, axis))
}

/// Picks values along `axis` with an index tensor of the same rank.
#[pyfunction]
#[pyo3(signature = (x, indices, axis=None))]
pub fn take_along_axis(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    indices: &Bound<'_, PyAny>,
    axis: Option<isize>,
) -> PyResult<PyTensor> {
    let x = to_tensor(x, None)?;
    let idx = to_tensor(indices, None)?.to_device(x.device())?;
    run(py, x, |t| match axis {
        Some(a) => ops::take_along_axis(t, &idx, a),
        None => {
            let flat = ops::reshape(t, &[t.numel()])?;
            let flat_idx = ops::reshape(&idx, &[idx.numel()])?;
            ops::take_along_axis(&flat, &flat_idx, 0)
        }
    })
}

/// Pads each axis by `pad_width`.
///
/// Args:
///     x: tensor to pad.
///     pad_width: `((before, after), ...)` per axis, or one pair for all.
///     mode: `"constant"`, `"edge"`, `"reflect"`, `"symmetric"` or
///         `"wrap"` (`"circular"`).
///     constant_values: the fill value in `"constant"` mode (0).
#[pyfunction]
#[pyo3(signature = (x, pad_width, mode="constant", constant_values=None))]
pub fn pad(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    pad_width: &Bound<'_, PyAny>,
    mode: &str,
    constant_values: Option<f64>,
) -> PyResult<PyTensor> {
    let periodic = match mode {
        "constant" => None,
        "edge" => Some(ops::PadMode::Edge),
        "reflect" => Some(ops::PadMode::Reflect),
        "symmetric" => Some(ops::PadMode::Symmetric),
        "wrap" | "circular" => Some(ops::PadMode::Wrap),
        "linear_ramp" | "maximum" | "mean" | "median" | "minimum" | "empty" => {
            return Err(pyo3::exceptions::PyNotImplementedError::new_err(format!(
                "pad(mode={mode:?}) is not supported; use 'constant', 'edge', 'reflect', \
                 'symmetric' or 'wrap'"
            )))
        }
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "pad: unknown mode {other:?}"
            )))
        }
    };
    if periodic.is_some() && constant_values.is_some() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "pad: constant_values is only allowed with mode='constant'",
        ));
    }
    let x = to_tensor(x, None)?;
    let widths: Vec<(usize, usize)> = match pad_width.extract::<Vec<(usize, usize)>>() {
        Ok(w) if w.len() == 1 && x.rank() != 1 => vec![w[0]; x.rank()],
        Ok(w) => w,
        Err(_) => match pad_width.extract::<(usize, usize)>() {
            Ok(p) => vec![p; x.rank()],
            Err(_) => {
                vec![(pad_width.extract::<usize>()?, pad_width.extract::<usize>()?); x.rank()]
            }
        },
    };
    run(py, x, |t| match periodic {
        Some(mode) => ops::pad_periodic(t, &widths, mode),
        None => ops::pad(t, &widths, constant_values.unwrap_or(0.0)),
    })
}

/// Repeats the whole tensor `repeats` times along each axis.
#[pyfunction]
pub fn tile(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    repeats: &Bound<'_, PyAny>,
) -> PyResult<PyTensor> {
    let reps: Vec<usize> = match repeats.extract::<usize>() {
        Ok(r) => vec![r],
        Err(_) => repeats.extract()?,
    };
    unary(py, x, |t| ops::tile(t, &reps))
}

/// Repeats each element `repeats` times along `axis` (flattened when `None`).
#[pyfunction]
#[pyo3(signature = (x, repeats, axis=None))]
pub fn repeat(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    repeats: &Bound<'_, PyAny>,
    axis: Option<isize>,
) -> PyResult<PyTensor> {
    if let Ok(r) = repeats.extract::<usize>() {
        return unary(py, x, |t| ops::repeat(t, r, axis));
    }
    // Per-element counts: gather each position as often as it repeats.
    let counts: Vec<usize> = repeats.extract()?;
    let x = to_tensor(x, None)?;
    let (x, axis) = match axis {
        Some(a) => (x, a),
        None => (ops::reshape(&x, &[x.numel()])?, 0),
    };
    let n = x.dims()[x.shape().axis(axis, "repeat")?];
    if counts.len() != n {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "repeat: got {} repeat counts for an axis of size {n}",
            counts.len()
        )));
    }
    let positions: Vec<i64> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i as i64, c))
        .collect();
    let len = positions.len();
    let idx = Tensor::from_vec(positions, [len], crate::Device::Cpu)?;
    let idx = if x.device() == crate::Device::Cpu {
        idx
    } else {
        ops::cast(&idx, crate::DType::I32)?.to_device(x.device())?
    };
    run(py, x, |t| ops::take(t, &idx, Some(axis)))
}

/// The same values, with no gradient flowing back through them.
#[pyfunction]
pub fn stop_gradient(x: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    Ok(PyTensor::new(ops::stop_gradient(&to_tensor(x, None)?)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(stop_gradient, m)?)?;
    m.add_function(wrap_pyfunction!(transpose, m)?)?;
    m.add_function(wrap_pyfunction!(reshape, m)?)?;
    m.add_function(wrap_pyfunction!(expand_dims, m)?)?;
    m.add_function(wrap_pyfunction!(squeeze, m)?)?;
    m.add_function(wrap_pyfunction!(broadcast_to, m)?)?;
    m.add_function(wrap_pyfunction!(flip, m)?)?;
    m.add_function(wrap_pyfunction!(concatenate, m)?)?;
    m.add_function(wrap_pyfunction!(stack, m)?)?;
    m.add_function(wrap_pyfunction!(split, m)?)?;
    m.add_function(wrap_pyfunction!(take, m)?)?;
    m.add_function(wrap_pyfunction!(take_along_axis, m)?)?;
    m.add_function(wrap_pyfunction!(pad, m)?)?;
    m.add_function(wrap_pyfunction!(tile, m)?)?;
    m.add_function(wrap_pyfunction!(repeat, m)?)?;
    Ok(())
}
