//! Tape semantics: fan-out, unconnected sources, persistence, recording
//! switches, nesting, variables.

mod common;

use common::*;
use rkeras::autograd::{without_recording, Tape};
use rkeras::{ops, Tensor, Variable};

fn grad1(tape: &Tape, y: &Tensor, x: &Tensor) -> Option<Vec<f32>> {
    tape.gradient(y, std::slice::from_ref(x), None).unwrap()[0]
        .as_ref()
        .map(f32s)
}

#[test]
fn fan_out_accumulates() {
    let x = tf(vec![1.0, 2.0, 3.0], &[3]);
    let tape = Tape::new(false);
    tape.enter();
    tape.watch(&x);
    // y = x*x + 3x + sum(x) (broadcast): dy_i/dx_i summed over outputs.
    let a = ops::multiply(&x, &x).unwrap();
    let b = ops::mul_scalar(&x, 3.0).unwrap();
    let c = ops::sum(&x, None, false).unwrap();
    let y = ops::sum(
        &ops::add(&ops::add(&a, &b).unwrap(), &c).unwrap(),
        None,
        false,
    )
    .unwrap();
    tape.exit();
    let g = grad1(&tape, &y, &x).unwrap();
    assert_eq!(g, vec![2.0 + 3.0 + 3.0, 4.0 + 3.0 + 3.0, 6.0 + 3.0 + 3.0]);
}

#[test]
fn unconnected_source_is_none() {
    let x = tf(vec![1.0, 2.0], &[2]);
    let z = tf(vec![5.0, 6.0], &[2]);
    let tape = Tape::new(false);
    tape.enter();
    tape.watch(&x);
    tape.watch(&z);
    let _unused = ops::exp(&z).unwrap();
    let y = ops::sum(&ops::square(&x).unwrap(), None, false).unwrap();
    tape.exit();
    let g = tape.gradient(&y, &[x.clone(), z.clone()], None).unwrap();
    assert_eq!(f32s(g[0].as_ref().unwrap()), vec![2.0, 4.0]);
    assert!(g[1].is_none());
    // A target that is not on the tape at all.
    let tape = Tape::new(false);
    let g = tape.gradient(&z, std::slice::from_ref(&x), None).unwrap();
    assert!(g[0].is_none());
}

#[test]
fn source_is_target() {
    let x = tf(vec![1.0, 2.0], &[2]);
    let tape = Tape::new(false);
    tape.enter();
    tape.watch(&x);
    tape.exit();
    assert_eq!(grad1(&tape, &x, &x).unwrap(), vec![1.0, 1.0]);
}

#[test]
fn non_persistent_tape_is_single_use_and_frees_nodes() {
    let x = tf(vec![1.0, 2.0], &[2]);
    let tape = Tape::new(false);
    assert!(!tape.persistent());
    tape.enter();
    tape.watch(&x);
    let y = ops::sum(&ops::exp(&x).unwrap(), None, false).unwrap();
    tape.exit();
    assert!(!tape.is_empty());
    assert!(grad1(&tape, &y, &x).is_some());
    assert_eq!(
        tape.len(),
        0,
        "a used non-persistent tape must drop its nodes"
    );
    assert!(tape.is_empty());
    let e = expect_err(
        tape.gradient(&y, std::slice::from_ref(&x), None),
        is_value,
        &["persistent"],
    );
    drop(e);
}

#[test]
fn persistent_tape_works_twice() {
    let x = tf(vec![1.0, 2.0], &[2]);
    let tape = Tape::new(true);
    tape.enter();
    tape.watch(&x);
    let y = ops::sum(&ops::square(&x).unwrap(), None, false).unwrap();
    let z = ops::sum(&ops::mul_scalar(&x, 5.0).unwrap(), None, false).unwrap();
    tape.exit();
    let n = tape.len();
    assert_eq!(grad1(&tape, &y, &x).unwrap(), vec![2.0, 4.0]);
    assert_eq!(grad1(&tape, &z, &x).unwrap(), vec![5.0, 5.0]);
    assert_eq!(grad1(&tape, &y, &x).unwrap(), vec![2.0, 4.0]);
    assert_eq!(tape.len(), n);
}

#[test]
fn output_gradient_seeds_the_pass() {
    let x = tf(vec![1.0, 2.0, 3.0], &[3]);
    let tape = Tape::new(false);
    tape.enter();
    tape.watch(&x);
    let y = ops::square(&x).unwrap();
    tape.exit();
    let seed = tf(vec![1.0, 0.0, -1.0], &[3]);
    let g = tape
        .gradient(&y, std::slice::from_ref(&x), Some(&seed))
        .unwrap();
    assert_eq!(f32s(g[0].as_ref().unwrap()), vec![2.0, 0.0, -6.0]);
}

#[test]
fn set_recording_false_stops_recording() {
    let x = tf(vec![1.0, 2.0], &[2]);
    let tape = Tape::new(true);
    tape.enter();
    tape.watch(&x);
    let a = ops::square(&x).unwrap();
    tape.set_recording(false);
    assert!(!tape.is_recording());
    let n = tape.len();
    let b = ops::exp(&x).unwrap();
    assert_eq!(tape.len(), n, "nothing recorded while paused");
    tape.set_recording(true);
    let y = ops::sum(&ops::add(&a, &b).unwrap(), None, false).unwrap();
    tape.exit();
    // b is a constant to the tape: only d(x^2) flows.
    assert_eq!(grad1(&tape, &y, &x).unwrap(), vec![2.0, 4.0]);
    assert!(grad1(&tape, &b, &x).is_none());
}

