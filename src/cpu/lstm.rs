//! The pointwise halves of an LSTM step on the host, fused: the gates'
//! activations, the cell update and their derivatives, one pass over the
//! batch each. The matmuls around them are GEMM calls (see
//! `ops::rnn::fused`).

use multiversion::multiversion;

use super::math::{sigmoid, tanh};

/// Adds `bias` `(4U,)` to the gates' pre-activations `z` `(B, 4U)` and
/// activates them in place (input, forget and output through a sigmoid,
/// the candidate through tanh), then updates the cell state `c` and writes
/// the output `h` `(B, U)`.
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn lstm_step_forward(z: &mut [f32], bias: &[f32], c: &mut [f32], h: &mut [f32], units: usize) {
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
#[multiversion(targets(
    "x86_64+avx512f+avx512bw+avx512vl+avx512dq+avx2+fma+avx",
    "x86_64+avx2+fma+avx",
    "aarch64+neon"
))]
pub fn lstm_step_backward(
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
