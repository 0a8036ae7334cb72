//! Elementwise loops over a variable, its slots and its gradient, compiled
//! for several instruction sets and picked at run time (as `cpu::simd`).
//! The closures are the update rules; after inlining, the loops vectorize.

use multiversion::multiversion;

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn zip1<F: Fn(&mut f32, f32)>(w: &mut [f32], g: &[f32], f: F) {
    let n = w.len().min(g.len());
    for (w, &g) in w[..n].iter_mut().zip(&g[..n]) {
        f(w, g);
    }
}

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn zip2<F: Fn(&mut f32, &mut f32, f32)>(w: &mut [f32], a: &mut [f32], g: &[f32], f: F) {
    let n = w.len().min(a.len()).min(g.len());
    for ((w, a), &g) in w[..n].iter_mut().zip(&mut a[..n]).zip(&g[..n]) {
        f(w, a, g);
    }
}

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn zip3<F: Fn(&mut f32, &mut f32, &mut f32, f32)>(
    w: &mut [f32],
    a: &mut [f32],
    b: &mut [f32],
    g: &[f32],
    f: F,
) {
    let n = w.len().min(a.len()).min(b.len()).min(g.len());
    for (((w, a), b), &g) in w[..n]
        .iter_mut()
        .zip(&mut a[..n])
        .zip(&mut b[..n])
        .zip(&g[..n])
    {
        f(w, a, b, g);
    }
}

#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn zip4<F: Fn(&mut f32, &mut f32, &mut f32, &mut f32, f32)>(
    w: &mut [f32],
    a: &mut [f32],
    b: &mut [f32],
    c: &mut [f32],
    g: &[f32],
    f: F,
) {
    let n = w.len().min(a.len()).min(b.len()).min(c.len()).min(g.len());
    for ((((w, a), b), c), &g) in w[..n]
        .iter_mut()
        .zip(&mut a[..n])
        .zip(&mut b[..n])
        .zip(&mut c[..n])
        .zip(&g[..n])
    {
        f(w, a, b, c, g);
    }
}

/// Keras's `sign`: 0 for 0, NaN for NaN (unlike `f32::signum`).
#[inline(always)]
pub fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x
    }
}
