//! Recurrent layers' time loops (SimpleRNN, LSTM, GRU) in Rust: one call
//! runs the whole sequence and records ONE tape node, whose backward is a
//! hand-written backpropagation through time.
//!
//! The input projection `x @ kernel` of every step is one matmul; each
//! step adds `h @ recurrent_kernel` and applies its gates. The backward
//! walks the steps in reverse, collects the gradient of every step's
//! pre-activations, and turns them into the kernels' gradients with three
//! matmuls over all steps. Everything is written with device-generic ops,
//! so the GPU runs it too.
//!
//! Masking follows Keras: at a masked step the states carry over and the
//! output repeats the previous state (or is zero with
//! `zero_output_for_mask`).

mod activation;
mod cells;
mod fused;

pub use activation::Activation;

use crate::autograd::{record, without_recording};
use crate::ops::{
    cast, concatenate, expand_dims, flip, index_axis, matmul, matrix_transpose, reshape,
    slice_axis, stack, sum, transpose,
};
use crate::{bail, DType, Result, Tensor};
use cells::{Saved, StepInput};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Simple,
    Lstm,
    /// `reset_after`: the reset gate multiplies `h @ U + b` (Keras 3's
    /// default) rather than `h` before the matmul.
    Gru {
        reset_after: bool,
    },
}

impl CellKind {
    /// Gates per unit: the kernels have `gates * units` columns.
    pub fn gates(self) -> usize {
        match self {
            CellKind::Simple => 1,
            CellKind::Lstm => 4,
            CellKind::Gru { .. } => 3,
        }
    }

    pub fn states(self) -> usize {
        if self == CellKind::Lstm {
            2
        } else {
            1
        }
    }

    fn name(self) -> &'static str {
        match self {
            CellKind::Simple => "SimpleRNN",
            CellKind::Lstm => "LSTM",
            CellKind::Gru { .. } => "GRU",
        }
    }
}

/// What a recurrence computes, besides its tensors.
#[derive(Debug, Clone, Copy)]
pub struct Recurrence {
    pub kind: CellKind,
    pub activation: Activation,
    pub recurrent_activation: Activation,
    pub go_backwards: bool,
    pub zero_output_for_mask: bool,
}

/// The weights of a cell: `kernel (F, G*U)`, `recurrent_kernel (U, G*U)`
/// and an optional bias (`(G*U,)`, or `(2, 3U)` for a reset-after GRU).
pub struct CellWeights<'a> {
    pub kernel: &'a Tensor,
    pub recurrent_kernel: &'a Tensor,
    pub bias: Option<&'a Tensor>,
}

/// The output sequence `(B, T, U)` (in processing order, reversed under
/// `go_backwards` as Keras returns it) and the final states.
pub struct RecurrenceOutput {
    pub sequence: Tensor,
    pub states: Vec<Tensor>,
}

