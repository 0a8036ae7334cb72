//! The host's fast path for the most common recurrence, a tanh/sigmoid
//! LSTM without a mask. Each step is one product `[x_t | h] @ [W; U]`
//! (the input projection and the recurrent term together, against weights
//! packed once per call) and one fused pointwise pass; the backward's step
//! is the pointwise derivative and one product with the transposed packed
//! weights, giving the inputs' and the previous state's gradients at once.
//! The weights' gradients are one GEMM per block and chunk of steps, run
//! while the chunk's gate gradients are still in cache.
//!
//! Batch rows never interact, so blocks of rows run on separate threads
//! from start to end, with no synchronisation between steps. Other cells,
//! masks and devices take the op-by-op path in `cells.rs`; both record the
//! same single tape node.

use std::mem::MaybeUninit;
use std::ops::Range;

use gemm::{gemm, Parallelism};
use rayon::prelude::*;

use super::cells::Grads;
use super::{Activation, CellKind, Recurrence};
use crate::cpu::alloc::{write_copy, written_buffer_with};
use crate::cpu::lstm::{lstm_step_backward, lstm_step_forward};
use crate::cpu::small_matmul::{matmul, matmul_uninit, PackedRhs, Rows};
use crate::cpu::{host_f32, prefetch};
use crate::ops::concatenate;
use crate::{Device, Result, Tensor};

/// What the backward of the fused LSTM keeps from the forward.
pub struct FusedLstm {
    parts: Vec<Part>,
    /// `[kernel; recurrent_kernel]` transposed, `(4U, F + U)`: `dz` times
    /// it is `[dx_t | dh_prev]`.
    weights_t: PackedRhs,
    go_backwards: bool,
    dims: Dims,
}

#[derive(Clone, Copy)]
struct Dims {
    steps: usize,
    features: usize,
    units: usize,
}

impl Dims {
    /// Columns of a step's product operand `[x_t | h]`.
    fn k(self) -> usize {
        self.features + self.units
    }

    /// Gate columns, `4U`.
    fn gates(self) -> usize {
        4 * self.units
    }
}

/// One block of batch rows, run on its own thread.
struct Part {
    rows: Range<usize>,
    /// Each step's product operand `[x_t | h_prev]`: `(T, rows, F + U)`.
    inputs: Vec<f32>,
    /// Activated gates per processing step, `(T, rows, 4U)`.
    gates: Vec<f32>,
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

/// Blocks of batch rows, one per thread, each big enough that its
/// products stay efficient.
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
fn split_rows<'a, T>(
    mut data: &'a mut [T],
    blocks: &[Range<usize>],
    width: usize,
) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(blocks.len());
    for rows in blocks {
        let (head, tail) = data.split_at_mut(rows.len() * width);
        out.push(head);
        data = tail;
    }
    out
}

/// A buffer of `n` floats whose blocks of rows `fill` writes in full
/// (each block's forward or backward writes every element of its rows),
/// so it is never zeroed first.
fn written_by_blocks<R>(
    n: usize,
    blocks: &[Range<usize>],
    width: usize,
    fill: impl FnOnce(Vec<&mut [MaybeUninit<f32>]>) -> R,
) -> (Vec<f32>, R) {
    // SAFETY: the blocks cover all `n` elements and `fill` writes each.
    unsafe { written_buffer_with(n, |spare| fill(split_rows(spare, blocks, width))) }
}

/// Whether the fused path computes `spec` on these operands.
pub fn applies(spec: &Recurrence, device: Device, masked: bool) -> bool {
    spec.kind == CellKind::Lstm
        && device == Device::Cpu
        && !masked
        && spec.activation == Activation::Tanh
        && spec.recurrent_activation == Activation::Sigmoid
}

