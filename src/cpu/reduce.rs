//! Reductions over any set of axes.
//!
//! The layout is permuted so kept axes come first and reduced axes last;
//! then each output element folds one run of the (gathered) input,
//! pairwise, so float sums stay accurate over millions of elements. When
//! the reduced axes lead a contiguous tensor with rows of at least 16
//! (`sum(x, axis=0)`, the bias gradient) whole rows are accumulated
//! instead, which vectorizes.

use rayon::prelude::*;

use super::{elements, simd, Arith, CpuStorage, CHUNK, PARALLEL_THRESHOLD};
use crate::ops::kinds::ReduceOp;
use crate::{bail, Layout, Result, Shape};

impl CpuStorage {
    pub fn reduce(&self, op: ReduceOp, layout: &Layout, axes: &[usize]) -> Result<CpuStorage> {
        if matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin) {
            return arg_reduce(self, op, layout, axes);
        }
        Ok(match self {
            CpuStorage::F32(v) => CpuStorage::F32(reduce_f32(op, v, layout, axes)),
            CpuStorage::I32(v) => CpuStorage::I32(reduce_generic(op, v, layout, axes)),
            CpuStorage::I64(v) => CpuStorage::I64(reduce_generic(op, v, layout, axes)),
            CpuStorage::Bool(_) => bail!(
                DType,
                "{op:?} is not defined for bool tensors; cast them first"
            ),
        })
    }
}

/// The layout with kept axes first and reduced axes last, and the sizes of
/// the two groups.
fn split_axes(layout: &Layout, axes: &[usize]) -> (Layout, usize, usize) {
    let rank = layout.dims().len();
    let kept: Vec<usize> = (0..rank).filter(|a| !axes.contains(a)).collect();
    let perm: Vec<usize> = kept.iter().chain(axes).copied().collect();
    let outer = kept.iter().map(|&a| layout.dims()[a]).product();
    let inner = axes.iter().map(|&a| layout.dims()[a]).product();
    (layout.permute(&perm), outer, inner)
}

fn identity(op: ReduceOp) -> f32 {
    match op {
        ReduceOp::Sum => 0.0,
        ReduceOp::Prod => 1.0,
        ReduceOp::Max => f32::NEG_INFINITY,
        _ => f32::INFINITY,
    }
}

fn reduce_f32(op: ReduceOp, data: &[f32], layout: &Layout, axes: &[usize]) -> Vec<f32> {
    match op {
        ReduceOp::Sum => reduce_with(op, data, layout, axes, |a, x| a + x),
        ReduceOp::Prod => reduce_with(op, data, layout, axes, |a, x| a * x),
        ReduceOp::Max => reduce_with(op, data, layout, axes, |a, x| {
            if x > a || x.is_nan() {
                x
            } else {
                a
            }
        }),
        _ => reduce_with(op, data, layout, axes, |a, x| {
            if x < a || x.is_nan() {
                x
            } else {
                a
            }
        }),
    }
}

/// Leading reductions accumulate whole rows; below this row width the
/// per-output fold over a gathered run is faster and vectorizes better.
const MIN_ROW_WIDTH: usize = 16;
/// Runs up to this long are folded in one SIMD pass; longer runs are split
/// in halves (pairwise), so rounding error grows with log(n), not n.
const FOLD_BLOCK: usize = 4096;
/// Rows accumulated into a partial row before it joins the total, for the
/// same reason in leading reductions.
const ROW_BLOCK: usize = 256;

fn reduce_with<F>(op: ReduceOp, data: &[f32], layout: &Layout, axes: &[usize], f: F) -> Vec<f32>
where
    F: Fn(f32, f32) -> f32 + Copy + Send + Sync,
{
    let init = identity(op);
    let leading = axes.iter().enumerate().all(|(i, &a)| i == a);
    if let (true, Some(range)) = (leading, layout.contiguous_range()) {
        let width: usize = layout.dims()[axes.len()..].iter().product();
        if width >= MIN_ROW_WIDTH {
            return reduce_leading(&data[range], width, init, f);
        }
    }
    if let Some(out) = reduce_middle(data, layout, axes, init, f) {
        return out;
    }
    let (permuted, outer, inner) = split_axes(layout, axes);
    let gathered = elements(data, &permuted);
    let mut out = vec![init; outer];
    if inner == 0 {
        return out;
    }
    let fold = |(o, run): (&mut f32, &[f32])| *o = fold_pairwise(run, init, f);
    let threads = rayon::current_num_threads();
    if gathered.len() < PARALLEL_THRESHOLD {
        out.iter_mut()
            .zip(gathered.chunks_exact(inner))
            .for_each(fold);
    } else if outer >= 4 * threads || inner < 2 * CHUNK {
        out.par_iter_mut()
            .zip(gathered.par_chunks_exact(inner))
            .for_each(fold);
    } else {
        // Few long runs (a full reduction): split each run across threads
        // at fixed chunk boundaries, so the result does not depend on the
        // thread count.
        for (o, run) in out.iter_mut().zip(gathered.chunks_exact(inner)) {
            let partials: Vec<f32> = run
                .par_chunks(CHUNK)
                .map(|c| fold_pairwise(c, init, f))
                .collect();
            *o = fold_pairwise(&partials, init, f);
        }
    }
    out
}

