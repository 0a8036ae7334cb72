//! The host's fast path for the most common recurrence, a tanh/sigmoid
//! LSTM without a mask: each step is one GEMM (`h @ U` added onto the
//! step's input projection) and one fused pointwise pass, forward and
//! backward, over plain buffers. Inputs, outputs and their gradients stay
//! batch-major, so no sequence is ever transposed. Other cells, masks and
//! devices take the op-by-op path in `cells.rs`; both record the same
//! single tape node.

use std::ops::Range;

use gemm::{gemm, Parallelism};
use rayon::prelude::*;

use super::cells::Grads;
use super::{Activation, CellKind, Recurrence};
use crate::cpu::lstm::{lstm_step_backward, lstm_step_forward};
use crate::ops::{matmul, matrix_transpose, reshape, sum};
use crate::{Device, Result, Tensor};

/// What the backward of the fused LSTM keeps from the forward: per block
/// of batch rows (run on its own thread; rows never interact), its gates
/// and states.
pub struct FusedLstm {
    parts: Vec<Part>,
    recurrent_kernel: Vec<f32>,
    go_backwards: bool,
    dims: (usize, usize, usize),
}

struct Part {
    rows: Range<usize>,
    /// Activated gates per processing step, `(T, rows, 4U)`.
    gates: Vec<f32>,
    /// `h` before each step and after the last: `(T + 1, rows, U)`.
    hidden: Vec<f32>,
    /// `c` before each step and after the last: `(T + 1, rows, U)`.
    cells: Vec<f32>,
}

/// The input step read at processing step `s`.
fn input_time(go_backwards: bool, t: usize, s: usize) -> usize {
    if go_backwards {
        t - 1 - s
    } else {
        s
    }
}

/// Blocks of batch rows, one per thread, each big enough that its GEMMs
/// stay efficient.
fn row_blocks(b: usize) -> Vec<Range<usize>> {
    const MIN_ROWS: usize = 16;
    if b == 0 {
        return Vec::new();
    }
    let parts = rayon::current_num_threads().min(b / MIN_ROWS).max(1);
    let per = b.div_ceil(parts);
    (0..b).step_by(per).map(|r| r..(r + per).min(b)).collect()
}

/// Splits `data` into consecutive chunks of `rows.len() * width` elements.
fn split_rows<'a>(
    mut data: &'a mut [f32],
    blocks: &[Range<usize>],
    width: usize,
) -> Vec<&'a mut [f32]> {
    let mut out = Vec::with_capacity(blocks.len());
    for rows in blocks {
        let (head, tail) = data.split_at_mut(rows.len() * width);
        out.push(head);
        data = tail;
    }
    out
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
    let (b, t) = (x.dims()[0], x.dims()[1]);
    let u = recurrent_kernel.dims()[0];
    // Every step's input projection at once, batch-major: (B, T, 4U).
    let projected = super::project(x, kernel, bias)?.to_vec::<f32>()?;
    let recurrent = recurrent_kernel.to_vec::<f32>()?;
    let (h0, c0) = (h0.to_vec::<f32>()?, c0.to_vec::<f32>()?);
    let blocks = row_blocks(b);
    let mut sequence = vec![0.0f32; b * t * u];
    let outputs = split_rows(&mut sequence, &blocks, t * u);
    let parts: Vec<Part> = blocks
        .par_iter()
        .zip(outputs)
        .map(|(rows, out)| {
            let step = Step {
                t,
                u,
                go_backwards,
                recurrent: &recurrent,
            };
            step.forward(rows.clone(), &projected, (&h0, &c0), out)
        })
        .collect();
    let mut h = Vec::with_capacity(b * u);
    let mut c = Vec::with_capacity(b * u);
    for part in &parts {
        let last = t * part.rows.len() * u;
        h.extend_from_slice(&part.hidden[last..]);
        c.extend_from_slice(&part.cells[last..]);
    }
    let saved = FusedLstm {
        parts,
        recurrent_kernel: recurrent,
        go_backwards,
        dims: (t, b, u),
    };
    Ok((
        Tensor::from_vec(sequence, [b, t, u], Device::Cpu)?,
        Tensor::from_vec(h, [b, u], Device::Cpu)?,
        Tensor::from_vec(c, [b, u], Device::Cpu)?,
        saved,
    ))
}

/// The per-block time loops.
struct Step<'a> {
    t: usize,
    u: usize,
    go_backwards: bool,
    recurrent: &'a [f32],
}

