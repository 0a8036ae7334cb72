//! `dst = lhs @ rhs` for products with few rows and an `rhs`
//! that stays the same across many calls: a recurrence step multiplies its
//! batch block (tens of rows) by the same weights every time step. A
//! general GEMM repacks `rhs` on every call; here the caller packs it once
//! (`PackedRhs`) into column strips, each block of outputs stays in
//! registers for the whole reduction, and the inner loop has no bounds
//! checks between its FMAs.

use std::mem::MaybeUninit;

use multiversion::multiversion;

use super::alloc::write_copy;

/// Output columns per register block and per packed strip: two AVX-512
/// registers per output row.
const COLS: usize = 32;

/// `rhs (k, n)` repacked for `matmul`: strip `s` holds columns
/// `s * COLS ..` as a contiguous `(k, COLS)` row-major block, the last
/// strip padded with zeros.
pub struct PackedRhs {
    k: usize,
    n: usize,
    strips: Vec<[f32; COLS]>,
}

impl PackedRhs {
    /// Packs the row-major `(k, n)` matrix `rhs`.
    ///
    /// # Panics
    /// If `rhs` is shorter than `k * n`.
    pub fn new(rhs: &[f32], (k, n): (usize, usize)) -> Self {
        assert!(rhs.len() >= k * n, "rhs shorter than {k} x {n}");
        Self::from_fn((k, n), |p, j| rhs[p * n + j])
    }

    /// Packs the transpose of the row-major `(n, k)` matrix `m`, i.e. the
    /// `(k, n)` right operand `m^T`.
    ///
    /// # Panics
    /// If `m` is shorter than `n * k`.
    pub fn transposed(m: &[f32], (k, n): (usize, usize)) -> Self {
        assert!(m.len() >= k * n, "matrix shorter than {n} x {k}");
        Self::from_fn((k, n), |p, j| m[j * k + p])
    }

    fn from_fn((k, n): (usize, usize), at: impl Fn(usize, usize) -> f32) -> Self {
        let mut strips = vec![[0.0; COLS]; n.div_ceil(COLS) * k];
        for (index, row) in strips.iter_mut().enumerate() {
            let (strip, p) = (index / k, index % k);
            let first = strip * COLS;
            for (c, v) in row.iter_mut().enumerate().take(n - first) {
                *v = at(p, first + c);
            }
        }
        Self { k, n, strips }
    }

    /// The strip holding columns `s * COLS ..`, one array per reduction
    /// index.
    fn strip(&self, s: usize) -> &[[f32; COLS]] {
        &self.strips[s * self.k..(s + 1) * self.k]
    }
}

/// Row-major operands of `matmul`: `data[i * stride + j]` is element
/// `(i, j)`.
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    pub data: &'a [f32],
    pub stride: usize,
}

/// `dst (m, n) = lhs (m, k) @ rhs (k, n)`, with `dst` and `lhs`
/// addressed by their row strides. `dst`'s old values are never read, and
/// elements between its rows are left alone.
///
/// # Panics
/// If `dst` or `lhs` is shorter than `m` rows of its stride require.
pub fn matmul(dst: &mut [f32], dst_stride: usize, lhs: Rows<'_>, rhs: &PackedRhs, m: usize) {
    // SAFETY: `MaybeUninit<f32>` has `f32`'s layout, and `matmul_uninit`
    // only ever writes initialized floats through it.
    let dst = unsafe { &mut *(dst as *mut [f32] as *mut [MaybeUninit<f32>]) };
    matmul_uninit(dst, dst_stride, lhs, rhs, m);
}

/// `matmul` into memory that need not be initialized: every element of
/// the `m x n` block is written (so a `dst` of exactly `m` rows of stride
/// `n` comes back fully initialized), and none is read.
///
/// # Panics
/// As `matmul`.
pub fn matmul_uninit(
    dst: &mut [MaybeUninit<f32>],
    dst_stride: usize,
    lhs: Rows<'_>,
    rhs: &PackedRhs,
    m: usize,
) {
    let (k, n) = (rhs.k, rhs.n);
    if m == 0 || n == 0 {
        return;
    }
    assert!(dst_stride >= n && dst.len() >= (m - 1) * dst_stride + n);
    assert!(k == 0 || (lhs.stride >= k && lhs.data.len() >= (m - 1) * lhs.stride + k));
    #[cfg(target_arch = "x86_64")]
    if k > 0 && std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F, checked just above, and the
        // operands hold the rows the asserts above require.
        return unsafe { avx512::matmul(dst, dst_stride, lhs, rhs, m) };
    }
    portable(dst, dst_stride, lhs, rhs, m);
}

/// `matmul` without hand-written intrinsics: with 16 vector registers
/// (AVX2, NEON) a block of 2 rows keeps its accumulators in registers.
#[multiversion(targets("x86_64+avx2+fma+avx", "aarch64+neon"))]
fn portable<'a>(
    dst: &mut [MaybeUninit<f32>],
    dst_stride: usize,
    lhs: Rows<'a>,
    rhs: &PackedRhs,
    m: usize,
) {
    blocks::<2>(dst, dst_stride, lhs, rhs, m);
}

