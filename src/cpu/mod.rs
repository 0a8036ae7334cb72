//! CPU backend: row-major buffers, SIMD kernels chosen at run time
//! (AVX-512, AVX2 or portable), rayon for large tensors, GEMM from the
//! `gemm` crate.

pub mod alloc;
mod avx512_math;
mod elementwise;
mod index;
pub mod lstm;
mod math;
mod matmul;
pub(crate) mod prefetch;
mod reduce;
mod simd;
pub mod small_matmul;
pub(crate) mod softmax;
pub(crate) mod team;
mod window;
mod window_max;

use std::borrow::Cow;

use crate::{bail, DType, Element, Layout, Result, Storage, Tensor};

pub use math::{erf, exp, log, tanh};
pub(crate) use matmul::matmul_accumulate_f32;

/// Tensors smaller than this run on one thread: below it rayon's
/// scheduling (waking workers, then their spinning beside the caller)
/// costs more than a second thread saves on a memory-bound pass.
pub(crate) const PARALLEL_THRESHOLD: usize = 1 << 17;
/// Elements per rayon task in elementwise kernels.
pub(crate) const CHUNK: usize = 1 << 14;

/// Arithmetic that wraps on integer overflow, as NumPy's does, instead of
/// panicking (debug builds) or relying on release-mode wrapping; float32
/// uses the ordinary operators.
pub(crate) trait Arith: Copy + Send + Sync {
    fn add(self, b: Self) -> Self;
    fn sub(self, b: Self) -> Self;
    fn mul(self, b: Self) -> Self;
    fn neg(self) -> Self;
}

impl Arith for f32 {
    fn add(self, b: Self) -> Self {
        self + b
    }
    fn sub(self, b: Self) -> Self {
        self - b
    }
    fn mul(self, b: Self) -> Self {
        self * b
    }
    fn neg(self) -> Self {
        -self
    }
}

macro_rules! wrapping_arith {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn add(self, b: Self) -> Self {
                self.wrapping_add(b)
            }
            fn sub(self, b: Self) -> Self {
                self.wrapping_sub(b)
            }
            fn mul(self, b: Self) -> Self {
                self.wrapping_mul(b)
            }
            fn neg(self) -> Self {
                self.wrapping_neg()
            }
        }
    )*};
}
wrapping_arith!(i32, i64);

/// A tensor's data in host memory, row-major, one variant per dtype.
#[derive(Debug, Clone, PartialEq)]
pub enum CpuStorage {
    F32(Vec<f32>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    Bool(Vec<bool>),
}

/// Runs `$body` with `$v` bound to the typed buffer and rewraps the result
/// in the same variant.
macro_rules! map_same_dtype {
    ($storage:expr, $v:ident => $body:expr) => {
        match $storage {
            CpuStorage::F32($v) => CpuStorage::F32($body),
            CpuStorage::I32($v) => CpuStorage::I32($body),
            CpuStorage::I64($v) => CpuStorage::I64($body),
            CpuStorage::Bool($v) => CpuStorage::Bool($body),
        }
    };
}
pub(crate) use map_same_dtype;

impl CpuStorage {
    pub fn dtype(&self) -> DType {
        match self {
            CpuStorage::F32(_) => DType::F32,
            CpuStorage::I32(_) => DType::I32,
            CpuStorage::I64(_) => DType::I64,
            CpuStorage::Bool(_) => DType::Bool,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            CpuStorage::F32(v) => v.len(),
            CpuStorage::I32(v) => v.len(),
            CpuStorage::I64(v) => v.len(),
            CpuStorage::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `n` copies of `value`; an allocation the machine cannot give is an
    /// error, not an abort.
    pub fn filled(dtype: DType, n: usize, value: f64) -> Result<CpuStorage> {
        fn fill<T: Clone>(n: usize, v: T) -> Result<Vec<T>> {
            let mut out = Vec::new();
            if out.try_reserve_exact(n).is_err() {
                bail!(
                    Value,
                    "cannot allocate {n} elements ({} bytes)",
                    n.saturating_mul(std::mem::size_of::<T>())
                );
            }
            out.resize(n, v);
            Ok(out)
        }
        Ok(match dtype {
            DType::F32 => CpuStorage::F32(fill(n, value as f32)?),
            DType::I32 => CpuStorage::I32(fill(n, value as i32)?),
            DType::I64 => CpuStorage::I64(fill(n, value as i64)?),
            DType::Bool => CpuStorage::Bool(fill(n, value != 0.0)?),
        })
    }

    pub fn get_f64(&self, i: usize) -> f64 {
        match self {
            CpuStorage::F32(v) => v[i].to_f64(),
            CpuStorage::I32(v) => v[i].to_f64(),
            CpuStorage::I64(v) => v[i].to_f64(),
            CpuStorage::Bool(v) => v[i].to_f64(),
        }
    }

    pub fn copy_strided(&self, layout: &Layout) -> Result<CpuStorage> {
        Ok(map_same_dtype!(self, v => owned_elements(v, layout)))
    }

    pub fn cast(&self, layout: &Layout, dtype: DType) -> Result<CpuStorage> {
        fn convert<T: Element, U: Element>(v: &[T], layout: &Layout) -> Vec<U> {
            elements(v, layout)
                .iter()
                .map(|&x| U::from_f64(x.to_f64()))
                .collect()
        }
        fn to<U: Element>(s: &CpuStorage, layout: &Layout) -> Vec<U> {
            match s {
                CpuStorage::F32(v) => convert(v, layout),
                CpuStorage::I32(v) => convert(v, layout),
                CpuStorage::I64(v) => convert(v, layout),
                CpuStorage::Bool(v) => convert(v, layout),
            }
        }
        Ok(match dtype {
            DType::F32 => CpuStorage::F32(to(self, layout)),
            DType::I32 => CpuStorage::I32(to(self, layout)),
            DType::I64 => CpuStorage::I64(to(self, layout)),
            DType::Bool => CpuStorage::Bool(to(self, layout)),
        })
    }

    pub fn concat(parts: &[(&CpuStorage, &Layout)], axis: usize) -> Result<CpuStorage> {
        fn typed<'a, T: Element>(parts: &[(&'a CpuStorage, &Layout)]) -> Result<Vec<Cow<'a, [T]>>> {
            parts
                .iter()
                .map(|(s, l)| match T::slice(s) {
                    Some(v) => Ok(elements(v, l)),
                    None => bail!(DType, "concatenate: tensors have different dtypes"),
                })
                .collect()
        }
        let layouts: Vec<&Layout> = parts.iter().map(|(_, l)| *l).collect();
        Ok(match parts[0].0 {
            CpuStorage::F32(_) => CpuStorage::F32(index::concat(&typed(parts)?, &layouts, axis)),
            CpuStorage::I32(_) => CpuStorage::I32(index::concat(&typed(parts)?, &layouts, axis)),
            CpuStorage::I64(_) => CpuStorage::I64(index::concat(&typed(parts)?, &layouts, axis)),
            CpuStorage::Bool(_) => CpuStorage::Bool(index::concat(&typed(parts)?, &layouts, axis)),
        })
    }
}

