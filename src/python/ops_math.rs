//! `rkeras.ops` elementwise math, comparisons and `where`.

use pyo3::prelude::*;

use super::convert::{parse_dtype, resolve_pair, to_tensor, Operand};
use super::tensor::{compute, PyTensor};
use crate::{ops, Result, Tensor};

/// Runs a binary op on two operands (Python numbers adopt the other side's
/// dtype family).
pub fn binary(
    py: Python<'_>,
    a: Operand,
    b: Operand,
    f: fn(&Tensor, &Tensor) -> Result<Tensor>,
) -> PyResult<PyTensor> {
    let (a, b) = resolve_pair(a, b)?;
    let work = a.numel().max(b.numel());
    Ok(PyTensor::new(compute(py, work, || f(&a, &b))?))
}

/// Runs a unary op on anything tensor-like.
pub fn unary(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    f: impl FnOnce(&Tensor) -> Result<Tensor> + Send,
) -> PyResult<PyTensor> {
    run(py, to_tensor(x, None)?, f)
}

/// Runs `f` on a tensor, without the GIL when it is large.
pub fn run(
    py: Python<'_>,
    x: Tensor,
    f: impl FnOnce(&Tensor) -> Result<Tensor> + Send,
) -> PyResult<PyTensor> {
    Ok(PyTensor::new(compute(py, x.numel(), || f(&x))?))
}

