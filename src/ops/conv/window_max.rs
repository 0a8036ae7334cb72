//! Max pooling's two routing primitives, adjoint to each other in their
//! second operand. Per channel, each window's maximum is taken at its
//! first maximal tap of `x` (NaN first), so the gradient goes to one
//! element, as in Keras's backends, not shared among ties. The routing
//! depends on `x` only piecewise-constantly: `x` gets no gradient through
//! it.

use super::window::Window;
use crate::autograd::record;
use crate::trace::kernel;
use crate::{bail, DType, Result, Shape, Tensor};

fn check(
    op: &str,
    x: &Tensor,
    other: &Tensor,
    other_dims: &[usize],
    window: &Window,
) -> Result<()> {
    for t in [x, other] {
        if t.dtype() != DType::F32 {
            bail!(DType, "{op}: expected float32 data, got {}", t.dtype());
        }
    }
    if x.dims() != window.input_dims() || other.dims() != other_dims {
        bail!(
            Shape,
            "{op}: shapes {} and {} do not match the window's input {:?} and {other_dims:?}",
            x.shape(),
            other.shape(),
            window.input_dims()
        );
    }
    Ok(())
}

/// `(N, *O, C)` pooled dims of a window.
fn pooled_dims(window: &Window) -> Vec<usize> {
    let mut dims = vec![window.batch];
    dims.extend(&window.output);
    dims.push(window.channels);
    dims
}

/// `values` (shaped as `x`, `(N, *S, C)`) read at each window's first
/// maximum of `x`: `(N, *O, C)`. Max pooling is `argmax_gather(x, x)`.
pub fn argmax_gather(x: &Tensor, values: &Tensor, window: &Window) -> Result<Tensor> {
    check("argmax_gather", x, values, &window.input_dims(), window)?;
    let w = window.clone();
    let y = kernel(&[x, values], move |t| {
        let storage =
            t[0].storage()
                .argmax_gather(t[0].layout(), t[1].storage(), t[1].layout(), &w)?;
        Ok(Tensor::from_storage(storage, Shape::new(pooled_dims(&w))))
    })?;
    record(&[values], &y, || {
        let (x, window) = (x.clone(), window.clone());
        Box::new(move |g, _| Ok(vec![Some(argmax_scatter(&x, g, &window)?)]))
    });
    Ok(y)
}

/// The adjoint of `argmax_gather` in `values`: zeros shaped as `x`, with
/// each `(N, *O, C)` gradient added at its window's first maximum of `x`.
pub fn argmax_scatter(x: &Tensor, grads: &Tensor, window: &Window) -> Result<Tensor> {
    check("argmax_scatter", x, grads, &pooled_dims(window), window)?;
    let w = window.clone();
    let y = kernel(&[x, grads], move |t| {
        let storage =
            t[0].storage()
                .argmax_scatter(t[0].layout(), t[1].storage(), t[1].layout(), &w)?;
        Ok(Tensor::from_storage(storage, Shape::new(w.input_dims())))
    })?;
    record(&[grads], &y, || {
        let (x, window) = (x.clone(), window.clone());
        Box::new(move |g, _| Ok(vec![Some(argmax_gather(&x, g, &window)?)]))
    });
    Ok(y)
}
