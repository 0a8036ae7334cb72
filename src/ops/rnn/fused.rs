//! The host's fast path for the most common recurrence, a tanh/sigmoid
//! LSTM without a mask: each step is one GEMM (`h @ U` added onto the
//! step's input projection) and one fused pointwise pass, forward and
//! backward, over plain buffers. Inputs, outputs and their gradients stay
//! batch-major, so no sequence is ever transposed. Other cells, masks and
//! devices take the op-by-op path in `cells.rs`; both record the same
//! single tape node.

use gemm::{gemm, Parallelism};

use super::cells::Grads;
use super::{Activation, CellKind, Recurrence};
use crate::cpu::lstm::{lstm_step_backward, lstm_step_forward};
use crate::ops::{add, matmul, matrix_transpose, reshape, sum};
use crate::{Device, Result, Tensor};

/// What the backward of the fused LSTM keeps from the forward.
pub struct FusedLstm {
    /// Activated gates per processing step, `(T, B, 4U)`.
    gates: Vec<f32>,
    /// `h` before each step and after the last: `(T + 1, B, U)`.
    hidden: Vec<f32>,
    /// `c` before each step and after the last: `(T + 1, B, U)`.
    cells: Vec<f32>,
    recurrent_kernel: Vec<f32>,
    go_backwards: bool,
    dims: (usize, usize, usize),
}

impl FusedLstm {
    /// The input step read at processing step `s`.
    fn time(&self, s: usize) -> usize {
        if self.go_backwards {
            self.dims.0 - 1 - s
        } else {
            s
        }
    }
}

/// Whether the fused path computes `spec` on these operands.
pub fn applies(spec: &Recurrence, device: Device, masked: bool) -> bool {
    spec.kind == CellKind::Lstm
        && device == Device::Cpu
        && !masked
        && spec.activation == Activation::Tanh
        && spec.recurrent_activation == Activation::Sigmoid
}

