//! Batched matrix products through the `gemm` crate, which takes any
//! strides: transposed views go straight in without a copy.

use gemm::Parallelism;
use rayon::prelude::*;

use super::CpuStorage;
use crate::{bail, Layout, MatmulDims, Result};

/// Below this many multiply-adds a single thread wins.
const PARALLEL_FLOPS: usize = 1 << 18;

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
    let mut out = vec![0.0f32; batch * m * n];
    if out.is_empty() {
        return out;
    }
    let r = al.dims().len();
    let (a_rs, a_cs) = (al.strides()[r - 2], al.strides()[r - 1]);
    let (b_rs, b_cs) = (bl.strides()[r - 2], bl.strides()[r - 1]);
    let starts =
        |l: &Layout| -> Vec<usize> { l.select(r - 1, 0).select(r - 2, 0).offsets().collect() };
    let (a_starts, b_starts) = (starts(al), starts(bl));
    let flops = m * n * k;
    let threads = rayon::current_num_threads();
    let one = |(dst, (&ao, &bo)): (&mut [f32], (&usize, &usize)), parallelism: Parallelism| {
        if k == 0 {
            return;
        }
        // SAFETY: the offsets and strides come from layouts that address
        // only elements inside `a` and `b`; `dst` is an exclusive m*n slice.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                dst.as_mut_ptr(),
                1,
                n as isize,
                false,
                a.as_ptr().add(ao),
                a_cs,
                a_rs,
                b.as_ptr().add(bo),
                b_cs,
                b_rs,
                0.0,
                1.0,
                false,
                false,
                false,
                parallelism,
            );
        }
    };
    let pairs = a_starts.iter().zip(&b_starts);
    if batch > 1 && flops < PARALLEL_FLOPS * 4 {
        out.par_chunks_mut(m * n)
            .zip(pairs.collect::<Vec<_>>().into_par_iter())
            .for_each(|job| one(job, Parallelism::None));
    } else {
        let parallelism = if flops >= PARALLEL_FLOPS {
            Parallelism::Rayon(threads)
        } else {
            Parallelism::None
        };
        for job in out.chunks_mut(m * n).zip(pairs) {
            one(job, parallelism);
        }
    }
    out
}
