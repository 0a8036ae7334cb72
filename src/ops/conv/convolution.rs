//! `conv`, `conv_transpose`, `depthwise_conv` and `separable_conv`, with
//! Keras's kernel layouts: `(*K, Cin / groups, Cout)`, `(*K, Cout, Cin)`
//! and `(*K, Cin, multiplier)`.

use super::padding::Padding;
use super::window::{fold, unfold, Window};
use super::{channels_last_io, to_channels_last};
use crate::ops::{matmul, matrix_transpose, multiply, reshape, sum, transpose};
use crate::{bail, Result, Tensor};

/// How a window moves: per spatial dim strides and dilation, the padding
/// mode, and where the channels are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvSpec {
    pub strides: Vec<usize>,
    pub padding: Padding,
    pub dilation: Vec<usize>,
    pub channels_first: bool,
}

impl ConvSpec {
    /// Checks the spec against `spatial` dims and a window size (named
    /// `size_name` in errors: the kernel size or `pool_size`).
    fn check(&self, op: &str, spatial: usize, size_name: &str, size: &[usize]) -> Result<()> {
        for (what, v) in [
            ("strides", &self.strides),
            ("dilation_rate", &self.dilation),
            (size_name, &size.to_vec()),
        ] {
            if v.len() != spatial || v.contains(&0) {
                bail!(
                    Value,
                    "{op}: `{what}` must hold {spatial} positive values, got {v:?}"
                );
            }
        }
        if self.padding == Padding::Causal && spatial != 1 {
            bail!(
                Value,
                "{op}: causal padding is only defined for 1-D convolution"
            );
        }
        Ok(())
    }

    /// The window of `size` taps over channels-last `x`, after checking
    /// every size, stride and dilation.
    pub(super) fn window(
        &self,
        op: &str,
        x: &Tensor,
        size_name: &str,
        kernel: &[usize],
    ) -> Result<Window> {
        let spatial = x.rank().saturating_sub(2);
        self.check(op, spatial, size_name, kernel)?;
        let input = &x.dims()[1..=spatial];
        let pads = self
            .padding
            .resolve(input, kernel, &self.strides, &self.dilation);
        Window::new(op, x.dims(), kernel, &self.strides, &self.dilation, &pads)
    }
}

fn check_ranks(op: &str, x: &Tensor, kernel: &Tensor) -> Result<usize> {
    let spatial = x.rank().saturating_sub(2);
    if !(1..=3).contains(&spatial) {
        bail!(
            Shape,
            "{op}: inputs must have rank 3, 4 or 5 (batch, spatial dims, channels), got shape {}",
            x.shape()
        );
    }
    if kernel.rank() != spatial + 2 {
        bail!(
            Shape,
            "{op}: a kernel for {spatial}-D inputs must have rank {}, got kernel shape {} for \
             inputs of shape {}",
            spatial + 2,
            kernel.shape(),
            x.shape()
        );
    }
    Ok(spatial)
}

/// The windows of `x` as rows of a matrix: `(N * positions, taps * C)`.
/// A 1×1 window with unit strides and no padding is `x` itself.
fn patch_matrix(x: &Tensor, window: &Window) -> Result<Tensor> {
    let rows = window.batch * window.positions();
    let cols = window.taps() * window.channels;
    let identity = window.taps() == 1
        && window.strides.iter().all(|&s| s == 1)
        && window
            .pad_before
            .iter()
            .chain(&window.pad_after)
            .all(|&p| p == 0);
    let patches = if identity {
        x.clone()
    } else {
        unfold(x, window, 0.0)?
    };
    reshape(&patches, &[rows, cols])
}