/// The elements a layout selects, in row-major order: borrowed when they
/// are already one dense run, gathered otherwise.
pub(crate) fn elements<'a, T: Copy>(data: &'a [T], layout: &Layout) -> Cow<'a, [T]> {
    match layout.contiguous_range() {
        Some(range) => Cow::Borrowed(&data[range]),
        None => Cow::Owned(layout.offsets().map(|i| data[i]).collect()),
    }
}

/// The elements a layout selects, copied into a fresh buffer; dense runs
/// are copied in parallel into huge-page-backed memory.
fn owned_elements<T: Copy + Default + Send + Sync>(data: &[T], layout: &Layout) -> Vec<T> {
    use rayon::prelude::*;
    match layout.contiguous_range() {
        Some(range) if range.len() >= PARALLEL_THRESHOLD => {
            let copy = |out: &mut [std::mem::MaybeUninit<T>]| {
                out.par_chunks_mut(CHUNK)
                    .zip(data[range.clone()].par_chunks(CHUNK))
                    .for_each(|(d, s)| {
                        for (d, s) in d.iter_mut().zip(s) {
                            d.write(*s);
                        }
                    })
            };
            // SAFETY: the chunks of `out` pair with source chunks of the
            // same lengths, and each is copied in full.
            unsafe { alloc::written_buffer(range.len(), copy) }
        }
        _ => elements(data, layout).into_owned(),
    }
}

/// The elements of a float32 host tensor in row-major order, borrowed
/// when they already are.
pub(crate) fn host_f32(t: &Tensor) -> Result<Cow<'_, [f32]>> {
    crate::trace::host_read(t);
    match t.storage() {
        Storage::Cpu(cpu) => match f32::slice(cpu) {
            Some(data) => Ok(elements(data, t.layout())),
            None => Ok(Cow::Owned(t.to_vec::<f32>()?)),
        },
        _ => Ok(Cow::Owned(t.to_vec::<f32>()?)),
    }
}

/// The int64 index values of an index tensor (int32 or int64).
pub(crate) fn index_values<'a>(storage: &'a CpuStorage, layout: &Layout) -> Result<Cow<'a, [i64]>> {
    match storage {
        CpuStorage::I64(v) => Ok(elements(v, layout)),
        CpuStorage::I32(v) => Ok(Cow::Owned(
            elements(v, layout).iter().map(|&i| i as i64).collect(),
        )),
        other => bail!(
            DType,
            "indices must be int32 or int64, got {}",
            other.dtype()
        ),
    }
}

/// The elements of a float32 layout (borrowed when contiguous).
pub(crate) fn elements_of<'a>(data: &'a [f32], layout: &Layout) -> Cow<'a, [f32]> {
    elements(data, layout)
}

/// `dst += alpha * src`, in place.
pub(crate) fn axpy_in_place(dst: &mut [f32], src: &[f32], alpha: f32) {
    use rayon::prelude::*;
    let kernel = |(d, s): (&mut [f32], &[f32])| simd::accumulate(d, s, |a, x| a + alpha * x);
    if dst.len() < PARALLEL_THRESHOLD {
        kernel((dst, src));
    } else {
        dst.par_chunks_mut(CHUNK)
            .zip(src.par_chunks(CHUNK))
            .for_each(kernel);
    }
}
