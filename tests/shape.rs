//! Shape ops: forward against index arithmetic, gradients, errors.

mod common;

use common::*;
use rkeras::ops::{self, SplitSpec};
use rkeras::Tensor;

/// A permutation of `v` (shape `dims`) by `perm`, as NumPy's transpose.
fn transpose_ref(v: &[f64], dims: &[usize], perm: &[usize]) -> (Vec<usize>, Vec<f64>) {
    let out: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
    let vals = (0..v.len())
        .map(|f| {
            let oi = unravel(f, &out);
            let mut ii = vec![0; dims.len()];
            for (k, &p) in perm.iter().enumerate() {
                ii[p] = oi[k];
            }
            v[ravel(&ii, dims)]
        })
        .collect();
    (out, vals)
}

#[test]
fn reshape_and_friends() {
    let mut rng = Lcg::new(30);
    for view in VIEWS {
        let (x, xv) = make(&mut rng, &[2, 3, 4], view, -1.0, 1.0);
        for target in [&[24][..], &[4, 6], &[2, 1, 12], &[1, 2, 3, 2, 2]] {
            let y = ops::reshape(&x, target).unwrap();
            assert_tensor(&y, target, &xv, &format!("reshape {view:?} {target:?}"));
        }
        let y = ops::reshape_with_unknown(&x, &[-1, 4]).unwrap();
        assert_tensor(&y, &[6, 4], &xv, "reshape -1");
        let y = ops::expand_dims(&x, -1).unwrap();
        assert_tensor(&y, &[2, 3, 4, 1], &xv, "expand_dims -1");
        let y = ops::expand_dims(&x, 1).unwrap();
        assert_tensor(&y, &[2, 1, 3, 4], &xv, "expand_dims 1");
        let y = ops::squeeze(&ops::expand_dims(&x, 0).unwrap(), None).unwrap();
        assert_tensor(&y, &[2, 3, 4], &xv, "squeeze");
        let y = ops::squeeze(&ops::reshape(&x, &[2, 1, 3, 1, 4]).unwrap(), Some(&[-2])).unwrap();
        assert_tensor(&y, &[2, 1, 3, 4], &xv, "squeeze -2");
    }
    // 0-d and 0-size.
    let s = tf(vec![5.0], &[]);
    assert_tensor(
        &ops::reshape(&s, &[1, 1]).unwrap(),
        &[1, 1],
        &[5.0],
        "0-d reshape",
    );
    assert_tensor(
        &ops::reshape(&tf(vec![5.0], &[1, 1]), &[]).unwrap(),
        &[],
        &[5.0],
        "to 0-d",
    );
    assert_tensor(
        &ops::expand_dims(&s, 0).unwrap(),
        &[1],
        &[5.0],
        "expand 0-d",
    );
    let z = tf(vec![], &[3, 0]);
    assert_tensor(
        &ops::reshape(&z, &[0, 5]).unwrap(),
        &[0, 5],
        &[],
        "empty reshape",
    );
    assert_tensor(
        &ops::reshape_with_unknown(&z, &[-1]).unwrap(),
        &[0],
        &[],
        "empty -1",
    );
}

#[test]
fn transpose_forward() {
    let mut rng = Lcg::new(31);
    let dims = [2, 3, 1, 4, 2];
    for view in VIEWS {
        let (x, xv) = make(&mut rng, &dims, view, -1.0, 1.0);
        for perm in [[4, 3, 2, 1, 0], [1, 0, 2, 4, 3], [0, 2, 4, 1, 3]] {
            let p: Vec<isize> = perm.iter().map(|&a| a as isize).collect();
            let y = ops::transpose(&x, Some(&p)).unwrap();
            let (od, ev) = transpose_ref(&xv, &dims, &perm);
            assert_tensor(&y, &od, &ev, &format!("transpose {view:?} {perm:?}"));
            // Contiguous copies of the view agree too.
            assert_tensor(&y.contiguous().unwrap(), &od, &ev, "contiguous()");
        }
        let y = ops::transpose(&x, None).unwrap();
        let (od, ev) = transpose_ref(&xv, &dims, &[4, 3, 2, 1, 0]);
        assert_tensor(&y, &od, &ev, "transpose None");
        let y = ops::transpose(&x, Some(&[-5, -4, -3, -1, -2])).unwrap();
        let (od, ev) = transpose_ref(&xv, &dims, &[0, 1, 2, 4, 3]);
        assert_tensor(&y, &od, &ev, "transpose negative axes");
        assert_tensor(
            &ops::matrix_transpose(&x).unwrap(),
            &od,
            &ev,
            "matrix_transpose",
        );
    }
    let s = tf(vec![1.0], &[]);
    assert_tensor(
        &ops::transpose(&s, None).unwrap(),
        &[],
        &[1.0],
        "0-d transpose",
    );
}

