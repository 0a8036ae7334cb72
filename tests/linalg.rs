//! matmul and dot against naive f64 loops; gradients; errors.

mod common;

use common::*;
use rkeras::{ops, DType};

/// NumPy matmul reference with batch broadcasting and 1-D promotion.
fn matmul_ref(a: &[f64], ad: &[usize], b: &[f64], bd: &[usize]) -> (Vec<usize>, Vec<f64>) {
    let a2: Vec<usize> = if ad.len() == 1 {
        vec![1, ad[0]]
    } else {
        ad.to_vec()
    };
    let b2: Vec<usize> = if bd.len() == 1 {
        vec![bd[0], 1]
    } else {
        bd.to_vec()
    };
    let (ra, rb) = (a2.len(), b2.len());
    let (m, k, n) = (a2[ra - 2], a2[ra - 1], b2[rb - 1]);
    let batch = broadcast_shape(&a2[..ra - 2], &b2[..rb - 2]).unwrap();
    let mut out = batch.clone();
    out.extend([m, n]);
    let mut vals = vec![0.0; numel(&out)];
    for f in 0..numel(&batch) {
        let bi = unravel(f, &batch);
        let ao = broadcast_source(&bi, &a2[..ra - 2]) * m * k;
        let bo = broadcast_source(&bi, &b2[..rb - 2]) * k * n;
        for i in 0..m {
            for j in 0..n {
                let s: f64 = (0..k).map(|p| a[ao + i * k + p] * b[bo + p * n + j]).sum();
                vals[f * m * n + i * n + j] = s;
            }
        }
    }
    let mut dims = out;
    if bd.len() == 1 {
        dims.pop();
    }
    if ad.len() == 1 {
        dims.remove(dims.len() - if bd.len() == 1 { 1 } else { 2 });
    }
    (dims, vals)
}

#[test]
fn matmul_forward() {
    let mut rng = Lcg::new(40);
    let cases: &[(&[usize], &[usize])] = &[
        (&[3, 4], &[4, 5]),
        (&[1, 1], &[1, 1]),
        (&[7, 33], &[33, 17]),
        (&[2, 3, 4], &[2, 4, 5]),
        (&[2, 3, 4], &[4, 5]),
        (&[4, 5], &[3, 5, 2]),
        (&[2, 1, 3, 4], &[5, 4, 2]),
        (&[2, 1, 1, 3, 4], &[1, 2, 3, 4, 2]),
        (&[4], &[4, 3]),
        (&[3, 4], &[4]),
        (&[4], &[4]),
        (&[2, 3, 4], &[4]),
        (&[4], &[2, 4, 3]),
        (&[0, 4], &[4, 3]),
        (&[3, 0], &[0, 2]),
        (&[2, 0, 3], &[3, 2]),
        (&[64, 130], &[130, 70]),
        (&[300, 200], &[200, 100]),
        // Few rows, many FLOPs: column bands on the team's threads.
        (&[32, 784], &[784, 300]),
        // A weight gradient's shape: row bands on the team.
        (&[784, 32], &[32, 300]),
        // Batches of mid-size products: one product per team part.
        (&[4, 64, 96], &[4, 96, 64]),
        (&[3, 100, 64], &[64, 130]),
        // Past the team's range: the rayon pool.
        (&[128, 300], &[300, 300]),
    ];
    for &(ad, bd) in cases {
        for (i, va) in VIEWS.iter().enumerate() {
            let vb = VIEWS[(i + 1) % VIEWS.len()];
            let empty = numel(ad) == 0 || numel(bd) == 0;
            let (va, vb) = if empty {
                (View::Contiguous, View::Contiguous)
            } else {
                (*va, vb)
            };
            let (a, av) = make(&mut rng, ad, va, -1.0, 1.0);
            let (b, bv) = make(&mut rng, bd, vb, -1.0, 1.0);
            let y = ops::matmul(&a, &b).unwrap();
            let (od, ev) = matmul_ref(&av, ad, &bv, bd);
            let what = format!("matmul {ad:?}{va:?} @ {bd:?}{vb:?}");
            assert_eq!(y.dims(), &od[..], "{what}");
            // float32 rounding grows with the inner dimension, as sqrt(k).
            let k = *ad.last().unwrap() as f64;
            let tol = 1e-5 * (k / 100.0).sqrt().max(1.0);
            assert_close_tol(&f32s(&y), &ev, tol, tol, &what);
        }
    }
}

#[test]
fn matmul_integer_operands() {
    let a = ti32(vec![1, 2, 3, 4], &[2, 2]);
    let b = ti32(vec![5, 6, 7, 8], &[2, 2]);
    let y = ops::matmul(&a, &b).unwrap();
    assert_eq!(y.dtype(), DType::I32);
    assert_eq!(y.to_vec::<i32>().unwrap(), vec![19, 22, 43, 50]);
}

fn dot_ref(a: &[f64], ad: &[usize], b: &[f64], bd: &[usize]) -> (Vec<usize>, Vec<f64>) {
    // sum over the last axis of a and the second-to-last of b.
    let k = ad[ad.len() - 1];
    let rb = bd.len();
    let mut out: Vec<usize> = ad[..ad.len() - 1].to_vec();
    let bo: Vec<usize> = bd
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != rb - 2)
        .map(|(_, &d)| d)
        .collect();
    out.extend(&bo);
    let na = numel(&ad[..ad.len() - 1]);
    let vals = (0..numel(&out))
        .map(|f| {
            let (ia, ib) = (f / numel(&bo), f % numel(&bo));
            let bi = unravel(ib, &bo);
            let _ = na;
            (0..k)
                .map(|p| {
                    let mut full = bi.clone();
                    full.insert(rb - 2, p);
                    a[ia * k + p] * b[ravel(&full, bd)]
                })
                .sum()
        })
        .collect();
    (out, vals)
}

