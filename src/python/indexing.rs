//! `tensor[key]`: basic slicing (ints, slices, `None`, `...`) and one
//! integer-array index, with NumPy's semantics.

use pyo3::exceptions::{PyIndexError, PyNotImplementedError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyEllipsis, PyNone, PySlice, PyTuple};

use super::convert::to_tensor;
use super::tensor::PyTensor;
use crate::{ops, DType, Tensor};

enum Item {
    Int(isize),
    Slice(Py<PySlice>),
    NewAxis,
    Ellipsis,
    Array(Tensor),
}

fn classify(obj: &Bound<'_, PyAny>) -> PyResult<Item> {
    if obj.is_instance_of::<PyEllipsis>() {
        return Ok(Item::Ellipsis);
    }
    if obj.is_instance_of::<PyNone>() {
        return Ok(Item::NewAxis);
    }
    if let Ok(s) = obj.cast::<PySlice>() {
        return Ok(Item::Slice(s.clone().unbind()));
    }
    if obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyNotImplementedError::new_err(
            "indexing with a bool is not supported; use ops.where or ops.expand_dims",
        ));
    }
    if let Ok(i) = obj.extract::<isize>() {
        if !obj.is_instance_of::<PyTensor>() || obj.cast::<PyTensor>()?.get().inner.rank() == 0 {
            return Ok(Item::Int(i));
        }
    }
    let t = to_tensor(obj, None).map_err(|_| {
        PyTypeError::new_err(format!(
            "Invalid index {obj}: expected an int, a slice, None, Ellipsis or an integer array"
        ))
    })?;
    match t.dtype() {
        DType::Bool => Err(PyNotImplementedError::new_err(
            "boolean mask indexing makes data-dependent shapes and is not supported; use \
             ops.where, or index with the integer positions instead",
        )),
        DType::F32 => Err(PyIndexError::new_err(
            "arrays used as indices must be of integer type",
        )),
        _ => Ok(Item::Array(t)),
    }
}

pub fn getitem(py: Python<'_>, x: &Tensor, key: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    let items: Vec<Item> = match key.cast::<PyTuple>() {
        Ok(tuple) => tuple
            .iter()
            .map(|k| classify(&k))
            .collect::<PyResult<_>>()?,
        Err(_) => vec![classify(key)?],
    };
    let consumes = |i: &Item| match i {
        Item::Int(_) | Item::Slice(_) => 1,
        Item::Array(_) => 1,
        Item::NewAxis | Item::Ellipsis => 0,
    };
    let used: usize = items.iter().map(consumes).sum();
    if used > x.rank() {
        return Err(PyIndexError::new_err(format!(
            "too many indices for a tensor of shape {}: {used} were indexed",
            x.shape()
        )));
    }
    if items.iter().filter(|i| matches!(i, Item::Ellipsis)).count() > 1 {
        return Err(PyIndexError::new_err(
            "an index can only have a single ellipsis ('...')",
        ));
    }
    if items.iter().filter(|i| matches!(i, Item::Array(_))).count() > 1 {
        return Err(PyNotImplementedError::new_err(
            "indexing with more than one integer array is not supported; use ops.take \
             or ops.take_along_axis",
        ));
    }
    let mut out = x.clone();
    let mut axis = 0usize;
    for item in items {
        match item {
            Item::Int(i) => {
                let a = axis;
                out = py.detach(|| ops::index_axis(&out, a, i))?;
            }
            Item::Slice(s) => {
                let n = out.dims()[axis];
                let ind = s.bind(py).indices(n as isize)?;
                let (start, step, len) = (ind.start, ind.step, ind.slicelength);
                let start = if len == 0 { 0 } else { start as usize };
                let a = axis;
                out = ops::slice_axis(&out, a, start, len, step)?;
                axis += 1;
            }
            Item::NewAxis => {
                out = ops::expand_dims(&out, axis as isize)?;
                axis += 1;
            }
            Item::Ellipsis => axis += x.rank() - used,
            Item::Array(idx) => {
                let a = axis as isize;
                let rank = idx.rank();
                out = py.detach(|| ops::take(&out, &idx.to_device(out.device())?, Some(a)))?;
                axis += rank;
            }
        }
    }
    Ok(out)
}
