//! Activation functions and softmax, composed from differentiable ops so
//! their gradients come from the tape (softmax over the last axis on the
//! host has its own row kernel and backward).

use super::reduce::finite_max;
use super::{
    abs, add, add_scalar, cast, clip, divide, erf, exp, expm1, greater, greater_equal, log, log1p,
    mul_scalar, multiply, negative, pow_scalar, relu, sigmoid, subtract, sum, tanh, where_,
};
use crate::autograd::{any_tape_recording, record};
use crate::cpu::host_f32;
use crate::cpu::softmax::{softmax_rows, softmax_rows_backward};
use crate::trace::kernel;
use crate::{normalize_axis, DType, Device, Result, Tensor};

/// `min(max(x, 0), 6)`.
pub fn relu6(x: &Tensor) -> Result<Tensor> {
    clip(&cast(x, DType::F32)?, 0.0, 6.0)
}

/// `x` where positive, `negative_slope * x` elsewhere (Keras default 0.2).
pub fn leaky_relu(x: &Tensor, negative_slope: f64) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    let zero = Tensor::scalar(0.0f32, x.device())?;
    where_(
        &greater_equal(&x, &zero)?,
        &x,
        &mul_scalar(&x, negative_slope)?,
    )
}

/// `x` where positive, `alpha * (exp(x) - 1)` elsewhere.
pub fn elu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    let zero = Tensor::scalar(0.0f32, x.device())?;
    // expm1 on min(x, 0) keeps the unused branch finite for large x.
    let neg_part = super::minimum(&x, &zero)?;
    where_(
        &greater(&x, &zero)?,
        &x,
        &mul_scalar(&expm1(&neg_part)?, alpha)?,
    )
}

const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

pub fn selu(x: &Tensor) -> Result<Tensor> {
    mul_scalar(&elu(x, SELU_ALPHA)?, SELU_SCALE)
}

/// Gaussian error linear unit: the tanh approximation when `approximate`
/// (Keras's default), else `x * Phi(x)` with the exact normal CDF.
pub fn gelu(x: &Tensor, approximate: bool) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    let half_x = mul_scalar(&x, 0.5)?;
    let inner = if approximate {
        let cubic = mul_scalar(&pow_scalar(&x, 3.0)?, 0.044_715)?;
        tanh(&mul_scalar(
            &add(&x, &cubic)?,
            (2.0 / std::f64::consts::PI).sqrt(),
        )?)?
    } else {
        erf(&mul_scalar(&x, std::f64::consts::FRAC_1_SQRT_2)?)?
    };
    multiply(&half_x, &add_scalar(&inner, 1.0)?)
}

/// `log(1 + exp(x))`, as `relu(x) + log1p(exp(-|x|))` so it never overflows.
pub fn softplus(x: &Tensor) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    add(&relu(&x)?, &log1p(&exp(&negative(&abs(&x)?)?)?)?)
}

/// `x / (1 + |x|)`.
pub fn softsign(x: &Tensor) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    divide(&x, &add_scalar(&abs(&x)?, 1.0)?)
}

/// `x * sigmoid(x)` (also called swish).
pub fn silu(x: &Tensor) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    multiply(&x, &sigmoid(&x)?)
}

/// Keras 3's piecewise-linear sigmoid: `relu6(x + 3) / 6`.
pub fn hard_sigmoid(x: &Tensor) -> Result<Tensor> {
    mul_scalar(&relu6(&add_scalar(&cast(x, DType::F32)?, 3.0)?)?, 1.0 / 6.0)
}

/// `x * hard_sigmoid(x)`.
pub fn hard_silu(x: &Tensor) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    multiply(&x, &hard_sigmoid(&x)?)
}

/// Softmax along `axis`, shifted by the max so logits in the thousands
/// stay finite.
pub fn softmax(x: &Tensor, axis: isize) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    let rank = x.rank().max(1);
    if x.device() != Device::Cpu || normalize_axis(axis, rank, "softmax")? + 1 != rank {
        return composed_softmax(&x, axis);
    }
    // One pass per row on the host, and one tape node.
    let width = x.dims().last().copied().unwrap_or(1);
    let y = if x.numel() == 0 {
        x.clone()
    } else {
        kernel(&[&x], move |t| {
            let rows = softmax_rows(&host_f32(t[0])?, width);
            Tensor::from_vec(rows, t[0].shape().clone(), Device::Cpu)
        })?
    };
    record(&[&x], &y, || {
        let y = y.clone();
        Box::new(move |g, _| {
            if any_tape_recording() || g.device() != Device::Cpu || y.numel() == 0 {
                let dot = sum(&multiply(g, &y)?, Some(&[-1]), true)?;
                return Ok(vec![Some(multiply(&y, &subtract(g, &dot)?)?)]);
            }
            let g = cast(g, DType::F32)?;
            let dx = kernel(&[&y, &g], move |t| {
                let dx = softmax_rows_backward(&host_f32(t[0])?, &host_f32(t[1])?, width);
                Tensor::from_vec(dx, t[0].shape().clone(), Device::Cpu)
            })?;
            Ok(vec![Some(dx)])
        })
    });
    Ok(y)
}

fn composed_softmax(x: &Tensor, axis: isize) -> Result<Tensor> {
    let e = exp(&subtract(x, &finite_max(x, Some(&[axis]))?)?)?;
    divide(&e, &sum(&e, Some(&[axis]), true)?)
}

/// `log(softmax(x))`, computed as `x - max - log(sum(exp(x - max)))`.
pub fn log_softmax(x: &Tensor, axis: isize) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    let shifted = subtract(&x, &finite_max(&x, Some(&[axis]))?)?;
    let total = sum(&exp(&shifted)?, Some(&[axis]), true)?;
    subtract(&shifted, &log(&total)?)
}
