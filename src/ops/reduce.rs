//! Reductions over any axes, with `keepdims`.

use super::kinds::ReduceOp;
use super::{
    add, broadcast_to, cast, divide, equal, exp, log, multiply, not_equal, reshape, sqrt, square,
    subtract, where_,
};
use crate::autograd::record;
use crate::trace::kernel;
use crate::{bail, DType, Result, Shape, Tensor};

/// The result shape with `axes` kept as 1s or dropped.
fn reduced_shape(shape: &Shape, axes: &[usize], keepdims: bool) -> Shape {
    let dims = shape.dims().iter().enumerate().filter_map(|(i, &d)| {
        if axes.contains(&i) {
            keepdims.then_some(1)
        } else {
            Some(d)
        }
    });
    Shape::new(dims.collect::<Vec<_>>())
}

fn reduce_raw(x: &Tensor, op: ReduceOp, axes: &[usize], keepdims: bool) -> Result<Tensor> {
    let x = match x.dtype() {
        DType::Bool => cast(x, DType::I32)?,
        _ => x.clone(),
    };
    let shape = reduced_shape(x.shape(), axes, keepdims);
    let axes = axes.to_vec();
    kernel(&[&x], move |t| {
        let storage = t[0].storage().reduce(op, t[0].layout(), &axes)?;
        Ok(Tensor::from_storage(storage, shape.clone()))
    })
}

/// `g` reshaped with the reduced axes kept, then broadcast over `x`.
fn expand_grad(g: &Tensor, x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    let kept = reduced_shape(x.shape(), axes, true);
    broadcast_to(&reshape(g, kept.dims())?, x.dims())
}

pub fn sum(x: &Tensor, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let axes = x.shape().axes(axis, "sum")?;
    let y = reduce_raw(x, ReduceOp::Sum, &axes, keepdims)?;
    record(&[x], &y, || {
        let x = x.clone();
        Box::new(move |g, _| Ok(vec![Some(expand_grad(g, &x, &axes)?)]))
    });
    Ok(y)
}

pub fn mean(x: &Tensor, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let axes = x.shape().axes(axis, "mean")?;
    let count: usize = axes.iter().map(|&a| x.dims()[a]).product();
    let total = sum(&cast(x, DType::F32)?, axis, keepdims)?;
    divide(&total, &Tensor::scalar(count as f32, x.device())?)
}

/// Max and min send the gradient to every element equal to the result,
/// shared equally among ties.
fn extremum(x: &Tensor, op: ReduceOp, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let name = if op == ReduceOp::Max { "max" } else { "min" };
    let axes = x.shape().axes(axis, name)?;
    if axes.iter().any(|&a| x.dims()[a] == 0) {
        bail!(
            Value,
            "{name}: zero-size array to reduction operation {name} which has no identity"
        );
    }
    let y = reduce_raw(x, op, &axes, keepdims)?;
    record(&[x], &y, || {
        let (x, y2) = (x.clone(), y.clone());
        Box::new(move |g, _| {
            let hit = cast(&equal(&x, &expand_grad(&y2, &x, &axes)?)?, DType::F32)?;
            // Share among ties on the reduced shape, then spread once.
            let ties = sum(&hit, Some(&to_isize(&axes)), keepdims)?;
            let share = expand_grad(&divide(g, &ties)?, &x, &axes)?;
            Ok(vec![Some(multiply(&hit, &share)?)])
        })
    });
    Ok(y)
}

fn to_isize(axes: &[usize]) -> Vec<isize> {
    axes.iter().map(|&a| a as isize).collect()
}

pub fn max(x: &Tensor, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    extremum(x, ReduceOp::Max, axis, keepdims)
}

pub fn min(x: &Tensor, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    extremum(x, ReduceOp::Min, axis, keepdims)
}

pub fn prod(x: &Tensor, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let axes = x.shape().axes(axis, "prod")?;
    let y = reduce_raw(x, ReduceOp::Prod, &axes, keepdims)?;
    record(&[x], &y, || {
        let x = x.clone();
        // d prod / d x_i is the product of the other elements. It is
        // `prod / x_i` only without zeros: with one zero, only that element
        // gets a gradient (the product of the nonzero ones); with two or
        // more, all gradients are 0.
        Box::new(move |g, _| {
            let device = x.device();
            let zero = Tensor::scalar(0.0f32, device)?;
            let one = Tensor::scalar(1.0f32, device)?;
            let reduce_axes = to_isize(&axes);
            let is_zero = equal(&x, &zero)?;
            let nonzero = where_(&is_zero, &one, &x)?;
            let prod_nonzero = expand_grad(&prod(&nonzero, Some(&reduce_axes), true)?, &x, &axes)?;
            let zeros = expand_grad(
                &sum(&cast(&is_zero, DType::F32)?, Some(&reduce_axes), true)?,
                &x,
                &axes,
            )?;
            let single_zero = where_(&is_zero, &prod_nonzero, &zero)?;
            let others = where_(
                &equal(&zeros, &zero)?,
                &divide(&prod_nonzero, &nonzero)?,
                &where_(&equal(&zeros, &one)?, &single_zero, &zero)?,
            )?;
            Ok(vec![Some(multiply(&expand_grad(g, &x, &axes)?, &others)?)])
        })
    });
    Ok(y)
}