#[test]
fn without_recording_pauses_every_tape() {
    let x = tf(vec![1.0, 2.0], &[2]);
    let tape = Tape::new(false);
    tape.enter();
    tape.watch(&x);
    let before = tape.len();
    let nested = without_recording(|| without_recording(|| ops::exp(&x).unwrap()));
    let y = without_recording(|| ops::square(&nested).unwrap());
    assert_eq!(tape.len(), before);
    // Recording resumes afterwards.
    let z = ops::sum(&ops::square(&x).unwrap(), None, false).unwrap();
    tape.exit();
    assert!(tape.len() > before);
    let g = tape.gradient(&z, &[x.clone(), y], None).unwrap();
    assert_eq!(f32s(g[0].as_ref().unwrap()), vec![2.0, 4.0]);
    assert!(g[1].is_none());
}

#[test]
fn exited_tape_records_nothing() {
    let x = tf(vec![1.0], &[1]);
    let tape = Tape::new(false);
    tape.enter();
    tape.watch(&x);
    tape.exit();
    let _ = ops::exp(&x).unwrap();
    assert_eq!(tape.len(), 0);
}

#[test]
fn nested_tapes_give_second_derivatives() {
    let xv = vec![-1.5f32, 0.5, 2.0];
    let x = tf(xv.clone(), &[3]);
    let outer = Tape::new(false);
    let inner = Tape::new(false);
    outer.enter();
    outer.watch(&x);
    inner.enter();
    inner.watch(&x);
    let y = ops::sum(&ops::pow_scalar(&x, 3.0).unwrap(), None, false).unwrap();
    inner.exit();
    let dy = inner.gradient(&y, std::slice::from_ref(&x), None).unwrap()[0]
        .clone()
        .unwrap();
    let expected: Vec<f64> = xv.iter().map(|&v| 3.0 * (v as f64).powi(2)).collect();
    assert_close(&f32s(&dy), &expected, "first derivative");
    let s = ops::sum(&dy, None, false).unwrap();
    outer.exit();
    let d2 = grad1(&outer, &s, &x).unwrap();
    let expected: Vec<f64> = xv.iter().map(|&v| 6.0 * v as f64).collect();
    assert_close(&d2, &expected, "second derivative of x^3");
    // The same with x*x*x (product rule through fan-out).
    let outer = Tape::new(false);
    let inner = Tape::new(false);
    outer.enter();
    outer.watch(&x);
    inner.enter();
    inner.watch(&x);
    let y = ops::multiply(&ops::multiply(&x, &x).unwrap(), &x).unwrap();
    inner.exit();
    let dy = inner.gradient(&y, std::slice::from_ref(&x), None).unwrap()[0]
        .clone()
        .unwrap();
    outer.exit();
    let d2 = grad1(&outer, &dy, &x).unwrap();
    assert_close(&d2, &expected, "second derivative of x*x*x");
}

#[test]
fn second_derivatives_of_composite_ops() {
    // d2/dx2 sum(tanh(x)) = -2 tanh(x) (1 - tanh^2 x); also through
    // broadcasting, matmul and a reduction.
    let xv = vec![-0.7f32, 0.2, 1.1];
    let x = tf(xv.clone(), &[3]);
    let outer = Tape::new(false);
    let inner = Tape::new(false);
    outer.enter();
    outer.watch(&x);
    inner.enter();
    inner.watch(&x);
    let y = ops::sum(&ops::tanh(&x).unwrap(), None, false).unwrap();
    inner.exit();
    let dy = inner.gradient(&y, std::slice::from_ref(&x), None).unwrap()[0]
        .clone()
        .unwrap();
    outer.exit();
    let d2 = grad1(&outer, &dy, &x).unwrap();
    let expected: Vec<f64> = xv
        .iter()
        .map(|&v| {
            let t = (v as f64).tanh();
            -2.0 * t * (1.0 - t * t)
        })
        .collect();
    assert_close_tol(&d2, &expected, 1e-5, 1e-5, "tanh''");
}

#[test]
fn trainable_variable_value_is_auto_watched() {
    let w = Variable::new(tf(vec![1.0, -2.0], &[2]), "w", true);
    let frozen = Variable::new(tf(vec![3.0, 4.0], &[2]), "frozen", false);
    let tape = Tape::new(false);
    tape.enter();
    let y = ops::sum(
        &ops::multiply(&ops::square(&w.value()).unwrap(), &frozen.value()).unwrap(),
        None,
        false,
    )
    .unwrap();
    tape.exit();
    let g = tape.gradient(&y, &[w.peek(), frozen.peek()], None).unwrap();
    assert_eq!(f32s(g[0].as_ref().unwrap()), vec![6.0, -16.0]);
    assert!(g[1].is_none(), "a non-trainable variable is not watched");
    // Reads outside any tape, or through peek, are not watched.
    let tape = Tape::new(false);
    tape.enter();
    let y = ops::square(&w.peek()).unwrap();
    tape.exit();
    assert_eq!(tape.len(), 0);
    assert!(grad1(&tape, &y, &w.peek()).is_none());
}

#[test]
fn gradients_through_views_and_integer_casts() {
    let x = tf(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let tape = Tape::new(false);
    tape.enter();
    tape.watch(&x);
    let t = ops::transpose(&x, None).unwrap();
    let s = ops::slice_axis(&t, 0, 2, 2, -1).unwrap();
    // A cast to int carries no gradient, and comparisons are not recorded.
    let _mask = ops::greater(&x, &tf(vec![2.0], &[])).unwrap();
    let _ints = ops::cast(&x, rkeras::DType::I32).unwrap();
    let y = ops::sum(&ops::square(&s).unwrap(), None, false).unwrap();
    tape.exit();
    let g = grad1(&tape, &y, &x).unwrap();
    assert_eq!(g, vec![0.0, 4.0, 6.0, 0.0, 10.0, 12.0]);
}
