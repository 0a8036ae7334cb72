//! The inner loops of elementwise and reduction kernels, compiled for
//! several instruction sets and picked at run time, so one portable wheel
//! uses AVX-512 where the CPU has it. `map` and `zip_map` write fresh
//! (uninitialized) output buffers.

use std::mem::MaybeUninit;

use multiversion::multiversion;

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn map<T: Copy, U: Copy, F: Fn(T) -> U>(src: &[T], dst: &mut [MaybeUninit<U>], f: F) {
    for (d, &s) in dst.iter_mut().zip(src) {
        d.write(f(s));
    }
}

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn zip_map<T: Copy, U: Copy, F: Fn(T, T) -> U>(
    a: &[T],
    b: &[T],
    dst: &mut [MaybeUninit<U>],
    f: F,
) {
    for ((d, &x), &y) in dst.iter_mut().zip(a).zip(b) {
        d.write(f(x, y));
    }
}

/// Lanes of partial results: a plain `acc += x` loop cannot be vectorized
/// (float addition is not associative), independent lanes can.
const LANES: usize = 16;

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn fold<F: Fn(f32, f32) -> f32>(src: &[f32], init: f32, f: F) -> f32 {
    let mut lanes = [init; LANES];
    let mut chunks = src.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (l, &x) in lanes.iter_mut().zip(chunk) {
            *l = f(*l, x);
        }
    }
    let mut acc = init;
    for &x in chunks.remainder() {
        acc = f(acc, x);
    }
    for l in lanes {
        acc = f(acc, l);
    }
    acc
}

/// `acc[i] = f(acc[i], row[i])`: accumulates one row into another.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn accumulate<F: Fn(f32, f32) -> f32>(acc: &mut [f32], row: &[f32], f: F) {
    for (a, &x) in acc.iter_mut().zip(row) {
        *a = f(*a, x);
    }
}

/// One tap of a running per-channel first maximum: a channel takes the
/// tap's value and records `tap` where it is the first (`at` still
/// `u32::MAX`), greater, or NaN over a number. Branch-free selects on
/// 32-bit lanes, so it vectorizes.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn first_max_step(values: &[f32], tap: u32, best: &mut [f32], at: &mut [u32]) {
    for ((&v, b), a) in values.iter().zip(best.iter_mut()).zip(at.iter_mut()) {
        let take = (*a == u32::MAX) | (v > *b) | (v.is_nan() & !b.is_nan());
        *b = if take { v } else { *b };
        *a = if take { tap } else { *a };
    }
}
