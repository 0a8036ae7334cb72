//! Max and average pooling over the same windows as convolution.

use super::convolution::ConvSpec;
use super::window::unfold;
use super::window_max::argmax_gather;
use super::{channels_last_io, Padding};
use crate::ops::{divide, mean, reshape, sum};
use crate::{bail, DType, Device, Result, Tensor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Average,
}

/// Pools `x` `(N, *S, C)` (or channels first) over windows of `pool_size`.
/// Max pooling routes its gradient to each window's first maximum; with
/// `"same"` padding an average counts only the real elements of its
/// window, as Keras does.
pub fn pool(x: &Tensor, kind: PoolKind, pool_size: &[usize], spec: &ConvSpec) -> Result<Tensor> {
    let op = match kind {
        PoolKind::Max => "max_pool",
        PoolKind::Average => "average_pool",
    };
    if spec.padding == Padding::Causal {
        bail!(
            Value,
            "{op}: `padding` must be \"valid\" or \"same\", got \"causal\""
        );
    }
    let spatial = x.rank().saturating_sub(2);
    if !(1..=3).contains(&spatial) {
        bail!(
            Shape,
            "{op}: inputs must have rank 3, 4 or 5 (batch, spatial dims, channels), got shape {}",
            x.shape()
        );
    }
    channels_last_io(x, spec.channels_first, |x| {
        let x = if x.dtype() == DType::F32 {
            x.clone()
        } else {
            crate::ops::cast(x, DType::F32)?
        };
        let window = spec.window(op, &x, "pool_size", pool_size)?;
        if kind == PoolKind::Max {
            return argmax_gather(&x, &x, &window);
        }
        let mut grouped = vec![window.batch];
        grouped.extend(&window.output);
        grouped.push(window.taps());
        grouped.push(window.channels);
        let taps_axis = [spatial as isize + 1];
        let patches = reshape(&unfold(&x, &window, 0.0)?, &grouped)?;
        let padded = window
            .pad_before
            .iter()
            .chain(&window.pad_after)
            .any(|&p| p > 0);
        if padded {
            let totals = sum(&patches, Some(&taps_axis), false)?;
            divide(&totals, &window_counts(&window, x.device(), spatial)?)
        } else {
            mean(&patches, Some(&taps_axis), false)
        }
    })
}

/// How many real (unpadded) elements each window covers: `(1, *O, 1)`.
fn window_counts(window: &super::Window, device: Device, spatial: usize) -> Result<Tensor> {
    let mut one_image = window.clone();
    one_image.batch = 1;
    one_image.channels = 1;
    let ones = Tensor::ones(one_image.input_dims(), DType::F32, device)?;
    let mut dims = vec![1];
    dims.extend(&window.output);
    dims.push(window.taps());
    dims.push(1);
    let counts = reshape(&unfold(&ones, &one_image, 0.0)?, &dims)?;
    sum(&counts, Some(&[spatial as isize + 1]), false)
}
