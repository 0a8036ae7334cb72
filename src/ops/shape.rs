//! Shape and layout ops. Most are views: they change the layout and share
//! the storage.

use super::common_device;
use super::elementwise::sum_to_shape;
use crate::autograd::record;
use crate::trace::kernel;
use crate::{bail, DType, Layout, Result, Shape, Storage, Tensor};

/// An already-resolved axis must exist (a bad one is an error, not a panic).
fn check_axis(x: &Tensor, axis: usize, op: &str) -> Result<()> {
    if axis >= x.rank() {
        bail!(
            Value,
            "{op}: axis {axis} is out of bounds for a tensor of rank {} (shape {})",
            x.rank(),
            x.shape()
        );
    }
    Ok(())
}

/// Resolves one `-1` in a requested shape.
fn resolve_shape(x: &Tensor, shape: &[isize]) -> Result<Shape> {
    let unknown: Vec<usize> = (0..shape.len()).filter(|&i| shape[i] == -1).collect();
    if unknown.len() > 1 || shape.iter().any(|&d| d < -1) {
        bail!(
            Value,
            "reshape: invalid target shape {shape:?}; at most one dimension may be -1"
        );
    }
    let known = shape
        .iter()
        .filter(|&&d| d >= 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize));
    let Some(known) = known else {
        bail!(
            Shape,
            "reshape: cannot reshape a tensor of shape {} into {shape:?}: too many elements",
            x.shape()
        );
    };
    let mut dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
    if let [u] = unknown[..] {
        if known == 0 || !x.numel().is_multiple_of(known) {
            bail!(
                Shape,
                "reshape: cannot reshape a tensor of shape {} into {shape:?}",
                x.shape()
            );
        }
        dims[u] = x.numel() / known;
    }
    let target = Shape::new(dims);
    if target.numel() != x.numel() {
        bail!(
            Shape,
            "reshape: cannot reshape a tensor of shape {} ({} elements) into shape {target}",
            x.shape(),
            x.numel()
        );
    }
    Ok(target)
}

pub fn reshape(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let signed: Vec<isize> = shape.iter().map(|&d| d as isize).collect();
    reshape_with_unknown(x, &signed)
}

/// `keras.ops.reshape`: one dimension may be `-1`.
pub fn reshape_with_unknown(x: &Tensor, shape: &[isize]) -> Result<Tensor> {
    let target = resolve_shape(x, shape)?;
    if &target == x.shape() {
        return Ok(x.clone());
    }
    let y = match x.layout().reshape(&target) {
        Some(layout) => x.with_layout(layout),
        None => x.contiguous()?.with_layout(Layout::contiguous(target)),
    };
    record(&[x], &y, || {
        let dims = x.dims().to_vec();
        Box::new(move |g, _| Ok(vec![Some(reshape(g, &dims)?)]))
    });
    Ok(y)
}

/// Permutes axes (`None` reverses them).
pub fn transpose(x: &Tensor, axes: Option<&[isize]>) -> Result<Tensor> {
    let rank = x.rank();
    let perm: Vec<usize> = match axes {
        None => (0..rank).rev().collect(),
        Some(a) => {
            if a.len() != rank {
                bail!(
                    Value,
                    "transpose: axes {a:?} don't match a tensor of rank {rank}"
                );
            }
            let perm = a
                .iter()
                .map(|&ax| x.shape().axis(ax, "transpose"))
                .collect::<Result<Vec<_>>>()?;
            let mut seen = perm.clone();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() != rank {
                bail!(Value, "transpose: axes {a:?} repeat an axis");
            }
            perm
        }
    };
    let y = x.with_layout(x.layout().permute(&perm));
    record(&[x], &y, || {
        let mut inverse = vec![0isize; rank];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i as isize;
        }
        Box::new(move |g, _| Ok(vec![Some(transpose(g, Some(&inverse))?)]))
    });
    Ok(y)
}

/// Swaps the last two axes (a matrix transpose of each batch entry).
pub fn matrix_transpose(x: &Tensor) -> Result<Tensor> {
    if x.rank() < 2 {
        bail!(
            Value,
            "matrix_transpose: expected a tensor of rank 2 or more, got shape {}",
            x.shape()
        );
    }
    let r = x.rank() as isize;
    let mut axes: Vec<isize> = (0..r).collect();
    axes.swap(r as usize - 2, r as usize - 1);
    transpose(x, Some(&axes))
}

