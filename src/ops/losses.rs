//! Loss primitives of `keras.ops` that a training step calls every batch.

use super::{
    cast, clip, divide, expand_dims, greater_equal, less_equal, log, log_softmax, logical_and,
    multiply, negative, one_hot, softmax, subtract, sum, where_, zeros_like,
};
use crate::autograd::{any_tape_recording, record};
use crate::cpu::softmax::{sparse_cross_entropy_rows, sparse_cross_entropy_rows_backward, Scores};
use crate::cpu::{host_f32, index_values};
use crate::trace::kernel;
use crate::{bail, normalize_axis, DType, Device, Result, Storage, Tensor};

/// Per-sample cross-entropy between integer class labels and scores
/// (`keras.ops.sparse_categorical_crossentropy`). `output` holds logits
/// when `from_logits`, else probabilities, which are renormalised along
/// `axis` and clipped to `[epsilon, 1 - epsilon]` before the log, as Keras
/// does. Labels outside `[0, classes)` give a loss of 0. The result has
/// `output`'s shape without `axis`, which must be `target`'s shape.
pub fn sparse_categorical_crossentropy(
    target: &Tensor,
    output: &Tensor,
    from_logits: bool,
    axis: isize,
    epsilon: f64,
) -> Result<Tensor> {
    let output = cast(output, DType::F32)?;
    let rank = output.rank();
    if rank == 0 {
        bail!(
            Shape,
            "sparse_categorical_crossentropy: `output` must have at least one axis"
        );
    }
    let axis = normalize_axis(axis, rank, "sparse_categorical_crossentropy")?;
    let mut expected = output.dims().to_vec();
    let classes = expected.remove(axis);
    if target.dims() != expected.as_slice() {
        bail!(
            Shape,
            "Arguments `target` and `output` must have the same shape up until the last \
             dimension: target.shape={}, output.shape={}",
            target.shape(),
            output.shape()
        );
    }
    super::common_device("sparse_categorical_crossentropy", &[target, &output])?;
    let labels = if target.dtype().is_int() {
        target.clone()
    } else {
        cast(target, DType::I64)?
    };
    let scores = if from_logits {
        Scores::Logits
    } else {
        Scores::Probabilities {
            epsilon: epsilon as f32,
        }
    };
    if output.device() != Device::Cpu || axis + 1 != rank || output.numel() == 0 {
        return composed(&labels, &output, scores, axis, classes);
    }
    // One pass per row on the host, and one tape node.
    let y = kernel(&[&labels, &output], move |t| {
        let values =
            sparse_cross_entropy_rows(&label_values(t[0])?, &host_f32(t[1])?, classes, scores);
        Tensor::from_vec(values, expected.clone(), Device::Cpu)
    })?;
    record(&[&output], &y, || {
        let target = target.clone();
        let output = output.clone();
        Box::new(move |g, _| {
            if any_tape_recording() {
                // Ops, so that an outer tape can differentiate this backward.
                let dx = composed_backward(&target, &output, g, scores, axis, classes)?;
                return Ok(vec![Some(dx)]);
            }
            let g = cast(g, DType::F32)?;
            let dx = kernel(&[&labels, &output, &g], move |t| {
                let dx = sparse_cross_entropy_rows_backward(
                    &label_values(t[0])?,
                    &host_f32(t[1])?,
                    &host_f32(t[2])?,
                    classes,
                    scores,
                );
                Tensor::from_vec(dx, t[1].shape().clone(), Device::Cpu)
            })?;
            Ok(vec![Some(dx)])
        })
    });
    Ok(y)
}

/// Integer labels of a CPU tensor, as int64 in row-major order.
fn label_values(labels: &Tensor) -> Result<Vec<i64>> {
    match labels.storage() {
        Storage::Cpu(storage) => Ok(index_values(storage, labels.layout())?.into_owned()),
        _ => labels.to_vec::<i64>(),
    }
}

/// The same loss from differentiable ops, for any device and axis.
fn composed(
    labels: &Tensor,
    output: &Tensor,
    scores: Scores,
    axis: usize,
    classes: usize,
) -> Result<Tensor> {
    let axis = axis as isize;
    let log_prob = match scores {
        Scores::Logits => log_softmax(output, axis)?,
        Scores::Probabilities { epsilon } => {
            let total = sum(output, Some(&[axis]), true)?;
            let eps = epsilon as f64;
            log(&clip(&divide(output, &total)?, eps, 1.0 - eps)?)?
        }
    };
    let picked = multiply(&one_hot(labels, classes, axis, DType::F32)?, &log_prob)?;
    negative(&sum(&picked, Some(&[axis]), false)?)
}

/// The gradient of the loss with respect to `output`, from ops: with `o`
/// the one-hot labels, `g * (softmax - o)` for logits, and for
/// probabilities (row sums `S`, picked `p = sum(o * x) / S`)
/// `g * (p - o) / (p * S)` where `p` lies in `[epsilon, 1 - epsilon]`.
/// Rows whose label is out of range get zeros.
fn composed_backward(
    target: &Tensor,
    output: &Tensor,
    g: &Tensor,
    scores: Scores,
    axis: usize,
    classes: usize,
) -> Result<Tensor> {
    let axis = axis as isize;
    let onehot = one_hot(&cast(target, DType::I64)?, classes, axis, DType::F32)?;
    let g = expand_dims(g, axis)?;
    match scores {
        Scores::Logits => {
            let valid = sum(&onehot, Some(&[axis]), true)?;
            let diff = subtract(&softmax(output, axis)?, &onehot)?;
            multiply(&multiply(&g, &valid)?, &diff)
        }
        Scores::Probabilities { epsilon } => {
            let total = sum(output, Some(&[axis]), true)?;
            let p = divide(
                &sum(&multiply(&onehot, output)?, Some(&[axis]), true)?,
                &total,
            )?;
            let eps = Tensor::scalar(epsilon, output.device())?;
            let top = Tensor::scalar(1.0 - epsilon, output.device())?;
            let inside = logical_and(&greater_equal(&p, &eps)?, &less_equal(&p, &top)?)?;
            let scale = divide(&g, &multiply(&p, &total)?)?;
            let dx = multiply(&scale, &subtract(&p, &onehot)?)?;
            let zeros = zeros_like(&dx)?;
            where_(&inside, &dx, &zeros)
        }
    }
}
