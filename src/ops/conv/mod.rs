//! Convolution and pooling, built on sliding-window primitive pairs
//! (`unfold`/`fold`, and max pooling's `argmax_gather`/`argmax_scatter`)
//! plus matmul and reductions, so every op has its backward from theirs,
//! on every device.
//!
//! Data is channels-last inside; `channels_first` callers are transposed
//! at the boundary.

mod convolution;
mod padding;
mod pool;
mod window;
mod window_max;

pub use convolution::{conv, conv_transpose, depthwise_conv, separable_conv, ConvSpec};
pub use padding::Padding;
pub use pool::{pool, PoolKind};
pub use window::{fold, unfold, Window, Window3, MAX_SPATIAL};
pub use window_max::{argmax_gather, argmax_scatter};

use super::transpose;
use crate::{Result, Tensor};

/// `(N, C, *S)` → `(N, *S, C)`.
fn to_channels_last(x: &Tensor) -> Result<Tensor> {
    let r = x.rank() as isize;
    let mut axes = vec![0];
    axes.extend(2..r);
    axes.push(1);
    transpose(x, Some(&axes))
}

/// `(N, *S, C)` → `(N, C, *S)`.
fn to_channels_first(x: &Tensor) -> Result<Tensor> {
    let r = x.rank() as isize;
    let mut axes = vec![0, r - 1];
    axes.extend(1..r - 1);
    transpose(x, Some(&axes))
}

/// Runs `f` on channels-last data, converting in and out when needed.
fn channels_last_io(
    x: &Tensor,
    channels_first: bool,
    f: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    if channels_first {
        to_channels_first(&f(&to_channels_last(x)?)?)
    } else {
        f(x)
    }
}
