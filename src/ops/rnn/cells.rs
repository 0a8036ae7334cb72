//! One step of each cell forward, and the reverse walk over all steps.

use super::{outer_over_steps, sum_steps, CellKind, Recurrence};
use crate::ops::{
    add, concatenate, index_axis, matmul, matrix_transpose, multiply, rsub_scalar, slice_axis,
    stack, subtract,
};
use crate::{Result, Tensor};

/// One step's share of the input projection `x_t @ kernel (+ bias)`, and
/// its mask `(B, 1)` as 0/1 floats.
pub struct StepInput {
    pub projected: Tensor,
    pub mask: Option<Tensor>,
}

/// What the backward needs from one forward step.
pub struct Saved {
    /// Pre-activations `(B, G*U)`.
    z: Tensor,
    h_prev: Tensor,
    cell: CellSaved,
}

/// What one kind of cell keeps besides `z` and `h_prev`.
enum CellSaved {
    Simple,
    /// The cell state before and after the step.
    Lstm {
        c_prev: Tensor,
        c_new: Tensor,
    },
    /// `h @ U_h + b_h` (reset after) or `r * h_prev` (reset before).
    Gru {
        reset_input: Tensor,
    },
}

/// `(input bias, recurrent bias)`: a reset-after GRU has both (rows of a
/// `(2, 3U)` bias), other cells only the first.
pub fn split_bias(
    kind: CellKind,
    bias: Option<&Tensor>,
    _units: usize,
) -> Result<(Option<Tensor>, Option<Tensor>)> {
    match (kind, bias) {
        (_, None) => Ok((None, None)),
        (CellKind::Gru { reset_after: true }, Some(b)) => {
            Ok((Some(index_axis(b, 0, 0)?), Some(index_axis(b, 0, 1)?)))
        }
        (_, Some(b)) => Ok((Some(b.clone()), None)),
    }
}

/// Columns `[i * u, (i + 1) * u)` of a `(B, G*U)` tensor.
fn gate(x: &Tensor, i: usize, u: usize) -> Result<Tensor> {
    slice_axis(x, 1, i * u, u, 1)
}

/// `prev + m * (new - prev)`: the new value where the step is kept.
fn keep_where(mask: Option<&Tensor>, new: &Tensor, prev: &Tensor) -> Result<Tensor> {
    match mask {
        None => Ok(new.clone()),
        Some(m) => add(prev, &multiply(m, &subtract(new, prev)?)?),
    }
}

