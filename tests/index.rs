//! take, take_along_axis, one_hot, scatter_add.

mod common;

use common::*;
use rkeras::{ops, DType};

#[test]
fn take_forward() {
    let mut rng = Lcg::new(50);
    let dims = [4, 3, 5];
    for view in VIEWS {
        let (x, xv) = make(&mut rng, &dims, view, -1.0, 1.0);
        for axis in 0..3 {
            let n = dims[axis] as i64;
            let idx = vec![0, n - 1, -1, 1, -n, 1];
            for idims in [&[6][..], &[2, 3], &[3, 1, 2]] {
                for as_i32 in [false, true] {
                    let it = if as_i32 {
                        ti32(idx.iter().map(|&i| i as i32).collect(), idims)
                    } else {
                        ti64(idx.clone(), idims)
                    };
                    let y = ops::take(&x, &it, Some(axis as isize)).unwrap();
                    let mut od = dims[..axis].to_vec();
                    od.extend_from_slice(idims);
                    od.extend_from_slice(&dims[axis + 1..]);
                    let ev: Vec<f64> = (0..numel(&od))
                        .map(|f| {
                            let oi = unravel(f, &od);
                            let ii = &oi[axis..axis + idims.len()];
                            let mut k = idx[ravel(ii, idims)];
                            if k < 0 {
                                k += n;
                            }
                            let mut src = oi[..axis].to_vec();
                            src.push(k as usize);
                            src.extend_from_slice(&oi[axis + idims.len()..]);
                            xv[ravel(&src, &dims)]
                        })
                        .collect();
                    assert_tensor(
                        &y,
                        &od,
                        &ev,
                        &format!("take {view:?} axis {axis} {idims:?}"),
                    );
                }
            }
        }
        // axis=None flattens.
        let y = ops::take(&x, &ti64(vec![59, 0, -2], &[3]), None).unwrap();
        assert_tensor(&y, &[3], &[xv[59], xv[0], xv[58]], "take flat");
    }
    // Integer data, empty indices, 0-d index.
    let xi = ti32(vec![10, 20, 30], &[3]);
    assert_eq!(
        ops::take(&xi, &ti64(vec![2, 0], &[2]), Some(0))
            .unwrap()
            .to_vec::<i32>()
            .unwrap(),
        vec![30, 10]
    );
    let e = ops::take(&tf(vec![1.0, 2.0], &[2]), &ti64(vec![], &[0]), Some(0)).unwrap();
    assert_eq!(e.dims(), &[0]);
    let s = ops::take(&tf(vec![1.0, 2.0], &[2]), &ti64(vec![1], &[]), Some(0)).unwrap();
    assert_tensor(&s, &[], &[2.0], "take 0-d index");
}

#[test]
fn take_along_axis_forward() {
    let mut rng = Lcg::new(51);
    let dims = [3, 4, 2];
    for view in VIEWS {
        let (x, xv) = make(&mut rng, &dims, view, -1.0, 1.0);
        for axis in 0..3 {
            for (id, bcast) in [(false, false), (true, false), (false, true)] {
                let _ = id;
                let mut idims = dims.to_vec();
                idims[axis] = 5;
                if bcast {
                    idims[(axis + 1) % 3] = 1;
                }
                let n = dims[axis] as i64;
                let idx: Vec<i64> = (0..numel(&idims))
                    .map(|_| rng.below(2 * n as u32) as i64 - n)
                    .collect();
                let y =
                    ops::take_along_axis(&x, &ti64(idx.clone(), &idims), axis as isize).unwrap();
                let mut od = dims.to_vec();
                od[axis] = 5;
                let ev: Vec<f64> = (0..numel(&od))
                    .map(|f| {
                        let oi = unravel(f, &od);
                        let mut k = idx[broadcast_source(&oi, &idims)];
                        if k < 0 {
                            k += n;
                        }
                        let mut src = oi.clone();
                        src[axis] = k as usize;
                        xv[ravel(&src, &dims)]
                    })
                    .collect();
                assert_tensor(
                    &y,
                    &od,
                    &ev,
                    &format!("take_along_axis {view:?} {axis} {bcast}"),
                );
            }
        }
    }
}

#[test]
fn one_hot_and_scatter_add() {
    let labels = ti64(vec![0, 2, -1, 3, 1], &[5]);
    let y = ops::one_hot(&labels, 3, -1, DType::F32).unwrap();
    assert_eq!(y.dims(), &[5, 3]);
    assert_eq!(
        f32s(&y),
        vec![1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 0., 0., 0., 1., 0.]
    );
    let y = ops::one_hot(&ti32(vec![1, 0], &[2]), 2, 0, DType::I32).unwrap();
    assert_eq!(y.dims(), &[2, 2]);
    assert_eq!(y.to_vec::<i32>().unwrap(), vec![0, 1, 1, 0]);
    let g = tf(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]);
    let s = ops::scatter_add(&g, &ti64(vec![2, 0, 2], &[3]), 0, 4).unwrap();
    assert_tensor(
        &s,
        &[4, 2],
        &[3.0, 4.0, 0.0, 0.0, 6.0, 8.0, 0.0, 0.0],
        "scatter_add",
    );
    expect_err(
        ops::one_hot(&tf(vec![1.0], &[1]), 2, -1, DType::F32),
        is_dtype,
        &["one_hot"],
    );
}

