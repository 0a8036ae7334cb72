//! `rkeras._core.recurrence`: a recurrent layer's whole time loop in one
//! call (see `ops::rnn`).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use super::convert::to_tensor;
use super::tensor::{compute, PyTensor};
use crate::ops::rnn::{
    recurrence as run_recurrence, Activation, CellKind, CellWeights, Recurrence,
};
use crate::Tensor;

fn activation(name: &str) -> PyResult<Activation> {
    Activation::parse(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "recurrence: activation {name:?} has no fused kernel; expected one of tanh, sigmoid, \
             relu, linear, hard_sigmoid"
        ))
    })
}

/// Runs a SimpleRNN (`"simple"`), LSTM (`"lstm"`) or GRU (`"gru"`) over
/// `inputs (batch, timesteps, features)`; returns `(sequence, states)` with
/// the sequence in processing order.
#[pyfunction]
#[pyo3(signature = (kind, inputs, initial_states, kernel, recurrent_kernel, bias=None, mask=None,
    activation_name="tanh", recurrent_activation_name="sigmoid", go_backwards=false,
    zero_output_for_mask=false, reset_after=true))]
#[allow(clippy::too_many_arguments)]
pub fn recurrence(
    py: Python<'_>,
    kind: &str,
    inputs: &Bound<'_, PyAny>,
    initial_states: Vec<Bound<'_, PyAny>>,
    kernel: &Bound<'_, PyAny>,
    recurrent_kernel: &Bound<'_, PyAny>,
    bias: Option<&Bound<'_, PyAny>>,
    mask: Option<&Bound<'_, PyAny>>,
    activation_name: &str,
    recurrent_activation_name: &str,
    go_backwards: bool,
    zero_output_for_mask: bool,
    reset_after: bool,
) -> PyResult<(PyTensor, Vec<PyTensor>)> {
    let kind = match kind {
        "simple" => CellKind::Simple,
        "lstm" => CellKind::Lstm,
        "gru" => CellKind::Gru { reset_after },
        other => {
            return Err(PyValueError::new_err(format!(
                "recurrence: unknown cell kind {other:?}; expected \"simple\", \"lstm\" or \"gru\""
            )))
        }
    };
    let spec = Recurrence {
        kind,
        activation: activation(activation_name)?,
        recurrent_activation: activation(recurrent_activation_name)?,
        go_backwards,
        zero_output_for_mask,
    };
    let x = to_tensor(inputs, None)?;
    let states: Vec<Tensor> = initial_states
        .iter()
        .map(|s| to_tensor(s, None))
        .collect::<PyResult<_>>()?;
    let kernel = to_tensor(kernel, None)?;
    let recurrent = to_tensor(recurrent_kernel, None)?;
    let bias = bias.map(|b| to_tensor(b, None)).transpose()?;
    let mask = mask.map(|m| to_tensor(m, None)).transpose()?;
    let work = x.numel() * kernel.dims().last().copied().unwrap_or(1);
    let out = compute(py, work, || {
        let weights = CellWeights {
            kernel: &kernel,
            recurrent_kernel: &recurrent,
            bias: bias.as_ref(),
        };
        run_recurrence(&spec, &x, &states, &weights, mask.as_ref())
    })?;
    Ok((
        PyTensor::new(out.sequence),
        out.states.into_iter().map(PyTensor::new).collect(),
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(recurrence, m)?)
}