/// Runs one step: `(output, next states, saved)`.
pub fn forward_step(
    spec: &Recurrence,
    recurrent_kernel: &Tensor,
    recurrent_bias: Option<&Tensor>,
    input: &StepInput,
    states: &[Tensor],
) -> Result<(Tensor, Vec<Tensor>, Saved)> {
    let (act, rec) = (spec.activation, spec.recurrent_activation);
    let h_prev = &states[0];
    let u = h_prev.dims()[1];
    let mask = input.mask.as_ref();
    let (h_new, c_new, saved) = match spec.kind {
        CellKind::Simple => {
            let z = add(&input.projected, &matmul(h_prev, recurrent_kernel)?)?;
            let h = act.apply(&z)?;
            (
                h,
                None,
                Saved {
                    z,
                    h_prev: h_prev.clone(),
                    cell: CellSaved::Simple,
                },
            )
        }
        CellKind::Lstm => {
            let c_prev = &states[1];
            let z = add(&input.projected, &matmul(h_prev, recurrent_kernel)?)?;
            let i = rec.apply(&gate(&z, 0, u)?)?;
            let f = rec.apply(&gate(&z, 1, u)?)?;
            let g = act.apply(&gate(&z, 2, u)?)?;
            let o = rec.apply(&gate(&z, 3, u)?)?;
            let c = add(&multiply(&f, c_prev)?, &multiply(&i, &g)?)?;
            let h = multiply(&o, &act.apply(&c)?)?;
            let saved = Saved {
                z,
                h_prev: h_prev.clone(),
                cell: CellSaved::Lstm {
                    c_prev: c_prev.clone(),
                    c_new: c.clone(),
                },
            };
            (h, Some(c), saved)
        }
        CellKind::Gru { reset_after } => {
            let x = &input.projected;
            let (h, z, reset_input) = if reset_after {
                let mut inner = matmul(h_prev, recurrent_kernel)?;
                if let Some(b) = recurrent_bias {
                    inner = add(&inner, b)?;
                }
                let zr = add(
                    &slice_axis(x, 1, 0, 2 * u, 1)?,
                    &slice_axis(&inner, 1, 0, 2 * u, 1)?,
                )?;
                let r = rec.apply(&gate(&zr, 1, u)?)?;
                let inner_h = gate(&inner, 2, u)?;
                let ah = add(&gate(x, 2, u)?, &multiply(&r, &inner_h)?)?;
                (
                    gru_blend(&zr, &ah, h_prev, spec)?,
                    concatenate(&[zr, ah], 1)?,
                    inner_h,
                )
            } else {
                let u_zr = slice_axis(recurrent_kernel, 1, 0, 2 * u, 1)?;
                let u_h = slice_axis(recurrent_kernel, 1, 2 * u, u, 1)?;
                let zr = add(&slice_axis(x, 1, 0, 2 * u, 1)?, &matmul(h_prev, &u_zr)?)?;
                let r = rec.apply(&gate(&zr, 1, u)?)?;
                let rh = multiply(&r, h_prev)?;
                let ah = add(&gate(x, 2, u)?, &matmul(&rh, &u_h)?)?;
                (
                    gru_blend(&zr, &ah, h_prev, spec)?,
                    concatenate(&[zr, ah], 1)?,
                    rh,
                )
            };
            let saved = Saved {
                z,
                h_prev: h_prev.clone(),
                cell: CellSaved::Gru { reset_input },
            };
            (h, None, saved)
        }
    };
    let h = keep_where(mask, &h_new, h_prev)?;
    let output = match (mask, spec.zero_output_for_mask) {
        (Some(m), true) => multiply(m, &h_new)?,
        _ => h.clone(),
    };
    let mut next = vec![h];
    if let Some(c) = c_new {
        next.push(keep_where(mask, &c, &states[1])?);
    }
    Ok((output, next, saved))
}

/// `z * h_prev + (1 - z) * act(ah)`, with `z` the first gate of `zr`.
fn gru_blend(zr: &Tensor, ah: &Tensor, h_prev: &Tensor, spec: &Recurrence) -> Result<Tensor> {
    let u = h_prev.dims()[1];
    let z = spec.recurrent_activation.apply(&gate(zr, 0, u)?)?;
    let hh = spec.activation.apply(ah)?;
    add(&hh, &multiply(&z, &subtract(h_prev, &hh)?)?)
}

/// Gradients of a whole recurrence.
pub struct Grads {
    /// `(B, T, F)`, as the inputs came.
    pub inputs: Tensor,
    pub initial_states: Vec<Tensor>,
    pub kernel: Tensor,
    pub recurrent_kernel: Tensor,
    pub bias: Tensor,
}