/// `f` folded over `src`, pairwise above `FOLD_BLOCK` elements.
fn fold_pairwise<F: Fn(f32, f32) -> f32 + Copy>(src: &[f32], init: f32, f: F) -> f32 {
    if src.len() <= FOLD_BLOCK {
        return simd::fold(src, init, f);
    }
    let half = (src.len() / 2).div_ceil(FOLD_BLOCK) * FOLD_BLOCK;
    let (left, right) = src.split_at(half);
    f(fold_pairwise(left, init, f), fold_pairwise(right, init, f))
}

/// Reduces the leading rows of a `(rows, width)` run into one row. Columns
/// are split across threads; rows are summed in blocks of `ROW_BLOCK`.
/// Reduces a block of adjacent axes with wide rows after it (a window's
/// taps in pooling, a sequence axis): each outer slice folds its rows
/// elementwise, in SIMD, instead of gathering strided runs.
fn reduce_middle<F>(
    data: &[f32],
    layout: &Layout,
    axes: &[usize],
    init: f32,
    f: F,
) -> Option<Vec<f32>>
where
    F: Fn(f32, f32) -> f32 + Copy + Send + Sync,
{
    let (&first, &last) = (axes.first()?, axes.last()?);
    if axes.windows(2).any(|w| w[1] != w[0] + 1) {
        return None;
    }
    let range = layout.contiguous_range()?;
    let dims = layout.dims();
    let width: usize = dims[last + 1..].iter().product();
    let rows: usize = dims[first..=last].iter().product();
    if width < MIN_ROW_WIDTH || rows == 0 || rows > ROW_BLOCK {
        return None;
    }
    let outer: usize = dims[..first].iter().product();
    let block = rows * width;
    let mut out = vec![init; outer * width];
    let fold = |(acc, slice): (&mut [f32], &[f32])| {
        for row in slice.chunks_exact(width) {
            simd::accumulate(acc, row, f);
        }
    };
    let data = &data[range];
    if data.len() < PARALLEL_THRESHOLD {
        out.chunks_mut(width).zip(data.chunks(block)).for_each(fold);
    } else {
        out.par_chunks_mut(width)
            .zip(data.par_chunks(block))
            .with_min_len((CHUNK / block).max(1))
            .for_each(fold);
    }
    Some(out)
}

fn reduce_leading<F>(data: &[f32], width: usize, init: f32, f: F) -> Vec<f32>
where
    F: Fn(f32, f32) -> f32 + Copy + Send + Sync,
{
    let columns = |start: usize, out: &mut [f32]| {
        let w = out.len();
        let mut partial = vec![init; w];
        for (i, row) in data.chunks_exact(width).enumerate() {
            simd::accumulate(&mut partial, &row[start..start + w], f);
            if (i + 1) % ROW_BLOCK == 0 {
                simd::accumulate(out, &partial, f);
                partial.fill(init);
            }
        }
        simd::accumulate(out, &partial, f);
    };
    let mut acc = vec![init; width];
    let threads = rayon::current_num_threads();
    if data.len() < PARALLEL_THRESHOLD || width < 2 * MIN_ROW_WIDTH * threads {
        columns(0, &mut acc);
    } else {
        let per_task = (width / (4 * threads))
            .max(256)
            .next_multiple_of(MIN_ROW_WIDTH);
        acc.par_chunks_mut(per_task)
            .enumerate()
            .for_each(|(i, out)| columns(i * per_task, out));
    }
    acc
}

fn reduce_generic<T>(op: ReduceOp, data: &[T], layout: &Layout, axes: &[usize]) -> Vec<T>
where
    T: crate::Element + Ord + Arith,
{
    let (permuted, outer, inner) = split_axes(layout, axes);
    let gathered = elements(data, &permuted);
    (0..outer)
        .map(|o| {
            let run = gathered[o * inner..(o + 1) * inner].iter().copied();
            match op {
                ReduceOp::Sum => run.fold(T::from_f64(0.0), T::add),
                ReduceOp::Prod => run.fold(T::from_f64(1.0), T::mul),
                ReduceOp::Max => run.max().unwrap_or(T::from_f64(i64::MIN as f64)),
                _ => run.min().unwrap_or(T::from_f64(i64::MAX as f64)),
            }
        })
        .collect()
}

fn arg_reduce(
    storage: &CpuStorage,
    op: ReduceOp,
    layout: &Layout,
    axes: &[usize],
) -> Result<CpuStorage> {
    let [axis] = axes else {
        bail!(Value, "{op:?} reduces exactly one axis, got {axes:?}");
    };
    if layout.dims()[*axis] == 0 {
        bail!(Value, "{op:?}: attempt to get the index of an empty axis");
    }
    let values: Vec<f64> = {
        let f = storage.cast(layout, crate::DType::F32)?;
        let CpuStorage::F32(v) = f else {
            unreachable!("cast to F32")
        };
        v.into_iter().map(f64::from).collect()
    };
    let contiguous = Layout::contiguous(Shape::new(layout.dims().to_vec()));
    let (permuted, outer, inner) = split_axes(&contiguous, axes);
    let gathered = elements(&values, &permuted);
    let better = |x: f64, best: f64| match op {
        ReduceOp::ArgMax => x > best || (x.is_nan() && !best.is_nan()),
        _ => x < best || (x.is_nan() && !best.is_nan()),
    };
    let out = (0..outer)
        .map(|o| {
            let run = &gathered[o * inner..(o + 1) * inner];
            let mut best = 0;
            for (i, &x) in run.iter().enumerate() {
                if better(x, run[best]) {
                    best = i;
                }
            }
            best as i64
        })
        .collect();
    Ok(CpuStorage::I64(out))
}
