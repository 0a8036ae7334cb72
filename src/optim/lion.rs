//! Lion: `var -= lr*sign(b1*m + (1-b1)g)`, then `m = b2*m + (1-b2)g`.

use super::simd::{sign, zip2};
use super::Hyper;
use crate::ops::{add, mul_scalar, subtract};
use crate::{Result, Tensor};

#[derive(Debug, Clone, Copy)]
pub struct Lion {
    lr: f32,
    beta_1: f32,
    one_minus_b1: f32,
    beta_2: f32,
    one_minus_b2: f32,
}

impl Lion {
    pub fn new(h: &Hyper) -> Lion {
        Lion {
            lr: h.learning_rate as f32,
            beta_1: h.beta_1 as f32,
            one_minus_b1: (1.0 - h.beta_1) as f32,
            beta_2: h.beta_2 as f32,
            one_minus_b2: (1.0 - h.beta_2) as f32,
        }
    }

    /// `momentum`.
    pub fn slots(&self) -> usize {
        1
    }

    pub fn cpu(&self, bufs: &mut [&mut [f32]], g: &[f32]) {
        let Lion {
            lr,
            beta_1,
            one_minus_b1,
            beta_2,
            one_minus_b2,
        } = *self;
        let [w, m] = bufs else {
            unreachable!("slot count checked by the caller")
        };
        zip2(w, m, g, |w, m, g| {
            *w -= lr * sign(*m * beta_1 + g * one_minus_b1);
            *m = *m * beta_2 + g * one_minus_b2;
        });
    }

    pub fn device(&self, w: &Tensor, g: &Tensor, slots: &[Tensor]) -> Result<Vec<Tensor>> {
        let m = &slots[0];
        let c = add(
            &mul_scalar(m, self.beta_1 as f64)?,
            &mul_scalar(g, self.one_minus_b1 as f64)?,
        )?;
        let w = subtract(w, &mul_scalar(&crate::ops::sign(&c)?, self.lr as f64)?)?;
        let m = add(
            &mul_scalar(m, self.beta_2 as f64)?,
            &mul_scalar(g, self.one_minus_b2 as f64)?,
        )?;
        Ok(vec![w, m])
    }
}
