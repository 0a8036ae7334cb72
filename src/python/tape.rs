//! The engine side of `rkeras.GradientTape` (nesting of sources is handled
//! in Python).

use pyo3::prelude::*;

use super::convert::to_tensor;
use super::tensor::PyTensor;
use super::variable::PyVariable;
use crate::autograd::Tape;
use crate::Tensor;

#[pyclass(name = "Tape", module = "rkeras._core", frozen)]
pub struct PyTape {
    inner: Tape,
}

/// Sources are tensors or variables; a variable stands for its current value.
fn source_tensor(obj: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    if let Ok(v) = obj.cast::<PyVariable>() {
        return Ok(v.get().inner.peek());
    }
    if let Ok(t) = obj.cast::<PyTensor>() {
        return Ok(t.get().inner.clone());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "GradientTape sources must be tensors or Variables, got {}",
        obj.get_type().name()?
    )))
}

#[pymethods]
impl PyTape {
    #[new]
    #[pyo3(signature = (persistent=false, watch_accessed_variables=true))]
    fn new(persistent: bool, watch_accessed_variables: bool) -> Self {
        let inner = Tape::new(persistent);
        inner.set_watch_accessed_variables(watch_accessed_variables);
        PyTape { inner }
    }

    fn enter(&self) {
        self.inner.enter();
    }

    fn exit(&self) {
        self.inner.exit();
    }

    fn set_recording(&self, on: bool) {
        self.inner.set_recording(on);
    }

    #[getter]
    fn persistent(&self) -> bool {
        self.inner.persistent()
    }

    /// Number of recorded operations still held.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn watch(&self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.watch(&source_tensor(obj)?);
        Ok(())
    }

    /// Gradients of `target` for each of `sources` (a flat list); `None`
    /// where a source is not connected.
    #[pyo3(signature = (target, sources, output_gradients=None))]
    fn gradient(
        &self,
        py: Python<'_>,
        target: &Bound<'_, PyAny>,
        sources: Vec<Bound<'_, PyAny>>,
        output_gradients: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Option<PyTensor>>> {
        let target = to_tensor(target, None)?;
        let sources: Vec<Tensor> = sources.iter().map(source_tensor).collect::<PyResult<_>>()?;
        let seed = output_gradients.map(|g| to_tensor(g, None)).transpose()?;
        let tape = self.inner.clone();
        let grads = py.detach(move || tape.gradient(&target, &sources, seed.as_ref()))?;
        Ok(grads.into_iter().map(|g| g.map(PyTensor::new)).collect())
    }
}
