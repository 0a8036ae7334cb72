//! Reductions: every axis set, keepdims, layouts; gradients.

#![allow(clippy::type_complexity)]

mod common;

use common::*;
use rkeras::{ops, DType, Result, Tensor};

/// Groups the elements of `v` (shape `dims`) by their kept coordinates and
/// applies `f` to each group; returns the kept shape (with 1s when
/// `keepdims`) and the results.
fn reduce_ref(
    v: &[f64],
    dims: &[usize],
    axes: &[usize],
    keepdims: bool,
    f: impl Fn(&[f64]) -> f64,
) -> (Vec<usize>, Vec<f64>) {
    let kept_full: Vec<usize> = dims
        .iter()
        .enumerate()
        .map(|(a, &d)| if axes.contains(&a) { 1 } else { d })
        .collect();
    let mut groups = vec![Vec::new(); numel(&kept_full)];
    for (flat, &x) in v.iter().enumerate() {
        let mut idx = unravel(flat, dims);
        for &a in axes {
            idx[a] = 0;
        }
        groups[ravel(&idx, &kept_full)].push(x);
    }
    let out_dims = if keepdims {
        kept_full
    } else {
        dims.iter()
            .enumerate()
            .filter(|(a, _)| !axes.contains(a))
            .map(|(_, &d)| d)
            .collect()
    };
    (out_dims, groups.iter().map(|g| f(g)).collect())
}

type ReduceFn = fn(&Tensor, Option<&[isize]>, bool) -> Result<Tensor>;

fn mean64(g: &[f64]) -> f64 {
    g.iter().sum::<f64>() / g.len() as f64
}

fn var64(g: &[f64]) -> f64 {
    let m = mean64(g);
    g.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / g.len() as f64
}

fn cases() -> Vec<(&'static str, ReduceFn, fn(&[f64]) -> f64)> {
    vec![
        ("sum", ops::sum, |g| g.iter().sum()),
        ("mean", ops::mean, mean64),
        ("max", ops::max, |g| {
            g.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        }),
        ("min", ops::min, |g| {
            g.iter().copied().fold(f64::INFINITY, f64::min)
        }),
        ("prod", ops::prod, |g| g.iter().product()),
        ("var", ops::var, var64),
        ("std", ops::std, |g| var64(g).sqrt()),
        ("logsumexp", ops::logsumexp, |g| {
            let m = g.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            m + g.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
        }),
    ]
}

/// Every subset of axes, plus `None`.
fn axis_sets(rank: usize) -> Vec<Option<Vec<isize>>> {
    let mut sets = vec![None];
    for mask in 0..(1u32 << rank) {
        let axes: Vec<isize> = (0..rank)
            .filter(|a| mask & (1 << a) != 0)
            .map(|a| a as isize)
            .collect();
        sets.push(Some(axes));
    }
    sets
}

#[test]
fn reductions_forward() {
    let mut rng = Lcg::new(20);
    let shapes: &[&[usize]] = &[&[], &[7], &[3, 5], &[2, 3, 4], &[2, 1, 3, 2, 2]];
    for (name, op, reference) in cases() {
        for dims in shapes {
            for view in VIEWS {
                let (lo, hi) = if name == "prod" {
                    (0.5, 1.5)
                } else {
                    (-2.0, 2.0)
                };
                let (x, xv) = make(&mut rng, dims, view, lo, hi);
                for axes in axis_sets(dims.len()) {
                    for keepdims in [false, true] {
                        let y = op(&x, axes.as_deref(), keepdims).unwrap();
                        let ax: Vec<usize> = match &axes {
                            None => (0..dims.len()).collect(),
                            Some(a) => a.iter().map(|&a| a as usize).collect(),
                        };
                        let (od, expected) = reduce_ref(&xv, dims, &ax, keepdims, reference);
                        let what = format!("{name} {dims:?} {view:?} {axes:?} {keepdims}");
                        assert_eq!(y.dims(), &od[..], "{what}");
                        assert_close_tol(&f32s(&y), &expected, 1e-5, 1e-5, &what);
                    }
                }
            }
        }
    }
}