pub fn expand_dims(x: &Tensor, axis: isize) -> Result<Tensor> {
    let a = crate::normalize_axis(axis, x.rank() + 1, "expand_dims")?;
    let mut dims = x.dims().to_vec();
    dims.insert(a, 1);
    reshape(x, &dims)
}

/// Removes size-1 axes (all of them, or those in `axis`).
pub fn squeeze(x: &Tensor, axis: Option<&[isize]>) -> Result<Tensor> {
    let axes = match axis {
        None => (0..x.rank()).filter(|&a| x.dims()[a] == 1).collect(),
        Some(_) => x.shape().axes(axis, "squeeze")?,
    };
    if let Some(&a) = axes.iter().find(|&&a| x.dims()[a] != 1) {
        bail!(
            Value,
            "squeeze: cannot squeeze axis {a} of shape {}: its size is {}, not 1",
            x.shape(),
            x.dims()[a]
        );
    }
    let dims: Vec<usize> = (0..x.rank())
        .filter(|a| !axes.contains(a))
        .map(|a| x.dims()[a])
        .collect();
    reshape(x, &dims)
}

pub fn broadcast_to(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let target = Shape::from(shape);
    if &target == x.shape() {
        return Ok(x.clone());
    }
    let y = x.with_layout(x.layout().broadcast_to(&target, "broadcast_to")?);
    record(&[x], &y, || {
        let shape = x.shape().clone();
        Box::new(move |g, _| Ok(vec![Some(sum_to_shape(g, &shape)?)]))
    });
    Ok(y)
}

/// Reverses `axis` (a negative-stride view).
pub fn flip(x: &Tensor, axis: usize) -> Result<Tensor> {
    check_axis(x, axis, "flip")?;
    let n = x.dims()[axis];
    if n == 0 {
        return Ok(x.clone());
    }
    let y = x.with_layout(x.layout().slice_axis(axis, n - 1, n, -1));
    record(&[x], &y, || {
        Box::new(move |g, _| Ok(vec![Some(flip(g, axis)?)]))
    });
    Ok(y)
}

/// Elements `start, start+step, ...` (`len` of them) along `axis`; `step`
/// may be negative. The bounds are already resolved (Python-style slicing
/// happens in the caller).
pub fn slice_axis(
    x: &Tensor,
    axis: usize,
    start: usize,
    len: usize,
    step: isize,
) -> Result<Tensor> {
    if step == 0 {
        bail!(Value, "slice step cannot be zero");
    }
    check_axis(x, axis, "slice")?;
    let n = x.dims()[axis];
    let last = start as isize + (len as isize - 1) * step;
    if len > 0 && (start >= n || last < 0 || last >= n as isize) {
        bail!(Index, "slice of {len} elements from {start} by {step} is out of bounds for an axis of size {n}");
    }
    let y = x.with_layout(
        x.layout()
            .slice_axis(axis, if len == 0 { 0 } else { start }, len, step),
    );
    record(&[x], &y, || {
        let n = x.dims()[axis];
        // The adjoint scatters the gradient back to the sliced positions.
        Box::new(move |g, _| {
            let positions: Vec<i64> = (0..len as isize)
                .map(|i| start as i64 + (i * step) as i64)
                .collect();
            let idx =
                Tensor::from_vec(positions, [len], crate::Device::Cpu)?.to_device(g.device())?;
            Ok(vec![Some(super::scatter_add(g, &idx, axis, n)?)])
        })
    });
    Ok(y)
}

/// Position `index` of `axis`, removing that axis.
pub fn index_axis(x: &Tensor, axis: usize, index: isize) -> Result<Tensor> {
    check_axis(x, axis, "index_axis")?;
    let n = x.dims()[axis] as isize;
    let i = if index < 0 { index + n } else { index };
    if i < 0 || i >= n {
        bail!(
            Index,
            "index {index} is out of bounds for axis {axis} with size {n}"
        );
    }
    let sliced = slice_axis(x, axis, i as usize, 1, 1)?;
    squeeze(&sliced, Some(&[axis as isize]))
}