/// Runs the LSTM over `x (B, T, F)`. Returns the packed output
/// `(B, T + 2, U)` (the sequence in processing order, then the final `h`
/// and `c`) and the state `backward` needs.
pub fn forward(
    x: &Tensor,
    kernel: &Tensor,
    bias: Option<&Tensor>,
    (h0, c0): (&Tensor, &Tensor),
    recurrent_kernel: &Tensor,
    go_backwards: bool,
) -> Result<(Tensor, FusedLstm)> {
    // Its backward needs host state that is not a tensor.
    crate::trace::untraceable("it runs the fused LSTM kernel");
    let (b, t, f) = (x.dims()[0], x.dims()[1], x.dims()[2]);
    let u = recurrent_kernel.dims()[0];
    let dims = Dims {
        steps: t,
        features: f,
        units: u,
    };
    // One operand for both products of a step: `[kernel; recurrent_kernel]`.
    let stacked = concatenate(&[kernel.clone(), recurrent_kernel.clone()], 0)?;
    let stacked = host_f32(&stacked)?;
    let weights = PackedRhs::new(&stacked, (dims.k(), dims.gates()));
    let bias = match bias {
        Some(bias) => bias.to_vec::<f32>()?,
        None => vec![0.0; dims.gates()],
    };
    let (x, h0, c0) = (host_f32(x)?, host_f32(h0)?, host_f32(c0)?);
    let blocks = row_blocks(b);
    let step = Step { dims, go_backwards };
    let (packed, parts) = written_by_blocks(b * (t + 2) * u, &blocks, (t + 2) * u, |outputs| {
        blocks
            .par_iter()
            .zip(outputs)
            .map(|(rows, out)| {
                let operands = StepOperands {
                    x: &x,
                    h0: &h0,
                    c0: &c0,
                    weights: &weights,
                    bias: &bias,
                };
                step.forward(rows.clone(), operands, out)
            })
            .collect::<Vec<Part>>()
    });
    let saved = FusedLstm {
        parts,
        weights_t: PackedRhs::transposed(&stacked, (dims.gates(), dims.k())),
        go_backwards,
        dims,
    };
    Ok((Tensor::from_vec(packed, [b, t + 2, u], Device::Cpu)?, saved))
}

/// What every block's forward reads.
struct StepOperands<'a> {
    x: &'a [f32],
    h0: &'a [f32],
    c0: &'a [f32],
    /// `[kernel; recurrent_kernel]`, `(F + U, 4U)`.
    weights: &'a PackedRhs,
    bias: &'a [f32],
}

/// The per-block time loops.
struct Step {
    dims: Dims,
    go_backwards: bool,
}

impl Step {
    /// Runs this block's rows through every step, writing their rows of
    /// the packed output `(rows, T + 2, U)`.
    fn forward(
        &self,
        rows: Range<usize>,
        op: StepOperands<'_>,
        packed: &mut [MaybeUninit<f32>],
    ) -> Part {
        let (t, f, u) = (self.dims.steps, self.dims.features, self.dims.units);
        let (k, g, n) = (self.dims.k(), self.dims.gates(), rows.len());
        let state = n * u;
        // `inputs` and `cells` are filled step by step (appending, so
        // nothing is zeroed first); each step's product overwrites its gates.
        let mut inputs = Vec::with_capacity(t * n * k);
        // Grown a step at a time, each step's product writing straight
        // into the spare capacity: nothing is zeroed first.
        let mut gates = Vec::with_capacity(t * n * g);
        let mut cells = Vec::with_capacity((t + 1) * state);
        cells.extend_from_slice(&op.c0[rows.start * u..rows.end * u]);
        let mut h = op.h0[rows.start * u..rows.end * u].to_vec();
        for s in 0..t {
            let time = input_time(self.go_backwards, t, s);
            // The lines the next step will fill (this one fills the first
            // `n * g` of the spare capacity), while this one computes.
            prefetch::for_write(gates.spare_capacity_mut(), n * g..2 * n * g);
            prefetch::for_write(inputs.spare_capacity_mut(), n * k..2 * n * k);
            for (i, h_row) in h.chunks_exact(u).enumerate() {
                let at = ((rows.start + i) * t + time) * f;
                inputs.extend_from_slice(&op.x[at..at + f]);
                inputs.extend_from_slice(h_row);
            }
            let lhs = Rows {
                data: &inputs[s * n * k..],
                stride: k,
            };
            matmul_uninit(
                &mut gates.spare_capacity_mut()[..n * g],
                g,
                lhs,
                op.weights,
                n,
            );
            // SAFETY: the product wrote all `n` rows of `g` gates.
            unsafe { gates.set_len((s + 1) * n * g) };
            let z = &mut gates[s * n * g..];
            cells.extend_from_within(s * state..(s + 1) * state);
            lstm_step_forward(z, op.bias, &mut cells[(s + 1) * state..], &mut h, u);
            for (i, h_row) in h.chunks_exact(u).enumerate() {
                write_copy(&mut packed[(i * (t + 2) + s) * u..], h_row);
            }
        }
        for (i, h_row) in h.chunks_exact(u).enumerate() {
            let at = (i * (t + 2) + t) * u;
            write_copy(&mut packed[at..], h_row);
            write_copy(&mut packed[at + u..], &cells[t * state + i * u..][..u]);
        }
        Part {
            rows,
            inputs,
            gates,
            cells,
        }
    }

