//! The Python `Variable` class.

use pyo3::prelude::*;

use super::convert::{parse_dtype, parse_shape, to_tensor};
use super::tensor::{repr, tensor_like_methods, PyTensor};
use crate::{Tensor, Variable};

/// A mutable tensor: model weights and optimizer state.
///
/// Args:
///     initializer: initial value (array, tensor or number), or a callable
///         `initializer(shape, dtype)` such as a Keras initializer.
///     shape: the shape, required when `initializer` is a callable.
///     dtype: the dtype (default: that of the value, float32 for floats).
///     trainable: whether optimizers update it and tapes watch it.
///     name: a name for the variable.
///
/// Usable anywhere a tensor is; `assign`, `assign_add` and `assign_sub`
/// update it in place.
#[pyclass(name = "Variable", module = "rkeras", frozen, subclass)]
pub struct PyVariable {
    pub inner: Variable,
}

impl PyVariable {
    fn tensor(&self) -> Tensor {
        self.inner.value()
    }
}

tensor_like_methods!(PyVariable);

#[pymethods]
impl PyVariable {
    #[new]
    // `**_subclass_kwargs` lets Python subclasses take extra arguments in
    // `__init__` (rkeras.Variable adds Keras's regularizer and constraint).
    #[pyo3(signature = (initializer, shape=None, dtype=None, trainable=true, autocast=true, aggregation="none", synchronization="auto", name=None, **_subclass_kwargs))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        initializer: &Bound<'_, PyAny>,
        shape: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
        trainable: bool,
        autocast: bool,
        aggregation: &str,
        synchronization: &str,
        name: Option<String>,
        _subclass_kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<Self> {
        let _ = (autocast, aggregation, synchronization);
        let dtype = dtype.map(parse_dtype).transpose()?;
        let value = if initializer.is_callable() && !initializer.is_instance_of::<PyTensor>() {
            let Some(shape) = shape else {
                return Err(pyo3::exceptions::PyValueError::new_err(
                    "When creating a Variable from a callable initializer, the `shape` \
                     argument must be specified.",
                ));
            };
            let dims: Vec<usize> = parse_shape(shape)?.dims().to_vec();
            let dtype_name = dtype.unwrap_or(crate::DType::F32).name();
            to_tensor(&initializer.call1((dims, dtype_name))?, dtype)?
        } else {
            to_tensor(initializer, dtype)?
        };
        if let Some(shape) = shape {
            let expected = parse_shape(shape)?;
            if &expected != value.shape() {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "Initial value has shape {}, which does not match the shape argument {expected}",
                    value.shape()
                )));
            }
        }
        // Sharing the caller's buffer is safe: updates copy on write.
        let owned = py.detach(|| value.contiguous())?;
        let name = name.unwrap_or_else(|| "variable".to_string());
        Ok(PyVariable {
            inner: Variable::new(owned, name, trainable),
        })
    }

    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// The variable's path; rkeras has no layer scopes here, so its name.
    #[getter]
    fn path(&self) -> &str {
        self.inner.name()
    }

    #[getter]
    fn trainable(&self) -> bool {
        self.inner.trainable()
    }

    #[setter]
    fn set_trainable(&self, value: bool) {
        self.inner.set_trainable(value);
    }

    /// The current value as a tensor.
    #[getter]
    fn value(&self) -> PyTensor {
        PyTensor::new(self.inner.value())
    }

    /// Replaces the value; returns the variable.
    fn assign<'py>(slf: Bound<'py, Self>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, Self>> {
        let t = to_tensor(value, None)?;
        let v = slf.get().inner.clone();
        slf.py().detach(|| v.assign(&t))?;
        Ok(slf)
    }

    /// Adds `value` in place; returns the variable.
    fn assign_add<'py>(
        slf: Bound<'py, Self>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let t = to_tensor(value, None)?;
        let v = slf.get().inner.clone();
        slf.py().detach(|| v.assign_add(&t))?;
        Ok(slf)
    }

    /// Subtracts `value` in place; returns the variable.
    fn assign_sub<'py>(
        slf: Bound<'py, Self>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let t = to_tensor(value, None)?;
        let v = slf.get().inner.clone();
        slf.py().detach(|| v.assign_sub(&t))?;
        Ok(slf)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let body = repr(&self.inner.peek(), py, "Variable")?;
        Ok(body.replacen(
            "<Variable ",
            &format!("<Variable path={}, ", self.inner.name()),
            1,
        ))
    }
}
