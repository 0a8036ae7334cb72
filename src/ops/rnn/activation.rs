//! The activations a fused recurrence supports, with derivatives written
//! from the pre-activation `z` and the output `y`.

use crate::ops::{
    add_scalar, cast, greater, hard_sigmoid, less, logical_and, mul_scalar, multiply, relu,
    rsub_scalar, sigmoid, square, tanh,
};
use crate::{DType, Result, Tensor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Tanh,
    Sigmoid,
    Relu,
    Linear,
    HardSigmoid,
}

impl Activation {
    /// The activation Keras names `name`, if the fused path has it.
    pub fn parse(name: &str) -> Option<Activation> {
        Some(match name {
            "tanh" => Activation::Tanh,
            "sigmoid" => Activation::Sigmoid,
            "relu" => Activation::Relu,
            "linear" => Activation::Linear,
            "hard_sigmoid" => Activation::HardSigmoid,
            _ => return None,
        })
    }

    pub fn apply(self, z: &Tensor) -> Result<Tensor> {
        match self {
            Activation::Tanh => tanh(z),
            Activation::Sigmoid => sigmoid(z),
            Activation::Relu => relu(z),
            Activation::Linear => Ok(z.clone()),
            Activation::HardSigmoid => hard_sigmoid(z),
        }
    }

    /// `dy/dz` at `z`, where `y = self.apply(z)`.
    pub fn derivative(self, z: &Tensor, y: &Tensor) -> Result<Tensor> {
        let mask = |m: Tensor| cast(&m, DType::F32);
        match self {
            Activation::Tanh => rsub_scalar(1.0, &square(y)?),
            Activation::Sigmoid => multiply(y, &rsub_scalar(1.0, y)?),
            Activation::Relu => mask(greater(z, &Tensor::scalar(0.0f32, z.device())?)?),
            Activation::Linear => crate::ops::ones_like(z),
            Activation::HardSigmoid => {
                // Slope 1/6 on (-3, 3), flat outside.
                let inside = logical_and(
                    &greater(&add_scalar(z, 3.0)?, &Tensor::scalar(0.0f32, z.device())?)?,
                    &less(&add_scalar(z, -3.0)?, &Tensor::scalar(0.0f32, z.device())?)?,
                )?;
                mul_scalar(&mask(inside)?, 1.0 / 6.0)
            }
        }
    }
}