    /// Backpropagates through this block's steps: fills its rows of the
    /// inputs' and initial states' gradients and returns its share of the
    /// gradients of `[kernel; recurrent_kernel]` and of the bias.
    fn backward(
        &self,
        part: &Part,
        grad: &[f32],
        weights_t: &PackedRhs,
        out: BlockGrads<'_>,
    ) -> (Vec<f32>, Vec<f32>) {
        let (t, f, u) = (self.dims.steps, self.dims.features, self.dims.units);
        let (k, g, n) = (self.dims.k(), self.dims.gates(), part.rows.len());
        let state = n * u;
        let packed_row = |i: usize, s: usize| {
            let at = ((part.rows.start + i) * (t + 2) + s) * u;
            &grad[at..at + u]
        };
        for i in 0..n {
            out.dh[i * u..(i + 1) * u].copy_from_slice(packed_row(i, t));
            out.dc[i * u..(i + 1) * u].copy_from_slice(packed_row(i, t + 1));
        }
        // The gates' gradients of `CHUNK` steps at a time, folded into the
        // weights' gradient by one GEMM per chunk while still in cache.
        let chunk_steps = CHUNK_STEPS.min(t).max(1);
        let mut dz = vec![0.0f32; chunk_steps * n * g];
        let mut d_weights = vec![0.0f32; k * g];
        let mut d_bias = vec![0.0f32; g];
        let mut dh_out = vec![0.0f32; state];
        let mut dxh = vec![0.0f32; n * k];
        for s in (0..t).rev() {
            let time = input_time(self.go_backwards, t, s);
            if s > 0 {
                // What the next (earlier) step reads, while this one runs.
                prefetch::for_read(&part.gates, (s - 1) * n * g..s * n * g);
                prefetch::for_read(&part.cells, (s - 1) * state..s * state);
            }
            for (i, d) in dh_out.chunks_exact_mut(u).enumerate() {
                let carried = &out.dh[i * u..(i + 1) * u];
                for ((d, &c), &o) in d.iter_mut().zip(carried).zip(packed_row(i, s)) {
                    *d = c + o;
                }
            }
            let first = s - s % chunk_steps;
            let dz_step = &mut dz[(s - first) * n * g..][..n * g];
            lstm_step_backward(
                &part.gates[s * n * g..(s + 1) * n * g],
                &part.cells[s * state..(s + 1) * state],
                &part.cells[(s + 1) * state..(s + 2) * state],
                &dh_out,
                out.dc,
                dz_step,
                u,
            );
            let lhs = Rows {
                data: dz_step,
                stride: g,
            };
            matmul(&mut dxh, k, lhs, weights_t, n);
            for (i, row) in dxh.chunks_exact(k).enumerate() {
                write_copy(&mut out.dx[(i * t + time) * f..], &row[..f]);
                out.dh[i * u..(i + 1) * u].copy_from_slice(&row[f..]);
            }
            if s == first {
                let steps = first..(first + chunk_steps).min(t);
                let rows = steps.len() * n;
                let inputs = &part.inputs[first * n * k..][..rows * k];
                accumulate_weight_grads(&mut d_weights, &mut d_bias, inputs, &dz[..rows * g], k);
            }
        }
        (d_weights, d_bias)
    }
}