#[test]
fn broadcast_to_forward() {
    let mut rng = Lcg::new(32);
    for (from, to) in [
        (&[3][..], &[2, 3][..]),
        (&[3, 1], &[3, 4]),
        (&[], &[2, 2]),
        (&[1, 2, 1], &[2, 3, 2, 4]),
        (&[2, 1], &[0, 2, 5]),
    ] {
        for view in VIEWS {
            let view = if numel(from) == 0 {
                View::Contiguous
            } else {
                view
            };
            let (x, xv) = make(&mut rng, from, view, -1.0, 1.0);
            let y = ops::broadcast_to(&x, to).unwrap();
            assert_tensor(&y, to, &broadcast_values(&xv, from, to), "broadcast_to");
        }
    }
}

fn concat_ref(parts: &[(Vec<f64>, Vec<usize>)], axis: usize) -> (Vec<usize>, Vec<f64>) {
    let mut out = parts[0].1.clone();
    out[axis] = parts.iter().map(|p| p.1[axis]).sum();
    let vals = (0..numel(&out))
        .map(|f| {
            let mut idx = unravel(f, &out);
            for (v, d) in parts {
                if idx[axis] < d[axis] {
                    return v[ravel(&idx, d)];
                }
                idx[axis] -= d[axis];
            }
            unreachable!()
        })
        .collect();
    (out, vals)
}

#[test]
fn concatenate_stack_split() {
    let mut rng = Lcg::new(33);
    for axis in 0..3 {
        let mut parts = Vec::new();
        let mut refs = Vec::new();
        for (i, len) in [2usize, 0, 3, 1].into_iter().enumerate() {
            let mut dims = vec![2, 3, 2];
            dims[axis] = len;
            let view = if len == 0 {
                View::Contiguous
            } else {
                VIEWS[i % VIEWS.len()]
            };
            let (t, v) = make(&mut rng, &dims, view, -1.0, 1.0);
            parts.push(t);
            refs.push((v, dims));
        }
        let (od, ev) = concat_ref(&refs, axis);
        let y = ops::concatenate(&parts, axis as isize).unwrap();
        assert_tensor(&y, &od, &ev, &format!("concatenate axis {axis}"));
        let y = ops::concatenate(&parts, axis as isize - 3).unwrap();
        assert_tensor(&y, &od, &ev, "concatenate negative axis");
        // Split it back.
        let pieces = ops::split(&y, SplitSpec::Indices(&[2, 2, 5]), axis as isize).unwrap();
        assert_eq!(pieces.len(), 4);
        for (p, (v, d)) in pieces.iter().zip(&refs) {
            assert_tensor(p, d, v, "split indices");
        }
    }
    let (a, av) = make(&mut rng, &[2, 6], View::Transposed, -1.0, 1.0);
    let pieces = ops::split(&a, SplitSpec::Sections(3), 1).unwrap();
    for (k, p) in pieces.iter().enumerate() {
        let ev: Vec<f64> = (0..2)
            .flat_map(|r| (0..2).map(move |c| (r, 2 * k + c)))
            .map(|(r, c)| av[r * 6 + c])
            .collect();
        assert_tensor(p, &[2, 2], &ev, "split sections");
    }
    // Stack along each axis, negative included.
    let (b, bv) = make(&mut rng, &[2, 6], View::Stepped, -1.0, 1.0);
    for axis in [0isize, 1, 2, -1, -3] {
        let y = ops::stack(&[a.clone(), b.clone()], axis).unwrap();
        let ax = if axis < 0 { axis + 3 } else { axis } as usize;
        let mut d = vec![2, 6];
        d.insert(ax, 1);
        let (od, ev) = concat_ref(&[(av.clone(), d.clone()), (bv.clone(), d.clone())], ax);
        assert_tensor(&y, &od, &ev, &format!("stack {axis}"));
    }
    // Mixed dtypes promote.
    let y = ops::concatenate(&[ti32(vec![1, 2], &[2]), tf(vec![0.5], &[1])], 0).unwrap();
    assert_eq!(f32s(&y), vec![1.0, 2.0, 0.5]);
}

