//! Variables: in-place updates and copy-on-write.

mod common;

use common::*;
use rkeras::autograd::Tape;
use rkeras::{ops, DType, Variable};

#[test]
fn assign_family_updates_values() {
    let v = Variable::new(tf(vec![1.0, 2.0, 3.0], &[3]), "v", true);
    assert_eq!(v.name(), "v");
    assert!(v.trainable());
    v.assign_add(&tf(vec![0.5, 0.5, 0.5], &[3])).unwrap();
    assert_eq!(f32s(&v.peek()), vec![1.5, 2.5, 3.5]);
    v.assign_sub(&tf(vec![1.0], &[])).unwrap();
    assert_eq!(f32s(&v.peek()), vec![0.5, 1.5, 2.5]);
    v.assign(&tf(vec![7.0, 8.0, 9.0], &[3])).unwrap();
    assert_eq!(f32s(&v.peek()), vec![7.0, 8.0, 9.0]);
    // Values of another dtype are converted; views are copied in.
    v.assign(&ti32(vec![1, 2, 3], &[3])).unwrap();
    assert_eq!(v.peek().dtype(), DType::F32);
    assert_eq!(f32s(&v.peek()), vec![1.0, 2.0, 3.0]);
    let big = tf(vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0], &[6]);
    v.assign(&ops::slice_axis(&big, 0, 5, 3, -2).unwrap())
        .unwrap();
    assert_eq!(f32s(&v.peek()), vec![60.0, 40.0, 20.0]);
    assert_eq!(f32s(&big), vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
    // Large updates take the parallel in-place path.
    let n = 1 << 17;
    let w = Variable::new(tf(vec![1.0; n], &[n]), "w", true);
    w.assign_add(&tf(vec![2.0; n], &[n])).unwrap();
    w.assign_sub(&ops::broadcast_to(&tf(vec![0.5], &[1]), &[n]).unwrap())
        .unwrap();
    assert!(f32s(&w.peek()).iter().all(|&x| x == 2.5));
    // Integer variables.
    let c = Variable::new(ti64(vec![1, 2], &[2]), "count", false);
    c.assign_add(&ti64(vec![1, 1], &[2])).unwrap();
    assert_eq!(c.peek().to_vec::<i64>().unwrap(), vec![2, 3]);
}

#[test]
fn updates_happen_in_place_when_unshared() {
    let v = Variable::new(tf(vec![1.0, 2.0], &[2]), "v", true);
    let before = v.peek().id();
    v.assign_add(&tf(vec![1.0, 1.0], &[2])).unwrap();
    // `peek` above returned a clone that was dropped, so the update was
    // in place: same tensor.
    assert_eq!(v.peek().id(), before);
    assert_eq!(f32s(&v.peek()), vec![2.0, 3.0]);
}

#[test]
fn copy_on_write_when_a_clone_holds_the_old_value() {
    let v = Variable::new(tf(vec![1.0, 2.0], &[2]), "v", true);
    let old = v.peek();
    let view = ops::transpose(&v.peek(), None).unwrap();
    v.assign_add(&tf(vec![10.0, 10.0], &[2])).unwrap();
    assert_eq!(f32s(&old), vec![1.0, 2.0], "a held value must not change");
    assert_eq!(
        f32s(&view),
        vec![1.0, 2.0],
        "a view of the value must not change"
    );
    assert_eq!(f32s(&v.peek()), vec![11.0, 12.0]);
    v.assign_sub(&tf(vec![1.0, 1.0], &[2])).unwrap();
    assert_eq!(f32s(&old), vec![1.0, 2.0]);
    // assign never aliases the caller's tensor.
    let src = tf(vec![5.0, 6.0], &[2]);
    v.assign(&src).unwrap();
    v.assign_add(&tf(vec![1.0, 1.0], &[2])).unwrap();
    assert_eq!(f32s(&src), vec![5.0, 6.0]);
    assert_eq!(f32s(&v.peek()), vec![6.0, 7.0]);
}

#[test]
fn copy_on_write_when_a_tape_holds_the_old_value() {
    let v = Variable::new(tf(vec![1.0, 2.0], &[2]), "v", true);
    let tape = Tape::new(false);
    tape.enter();
    // multiply saves its operands for the backward pass.
    let y = ops::sum(&ops::square(&v.value()).unwrap(), None, false).unwrap();
    tape.exit();
    v.assign_add(&tf(vec![100.0, 100.0], &[2])).unwrap();
    v.assign(&tf(vec![-1.0, -1.0], &[2])).unwrap();
    assert_eq!(f32s(&v.peek()), vec![-1.0, -1.0]);
    // The gradient uses the value the forward pass saw: 2 * [1, 2].
    let g = tape.gradient(&y, &[v.peek()], None).unwrap();
    // The variable now holds a different tensor, which the tape never saw.
    assert!(g[0].is_none());
    let v2 = Variable::new(tf(vec![1.0, 2.0], &[2]), "v2", true);
    let tape = Tape::new(false);
    tape.enter();
    let x = v2.value();
    let y = ops::sum(&ops::square(&x).unwrap(), None, false).unwrap();
    tape.exit();
    v2.assign_sub(&tf(vec![5.0, 5.0], &[2])).unwrap();
    let g = tape.gradient(&y, std::slice::from_ref(&x), None).unwrap();
    assert_eq!(f32s(g[0].as_ref().unwrap()), vec![2.0, 4.0]);
    assert_eq!(f32s(&x), vec![1.0, 2.0]);
}

#[test]
fn assign_shape_errors() {
    let v = Variable::new(tf(vec![0.0; 6], &[2, 3]), "kernel", true);
    expect_err(
        v.assign(&tf(vec![0.0; 4], &[2, 2])),
        is_shape,
        &["assign", "kernel", "(2, 3)", "(2, 2)"],
    );
    expect_err(
        v.assign_add(&tf(vec![0.0; 4], &[4])),
        is_shape,
        &["assign_add", "kernel", "(2, 3)", "(4,)"],
    );
    expect_err(
        v.assign_sub(&tf(vec![0.0; 2], &[2, 1, 1])),
        is_shape,
        &["assign_sub", "kernel", "(2, 3)"],
    );
    assert_eq!(f32s(&v.peek()), vec![0.0; 6]);
}
