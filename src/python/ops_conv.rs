//! `rkeras.ops` convolution and pooling, with Keras 3's signatures: sizes
//! as an int or one value per spatial dim, `data_format` defaulting to
//! `rkeras.config.image_data_format()`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::convert::to_tensor;
use super::tensor::{compute, PyTensor};
use crate::ops::{self, ConvSpec, Padding, PoolKind};
use crate::Tensor;

/// An int, or a sequence of `spatial` ints, as one value per spatial dim.
fn per_dim_or_one(
    op: &str,
    name: &str,
    value: Option<&Bound<'_, PyAny>>,
    spatial: usize,
) -> PyResult<Vec<usize>> {
    match value {
        Some(v) if !v.is_none() => per_dim(op, name, v, spatial),
        _ => Ok(vec![1; spatial]),
    }
}

fn per_dim(op: &str, name: &str, value: &Bound<'_, PyAny>, spatial: usize) -> PyResult<Vec<usize>> {
    if let Ok(v) = value.extract::<usize>() {
        return Ok(vec![v; spatial]);
    }
    match value.extract::<Vec<usize>>() {
        Ok(v) if v.len() == spatial => Ok(v),
        _ => Err(PyValueError::new_err(format!(
            "{op}: `{name}` must be an int or {spatial} non-negative ints (one per spatial dim), \
             got {value}"
        ))),
    }
}

fn channels_first(py: Python<'_>, op: &str, data_format: Option<&str>) -> PyResult<bool> {
    let format = match data_format {
        Some(f) => f.to_string(),
        None => py
            .import("rkeras.config")?
            .call_method0("image_data_format")?
            .extract()?,
    };
    match format.as_str() {
        "channels_last" => Ok(false),
        "channels_first" => Ok(true),
        other => Err(PyValueError::new_err(format!(
            "{op}: `data_format` must be \"channels_last\" or \"channels_first\", got {other:?}"
        ))),
    }
}

/// Spatial dims of an input: its rank minus batch and channels.
fn spatial_dims(op: &str, x: &Tensor) -> PyResult<usize> {
    match x.rank() {
        3..=5 => Ok(x.rank() - 2),
        _ => Err(PyValueError::new_err(format!(
            "{op}: inputs must have rank 3, 4 or 5 (batch, 1 to 3 spatial dims, channels), got \
             shape {}",
            x.shape()
        ))),
    }
}

#[allow(clippy::too_many_arguments)]
fn spec(
    py: Python<'_>,
    op: &str,
    spatial: usize,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    data_format: Option<&str>,
    dilation_rate: Option<&Bound<'_, PyAny>>,
) -> PyResult<ConvSpec> {
    Ok(ConvSpec {
        strides: per_dim_or_one(op, "strides", strides, spatial)?,
        padding: Padding::parse(op, padding)?,
        dilation: per_dim_or_one(op, "dilation_rate", dilation_rate, spatial)?,
        channels_first: channels_first(py, op, data_format)?,
    })
}

/// Runs a convolution-like op without the GIL.
fn run(
    py: Python<'_>,
    work: usize,
    f: impl FnOnce() -> crate::Result<Tensor> + Send,
) -> PyResult<PyTensor> {
    Ok(PyTensor::new(compute(py, work, f)?))
}

/// General N-D convolution (cross-correlation, as Keras).
///
/// Args:
///     inputs: `(batch, *spatial, channels)` (or channels first), 1 to 3
///         spatial dims.
///     kernel: `(*kernel_size, in_channels // groups, out_channels)`; the
///         number of groups is the input's channels over `kernel.shape[-2]`.
///     strides, dilation_rate: an int or one per spatial dim.
///     padding: `"valid"` or `"same"` (`"causal"` for 1-D).
///     data_format: `"channels_last"` or `"channels_first"`.
#[pyfunction]
#[pyo3(signature = (inputs, kernel, strides=None, padding="valid", data_format=None, dilation_rate=None))]
pub fn conv(
    py: Python<'_>,
    inputs: &Bound<'_, PyAny>,
    kernel: &Bound<'_, PyAny>,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    data_format: Option<&str>,
    dilation_rate: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let (x, k) = (to_tensor(inputs, None)?, to_tensor(kernel, None)?);
    let n = spatial_dims("conv", &x)?;
    let spec = spec(py, "conv", n, strides, padding, data_format, dilation_rate)?;
    run(py, x.numel() + k.numel(), move || ops::conv(&x, &k, &spec))
}

/// Transposed convolution (the gradient of `conv` with respect to its input).
///
/// Args:
///     inputs: `(batch, *spatial, in_channels)` (or channels first).
///     kernel: `(*kernel_size, out_channels, in_channels)`.
///     strides, dilation_rate: an int or one per spatial dim.
///     padding: `"valid"` or `"same"`.
///     output_padding: extra length added on one side of each spatial dim
///         (an int or one per dim, below the strides), or `None` to infer.
///     data_format: `"channels_last"` or `"channels_first"`.
#[pyfunction]
#[pyo3(signature = (inputs, kernel, strides=None, padding="valid", output_padding=None, data_format=None, dilation_rate=None))]
#[allow(clippy::too_many_arguments)]
pub fn conv_transpose(
    py: Python<'_>,
    inputs: &Bound<'_, PyAny>,
    kernel: &Bound<'_, PyAny>,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    output_padding: Option<&Bound<'_, PyAny>>,
    data_format: Option<&str>,
    dilation_rate: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let op = "conv_transpose";
    let (x, k) = (to_tensor(inputs, None)?, to_tensor(kernel, None)?);
    let n = spatial_dims(op, &x)?;
    let spec = spec(py, op, n, strides, padding, data_format, dilation_rate)?;
    let extra = output_padding
        .map(|p| per_dim(op, "output_padding", p, n))
        .transpose()?;
    run(py, x.numel() + k.numel(), move || {
        ops::conv_transpose(&x, &k, &spec, extra.as_deref())
    })
}