#[test]
fn index_gradients() {
    let mut rng = Lcg::new(52);
    let x = rand_input(&mut rng, &[4, 3], -1.0, 1.0);
    let idx = ti64(vec![1, 3, 1, -1, 0], &[5]);
    gradcheck(
        "take axis 0 (repeats)",
        |xs| ops::take(&xs[0], &idx, Some(0)),
        std::slice::from_ref(&x),
    );
    let idx2 = ti64(vec![2, 0, 2, 1], &[2, 2]);
    gradcheck(
        "take axis 1, 2-d indices",
        |xs| ops::take(&xs[0], &idx2, Some(1)),
        std::slice::from_ref(&x),
    );
    gradcheck(
        "take flat",
        |xs| ops::take(&xs[0], &idx2, None),
        std::slice::from_ref(&x),
    );
    let ia = ti64(vec![0, 2, 2, 1, 0, 0, 1, 1, 2, 0, 0, 0], &[4, 3]);
    gradcheck(
        "take_along_axis",
        |xs| ops::take_along_axis(&xs[0], &ia, 1),
        std::slice::from_ref(&x),
    );
    let ib = ti64(vec![3, 0, 1, 1, 2, 3], &[2, 3]);
    gradcheck(
        "take_along_axis 0",
        |xs| ops::take_along_axis(&xs[0], &ib, 0),
        std::slice::from_ref(&x),
    );
    let ic = ti64(vec![3, 0], &[2, 1]);
    gradcheck(
        "take_along_axis broadcast",
        |xs| ops::take_along_axis(&xs[0], &ic, 0),
        &[x],
    );
}

#[test]
fn index_errors() {
    let x = tf(vec![0.0; 6], &[2, 3]);
    expect_err(
        ops::take(&x, &ti64(vec![0, 3], &[2]), Some(1)),
        is_index,
        &["take", "index 3", "(2, 3)", "(2,)"],
    );
    expect_err(
        ops::take(&x, &ti64(vec![-4], &[1]), Some(1)),
        is_index,
        &["take", "-4", "(2, 3)"],
    );
    expect_err(
        ops::take(&x, &ti64(vec![6], &[1]), None),
        is_index,
        &["take", "index 6"],
    );
    expect_err(
        ops::take(&x, &ti64(vec![0], &[1]), Some(2)),
        is_value,
        &["take", "axis 2"],
    );
    expect_err(
        ops::take(&x, &tf(vec![0.0], &[1]), Some(0)),
        is_dtype,
        &["int"],
    );
    expect_err(
        ops::take_along_axis(&x, &ti64(vec![0, 5], &[2, 1]), 1),
        is_index,
        &["take_along_axis", "index 5", "(2, 3)", "(2, 1)"],
    );
    expect_err(
        ops::take_along_axis(&x, &ti64(vec![0, 1], &[2]), 1),
        is_value,
        &["take_along_axis", "(2, 3)", "(2,)"],
    );
    expect_err(
        ops::take_along_axis(&x, &ti64(vec![0; 3], &[3, 1]), 1),
        is_shape,
        &["take_along_axis"],
    );
}

/// Outputs big enough to split across threads: an embedding-sized table
/// with repeated indices, and a middle axis with several outer slices,
/// where the row ranges straddle slice boundaries. Every scattered sum
/// must be formed in index order, so the result equals a serial f32 loop
/// bit for bit; the gather of the same rows must copy them exactly.
#[test]
fn gather_and_scatter_add_split_large_outputs_exactly() {
    let mut rng = Lcg::new(51);
    for (outer, axis_len, inner, n) in [(1, 5000, 64, 6400), (3, 997, 50, 700)] {
        let g: Vec<f32> = (0..outer * n * inner)
            .map(|_| rng.uniform(-1.0, 1.0))
            .collect();
        let idx: Vec<i64> = (0..n)
            .map(|_| (rng.next_u32() as usize % (axis_len / 7)) as i64 * 7)
            .collect();
        let mut want = vec![0.0f32; outer * axis_len * inner];
        for o in 0..outer {
            for (j, &i) in idx.iter().enumerate() {
                for d in 0..inner {
                    want[(o * axis_len + i as usize) * inner + d] += g[(o * n + j) * inner + d];
                }
            }
        }
        let dims = if outer == 1 {
            vec![n, inner]
        } else {
            vec![outer, n, inner]
        };
        let axis = dims.len() - 2;
        let idx = ti64(idx, &[n]);
        let s = ops::scatter_add(&tf(g, &dims), &idx, axis, axis_len).unwrap();
        assert_eq!(f32s(&s), want, "scatter_add {outer}x{axis_len}x{inner}");
        let taken = ops::take(&s, &idx, Some(axis as isize)).unwrap();
        let iv = idx.to_vec::<i64>().unwrap();
        let rows: Vec<f32> = (0..outer * n)
            .flat_map(|r| {
                let at = ((r / n) * axis_len + iv[r % n] as usize) * inner;
                want[at..at + inner].to_vec()
            })
            .collect();
        assert_eq!(taken.dims(), &dims[..], "take shape");
        assert_eq!(f32s(&taken), rows, "take {outer}x{axis_len}x{inner}");
    }
}
