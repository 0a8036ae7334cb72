//! Index kernels: gather/scatter along an axis, cumulative sums and
//! concatenation. Each works on the contiguous `(outer, axis, inner)` view.

use std::borrow::Cow;
use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::alloc::{write_copy, written_buffer};
use super::{elements, index_values, map_same_dtype, Arith, CpuStorage, PARALLEL_THRESHOLD};
use crate::{bail, Layout, Result};

/// `(outer, axis length, inner)` of a shape split at `axis`.
fn split_at_axis(dims: &[usize], axis: usize) -> (usize, usize, usize) {
    (
        dims[..axis].iter().product(),
        dims[axis],
        dims[axis + 1..].iter().product(),
    )
}

/// Runs `fill(first_row, rows)` over `out` (rows of `inner` elements): on
/// the calling thread when small, else one contiguous row range per thread.
fn by_row_ranges<T: Send>(
    out: &mut [MaybeUninit<T>],
    inner: usize,
    fill: impl Fn(usize, &mut [MaybeUninit<T>]) + Sync,
) {
    if out.len() < PARALLEL_THRESHOLD {
        return fill(0, out);
    }
    let per = (out.len() / inner).div_ceil(rayon::current_num_threads());
    out.par_chunks_mut(per * inner)
        .enumerate()
        .for_each(|(part, chunk)| fill(part * per, chunk));
}

/// `gather`'s rows of `src (outer, len, inner)` at `idx` along the middle
/// axis, `(outer, idx.len(), inner)`. Large outputs (an embedding lookup's
/// thousands of rows from a table in L3) are copied by all threads.
fn gather_rows<T: Copy + Send + Sync>(
    src: &[T],
    idx: &[i64],
    (outer, len, inner): (usize, usize, usize),
) -> Vec<T> {
    let rows = outer * idx.len();
    if rows * inner == 0 {
        return Vec::new();
    }
    let row = |r: usize| {
        let (o, j) = (r / idx.len(), r % idx.len());
        &src[(o * len + idx[j] as usize) * inner..][..inner]
    };
    let copy = |first: usize, out: &mut [MaybeUninit<T>]| {
        for (r, dst) in out.chunks_exact_mut(inner).enumerate() {
            write_copy(dst, row(first + r));
        }
    };
    // SAFETY: `copy` writes every row of every range, which cover the buffer.
    unsafe { written_buffer(rows * inner, |out| by_row_ranges(out, inner, copy)) }
}

/// `scatter_add`'s sum of `src (outer, n, inner)` into zeros of
/// `(outer, axis_len, inner)` at `idx` along the middle axis. The output's
/// rows are split into one range per thread; each thread zeroes its range
/// and adds, in index order, the source rows that land in it, so every
/// sum is formed in the same order as on one thread. An embedding's
/// gradient (tens of thousands of rows) is the case this is for.
fn scatter_rows(
    src: &[f32],
    idx: &[i64],
    (outer, n, inner): (usize, usize, usize),
    axis_len: usize,
) -> Vec<f32> {
    let rows = outer * axis_len;
    if rows * inner == 0 {
        return Vec::new();
    }
    // Zeroes output rows `first ..` (the chunk) and sums into them.
    let sum_into = |first: usize, chunk: &mut [MaybeUninit<f32>]| {
        chunk.fill(MaybeUninit::new(0.0));
        // SAFETY: every element was just initialized.
        let chunk = unsafe { &mut *(chunk as *mut [MaybeUninit<f32>] as *mut [f32]) };
        let end = first + chunk.len() / inner;
        for o in first / axis_len..end.div_ceil(axis_len) {
            for (j, &i) in idx.iter().enumerate() {
                let row = o * axis_len + i as usize;
                if !(first..end).contains(&row) {
                    continue;
                }
                let from = &src[(o * n + j) * inner..][..inner];
                let to = &mut chunk[(row - first) * inner..][..inner];
                to.iter_mut().zip(from).for_each(|(d, &s)| *d += s);
            }
        }
    };
    // SAFETY: `sum_into` zeroes every range, which together cover the buffer.
    unsafe { written_buffer(rows * inner, |out| by_row_ranges(out, inner, sum_into)) }
}

