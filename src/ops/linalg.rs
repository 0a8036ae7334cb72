//! Matrix products.

use super::elementwise::sum_to_shape;
use super::{
    common_device, expand_dims, matrix_transpose, multiply, needed, reshape, squeeze, sum,
    transpose,
};
use crate::autograd::record;
use crate::trace::{product_kernel, Product};
use crate::{bail, DType, MatmulDims, Result, Shape, Tensor};

/// NumPy's `matmul`: batched over leading axes (broadcast), with 1-D
/// operands treated as a row (left) or column (right) vector.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.rank() == 0 || b.rank() == 0 {
        bail!(
            Value,
            "matmul: operands must have at least one dimension, got shapes {} and {}",
            a.shape(),
            b.shape()
        );
    }
    let a2 = if a.rank() == 1 {
        expand_dims(a, 0)?
    } else {
        a.clone()
    };
    let b2 = if b.rank() == 1 {
        expand_dims(b, 1)?
    } else {
        b.clone()
    };
    let mut y = matmul_batched(a, &a2, b, &b2)?;
    if b.rank() == 1 {
        y = squeeze(&y, Some(&[-1]))?;
    }
    if a.rank() == 1 {
        y = squeeze(&y, Some(&[if b.rank() == 1 { -1 } else { -2 }]))?;
    }
    Ok(y)
}

fn matmul_batched(a_user: &Tensor, a: &Tensor, b_user: &Tensor, b: &Tensor) -> Result<Tensor> {
    common_device("matmul", &[a, b])?;
    let (ra, rb) = (a.rank(), b.rank());
    let (m, k) = (a.dims()[ra - 2], a.dims()[ra - 1]);
    let (k2, n) = (b.dims()[rb - 2], b.dims()[rb - 1]);
    if k != k2 {
        bail!(
            Shape,
            "matmul: inner dimensions must match, got shapes {} and {} ({k} != {k2})",
            a_user.shape(),
            b_user.shape()
        );
    }
    let batch = Shape::from(&a.dims()[..ra - 2])
        .broadcast(&Shape::from(&b.dims()[..rb - 2]), "matmul")
        .map_err(|_| {
            crate::Error::Shape(format!(
                "matmul: batch dimensions of shapes {} and {} cannot be broadcast together",
                a_user.shape(),
                b_user.shape()
            ))
        })?;
    let out_dtype = DType::promote(a.dtype(), b.dtype());
    let (af, bf) = (super::cast(a, DType::F32)?, super::cast(b, DType::F32)?);
    let with = |extra: [usize; 2]| Shape::new([batch.dims(), &extra].concat());
    let la = af.layout().broadcast_to(&with([m, k]), "matmul")?;
    let lb = bf.layout().broadcast_to(&with([k, n]), "matmul")?;
    let dims = MatmulDims {
        batch: batch.dims().to_vec(),
        m,
        n,
        k,
    };
    let shape = with([m, n]);
    let product = Product {
        lhs: la.clone(),
        rhs: lb.clone(),
        dims: dims.clone(),
    };
    let y = product_kernel(&af, &bf, product, move |t| {
        let storage = t[0].storage().matmul(&la, t[1].storage(), &lb, &dims)?;
        Ok(Tensor::from_storage(storage, shape.clone()))
    })?;
    record(&[a, b], &y, || {
        let (a, b) = (a.clone(), b.clone());
        Box::new(move |g, need| {
            Ok(vec![
                needed(need[0], || {
                    sum_to_shape(&matmul(g, &matrix_transpose(&b)?)?, a.shape())
                })?,
                needed(need[1], || {
                    sum_to_shape(&matmul(&matrix_transpose(&a)?, g)?, b.shape())
                })?,
            ])
        })
    });
    super::cast(&y, out_dtype)
}

/// NumPy's `dot`: scalars multiply, 1-D and 2-D operands use matmul, and
/// otherwise the last axis of `a` meets the second-to-last of `b`.
pub fn dot(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.rank() == 0 || b.rank() == 0 {
        return multiply(a, b);
    }
    if b.rank() <= 2 {
        return matmul(a, b);
    }
    // a: (..., k), b: (B..., k, n) -> (..., B..., n)
    let rb = b.rank();
    let k = a.dims()[a.rank() - 1];
    if b.dims()[rb - 2] != k {
        bail!(
            Shape,
            "dot: shapes {} and {} are not aligned ({k} != {})",
            a.shape(),
            b.shape(),
            b.dims()[rb - 2]
        );
    }
    let mut perm: Vec<isize> = (0..rb as isize).filter(|&i| i != rb as isize - 2).collect();
    perm.insert(0, rb as isize - 2);
    let b2 = reshape(&transpose(b, Some(&perm))?, &[k, b.numel() / k.max(1)])?;
    let a2 = reshape(a, &[a.numel() / k.max(1), k])?;
    let mut dims = a.dims()[..a.rank() - 1].to_vec();
    dims.extend(
        b.dims()
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != rb - 2)
            .map(|(_, &d)| d),
    );
    reshape(&matmul(&a2, &b2)?, &dims)
}

/// Sum over the last axis of `a * b` (a batched inner product).
pub fn inner_last(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    sum(&multiply(a, b)?, Some(&[-1]), false)
}
