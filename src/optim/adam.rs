//! The Adam family: Adam (and AdamW, whose decoupled weight decay is the
//! shared pre-step), Adamax and Nadam, with Keras 3's bias corrections.

use super::simd::{zip3, zip4};
use super::Hyper;
use crate::ops::{abs, add, add_scalar, divide, maximum, mul_scalar, sqrt, square, subtract};
use crate::{Result, Tensor};

/// `m += (g - m)(1 - b1)`, as ops.
fn ema(m: &Tensor, g: &Tensor, one_minus_beta: f32) -> Result<Tensor> {
    add(m, &mul_scalar(&subtract(g, m)?, one_minus_beta as f64)?)
}

/// Adam: `alpha = lr*sqrt(1-b2^t)/(1-b1^t)`, `var -= alpha*m/(sqrt(v)+eps)`.
#[derive(Debug, Clone, Copy)]
pub struct Adam {
    alpha: f32,
    one_minus_b1: f32,
    one_minus_b2: f32,
    epsilon: f32,
    amsgrad: bool,
}

impl Adam {
    pub fn new(h: &Hyper) -> Adam {
        let t = h.step;
        Adam {
            alpha: (h.learning_rate * (1.0 - h.beta_2.powf(t)).sqrt() / (1.0 - h.beta_1.powf(t)))
                as f32,
            one_minus_b1: (1.0 - h.beta_1) as f32,
            one_minus_b2: (1.0 - h.beta_2) as f32,
            epsilon: h.epsilon as f32,
            amsgrad: h.amsgrad,
        }
    }

    /// `momentum`, `velocity` (and `velocity_hat` with amsgrad).
    pub fn slots(&self) -> usize {
        2 + usize::from(self.amsgrad)
    }

    pub fn cpu(&self, bufs: &mut [&mut [f32]], g: &[f32]) {
        let Adam {
            alpha,
            one_minus_b1,
            one_minus_b2,
            epsilon,
            ..
        } = *self;
        match bufs {
            [w, m, v] => zip3(w, m, v, g, |w, m, v, g| {
                *m += (g - *m) * one_minus_b1;
                *v += (g * g - *v) * one_minus_b2;
                *w -= (*m * alpha) / (v.sqrt() + epsilon);
            }),
            [w, m, v, vh] => zip4(w, m, v, vh, g, |w, m, v, vh, g| {
                *m += (g - *m) * one_minus_b1;
                *v += (g * g - *v) * one_minus_b2;
                *vh = vh.max(*v);
                *w -= (*m * alpha) / (vh.sqrt() + epsilon);
            }),
            _ => unreachable!("slot count checked by the caller"),
        }
    }

    pub fn device(&self, w: &Tensor, g: &Tensor, slots: &[Tensor]) -> Result<Vec<Tensor>> {
        let m = ema(&slots[0], g, self.one_minus_b1)?;
        let v = ema(&slots[1], &square(g)?, self.one_minus_b2)?;
        let vh = if self.amsgrad {
            Some(maximum(&slots[2], &v)?)
        } else {
            None
        };
        let denom = add_scalar(&sqrt(vh.as_ref().unwrap_or(&v))?, self.epsilon as f64)?;
        let w = subtract(w, &divide(&mul_scalar(&m, self.alpha as f64)?, &denom)?)?;
        let mut out = vec![w, m, v];
        out.extend(vh);
        Ok(out)
    }
}

/// Adamax: `u = max(b2*u, |g|)`, `var -= lr*m/((1-b1^t)(u+eps))`.
#[derive(Debug, Clone, Copy)]
pub struct Adamax {
    lr: f32,
    one_minus_b1: f32,
    beta_2: f32,
    bias: f32,
    epsilon: f32,
}

impl Adamax {
    pub fn new(h: &Hyper) -> Adamax {
        Adamax {
            lr: h.learning_rate as f32,
            one_minus_b1: (1.0 - h.beta_1) as f32,
            beta_2: h.beta_2 as f32,
            bias: (1.0 - h.beta_1.powf(h.step)) as f32,
            epsilon: h.epsilon as f32,
        }
    }

    /// `momentum` (m) and `norm` (u).
    pub fn slots(&self) -> usize {
        2
    }

