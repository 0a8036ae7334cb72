//! sparse_categorical_crossentropy against an f64 reference, its gradients
//! against finite differences, and second derivatives (its backward and
//! softmax's under an outer tape) against finite differences of the first.

mod common;

use common::*;
use rkeras::autograd::Tape;
use rkeras::{ops, Result, Tensor};

const EPSILON: f64 = 1e-7;

/// `-log p[label]` per row of `width`, with Keras's renormalising and
/// clipping for probabilities; 0 for out-of-range labels.
fn reference(labels: &[i64], x: &[f64], width: usize, from_logits: bool) -> Vec<f64> {
    x.chunks(width)
        .zip(labels)
        .map(|(row, &label)| {
            if label < 0 || label as usize >= width {
                return 0.0;
            }
            let c = label as usize;
            if from_logits {
                let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = row.iter().map(|v| (v - m).exp()).sum();
                total.ln() - (row[c] - m)
            } else {
                let total: f64 = row.iter().sum();
                -(row[c] / total).clamp(EPSILON, 1.0 - EPSILON).ln()
            }
        })
        .collect()
}

fn loss(target: &Tensor, output: &Tensor, from_logits: bool, axis: isize) -> Result<Tensor> {
    ops::sparse_categorical_crossentropy(target, output, from_logits, axis, EPSILON)
}

#[test]
fn forward_matches_the_reference() {
    let mut rng = Lcg::new(71);
    for from_logits in [false, true] {
        for dims in [&[6, 4][..], &[2, 3, 5], &[1, 1]] {
            let width = *dims.last().unwrap();
            let rows = numel(dims) / width;
            let (lo, hi) = if from_logits {
                (-4.0, 4.0)
            } else {
                (0.01, 1.0)
            };
            let mut x = rng.vec(numel(dims), lo, hi);
            if !from_logits && width > 1 {
                // A probability under epsilon: the clipped branch.
                x[1] = 1e-12;
            }
            let mut labels: Vec<i64> = (0..rows).map(|_| rng.below(width as u32) as i64).collect();
            labels[0] = 1.min(width as i64 - 1);
            if rows > 2 {
                labels[1] = -1;
                labels[2] = width as i64;
            }
            let expected = reference(&labels, &widen(&x), width, from_logits);
            let output = tf(x, dims);
            let what = format!("{dims:?} from_logits={from_logits}");
            for target in [
                ti64(labels.clone(), &dims[..dims.len() - 1]),
                ti32(
                    labels.iter().map(|&l| l as i32).collect(),
                    &dims[..dims.len() - 1],
                ),
                tf(
                    labels.iter().map(|&l| l as f32).collect(),
                    &dims[..dims.len() - 1],
                ),
            ] {
                let y = loss(&target, &output, from_logits, -1).unwrap();
                assert_tensor(&y, &dims[..dims.len() - 1], &expected, &what);
            }
        }
    }
}

#[test]
fn another_axis_gives_the_same_losses() {
    // Classes on axis 1 of (rows, classes, 2) equal the last-axis losses of
    // the transposed data: the composed path against the row kernel.
    let mut rng = Lcg::new(72);
    for from_logits in [false, true] {
        let x = rng.vec(3 * 4 * 2, 0.05, 1.0);
        let labels: Vec<i64> = (0..6).map(|_| rng.below(4) as i64).collect();
        let output = tf(x, &[3, 4, 2]);
        let target = ti64(labels.clone(), &[3, 2]);
        let on_axis = loss(&target, &output, from_logits, 1).unwrap();
        let moved = ops::transpose(&output, Some(&[0, 2, 1])).unwrap();
        let last = loss(&target, &moved, from_logits, -1).unwrap();
        assert_close(&f32s(&on_axis), &f64s(&last), "axis 1 vs last axis");
    }
}

#[test]
fn gradients_match_finite_differences() {
    let mut rng = Lcg::new(73);
    for from_logits in [false, true] {
        for (dims, axis) in [(&[5, 4][..], -1isize), (&[2, 3, 4], -1), (&[3, 4, 2], 1)] {
            let (lo, hi) = if from_logits { (-2.0, 2.0) } else { (0.2, 1.0) };
            let x = rand_input(&mut rng, dims, lo, hi);
            let mut label_dims = dims.to_vec();
            let classes = label_dims.remove(axis.rem_euclid(dims.len() as isize) as usize);
            let mut labels: Vec<i64> = (0..numel(&label_dims))
                .map(|_| rng.below(classes as u32) as i64)
                .collect();
            labels[0] = -1;
            let target = ti64(labels, &label_dims);
            gradcheck(
                &format!(
                    "sparse_categorical_crossentropy {dims:?} axis {axis} logits={from_logits}"
                ),
                |xs| loss(&target, &xs[0], from_logits, axis),
                &[x],
            );
        }
    }
}