/// Depthwise convolution: each input channel gets its own filters.
///
/// Args:
///     inputs: `(batch, *spatial, channels)` (or channels first).
///     kernel: `(*kernel_size, channels, depth_multiplier)`; output channel
///         `c * depth_multiplier + m` is filter `m` of channel `c`.
///     strides, padding, data_format, dilation_rate: as for `conv`.
#[pyfunction]
#[pyo3(signature = (inputs, kernel, strides=None, padding="valid", data_format=None, dilation_rate=None))]
pub fn depthwise_conv(
    py: Python<'_>,
    inputs: &Bound<'_, PyAny>,
    kernel: &Bound<'_, PyAny>,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    data_format: Option<&str>,
    dilation_rate: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let op = "depthwise_conv";
    let (x, k) = (to_tensor(inputs, None)?, to_tensor(kernel, None)?);
    let n = spatial_dims(op, &x)?;
    let spec = spec(py, op, n, strides, padding, data_format, dilation_rate)?;
    run(py, x.numel() + k.numel(), move || {
        ops::depthwise_conv(&x, &k, &spec)
    })
}

/// Separable convolution: a depthwise convolution, then a 1×1 `conv` with
/// `pointwise_kernel` `(1, ..., channels * depth_multiplier, filters)`.
#[pyfunction]
#[pyo3(signature = (inputs, depthwise_kernel, pointwise_kernel, strides=None, padding="valid", data_format=None, dilation_rate=None))]
#[allow(clippy::too_many_arguments)]
pub fn separable_conv(
    py: Python<'_>,
    inputs: &Bound<'_, PyAny>,
    depthwise_kernel: &Bound<'_, PyAny>,
    pointwise_kernel: &Bound<'_, PyAny>,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    data_format: Option<&str>,
    dilation_rate: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let op = "separable_conv";
    let x = to_tensor(inputs, None)?;
    let (dk, pk) = (
        to_tensor(depthwise_kernel, None)?,
        to_tensor(pointwise_kernel, None)?,
    );
    let n = spatial_dims(op, &x)?;
    let spec = spec(py, op, n, strides, padding, data_format, dilation_rate)?;
    run(py, x.numel() + dk.numel(), move || {
        ops::separable_conv(&x, &dk, &pk, &spec)
    })
}

fn pool(
    py: Python<'_>,
    kind: PoolKind,
    op: &str,
    args: (
        &Bound<'_, PyAny>,
        &Bound<'_, PyAny>,
        Option<&Bound<'_, PyAny>>,
    ),
    padding: &str,
    data_format: Option<&str>,
) -> PyResult<PyTensor> {
    let (inputs, pool_size, strides) = args;
    let x = to_tensor(inputs, None)?;
    let n = spatial_dims(op, &x)?;
    let size = per_dim(op, "pool_size", pool_size, n)?;
    let spec = ConvSpec {
        // Keras: strides default to the pool size.
        strides: match strides {
            Some(s) if !s.is_none() => per_dim(op, "strides", s, n)?,
            _ => size.clone(),
        },
        padding: Padding::parse(op, padding)?,
        dilation: vec![1; n],
        channels_first: channels_first(py, op, data_format)?,
    };
    run(py, x.numel(), move || ops::pool(&x, kind, &size, &spec))
}

/// Max pooling over windows of `pool_size` (strides default to it).
///
/// Args:
///     inputs: `(batch, *spatial, channels)` (or channels first).
///     pool_size, strides: an int or one per spatial dim.
///     padding: `"valid"` or `"same"`.
///     data_format: `"channels_last"` or `"channels_first"`.
#[pyfunction]
#[pyo3(signature = (inputs, pool_size, strides=None, padding="valid", data_format=None))]
pub fn max_pool(
    py: Python<'_>,
    inputs: &Bound<'_, PyAny>,
    pool_size: &Bound<'_, PyAny>,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    data_format: Option<&str>,
) -> PyResult<PyTensor> {
    let args = (inputs, pool_size, strides);
    pool(py, PoolKind::Max, "max_pool", args, padding, data_format)
}

/// Average pooling over windows of `pool_size` (strides default to it);
/// with `"same"` padding each average counts only real elements.
///
/// Args: as for `max_pool`.
#[pyfunction]
#[pyo3(signature = (inputs, pool_size, strides=None, padding="valid", data_format=None))]
pub fn average_pool(
    py: Python<'_>,
    inputs: &Bound<'_, PyAny>,
    pool_size: &Bound<'_, PyAny>,
    strides: Option<&Bound<'_, PyAny>>,
    padding: &str,
    data_format: Option<&str>,
) -> PyResult<PyTensor> {
    let args = (inputs, pool_size, strides);
    pool(
        py,
        PoolKind::Average,
        "average_pool",
        args,
        padding,
        data_format,
    )
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(conv, m)?)?;
    m.add_function(wrap_pyfunction!(conv_transpose, m)?)?;
    m.add_function(wrap_pyfunction!(depthwise_conv, m)?)?;
    m.add_function(wrap_pyfunction!(separable_conv, m)?)?;
    m.add_function(wrap_pyfunction!(max_pool, m)?)?;
    m.add_function(wrap_pyfunction!(average_pool, m)?)?;
    Ok(())
}
