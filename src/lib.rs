//! rkeras: the engine under a Keras 3 API.
//!
//! [`Tensor`]s live on a [`Device`] (CPU, a wgpu GPU, or the shape-only
//! meta device); [`ops`] computes with them, recording backward rules on an
//! active [`autograd::Tape`]; [`Variable`]s hold the state that training
//! updates in place.
//!
//! ```
//! use rkeras::{autograd::Tape, ops, Device, Tensor, Variable};
//! let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3], Device::Cpu).unwrap();
//! let w = Variable::new(Tensor::from_vec(vec![0.5f32; 3], [3], Device::Cpu).unwrap(), "w", true);
//! let tape = Tape::new(false);
//! tape.enter();
//! let y = ops::sum(&ops::multiply(&x, &w.value()).unwrap(), None, false).unwrap();
//! tape.exit();
//! let g = tape.gradient(&y, &[w.peek()], None).unwrap();
//! assert_eq!(g[0].as_ref().unwrap().to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0]);
//! ```

pub mod autograd;
pub mod cpu;
mod error;
pub mod gpu;
pub mod ops;
pub mod optim;
pub mod random;
mod tensor;
pub mod trace;
mod variable;

#[cfg(feature = "python")]
mod python;

pub use error::{Error, Result};
pub use tensor::*;
pub use variable::Variable;