#[test]
fn dot_forward() {
    let mut rng = Lcg::new(41);
    let (a, av) = make(&mut rng, &[2, 3], View::Transposed, -1.0, 1.0);
    let (b, bv) = make(&mut rng, &[4, 3, 5], View::Stepped, -1.0, 1.0);
    let y = ops::dot(&a, &b).unwrap();
    let (od, ev) = dot_ref(&av, &[2, 3], &bv, &[4, 3, 5]);
    assert_tensor(&y, &od, &ev, "dot 2-d . 3-d");
    let (c, cv) = make(&mut rng, &[3], View::Flipped, -1.0, 1.0);
    let y = ops::dot(&c, &b).unwrap();
    let (od, ev) = dot_ref(&cv, &[3], &bv, &[4, 3, 5]);
    assert_tensor(&y, &od, &ev, "dot 1-d . 3-d");
    let (d, dv) = make(&mut rng, &[2, 2, 3], View::Contiguous, -1.0, 1.0);
    let (e, ev_) = make(&mut rng, &[3, 4], View::Transposed, -1.0, 1.0);
    let y = ops::dot(&d, &e).unwrap();
    let (od, ev) = matmul_ref(&dv, &[2, 2, 3], &ev_, &[3, 4]);
    assert_tensor(&y, &od, &ev, "dot 3-d . 2-d");
    let y = ops::dot(&c, &c).unwrap();
    assert_tensor(&y, &[], &[cv.iter().map(|v| v * v).sum()], "dot 1-d . 1-d");
    let s = tf(vec![2.0], &[]);
    let y = ops::dot(&s, &a).unwrap();
    assert_tensor(
        &y,
        &[2, 3],
        &av.iter().map(|v| 2.0 * v).collect::<Vec<_>>(),
        "dot scalar",
    );
    let y = ops::inner_last(&a, &a).unwrap();
    let ev: Vec<f64> = (0..2)
        .map(|r| (0..3).map(|c| av[r * 3 + c].powi(2)).sum())
        .collect();
    assert_tensor(&y, &[2], &ev, "inner_last");
}

#[test]
fn matmul_gradients() {
    let mut rng = Lcg::new(42);
    let cases: &[(&[usize], &[usize])] = &[
        (&[3, 4], &[4, 2]),
        (&[2, 3, 4], &[2, 4, 2]),
        (&[2, 3, 4], &[4, 2]),
        (&[3, 4], &[2, 4, 2]),
        (&[2, 1, 2, 3], &[3, 3, 2]),
        (&[4], &[4, 3]),
        (&[3, 4], &[4]),
        (&[4], &[4]),
        (&[4], &[2, 4, 3]),
    ];
    for &(ad, bd) in cases {
        let a = rand_input(&mut rng, ad, -1.0, 1.0);
        let b = rand_input(&mut rng, bd, -1.0, 1.0);
        gradcheck(
            &format!("matmul {ad:?} {bd:?}"),
            |xs| ops::matmul(&xs[0], &xs[1]),
            &[a, b],
        );
    }
    // Transposed operands (views straight into gemm).
    let a = rand_input(&mut rng, &[4, 3], -1.0, 1.0);
    let b = rand_input(&mut rng, &[2, 4], -1.0, 1.0);
    gradcheck(
        "matmul of transposes",
        |xs| {
            ops::matmul(
                &ops::matrix_transpose(&xs[0])?,
                &ops::matrix_transpose(&xs[1])?,
            )
        },
        &[a, b],
    );
    let a = rand_input(&mut rng, &[2, 3], -1.0, 1.0);
    let b = rand_input(&mut rng, &[2, 3, 2], -1.0, 1.0);
    gradcheck("dot", |xs| ops::dot(&xs[0], &xs[1]), &[a, b]);
}

#[test]
fn matmul_errors() {
    let a = tf(vec![0.0; 6], &[2, 3]);
    let b = tf(vec![0.0; 8], &[4, 2]);
    expect_err(
        ops::matmul(&a, &b),
        is_shape,
        &["matmul", "(2, 3)", "(4, 2)"],
    );
    let c = tf(vec![0.0; 24], &[2, 3, 4]);
    let d = tf(vec![0.0; 24], &[3, 4, 2]);
    expect_err(
        ops::matmul(&c, &d),
        is_shape,
        &["matmul", "(2, 3, 4)", "(3, 4, 2)"],
    );
    expect_err(
        ops::matmul(&tf(vec![0.0; 3], &[3]), &tf(vec![0.0; 4], &[4])),
        is_shape,
        &["matmul", "(3,)", "(4,)"],
    );
    expect_err(
        ops::matmul(&tf(vec![1.0], &[]), &a),
        is_value,
        &["matmul", "()", "(2, 3)"],
    );
    expect_err(
        ops::dot(&a, &tf(vec![0.0; 24], &[2, 4, 3])),
        is_shape,
        &["dot", "(2, 3)", "(2, 4, 3)"],
    );
}
