//! NumPy and Python values in and out of tensors.
//!
//! In: NumPy data is copied once into engine-owned memory (a tensor is
//! immutable, and sharing a NumPy buffer would let a later write change
//! values the tape saved; even a read-only array can be a view of a writable
//! one). The exception is an array that is itself a view of a tensor
//! (`np.asarray(t)`, sliced or not): it comes back without a copy. Any
//! strides work: Fortran order, negative strides and 0-size arrays come
//! through `as_array`'s logical order.
//! Out: `np.asarray(t)` is zero-copy and read-only over the tensor's
//! storage, kept alive by a small owner object.

use std::sync::Arc;

use numpy::npyffi::flags::NPY_ARRAY_WRITEABLE;
use numpy::prelude::*;
use numpy::{dtype, Element as NpElement, PyArrayDyn, PyUntypedArray};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt};

use super::tensor::PyTensor;
use super::variable::PyVariable;
use crate::cpu::CpuStorage;
use crate::{default_device, DType, Device, Element, Layout, Shape, Storage, Tensor};

fn numpy_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static NUMPY: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    NUMPY
        .get_or_try_init(py, || py.import("numpy").map(Bound::unbind))
        .map(|m| m.bind(py))
}

fn copy_typed<T: NpElement + Element>(arr: &Bound<'_, PyUntypedArray>) -> PyResult<Tensor> {
    let typed = arr.cast::<PyArrayDyn<T>>()?.readonly();
    let view = typed.as_array();
    let data: Vec<T> = match view.as_slice() {
        Some(s) => s.to_vec(),
        None => view.iter().copied().collect(),
    };
    Ok(Tensor::from_vec(data, view.shape().to_vec(), Device::Cpu)?)
}

/// A tensor from a NumPy array on `device`. float64 and float16 become
/// float32 (Keras's default `floatx`); small ints become int32.
pub fn from_numpy(arr: &Bound<'_, PyUntypedArray>, device: Device) -> PyResult<Tensor> {
    if let Some(view) = tensor_view(arr)? {
        return Ok(view.to_device(device)?);
    }
    let py = arr.py();
    let d = arr.dtype();
    let cpu = if d.is_equiv_to(&dtype::<f32>(py)) {
        copy_typed::<f32>(arr)?
    } else if d.is_equiv_to(&dtype::<i32>(py)) {
        copy_typed::<i32>(arr)?
    } else if d.is_equiv_to(&dtype::<i64>(py)) {
        copy_typed::<i64>(arr)?
    } else if d.is_equiv_to(&dtype::<bool>(py)) {
        copy_typed::<bool>(arr)?
    } else if d.is_equiv_to(&dtype::<f64>(py)) {
        let typed = arr.cast::<PyArrayDyn<f64>>()?.readonly();
        let view = typed.as_array();
        let data: Vec<f32> = view.iter().map(|&x| x as f32).collect();
        Tensor::from_vec(data, view.shape().to_vec(), Device::Cpu)?
    } else {
        let target = match d.kind() {
            b'f' => "float32",
            b'i' | b'u' if d.itemsize() < 4 => "int32",
            b'i' | b'u' => "int64",
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "Cannot convert a NumPy array of dtype {d} to a tensor; expected a \
                     float, integer or bool array"
                )))
            }
        };
        let converted = arr.call_method1("astype", (target,))?;
        return from_numpy(converted.cast::<PyUntypedArray>()?, device);
    };
    Ok(cpu.to_device(device)?)
}

/// Anything Keras accepts as a tensor: tensors, variables, NumPy arrays,
/// Python scalars and nested lists. Python ints and floats become int32 and
/// float32, as in Keras.
pub fn to_tensor(obj: &Bound<'_, PyAny>, dtype: Option<DType>) -> PyResult<Tensor> {
    let t = if let Ok(t) = obj.cast::<PyTensor>() {
        t.get().inner.clone()
    } else if let Ok(v) = obj.cast::<PyVariable>() {
        v.get().inner.value()
    } else if let Ok(arr) = obj.cast::<PyUntypedArray>() {
        from_numpy(arr, default_device())?
    } else {
        let np = numpy_module(obj.py())?;
        let arr =
            np.call_method1("asarray", (obj,)).map_err(|_| {
                PyTypeError::new_err(format!(
                "Cannot convert {} to a tensor; expected a tensor, a NumPy array, a number or a \
                 (nested) list of numbers",
                obj.get_type().name().map(|n| n.to_string()).unwrap_or_default()
            ))
            })?;
        let arr = arr.cast::<PyUntypedArray>()?;
        // Python numbers default to 32 bits, as Keras's `convert_to_tensor`.
        let t = from_numpy(arr, default_device())?;
        if t.dtype() == DType::I64 {
            crate::ops::cast(&t, DType::I32)?
        } else {
            t
        }
    };
    Ok(match dtype {
        Some(d) => crate::ops::cast(&t, d)?,
        None => t,
    })
}

