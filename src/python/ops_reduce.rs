//! `rkeras.ops` reductions.

use pyo3::prelude::*;

use super::convert::{parse_dtype, to_tensor};
use super::ops_math::{run, unary};
use super::tensor::PyTensor;
use crate::{ops, Tensor};

/// An `axis` argument: `None`, an int, or a tuple/list of ints.
pub struct Axes(pub Option<Vec<isize>>);

impl<'py> FromPyObject<'_, 'py> for Axes {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(Axes(None));
        }
        if let Ok(a) = obj.extract::<isize>() {
            return Ok(Axes(Some(vec![a])));
        }
        obj.extract::<Vec<isize>>()
            .map(|v| Axes(Some(v)))
            .map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "axis must be None, an int or a tuple of ints, got {}",
                    obj.repr().map(|r| r.to_string()).unwrap_or_default()
                ))
            })
    }
}

macro_rules! reduce_fns {
    ($($(#[$doc:meta])* $name:ident => $op:path;)*) => {$(
        $(#[$doc])*
        #[pyfunction]
        #[pyo3(signature = (x, axis=Axes(None), keepdims=false))]
        pub fn $name(py: Python<'_>, x: &Bound<'_, PyAny>, axis: Axes, keepdims: bool) -> PyResult<PyTensor> {
            unary(py, x, |t| $op(t, axis.0.as_deref(), keepdims))
        }
    )*};
}

reduce_fns! {
    /// Sum over `axis` (all axes when `None`).
    sum => ops::sum;
    /// Mean over `axis`.
    mean => ops::mean;
    /// Variance (population, `ddof=0`) over `axis`.
    var => ops::var;
    /// `log(sum(exp(x)))` over `axis`, computed stably.
    logsumexp => ops::logsumexp;
    /// Whether any element along `axis` is nonzero.
    any => ops::any;
    /// Whether all elements along `axis` are nonzero.
    all => ops::all;
}

/// Standard deviation (population, `ddof=0`) over `axis`.
#[pyfunction(name = "std")]
#[pyo3(signature = (x, axis=Axes(None), keepdims=false))]
pub fn std_dev(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axis: Axes,
    keepdims: bool,
) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::std(t, axis.0.as_deref(), keepdims))
}

type Reduction = fn(&Tensor, Option<&[isize]>, bool) -> crate::Result<Tensor>;
type Combine = fn(&Tensor, &Tensor) -> crate::Result<Tensor>;

/// `reduce` over `axis`, then combined with NumPy's `initial` value.
fn extremum(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axis: Axes,
    keepdims: bool,
    initial: Option<f64>,
    reduce: Reduction,
    combine: Combine,
) -> PyResult<PyTensor> {
    unary(py, x, |t| {
        let m = reduce(t, axis.0.as_deref(), keepdims)?;
        match initial {
            Some(v) => combine(
                &m,
                &ops::cast(&Tensor::scalar(v as f32, m.device())?, m.dtype())?,
            ),
            None => Ok(m),
        }
    })
}

/// Maximum over `axis`.
#[pyfunction]
#[pyo3(signature = (x, axis=Axes(None), keepdims=false, initial=None))]
pub fn max(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axis: Axes,
    keepdims: bool,
    initial: Option<f64>,
) -> PyResult<PyTensor> {
    extremum(py, x, axis, keepdims, initial, ops::max, ops::maximum)
}

/// Minimum over `axis`.
#[pyfunction]
#[pyo3(signature = (x, axis=Axes(None), keepdims=false, initial=None))]
pub fn min(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axis: Axes,
    keepdims: bool,
    initial: Option<f64>,
) -> PyResult<PyTensor> {
    extremum(py, x, axis, keepdims, initial, ops::min, ops::minimum)
}

/// Product over `axis`.
#[pyfunction]
#[pyo3(signature = (x, axis=Axes(None), keepdims=false, dtype=None))]
pub fn prod(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axis: Axes,
    keepdims: bool,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let x = to_tensor(x, dtype.map(parse_dtype).transpose()?)?;
    run(py, x, |t| ops::prod(t, axis.0.as_deref(), keepdims))
}

/// Index of the maximum along `axis` (of the flattened tensor when `None`).
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
pub fn argmax(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axis: Option<isize>,
    keepdims: bool,
) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::argmax(t, axis, keepdims))
}

/// Index of the minimum along `axis` (of the flattened tensor when `None`).
#[pyfunction]
#[pyo3(signature = (x, axis=None, keepdims=false))]
pub fn argmin(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axis: Option<isize>,
    keepdims: bool,
) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::argmin(t, axis, keepdims))
}

/// Cumulative sum along `axis` (of the flattened tensor when `None`).
#[pyfunction]
#[pyo3(signature = (x, axis=None, dtype=None))]
pub fn cumsum(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    axis: Option<isize>,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyTensor> {
    let x = to_tensor(x, dtype.map(parse_dtype).transpose()?)?;
    run(py, x, |t| ops::cumsum(t, axis))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sum, m)?)?;
    m.add_function(wrap_pyfunction!(mean, m)?)?;
    m.add_function(wrap_pyfunction!(var, m)?)?;
    m.add_function(wrap_pyfunction!(std_dev, m)?)?;
    m.add_function(wrap_pyfunction!(logsumexp, m)?)?;
    m.add_function(wrap_pyfunction!(any, m)?)?;
    m.add_function(wrap_pyfunction!(all, m)?)?;
    m.add_function(wrap_pyfunction!(max, m)?)?;
    m.add_function(wrap_pyfunction!(min, m)?)?;
    m.add_function(wrap_pyfunction!(prod, m)?)?;
    m.add_function(wrap_pyfunction!(argmax, m)?)?;
    m.add_function(wrap_pyfunction!(argmin, m)?)?;
    m.add_function(wrap_pyfunction!(cumsum, m)?)?;
    Ok(())
}