#[test]
fn negative_and_unsorted_axes() {
    let mut rng = Lcg::new(21);
    let (x, xv) = make(&mut rng, &[2, 3, 4], View::Stepped, -1.0, 1.0);
    let y = ops::sum(&x, Some(&[-1, 0]), false).unwrap();
    let (od, expected) = reduce_ref(&xv, &[2, 3, 4], &[0, 2], false, |g| g.iter().sum());
    assert_tensor(&y, &od, &expected, "sum axes [-1, 0]");
    expect_err(
        ops::sum(&x, Some(&[0, -3]), false),
        is_value,
        &["sum", "repeated"],
    );
    expect_err(
        ops::sum(&x, Some(&[3]), false),
        is_value,
        &["sum", "axis 3", "rank 3"],
    );
    expect_err(
        ops::max(&x, Some(&[-4]), false),
        is_value,
        &["max", "axis -4"],
    );
}

#[test]
fn zero_size_reductions() {
    let x = tf(vec![], &[3, 0]);
    let s = ops::sum(&x, Some(&[1]), false).unwrap();
    assert_tensor(&s, &[3], &[0.0; 3], "sum over empty axis");
    let s = ops::sum(&x, Some(&[0]), false).unwrap();
    assert_tensor(&s, &[0], &[], "sum keeping empty axis");
    let p = ops::prod(&x, Some(&[1]), true).unwrap();
    assert_tensor(&p, &[3, 1], &[1.0; 3], "prod over empty axis");
    let m = f32s(&ops::mean(&x, Some(&[1]), false).unwrap());
    assert!(
        m.iter().all(|v| v.is_nan()),
        "mean of nothing is NaN: {m:?}"
    );
    expect_err(
        ops::max(&x, Some(&[1]), false),
        is_value,
        &["max", "zero-size"],
    );
    expect_err(ops::min(&x, None, false), is_value, &["min", "zero-size"]);
    assert_tensor(
        &ops::max(&x, Some(&[0]), false).unwrap(),
        &[0],
        &[],
        "max keeping empty",
    );
    expect_err(ops::argmax(&x, Some(1), false), is_value, &["empty"]);
    let l = f32s(&ops::logsumexp(&x, Some(&[1]), false).unwrap());
    assert!(l.iter().all(|v| *v == f32::NEG_INFINITY), "{l:?}");
}

#[test]
fn large_sums_are_accurate() {
    // 2^24 + 2 ones: a sequential f32 sum sticks at 2^24.
    let n = (1 << 24) + 2;
    let x = tf(vec![1.0; n], &[n]);
    let s = ops::sum(&x, None, false).unwrap().item().unwrap();
    assert_eq!(s, n as f64);
    // A million 0.1s: sequential f32 summation is off by ~1%.
    let n = 1_000_000;
    let x = tf(vec![0.1; n], &[n]);
    let s = ops::sum(&x, None, false).unwrap().item().unwrap();
    let exact = n as f64 * 0.1f32 as f64;
    assert!((s - exact).abs() <= 1e-5 * exact, "sum {s} vs {exact}");
    let m = ops::mean(&tf(vec![0.1; n], &[1000, 1000]), Some(&[0]), false).unwrap();
    assert_close(
        &f32s(&m),
        &vec![0.1f32 as f64; 1000],
        "mean over a leading axis",
    );
    let x = tf(vec![0.1; n], &[10, n / 10]);
    let s = ops::sum(&x, Some(&[1]), false).unwrap();
    assert_close(&f32s(&s), &[exact / 10.0; 10], "row sums");
}

#[test]
fn max_min_with_nan_and_inf() {
    let x = tf(vec![1.0, f32::NAN, 3.0, -f32::INFINITY, 2.0, 0.0], &[2, 3]);
    let m = f32s(&ops::max(&x, Some(&[1]), false).unwrap());
    assert!(m[0].is_nan() && m[1] == 2.0, "{m:?}");
    let m = f32s(&ops::min(&x, Some(&[1]), false).unwrap());
    assert!(m[0].is_nan() && m[1] == f32::NEG_INFINITY, "{m:?}");
    // logsumexp of -inf everywhere is -inf, not NaN.
    let x = tf(vec![f32::NEG_INFINITY; 3], &[3]);
    assert_eq!(
        ops::logsumexp(&x, None, false).unwrap().item().unwrap(),
        f64::NEG_INFINITY
    );
    // logsumexp of huge values does not overflow.
    let x = tf(vec![1000.0, 1000.0], &[2]);
    let v = ops::logsumexp(&x, None, false).unwrap().item().unwrap();
    assert!((v - (1000.0 + 2f64.ln())).abs() < 1e-3, "{v}");
}

