//! The Python `Tensor` class, and the operator methods it shares with
//! `Variable`.

use std::sync::Mutex;

use pyo3::prelude::*;

use super::convert::{to_numpy_copy, to_numpy_view};
use crate::Tensor;

/// An immutable n-dimensional array on a device.
///
/// Create tensors with `rkeras.ops.convert_to_tensor` (or any op); convert
/// back with `np.asarray(t)` (a read-only view) or `t.numpy()` (a copy).
#[pyclass(name = "Tensor", module = "rkeras", frozen)]
pub struct PyTensor {
    pub inner: Tensor,
    /// The Keras mask attached by a layer (`_keras_mask`), if any. Python
    /// owns it; the engine never reads it.
    keras_mask: Mutex<Option<Py<PyAny>>>,
}

impl PyTensor {
    pub fn new(inner: Tensor) -> PyTensor {
        PyTensor {
            inner,
            keras_mask: Mutex::new(None),
        }
    }
}

/// Runs `f` without the GIL when the work is big enough to be worth it:
/// below a few thousand elements, releasing and retaking the GIL costs more
/// than the kernel.
pub fn compute<T: Send>(
    py: Python<'_>,
    work: usize,
    f: impl FnOnce() -> crate::Result<T> + Send,
) -> PyResult<T> {
    const DETACH_ABOVE: usize = 1 << 12;
    if work >= DETACH_ABOVE {
        Ok(py.detach(f)?)
    } else {
        Ok(f()?)
    }
}

pub(crate) fn repr(t: &Tensor, py: Python<'_>, class: &str) -> PyResult<String> {
    let values = to_numpy_view(py, t)?.repr()?.to_string();
    Ok(format!(
        "<{class} shape={}, dtype={}, device={}, {values}>",
        t.shape(),
        t.dtype(),
        t.device()
    ))
}

/// Methods every tensor-like class has: properties, NumPy conversion and
/// Python operators, all computing on `self.tensor()`.
macro_rules! tensor_like_methods {
    ($ty:ty) => {
        #[pymethods]
        impl $ty {
            /// The shape, as a tuple of ints.
            #[getter]
            fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
                pyo3::types::PyTuple::new(py, self.tensor().dims())
            }

            /// The dtype name (`"float32"`, `"int64"`, ...).
            #[getter]
            fn dtype(&self) -> &'static str {
                self.tensor().dtype().name()
            }

            /// Number of dimensions.
            #[getter]
            fn ndim(&self) -> usize {
                self.tensor().rank()
            }

            /// Number of elements.
            #[getter]
            fn size(&self) -> usize {
                self.tensor().numel()
            }

            /// The device holding the data: `"cpu"`, `"gpu:0"` or `"meta"`.
            #[getter]
            fn device(&self) -> String {
                self.tensor().device().to_string()
            }

            /// A writable NumPy copy of the values.
            fn numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                $crate::python::convert::to_numpy_copy(py, &self.tensor())
            }

            #[pyo3(signature = (dtype=None, copy=None))]
            fn __array__<'py>(
                &self,
                py: Python<'py>,
                dtype: Option<Bound<'py, PyAny>>,
                copy: Option<bool>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let arr = if copy == Some(true) {
                    $crate::python::convert::to_numpy_copy(py, &self.tensor())?
                } else {
                    $crate::python::convert::to_numpy_view(py, &self.tensor())?
                };
                match dtype {
                    Some(d) => arr.call_method1("astype", (d,)),
                    None => Ok(arr),
                }
            }

            fn __len__(&self) -> PyResult<usize> {
                match self.tensor().dims().first() {
                    Some(&n) => Ok(n),
                    None => Err(pyo3::exceptions::PyTypeError::new_err(
                        "len() of a 0-d tensor",
                    )),
                }
            }

            fn __bool__(&self) -> PyResult<bool> {
                Ok(self.scalar_value("bool")? != 0.0)
            }

            fn __float__(&self) -> PyResult<f64> {
                self.scalar_value("float")
            }

            fn __int__(&self) -> PyResult<i64> {
                Ok(self.scalar_value("int")? as i64)
            }

            fn __index__(&self) -> PyResult<i64> {
                if !self.tensor().dtype().is_int() {
                    return Err(pyo3::exceptions::PyTypeError::new_err(
                        "only integer tensors can be used as an index",
                    ));
                }
                Ok(self.scalar_value("index")? as i64)
            }

            fn __getitem__(
                &self,
                py: Python<'_>,
                key: &Bound<'_, PyAny>,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                let t = $crate::python::indexing::getitem(py, &self.tensor(), key)?;
                Ok($crate::python::tensor::PyTensor::new(t))
            }

            fn __add__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, self.operand(), o, $crate::ops::add)
            }
            fn __radd__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, o, self.operand(), $crate::ops::add)
            }
            fn __sub__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, self.operand(), o, $crate::ops::subtract)
            }
            fn __rsub__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, o, self.operand(), $crate::ops::subtract)
            }
            fn __mul__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, self.operand(), o, $crate::ops::multiply)
            }
            fn __rmul__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, o, self.operand(), $crate::ops::multiply)
            }
            fn __truediv__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, self.operand(), o, $crate::ops::divide)
            }
            fn __rtruediv__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, o, self.operand(), $crate::ops::divide)
            }
            fn __pow__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
                _modulo: Option<Bound<'_, PyAny>>,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, self.operand(), o, $crate::ops::power)
            }
            fn __rpow__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
                _modulo: Option<Bound<'_, PyAny>>,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, o, self.operand(), $crate::ops::power)
            }
            fn __matmul__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, self.operand(), o, $crate::ops::matmul)
            }
            fn __rmatmul__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, o, self.operand(), $crate::ops::matmul)
            }
            fn __and__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, self.operand(), o, $crate::ops::logical_and)
            }
            fn __or__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                $crate::python::ops_math::binary(py, self.operand(), o, $crate::ops::logical_or)
            }
            fn __invert__(&self) -> PyResult<$crate::python::tensor::PyTensor> {
                Ok($crate::python::tensor::PyTensor::new(
                    $crate::ops::logical_not(&self.tensor())?,
                ))
            }
            fn __neg__(&self) -> PyResult<$crate::python::tensor::PyTensor> {
                Ok($crate::python::tensor::PyTensor::new(
                    $crate::ops::negative(&self.tensor())?,
                ))
            }
            fn __pos__(&self) -> $crate::python::tensor::PyTensor {
                $crate::python::tensor::PyTensor::new(self.tensor())
            }
            fn __abs__(&self) -> PyResult<$crate::python::tensor::PyTensor> {
                Ok($crate::python::tensor::PyTensor::new($crate::ops::abs(
                    &self.tensor(),
                )?))
            }
            fn __richcmp__(
                &self,
                py: Python<'_>,
                o: $crate::python::convert::Operand,
                op: pyo3::pyclass::CompareOp,
            ) -> PyResult<$crate::python::tensor::PyTensor> {
                use pyo3::pyclass::CompareOp as C;
                let f = match op {
                    C::Lt => $crate::ops::less,
                    C::Le => $crate::ops::less_equal,
                    C::Gt => $crate::ops::greater,
                    C::Ge => $crate::ops::greater_equal,
                    C::Eq => $crate::ops::equal,
                    C::Ne => $crate::ops::not_equal,
                };
                $crate::python::ops_math::binary(py, self.operand(), o, f)
            }
        }

        impl $ty {
            fn operand(&self) -> $crate::python::convert::Operand {
                $crate::python::convert::Operand::Tensor(self.tensor())
            }

            fn scalar_value(&self, what: &str) -> PyResult<f64> {
                let t = self.tensor();
                if t.numel() != 1 {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "The truth value / {what}() of a tensor with shape {} is ambiguous: it \
                         needs exactly one element",
                        t.shape()
                    )));
                }
                Ok(t.item()?)
            }
        }
    };
}
pub(crate) use tensor_like_methods;