#[test]
fn slicing_flip_index() {
    let mut rng = Lcg::new(34);
    let dims = [5, 4, 3];
    for view in VIEWS {
        let (x, xv) = make(&mut rng, &dims, view, -1.0, 1.0);
        for axis in 0..3 {
            let n = dims[axis];
            for (start, len, step) in [
                (0, n, 1isize),
                (1, 2, 2),
                (n - 1, n, -1),
                (n - 1, 2, -2),
                (0, 0, 1),
            ] {
                if len > 0 && start as isize + (len as isize - 1) * step >= n as isize {
                    continue;
                }
                let y = ops::slice_axis(&x, axis, start, len, step).unwrap();
                let mut od = dims.to_vec();
                od[axis] = len;
                let ev: Vec<f64> = (0..numel(&od))
                    .map(|f| {
                        let mut idx = unravel(f, &od);
                        idx[axis] = (start as isize + idx[axis] as isize * step) as usize;
                        xv[ravel(&idx, &dims)]
                    })
                    .collect();
                assert_tensor(
                    &y,
                    &od,
                    &ev,
                    &format!("slice {view:?} {axis} {start} {len} {step}"),
                );
            }
            let y = ops::flip(&x, axis).unwrap();
            let ev: Vec<f64> = (0..xv.len())
                .map(|f| {
                    let mut idx = unravel(f, &dims);
                    idx[axis] = dims[axis] - 1 - idx[axis];
                    xv[ravel(&idx, &dims)]
                })
                .collect();
            assert_tensor(&y, &dims, &ev, "flip");
            for index in [0isize, 1, -1] {
                let y = ops::index_axis(&x, axis, index).unwrap();
                let i = if index < 0 {
                    dims[axis] as isize + index
                } else {
                    index
                } as usize;
                let mut od = dims.to_vec();
                od.remove(axis);
                let ev: Vec<f64> = (0..numel(&od))
                    .map(|f| {
                        let mut idx = unravel(f, &od);
                        idx.insert(axis, i);
                        xv[ravel(&idx, &dims)]
                    })
                    .collect();
                assert_tensor(&y, &od, &ev, "index_axis");
            }
        }
    }
}

#[test]
fn tile_repeat_pad() {
    let mut rng = Lcg::new(35);
    let dims = [2, 3];
    for view in VIEWS {
        let (x, xv) = make(&mut rng, &dims, view, -1.0, 1.0);
        for reps in [&[2, 1][..], &[1, 3], &[2, 2], &[3], &[2, 1, 2], &[0, 1]] {
            let y = ops::tile(&x, reps).unwrap();
            let rank = reps.len().max(2);
            let mut d = vec![1; rank - 2];
            d.extend_from_slice(&dims);
            let mut r = vec![1; rank - reps.len()];
            r.extend_from_slice(reps);
            let od: Vec<usize> = d.iter().zip(&r).map(|(a, b)| a * b).collect();
            let ev: Vec<f64> = (0..numel(&od))
                .map(|f| {
                    let idx: Vec<usize> =
                        unravel(f, &od).iter().zip(&d).map(|(i, n)| i % n).collect();
                    xv[ravel(&idx, &d)]
                })
                .collect();
            assert_tensor(&y, &od, &ev, &format!("tile {reps:?}"));
        }
        for axis in [Some(0isize), Some(1), Some(-1), None] {
            let y = ops::repeat(&x, 3, axis).unwrap();
            let (od, ev) = match axis {
                None => (
                    vec![18],
                    xv.iter().flat_map(|&v| [v, v, v]).collect::<Vec<_>>(),
                ),
                Some(a) => {
                    let a = if a < 0 { a + 2 } else { a } as usize;
                    let mut od = dims.to_vec();
                    od[a] *= 3;
                    let ev = (0..numel(&od))
                        .map(|f| {
                            let mut idx = unravel(f, &od);
                            idx[a] /= 3;
                            xv[ravel(&idx, &dims)]
                        })
                        .collect();
                    (od, ev)
                }
            };
            assert_tensor(&y, &od, &ev, &format!("repeat {axis:?}"));
        }
        let pads = [(1usize, 2usize), (0, 1)];
        let y = ops::pad(&x, &pads, 7.5).unwrap();
        let od = [5, 4];
        let ev: Vec<f64> = (0..20)
            .map(|f| {
                let idx = unravel(f, &od);
                if idx[0] >= 1 && idx[0] < 3 && idx[1] < 3 {
                    xv[ravel(&[idx[0] - 1, idx[1]], &dims)]
                } else {
                    7.5
                }
            })
            .collect();
        assert_tensor(&y, &od, &ev, "pad");
    }
    let s = tf(vec![2.0], &[]);
    assert_tensor(&ops::pad(&s, &[], 0.0).unwrap(), &[], &[2.0], "pad 0-d");
    assert_tensor(&ops::tile(&s, &[3]).unwrap(), &[3], &[2.0; 3], "tile 0-d");
}