/// One operand of a binary op: a tensor, or a Python number that adopts
/// the other operand's dtype family ("weak" typing, as in JAX and Keras).
pub enum Operand {
    Tensor(Tensor),
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl<'py> FromPyObject<'_, 'py> for Operand {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(t) = obj.cast::<PyTensor>() {
            return Ok(Operand::Tensor(t.get().inner.clone()));
        }
        if let Ok(v) = obj.cast::<PyVariable>() {
            return Ok(Operand::Tensor(v.get().inner.value()));
        }
        if obj.is_instance_of::<PyBool>() {
            return Ok(Operand::Bool(obj.extract()?));
        }
        if obj.is_instance_of::<PyInt>() {
            if let Ok(i) = obj.extract::<i64>() {
                return Ok(Operand::Int(i));
            }
        }
        if obj.is_instance_of::<PyFloat>() {
            return Ok(Operand::Float(obj.extract()?));
        }
        Ok(Operand::Tensor(to_tensor(&obj, None)?))
    }
}

impl Operand {
    /// This operand as a tensor next to `other` (its device and, for
    /// Python numbers, a dtype of the same family).
    pub fn resolve(self, other: Option<&Tensor>) -> PyResult<Tensor> {
        let device = other.map_or_else(default_device, Tensor::device);
        let other_dtype = other.map(Tensor::dtype);
        let t = match self {
            Operand::Tensor(t) => return Ok(t),
            Operand::Bool(b) => Tensor::scalar(b, device)?,
            Operand::Int(i) => match other_dtype {
                Some(DType::F32) => Tensor::scalar(i as f32, device)?,
                Some(DType::I64) => Tensor::scalar(i, device)?,
                _ => Tensor::scalar(i as i32, device)?,
            },
            Operand::Float(f) => Tensor::scalar(f as f32, device)?,
        };
        Ok(t)
    }
}

/// Resolves two operands together.
pub fn resolve_pair(a: Operand, b: Operand) -> PyResult<(Tensor, Tensor)> {
    match (a, b) {
        (Operand::Tensor(a), b) => {
            let b = b.resolve(Some(&a))?;
            Ok((a, b))
        }
        (a, Operand::Tensor(b)) => {
            let a = a.resolve(Some(&b))?;
            Ok((a, b))
        }
        (a, b) => {
            let a = a.resolve(None)?;
            let b = b.resolve(Some(&a))?;
            Ok((a, b))
        }
    }
}

/// Keeps a tensor's storage alive for as long as NumPy views it.
#[pyclass(frozen, module = "rkeras._core")]
struct StorageOwner {
    storage: Arc<Storage>,
}

/// The tensor a NumPy array views, when the array is (a view of) one
/// `to_numpy_view` made: the same storage with the array's strides.
fn tensor_view(arr: &Bound<'_, PyUntypedArray>) -> PyResult<Option<Tensor>> {
    let Ok(base) = arr.getattr("base") else {
        return Ok(None);
    };
    let Ok(owner) = base.cast::<StorageOwner>() else {
        return Ok(None);
    };
    let storage = owner.get().storage.clone();
    let Storage::Cpu(cpu) = storage.as_ref() else {
        return Ok(None);
    };
    let (start, len, itemsize) = match cpu {
        CpuStorage::F32(v) => (v.as_ptr() as isize, v.len(), 4),
        CpuStorage::I32(v) => (v.as_ptr() as isize, v.len(), 4),
        CpuStorage::I64(v) => (v.as_ptr() as isize, v.len(), 8),
        CpuStorage::Bool(v) => (v.as_ptr() as isize, v.len(), 1),
    };
    if arr.dtype().itemsize() != itemsize as usize || arr.dtype().kind() == b'V' {
        return Ok(None);
    }
    // SAFETY: reading the data pointer of a live array object.
    let data = unsafe { (*arr.as_array_ptr()).data } as isize;
    let byte_offset = data - start;
    let byte_strides = arr.strides();
    if byte_offset % itemsize != 0 || byte_strides.iter().any(|s| s % itemsize != 0) {
        return Ok(None);
    }
    let dims = arr.shape().to_vec();
    let strides: Vec<isize> = byte_strides.iter().map(|s| s / itemsize).collect();
    let offset = byte_offset / itemsize;
    // Every element the view reaches must lie inside the storage.
    let (mut lo, mut hi) = (offset, offset);
    for (&d, &s) in dims.iter().zip(&strides) {
        if d == 0 {
            return Ok(None);
        }
        let reach = (d as isize - 1) * s;
        if reach < 0 {
            lo += reach;
        } else {
            hi += reach;
        }
    }
    if lo < 0 || hi >= len as isize {
        return Ok(None);
    }
    let layout = Layout::new(Shape::new(dims), strides, offset as usize);
    Ok(Some(Tensor::view_of(storage, layout)))
}

