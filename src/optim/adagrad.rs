//! The accumulator family: Adagrad and Adadelta (Keras 3's formulas,
//! epsilon inside the square roots).

use super::simd::zip2;
use super::simd::zip3;
use super::Hyper;
use crate::ops::{add, add_scalar, divide, mul_scalar, multiply, sqrt, square, subtract};
use crate::{Result, Tensor};

/// Adagrad: `acc += g²`, `var -= lr*g/sqrt(acc+eps)`.
#[derive(Debug, Clone, Copy)]
pub struct Adagrad {
    lr: f32,
    epsilon: f32,
}

impl Adagrad {
    pub fn new(h: &Hyper) -> Adagrad {
        Adagrad {
            lr: h.learning_rate as f32,
            epsilon: h.epsilon as f32,
        }
    }

    /// `accumulator`.
    pub fn slots(&self) -> usize {
        1
    }

    pub fn cpu(&self, bufs: &mut [&mut [f32]], g: &[f32]) {
        let Adagrad { lr, epsilon } = *self;
        let [w, acc] = bufs else {
            unreachable!("slot count checked by the caller")
        };
        zip2(w, acc, g, |w, acc, g| {
            *acc += g * g;
            *w -= (lr * g) / (*acc + epsilon).sqrt();
        });
    }

    pub fn device(&self, w: &Tensor, g: &Tensor, slots: &[Tensor]) -> Result<Vec<Tensor>> {
        let acc = add(&slots[0], &square(g)?)?;
        let step = divide(
            &mul_scalar(g, self.lr as f64)?,
            &sqrt(&add_scalar(&acc, self.epsilon as f64)?)?,
        )?;
        Ok(vec![subtract(w, &step)?, acc])
    }
}

/// Adadelta: running averages of `g²` and of the squared updates.
#[derive(Debug, Clone, Copy)]
pub struct Adadelta {
    lr: f32,
    rho: f32,
    one_minus_rho: f32,
    epsilon: f32,
}

impl Adadelta {
    pub fn new(h: &Hyper) -> Adadelta {
        Adadelta {
            lr: h.learning_rate as f32,
            rho: h.rho as f32,
            one_minus_rho: (1.0 - h.rho) as f32,
            epsilon: h.epsilon as f32,
        }
    }

    /// `accumulated_grad` and `accumulated_delta_var`.
    pub fn slots(&self) -> usize {
        2
    }

    pub fn cpu(&self, bufs: &mut [&mut [f32]], g: &[f32]) {
        let Adadelta {
            lr,
            rho,
            one_minus_rho,
            epsilon,
        } = *self;
        let [w, ag, ad] = bufs else {
            unreachable!("slot count checked by the caller")
        };
        zip3(w, ag, ad, g, |w, ag, ad, g| {
            *ag = rho * *ag + one_minus_rho * (g * g);
            let delta = -(((*ad + epsilon).sqrt() * g) / (*ag + epsilon).sqrt());
            *ad = rho * *ad + one_minus_rho * (delta * delta);
            *w += lr * delta;
        });
    }

    pub fn device(&self, w: &Tensor, g: &Tensor, slots: &[Tensor]) -> Result<Vec<Tensor>> {
        let rms = |x: &Tensor| sqrt(&add_scalar(x, self.epsilon as f64)?);
        let ag = add(
            &mul_scalar(&slots[0], self.rho as f64)?,
            &mul_scalar(&square(g)?, self.one_minus_rho as f64)?,
        )?;
        let delta = mul_scalar(&divide(&multiply(&rms(&slots[1])?, g)?, &rms(&ag)?)?, -1.0)?;
        let ad = add(
            &mul_scalar(&slots[1], self.rho as f64)?,
            &mul_scalar(&square(&delta)?, self.one_minus_rho as f64)?,
        )?;
        let w = add(w, &mul_scalar(&delta, self.lr as f64)?)?;
        Ok(vec![w, ag, ad])
    }
}
