//! Gathers by index: `take`, `take_along_axis`, `one_hot`.

use super::{add, broadcast_to, cast, common_device, equal, less, reshape, where_};
use crate::autograd::record;
use crate::trace::kernel;
use crate::{bail, DType, Device, Error, Result, Shape, Tensor};

/// Indices as an integer tensor with negatives counted from the end.
fn wrap_indices(indices: &Tensor, len: usize) -> Result<Tensor> {
    if !indices.dtype().is_int() {
        bail!(
            DType,
            "indices must be int32 or int64, got {}",
            indices.dtype()
        );
    }
    let device = indices.device();
    let dtype = if device == Device::Cpu {
        DType::I64
    } else {
        DType::I32
    };
    let idx = cast(indices, dtype)?;
    let n = cast(&Tensor::scalar(len as i64, Device::Cpu)?, dtype)?.to_device(device)?;
    let zero = cast(&Tensor::scalar(0i64, Device::Cpu)?, dtype)?.to_device(device)?;
    // Only indices in [-len, 0) wrap; others stay as given, so the range
    // error names the index the caller wrote.
    let wrapped = add(&idx, &n)?;
    let wraps = super::logical_and(&less(&idx, &zero)?, &super::greater_equal(&wrapped, &zero)?)?;
    where_(&wraps, &wrapped, &idx)
}

/// Names the op and both shapes in an index error from a kernel, which
/// knows neither.
fn name_index_error(op: &str, x: &Tensor, indices: &Tensor) -> impl FnOnce(Error) -> Error {
    let context = format!("(x shape {}, indices shape {})", x.shape(), indices.shape());
    let op = op.to_string();
    move |e| match e {
        Error::Index(m) => Error::Index(format!("{op}: {m} {context}")),
        other => other,
    }
}

/// Elements of `x` at `indices` along `axis` (`None` flattens `x`); the
/// result's `axis` is replaced by the indices' shape.
pub fn take(x: &Tensor, indices: &Tensor, axis: Option<isize>) -> Result<Tensor> {
    common_device("take", &[x, indices])?;
    let user_x = x;
    let (x, axis) = match axis {
        None => (reshape(x, &[x.numel()])?, 0),
        Some(a) => (x.clone(), x.shape().axis(a, "take")?),
    };
    let len = x.dims()[axis];
    let idx = wrap_indices(indices, len)?;
    let mut dims = x.dims()[..axis].to_vec();
    dims.extend_from_slice(idx.dims());
    dims.extend_from_slice(&x.dims()[axis + 1..]);
    let shape = Shape::new(dims);
    let y = kernel(&[&x, &idx], move |t| {
        let storage = t[0]
            .storage()
            .gather(t[0].layout(), axis, t[1].storage(), t[1].layout())?;
        Ok(Tensor::from_storage(storage, shape.clone()))
    })
    .map_err(name_index_error("take", user_x, indices))?;
    record(&[&x], &y, || {
        let flat_idx = idx.clone();
        let x_dims = x.dims().to_vec();
        Box::new(move |g, _| {
            // Fold the index axes of the gradient into one before scattering.
            let mut gdims = x_dims[..axis].to_vec();
            gdims.push(flat_idx.numel());
            gdims.extend_from_slice(&x_dims[axis + 1..]);
            let g = reshape(g, &gdims)?;
            let i = reshape(&flat_idx, &[flat_idx.numel()])?;
            Ok(vec![Some(scatter_add(&g, &i, axis, len)?)])
        })
    });
    Ok(y)
}

/// The adjoint of `take` for 1-D `indices`: slices of `g` along `axis` are
/// summed into a zero tensor with `len` positions there.
pub fn scatter_add(g: &Tensor, indices: &Tensor, axis: usize, len: usize) -> Result<Tensor> {
    let g = cast(g, DType::F32)?;
    let mut dims = g.dims().to_vec();
    dims[axis] = len;
    let shape = Shape::new(dims);
    let y = kernel(&[&g, indices], move |t| {
        let storage =
            t[0].storage()
                .scatter_add(t[0].layout(), axis, t[1].storage(), t[1].layout(), len)?;
        Ok(Tensor::from_storage(storage, shape.clone()))
    })?;
    record(&[&g], &y, || {
        let i = indices.clone();
        Box::new(move |gg, _| Ok(vec![Some(take(gg, &i, Some(axis as isize))?)]))
    });
    Ok(y)
}

/// `x` picked along `axis` by an index tensor of the same rank; the other
/// axes broadcast, as in NumPy.
pub fn take_along_axis(x: &Tensor, indices: &Tensor, axis: isize) -> Result<Tensor> {
    common_device("take_along_axis", &[x, indices])?;
    if x.rank() != indices.rank() {
        bail!(
            Value,
            "take_along_axis: x and indices must have the same rank, got shapes {} and {}",
            x.shape(),
            indices.shape()
        );
    }
    let axis = x.shape().axis(axis, "take_along_axis")?;
    let len = x.dims()[axis];
    // Broadcast every axis but `axis`.
    let mut xd = x.dims().to_vec();
    let mut id = indices.dims().to_vec();
    xd[axis] = 1;
    id[axis] = 1;
    let common = Shape::new(xd).broadcast(&Shape::new(id), "take_along_axis")?;
    let mut xs = common.dims().to_vec();
    let mut is = common.dims().to_vec();
    xs[axis] = len;
    is[axis] = indices.dims()[axis];
    let xb = broadcast_to(x, &xs)?;
    let idx = wrap_indices(&broadcast_to(indices, &is)?, len)?.contiguous()?;
    let shape = Shape::new(is);
    let y = kernel(&[&xb, &idx], move |t| {
        let storage =
            t[0].storage()
                .gather_along_axis(t[0].layout(), axis, t[1].storage(), t[1].layout())?;
        Ok(Tensor::from_storage(storage, shape.clone()))
    })
    .map_err(name_index_error("take_along_axis", x, indices))?;
    record(&[&xb], &y, || {
        let idx = idx.clone();
        Box::new(move |g, _| {
            let g = cast(g, DType::F32)?;
            let mut dims = g.dims().to_vec();
            dims[axis] = len;
            let shape = Shape::new(dims);
            let dx = kernel(&[&g, &idx], move |t| {
                let storage = t[0].storage().scatter_add_along_axis(
                    t[0].layout(),
                    axis,
                    t[1].storage(),
                    t[1].layout(),
                    len,
                )?;
                Ok(Tensor::from_storage(storage, shape.clone()))
            })?;
            Ok(vec![Some(dx)])
        })
    });
    Ok(y)
}

/// One-hot encodes integer labels along a new `axis` (last by default);
/// labels outside `[0, num_classes)` give all-zero rows, as in Keras.
pub fn one_hot(x: &Tensor, num_classes: usize, axis: isize, dtype: DType) -> Result<Tensor> {
    if !x.dtype().is_int() {
        bail!(DType, "one_hot: labels must be integers, got {}", x.dtype());
    }
    let rank = x.rank() + 1;
    let axis = crate::normalize_axis(axis, rank, "one_hot")?;
    let mut class_shape = vec![1; rank];
    class_shape[axis] = num_classes;
    let classes: Vec<i64> = (0..num_classes as i64).collect();
    let classes = Tensor::from_vec(classes, class_shape, Device::Cpu)?;
    let classes = cast(
        &classes,
        if x.device() == Device::Cpu {
            DType::I64
        } else {
            DType::I32
        },
    )?
    .to_device(x.device())?;
    let labels = super::expand_dims(x, axis as isize)?;
    cast(&equal(&labels, &classes)?, dtype)
}