    pub fn cpu(&self, bufs: &mut [&mut [f32]], g: &[f32]) {
        let Adamax {
            lr,
            one_minus_b1,
            beta_2,
            bias,
            epsilon,
        } = *self;
        let [w, m, u] = bufs else {
            unreachable!("slot count checked by the caller")
        };
        zip3(w, m, u, g, |w, m, u, g| {
            *m += (g - *m) * one_minus_b1;
            *u = (beta_2 * *u).max(g.abs());
            *w -= (lr * *m) / (bias * (*u + epsilon));
        });
    }

    pub fn device(&self, w: &Tensor, g: &Tensor, slots: &[Tensor]) -> Result<Vec<Tensor>> {
        let m = ema(&slots[0], g, self.one_minus_b1)?;
        let u = maximum(&mul_scalar(&slots[1], self.beta_2 as f64)?, &abs(g)?)?;
        let denom = mul_scalar(&add_scalar(&u, self.epsilon as f64)?, self.bias as f64)?;
        let w = subtract(w, &divide(&mul_scalar(&m, self.lr as f64)?, &denom)?)?;
        Ok(vec![w, m, u])
    }
}

/// Nadam with Keras's momentum schedule `u_t = b1(1 - 0.5*0.96^t)`;
/// `u_product` (the running product of the `u_t`, this step's included)
/// comes in `Hyper`.
#[derive(Debug, Clone, Copy)]
pub struct Nadam {
    lr: f32,
    one_minus_b1: f32,
    one_minus_b2: f32,
    /// `u_{t+1} / (1 - u_product*u_{t+1})`, the weight of `m` in `m_hat`.
    c_m: f32,
    /// `(1 - u_t) / (1 - u_product)`, the weight of `g` in `m_hat`.
    c_g: f32,
    /// `1 / (1 - b2^t)`.
    c_v: f32,
    epsilon: f32,
}

impl Nadam {
    pub fn new(h: &Hyper) -> Nadam {
        let t = h.step;
        let u_t = h.beta_1 * (1.0 - 0.5 * 0.96f64.powf(t));
        let u_t1 = h.beta_1 * (1.0 - 0.5 * 0.96f64.powf(t + 1.0));
        let up = h.u_product;
        Nadam {
            lr: h.learning_rate as f32,
            one_minus_b1: (1.0 - h.beta_1) as f32,
            one_minus_b2: (1.0 - h.beta_2) as f32,
            c_m: (u_t1 / (1.0 - up * u_t1)) as f32,
            c_g: ((1.0 - u_t) / (1.0 - up)) as f32,
            c_v: (1.0 / (1.0 - h.beta_2.powf(t))) as f32,
            epsilon: h.epsilon as f32,
        }
    }

    /// `momentum` and `velocity`.
    pub fn slots(&self) -> usize {
        2
    }

    pub fn cpu(&self, bufs: &mut [&mut [f32]], g: &[f32]) {
        let Nadam {
            lr,
            one_minus_b1,
            one_minus_b2,
            c_m,
            c_g,
            c_v,
            epsilon,
        } = *self;
        let [w, m, v] = bufs else {
            unreachable!("slot count checked by the caller")
        };
        zip3(w, m, v, g, |w, m, v, g| {
            *m += (g - *m) * one_minus_b1;
            *v += (g * g - *v) * one_minus_b2;
            let m_hat = c_m * *m + c_g * g;
            let v_hat = *v * c_v;
            *w -= (m_hat * lr) / (v_hat.sqrt() + epsilon);
        });
    }

    pub fn device(&self, w: &Tensor, g: &Tensor, slots: &[Tensor]) -> Result<Vec<Tensor>> {
        let m = ema(&slots[0], g, self.one_minus_b1)?;
        let v = ema(&slots[1], &square(g)?, self.one_minus_b2)?;
        let m_hat = add(
            &mul_scalar(&m, self.c_m as f64)?,
            &mul_scalar(g, self.c_g as f64)?,
        )?;
        let v_hat = mul_scalar(&v, self.c_v as f64)?;
        let denom = add_scalar(&sqrt(&v_hat)?, self.epsilon as f64)?;
        let w = subtract(w, &divide(&mul_scalar(&m_hat, self.lr as f64)?, &denom)?)?;
        Ok(vec![w, m, v])
    }
}
