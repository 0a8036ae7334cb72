//! `dst += lhs @ rhs` for products with few rows and an `rhs` that stays
//! the same across many calls: a recurrence step multiplies its batch
//! block (tens of rows) by the same packed weights every time step. A
//! general GEMM repacks `rhs` on every call; here `rhs` is read as the
//! caller packed it once (row-major, contiguous), and each block of
//! `ROWS` x `COLS` outputs stays in registers for the whole reduction.

use multiversion::multiversion;

/// Output rows per register block: each `rhs` load feeds this many FMAs.
const ROWS: usize = 4;
/// Output columns per register block: two AVX-512 (four AVX2) registers
/// per row, so a 4x32 block holds 8 independent accumulator chains.
const COLS: usize = 32;

/// Row-major operands of `add_matmul`: `data[i * stride + j]` is element
/// `(i, j)`.
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    pub data: &'a [f32],
    pub stride: usize,
}

/// `dst (m, n) += lhs (m, k) @ rhs (k, n)`, with `dst` and `lhs` addressed
/// by their row strides and `rhs` contiguous and row-major.
///
/// # Panics
/// If an operand is shorter than its dimensions and strides require.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn add_matmul<'a>(
    dst: &mut [f32],
    dst_stride: usize,
    lhs: Rows<'a>,
    rhs: &[f32],
    (m, n, k): (usize, usize, usize),
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(dst_stride >= n && dst.len() >= (m - 1) * dst_stride + n);
    assert!(k == 0 || (lhs.stride >= k && lhs.data.len() >= (m - 1) * lhs.stride + k));
    assert!(rhs.len() >= k * n);
    let full_rows = m - m % ROWS;
    let full_cols = n - n % COLS;
    for c0 in (0..full_cols).step_by(COLS) {
        for r0 in (0..full_rows).step_by(ROWS) {
            block::<ROWS>(dst, dst_stride, lhs, rhs, (n, k), (r0, c0));
        }
        for r0 in full_rows..m {
            block::<1>(dst, dst_stride, lhs, rhs, (n, k), (r0, c0));
        }
    }
    if full_cols < n {
        for r in 0..m {
            let d = &mut dst[r * dst_stride + full_cols..r * dst_stride + n];
            for p in 0..k {
                let a = lhs.data[r * lhs.stride + p];
                for (x, &b) in d.iter_mut().zip(&rhs[p * n + full_cols..(p + 1) * n]) {
                    *x = a.mul_add(b, *x);
                }
            }
        }
    }
}

/// One `R x COLS` block of outputs at `(r0, c0)`, accumulated over all of
/// `k` in registers. Inlined into each instruction-set clone above, so
/// `mul_add` becomes an FMA instruction there (and a libm call only in
/// the portable fallback).
#[inline(always)]
fn block<const R: usize>(
    dst: &mut [f32],
    dst_stride: usize,
    lhs: Rows<'_>,
    rhs: &[f32],
    (n, k): (usize, usize),
    (r0, c0): (usize, usize),
) {
    let mut acc = [[0.0f32; COLS]; R];
    for (i, a) in acc.iter_mut().enumerate() {
        let at = (r0 + i) * dst_stride + c0;
        a.copy_from_slice(&dst[at..at + COLS]);
    }
    for p in 0..k {
        let b = &rhs[p * n + c0..p * n + c0 + COLS];
        for (i, a) in acc.iter_mut().enumerate() {
            let x = lhs.data[(r0 + i) * lhs.stride + p];
            for (v, &w) in a.iter_mut().zip(b) {
                *v = x.mul_add(w, *v);
            }
        }
    }
    for (i, a) in acc.iter().enumerate() {
        let at = (r0 + i) * dst_stride + c0;
        dst[at..at + COLS].copy_from_slice(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(
        dst: &mut [f32],
        ds: usize,
        lhs: &[f32],
        ls: usize,
        rhs: &[f32],
        (m, n, k): (usize, usize, usize),
    ) {
        for i in 0..m {
            for j in 0..n {
                let mut s = dst[i * ds + j] as f64;
                for p in 0..k {
                    s += lhs[i * ls + p] as f64 * rhs[p * n + j] as f64;
                }
                dst[i * ds + j] = s as f32;
            }
        }
    }

    fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| {
                ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn matches_a_naive_product_on_full_and_ragged_blocks() {
        // Full blocks only, ragged rows, ragged columns, both, and k = 0.
        for (m, n, k) in [
            (8, 64, 16),
            (7, 64, 5),
            (4, 45, 9),
            (33, 148, 37),
            (3, 3, 0),
            (1, 1, 1),
        ] {
            let (ds, ls) = (n + 3, k + 2);
            let lhs = values(m * ls, 1);
            let rhs = values(k * n, 2);
            let mut got = values(m * ds, 3);
            let mut want = got.clone();
            add_matmul(
                &mut got,
                ds,
                Rows {
                    data: &lhs,
                    stride: ls,
                },
                &rhs,
                (m, n, k),
            );
            naive(&mut want, ds, &lhs, ls, &rhs, (m, n, k));
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                    "{m}x{n}x{k}: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn leaves_elements_between_rows_alone() {
        let mut dst = vec![7.0f32; 2 * 40];
        add_matmul(
            &mut dst,
            40,
            Rows {
                data: &[1.0, 1.0],
                stride: 1,
            },
            &[1.0; 32],
            (2, 32, 1),
        );
        assert!(dst[..32].iter().all(|&v| v == 8.0) && dst[32..40].iter().all(|&v| v == 7.0));
        assert!(dst[40..72].iter().all(|&v| v == 8.0) && dst[72..].iter().all(|&v| v == 7.0));
    }
}