// ---------------------------------------------------------------- gradients

#[test]
fn shape_op_gradients() {
    let mut rng = Lcg::new(36);
    let x = || rand_input(&mut Lcg::new(99), &[2, 3, 2], -1.0, 1.0);
    gradcheck("reshape", |xs| ops::reshape(&xs[0], &[3, 4]), &[x()]);
    gradcheck(
        "reshape of transpose",
        |xs| ops::reshape(&ops::transpose(&xs[0], None)?, &[12]),
        &[x()],
    );
    gradcheck(
        "transpose",
        |xs| ops::transpose(&xs[0], Some(&[1, 2, 0])),
        &[x()],
    );
    gradcheck(
        "matrix_transpose",
        |xs| ops::matrix_transpose(&xs[0]),
        &[x()],
    );
    gradcheck("expand_dims", |xs| ops::expand_dims(&xs[0], 1), &[x()]);
    gradcheck(
        "squeeze",
        |xs| ops::squeeze(&ops::expand_dims(&xs[0], 3)?, Some(&[3])),
        &[x()],
    );
    gradcheck(
        "broadcast_to",
        |xs| ops::broadcast_to(&xs[0], &[2, 2, 3, 2]),
        &[x()],
    );
    let b = rand_input(&mut rng, &[3, 1], -1.0, 1.0);
    gradcheck(
        "broadcast_to inner",
        |xs| ops::broadcast_to(&xs[0], &[2, 3, 4]),
        &[b],
    );
    for axis in 0..3 {
        gradcheck("flip", |xs| ops::flip(&xs[0], axis), &[x()]);
        gradcheck("slice", |xs| ops::slice_axis(&xs[0], axis, 1, 1, 1), &[x()]);
        gradcheck(
            "slice neg step",
            |xs| ops::slice_axis(&xs[0], axis, 1, 2, -1),
            &[x()],
        );
        gradcheck("index_axis", |xs| ops::index_axis(&xs[0], axis, -1), &[x()]);
    }
    let y = rand_input(&mut rng, &[2, 1, 2], -1.0, 1.0);
    gradcheck(
        "concatenate",
        |xs| ops::concatenate(&[xs[0].clone(), xs[1].clone(), xs[0].clone()], 1),
        &[x(), y],
    );
    let z = rand_input(&mut rng, &[2, 3, 2], -1.0, 1.0);
    gradcheck(
        "stack",
        |xs| ops::stack(&[xs[0].clone(), xs[1].clone()], -1),
        &[x(), z],
    );
    gradcheck(
        "split",
        |xs| {
            let p = ops::split(&xs[0], SplitSpec::Sections(3), 1)?;
            ops::add(&ops::mul_scalar(&p[0], 2.0)?, &ops::multiply(&p[1], &p[2])?)
        },
        &[x()],
    );
    gradcheck("tile", |xs| ops::tile(&xs[0], &[2, 1, 3]), &[x()]);
    gradcheck(
        "tile rank up",
        |xs| ops::tile(&xs[0], &[2, 1, 1, 2]),
        &[x()],
    );
    gradcheck("repeat", |xs| ops::repeat(&xs[0], 2, Some(1)), &[x()]);
    gradcheck("repeat flat", |xs| ops::repeat(&xs[0], 3, None), &[x()]);
    gradcheck(
        "pad",
        |xs| ops::pad(&xs[0], &[(1, 0), (0, 2), (1, 1)], 3.0),
        &[x()],
    );
}

// ---------------------------------------------------------------- errors

