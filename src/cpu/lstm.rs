//! The pointwise halves of an LSTM step on the host, fused: the gates'
//! activations, the cell update and their derivatives, one pass over the
//! batch each. The matmuls around them are GEMM calls (see
//! `ops::rnn::fused`).
//!
//! On AVX-512 machines both passes run as intrinsics, all four gates of
//! 16 units at a time; elsewhere as loops LLVM vectorizes.

use multiversion::multiversion;

use super::math::{sigmoid, tanh};

/// Adds `bias` `(4U,)` to the gates' pre-activations `z` `(B, 4U)` and
/// activates them in place (input, forget and output through a sigmoid,
/// the candidate through tanh), then updates the cell state `c` and writes
/// the output `h` `(B, U)`.
///
/// # Panics
/// If `bias` is shorter than `4U`, or `c` and `h` than `z`'s rows need.
pub fn lstm_step_forward(z: &mut [f32], bias: &[f32], c: &mut [f32], h: &mut [f32], units: usize) {
    let rows = z.len() / (4 * units).max(1);
    assert!(bias.len() >= 4 * units && c.len() >= rows * units && h.len() >= rows * units);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F; the slices hold what the assert
        // above requires.
        return unsafe { avx512::step_forward(z, bias, c, h, units) };
    }
    portable_forward(z, bias, c, h, units);
}

#[multiversion(targets("x86_64+avx2+fma+avx", "aarch64+neon"))]
fn portable_forward(z: &mut [f32], bias: &[f32], c: &mut [f32], h: &mut [f32], units: usize) {
    let u = units;
    let bias = &bias[..4 * u];
    for ((zr, cr), hr) in z
        .chunks_exact_mut(4 * u)
        .zip(c.chunks_exact_mut(u))
        .zip(h.chunks_exact_mut(u))
    {
        for (v, &b) in zr.iter_mut().zip(bias) {
            *v += b;
        }
        // Activate each gate as one contiguous run (these loops vectorize;
        // one loop over all four streams did not).
        let (ifg, zo) = zr.split_at_mut(3 * u);
        let (zif, zg) = ifg.split_at_mut(2 * u);
        for v in zif.iter_mut() {
            *v = sigmoid(*v);
        }
        for v in zo.iter_mut() {
            *v = sigmoid(*v);
        }
        for v in zg.iter_mut() {
            *v = tanh(*v);
        }
        let (zi, zf) = zif.split_at(u);
        for j in 0..u {
            cr[j] = zf[j] * cr[j] + zi[j] * zg[j];
        }
        for j in 0..u {
            hr[j] = zo[j] * tanh(cr[j]);
        }
    }
}

/// The gradient of one step's pre-activations `dz` `(B, 4U)` from the
/// activated `gates`, the cell states before and after, the gradient `dh`
/// reaching the output, and `dc` reaching the new cell state, which is
/// replaced by the gradient reaching the previous one.
///
/// # Panics
/// If any operand is shorter than `dz`'s rows need.
pub fn lstm_step_backward(
    gates: &[f32],
    c_prev: &[f32],
    c: &[f32],
    dh: &[f32],
    dc: &mut [f32],
    dz: &mut [f32],
    units: usize,
) {
    let rows = dz.len() / (4 * units).max(1);
    let state = rows * units;
    assert!(gates.len() >= 4 * state && c_prev.len() >= state && c.len() >= state);
    assert!(dh.len() >= state && dc.len() >= state);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F; the slices hold what the asserts
        // above require.
        return unsafe { avx512::step_backward(gates, c_prev, c, dh, dc, dz, units) };
    }
    portable_backward(gates, c_prev, c, dh, dc, dz, units);
}