/// `dst (m, n) = [dst +] lhs (m, k) @ rhs`, `dst` and `lhs` row-major and
/// `rhs` addressed by the given (row, column) strides.
fn small_gemm(
    dst: &mut [f32],
    accumulate: bool,
    lhs: &[f32],
    rhs: &[f32],
    (m, n, k): (usize, usize, usize),
    (rhs_rs, rhs_cs): (isize, isize),
) {
    assert!(dst.len() >= m * n && lhs.len() >= m * k && rhs.len() >= n * k);
    // SAFETY: `dst` holds m*n and `lhs` m*k row-major elements (checked);
    // callers pass the strides of a k*n view of the (U, 4U) recurrent
    // kernel or of its transpose, which stay inside `rhs`.
    unsafe {
        gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.as_ptr(),
            1,
            k as isize,
            rhs.as_ptr(),
            rhs_cs,
            rhs_rs,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

/// Runs the LSTM over `x (B, T, F)`: returns the outputs `(B, T, U)` in
/// processing order, the final `h` and `c`, and the state `backward` needs.
pub fn forward(
    x: &Tensor,
    kernel: &Tensor,
    bias: Option<&Tensor>,
    (h0, c0): (&Tensor, &Tensor),
    recurrent_kernel: &Tensor,
    go_backwards: bool,
) -> Result<(Tensor, Tensor, Tensor, FusedLstm)> {
    let (b, t, f) = (x.dims()[0], x.dims()[1], x.dims()[2]);
    let u = recurrent_kernel.dims()[0];
    // Every step's input projection at once: (B*T, 4U), batch-major.
    let mut projected = matmul(&reshape(x, &[b * t, f])?, kernel)?;
    if let Some(bias) = bias {
        projected = add(&projected, bias)?;
    }
    let projected = projected.to_vec::<f32>()?;
    let recurrent = recurrent_kernel.to_vec::<f32>()?;
    let (row, state) = (4 * u, b * u);
    let mut saved = FusedLstm {
        gates: vec![0.0; t * b * row],
        hidden: vec![0.0; (t + 1) * state],
        cells: vec![0.0; (t + 1) * state],
        recurrent_kernel: recurrent,
        go_backwards,
        dims: (t, b, u),
    };
    saved.hidden[..state].copy_from_slice(&h0.to_vec::<f32>()?);
    saved.cells[..state].copy_from_slice(&c0.to_vec::<f32>()?);
    let mut sequence = vec![0.0f32; b * t * u];
    for s in 0..t {
        let time = saved.time(s);
        let z = &mut saved.gates[s * b * row..(s + 1) * b * row];
        for (bi, zr) in z.chunks_exact_mut(row).enumerate() {
            let at = (bi * t + time) * row;
            zr.copy_from_slice(&projected[at..at + row]);
        }
        let (before, after) = saved.hidden.split_at_mut((s + 1) * state);
        small_gemm(
            z,
            true,
            &before[s * state..],
            &saved.recurrent_kernel,
            (b, row, u),
            (row as isize, 1),
        );
        let (c_before, c_after) = saved.cells.split_at_mut((s + 1) * state);
        let c = &mut c_after[..state];
        c.copy_from_slice(&c_before[s * state..]);
        let h = &mut after[..state];
        lstm_step_forward(z, c, h, u);
        for (bi, hr) in h.chunks_exact(u).enumerate() {
            sequence[(bi * t + s) * u..(bi * t + s + 1) * u].copy_from_slice(hr);
        }
    }
    let last = |v: &[f32]| Tensor::from_vec(v[t * state..].to_vec(), [b, u], Device::Cpu);
    let (h, c) = (last(&saved.hidden)?, last(&saved.cells)?);
    let sequence = Tensor::from_vec(sequence, [b, t, u], Device::Cpu)?;
    Ok((sequence, h, c, saved))
}

/// Backpropagation through time. `g` is the gradient of the packed output
/// `(B, T + 2, U)`: the sequence, then the final `h` and `c`.
pub fn backward(saved: &FusedLstm, g: &Tensor, x: &Tensor, kernel: &Tensor) -> Result<Grads> {
    let (t, b, u) = saved.dims;
    let (row, state, f) = (4 * u, b * u, x.dims()[2]);
    let g = g.to_vec::<f32>()?;
    let packed_row = |bi: usize, s: usize| &g[(bi * (t + 2) + s) * u..(bi * (t + 2) + s + 1) * u];
    let gather =
        |s: usize| -> Vec<f32> { (0..b).flat_map(|bi| packed_row(bi, s).to_vec()).collect() };
    let mut dh = gather(t);
    let mut dc = gather(t + 1);
    // Step gradients and the states before each step, batch-major in input
    // time, so the weight gradients are plain matmuls over (B*T, .).
    let mut dz = vec![0.0f32; b * t * row];
    let mut h_prev = vec![0.0f32; b * t * u];
    let mut dh_out = vec![0.0f32; state];
    let mut dz_step = vec![0.0f32; b * row];
    for s in (0..t).rev() {
        let time = saved.time(s);
        for bi in 0..b {
            let out = packed_row(bi, s);
            for j in 0..u {
                dh_out[bi * u + j] = dh[bi * u + j] + out[j];
            }
        }
        lstm_step_backward(
            &saved.gates[s * b * row..(s + 1) * b * row],
            &saved.cells[s * state..(s + 1) * state],
            &saved.cells[(s + 1) * state..(s + 2) * state],
            &dh_out,
            &mut dc,
            &mut dz_step,
            u,
        );
        // dh_prev = dz @ U^T, reading U (U, 4U) with swapped strides.
        small_gemm(
            &mut dh,
            false,
            &dz_step,
            &saved.recurrent_kernel,
            (b, u, row),
            (1, row as isize),
        );
        for bi in 0..b {
            let at = bi * t + time;
            dz[at * row..(at + 1) * row].copy_from_slice(&dz_step[bi * row..(bi + 1) * row]);
            h_prev[at * u..(at + 1) * u]
                .copy_from_slice(&saved.hidden[s * state + bi * u..s * state + (bi + 1) * u]);
        }
    }
    let dz = Tensor::from_vec(dz, [b * t, row], Device::Cpu)?;
    let h_prev = Tensor::from_vec(h_prev, [b * t, u], Device::Cpu)?;
    let xs = reshape(x, &[b * t, f])?;
    Ok(Grads {
        inputs: reshape(&matmul(&dz, &matrix_transpose(kernel)?)?, &[b, t, f])?,
        initial_states: vec![
            Tensor::from_vec(dh, [b, u], Device::Cpu)?,
            Tensor::from_vec(dc, [b, u], Device::Cpu)?,
        ],
        kernel: matmul(&matrix_transpose(&xs)?, &dz)?,
        recurrent_kernel: matmul(&matrix_transpose(&h_prev)?, &dz)?,
        bias: sum(&dz, Some(&[0]), false)?,
    })
}