impl CpuStorage {
    pub fn gather(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &CpuStorage,
        index_layout: &Layout,
    ) -> Result<CpuStorage> {
        let idx = index_values(indices, index_layout)?;
        let (outer, len, inner) = split_at_axis(layout.dims(), axis);
        check_range(&idx, len)?;
        Ok(map_same_dtype!(self, v => {
            gather_rows(&elements(v, layout), &idx, (outer, len, inner))
        }))
    }

    pub fn scatter_add(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &CpuStorage,
        index_layout: &Layout,
        axis_len: usize,
    ) -> Result<CpuStorage> {
        let CpuStorage::F32(v) = self else {
            bail!(DType, "scatter_add takes float32, got {}", self.dtype());
        };
        let idx = index_values(indices, index_layout)?;
        check_range(&idx, axis_len)?;
        let (outer, n, inner) = split_at_axis(layout.dims(), axis);
        let src = elements(v, layout);
        let out = scatter_rows(&src, &idx[..n.min(idx.len())], (outer, n, inner), axis_len);
        Ok(CpuStorage::F32(out))
    }

    pub fn gather_along_axis(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &CpuStorage,
        index_layout: &Layout,
    ) -> Result<CpuStorage> {
        let idx = index_values(indices, index_layout)?;
        let (_, len, inner) = split_at_axis(layout.dims(), axis);
        let (outer, n, _) = split_at_axis(index_layout.dims(), axis);
        check_range(&idx, len)?;
        Ok(map_same_dtype!(self, v => {
            let src = elements(v, layout);
            let mut out = Vec::with_capacity(idx.len());
            for o in 0..outer {
                for j in 0..n {
                    for r in 0..inner {
                        let i = idx[(o * n + j) * inner + r] as usize;
                        out.push(src[(o * len + i) * inner + r]);
                    }
                }
            }
            out
        }))
    }

    pub fn scatter_add_along_axis(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &CpuStorage,
        index_layout: &Layout,
        axis_len: usize,
    ) -> Result<CpuStorage> {
        let CpuStorage::F32(v) = self else {
            bail!(DType, "scatter_add takes float32, got {}", self.dtype());
        };
        let idx = index_values(indices, index_layout)?;
        check_range(&idx, axis_len)?;
        let (outer, n, inner) = split_at_axis(layout.dims(), axis);
        let src = elements(v, layout);
        let mut out = vec![0.0f32; outer * axis_len * inner];
        for o in 0..outer {
            for j in 0..n {
                for r in 0..inner {
                    let i = idx[(o * n + j) * inner + r] as usize;
                    out[(o * axis_len + i) * inner + r] += src[(o * n + j) * inner + r];
                }
            }
        }
        Ok(CpuStorage::F32(out))
    }

    pub fn cumsum(&self, layout: &Layout, axis: usize) -> Result<CpuStorage> {
        fn run<T: Arith>(v: &[T], layout: &Layout, axis: usize) -> Vec<T> {
            let (outer, len, inner) = split_at_axis(layout.dims(), axis);
            let mut out = elements(v, layout).into_owned();
            for o in 0..outer {
                for i in 1..len {
                    let (prev, cur) = ((o * len + i - 1) * inner, (o * len + i) * inner);
                    for r in 0..inner {
                        out[cur + r] = out[cur + r].add(out[prev + r]);
                    }
                }
            }
            out
        }
        Ok(match self {
            CpuStorage::F32(v) => CpuStorage::F32(run(v, layout, axis)),
            CpuStorage::I32(v) => CpuStorage::I32(run(v, layout, axis)),
            CpuStorage::I64(v) => CpuStorage::I64(run(v, layout, axis)),
            CpuStorage::Bool(_) => bail!(
                DType,
                "cumsum is not defined for bool tensors; cast them first"
            ),
        })
    }
}

pub(super) fn concat<T: Copy>(parts: &[Cow<'_, [T]>], layouts: &[&Layout], axis: usize) -> Vec<T> {
    let (outer, _, inner) = split_at_axis(layouts[0].dims(), axis);
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(total);
    for o in 0..outer {
        for (part, layout) in parts.iter().zip(layouts) {
            let run = layout.dims()[axis] * inner;
            out.extend_from_slice(&part[o * run..(o + 1) * run]);
        }
    }
    out
}

fn check_range(idx: &[i64], len: usize) -> Result<()> {
    if let Some(&bad) = idx.iter().find(|&&i| i < 0 || i as usize >= len) {
        bail!(
            Index,
            "index {bad} is out of bounds for an axis of size {len}"
        );
    }
    Ok(())
}