#[multiversion(targets("x86_64+avx2+fma+avx", "aarch64+neon"))]
fn portable_backward(
    gates: &[f32],
    c_prev: &[f32],
    c: &[f32],
    dh: &[f32],
    dc: &mut [f32],
    dz: &mut [f32],
    units: usize,
) {
    let u = units;
    let rows = gates
        .chunks_exact(4 * u)
        .zip(dz.chunks_exact_mut(4 * u))
        .zip(c_prev.chunks_exact(u).zip(c.chunks_exact(u)))
        .zip(dh.chunks_exact(u).zip(dc.chunks_exact_mut(u)));
    for (((gr, dzr), (cpr, cr)), (dhr, dcr)) in rows {
        let (gi, rest) = gr.split_at(u);
        let (gf, rest) = rest.split_at(u);
        let (gg, go) = rest.split_at(u);
        let (di, rest) = dzr.split_at_mut(u);
        let (df, rest) = rest.split_at_mut(u);
        let (dg, d_o) = rest.split_at_mut(u);
        for j in 0..u {
            let (i, f, g, o) = (gi[j], gf[j], gg[j], go[j]);
            let tc = tanh(cr[j]);
            let dct = dcr[j] + dhr[j] * o * (1.0 - tc * tc);
            d_o[j] = dhr[j] * tc * o * (1.0 - o);
            di[j] = dct * g * i * (1.0 - i);
            df[j] = dct * cpr[j] * f * (1.0 - f);
            dg[j] = dct * i * (1.0 - g * g);
            dcr[j] = dct * f;
        }
    }
}

