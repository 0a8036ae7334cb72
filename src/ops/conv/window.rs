//! The sliding window under convolution and pooling, and its two
//! primitives: `unfold` copies every window position's taps out of the
//! input (im2col) and `fold` sums them back (its adjoint, col2im).
//!
//! Data is channels-last, `(N, *spatial, C)`, with 1 to 3 spatial dims.

use crate::autograd::record;
use crate::trace::kernel;
use crate::{bail, DType, Result, Shape, Tensor};

/// The most spatial dims a window has (Conv3D, MaxPooling3D).
pub const MAX_SPATIAL: usize = 3;

/// A window of `kernel` taps spaced `dilation` apart, moved `strides` at a
/// time over an input padded by `pad_before` / `pad_after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub batch: usize,
    pub channels: usize,
    pub input: Vec<usize>,
    pub kernel: Vec<usize>,
    pub strides: Vec<usize>,
    pub dilation: Vec<usize>,
    pub pad_before: Vec<usize>,
    pub pad_after: Vec<usize>,
    /// Window positions along each spatial dim.
    pub output: Vec<usize>,
}

impl Window {
    /// The window over an `(N, *input, C)` tensor; fails when the window
    /// does not fit in the padded input once.
    pub fn new(
        op: &str,
        input_dims: &[usize],
        kernel: &[usize],
        strides: &[usize],
        dilation: &[usize],
        padding: &[(usize, usize)],
    ) -> Result<Window> {
        let spatial = input_dims.len().saturating_sub(2);
        if !(1..=MAX_SPATIAL).contains(&spatial) {
            bail!(
                Shape,
                "{op}: expected an input of rank 3 to 5 (batch, 1 to 3 spatial dims, channels), \
                 got shape {input_dims:?}"
            );
        }
        for (what, v) in [
            ("kernel size", kernel),
            ("strides", strides),
            ("dilation rate", dilation),
        ] {
            if v.len() != spatial || v.contains(&0) {
                bail!(
                    Value,
                    "{op}: {what} must hold {spatial} positive values for an input of shape \
                     {input_dims:?}, got {v:?}"
                );
            }
        }
        if padding.len() != spatial {
            bail!(
                Value,
                "{op}: padding must give {spatial} (before, after) pairs, got {padding:?}"
            );
        }
        let input = input_dims[1..=spatial].to_vec();
        let mut output = Vec::with_capacity(spatial);
        for d in 0..spatial {
            let padded = input[d] + padding[d].0 + padding[d].1;
            let span = dilation[d] * (kernel[d] - 1) + 1;
            if span > padded {
                bail!(
                    Shape,
                    "{op}: the window ({kernel:?} with dilation {dilation:?}) is larger than the \
                     padded input: spatial dims {input:?} padded by {padding:?}"
                );
            }
            output.push((padded - span) / strides[d] + 1);
        }
        Ok(Window {
            batch: input_dims[0],
            channels: input_dims[spatial + 1],
            input,
            kernel: kernel.to_vec(),
            strides: strides.to_vec(),
            dilation: dilation.to_vec(),
            pad_before: padding.iter().map(|p| p.0).collect(),
            pad_after: padding.iter().map(|p| p.1).collect(),
            output,
        })
    }

    pub fn spatial(&self) -> usize {
        self.input.len()
    }

    /// Taps per window.
    pub fn taps(&self) -> usize {
        self.kernel.iter().product()
    }

    /// Window positions per image.
    pub fn positions(&self) -> usize {
        self.output.iter().product()
    }

    /// `(N, *input, C)`.
    pub fn input_dims(&self) -> Vec<usize> {
        let mut dims = vec![self.batch];
        dims.extend(&self.input);
        dims.push(self.channels);
        dims
    }

    /// `(N, *output, *kernel, C)`: what `unfold` returns.
    pub fn patch_dims(&self) -> Vec<usize> {
        let mut dims = vec![self.batch];
        dims.extend(&self.output);
        dims.extend(&self.kernel);
        dims.push(self.channels);
        dims
    }

    /// The geometry padded to three spatial dims with size-1 ones, which
    /// lets every kernel run one fixed loop nest.
    pub fn dims3(&self) -> Window3 {
        let pad = |v: &[usize], fill: usize| {
            let mut out = [fill; MAX_SPATIAL];
            out[MAX_SPATIAL - v.len()..].copy_from_slice(v);
            out
        };
        Window3 {
            input: pad(&self.input, 1),
            kernel: pad(&self.kernel, 1),
            strides: pad(&self.strides, 1),
            dilation: pad(&self.dilation, 1),
            pad_before: pad(&self.pad_before, 0),
            output: pad(&self.output, 1),
        }
    }
}

/// A `Window` as three spatial dims (leading ones added).
#[derive(Debug, Clone, Copy)]
pub struct Window3 {
    pub input: [usize; 3],
    pub kernel: [usize; 3],
    pub strides: [usize; 3],
    pub dilation: [usize; 3],
    pub pad_before: [usize; 3],
    pub output: [usize; 3],
}

impl Window3 {
    /// The input index along dim `d` read by tap `k` at position `o`, or
    /// `None` where it falls in the padding.
    #[inline(always)]
    pub fn source(&self, d: usize, o: usize, k: usize) -> Option<usize> {
        (o * self.strides[d] + k * self.dilation[d])
            .checked_sub(self.pad_before[d])
            .filter(|&i| i < self.input[d])
    }
}

fn check_float(op: &str, x: &Tensor) -> Result<()> {
    if x.dtype() != DType::F32 {
        bail!(DType, "{op}: expected float32 data, got {}", x.dtype());
    }
    Ok(())
}

/// Every window position's taps: `(N, *S, C)` → `(N, *O, *K, C)`, with
/// `pad` read where a tap falls outside the input.
pub fn unfold(x: &Tensor, window: &Window, pad: f32) -> Result<Tensor> {
    check_float("unfold", x)?;
    if x.dims() != window.input_dims() {
        bail!(
            Shape,
            "unfold: input shape {} does not match the window's {:?}",
            x.shape(),
            window.input_dims()
        );
    }
    let w = window.clone();
    let y = kernel(&[x], move |t| {
        let storage = t[0].storage().unfold(t[0].layout(), &w, pad)?;
        Ok(Tensor::from_storage(storage, Shape::new(w.patch_dims())))
    })?;
    record(&[x], &y, || {
        let window = window.clone();
        Box::new(move |g, _| Ok(vec![Some(fold(g, &window)?)]))
    });
    Ok(y)
}

/// The adjoint of `unfold`: `(N, *O, *K, C)` → `(N, *S, C)`, each tap's
/// value added where it was read (taps in the padding are dropped).
pub fn fold(patches: &Tensor, window: &Window) -> Result<Tensor> {
    check_float("fold", patches)?;
    if patches.dims() != window.patch_dims() {
        bail!(
            Shape,
            "fold: patches of shape {} do not match the window's {:?}",
            patches.shape(),
            window.patch_dims()
        );
    }
    let w = window.clone();
    let y = kernel(&[patches], move |t| {
        let storage = t[0].storage().fold(t[0].layout(), &w)?;
        Ok(Tensor::from_storage(storage, Shape::new(w.input_dims())))
    })?;
    record(&[patches], &y, || {
        let window = window.clone();
        Box::new(move |g, _| Ok(vec![Some(unfold(g, &window, 0.0)?)]))
    });
    Ok(y)
}