/// `sum(dL/dx * s)` where `L = sum(f(x) * r)`, and (when `outer`) its
/// gradient with respect to `x` through nested tapes.
fn first_gradient_dot(
    f: &dyn Fn(&Tensor) -> Result<Tensor>,
    x: &Tensor,
    r: &Tensor,
    s: &Tensor,
    outer: bool,
) -> (f64, Option<Vec<f32>>) {
    let outer_tape = Tape::new(false);
    if outer {
        outer_tape.enter();
        outer_tape.watch(x);
    }
    let inner = Tape::new(false);
    inner.enter();
    inner.watch(x);
    let y = ops::sum(&ops::multiply(&f(x).unwrap(), r).unwrap(), None, false).unwrap();
    inner.exit();
    let g = inner.gradient(&y, std::slice::from_ref(x), None).unwrap()[0]
        .clone()
        .unwrap();
    let dot = ops::sum(&ops::multiply(&g, s).unwrap(), None, false).unwrap();
    if !outer {
        return (dot.item().unwrap(), None);
    }
    outer_tape.exit();
    let h = outer_tape
        .gradient(&dot, std::slice::from_ref(x), None)
        .unwrap()[0]
        .as_ref()
        .map(f32s);
    (dot.item().unwrap(), h)
}

fn check_second_derivatives(
    name: &str,
    f: &dyn Fn(&Tensor) -> Result<Tensor>,
    dims: &[usize],
    x: Vec<f32>,
) {
    let mut rng = Lcg::new(74);
    let y_dims = f(&tf(x.clone(), dims)).unwrap().dims().to_vec();
    let r = tf(rng.vec(numel(&y_dims), -1.0, 1.0), &y_dims);
    let s = tf(rng.vec(x.len(), -1.0, 1.0), dims);
    let (_, h) = first_gradient_dot(f, &tf(x.clone(), dims), &r, &s, true);
    let h = h.unwrap_or_else(|| panic!("{name}: no second derivative"));
    let eps = 1e-2f32;
    for j in 0..x.len() {
        let (mut plus, mut minus) = (x.clone(), x.clone());
        plus[j] += eps;
        minus[j] -= eps;
        let at = |v: &Vec<f32>| first_gradient_dot(f, &tf(v.clone(), dims), &r, &s, false).0;
        let numeric = (at(&plus) - at(&minus)) / (plus[j] as f64 - minus[j] as f64);
        let a = h[j] as f64;
        let scale = 1f64.max(a.abs()).max(numeric.abs());
        assert!(
            (a - numeric).abs() <= 2e-3 * scale,
            "{name}: second derivative [{j}]: tape {a}, finite difference {numeric}"
        );
    }
}

#[test]
fn second_derivatives_through_the_fused_backwards() {
    let mut rng = Lcg::new(75);
    let dims = [3, 4];
    let target = ti64(vec![0, 3, 1], &[3]);
    let logits = rng.vec(12, -2.0, 2.0);
    check_second_derivatives(
        "sparse_categorical_crossentropy (logits)",
        &|x| loss(&target, x, true, -1),
        &dims,
        logits.clone(),
    );
    check_second_derivatives(
        "sparse_categorical_crossentropy (probabilities)",
        &|x| loss(&target, x, false, -1),
        &dims,
        rng.vec(12, 0.2, 1.0),
    );
    check_second_derivatives("softmax", &|x| ops::softmax(x, -1), &dims, logits);
}

#[test]
fn mismatched_shapes_are_rejected() {
    let output = tf(vec![0.5; 12], &[3, 4]);
    let short = ti64(vec![0, 1], &[2]);
    let fragments = &["target.shape=(2,)", "output.shape=(3, 4)"];
    expect_err(loss(&short, &output, false, -1), is_shape, fragments);
    expect_err(
        loss(&ti64(vec![0; 3], &[3, 1]), &output, false, -1),
        is_shape,
        &["target"],
    );
    expect_err(
        loss(&ti64(vec![0; 3], &[3]), &output, false, 2),
        is_value,
        &["axis"],
    );
}
