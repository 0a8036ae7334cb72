//! `optimizer_update`: one fused optimizer step over all of a model's
//! variables, the GIL released while it runs.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::convert::to_tensor;
use super::variable::PyVariable;
use crate::optim::{update, Hyper, Kind};
use crate::{Tensor, Variable};

pub(super) fn parse_hyper(d: &Bound<'_, PyDict>) -> PyResult<Hyper> {
    let mut h = Hyper::default();
    for (key, value) in d.iter() {
        let key: String = key.extract()?;
        let opt = |v: &Bound<'_, PyAny>| -> PyResult<Option<f64>> {
            if v.is_none() {
                Ok(None)
            } else {
                Ok(Some(v.extract::<f64>()?))
            }
        };
        let num = |v: &Bound<'_, PyAny>| -> PyResult<f64> {
            opt(v)?.ok_or_else(|| PyValueError::new_err(format!("hyper['{key}'] is None")))
        };
        match key.as_str() {
            "learning_rate" => h.learning_rate = num(&value)?,
            "beta_1" => h.beta_1 = num(&value)?,
            "beta_2" => h.beta_2 = num(&value)?,
            "epsilon" => h.epsilon = num(&value)?,
            "momentum" => h.momentum = num(&value)?,
            "rho" => h.rho = num(&value)?,
            "step" => h.step = num(&value)?,
            "u_product" => h.u_product = num(&value)?,
            "nesterov" => h.nesterov = value.is_truthy()?,
            "centered" => h.centered = value.is_truthy()?,
            "amsgrad" => h.amsgrad = value.is_truthy()?,
            "weight_decay" => h.weight_decay = opt(&value)?,
            "clipnorm" => h.clipnorm = opt(&value)?,
            "global_clipnorm" => h.global_clipnorm = opt(&value)?,
            "clipvalue" => h.clipvalue = opt(&value)?,
            "loss_scale_factor" => h.loss_scale_factor = opt(&value)?,
            other => {
                return Err(PyValueError::new_err(format!(
                    "optimizer_update: unknown hyperparameter '{other}'"
                )))
            }
        }
    }
    Ok(h)
}

/// Updates `variables` in place with `grads`, per the rule `kind`.
///
/// Args:
///     kind: "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta",
///         "adamax", "nadam" or "lion".
///     variables: the model variables.
///     grads: one gradient (tensor-like) per variable.
///     slots: per variable, its slot variables in Keras's order.
///     hyper: this step's hyperparameters: learning_rate, beta_1, beta_2,
///         epsilon, momentum, rho, nesterov, centered, amsgrad, step
///         (iterations + 1), u_product (Nadam), weight_decay, clipnorm,
///         global_clipnorm, clipvalue, loss_scale_factor.
///     decay: per variable, whether weight decay applies (default: all).
#[pyfunction]
#[pyo3(signature = (kind, variables, grads, slots, hyper, decay=None))]
pub fn optimizer_update(
    py: Python<'_>,
    kind: &str,
    variables: Vec<Bound<'_, PyVariable>>,
    grads: Vec<Bound<'_, PyAny>>,
    slots: Vec<Vec<Bound<'_, PyVariable>>>,
    hyper: &Bound<'_, PyDict>,
    decay: Option<Vec<bool>>,
) -> PyResult<()> {
    let kind: Kind = kind.parse()?;
    let hyper = parse_hyper(hyper)?;
    let vars: Vec<Variable> = variables.iter().map(|v| v.get().inner.clone()).collect();
    let grads: Vec<Tensor> = grads
        .iter()
        .map(|g| to_tensor(g, None))
        .collect::<PyResult<_>>()?;
    let slots: Vec<Vec<Variable>> = slots
        .iter()
        .map(|s| s.iter().map(|v| v.get().inner.clone()).collect())
        .collect();
    py.detach(|| update(kind, &vars, &grads, &slots, &hyper, decay.as_deref()))?;
    Ok(())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(optimizer_update, m)?)?;
    Ok(())
}
