//! The sliding-window primitives and the conv/pool ops built on them:
//! unfold/fold adjointness, a hand-computed convolution, gradients, and
//! shape errors.

mod common;

use common::*;
use rkeras::ops::{self, conv::Window, ConvSpec, Padding, PoolKind};

fn spec(strides: &[usize], padding: Padding) -> ConvSpec {
    ConvSpec {
        strides: strides.to_vec(),
        padding,
        dilation: vec![1; strides.len()],
        channels_first: false,
    }
}

/// Input dims, kernel, strides, dilation, padding.
type WindowCase<'a> = (
    &'a [usize],
    &'a [usize],
    &'a [usize],
    &'a [usize],
    &'a [(usize, usize)],
);

#[test]
fn fold_is_the_adjoint_of_unfold() {
    let mut rng = Lcg::new(7);
    let cases: [WindowCase; 3] = [
        (&[2, 9, 3], &[3], &[2], &[1], &[(1, 2)]),
        (&[2, 6, 7, 2], &[3, 2], &[1, 2], &[2, 1], &[(1, 1), (0, 1)]),
        (
            &[1, 4, 5, 3, 2],
            &[2, 2, 2],
            &[2, 1, 1],
            &[1, 2, 1],
            &[(0, 1), (1, 1), (0, 0)],
        ),
    ];
    for (dims, kernel, strides, dilation, pads) in cases {
        let w = Window::new("test", dims, kernel, strides, dilation, pads).unwrap();
        let x = tf(rng.vec(numel(dims), -1.0, 1.0), dims);
        let p = tf(rng.vec(numel(&w.patch_dims()), -1.0, 1.0), &w.patch_dims());
        let unfolded = f64s(&ops::conv::unfold(&x, &w, 0.0).unwrap());
        let folded = f64s(&ops::conv::fold(&p, &w).unwrap());
        let lhs: f64 = unfolded.iter().zip(f64s(&p)).map(|(a, b)| a * b).sum();
        let rhs: f64 = folded.iter().zip(f64s(&x)).map(|(a, b)| a * b).sum();
        assert!(
            (lhs - rhs).abs() < 1e-4 * lhs.abs().max(1.0),
            "{dims:?}: {lhs} vs {rhs}"
        );
    }
}

#[test]
fn unfold_reads_the_pad_value_outside_the_input() {
    let x = tf(vec![1.0, 2.0, 3.0], &[1, 3, 1]);
    let w = Window::new("test", &[1, 3, 1], &[2], &[2], &[1], &[(1, 1)]).unwrap();
    let p = ops::conv::unfold(&x, &w, -9.0).unwrap();
    assert_eq!(p.dims(), &[1, 2, 2, 1]);
    assert_eq!(f32s(&p), vec![-9.0, 1.0, 2.0, 3.0]);
}

#[test]
fn conv2d_by_hand() {
    // A 3x3 image, a 2x2 kernel summing its window with weights 1, 2, 3, 4.
    let x = tf((1..=9).map(|v| v as f32).collect(), &[1, 3, 3, 1]);
    let k = tf(vec![1.0, 2.0, 3.0, 4.0], &[2, 2, 1, 1]);
    let y = ops::conv(&x, &k, &spec(&[1, 1], Padding::Valid)).unwrap();
    // Window at (0, 0): 1*1 + 2*2 + 4*3 + 5*4 = 37.
    assert_tensor(&y, &[1, 2, 2, 1], &[37.0, 47.0, 67.0, 77.0], "conv2d");
    let m = ops::pool(&x, PoolKind::Max, &[2, 2], &spec(&[1, 1], Padding::Same)).unwrap();
    assert_tensor(
        &m,
        &[1, 3, 3, 1],
        &[5., 6., 6., 8., 9., 9., 8., 9., 9.],
        "max_pool",
    );
}