/// Steps whose gates' gradients the backward keeps before folding them
/// into the weights' gradient: a GEMM over 20 x 32 rows is still
/// efficient, and 20 steps of a 32-row block's gradients (640 KiB at 64
/// units) stay in L2.
const CHUNK_STEPS: usize = 20;

/// `d_weights (K, 4U) += inputs^T @ dz` and `d_bias += column sums of
/// dz`, for `inputs (rows, K)` and `dz (rows, 4U)`, both row-major.
fn accumulate_weight_grads(
    d_weights: &mut [f32],
    d_bias: &mut [f32],
    inputs: &[f32],
    dz: &[f32],
    k: usize,
) {
    let g = d_bias.len();
    let rows = dz.len() / g;
    assert!(d_weights.len() == k * g && inputs.len() == rows * k && dz.len() == rows * g);
    // SAFETY: the asserts above: `d_weights` is (K, 4U) row-major, the
    // left operand `inputs` (rows, K) read transposed, the right `dz`
    // (rows, 4U).
    unsafe {
        gemm(
            k,
            g,
            rows,
            d_weights.as_mut_ptr(),
            1,
            g as isize,
            true,
            inputs.as_ptr(),
            k as isize,
            1,
            dz.as_ptr(),
            1,
            g as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
    for row in dz.chunks_exact(g) {
        for (d, &v) in d_bias.iter_mut().zip(row) {
            *d += v;
        }
    }
}

/// One block's rows of the backward's outputs.
struct BlockGrads<'a> {
    /// Written in full, every step's row of every batch row.
    dx: &'a mut [MaybeUninit<f32>],
    dh: &'a mut [f32],
    dc: &'a mut [f32],
}

/// Backpropagation through time. `grad` is the gradient of the packed
/// output `(B, T + 2, U)`: the sequence, then the final `h` and `c`.
pub fn backward(saved: &FusedLstm, grad: &Tensor) -> Result<Grads> {
    let dims = saved.dims;
    let (t, f, u) = (dims.steps, dims.features, dims.units);
    let g = dims.gates();
    let b = saved.parts.last().map_or(0, |p| p.rows.end);
    let grad = host_f32(grad)?;
    let blocks: Vec<Range<usize>> = saved.parts.iter().map(|p| p.rows.clone()).collect();
    let mut dh = vec![0.0f32; b * u];
    let mut dc = vec![0.0f32; b * u];
    let step = Step {
        dims,
        go_backwards: saved.go_backwards,
    };
    let (dx, shares) = written_by_blocks(b * t * f, &blocks, t * f, |dxs| {
        let outs: Vec<BlockGrads> = dxs
            .into_iter()
            .zip(split_rows(&mut dh, &blocks, u))
            .zip(split_rows(&mut dc, &blocks, u))
            .map(|((dx, dh), dc)| BlockGrads { dx, dh, dc })
            .collect();
        saved
            .parts
            .par_iter()
            .zip(outs)
            .map(|(part, out)| step.backward(part, &grad, &saved.weights_t, out))
            .collect::<Vec<(Vec<f32>, Vec<f32>)>>()
    });
    let mut d_weights = vec![0.0f32; dims.k() * g];
    let mut d_bias = vec![0.0f32; g];
    for (w, bias) in &shares {
        d_weights.iter_mut().zip(w).for_each(|(d, v)| *d += v);
        d_bias.iter_mut().zip(bias).for_each(|(d, v)| *d += v);
    }
    let d_recurrent = d_weights.split_off(f * g);
    Ok(Grads {
        inputs: Tensor::from_vec(dx, [b, t, f], Device::Cpu)?,
        initial_states: vec![
            Tensor::from_vec(dh, [b, u], Device::Cpu)?,
            Tensor::from_vec(dc, [b, u], Device::Cpu)?,
        ],
        kernel: Tensor::from_vec(d_weights, [f, g], Device::Cpu)?,
        recurrent_kernel: Tensor::from_vec(d_recurrent, [u, g], Device::Cpu)?,
        bias: Tensor::from_vec(d_bias, [g], Device::Cpu)?,
    })
}
