//! `rkeras.ops` activations, softmax, `one_hot` and sparse cross-entropy.

use pyo3::prelude::*;

use super::convert::{parse_dtype, to_tensor};
use super::ops_math::unary;
use super::tensor::{compute, PyTensor};
use crate::{ops, DType};

macro_rules! activation_fns {
    ($($(#[$doc:meta])* $name:ident => $op:path;)*) => {$(
        $(#[$doc])*
        #[pyfunction]
        pub fn $name(py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
            unary(py, x, |t| $op(t))
        }
    )*};
}

activation_fns! {
    /// Rectified linear unit: `max(x, 0)`.
    relu => ops::relu;
    /// `min(max(x, 0), 6)`.
    relu6 => ops::relu6;
    /// `1 / (1 + exp(-x))`.
    sigmoid => ops::sigmoid;
    /// Scaled exponential linear unit.
    selu => ops::selu;
    /// `log(1 + exp(x))`, computed without overflow.
    softplus => ops::softplus;
    /// `x / (1 + |x|)`.
    softsign => ops::softsign;
    /// `x * sigmoid(x)`.
    silu => ops::silu;
    /// `x * sigmoid(x)` (another name for `silu`).
    swish => ops::silu;
    /// `relu6(x + 3) / 6`.
    hard_sigmoid => ops::hard_sigmoid;
    /// `x * hard_sigmoid(x)`.
    hard_silu => ops::hard_silu;
    /// `x * hard_sigmoid(x)` (another name for `hard_silu`).
    hard_swish => ops::hard_silu;
}

/// Leaky ReLU: `x` where `x >= 0`, else `negative_slope * x`.
#[pyfunction]
#[pyo3(signature = (x, negative_slope=0.2))]
pub fn leaky_relu(py: Python<'_>, x: &Bound<'_, PyAny>, negative_slope: f64) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::leaky_relu(t, negative_slope))
}

/// Exponential linear unit: `x` where `x > 0`, else `alpha * (exp(x) - 1)`.
#[pyfunction]
#[pyo3(signature = (x, alpha=1.0))]
pub fn elu(py: Python<'_>, x: &Bound<'_, PyAny>, alpha: f64) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::elu(t, alpha))
}

/// Gaussian error linear unit; the tanh approximation when `approximate`.
#[pyfunction]
#[pyo3(signature = (x, approximate=true))]
pub fn gelu(py: Python<'_>, x: &Bound<'_, PyAny>, approximate: bool) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::gelu(t, approximate))
}

/// Softmax along `axis`; stable for large logits.
#[pyfunction]
#[pyo3(signature = (x, axis=-1))]
pub fn softmax(py: Python<'_>, x: &Bound<'_, PyAny>, axis: isize) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::softmax(t, axis))
}

/// Log of the softmax along `axis`; stable for large logits.
#[pyfunction]
#[pyo3(signature = (x, axis=-1))]
pub fn log_softmax(py: Python<'_>, x: &Bound<'_, PyAny>, axis: isize) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::log_softmax(t, axis))
}

/// One-hot encodes integer labels along a new axis.
///
/// Args:
///     x: integer labels.
///     num_classes: number of classes (length of the new axis).
///     axis: where the new axis goes (default last).
///     dtype: dtype of the result (default float32).
#[pyfunction]
#[pyo3(signature = (x, num_classes, axis=-1, dtype=None, sparse=false))]
pub fn one_hot(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    num_classes: usize,
    axis: isize,
    dtype: Option<&Bound<'_, PyAny>>,
    sparse: bool,
) -> PyResult<PyTensor> {
    if sparse {
        return Err(pyo3::exceptions::PyNotImplementedError::new_err(
            "one_hot(sparse=True): sparse tensors are not supported",
        ));
    }
    let dtype = dtype.map(parse_dtype).transpose()?.unwrap_or(DType::F32);
    let x = to_tensor(x, None)?;
    Ok(PyTensor::new(compute(py, x.numel() * num_classes, || {
        ops::one_hot(&x, num_classes, axis, dtype)
    })?))
}

/// Per-sample cross-entropy between integer labels and class scores.
///
/// Args:
///     target: integer class labels, `output`'s shape without `axis`.
///     output: logits (`from_logits=True`) or probabilities, which are
///         renormalised along `axis` and clipped to `[epsilon, 1 - epsilon]`.
///     from_logits: whether `output` holds logits.
///     axis: the class axis of `output`.
///     epsilon: the clipping margin for probabilities.
#[pyfunction]
#[pyo3(signature = (target, output, from_logits=false, axis=-1, epsilon=1e-7))]
pub fn sparse_categorical_crossentropy(
    py: Python<'_>,
    target: &Bound<'_, PyAny>,
    output: &Bound<'_, PyAny>,
    from_logits: bool,
    axis: isize,
    epsilon: f64,
) -> PyResult<PyTensor> {
    let (target, output) = (to_tensor(target, None)?, to_tensor(output, None)?);
    Ok(PyTensor::new(compute(py, output.numel(), || {
        ops::sparse_categorical_crossentropy(&target, &output, from_logits, axis, epsilon)
    })?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sparse_categorical_crossentropy, m)?)?;
    m.add_function(wrap_pyfunction!(relu, m)?)?;
    m.add_function(wrap_pyfunction!(relu6, m)?)?;
    m.add_function(wrap_pyfunction!(sigmoid, m)?)?;
    m.add_function(wrap_pyfunction!(selu, m)?)?;
    m.add_function(wrap_pyfunction!(softplus, m)?)?;
    m.add_function(wrap_pyfunction!(softsign, m)?)?;
    m.add_function(wrap_pyfunction!(silu, m)?)?;
    m.add_function(wrap_pyfunction!(swish, m)?)?;
    m.add_function(wrap_pyfunction!(hard_sigmoid, m)?)?;
    m.add_function(wrap_pyfunction!(hard_silu, m)?)?;
    m.add_function(wrap_pyfunction!(hard_swish, m)?)?;
    m.add_function(wrap_pyfunction!(leaky_relu, m)?)?;
    m.add_function(wrap_pyfunction!(elu, m)?)?;
    m.add_function(wrap_pyfunction!(gelu, m)?)?;
    m.add_function(wrap_pyfunction!(softmax, m)?)?;
    m.add_function(wrap_pyfunction!(log_softmax, m)?)?;
    m.add_function(wrap_pyfunction!(one_hot, m)?)?;
    Ok(())
}