#[test]
fn conv_and_pool_gradients() {
    let mut rng = Lcg::new(3);
    let x = rand_input(&mut rng, &[1, 5, 4, 2], -1.0, 1.0);
    let k = rand_input(&mut rng, &[3, 2, 2, 3], -1.0, 1.0);
    gradcheck(
        "conv same stride 2",
        |t| ops::conv(&t[0], &t[1], &spec(&[2, 1], Padding::Same)),
        &[x.clone(), k],
    );
    let kt = rand_input(&mut rng, &[3, 3, 3, 2], -1.0, 1.0);
    gradcheck(
        "conv_transpose",
        |t| ops::conv_transpose(&t[0], &t[1], &spec(&[2, 2], Padding::Same), None),
        &[x.clone(), kt],
    );
    gradcheck(
        "average_pool same",
        |t| {
            ops::pool(
                &t[0],
                PoolKind::Average,
                &[3, 2],
                &spec(&[2, 2], Padding::Same),
            )
        },
        &[x],
    );
    // Distinct values 0.05 apart: the finite differences' steps never
    // change which element is a window's maximum.
    let distinct = (0..40).map(|j| (j * 17 % 40) as f32 * 0.05 - 1.0).collect();
    gradcheck(
        "max_pool same",
        |t| ops::pool(&t[0], PoolKind::Max, &[3, 2], &spec(&[2, 1], Padding::Same)),
        &[(distinct, vec![1, 5, 4, 2])],
    );
}

#[test]
fn argmax_scatter_is_the_adjoint_of_argmax_gather() {
    let mut rng = Lcg::new(11);
    let cases: [WindowCase; 2] = [
        (&[2, 9, 3], &[3], &[2], &[1], &[(1, 1)]),
        (
            &[1, 4, 5, 3, 2],
            &[2, 2, 2],
            &[1, 2, 1],
            &[1, 1, 2],
            &[(0, 1), (1, 1), (0, 0)],
        ),
    ];
    for (dims, kernel, strides, dilation, pads) in cases {
        let w = Window::new("test", dims, kernel, strides, dilation, pads).unwrap();
        let x = tf(rng.vec(numel(dims), -1.0, 1.0), dims);
        let u = tf(rng.vec(numel(dims), -1.0, 1.0), dims);
        let mut pooled = vec![w.batch];
        pooled.extend(&w.output);
        pooled.push(w.channels);
        let g = tf(rng.vec(numel(&pooled), -1.0, 1.0), &pooled);
        let gathered = f64s(&ops::conv::argmax_gather(&x, &u, &w).unwrap());
        let scattered = f64s(&ops::conv::argmax_scatter(&x, &g, &w).unwrap());
        let lhs: f64 = gathered.iter().zip(f64s(&g)).map(|(a, b)| a * b).sum();
        let rhs: f64 = scattered.iter().zip(f64s(&u)).map(|(a, b)| a * b).sum();
        assert!(
            (lhs - rhs).abs() < 1e-4 * lhs.abs().max(1.0),
            "{dims:?}: {lhs} vs {rhs}"
        );
    }
}

#[test]
fn max_pool_ties_send_the_gradient_to_the_first_maximum() {
    let x = tf(vec![1.0, 3.0, 3.0, 2.0, f32::NAN, 4.0], &[1, 6, 1]);
    let w = Window::new("test", &[1, 6, 1], &[2], &[1], &[1], &[(0, 0)]).unwrap();
    let g = tf(vec![1.0, 10.0, 100.0, 1000.0, 10000.0], &[1, 5, 1]);
    let routed = f32s(&ops::conv::argmax_scatter(&x, &g, &w).unwrap());
    assert_eq!(routed, vec![0.0, 11.0, 100.0, 0.0, 11000.0, 0.0]);
}

#[test]
fn shape_errors_name_the_shapes() {
    let x = tf(vec![0.0; 16], &[1, 4, 4, 1]);
    let k = tf(vec![0.0; 25], &[5, 5, 1, 1]);
    let err = ops::conv(&x, &k, &spec(&[1, 1], Padding::Valid)).unwrap_err();
    assert!(
        err.to_string().contains("larger than the padded input"),
        "{err}"
    );
    let k = tf(vec![0.0; 8], &[2, 2, 2, 1]);
    let err = ops::conv(&x, &k, &spec(&[1, 1], Padding::Valid)).unwrap_err();
    assert!(err.to_string().contains("(1, 4, 4, 1)"), "{err}");
}