/// N-D convolution (cross-correlation, as Keras): `x` `(N, *S, Cin)` (or
/// channels first) with a kernel `(*K, Cin / groups, Cout)`; `groups` is
/// `Cin / kernel_in`.
pub fn conv(x: &Tensor, kernel: &Tensor, spec: &ConvSpec) -> Result<Tensor> {
    let spatial = check_ranks("conv", x, kernel)?;
    channels_last_io(x, spec.channels_first, |x| {
        let k_size = &kernel.dims()[..spatial];
        let (k_in, c_out) = (kernel.dims()[spatial], kernel.dims()[spatial + 1]);
        let c_in = x.dims()[spatial + 1];
        if k_in == 0 || c_in % k_in != 0 {
            bail!(
                Shape,
                "conv: the input's channels ({c_in}, shape {}) must be a multiple of the \
                 kernel's input channels ({k_in}, kernel shape {})",
                x.shape(),
                kernel.shape()
            );
        }
        let groups = c_in / k_in;
        if c_out % groups != 0 {
            bail!(
                Shape,
                "conv: {groups} groups do not divide the kernel's {c_out} output channels \
                 (kernel shape {})",
                kernel.shape()
            );
        }
        let window = spec.window("conv", x, "kernel size", k_size)?;
        let patches = patch_matrix(x, &window)?;
        let taps = window.taps();
        let y = if groups == 1 {
            matmul(&patches, &reshape(kernel, &[taps * c_in, c_out])?)?
        } else {
            grouped_matmul(&patches, kernel, taps, groups, k_in, c_out)?
        };
        let mut dims = vec![window.batch];
        dims.extend(&window.output);
        dims.push(c_out);
        reshape(&y, &dims)
    })
}

/// One matmul per group, batched: patch columns `(taps, groups, k_in)`
/// against kernel columns `(groups, c_out / groups)`.
fn grouped_matmul(
    patches: &Tensor,
    kernel: &Tensor,
    taps: usize,
    groups: usize,
    k_in: usize,
    c_out: usize,
) -> Result<Tensor> {
    let rows = patches.dims()[0];
    let per_group = c_out / groups;
    let p = reshape(patches, &[rows, taps, groups, k_in])?;
    let p = reshape(
        &transpose(&p, Some(&[2, 0, 1, 3]))?,
        &[groups, rows, taps * k_in],
    )?;
    let k = reshape(kernel, &[taps, k_in, groups, per_group])?;
    let k = reshape(
        &transpose(&k, Some(&[2, 0, 1, 3]))?,
        &[groups, taps * k_in, per_group],
    )?;
    let y = matmul(&p, &k)?;
    reshape(&transpose(&y, Some(&[1, 0, 2]))?, &[rows, c_out])
}

/// Keras's (left, right) padding of the stride-dilated input for a
/// transposed convolution, as its JAX backend computes it.
fn transpose_padding(
    padding: Padding,
    kernel: usize,
    stride: usize,
    dilation: usize,
    output_padding: Option<usize>,
) -> (usize, usize) {
    let span = (kernel - 1) * dilation + 1;
    match padding {
        Padding::Same => {
            let total = match output_padding {
                None => stride + span - 2,
                Some(extra) => span + span % 2 - 2 + extra,
            };
            let left = (total / 2 + total % 2).min(span - 1);
            (left, total - left)
        }
        _ => {
            let extra = output_padding.unwrap_or(stride.max(span) - span);
            (span - 1, span - 1 + extra)
        }
    }
}