/// `matmul` in blocks of `R` rows; a last partial block is computed with
/// zero rows (at full speed rather than one slow row at a time) and only
/// its real rows are written.
#[inline(always)]
fn blocks<const R: usize>(
    dst: &mut [MaybeUninit<f32>],
    dst_stride: usize,
    lhs: Rows<'_>,
    rhs: &PackedRhs,
    m: usize,
) {
    let (k, n) = (rhs.k, rhs.n);
    // `lhs` packed in blocks of `R` rows, each transposed so a reduction
    // index is one array; a column strip of `rhs` then stays in L1 while
    // every row block passes over it.
    let row_blocks = m.div_ceil(R);
    let mut packed_lhs = vec![[0.0f32; R]; row_blocks * k];
    for (r, row) in (0..m).map(|r| (r, &lhs.data[r * lhs.stride..][..k])) {
        let block = &mut packed_lhs[(r / R) * k..][..k];
        for (a, &x) in block.iter_mut().zip(row) {
            a[r % R] = x;
        }
    }
    let mut tile = Box::new([[0.0f32; COLS]; R]);
    for s in 0..n.div_ceil(COLS) {
        let c0 = s * COLS;
        for rb in 0..row_blocks {
            let r0 = rb * R;
            let block = Block {
                rows: R.min(m - r0),
                cols: COLS.min(n - c0),
                at: r0 * dst_stride + c0,
                stride: dst_stride,
            };
            product(&packed_lhs[rb * k..][..k], rhs.strip(s), &mut tile);
            block.copy_out(&tile, dst);
        }
    }
}

/// Where one `rows x cols` block of outputs lies in `dst`.
struct Block {
    rows: usize,
    cols: usize,
    at: usize,
    stride: usize,
}

impl Block {
    /// Copies the block's real rows and columns from `tile` to `dst`.
    #[inline(always)]
    fn copy_out<const R: usize>(&self, tile: &[[f32; COLS]; R], dst: &mut [MaybeUninit<f32>]) {
        for (i, a) in tile.iter().take(self.rows).enumerate() {
            let at = self.at + i * self.stride;
            write_copy(&mut dst[at..at + self.cols], &a[..self.cols]);
        }
    }
}

/// `out = lhs @ rhs` for one block, left to LLVM's vectorizer. The
/// accumulators are a local touched only at fixed indices, so LLVM keeps
/// them in registers; `out` lives on the heap, so the ragged copy-out
/// cannot merge with them and push them back to memory. Inlined into each
/// instruction-set clone of `portable`, `mul_add` becomes an FMA
/// instruction there (and a libm call only in the generic fallback).
#[inline(always)]
fn product<const R: usize>(lhs: &[[f32; R]], rhs: &[[f32; COLS]], out: &mut [[f32; COLS]; R]) {
    let mut acc = [[0.0f32; COLS]; R];
    for (a, b) in lhs.iter().zip(rhs) {
        for (acc_row, &x) in acc.iter_mut().zip(a) {
            for (v, &w) in acc_row.iter_mut().zip(b) {
                *v = x.mul_add(w, *v);
            }
        }
    }
    *out = acc;
}