#[test]
fn arg_reductions() {
    let mut rng = Lcg::new(22);
    for dims in [&[7][..], &[3, 5], &[2, 3, 4]] {
        for view in VIEWS {
            let (x, xv) = make(&mut rng, dims, view, -2.0, 2.0);
            for axis in 0..dims.len() {
                for (op, better) in [
                    (
                        ops::argmax as fn(_, _, _) -> _,
                        (|a, b| a > b) as fn(f64, f64) -> bool,
                    ),
                    (ops::argmin, |a, b| a < b),
                ] {
                    let y = op(&x, Some(axis as isize), false).unwrap();
                    assert_eq!(y.dtype(), DType::I64);
                    let (od, expected) = reduce_ref(
                        &(0..xv.len()).map(|i| i as f64).collect::<Vec<_>>(),
                        dims,
                        &[axis],
                        false,
                        |g| {
                            // g holds flat indices; pick the first best one.
                            let mut best = g[0] as usize;
                            for &f in g {
                                if better(xv[f as usize], xv[best]) {
                                    best = f as usize;
                                }
                            }
                            unravel(best, dims)[axis] as f64
                        },
                    );
                    assert_eq!(y.dims(), &od[..]);
                    let got: Vec<f64> = y
                        .to_vec::<i64>()
                        .unwrap()
                        .iter()
                        .map(|&i| i as f64)
                        .collect();
                    assert_eq!(got, expected, "{dims:?} {view:?} axis {axis}");
                }
            }
        }
    }
    let x = tf(vec![1.0, 5.0, 5.0, 0.0, 5.0, -1.0], &[2, 3]);
    assert_eq!(
        ops::argmax(&x, None, false)
            .unwrap()
            .to_vec::<i64>()
            .unwrap(),
        vec![1]
    );
    let k = ops::argmax(&x, None, true).unwrap();
    assert_eq!(k.dims(), &[1, 1]);
    assert_eq!(
        ops::argmin(&x, Some(-1), true)
            .unwrap()
            .to_vec::<i64>()
            .unwrap(),
        vec![0, 2]
    );
}

#[test]
fn any_all_and_integer_reductions() {
    let x = tf(vec![0.0, 1.0, 0.0, 0.0, 2.0, 3.0], &[2, 3]);
    assert_eq!(
        ops::any(&x, Some(&[1]), false)
            .unwrap()
            .to_vec::<bool>()
            .unwrap(),
        vec![true, true]
    );
    assert_eq!(
        ops::all(&x, Some(&[1]), false)
            .unwrap()
            .to_vec::<bool>()
            .unwrap(),
        vec![false, false]
    );
    assert_eq!(
        ops::all(&x, Some(&[0]), true)
            .unwrap()
            .to_vec::<bool>()
            .unwrap(),
        vec![false, true, false]
    );
    let i = ti64(vec![3, -1, 4, 1, -5, 9], &[2, 3]);
    let s = ops::sum(&i, Some(&[0]), false).unwrap();
    assert_eq!(s.dtype(), DType::I64);
    assert_eq!(s.to_vec::<i64>().unwrap(), vec![4, -6, 13]);
    assert_eq!(
        ops::max(&i, Some(&[1]), false)
            .unwrap()
            .to_vec::<i64>()
            .unwrap(),
        vec![4, 9]
    );
    let b = tb(vec![true, true, false], &[3]);
    assert_eq!(
        ops::sum(&b, None, false).unwrap().to_vec::<i32>().unwrap(),
        vec![2]
    );
    let m = ops::mean(&i, None, false).unwrap();
    assert_eq!(m.dtype(), DType::F32);
    assert_close(&f32s(&m), &[11.0 / 6.0], "mean of ints");
}