#[test]
fn shape_errors() {
    let x = tf(vec![0.0; 6], &[2, 3]);
    expect_err(
        ops::reshape(&x, &[4, 2]),
        is_shape,
        &["reshape", "(2, 3)", "(4, 2)"],
    );
    expect_err(
        ops::reshape_with_unknown(&x, &[-1, 4]),
        is_shape,
        &["reshape", "(2, 3)"],
    );
    expect_err(
        ops::reshape_with_unknown(&x, &[-1, -1]),
        is_value,
        &["reshape"],
    );
    expect_err(ops::transpose(&x, Some(&[0])), is_value, &["transpose"]);
    expect_err(
        ops::transpose(&x, Some(&[0, 0])),
        is_value,
        &["transpose", "repeat"],
    );
    expect_err(
        ops::transpose(&x, Some(&[0, 2])),
        is_value,
        &["transpose", "axis 2"],
    );
    expect_err(
        ops::squeeze(&x, Some(&[0])),
        is_value,
        &["squeeze", "(2, 3)"],
    );
    expect_err(
        ops::expand_dims(&x, 3),
        is_value,
        &["expand_dims", "axis 3"],
    );
    expect_err(
        ops::broadcast_to(&x, &[3, 3]),
        is_shape,
        &["broadcast_to", "(2, 3)", "(3, 3)"],
    );
    expect_err(
        ops::broadcast_to(&x, &[3]),
        is_shape,
        &["broadcast_to", "(2, 3)", "(3,)"],
    );
    let y = tf(vec![0.0; 8], &[2, 4]);
    expect_err(
        ops::concatenate(&[x.clone(), y.clone()], 0),
        is_shape,
        &["concatenate", "(2, 3)", "(2, 4)"],
    );
    expect_err(
        ops::concatenate(&[x.clone(), tf(vec![0.0; 3], &[3])], 0),
        is_shape,
        &["concatenate", "(2, 3)", "(3,)"],
    );
    expect_err(
        ops::concatenate(std::slice::from_ref(&x), 2),
        is_value,
        &["concatenate", "axis 2"],
    );
    expect_err(ops::concatenate(&[], 0), is_value, &["concatenate"]);
    expect_err(
        ops::stack(&[x.clone(), y.clone()], 0),
        is_shape,
        &["stack", "(2, 3)", "(2, 4)"],
    );
    expect_err(
        ops::split(&x, SplitSpec::Sections(2), 1),
        is_value,
        &["split"],
    );
    expect_err(
        ops::split(&x, SplitSpec::Sections(0), 1),
        is_value,
        &["split"],
    );
    expect_err(ops::pad(&x, &[(1, 1)], 0.0), is_value, &["pad", "(2, 3)"]);
    expect_err(ops::slice_axis(&x, 1, 2, 2, 1), is_index, &["slice"]);
    expect_err(ops::slice_axis(&x, 1, 0, 2, 0), is_value, &["step"]);
    expect_err(ops::index_axis(&x, 0, 2), is_index, &["index 2", "size 2"]);
    expect_err(ops::index_axis(&x, 0, -3), is_index, &["index -3"]);
}

#[test]
fn bad_axes_are_errors_not_panics() {
    let x = tf(vec![0.0; 6], &[2, 3]);
    expect_err(ops::flip(&x, 2), is_value, &["flip", "axis 2", "rank 2"]);
    expect_err(
        ops::slice_axis(&x, 5, 0, 1, 1),
        is_value,
        &["slice", "axis 5"],
    );
    expect_err(ops::index_axis(&x, 2, 0), is_value, &["axis 2"]);
    let v = tf(vec![0.0; 3], &[3]);
    expect_err(
        ops::matrix_transpose(&v),
        is_value,
        &["matrix_transpose", "(3,)"],
    );
    expect_err(
        ops::matrix_transpose(&tf(vec![1.0], &[])),
        is_value,
        &["matrix_transpose"],
    );
    expect_err(
        ops::sum_to_shape(&v, &rkeras::Shape::new(vec![2, 3])),
        is_shape,
        &["(3,)", "(2, 3)"],
    );
    expect_err(
        ops::squeeze(&x, Some(&[5])),
        is_value,
        &["squeeze", "axis 5"],
    );
    expect_err(ops::repeat(&x, 2, Some(2)), is_value, &["repeat", "axis 2"]);
    let _: Tensor = ops::tile(&x, &[]).unwrap();
}