/// The transposed convolution (the gradient of `conv` with respect to its
/// input): `x` `(N, *S, Cin)` with a kernel `(*K, Cout, Cin)`.
pub fn conv_transpose(
    x: &Tensor,
    kernel: &Tensor,
    spec: &ConvSpec,
    output_padding: Option<&[usize]>,
) -> Result<Tensor> {
    let op = "conv_transpose";
    let spatial = check_ranks(op, x, kernel)?;
    let k_size = kernel.dims()[..spatial].to_vec();
    spec.check(op, spatial, "kernel size", &k_size)?;
    if spec.padding == Padding::Causal {
        bail!(
            Value,
            "{op}: `padding` must be \"valid\" or \"same\", got \"causal\""
        );
    }
    if let Some(extra) = output_padding {
        if extra.len() != spatial {
            bail!(
                Value,
                "{op}: `output_padding` must hold {spatial} values, got {extra:?}"
            );
        }
        if let Some(d) = (0..spatial).find(|&d| extra[d] >= spec.strides[d].max(spec.dilation[d])) {
            bail!(
                Value,
                "{op}: `output_padding` ({extra:?}) must be smaller than the strides ({:?}) \
                 or the dilation rate ({:?}) along dim {d}",
                spec.strides,
                spec.dilation
            );
        }
    }
    channels_last_io(x, spec.channels_first, |x| {
        let (c_out, k_in) = (kernel.dims()[spatial], kernel.dims()[spatial + 1]);
        let c_in = x.dims()[spatial + 1];
        if k_in != c_in {
            bail!(
                Shape,
                "{op}: the kernel's last dim ({k_in}, kernel shape {}) must equal the input's \
                 channels ({c_in}, input shape {})",
                kernel.shape(),
                x.shape()
            );
        }
        // The output is the input of a convolution whose output is `x`:
        // find its length and that convolution's padding per dim.
        let mut out_dims = vec![x.dims()[0]];
        let mut pads = Vec::with_capacity(spatial);
        for d in 0..spatial {
            let (len, s, dil) = (x.dims()[d + 1], spec.strides[d], spec.dilation[d]);
            let span = (k_size[d] - 1) * dil + 1;
            let (left, right) = transpose_padding(
                spec.padding,
                k_size[d],
                s,
                dil,
                output_padding.map(|p| p[d]),
            );
            let out_len = ((len.max(1) - 1) * s + left + right + 2).saturating_sub(span);
            out_dims.push(out_len);
            pads.push((span - 1 - left, (span - 1).saturating_sub(right)));
        }
        out_dims.push(c_out);
        let window = Window::new(op, &out_dims, &k_size, &spec.strides, &spec.dilation, &pads)?;
        if window.output != x.dims()[1..=spatial] {
            bail!(
                Shape,
                "{op}: inputs of shape {} cannot be the output of a convolution with kernel \
                 {:?}, strides {:?} and padding {:?}",
                x.shape(),
                k_size,
                spec.strides,
                spec.padding
            );
        }
        let rows = window.batch * window.positions();
        let taps = window.taps();
        let cols = matmul(
            &reshape(x, &[rows, c_in])?,
            &matrix_transpose(&reshape(kernel, &[taps * c_out, c_in])?)?,
        )?;
        fold(&reshape(&cols, &window.patch_dims())?, &window)
    })
}

/// Each input channel convolved with its own `multiplier` filters: kernel
/// `(*K, Cin, multiplier)`, output channel `c * multiplier + m`.
pub fn depthwise_conv(x: &Tensor, kernel: &Tensor, spec: &ConvSpec) -> Result<Tensor> {
    let op = "depthwise_conv";
    let spatial = check_ranks(op, x, kernel)?;
    channels_last_io(x, spec.channels_first, |x| {
        let (k_in, mult) = (kernel.dims()[spatial], kernel.dims()[spatial + 1]);
        let c_in = x.dims()[spatial + 1];
        if k_in != c_in {
            bail!(
                Shape,
                "{op}: the kernel's input channels ({k_in}, kernel shape {}) must equal the \
                 input's channels ({c_in}, input shape {})",
                kernel.shape(),
                x.shape()
            );
        }
        let window = spec.window(op, x, "kernel size", &kernel.dims()[..spatial])?;
        let (rows, taps) = (window.batch * window.positions(), window.taps());
        // Memory-bound: multiply each patch by the kernel and sum the taps.
        let patches = reshape(&unfold(x, &window, 0.0)?, &[rows, taps, c_in, 1])?;
        let k = reshape(kernel, &[taps, c_in, mult])?;
        let y = sum(&multiply(&patches, &k)?, Some(&[1]), false)?;
        let mut dims = vec![window.batch];
        dims.extend(&window.output);
        dims.push(c_in * mult);
        reshape(&y, &dims)
    })
}

/// A depthwise convolution followed by a 1×1 convolution mixing channels.
pub fn separable_conv(
    x: &Tensor,
    depthwise_kernel: &Tensor,
    pointwise_kernel: &Tensor,
    spec: &ConvSpec,
) -> Result<Tensor> {
    let spatial = check_ranks("separable_conv", x, depthwise_kernel)?;
    check_ranks("separable_conv", x, pointwise_kernel)?;
    let x = if spec.channels_first {
        to_channels_last(x)?
    } else {
        x.clone()
    };
    let last = ConvSpec {
        channels_first: false,
        ..spec.clone()
    };
    let depthwise = depthwise_conv(&x, depthwise_kernel, &last)?;
    let pointwise = ConvSpec {
        strides: vec![1; spatial],
        padding: Padding::Valid,
        dilation: vec![1; spatial],
        channels_first: false,
    };
    let y = conv(&depthwise, pointwise_kernel, &pointwise)?;
    if spec.channels_first {
        super::to_channels_first(&y)
    } else {
        Ok(y)
    }
}
