//! Row kernels for softmax and sparse categorical cross-entropy over the
//! last axis: one pass per row instead of the five to ten ops (and as many
//! buffers) the composed forms take. A classifier's head is a few columns
//! wide, so at training batch sizes these ops are all overhead.

use super::math::{exp, log};

/// The shift that keeps `exp` in range: the row's maximum, or 0 when that
/// is not finite (as `ops::finite_max` gives the composed form).
fn finite_row_max(row: &[f32]) -> f32 {
    let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if m.is_finite() {
        m
    } else {
        0.0
    }
}

/// `softmax` of each row of `width` elements.
pub fn softmax_rows(x: &[f32], width: usize) -> Vec<f32> {
    let mut y = vec![0.0; x.len()];
    for (row, out) in x.chunks_exact(width).zip(y.chunks_exact_mut(width)) {
        let m = finite_row_max(row);
        let mut total = 0.0;
        for (o, &v) in out.iter_mut().zip(row) {
            *o = exp(v - m);
            total += *o;
        }
        out.iter_mut().for_each(|o| *o /= total);
    }
    y
}

/// The softmax's input gradient from its output `y` and output gradient
/// `g`: `y * (g - sum(g * y))` per row.
pub fn softmax_rows_backward(y: &[f32], g: &[f32], width: usize) -> Vec<f32> {
    let mut dx = vec![0.0; y.len()];
    let rows = y.chunks_exact(width).zip(g.chunks_exact(width));
    for ((y, g), out) in rows.zip(dx.chunks_exact_mut(width)) {
        let dot: f32 = y.iter().zip(g).map(|(y, g)| y * g).sum();
        for ((o, &y), &g) in out.iter_mut().zip(y).zip(g) {
            *o = y * (g - dot);
        }
    }
    dx
}

/// How a cross-entropy row reads its scores.
#[derive(Clone, Copy, Debug)]
pub enum Scores {
    /// Unnormalised log-probabilities.
    Logits,
    /// Probabilities, renormalised per row and clipped to
    /// `[epsilon, 1 - epsilon]` before the log, as Keras does.
    Probabilities { epsilon: f32 },
}

/// The class a label picks, or `None` when it is out of range (its one-hot
/// row is all zeros, so its loss and gradient are zero).
fn class_of(label: i64, width: usize) -> Option<usize> {
    usize::try_from(label).ok().filter(|&c| c < width)
}

/// Per-row loss `-log p[label]`.
pub fn sparse_cross_entropy_rows(
    labels: &[i64],
    x: &[f32],
    width: usize,
    scores: Scores,
) -> Vec<f32> {
    let rows = x.chunks_exact(width).zip(labels);
    rows.map(|(row, &label)| {
        let Some(c) = class_of(label, width) else {
            return 0.0;
        };
        match scores {
            Scores::Logits => {
                let m = finite_row_max(row);
                let total: f32 = row.iter().map(|&v| exp(v - m)).sum();
                log(total) - (row[c] - m)
            }
            Scores::Probabilities { epsilon } => {
                let total: f32 = row.iter().sum();
                -log((row[c] / total).clamp(epsilon, 1.0 - epsilon))
            }
        }
    })
    .collect()
}

/// The gradient of [`sparse_cross_entropy_rows`] with respect to `x`, given
/// each row's output gradient `g`. Logits: `g * (softmax - onehot)`.
/// Probabilities, with `S` the row sum and `p = x[label] / S`:
/// `g * (p - onehot) / (p * S)` where `p` is inside the clipping range
/// (ends included, as the composed `clip`'s gradient passes there), else 0.
pub fn sparse_cross_entropy_rows_backward(
    labels: &[i64],
    x: &[f32],
    g: &[f32],
    width: usize,
    scores: Scores,
) -> Vec<f32> {
    let mut dx = vec![0.0; x.len()];
    let rows = x.chunks_exact(width).zip(labels).zip(g);
    for (((row, &label), &g), out) in rows.zip(dx.chunks_exact_mut(width)) {
        let Some(c) = class_of(label, width) else {
            continue;
        };
        match scores {
            Scores::Logits => {
                let m = finite_row_max(row);
                let mut total = 0.0;
                for (o, &v) in out.iter_mut().zip(row) {
                    *o = exp(v - m);
                    total += *o;
                }
                out.iter_mut().for_each(|o| *o = g * *o / total);
                out[c] -= g;
            }
            Scores::Probabilities { epsilon } => {
                let total: f32 = row.iter().sum();
                let p = row[c] / total;
                if !(epsilon..=1.0 - epsilon).contains(&p) {
                    continue;
                }
                let scale = g / (p * total);
                out.iter_mut().for_each(|o| *o = scale * p);
                out[c] = scale * (p - 1.0);
            }
        }
    }
    dx
}