macro_rules! binary_fns {
    ($($(#[$doc:meta])* $name:ident => $op:path;)*) => {$(
        $(#[$doc])*
        #[pyfunction]
        pub fn $name(py: Python<'_>, x1: Operand, x2: Operand) -> PyResult<PyTensor> {
            binary(py, x1, x2, $op)
        }
    )*};
}

binary_fns! {
    /// Adds `x1` and `x2` elementwise, with broadcasting.
    add => ops::add;
    /// Subtracts `x2` from `x1` elementwise.
    subtract => ops::subtract;
    /// Multiplies elementwise.
    multiply => ops::multiply;
    /// Divides elementwise (true division; integers give float32).
    divide => ops::divide;
    /// Divides elementwise, giving 0 where `x2` is 0.
    divide_no_nan => ops::divide_no_nan;
    /// `x1 ** x2` elementwise.
    power => ops::power;
    /// Elementwise maximum (NaN propagates).
    maximum => ops::maximum;
    /// Elementwise minimum (NaN propagates).
    minimum => ops::minimum;
    /// `x1 == x2` elementwise, as bool.
    equal => ops::equal;
    /// `x1 != x2` elementwise, as bool.
    not_equal => ops::not_equal;
    /// `x1 < x2` elementwise, as bool.
    less => ops::less;
    /// `x1 <= x2` elementwise, as bool.
    less_equal => ops::less_equal;
    /// `x1 > x2` elementwise, as bool.
    greater => ops::greater;
    /// `x1 >= x2` elementwise, as bool.
    greater_equal => ops::greater_equal;
    /// Elementwise logical AND (nonzero is true).
    logical_and => ops::logical_and;
    /// Elementwise logical OR (nonzero is true).
    logical_or => ops::logical_or;
    /// Matrix product with NumPy's `matmul` rules (batched, broadcast batch
    /// dimensions, 1-D operands as vectors).
    matmul => ops::matmul;
    /// NumPy's `dot` product.
    dot => ops::dot;
}

macro_rules! unary_fns {
    ($($(#[$doc:meta])* $name:ident => $op:path;)*) => {$(
        $(#[$doc])*
        #[pyfunction]
        pub fn $name(py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
            unary(py, x, |t| $op(t))
        }
    )*};
}

unary_fns! {
    /// `-x` elementwise.
    negative => ops::negative;
    /// `|x|` elementwise.
    abs => ops::abs;
    /// `|x|` elementwise.
    absolute => ops::abs;
    /// The sign of `x`: -1, 0 or 1.
    sign => ops::sign;
    /// `e ** x` elementwise.
    exp => ops::exp;
    /// `e ** x - 1`, accurate near 0.
    expm1 => ops::expm1;
    /// Natural logarithm.
    log => ops::log;
    /// `log(1 + x)`, accurate near 0.
    log1p => ops::log1p;
    /// Square root.
    sqrt => ops::sqrt;
    /// `x * x`.
    square => ops::square;
    /// `1 / x`.
    reciprocal => ops::reciprocal;
    /// Sine.
    sin => ops::sin;
    /// Cosine.
    cos => ops::cos;
    /// Hyperbolic tangent.
    tanh => ops::tanh;
    /// The largest integer `<= x`.
    floor => ops::floor;
    /// The smallest integer `>= x`.
    ceil => ops::ceil;
    /// The Gauss error function.
    erf => ops::erf;
    /// Elementwise logical NOT (zero is false).
    logical_not => ops::logical_not;
}

/// Rounds to the nearest value with `decimals` digits, halves to even.
#[pyfunction]
#[pyo3(signature = (x, decimals=0))]
pub fn round(py: Python<'_>, x: &Bound<'_, PyAny>, decimals: i32) -> PyResult<PyTensor> {
    unary(py, x, |t| {
        if decimals == 0 {
            return ops::round(t);
        }
        let scale = 10f64.powi(decimals);
        ops::mul_scalar(&ops::round(&ops::mul_scalar(t, scale)?)?, 1.0 / scale)
    })
}

/// Limits values to `[x_min, x_max]`.
#[pyfunction]
pub fn clip(py: Python<'_>, x: &Bound<'_, PyAny>, x_min: f64, x_max: f64) -> PyResult<PyTensor> {
    unary(py, x, |t| ops::clip(t, x_min, x_max))
}

/// `x1` where `condition` is true, else `x2` (all broadcast together).
#[pyfunction(name = "where")]
#[pyo3(signature = (condition, x1=None, x2=None))]
pub fn where_(
    py: Python<'_>,
    condition: &Bound<'_, PyAny>,
    x1: Option<Operand>,
    x2: Option<Operand>,
) -> PyResult<PyTensor> {
    let (Some(x1), Some(x2)) = (x1, x2) else {
        return Err(pyo3::exceptions::PyNotImplementedError::new_err(
            "where(condition) without x1 and x2 returns data-dependent shapes and is not \
             supported; pass both x1 and x2",
        ));
    };
    let cond = to_tensor(condition, None)?;
    let (a, b) = resolve_pair(x1, x2)?;
    let work = cond.numel().max(a.numel()).max(b.numel());
    Ok(PyTensor::new(compute(py, work, || {
        ops::where_(&cond, &a, &b)
    })?))
}

/// Converts `x` to `dtype`.
#[pyfunction]
pub fn cast(py: Python<'_>, x: &Bound<'_, PyAny>, dtype: &Bound<'_, PyAny>) -> PyResult<PyTensor> {
    let dtype = parse_dtype(dtype)?;
    unary(py, x, |t| ops::cast(t, dtype))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add_function(wrap_pyfunction!(subtract, m)?)?;
    m.add_function(wrap_pyfunction!(multiply, m)?)?;
    m.add_function(wrap_pyfunction!(divide, m)?)?;
    m.add_function(wrap_pyfunction!(divide_no_nan, m)?)?;
    m.add_function(wrap_pyfunction!(power, m)?)?;
    m.add_function(wrap_pyfunction!(maximum, m)?)?;
    m.add_function(wrap_pyfunction!(minimum, m)?)?;
    m.add_function(wrap_pyfunction!(equal, m)?)?;
    m.add_function(wrap_pyfunction!(not_equal, m)?)?;
    m.add_function(wrap_pyfunction!(less, m)?)?;
    m.add_function(wrap_pyfunction!(less_equal, m)?)?;
    m.add_function(wrap_pyfunction!(greater, m)?)?;
    m.add_function(wrap_pyfunction!(greater_equal, m)?)?;
    m.add_function(wrap_pyfunction!(logical_and, m)?)?;
    m.add_function(wrap_pyfunction!(logical_or, m)?)?;
    m.add_function(wrap_pyfunction!(matmul, m)?)?;
    m.add_function(wrap_pyfunction!(dot, m)?)?;
    m.add_function(wrap_pyfunction!(negative, m)?)?;
    m.add_function(wrap_pyfunction!(abs, m)?)?;
    m.add_function(wrap_pyfunction!(absolute, m)?)?;
    m.add_function(wrap_pyfunction!(sign, m)?)?;
    m.add_function(wrap_pyfunction!(exp, m)?)?;
    m.add_function(wrap_pyfunction!(expm1, m)?)?;
    m.add_function(wrap_pyfunction!(log, m)?)?;
    m.add_function(wrap_pyfunction!(log1p, m)?)?;
    m.add_function(wrap_pyfunction!(sqrt, m)?)?;
    m.add_function(wrap_pyfunction!(square, m)?)?;
    m.add_function(wrap_pyfunction!(reciprocal, m)?)?;
    m.add_function(wrap_pyfunction!(sin, m)?)?;
    m.add_function(wrap_pyfunction!(cos, m)?)?;
    m.add_function(wrap_pyfunction!(tanh, m)?)?;
    m.add_function(wrap_pyfunction!(floor, m)?)?;
    m.add_function(wrap_pyfunction!(ceil, m)?)?;
    m.add_function(wrap_pyfunction!(erf, m)?)?;
    m.add_function(wrap_pyfunction!(logical_not, m)?)?;
    m.add_function(wrap_pyfunction!(round, m)?)?;
    m.add_function(wrap_pyfunction!(clip, m)?)?;
    m.add_function(wrap_pyfunction!(where_, m)?)?;
    m.add_function(wrap_pyfunction!(cast, m)?)?;
    Ok(())
}