/// The AVX-512 path: blocks of 8 rows by 32 columns are 16 accumulator
/// registers, enough independent FMA chains for two FMA ports, beside two
/// `rhs` loads and a broadcast, all in the 32 registers. `lhs` is read in
/// place (each row a sequential stream of broadcasts), so nothing is
/// packed per call, and full blocks are stored straight into `dst`.
/// Written with intrinsics because LLVM's vectorizer makes this shape
/// 3-10x slower depending on what it is inlined into.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{Block, MaybeUninit, PackedRhs, Rows, COLS};
    use std::arch::x86_64::{
        _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
    };

    const ROWS: usize = 8;

    /// # Safety
    /// The CPU must have AVX-512F; `k > 0`, and `dst` and `lhs` must hold
    /// the `m` rows their strides address (`matmul` asserts both).
    #[target_feature(enable = "avx512f")]
    pub unsafe fn matmul(
        dst: &mut [MaybeUninit<f32>],
        stride: usize,
        lhs: Rows<'_>,
        rhs: &PackedRhs,
        m: usize,
    ) {
        let mut tile = [[0.0f32; COLS]; ROWS];
        for s in 0..rhs.n.div_ceil(COLS) {
            let c0 = s * COLS;
            let cols = COLS.min(rhs.n - c0);
            for r0 in (0..m).step_by(ROWS) {
                let real = ROWS.min(m - r0);
                // A partial block repeats its last real row; those results
                // are dropped.
                let rows = std::array::from_fn(|i| {
                    let row = r0 + i.min(real - 1);
                    // SAFETY: row < m, so the row starts inside `lhs`.
                    unsafe { lhs.data.as_ptr().add(row * lhs.stride) }
                });
                if real == ROWS && cols == COLS {
                    let out = std::array::from_fn(|i| {
                        // SAFETY: rows r0.. r0 + 8 and columns c0 .. c0 + 32
                        // lie inside `dst`'s m x n block.
                        unsafe { dst.as_mut_ptr().add((r0 + i) * stride + c0).cast::<f32>() }
                    });
                    // SAFETY: each row holds k floats, each output 32.
                    unsafe { block(rows, rhs.strip(s), out) };
                } else {
                    let out = std::array::from_fn(|i| tile[i].as_mut_ptr());
                    // SAFETY: as above, with the tile's rows as outputs.
                    unsafe { block(rows, rhs.strip(s), out) };
                    let at = r0 * stride + c0;
                    Block {
                        rows: real,
                        cols,
                        at,
                        stride,
                    }
                    .copy_out(&tile, dst);
                }
            }
        }
    }

    /// `out[i] = rows[i] @ strip` for the 8 rows of one block.
    ///
    /// # Safety
    /// The CPU must have AVX-512F; every `rows[i]` must be readable for
    /// `strip.len()` floats and every `out[i]` writable for 32.
    #[target_feature(enable = "avx512f")]
    unsafe fn block(rows: [*const f32; ROWS], strip: &[[f32; COLS]], out: [*mut f32; ROWS]) {
        let mut acc = [[_mm512_setzero_ps(); 2]; ROWS];
        for (p, b) in strip.iter().enumerate() {
            // SAFETY: `b` holds 32 floats, two 16-lane loads.
            let (lo, hi) = unsafe {
                (
                    _mm512_loadu_ps(b.as_ptr()),
                    _mm512_loadu_ps(b[16..].as_ptr()),
                )
            };
            for (acc_row, row) in acc.iter_mut().zip(rows) {
                // SAFETY: p < strip.len(), which the row holds.
                let x = _mm512_set1_ps(unsafe { *row.add(p) });
                acc_row[0] = _mm512_fmadd_ps(x, lo, acc_row[0]);
                acc_row[1] = _mm512_fmadd_ps(x, hi, acc_row[1]);
            }
        }
        for (acc_row, o) in acc.iter().zip(out) {
            // SAFETY: `o` is writable for 32 floats, two 16-lane stores.
            unsafe {
                _mm512_storeu_ps(o, acc_row[0]);
                _mm512_storeu_ps(o.add(16), acc_row[1]);
            }
        }
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

    type Kernel = fn(&mut [MaybeUninit<f32>], usize, Rows, &PackedRhs, usize);

    /// Runs both kernels into a `dst` filled with NaN, so a read of the old
    /// values or a write between rows shows.
    fn check(
        lhs: &[f32],
        ls: usize,
        rhs: &[f32],
        packed: &PackedRhs,
        (m, n, k): (usize, usize, usize),
    ) {
        let ds = n + 3;
        let mut want = vec![0.0; m * ds];
        let lhs_rows = Rows {
            data: lhs,
            stride: ls,
        };
        naive(&mut want, ds, lhs, ls, rhs, (m, n, k));
        // The dispatched kernel (intrinsics on AVX-512 machines) and the
        // portable one, which CI's machine may never select.
        let paths: [Kernel; 2] = [matmul_uninit, portable];
        for path in paths {
            let mut got = vec![MaybeUninit::new(f32::NAN); m * ds];
            path(&mut got, ds, lhs_rows, packed, m);
            // SAFETY: every element started initialized (as NaN).
            let got: Vec<f32> = got.iter().map(|v| unsafe { v.assume_init() }).collect();
            compare(&got, &want, ds, (m, n, k));
        }
    }

    fn compare(got: &[f32], want: &[f32], ds: usize, (m, n, k): (usize, usize, usize)) {
        for i in 0..m {
            for j in 0..ds {
                let (g, w) = (got[i * ds + j], want[i * ds + j]);
                if j < n {
                    assert!(
                        (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                        "{m}x{n}x{k} ({i}, {j}): {g} vs {w}"
                    );
                } else {
                    assert!(g.is_nan(), "{m}x{n}x{k}: wrote ({i}, {j}) between rows");
                }
            }
        }
    }

    // Full blocks only, ragged rows, ragged columns, both, and k = 0.
    const CASES: [(usize, usize, usize); 8] = [
        (16, 64, 16),
        (12, 64, 16),
        (32, 256, 128),
        (7, 64, 5),
        (4, 45, 9),
        (33, 148, 37),
        (3, 3, 0),
        (1, 1, 1),
    ];

    #[test]
    fn matches_a_naive_product_on_full_and_ragged_blocks() {
        for (m, n, k) in CASES {
            let ls = k + 2;
            let lhs = values(m * ls, 1);
            let rhs = values(k * n, 2);
            check(&lhs, ls, &rhs, &PackedRhs::new(&rhs, (k, n)), (m, n, k));
        }
    }

    #[test]
    fn packs_a_transposed_operand() {
        for (m, n, k) in CASES {
            let lhs = values(m * k, 4);
            let m_t = values(n * k, 5);
            let rhs: Vec<f32> = (0..k * n).map(|i| m_t[(i % n) * k + i / n]).collect();
            check(
                &lhs,
                k,
                &rhs,
                &PackedRhs::transposed(&m_t, (k, n)),
                (m, n, k),
            );
        }
    }
}
