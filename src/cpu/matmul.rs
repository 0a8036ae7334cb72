//! Batched matrix products through the `gemm` crate, which takes any
//! strides: transposed views go straight in without a copy.

use std::mem::MaybeUninit;
use std::ops::Range;

use gemm::Parallelism;
use rayon::prelude::*;

use super::alloc::{output_buffer, written_buffer};
use super::{team, CpuStorage};
use crate::{bail, Layout, MatmulDims, Result};

/// From this many multiply-adds products run on the rayon pool (through
/// gemm's own threading, which shares packed panels): below it, waking a
/// parked pool costs tens of microseconds, more than a second thread saves.
const PARALLEL_FLOPS: usize = 1 << 23;

/// From this many multiply-adds (a few microseconds of work) and below
/// `PARALLEL_FLOPS`, products are split across the [`team`], which hands
/// work over in well under a microsecond while its helpers are awake.
const TEAM_FLOPS: usize = 1 << 19;

impl CpuStorage {
    pub fn matmul(
        &self,
        lhs: &Layout,
        rhs: &CpuStorage,
        rhs_layout: &Layout,
        dims: &MatmulDims,
    ) -> Result<CpuStorage> {
        let (CpuStorage::F32(a), CpuStorage::F32(b)) = (self, rhs) else {
            bail!(
                DType,
                "matmul kernels take float32, got {} and {}",
                self.dtype(),
                rhs.dtype()
            );
        };
        Ok(CpuStorage::F32(matmul_f32(a, lhs, b, rhs_layout, dims)))
    }
}

fn matmul_f32(a: &[f32], al: &Layout, b: &[f32], bl: &Layout, dims: &MatmulDims) -> Vec<f32> {
    let MatmulDims { m, n, k, .. } = *dims;
    let batch = dims.batch_size();
    if batch * m * n == 0 || k == 0 {
        return output_buffer::<f32>(batch * m * n);
    }
    // SAFETY: every `m x n` block gets one product over all its columns
    // (whole or in column bands that tile them), and gemm with `read_dst`
    // false writes every element it covers.
    unsafe {
        written_buffer(batch * m * n, |out| {
            fill_products(out, a, al, b, bl, dims, Epilogue::Write)
        })
    }
}

/// `dst += scale * (a @ b)` in place for one product (no batch axes): an
/// SGD step folded into the product that computes its gradient, so the
/// gradient is never written out and read back. gemm applies `scale` to
/// the accumulated product and adds it to `dst` in one pass.
pub(crate) fn matmul_accumulate_f32(
    dst: &mut [f32],
    a: &[f32],
    al: &Layout,
    b: &[f32],
    bl: &Layout,
    dims: &MatmulDims,
    scale: f32,
) -> Result<()> {
    let MatmulDims { m, n, k, .. } = *dims;
    if dims.batch_size() != 1 || dst.len() != m * n {
        bail!(
            Shape,
            "matmul_accumulate: a {}-element destination does not hold one {m}x{n} product",
            dst.len()
        );
    }
    if m * n == 0 || k == 0 {
        return Ok(());
    }
    // SAFETY: the elements are initialized f32 values and the kernels
    // write only f32 values into them.
    let out = unsafe {
        std::slice::from_raw_parts_mut(dst.as_mut_ptr().cast::<MaybeUninit<f32>>(), dst.len())
    };
    fill_products(out, a, al, b, bl, dims, Epilogue::Accumulate(scale));
    Ok(())
}

/// What a product does with its destination, in gemm's terms
/// (`dst = alpha * dst + beta * a @ b`).
#[derive(Clone, Copy)]
enum Epilogue {
    /// `dst = a @ b`; `dst` may be uninitialized.
    Write,
    /// `dst += scale * (a @ b)`; `dst` holds values.
    Accumulate(f32),
}

impl Epilogue {
    /// `(read_dst, alpha, beta)`.
    fn gemm_args(self) -> (bool, f32, f32) {
        match self {
            Epilogue::Write => (false, 0.0, 1.0),
            Epilogue::Accumulate(scale) => (true, 1.0, scale),
        }
    }
}