impl Step<'_> {
    fn forward(
        &self,
        rows: Range<usize>,
        projected: &[f32],
        (h0, c0): (&[f32], &[f32]),
        sequence: &mut [f32],
    ) -> Part {
        let (t, u) = (self.t, self.u);
        let (n, row) = (rows.len(), 4 * u);
        let state = n * u;
        let mut part = Part {
            gates: vec![0.0; t * n * row],
            hidden: vec![0.0; (t + 1) * state],
            cells: vec![0.0; (t + 1) * state],
            rows: rows.clone(),
        };
        part.hidden[..state].copy_from_slice(&h0[rows.start * u..rows.end * u]);
        part.cells[..state].copy_from_slice(&c0[rows.start * u..rows.end * u]);
        for s in 0..t {
            let time = input_time(self.go_backwards, t, s);
            let z = &mut part.gates[s * n * row..(s + 1) * n * row];
            for (i, zr) in z.chunks_exact_mut(row).enumerate() {
                let at = ((rows.start + i) * t + time) * row;
                zr.copy_from_slice(&projected[at..at + row]);
            }
            let (before, after) = part.hidden.split_at_mut((s + 1) * state);
            let h_prev = &before[s * state..];
            small_gemm(
                z,
                true,
                h_prev,
                self.recurrent,
                (n, row, u),
                (row as isize, 1),
            );
            let (c_before, c_after) = part.cells.split_at_mut((s + 1) * state);
            let c = &mut c_after[..state];
            c.copy_from_slice(&c_before[s * state..]);
            let h = &mut after[..state];
            lstm_step_forward(z, c, h, u);
            for (i, hr) in h.chunks_exact(u).enumerate() {
                sequence[(i * t + s) * u..(i * t + s + 1) * u].copy_from_slice(hr);
            }
        }
        part
    }

    /// Fills this block's rows of `dz (rows, T, 4U)` and `h_prev
    /// (rows, T, U)`, batch-major in input time, and of the initial
    /// states' gradients.
    fn backward(&self, part: &Part, g: &[f32], out: BlockGrads<'_>) {
        let (t, u) = (self.t, self.u);
        let (n, row) = (part.rows.len(), 4 * u);
        let state = n * u;
        let packed_row = |i: usize, s: usize| {
            let at = ((part.rows.start + i) * (t + 2) + s) * u;
            &g[at..at + u]
        };
        for i in 0..n {
            out.dh[i * u..(i + 1) * u].copy_from_slice(packed_row(i, t));
            out.dc[i * u..(i + 1) * u].copy_from_slice(packed_row(i, t + 1));
        }
        let mut dh_out = vec![0.0f32; state];
        let mut dz_step = vec![0.0f32; n * row];
        for s in (0..t).rev() {
            let time = input_time(self.go_backwards, t, s);
            for i in 0..n {
                let from_output = packed_row(i, s);
                let dst = &mut dh_out[i * u..(i + 1) * u];
                for ((d, &carried), &o) in dst.iter_mut().zip(&out.dh[i * u..]).zip(from_output) {
                    *d = carried + o;
                }
            }
            lstm_step_backward(
                &part.gates[s * n * row..(s + 1) * n * row],
                &part.cells[s * state..(s + 1) * state],
                &part.cells[(s + 1) * state..(s + 2) * state],
                &dh_out,
                out.dc,
                &mut dz_step,
                u,
            );
            // dh_prev = dz @ U^T, reading U (U, 4U) with swapped strides.
            small_gemm(
                out.dh,
                false,
                &dz_step,
                self.recurrent,
                (n, u, row),
                (1, row as isize),
            );
            for i in 0..n {
                let at = i * t + time;
                out.dz[at * row..(at + 1) * row].copy_from_slice(&dz_step[i * row..(i + 1) * row]);
                out.h_prev[at * u..(at + 1) * u]
                    .copy_from_slice(&part.hidden[s * state + i * u..s * state + (i + 1) * u]);
            }
        }
    }
}

/// One block's share of the backward's outputs.
struct BlockGrads<'a> {
    dz: &'a mut [f32],
    h_prev: &'a mut [f32],
    dh: &'a mut [f32],
    dc: &'a mut [f32],
}

/// Backpropagation through time. `g` is the gradient of the packed output
/// `(B, T + 2, U)`: the sequence, then the final `h` and `c`.
pub fn backward(saved: &FusedLstm, g: &Tensor, x: &Tensor, kernel: &Tensor) -> Result<Grads> {
    let (t, b, u) = saved.dims;
    let (row, f) = (4 * u, x.dims()[2]);
    let g = g.to_vec::<f32>()?;
    let blocks: Vec<Range<usize>> = saved.parts.iter().map(|p| p.rows.clone()).collect();
    let mut dz = vec![0.0f32; b * t * row];
    let mut h_prev = vec![0.0f32; b * t * u];
    let mut dh = vec![0.0f32; b * u];
    let mut dc = vec![0.0f32; b * u];
    let step = Step {
        t,
        u,
        go_backwards: saved.go_backwards,
        recurrent: &saved.recurrent_kernel,
    };
    let outs = split_rows(&mut dz, &blocks, t * row)
        .into_iter()
        .zip(split_rows(&mut h_prev, &blocks, t * u))
        .zip(
            split_rows(&mut dh, &blocks, u)
                .into_iter()
                .zip(split_rows(&mut dc, &blocks, u)),
        )
        .map(|((dz, h_prev), (dh, dc))| BlockGrads { dz, h_prev, dh, dc });
    saved
        .parts
        .par_iter()
        .zip(outs.collect::<Vec<_>>())
        .for_each(|(part, out)| step.backward(part, &g, out));
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