/// Backpropagation through time. `g` is the gradient of the packed output
/// `(B, T + states, U)`.
pub fn backward(
    spec: &Recurrence,
    g: &Tensor,
    saved: &[Saved],
    xs: &Tensor,
    masks: Option<&Tensor>,
    (kernel, recurrent_kernel): (&Tensor, &Tensor),
    (t, _b, u): (usize, usize, usize),
) -> Result<Grads> {
    let (act, rec) = (spec.activation, spec.recurrent_activation);
    let mut dh = index_axis(g, 1, t as isize)?;
    // The cell state's gradient; only an LSTM has (and returns) one.
    let is_lstm = spec.kind == CellKind::Lstm;
    let mut dc = if is_lstm {
        index_axis(g, 1, t as isize + 1)?
    } else {
        dh.clone()
    };
    let u_t = matrix_transpose(recurrent_kernel)?;
    // Per step: the gradient of the input projection, and of the part of
    // the recurrent matmul the kernel's gradient comes from.
    let mut d_projected = Vec::with_capacity(t);
    let mut d_recurrent = Vec::with_capacity(t);
    for step in (0..t).rev() {
        let s = &saved[step];
        let d_out = index_axis(g, 1, step as isize)?;
        let mask = masks.map(|m| index_axis(m, 0, step as isize)).transpose()?;
        // Split the state's and output's gradients between the step's new
        // values and the carried-over previous ones.
        let (to_new, mut carried) = match &mask {
            None => (add(&dh, &d_out)?, None),
            Some(m) => {
                let kept_out = if spec.zero_output_for_mask {
                    d_out.clone()
                } else {
                    add(&dh, &d_out)?
                };
                let to_new = if spec.zero_output_for_mask {
                    multiply(m, &add(&dh, &d_out)?)?
                } else {
                    multiply(m, &kept_out)?
                };
                let skipped = rsub_scalar(1.0, m)?;
                let carried = if spec.zero_output_for_mask {
                    dh.clone()
                } else {
                    kept_out
                };
                (to_new, Some(multiply(&skipped, &carried)?))
            }
        };
        let (dz, dh_prev) = match &s.cell {
            CellSaved::Simple => {
                let h = act.apply(&s.z)?;
                let dz = multiply(&to_new, &act.derivative(&s.z, &h)?)?;
                let dh_prev = matmul(&dz, &u_t)?;
                d_recurrent.push(dz.clone());
                (dz, dh_prev)
            }
            CellSaved::Lstm { c_prev, c_new } => {
                let zi = gate(&s.z, 0, u)?;
                let zf = gate(&s.z, 1, u)?;
                let zg = gate(&s.z, 2, u)?;
                let zo = gate(&s.z, 3, u)?;
                let (i, f, gg, o) = (
                    rec.apply(&zi)?,
                    rec.apply(&zf)?,
                    act.apply(&zg)?,
                    rec.apply(&zo)?,
                );
                let tc = act.apply(c_new)?;
                let dc_state = dc.clone();
                let dc_new = match &mask {
                    None => dc_state.clone(),
                    Some(m) => multiply(m, &dc_state)?,
                };
                let dc_total = add(
                    &dc_new,
                    &multiply(&multiply(&to_new, &o)?, &act.derivative(c_new, &tc)?)?,
                )?;
                let d_o = multiply(&multiply(&to_new, &tc)?, &rec.derivative(&zo, &o)?)?;
                let d_i = multiply(&multiply(&dc_total, &gg)?, &rec.derivative(&zi, &i)?)?;
                let d_f = multiply(&multiply(&dc_total, c_prev)?, &rec.derivative(&zf, &f)?)?;
                let d_g = multiply(&multiply(&dc_total, &i)?, &act.derivative(&zg, &gg)?)?;
                let mut dc_prev = multiply(&dc_total, &f)?;
                if let Some(m) = &mask {
                    dc_prev = add(&dc_prev, &multiply(&rsub_scalar(1.0, m)?, &dc_state)?)?;
                }
                dc = dc_prev;
                let dz = concatenate(&[d_i, d_f, d_g, d_o], 1)?;
                let dh_prev = matmul(&dz, &u_t)?;
                d_recurrent.push(dz.clone());
                (dz, dh_prev)
            }
            CellSaved::Gru { reset_input } => {
                let reset_after = spec.kind == CellKind::Gru { reset_after: true };
                let zr = slice_axis(&s.z, 1, 0, 2 * u, 1)?;
                let ah = gate(&s.z, 2, u)?;
                let (zz, zrr) = (gate(&zr, 0, u)?, gate(&zr, 1, u)?);
                let (z, r, hh) = (rec.apply(&zz)?, rec.apply(&zrr)?, act.apply(&ah)?);
                let d_z = multiply(
                    &multiply(&to_new, &subtract(&s.h_prev, &hh)?)?,
                    &rec.derivative(&zz, &z)?,
                )?;
                let d_ah = multiply(
                    &multiply(&to_new, &rsub_scalar(1.0, &z)?)?,
                    &act.derivative(&ah, &hh)?,
                )?;
                let mut dh_prev = multiply(&to_new, &z)?;
                let dz = if reset_after {
                    // ah = x_h + r * (h @ U_h + b_h)
                    let d_r = multiply(&multiply(&d_ah, reset_input)?, &rec.derivative(&zrr, &r)?)?;
                    let d_inner =
                        concatenate(&[d_z.clone(), d_r.clone(), multiply(&d_ah, &r)?], 1)?;
                    dh_prev = add(&dh_prev, &matmul(&d_inner, &u_t)?)?;
                    d_recurrent.push(d_inner);
                    concatenate(&[d_z, d_r, d_ah], 1)?
                } else {
                    // ah = x_h + (r * h) @ U_h
                    let u_zr_t = slice_axis(&u_t, 0, 0, 2 * u, 1)?;
                    let u_h_t = slice_axis(&u_t, 0, 2 * u, u, 1)?;
                    let d_rh = matmul(&d_ah, &u_h_t)?;
                    let d_r = multiply(&multiply(&d_rh, &s.h_prev)?, &rec.derivative(&zrr, &r)?)?;
                    let d_zr = concatenate(&[d_z.clone(), d_r.clone()], 1)?;
                    dh_prev = add(
                        &dh_prev,
                        &add(&matmul(&d_zr, &u_zr_t)?, &multiply(&d_rh, &r)?)?,
                    )?;
                    d_recurrent.push(concatenate(&[d_zr, d_ah.clone()], 1)?);
                    concatenate(&[d_z, d_r, d_ah], 1)?
                };
                (dz, dh_prev)
            }
        };
        d_projected.push(dz);
        if let Some(c) = carried.take() {
            dh = add(&dh_prev, &c)?;
        } else {
            dh = dh_prev;
        }
    }
    d_projected.reverse();
    d_recurrent.reverse();
    let d_projected = stack(&d_projected, 0)?;
    let d_recurrent = stack(&d_recurrent, 0)?;
    let h_prevs = stack(
        &saved.iter().map(|s| s.h_prev.clone()).collect::<Vec<_>>(),
        0,
    )?;
    let recurrent_kernel_grad = match spec.kind {
        CellKind::Gru { reset_after: false } => {
            let rh = stack(
                &saved
                    .iter()
                    .filter_map(|s| match &s.cell {
                        CellSaved::Gru { reset_input } => Some(reset_input.clone()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
                0,
            )?;
            concatenate(
                &[
                    outer_over_steps(&h_prevs, &slice_axis(&d_recurrent, 2, 0, 2 * u, 1)?)?,
                    outer_over_steps(&rh, &slice_axis(&d_recurrent, 2, 2 * u, u, 1)?)?,
                ],
                1,
            )?
        }
        _ => outer_over_steps(&h_prevs, &d_recurrent)?,
    };
    let bias = match spec.kind {
        CellKind::Gru { reset_after: true } => {
            stack(&[sum_steps(&d_projected)?, sum_steps(&d_recurrent)?], 0)?
        }
        _ => sum_steps(&d_projected)?,
    };
    let (tt, bb, gu) = (
        d_projected.dims()[0],
        d_projected.dims()[1],
        d_projected.dims()[2],
    );
    let flat = crate::ops::reshape(&d_projected, &[tt * bb, gu])?;
    let inputs = crate::ops::reshape(
        &matmul(&flat, &matrix_transpose(kernel)?)?,
        &[tt, bb, kernel.dims()[0]],
    )?;
    // Back to the caller's (B, T, F) in input order.
    let inputs = if spec.go_backwards {
        crate::ops::flip(&inputs, 0)?
    } else {
        inputs
    };
    let inputs = crate::ops::transpose(&inputs, Some(&[1, 0, 2]))?;
    let mut initial_states = vec![dh];
    if is_lstm {
        initial_states.push(dc);
    }
    Ok(Grads {
        inputs,
        initial_states,
        kernel: outer_over_steps(xs, &d_projected)?,
        recurrent_kernel: recurrent_kernel_grad,
        bias,
    })
}