/// Writes every product of `a` and `b` into `out` (or adds it, scaled).
fn fill_products(
    out: &mut [MaybeUninit<f32>],
    a: &[f32],
    al: &Layout,
    b: &[f32],
    bl: &Layout,
    dims: &MatmulDims,
    epilogue: Epilogue,
) {
    let (read_dst, alpha, beta) = epilogue.gemm_args();
    let MatmulDims { m, n, k, .. } = *dims;
    let batch = dims.batch_size();
    let r = al.dims().len();
    let (a_rs, a_cs) = (al.strides()[r - 2], al.strides()[r - 1]);
    let (b_rs, b_cs) = (bl.strides()[r - 2], bl.strides()[r - 1]);
    let starts =
        |l: &Layout| -> Vec<usize> { l.select(r - 1, 0).select(r - 2, 0).offsets().collect() };
    let (a_starts, b_starts) = (starts(al), starts(bl));
    let flops = m * n * k;
    let threads = rayon::current_num_threads();
    let product = |dst: &mut [MaybeUninit<f32>], ao, bo, block: Block, par| {
        let Block { rows, cols } = block;
        // SAFETY: the offsets and strides come from layouts that address
        // only elements inside `a` and `b`; `dst` is this product's
        // exclusive m*n block and `rows`, `cols` lie within it.
        unsafe {
            gemm::gemm(
                rows.len(),
                cols.len(),
                k,
                dst.as_mut_ptr()
                    .cast::<f32>()
                    .add(rows.start * n + cols.start),
                1,
                n as isize,
                read_dst,
                a.as_ptr().offset(ao as isize + rows.start as isize * a_rs),
                a_cs,
                a_rs,
                b.as_ptr().offset(bo as isize + cols.start as isize * b_cs),
                b_cs,
                b_rs,
                alpha,
                beta,
                false,
                false,
                false,
                par,
            );
        }
    };
    let whole = || Block {
        rows: 0..m,
        cols: 0..n,
    };
    let jobs: Vec<(usize, usize)> = a_starts.into_iter().zip(b_starts).collect();
    if threads == 1 || batch * flops < TEAM_FLOPS {
        for (dst, (ao, bo)) in out.chunks_mut(m * n).zip(jobs) {
            product(dst, ao, bo, whole(), Parallelism::None);
        }
    } else if batch * flops < PARALLEL_FLOPS {
        // Short products go to the team, whose helpers are still awake from
        // the previous op: one product in bands of its longer side, or a
        // batch of them a product at a time.
        let shared = SharedOut(out.as_mut_ptr(), out.len());
        // SAFETY (both loops): each part writes only its own band or block.
        if batch == 1 {
            let (ao, bo) = jobs[0];
            let bands = Block::bands(m, n, threads);
            team::for_each_part(bands.len(), &|i| {
                let dst = unsafe { shared.slice() };
                product(dst, ao, bo, bands[i].clone(), Parallelism::None);
            });
        } else {
            team::for_each_part(batch, &|i| {
                let dst = unsafe { &mut shared.slice()[i * m * n..(i + 1) * m * n] };
                let (ao, bo) = jobs[i];
                product(dst, ao, bo, whole(), Parallelism::None);
            });
        }
    } else if batch > 1 && flops < PARALLEL_FLOPS {
        out.par_chunks_mut(m * n)
            .zip(jobs.into_par_iter())
            .for_each(|(dst, (ao, bo))| product(dst, ao, bo, whole(), Parallelism::None));
    } else if m < SMALL_M {
        // Few rows: gemm's own threading splits rows and idles; give each
        // thread a band of columns instead.
        let band = n.div_ceil(threads).next_multiple_of(16);
        for (dst, (ao, bo)) in out.chunks_mut(m * n).zip(jobs) {
            let dst = SharedOut(dst.as_mut_ptr(), dst.len());
            (0..n)
                .step_by(band)
                .collect::<Vec<_>>()
                .into_par_iter()
                .for_each(|c0| {
                    // SAFETY: each task writes only its own column band.
                    let dst = unsafe { dst.slice() };
                    let cols = c0..(c0 + band).min(n);
                    product(dst, ao, bo, Block { rows: 0..m, cols }, Parallelism::None);
                });
        }
    } else {
        for (dst, (ao, bo)) in out.chunks_mut(m * n).zip(jobs) {
            product(dst, ao, bo, whole(), Parallelism::Rayon(threads));
        }
    }
}

/// A rectangle of an `m x n` product.
#[derive(Clone)]
struct Block {
    rows: Range<usize>,
    cols: Range<usize>,
}

impl Block {
    /// `parts` bands across the longer side (columns in multiples of 16,
    /// the kernels' width), so each part packs only its own slice of the
    /// larger operand.
    fn bands(m: usize, n: usize, parts: usize) -> Vec<Block> {
        if m > n {
            let h = m.div_ceil(parts);
            (0..m)
                .step_by(h)
                .map(|r| Block {
                    rows: r..(r + h).min(m),
                    cols: 0..n,
                })
                .collect()
        } else {
            let w = n.div_ceil(parts).next_multiple_of(16);
            (0..n)
                .step_by(w)
                .map(|c| Block {
                    rows: 0..m,
                    cols: c..(c + w).min(n),
                })
                .collect()
        }
    }
}

/// Products with fewer rows than this split their columns across threads.
const SMALL_M: usize = 96;

/// The output block, shared by tasks that write disjoint column bands.
#[derive(Clone, Copy)]
struct SharedOut(*mut MaybeUninit<f32>, usize);
// SAFETY: tasks holding a SharedOut write disjoint elements only.
unsafe impl Send for SharedOut {}
unsafe impl Sync for SharedOut {}

impl SharedOut {
    /// # Safety
    /// Callers must write disjoint elements while other tasks hold it.
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice(&self) -> &mut [MaybeUninit<f32>] {
        std::slice::from_raw_parts_mut(self.0, self.1)
    }
}