impl PyTensor {
    fn tensor(&self) -> Tensor {
        self.inner.clone()
    }
}

tensor_like_methods!(PyTensor);

#[pymethods]
impl PyTensor {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(&self.inner, py, "Tensor")
    }

    /// This tensor on another device (`"cpu"`, `"gpu"`, `"gpu:1"`).
    fn to_device(&self, py: Python<'_>, device: &str) -> PyResult<PyTensor> {
        let device = crate::Device::parse(device)?;
        let t = self.inner.clone();
        let moved = compute(py, t.numel(), move || t.to_device(device))?;
        Ok(PyTensor::new(moved))
    }

    /// The transpose (all axes reversed).
    #[getter(T)]
    fn transposed(&self) -> PyResult<PyTensor> {
        Ok(PyTensor::new(crate::ops::transpose(&self.inner, None)?))
    }

    /// The boolean mask a masking layer attached (Keras's `_keras_mask`),
    /// or `None`.
    #[getter(_keras_mask)]
    fn keras_mask(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        let mask = self.keras_mask.lock().unwrap_or_else(|e| e.into_inner());
        mask.as_ref().map(|m| m.clone_ref(py))
    }

    #[setter(_keras_mask)]
    fn set_keras_mask(&self, mask: Option<Py<PyAny>>) {
        *self.keras_mask.lock().unwrap_or_else(|e| e.into_inner()) = mask;
    }

    fn __copy__(&self) -> PyTensor {
        PyTensor::new(self.inner.clone())
    }

    fn __deepcopy__(&self, _memo: Bound<'_, PyAny>) -> PyTensor {
        PyTensor::new(self.inner.clone())
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        let convert = py.import("rkeras.ops")?.getattr("convert_to_tensor")?;
        Ok((convert, (to_numpy_copy(py, &self.inner)?,)))
    }
}