/// Population variance (`ddof=0`), as `keras.ops.var`.
pub fn var(x: &Tensor, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    let centered = subtract(&x, &mean(&x, axis, true)?)?;
    mean(&square(&centered)?, axis, keepdims)
}

pub fn std(x: &Tensor, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    sqrt(&var(x, axis, keepdims)?)
}

/// `log(sum(exp(x)))`, shifted by the (constant) max so large logits do
/// not overflow.
pub fn logsumexp(x: &Tensor, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let x = cast(x, DType::F32)?;
    let shift = finite_max(&x, axis)?;
    let summed = sum(&exp(&subtract(&x, &shift)?)?, axis, true)?;
    let out = add(&log(&summed)?, &shift)?;
    if keepdims {
        Ok(out)
    } else {
        let axes = x.shape().axes(axis, "logsumexp")?;
        reshape(&out, reduced_shape(x.shape(), &axes, false).dims())
    }
}

/// The max with kept dims, detached from the tape, with infinities
/// replaced by 0 so `x - shift` stays finite.
pub(crate) fn finite_max(x: &Tensor, axis: Option<&[isize]>) -> Result<Tensor> {
    let axes = x.shape().axes(axis, "max")?;
    if axes.iter().any(|&a| x.dims()[a] == 0) {
        return Tensor::zeros(
            reduced_shape(x.shape(), &axes, true),
            DType::F32,
            x.device(),
        );
    }
    let m = reduce_raw(x, ReduceOp::Max, &axes, true)?;
    let finite = super::less(
        &super::abs(&m)?,
        &Tensor::scalar(f32::INFINITY, x.device())?,
    )?;
    super::where_(&finite, &m, &Tensor::scalar(0.0f32, x.device())?)
}

fn arg(x: &Tensor, op: ReduceOp, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
    let name = if op == ReduceOp::ArgMax {
        "argmax"
    } else {
        "argmin"
    };
    match axis {
        None => {
            let flat = reshape(x, &[x.numel()])?;
            let out = reduce_raw(&flat, op, &[0], false)?;
            if keepdims {
                reshape(&out, &vec![1; x.rank()])
            } else {
                Ok(out)
            }
        }
        Some(a) => {
            let a = x.shape().axis(a, name)?;
            reduce_raw(x, op, &[a], keepdims)
        }
    }
}

/// Index of the first maximum, as int64 (`axis=None` flattens).
pub fn argmax(x: &Tensor, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
    arg(x, ReduceOp::ArgMax, axis, keepdims)
}

pub fn argmin(x: &Tensor, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
    arg(x, ReduceOp::ArgMin, axis, keepdims)
}

/// Whether any element is nonzero.
pub fn any(x: &Tensor, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let axes = x.shape().axes(axis, "any")?;
    let nonzero = cast(
        &not_equal(x, &Tensor::scalar(0i32, x.device())?)?,
        DType::I32,
    )?;
    let count = reduce_raw(&nonzero, ReduceOp::Sum, &axes, keepdims)?;
    not_equal(&count, &Tensor::scalar(0i32, x.device())?)
}

/// Whether every element is nonzero.
pub fn all(x: &Tensor, axis: Option<&[isize]>, keepdims: bool) -> Result<Tensor> {
    let axes = x.shape().axes(axis, "all")?;
    let zero = cast(&equal(x, &Tensor::scalar(0i32, x.device())?)?, DType::I32)?;
    let count = reduce_raw(&zero, ReduceOp::Sum, &axes, keepdims)?;
    equal(&count, &Tensor::scalar(0i32, x.device())?)
}

/// Running sum along `axis` (`None` flattens first).
pub fn cumsum(x: &Tensor, axis: Option<isize>) -> Result<Tensor> {
    let (x, axis) = match axis {
        None => (reshape(x, &[x.numel()])?, 0),
        Some(a) => (x.clone(), x.shape().axis(a, "cumsum")?),
    };
    let x = if x.dtype() == DType::Bool {
        cast(&x, DType::I32)?
    } else {
        x
    };
    let y = kernel(&[&x], move |t| {
        let storage = t[0].storage().cumsum(t[0].layout(), axis)?;
        Ok(Tensor::from_storage(storage, t[0].shape().clone()))
    })?;
    record(&[&x], &y, || {
        // The adjoint of a running sum is a running sum from the other end.
        Box::new(move |g, _| {
            let reversed = super::flip(g, axis)?;
            Ok(vec![Some(super::flip(
                &cumsum(&reversed, Some(axis as isize))?,
                axis,
            )?)])
        })
    });
    Ok(y)
}