/// Joins tensors along an existing axis.
pub fn concatenate(xs: &[Tensor], axis: isize) -> Result<Tensor> {
    let Some(first) = xs.first() else {
        bail!(Value, "concatenate: needs at least one tensor");
    };
    let refs: Vec<&Tensor> = xs.iter().collect();
    common_device("concatenate", &refs)?;
    if first.rank() == 0 {
        bail!(
            Value,
            "concatenate: zero-dimensional tensors cannot be concatenated"
        );
    }
    let axis = first.shape().axis(axis, "concatenate")?;
    let dtype = xs
        .iter()
        .map(Tensor::dtype)
        .reduce(DType::promote)
        .unwrap_or(DType::F32);
    let mut dims = first.dims().to_vec();
    dims[axis] = 0;
    for x in xs {
        let same_rank = x.rank() == first.rank();
        let fits = same_rank && (0..x.rank()).all(|a| a == axis || x.dims()[a] == first.dims()[a]);
        if !fits {
            bail!(
                Shape,
                "concatenate: shapes {} and {} differ outside axis {axis}",
                first.shape(),
                x.shape()
            );
        }
        dims[axis] += x.dims()[axis];
    }
    let cast: Vec<Tensor> = xs
        .iter()
        .map(|x| super::cast(x, dtype))
        .collect::<Result<_>>()?;
    let cast_refs: Vec<&Tensor> = cast.iter().collect();
    let shape = Shape::new(dims);
    let y = kernel(&cast_refs, move |t| {
        let parts: Vec<(&Storage, &Layout)> = t.iter().map(|x| (x.storage(), x.layout())).collect();
        Ok(Tensor::from_storage(
            Storage::concat(&parts, axis)?,
            shape.clone(),
        ))
    })?;
    record(&refs, &y, || {
        let sizes: Vec<usize> = xs.iter().map(|x| x.dims()[axis]).collect();
        Box::new(move |g, need| {
            let mut start = 0;
            let mut grads = Vec::with_capacity(sizes.len());
            for (&len, &n) in sizes.iter().zip(need) {
                grads.push(if n {
                    Some(slice_axis(g, axis, start, len, 1)?)
                } else {
                    None
                });
                start += len;
            }
            Ok(grads)
        })
    });
    Ok(y)
}

/// Joins tensors along a new axis.
pub fn stack(xs: &[Tensor], axis: isize) -> Result<Tensor> {
    let Some(first) = xs.first() else {
        bail!(Value, "stack: needs at least one tensor");
    };
    if let Some(x) = xs.iter().find(|x| x.shape() != first.shape()) {
        bail!(
            Shape,
            "stack: all tensors must have one shape, got {} and {}",
            first.shape(),
            x.shape()
        );
    }
    let expanded: Vec<Tensor> = xs
        .iter()
        .map(|x| expand_dims(x, axis))
        .collect::<Result<_>>()?;
    concatenate(&expanded, axis)
}

/// How to cut an axis in `split`.
pub enum SplitSpec<'a> {
    /// This many equal parts.
    Sections(usize),
    /// Cut before each of these positions.
    Indices(&'a [isize]),
}

pub fn split(x: &Tensor, spec: SplitSpec<'_>, axis: isize) -> Result<Vec<Tensor>> {
    let axis = x.shape().axis(axis, "split")?;
    let n = x.dims()[axis];
    let cuts: Vec<usize> = match spec {
        SplitSpec::Sections(0) => bail!(Value, "split: the number of sections must be positive"),
        SplitSpec::Sections(k) => {
            if !n.is_multiple_of(k) {
                bail!(
                    Value,
                    "split: an axis of size {n} cannot be split into {k} equal sections"
                );
            }
            (1..k).map(|i| i * n / k).collect()
        }
        SplitSpec::Indices(idx) => idx
            .iter()
            .map(|&i| (if i < 0 { i + n as isize } else { i }).clamp(0, n as isize) as usize)
            .collect(),
    };
    let mut bounds = vec![0];
    bounds.extend(cuts);
    bounds.push(n);
    bounds
        .windows(2)
        .map(|w| slice_axis(x, axis, w[0].min(n), w[1].saturating_sub(w[0]), 1))
        .collect()
}

/// Repeats the whole tensor `reps` times along each axis.
pub fn tile(x: &Tensor, reps: &[usize]) -> Result<Tensor> {
    let rank = x.rank().max(reps.len());
    let mut dims = vec![1; rank - x.rank()];
    dims.extend_from_slice(x.dims());
    let mut reps_full = vec![1; rank - reps.len()];
    reps_full.extend_from_slice(reps);
    // (d0, d1) tiled (r0, r1) = reshape(broadcast((1, d0, 1, d1) -> (r0, d0, r1, d1))).
    let interleaved: Vec<usize> = dims.iter().flat_map(|&d| [1, d]).collect();
    let target: Vec<usize> = dims
        .iter()
        .zip(&reps_full)
        .flat_map(|(&d, &r)| [r, d])
        .collect();
    let out: Vec<usize> = dims.iter().zip(&reps_full).map(|(&d, &r)| d * r).collect();
    let b = broadcast_to(&reshape(x, &interleaved)?, &target)?;
    reshape(&b, &out)
}

