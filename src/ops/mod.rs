//! Operations on tensors, named as in `keras.ops`. Each checks its
//! arguments (shape rule), runs the device primitive and records its
//! backward rule on any watching tape.

mod activation;
pub mod conv;
mod creation;
mod elementwise;
mod index;
pub mod kinds;
mod linalg;
mod losses;
mod reduce;
pub mod rnn;
mod shape;

pub use activation::*;
pub use conv::{
    conv, conv_transpose, depthwise_conv, pool, separable_conv, ConvSpec, Padding, PoolKind,
};
pub use creation::*;
pub use elementwise::*;
pub use index::*;
pub use linalg::*;
pub use losses::*;
pub use reduce::*;
pub use shape::*;

use crate::{bail, Device, Result, Tensor};

/// The one device all operands share.
fn common_device(op: &str, tensors: &[&Tensor]) -> Result<Device> {
    if tensors.iter().any(|t| t.device() == Device::Meta) {
        return Ok(Device::Meta);
    }
    let device = tensors[0].device();
    if let Some(other) = tensors.iter().find(|t| t.device() != device) {
        bail!(
            Device,
            "{op}: operands are on different devices ({device} and {}); move them with \
             to_device first",
            other.device()
        );
    }
    Ok(device)
}

/// `Some(g)` in the result slot of an input that needs a gradient.
fn needed(need: bool, g: impl FnOnce() -> Result<Tensor>) -> Result<Option<Tensor>> {
    if need {
        g().map(Some)
    } else {
        Ok(None)
    }
}