fn check(
    spec: &Recurrence,
    x: &Tensor,
    initial: &[Tensor],
    w: &CellWeights,
    mask: Option<&Tensor>,
) -> Result<(usize, usize, usize)> {
    let name = spec.kind.name();
    if x.rank() != 3 {
        bail!(
            Shape,
            "{name}: inputs must be (batch, timesteps, features), got shape {}",
            x.shape()
        );
    }
    let (b, t, f) = (x.dims()[0], x.dims()[1], x.dims()[2]);
    let g = spec.kind.gates();
    let u = w.recurrent_kernel.dims().first().copied().unwrap_or(0);
    if u == 0 {
        bail!(
            Shape,
            "{name}: the recurrent kernel must have at least one unit, got shape {}",
            w.recurrent_kernel.shape()
        );
    }
    if w.kernel.dims() != [f, g * u] || w.recurrent_kernel.dims() != [u, g * u] {
        bail!(
            Shape,
            "{name}: expected kernel ({f}, {}) and recurrent kernel ({u}, {}) for inputs of shape \
             {}, got {} and {}",
            g * u,
            g * u,
            x.shape(),
            w.kernel.shape(),
            w.recurrent_kernel.shape()
        );
    }
    if let Some(bias) = w.bias {
        let want: Vec<usize> = match spec.kind {
            CellKind::Gru { reset_after: true } => vec![2, g * u],
            _ => vec![g * u],
        };
        if bias.dims() != want {
            bail!(
                Shape,
                "{name}: expected a bias of shape {want:?}, got {}",
                bias.shape()
            );
        }
    }
    if initial.len() != spec.kind.states() || initial.iter().any(|s| s.dims() != [b, u]) {
        let shapes: Vec<String> = initial.iter().map(|s| s.shape().to_string()).collect();
        bail!(
            Shape,
            "{name}: expected {} initial state(s) of shape ({b}, {u}), got {shapes:?}",
            spec.kind.states()
        );
    }
    if let Some(m) = mask {
        if m.dims() != [b, t] {
            bail!(
                Shape,
                "{name}: the mask must have shape ({b}, {t}) for inputs of shape {}, got {}",
                x.shape(),
                m.shape()
            );
        }
    }
    if t == 0 {
        bail!(
            Shape,
            "{name}: inputs must have at least one timestep, got shape {}",
            x.shape()
        );
    }
    Ok((t, b, u))
}

/// Time-major `(T, B, ...)`, reversed in time under `go_backwards`.
fn time_major(x: &Tensor, go_backwards: bool) -> Result<Tensor> {
    let mut axes: Vec<isize> = vec![1, 0];
    axes.extend(2..x.rank() as isize);
    let t = transpose(x, Some(&axes))?;
    if go_backwards {
        flip(&t, 0)
    } else {
        Ok(t)
    }
}

/// Runs `spec` over `x (B, T, F)` from `initial` states.
pub fn recurrence(
    spec: &Recurrence,
    x: &Tensor,
    initial: &[Tensor],
    weights: &CellWeights,
    mask: Option<&Tensor>,
) -> Result<RecurrenceOutput> {
    let (t, b, u) = check(spec, x, initial, weights, mask)?;
    let x = cast(x, DType::F32)?;
    let (input_bias, recurrent_bias) = cells::split_bias(spec.kind, weights.bias, u)?;
    let inputs_and_states = {
        let mut v = vec![x.clone()];
        v.extend(initial.iter().cloned());
        v
    };
    let (packed, backward): (Tensor, Backward) = if fused::applies(spec, x.device(), mask.is_some())
    {
        let (packed, saved) = without_recording(|| {
            fused::forward(
                &x,
                weights.kernel,
                input_bias.as_ref(),
                (&initial[0], &initial[1]),
                weights.recurrent_kernel,
                spec.go_backwards,
            )
        })?;
        (packed, Backward::Fused(saved))
    } else {
        let Forward {
            sequence,
            saved,
            states,
            xs,
            masks,
        } = without_recording(|| {
            forward(
                spec,
                &x,
                initial,
                weights,
                mask,
                t,
                (input_bias, recurrent_bias),
            )
        })?;
        // One tensor holds everything the node outputs: the sequence,
        // then each final state as one more "step".
        let mut parts = vec![sequence];
        parts.extend(
            states
                .iter()
                .map(|s| expand_dims(s, 1))
                .collect::<Result<Vec<_>>>()?,
        );
        (concatenate(&parts, 1)?, Backward::Ops { saved, xs, masks })
    };
    let mut inputs: Vec<&Tensor> = inputs_and_states.iter().collect();
    inputs.push(weights.kernel);
    inputs.push(weights.recurrent_kernel);
    if let Some(bias) = weights.bias {
        inputs.push(bias);
    }
    record(&inputs, &packed, || {
        let spec = *spec;
        let kernel = weights.kernel.clone();
        let recurrent_kernel = weights.recurrent_kernel.clone();
        let has_bias = weights.bias.is_some();
        Box::new(move |g, _| {
            let grads = match &backward {
                Backward::Fused(saved) => fused::backward(saved, g)?,
                Backward::Ops { saved, xs, masks } => cells::backward(
                    &spec,
                    g,
                    saved,
                    xs,
                    masks.as_ref(),
                    (&kernel, &recurrent_kernel),
                    (t, b, u),
                )?,
            };
            let mut out = vec![Some(grads.inputs)];
            out.extend(grads.initial_states.into_iter().map(Some));
            out.push(Some(grads.kernel));
            out.push(Some(grads.recurrent_kernel));
            if has_bias {
                out.push(Some(grads.bias));
            }
            Ok(out)
        })
    });
    let sequence = slice_axis(&packed, 1, 0, t, 1)?;
    let states = (0..spec.kind.states())
        .map(|i| index_axis(&packed, 1, (t + i) as isize))
        .collect::<Result<Vec<_>>>()?;
    Ok(RecurrenceOutput { sequence, states })
}

