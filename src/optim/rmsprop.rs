//! RMSprop as Keras 3 writes it: `v = rho*v + (1-rho)g²`, epsilon inside
//! the square root, optional centering (the mean gradient `mg`, giving
//! `v - mg²`) and momentum on the increment.

use super::simd::{zip2, zip3, zip4};
use super::Hyper;
use crate::ops::{add, add_scalar, divide, mul_scalar, sqrt, square, subtract};
use crate::{Result, Tensor};

#[derive(Debug, Clone, Copy)]
pub struct RmsProp {
    lr: f32,
    rho: f32,
    one_minus_rho: f32,
    momentum: f32,
    epsilon: f32,
    centered: bool,
}

impl RmsProp {
    pub fn new(h: &Hyper) -> RmsProp {
        RmsProp {
            lr: h.learning_rate as f32,
            rho: h.rho as f32,
            one_minus_rho: (1.0 - h.rho) as f32,
            momentum: h.momentum as f32,
            epsilon: h.epsilon as f32,
            centered: h.centered,
        }
    }

    fn has_momentum(&self) -> bool {
        self.momentum > 0.0
    }

    /// `velocity`, then `momentum` if momentum > 0, then
    /// `average_gradient` if centered.
    pub fn slots(&self) -> usize {
        1 + usize::from(self.has_momentum()) + usize::from(self.centered)
    }

    pub fn cpu(&self, bufs: &mut [&mut [f32]], g: &[f32]) {
        let RmsProp {
            lr,
            rho,
            one_minus_rho,
            momentum,
            epsilon,
            ..
        } = *self;
        match (self.has_momentum(), self.centered, bufs) {
            (false, false, [w, v]) => zip2(w, v, g, |w, v, g| {
                *v = rho * *v + one_minus_rho * (g * g);
                *w -= (lr * g) / (*v + epsilon).sqrt();
            }),
            (true, false, [w, v, mo]) => zip3(w, v, mo, g, |w, v, mo, g| {
                *v = rho * *v + one_minus_rho * (g * g);
                *mo = momentum * *mo + (lr * g) / (*v + epsilon).sqrt();
                *w -= *mo;
            }),
            (false, true, [w, v, mg]) => zip3(w, v, mg, g, |w, v, mg, g| {
                *v = rho * *v + one_minus_rho * (g * g);
                *mg = rho * *mg + one_minus_rho * g;
                *w -= (lr * g) / (*v - *mg * *mg + epsilon).sqrt();
            }),
            (true, true, [w, v, mo, mg]) => zip4(w, v, mo, mg, g, |w, v, mo, mg, g| {
                *v = rho * *v + one_minus_rho * (g * g);
                *mg = rho * *mg + one_minus_rho * g;
                *mo = momentum * *mo + (lr * g) / (*v - *mg * *mg + epsilon).sqrt();
                *w -= *mo;
            }),
            _ => unreachable!("slot count checked by the caller"),
        }
    }

    pub fn device(&self, w: &Tensor, g: &Tensor, slots: &[Tensor]) -> Result<Vec<Tensor>> {
        let v = add(
            &mul_scalar(&slots[0], self.rho as f64)?,
            &mul_scalar(&square(g)?, self.one_minus_rho as f64)?,
        )?;
        let mut out = vec![v.clone()];
        let mut next = 1;
        let mo_old = if self.has_momentum() {
            next += 1;
            Some(&slots[1])
        } else {
            None
        };
        let denom = if self.centered {
            let mg = add(
                &mul_scalar(&slots[next], self.rho as f64)?,
                &mul_scalar(g, self.one_minus_rho as f64)?,
            )?;
            let d = add_scalar(&subtract(&v, &square(&mg)?)?, self.epsilon as f64)?;
            out.push(mg);
            d
        } else {
            add_scalar(&v, self.epsilon as f64)?
        };
        let increment = divide(&mul_scalar(g, self.lr as f64)?, &sqrt(&denom)?)?;
        let w = match mo_old {
            Some(mo) => {
                let mo = add(&mul_scalar(mo, self.momentum as f64)?, &increment)?;
                let w = subtract(w, &mo)?;
                out.insert(1, mo);
                w
            }
            None => subtract(w, &increment)?,
        };
        out.insert(0, w);
        Ok(out)
    }
}