fn borrow_as_numpy<'py, T: NpElement + Element>(
    py: Python<'py>,
    storage: &Arc<Storage>,
    data: &[T],
    layout: &Layout,
) -> PyResult<Bound<'py, PyAny>> {
    // A 0-size layout has no elements to view (its strides may not look
    // contiguous: `contiguous_strides` treats 0-length axes as length 1).
    let range = if layout.numel() == 0 {
        0..0
    } else {
        layout
            .contiguous_range()
            .expect("caller made the layout contiguous")
    };
    let view = numpy::ndarray::ArrayView::from_shape(layout.dims().to_vec(), &data[range])
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    let owner = Bound::new(
        py,
        StorageOwner {
            storage: storage.clone(),
        },
    )?;
    // SAFETY: the owner holds the storage, which is never mutated while
    // shared (Arc::get_mut fails), so the memory outlives the array.
    let arr = unsafe { PyArrayDyn::<T>::borrow_from_array(&view, owner.into_any()) };
    // SAFETY: clearing a flag on an array we just created and own.
    unsafe { (*arr.as_array_ptr()).flags &= !NPY_ARRAY_WRITEABLE };
    Ok(arr.into_any())
}

/// A read-only NumPy view of the tensor (one copy first if the tensor is
/// on a GPU or not contiguous).
pub fn to_numpy_view<'py>(py: Python<'py>, t: &Tensor) -> PyResult<Bound<'py, PyAny>> {
    crate::trace::host_read(t);
    let host = py.detach(|| {
        t.to_device(Device::Cpu).and_then(|h| {
            if h.numel() == 0 || h.layout().is_contiguous() {
                Ok(h)
            } else {
                h.contiguous()
            }
        })
    })?;
    let storage = host.storage_arc();
    let Storage::Cpu(cpu) = storage.as_ref() else {
        unreachable!("to_device(Cpu) gives CPU storage");
    };
    let layout = host.layout();
    match cpu {
        CpuStorage::F32(v) => borrow_as_numpy(py, storage, v, layout),
        CpuStorage::I32(v) => borrow_as_numpy(py, storage, v, layout),
        CpuStorage::I64(v) => borrow_as_numpy(py, storage, v, layout),
        CpuStorage::Bool(v) => borrow_as_numpy(py, storage, v, layout),
    }
}

/// A writable NumPy copy of the tensor, as Keras's `convert_to_numpy`.
pub fn to_numpy_copy<'py>(py: Python<'py>, t: &Tensor) -> PyResult<Bound<'py, PyAny>> {
    to_numpy_view(py, t)?.call_method0("copy")
}

/// Parses a Keras dtype name (`"float32"`, `"int64"`, ...), or a NumPy
/// dtype object.
pub fn parse_dtype(obj: &Bound<'_, PyAny>) -> PyResult<DType> {
    let name: String = match obj.extract::<String>() {
        Ok(s) => s,
        Err(_) => obj
            .getattr("name")
            .or_else(|_| obj.getattr("__name__"))
            .and_then(|n| n.extract())
            .map_err(|_| PyTypeError::new_err(format!("Invalid dtype: {obj}")))?,
    };
    DType::parse(&name).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "Invalid dtype: {name}. Expected one of float32, float64, float16, bfloat16, \
             int32, int64, int16, int8, uint8, bool"
        ))
    })
}

/// A shape argument: an int or a sequence of ints.
pub fn parse_shape(obj: &Bound<'_, PyAny>) -> PyResult<Shape> {
    if let Ok(n) = obj.extract::<usize>() {
        return checked_shape(vec![n]);
    }
    let dims: Vec<usize> = obj.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "Invalid shape {obj}: expected a tuple of non-negative ints"
        ))
    })?;
    checked_shape(dims)
}

/// A shape whose element count (of the widest dtype) fits in memory's
/// address range, so that computing its size cannot overflow.
fn checked_shape(dims: Vec<usize>) -> PyResult<Shape> {
    const MAX_ELEMENTS: usize = isize::MAX as usize / 8;
    let numel = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    if numel.is_none_or(|n| n > MAX_ELEMENTS) {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "Invalid shape {dims:?}: the number of elements is too large"
        )));
    }
    Ok(Shape::new(dims))
}
