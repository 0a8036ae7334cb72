//! SGD, with optional (Nesterov) momentum, as Keras 3 writes it: the
//! momentum buffer holds `m = momentum*m - lr*g` (lr inside the buffer).

use super::simd::{zip1, zip2};
use super::Hyper;
use crate::ops::{add, mul_scalar, subtract};
use crate::{Result, Tensor};

#[derive(Debug, Clone, Copy)]
pub struct Sgd {
    lr: f32,
    momentum: f32,
    nesterov: bool,
}

impl Sgd {
    pub fn new(h: &Hyper) -> Sgd {
        Sgd {
            lr: h.learning_rate as f32,
            momentum: h.momentum as f32,
            nesterov: h.nesterov,
        }
    }

    /// One slot (`momentum`) when momentum is not 0, else none.
    pub fn slots(&self) -> usize {
        usize::from(self.momentum != 0.0)
    }

    pub fn cpu(&self, bufs: &mut [&mut [f32]], g: &[f32]) {
        let Sgd {
            lr,
            momentum,
            nesterov,
        } = *self;
        match bufs {
            [w] => zip1(w, g, |w, g| *w -= g * lr),
            [w, m] if nesterov => zip2(w, m, g, |w, m, g| {
                *m = *m * momentum - g * lr;
                *w += *m * momentum - g * lr;
            }),
            [w, m] => zip2(w, m, g, |w, m, g| {
                *m = *m * momentum - g * lr;
                *w += *m;
            }),
            _ => unreachable!("slot count checked by the caller"),
        }
    }

    pub fn device(&self, w: &Tensor, g: &Tensor, slots: &[Tensor]) -> Result<Vec<Tensor>> {
        let lr_g = mul_scalar(g, self.lr as f64)?;
        let [m] = slots else {
            return Ok(vec![subtract(w, &lr_g)?]);
        };
        let m = subtract(&mul_scalar(m, self.momentum as f64)?, &lr_g)?;
        let w = if self.nesterov {
            add(w, &subtract(&mul_scalar(&m, self.momentum as f64)?, &lr_g)?)?
        } else {
            add(w, &m)?
        };
        Ok(vec![w, m])
    }
}
