//! The engine side of compiled steps: record one step on this thread,
//! then replay its kernels with the GIL released.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::optim::parse_hyper;
use super::tensor::PyTensor;
use super::variable::PyVariable;
use crate::optim::Kind;
use crate::trace::{self, OptimizerStep, Plan};
use crate::{Tensor, Variable};

fn tensors(xs: &[PyRef<'_, PyTensor>]) -> Vec<Tensor> {
    xs.iter().map(|x| x.inner.clone()).collect()
}

/// A recorded step: `run(inputs)` replays its kernels for new inputs of
/// the recorded shapes and returns its outputs.
#[pyclass(name = "Plan", module = "rkeras._core", frozen)]
pub struct PyPlan {
    inner: Plan,
}

#[pymethods]
impl PyPlan {
    fn run(&self, py: Python<'_>, inputs: Vec<PyRef<'_, PyTensor>>) -> PyResult<Vec<PyTensor>> {
        let inputs = tensors(&inputs);
        let outputs = py.detach(|| self.inner.run(&inputs))?;
        Ok(outputs.into_iter().map(PyTensor::new).collect())
    }

    /// Replays the step and applies one optimizer update (as
    /// `optimizer_update` takes it) with the gradients at the output
    /// positions `gradients`. Returns the outputs, `None` at the gradients.
    #[pyo3(signature = (inputs, gradients, kind, variables, slots, hyper, decay=None))]
    #[allow(clippy::too_many_arguments)]
    fn run_and_update(
        &self,
        py: Python<'_>,
        inputs: Vec<PyRef<'_, PyTensor>>,
        gradients: Vec<usize>,
        kind: &str,
        variables: Vec<PyRef<'_, PyVariable>>,
        slots: Vec<Vec<PyRef<'_, PyVariable>>>,
        hyper: &Bound<'_, PyDict>,
        decay: Option<Vec<bool>>,
    ) -> PyResult<Vec<Option<PyTensor>>> {
        let inputs = tensors(&inputs);
        let kind: Kind = kind.parse()?;
        let hyper = parse_hyper(hyper)?;
        let variables: Vec<Variable> = variables.iter().map(|v| v.inner.clone()).collect();
        let slots: Vec<Vec<Variable>> = slots
            .iter()
            .map(|s| s.iter().map(|v| v.inner.clone()).collect())
            .collect();
        let step = OptimizerStep {
            kind,
            hyper: &hyper,
            variables: &variables,
            slots: &slots,
            decay: decay.as_deref(),
            gradients: &gradients,
        };
        let outputs = py.detach(|| self.inner.run_and_update(&inputs, &step))?;
        Ok(outputs.into_iter().map(|o| o.map(PyTensor::new)).collect())
    }

    /// Number of steps a replay runs.
    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// Starts recording the ops this thread runs; `inputs` are the tensors a
/// replay will replace.
#[pyfunction]
fn begin_trace(inputs: Vec<PyRef<'_, PyTensor>>) -> PyResult<()> {
    Ok(trace::begin(&tensors(&inputs))?)
}

/// Ends the recording; the plan computes `outputs` from the inputs. Raises
/// `NotImplementedError` naming what the step did that cannot be replayed.
#[pyfunction]
fn finish_trace(outputs: Vec<PyRef<'_, PyTensor>>) -> PyResult<PyPlan> {
    Ok(PyPlan {
        inner: trace::finish(&tensors(&outputs))?,
    })
}

/// Drops the recording (the step raised).
#[pyfunction]
fn abort_trace() {
    trace::abort();
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPlan>()?;
    m.add_function(wrap_pyfunction!(begin_trace, m)?)?;
    m.add_function(wrap_pyfunction!(finish_trace, m)?)?;
    m.add_function(wrap_pyfunction!(abort_trace, m)?)?;
    Ok(())
}