/// Repeats each element `repeats` times along `axis` (`None` flattens).
pub fn repeat(x: &Tensor, repeats: usize, axis: Option<isize>) -> Result<Tensor> {
    let (x, axis) = match axis {
        None => (reshape(x, &[x.numel()])?, 0),
        Some(a) => (x.clone(), x.shape().axis(a, "repeat")?),
    };
    let mut with_axis = x.dims().to_vec();
    with_axis.insert(axis + 1, 1);
    let mut target = with_axis.clone();
    target[axis + 1] = repeats;
    let mut out = x.dims().to_vec();
    out[axis] *= repeats;
    let b = broadcast_to(&reshape(&x, &with_axis)?, &target)?;
    reshape(&b, &out)
}

/// Pads with a constant; `pad_width` holds `(before, after)` per axis.
pub fn pad(x: &Tensor, pad_width: &[(usize, usize)], constant: f64) -> Result<Tensor> {
    if pad_width.len() != x.rank() {
        bail!(
            Value,
            "pad: pad_width has {} entries but the tensor has rank {} (shape {})",
            pad_width.len(),
            x.rank(),
            x.shape()
        );
    }
    let mut out = x.clone();
    for (axis, &(before, after)) in pad_width.iter().enumerate() {
        if before == 0 && after == 0 {
            continue;
        }
        let block = |n: usize| -> Result<Tensor> {
            let mut dims = out.dims().to_vec();
            dims[axis] = n;
            Tensor::full(dims, constant, out.dtype(), out.device())
        };
        let parts = [block(before)?, out.clone(), block(after)?];
        out = concatenate(&parts, axis as isize)?;
    }
    Ok(out)
}

/// The same values, cut off from the tape: no gradient flows through.
pub fn stop_gradient(x: &Tensor) -> Tensor {
    x.with_layout(x.layout().clone())
}

/// How `pad_periodic` extends an axis beyond its ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadMode {
    /// Repeat the edge value.
    Edge,
    /// Mirror without repeating the edge (`3 2 | 1 2 3 | 2 1`).
    Reflect,
    /// Mirror repeating the edge (`2 1 | 1 2 3 | 3 2`).
    Symmetric,
    /// Wrap around (`2 3 | 1 2 3 | 1 2`).
    Wrap,
}

/// The source position of padded position `i` (which may lie outside
/// `0..n`) along an axis of length `n`.
fn pad_source(i: i64, n: i64, mode: PadMode) -> i64 {
    match mode {
        PadMode::Edge => i.clamp(0, n - 1),
        PadMode::Wrap => i.rem_euclid(n),
        PadMode::Reflect if n == 1 => 0,
        PadMode::Reflect => {
            let j = i.rem_euclid(2 * n - 2);
            if j >= n {
                2 * n - 2 - j
            } else {
                j
            }
        }
        PadMode::Symmetric => {
            let j = i.rem_euclid(2 * n);
            if j >= n {
                2 * n - 1 - j
            } else {
                j
            }
        }
    }
}

/// Pads by repeating, mirroring or wrapping the data (as a gather, so the
/// gradient flows back to the source positions).
pub fn pad_periodic(x: &Tensor, pad_width: &[(usize, usize)], mode: PadMode) -> Result<Tensor> {
    if pad_width.len() != x.rank() {
        bail!(
            Value,
            "pad: pad_width has {} entries but the tensor has rank {} (shape {})",
            pad_width.len(),
            x.rank(),
            x.shape()
        );
    }
    let mut out = x.clone();
    for (axis, &(before, after)) in pad_width.iter().enumerate() {
        if before == 0 && after == 0 {
            continue;
        }
        let n = x.dims()[axis] as i64;
        if n == 0 {
            bail!(
                Value,
                "pad: cannot pad an empty axis {axis} in mode {mode:?}"
            );
        }
        let positions: Vec<i64> = (-(before as i64)..n + after as i64)
            .map(|i| pad_source(i, n, mode))
            .collect();
        let len = positions.len();
        let idx = Tensor::from_vec(positions, [len], crate::Device::Cpu)?;
        let idx = if out.device() == crate::Device::Cpu {
            idx
        } else {
            super::cast(&idx, DType::I32)?.to_device(out.device())?
        };
        out = super::take(&out, &idx, Some(axis as isize))?;
    }
    Ok(out)
}