/// What the single tape node's backward keeps.
enum Backward {
    Ops {
        saved: Vec<Saved>,
        xs: Tensor,
        masks: Option<Tensor>,
    },
    Fused(fused::FusedLstm),
}

/// Every step's input projection `x @ kernel (+ bias)` in one matmul:
/// `(N0, N1, F)` → `(N0, N1, G*U)`, for time- or batch-major `x`.
fn project(x: &Tensor, kernel: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let (n0, n1, f) = (x.dims()[0], x.dims()[1], x.dims()[2]);
    let mut projected = matmul(&reshape(x, &[n0 * n1, f])?, kernel)?;
    if let Some(bias) = bias {
        projected = crate::ops::add(&projected, bias)?;
    }
    reshape(&projected, &[n0, n1, kernel.dims()[1]])
}

/// The forward pass's results and what its backward keeps.
struct Forward {
    sequence: Tensor,
    saved: Vec<Saved>,
    states: Vec<Tensor>,
    /// The inputs, time-major.
    xs: Tensor,
    /// The mask, time-major `(T, B, 1)` floats.
    masks: Option<Tensor>,
}

fn forward(
    spec: &Recurrence,
    x: &Tensor,
    initial: &[Tensor],
    weights: &CellWeights,
    mask: Option<&Tensor>,
    t: usize,
    (input_bias, recurrent_bias): (Option<Tensor>, Option<Tensor>),
) -> Result<Forward> {
    let xs = time_major(x, spec.go_backwards)?.contiguous()?;
    let projected = project(&xs, weights.kernel, input_bias.as_ref())?;
    let masks = match mask {
        Some(m) => Some(
            expand_dims(&cast(&time_major(m, spec.go_backwards)?, DType::F32)?, -1)?
                .contiguous()?,
        ),
        None => None,
    };
    let mut states = initial.to_vec();
    let mut outputs = Vec::with_capacity(t);
    let mut saved = Vec::with_capacity(t);
    for step in 0..t {
        let input = StepInput {
            projected: index_axis(&projected, 0, step as isize)?,
            mask: masks
                .as_ref()
                .map(|m| index_axis(m, 0, step as isize))
                .transpose()?,
        };
        let (output, next, keep) = cells::forward_step(
            spec,
            weights.recurrent_kernel,
            recurrent_bias.as_ref(),
            &input,
            &states,
        )?;
        outputs.push(output);
        saved.push(keep);
        states = next;
    }
    let sequence = transpose(&stack(&outputs, 0)?, Some(&[1, 0, 2]))?;
    Ok(Forward {
        sequence,
        saved,
        states,
        xs,
        masks,
    })
}

/// Sums `(T, B, N)` over time and batch.
fn sum_steps(x: &Tensor) -> Result<Tensor> {
    sum(x, Some(&[0, 1]), false)
}

/// `a^T @ b` for time-major `(T, B, M)` and `(T, B, N)`: `(M, N)`.
fn outer_over_steps(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (t, n) = (a.dims()[0] * a.dims()[1], a.dims()[2]);
    let a = reshape(&a.contiguous()?, &[t, n])?;
    let b = reshape(&b.contiguous()?, &[t, b.dims()[2]])?;
    matmul(&matrix_transpose(&a)?, &b)
}