/// Both passes for 16 units of every gate at a time; a last partial group
/// of units is masked, so any `U` takes this path.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512, __mmask16, _mm512_add_ps, _mm512_fmadd_ps, _mm512_fnmadd_ps, _mm512_mask_storeu_ps,
        _mm512_maskz_loadu_ps, _mm512_mul_ps, _mm512_set1_ps,
    };

    use crate::cpu::avx512_math::{sigmoid, tanh};

    const LANES: usize = 16;

    /// Lanes `j ..` of `u` that exist.
    fn mask(u: usize, j: usize) -> __mmask16 {
        if u - j >= LANES {
            !0
        } else {
            (1 << (u - j)) - 1
        }
    }

    /// # Safety
    /// AVX-512F; `at + popcount(mask) <= s.len()` for the lanes read.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load(s: &[f32], at: usize, m: __mmask16) -> __m512 {
        // SAFETY: masked-off lanes are not read; the caller bounds the rest.
        unsafe { _mm512_maskz_loadu_ps(m, s.as_ptr().add(at)) }
    }

    /// # Safety
    /// As `load`, for writes.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store(s: &mut [f32], at: usize, m: __mmask16, v: __m512) {
        // SAFETY: masked-off lanes are not written; the caller bounds the rest.
        unsafe { _mm512_mask_storeu_ps(s.as_mut_ptr().add(at), m, v) }
    }

    /// `1 - x * x`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn one_minus_square(x: __m512) -> __m512 {
        _mm512_fnmadd_ps(x, x, _mm512_set1_ps(1.0))
    }

    /// `x * (1 - x)`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn times_complement(x: __m512) -> __m512 {
        _mm512_fnmadd_ps(x, x, x)
    }

    /// # Safety
    /// AVX-512F; the slices as `super::lstm_step_forward` asserts.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn step_forward(
        z: &mut [f32],
        bias: &[f32],
        c: &mut [f32],
        h: &mut [f32],
        u: usize,
    ) {
        let rows = z
            .chunks_exact_mut(4 * u)
            .zip(c.chunks_exact_mut(u))
            .zip(h.chunks_exact_mut(u));
        for ((zr, cr), hr) in rows {
            for j in (0..u).step_by(LANES) {
                let m = mask(u, j);
                // SAFETY: gate `q`'s lanes `j ..` lie in `q * u .. (q + 1) * u`
                // of the row and of `bias`, the state's in `cr` and `hr`.
                unsafe {
                    let pre =
                        |q: usize| _mm512_add_ps(load(zr, q * u + j, m), load(bias, q * u + j, m));
                    let (i, f, g, o) = (
                        sigmoid(pre(0)),
                        sigmoid(pre(1)),
                        tanh(pre(2)),
                        sigmoid(pre(3)),
                    );
                    for (q, gate) in [i, f, g, o].into_iter().enumerate() {
                        store(zr, q * u + j, m, gate);
                    }
                    let cell = _mm512_fmadd_ps(f, load(cr, j, m), _mm512_mul_ps(i, g));
                    store(cr, j, m, cell);
                    store(hr, j, m, _mm512_mul_ps(o, tanh(cell)));
                }
            }
        }
    }

    /// # Safety
    /// AVX-512F; the slices as `super::lstm_step_backward` asserts.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn step_backward(
        gates: &[f32],
        c_prev: &[f32],
        c: &[f32],
        dh: &[f32],
        dc: &mut [f32],
        dz: &mut [f32],
        u: usize,
    ) {
        for (r, dzr) in dz.chunks_exact_mut(4 * u).enumerate() {
            let (gr, s) = (&gates[r * 4 * u..(r + 1) * 4 * u], r * u);
            for j in (0..u).step_by(LANES) {
                let m = mask(u, j);
                // SAFETY: as in `step_forward`, with row `r` of each state.
                unsafe {
                    let gate = |q: usize| load(gr, q * u + j, m);
                    let (i, f, g, o) = (gate(0), gate(1), gate(2), gate(3));
                    let dh = load(dh, s + j, m);
                    let tc = tanh(load(c, s + j, m));
                    let dh_o = _mm512_mul_ps(dh, o);
                    let dct = _mm512_fmadd_ps(dh_o, one_minus_square(tc), load(dc, s + j, m));
                    let d_o = _mm512_mul_ps(_mm512_mul_ps(dh, tc), times_complement(o));
                    let di = _mm512_mul_ps(_mm512_mul_ps(dct, g), times_complement(i));
                    let df = _mm512_mul_ps(
                        _mm512_mul_ps(dct, load(c_prev, s + j, m)),
                        times_complement(f),
                    );
                    let dg = _mm512_mul_ps(_mm512_mul_ps(dct, i), one_minus_square(g));
                    for (q, d) in [di, df, dg, d_o].into_iter().enumerate() {
                        store(dzr, q * u + j, m, d);
                    }
                    store(dc, s + j, m, _mm512_mul_ps(dct, f));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: u32, scale: f32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let v = (i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 2001;
                (v as f32 / 1000.0 - 1.0) * scale
            })
            .collect()
    }

    fn close(a: &[f32], b: &[f32], what: &str) {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= 1e-6 * (1.0 + y.abs()),
                "{what}[{i}]: {x} vs {y}"
            );
        }
    }

    /// The dispatched passes (intrinsics on AVX-512 machines) against the
    /// portable ones, for whole and partial groups of 16 units and
    /// pre-activations far into both saturated ends.
    #[test]
    fn dispatched_passes_match_the_portable_ones() {
        for (rows, u) in [(3, 16), (2, 64), (4, 5), (3, 37)] {
            let g = 4 * u;
            let z = values(rows * g, 1, 30.0);
            let bias = values(g, 2, 1.0);
            let c0 = values(rows * u, 3, 2.0);
            let (mut za, mut zb) = (z.clone(), z);
            let (mut ca, mut cb) = (c0.clone(), c0.clone());
            let (mut ha, mut hb) = (vec![0.0; rows * u], vec![0.0; rows * u]);
            lstm_step_forward(&mut za, &bias, &mut ca, &mut ha, u);
            portable_forward(&mut zb, &bias, &mut cb, &mut hb, u);
            close(&za, &zb, "gates");
            close(&ca, &cb, "c");
            close(&ha, &hb, "h");

            let dh = values(rows * u, 4, 1.0);
            let dc0 = values(rows * u, 5, 1.0);
            let (mut dca, mut dcb) = (dc0.clone(), dc0);
            let (mut dza, mut dzb) = (vec![0.0; rows * g], vec![0.0; rows * g]);
            lstm_step_backward(&za, &c0, &ca, &dh, &mut dca, &mut dza, u);
            portable_backward(&za, &c0, &ca, &dh, &mut dcb, &mut dzb, u);
            close(&dza, &dzb, "dz");
            close(&dca, &dcb, "dc");
        }
    }
}