#[test]
fn cumsum_forward() {
    let mut rng = Lcg::new(23);
    for dims in [&[7][..], &[3, 5], &[2, 3, 4], &[2, 1, 3, 2, 2]] {
        for view in VIEWS {
            let (x, xv) = make(&mut rng, dims, view, -2.0, 2.0);
            for axis in 0..dims.len() {
                let y = ops::cumsum(&x, Some(axis as isize)).unwrap();
                let expected: Vec<f64> = (0..xv.len())
                    .map(|f| {
                        let idx = unravel(f, dims);
                        (0..=idx[axis])
                            .map(|j| {
                                let mut k = idx.clone();
                                k[axis] = j;
                                xv[ravel(&k, dims)]
                            })
                            .sum()
                    })
                    .collect();
                assert_tensor(
                    &y,
                    dims,
                    &expected,
                    &format!("cumsum {dims:?} {view:?} {axis}"),
                );
            }
            let flat = ops::cumsum(&x, None).unwrap();
            let mut acc = 0.0;
            let expected: Vec<f64> = xv
                .iter()
                .map(|v| {
                    acc += v;
                    acc
                })
                .collect();
            assert_tensor(&flat, &[xv.len()], &expected, "cumsum flat");
        }
    }
    let b = ops::cumsum(&tb(vec![true, false, true], &[3]), None).unwrap();
    assert_eq!(b.to_vec::<i32>().unwrap(), vec![1, 1, 2]);
}

// ---------------------------------------------------------------- gradients

#[test]
fn reduction_gradients() {
    let mut rng = Lcg::new(24);
    let axes_list: Vec<Option<Vec<isize>>> = vec![
        None,
        Some(vec![0]),
        Some(vec![-1]),
        Some(vec![0, 2]),
        Some(vec![]),
    ];
    for (name, op, _) in cases() {
        for axes in &axes_list {
            // std over no axes is sqrt at 0: no derivative there.
            if name == "std" && axes.as_deref() == Some(&[]) {
                continue;
            }
            for keepdims in [false, true] {
                let input = match name {
                    "prod" => rand_input(&mut rng, &[2, 3, 2], 0.5, 1.5),
                    // Distinct values a safe distance apart: no ties.
                    "max" | "min" => {
                        let mut v: Vec<f32> = (0..12).map(|i| i as f32 * 0.3 - 1.7).collect();
                        for i in (1..v.len()).rev() {
                            v.swap(i, rng.below(i as u32 + 1) as usize);
                        }
                        (v, vec![2, 3, 2])
                    }
                    _ => rand_input(&mut rng, &[2, 3, 2], -2.0, 2.0),
                };
                gradcheck(
                    &format!("{name} {axes:?} {keepdims}"),
                    |xs| op(&xs[0], axes.as_deref(), keepdims),
                    &[input],
                );
            }
        }
    }
}

#[test]
fn max_gradient_splits_ties() {
    let x = tf(vec![1.0, 3.0, 3.0, 0.0], &[4]);
    let tape = rkeras::autograd::Tape::new(false);
    tape.enter();
    tape.watch(&x);
    let y = ops::max(&x, None, false).unwrap();
    tape.exit();
    let g = tape.gradient(&y, &[x], None).unwrap();
    assert_eq!(f32s(g[0].as_ref().unwrap()), vec![0.0, 0.5, 0.5, 0.0]);
}

#[test]
fn cumsum_gradients() {
    let mut rng = Lcg::new(25);
    for axis in [Some(0), Some(1), Some(-1), None] {
        let x = rand_input(&mut rng, &[3, 4], -2.0, 2.0);
        gradcheck(
            &format!("cumsum {axis:?}"),
            |xs| ops::cumsum(&xs[0], axis),
            &[x],
        );
    }
}

#[test]
fn logsumexp_gradient_at_large_values() {
    let mut rng = Lcg::new(26);
    let x = rand_input(&mut rng, &[3, 4], 998.0, 1002.0);
    gradcheck_tol(
        "logsumexp 1e3",
        |xs| ops::logsumexp(&xs[0], Some(&[1]), false),
        &[x],
        0.05,
        2e-3,
    );
}
