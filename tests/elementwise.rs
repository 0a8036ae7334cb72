//! Elementwise ops, activations and softmax: forward values against f64
//! references on every kind of layout, and gradients against finite
//! differences.

#![allow(clippy::type_complexity)]

mod common;

use common::*;
use rkeras::{ops, DType, Result, Tensor};

/// erf in f64: the Maclaurin series (exact to ~1e-11 for |x| < 5), ±1 beyond.
fn erf64(x: f64) -> f64 {
    if x.abs() >= 5.0 {
        return x.signum();
    }
    let mut term = x;
    let mut sum = x;
    let x2 = x * x;
    for k in 1..200 {
        term *= -x2 / k as f64;
        let add = term / (2 * k + 1) as f64;
        sum += add;
        if add.abs() < 1e-17 * sum.abs() {
            break;
        }
    }
    sum * std::f64::consts::FRAC_2_SQRT_PI
}

fn sigmoid64(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

type UnaryFn = fn(&Tensor) -> Result<Tensor>;

/// Name, op, reference, input range.
fn unary_cases() -> Vec<(&'static str, UnaryFn, fn(f64) -> f64, f64, f64)> {
    vec![
        ("negative", ops::negative, |x| -x, -3.0, 3.0),
        ("abs", ops::abs, f64::abs, -3.0, 3.0),
        ("sign", ops::sign, |x| x.signum(), -3.0, 3.0),
        ("floor", ops::floor, f64::floor, -3.0, 3.0),
        ("ceil", ops::ceil, f64::ceil, -3.0, 3.0),
        ("round", ops::round, round_half_even, -3.0, 3.0),
        ("exp", ops::exp, f64::exp, -20.0, 20.0),
        ("expm1", ops::expm1, f64::exp_m1, -3.0, 3.0),
        ("log", ops::log, f64::ln, 1e-3, 50.0),
        ("log1p", ops::log1p, f64::ln_1p, -0.9, 5.0),
        ("sqrt", ops::sqrt, f64::sqrt, 0.0, 10.0),
        ("square", ops::square, |x| x * x, -3.0, 3.0),
        ("reciprocal", ops::reciprocal, |x| 1.0 / x, 0.1, 4.0),
        ("sin", ops::sin, f64::sin, -6.0, 6.0),
        ("cos", ops::cos, f64::cos, -6.0, 6.0),
        ("tanh", ops::tanh, f64::tanh, -6.0, 6.0),
        ("sigmoid", ops::sigmoid, sigmoid64, -12.0, 12.0),
        ("relu", ops::relu, |x| x.max(0.0), -3.0, 3.0),
        ("erf", ops::erf, erf64, -4.0, 4.0),
        ("relu6", ops::relu6, |x| x.clamp(0.0, 6.0), -3.0, 9.0),
        ("softplus", ops::softplus, |x| x.exp().ln_1p(), -10.0, 10.0),
        (
            "softsign",
            ops::softsign,
            |x| x / (1.0 + x.abs()),
            -5.0,
            5.0,
        ),
        ("silu", ops::silu, |x| x * sigmoid64(x), -8.0, 8.0),
        (
            "hard_sigmoid",
            ops::hard_sigmoid,
            |x| ((x + 3.0) / 6.0).clamp(0.0, 1.0),
            -5.0,
            5.0,
        ),
        (
            "hard_silu",
            ops::hard_silu,
            |x| x * ((x + 3.0) / 6.0).clamp(0.0, 1.0),
            -5.0,
            5.0,
        ),
        ("selu", ops::selu, selu64, -4.0, 4.0),
        (
            "gelu_exact",
            |x| ops::gelu(x, false),
            gelu_exact64,
            -5.0,
            5.0,
        ),
        ("gelu_tanh", |x| ops::gelu(x, true), gelu_tanh64, -5.0, 5.0),
        ("elu", |x| ops::elu(x, 1.3), |x| elu64(x, 1.3), -4.0, 4.0),
        (
            "leaky_relu",
            |x| ops::leaky_relu(x, 0.2),
            |x| if x >= 0.0 { x } else { 0.2 * x },
            -4.0,
            4.0,
        ),
    ]
}

fn elu64(x: f64, alpha: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        alpha * x.exp_m1()
    }
}

fn selu64(x: f64) -> f64 {
    1.050_700_987_355_480_5 * elu64(x, 1.673_263_242_354_377_3)
}

fn gelu_exact64(x: f64) -> f64 {
    0.5 * x * (1.0 + erf64(x / 2f64.sqrt()))
}

fn gelu_tanh64(x: f64) -> f64 {
    let c = (2.0 / std::f64::consts::PI).sqrt();
    0.5 * x * (1.0 + (c * (x + 0.044715 * x * x * x)).tanh())
}

const SHAPES: &[&[usize]] = &[
    &[],
    &[0],
    &[3, 0],
    &[7],
    &[4, 5],
    &[2, 3, 4],
    &[2, 1, 3, 2, 3],
    &[40, 1100],
];

#[test]
fn unary_forward_all_layouts() {
    let mut rng = Lcg::new(1);
    for (name, op, reference, lo, hi) in unary_cases() {
        for dims in SHAPES {
            for view in VIEWS {
                if numel(dims) == 0 && view != View::Contiguous {
                    continue;
                }
                let (x, xv) = make(&mut rng, dims, view, lo, hi);
                let y = op(&x).unwrap();
                let expected: Vec<f64> = xv.iter().map(|&v| reference(v)).collect();
                assert_eq!(y.dtype(), DType::F32, "{name}");
                assert_tensor(&y, dims, &expected, &format!("{name} {dims:?} {view:?}"));
                // The input must be unchanged (ops never write their operands).
                assert_close(&f32s(&x), &xv, name);
            }
        }
    }
}

#[test]
fn unary_special_values() {
    let xs: Vec<f32> = vec![
        0.0,
        -0.0,
        1e-30,
        -1e-30,
        1e-8,
        0.5,
        0.625,
        1.0,
        10.0,
        88.0,
        88.7,
        89.0,
        100.0,
        -87.0,
        -100.0,
        -103.0,
        -200.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::MIN_POSITIVE,
        1e-40,
    ];
    let cases: Vec<(&str, UnaryFn, fn(f64) -> f64)> = vec![
        ("exp", ops::exp, f64::exp),
        ("expm1", ops::expm1, f64::exp_m1),
        ("tanh", ops::tanh, f64::tanh),
        ("sigmoid", ops::sigmoid, sigmoid64),
        ("erf", ops::erf, erf64),
        ("softplus", ops::softplus, |x| {
            if x > 30.0 {
                x
            } else {
                x.exp().ln_1p()
            }
        }),
    ];
    for (name, op, reference) in cases {
        let y = f32s(&op(&tf(xs.clone(), &[xs.len()])).unwrap());
        let expected: Vec<f64> = xs.iter().map(|&x| reference(x as f64)).collect();
        assert_close(&y, &expected, name);
    }
    // log and log1p on their whole domain, subnormals included.
    let pos: Vec<f32> = vec![
        0.0,
        1e-40,
        f32::MIN_POSITIVE,
        1e-10,
        0.5,
        1.0,
        1.5,
        1e10,
        f32::MAX,
        f32::INFINITY,
        -1.0,
        f32::NAN,
    ];
    let y = f32s(&ops::log(&tf(pos.clone(), &[pos.len()])).unwrap());
    let expected: Vec<f64> = pos.iter().map(|&x| (x as f64).ln()).collect();
    assert_close(&y, &expected, "log special");
    let p1: Vec<f32> = vec![-1.0, -0.5, -1e-10, 0.0, 1e-10, 1e-5, 3.0, 1e30, -2.0];
    let y = f32s(&ops::log1p(&tf(p1.clone(), &[p1.len()])).unwrap());
    let expected: Vec<f64> = p1.iter().map(|&x| (x as f64).ln_1p()).collect();
    assert_close(&y, &expected, "log1p special");
}

#[test]
fn unary_on_integers() {
    let x = ti32(vec![-3, 0, 5, i32::MIN + 1], &[4]);
    let y = ops::abs(&x).unwrap();
    assert_eq!(y.dtype(), DType::I32);
    assert_eq!(y.to_vec::<i32>().unwrap(), vec![3, 0, 5, i32::MAX]);
    assert_eq!(
        ops::negative(&x).unwrap().to_vec::<i32>().unwrap(),
        vec![3, 0, -5, i32::MAX]
    );
    assert_eq!(
        ops::sign(&x).unwrap().to_vec::<i32>().unwrap(),
        vec![-1, 0, 1, -1]
    );
    let e = ops::exp(&ti64(vec![0, 1], &[2])).unwrap();
    assert_eq!(e.dtype(), DType::F32);
    assert_close(&f32s(&e), &[1.0, std::f64::consts::E], "exp(int)");
    let n = ops::logical_not(&tb(vec![true, false], &[2])).unwrap();
    assert_eq!(n.to_vec::<bool>().unwrap(), vec![false, true]);
    let n = ops::logical_not(&tf(vec![0.0, 2.0], &[2])).unwrap();
    assert_eq!(n.to_vec::<bool>().unwrap(), vec![true, false]);
}

#[test]
fn integer_overflow_wraps_instead_of_panicking() {
    let big = ti32(vec![i32::MAX, i32::MIN, 70000], &[3]);
    let s = ops::add(&big, &ti32(vec![1, -1, 0], &[3])).unwrap();
    assert_eq!(s.to_vec::<i32>().unwrap(), vec![i32::MIN, i32::MAX, 70000]);
    let p = ops::multiply(&big, &big).unwrap();
    assert_eq!(p.to_vec::<i32>().unwrap()[2], 70000i32.wrapping_mul(70000));
    let sq = ops::square(&big).unwrap();
    assert_eq!(sq.to_vec::<i32>().unwrap()[2], 70000i32.wrapping_mul(70000));
    let m = ti32(vec![i32::MIN], &[1]);
    assert_eq!(
        ops::negative(&m).unwrap().to_vec::<i32>().unwrap(),
        vec![i32::MIN]
    );
    assert_eq!(
        ops::abs(&m).unwrap().to_vec::<i32>().unwrap(),
        vec![i32::MIN]
    );
    let total = ops::sum(&big, None, false).unwrap();
    assert_eq!(
        total.to_vec::<i32>().unwrap(),
        vec![i32::MAX.wrapping_add(i32::MIN).wrapping_add(70000)]
    );
    let c = ops::cumsum(&ti32(vec![i32::MAX, 1], &[2]), None).unwrap();
    assert_eq!(c.to_vec::<i32>().unwrap(), vec![i32::MAX, i32::MIN]);
    let p = ops::prod(&ti32(vec![70000, 70000], &[2]), None, false).unwrap();
    assert_eq!(
        p.to_vec::<i32>().unwrap(),
        vec![70000i32.wrapping_mul(70000)]
    );
}

type BinaryFn = fn(&Tensor, &Tensor) -> Result<Tensor>;

fn binary_cases() -> Vec<(&'static str, BinaryFn, fn(f64, f64) -> f64, f64, f64)> {
    vec![
        ("add", ops::add, |a, b| a + b, -3.0, 3.0),
        ("subtract", ops::subtract, |a, b| a - b, -3.0, 3.0),
        ("multiply", ops::multiply, |a, b| a * b, -3.0, 3.0),
        ("divide", ops::divide, |a, b| a / b, 0.5, 3.0),
        ("power", ops::power, f64::powf, 0.5, 2.0),
        ("maximum", ops::maximum, f64::max, -3.0, 3.0),
        ("minimum", ops::minimum, f64::min, -3.0, 3.0),
    ]
}

fn comparison_cases() -> Vec<(&'static str, BinaryFn, fn(f64, f64) -> bool)> {
    vec![
        ("equal", ops::equal, |a, b| a == b),
        ("not_equal", ops::not_equal, |a, b| a != b),
        ("less", ops::less, |a, b| a < b),
        ("less_equal", ops::less_equal, |a, b| a <= b),
        ("greater", ops::greater, |a, b| a > b),
        ("greater_equal", ops::greater_equal, |a, b| a >= b),
    ]
}

const PAIRS: &[(&[usize], &[usize])] = &[
    (&[3, 4], &[3, 4]),
    (&[3, 4], &[4]),
    (&[4], &[3, 4]),
    (&[3, 1], &[1, 4]),
    (&[], &[2, 3]),
    (&[2, 3], &[]),
    (&[], &[]),
    (&[2, 1, 3, 1, 2], &[3, 4, 1]),
    (&[2, 3, 1, 2, 1], &[2, 1, 4, 1, 5]),
    (&[0, 3], &[1, 3]),
    (&[2, 0], &[2, 1]),
    (&[64, 1], &[1, 1030]),
    (&[300, 200], &[300, 200]),
];

fn expected_binary(
    av: &[f64],
    ad: &[usize],
    bv: &[f64],
    bd: &[usize],
    f: impl Fn(f64, f64) -> f64,
) -> (Vec<usize>, Vec<f64>) {
    let out = broadcast_shape(ad, bd).unwrap();
    let a = broadcast_values(av, ad, &out);
    let b = broadcast_values(bv, bd, &out);
    let v = a.iter().zip(&b).map(|(&x, &y)| f(x, y)).collect();
    (out, v)
}

#[test]
fn binary_forward_broadcast_and_layouts() {
    let mut rng = Lcg::new(2);
    for (name, op, reference, lo, hi) in binary_cases() {
        for &(ad, bd) in PAIRS {
            for (i, va) in VIEWS.iter().enumerate() {
                let vb = VIEWS[(i + 2) % VIEWS.len()];
                let (va, vb) = if numel(ad) == 0 || numel(bd) == 0 {
                    (View::Contiguous, View::Contiguous)
                } else {
                    (*va, vb)
                };
                let (a, av) = make(&mut rng, ad, va, lo, hi);
                let (b, bv) = make(&mut rng, bd, vb, lo, hi);
                let y = op(&a, &b).unwrap();
                let (out, expected) = expected_binary(&av, ad, &bv, bd, reference);
                assert_tensor(
                    &y,
                    &out,
                    &expected,
                    &format!("{name} {ad:?}{va:?} {bd:?}{vb:?}"),
                );
            }
        }
    }
}

#[test]
fn comparisons_and_logic() {
    let mut rng = Lcg::new(3);
    for (name, op, reference) in comparison_cases() {
        for &(ad, bd) in PAIRS {
            // Small integers as floats, so ties happen.
            let av: Vec<f32> = (0..numel(ad)).map(|_| rng.below(3) as f32).collect();
            let bv: Vec<f32> = (0..numel(bd)).map(|_| rng.below(3) as f32).collect();
            let y = op(&tf(av.clone(), ad), &tf(bv.clone(), bd)).unwrap();
            assert_eq!(y.dtype(), DType::Bool);
            let (out, expected) = expected_binary(&widen(&av), ad, &widen(&bv), bd, |a, b| {
                reference(a, b) as u8 as f64
            });
            assert_eq!(y.dims(), &out[..], "{name}");
            let got: Vec<f64> = y
                .to_vec::<bool>()
                .unwrap()
                .into_iter()
                .map(|b| b as u8 as f64)
                .collect();
            assert_eq!(got, expected, "{name} {ad:?} {bd:?}");
            // The same on int32 operands.
            let ai: Vec<i32> = av.iter().map(|&v| v as i32).collect();
            let bi: Vec<i32> = bv.iter().map(|&v| v as i32).collect();
            let yi = op(&ti32(ai, ad), &ti32(bi, bd)).unwrap();
            assert_eq!(yi.to_vec::<bool>().unwrap(), y.to_vec::<bool>().unwrap());
        }
    }
    let a = tb(vec![true, true, false, false], &[2, 2]);
    let b = tb(vec![true, false], &[2]);
    assert_eq!(
        ops::logical_and(&a, &b).unwrap().to_vec::<bool>().unwrap(),
        vec![true, false, false, false]
    );
    assert_eq!(
        ops::logical_or(&a, &b).unwrap().to_vec::<bool>().unwrap(),
        vec![true, true, true, false]
    );
    // NaN compares unequal to everything, itself included.
    let n = tf(vec![f32::NAN, 1.0], &[2]);
    assert_eq!(
        ops::equal(&n, &n).unwrap().to_vec::<bool>().unwrap(),
        vec![false, true]
    );
}

#[test]
fn dtype_promotion() {
    let i = ti32(vec![1, 2, 3], &[3]);
    let l = ti64(vec![10, 20, 30], &[3]);
    let f = tf(vec![0.5, 0.5, 0.5], &[3]);
    let s = ops::add(&i, &l).unwrap();
    assert_eq!(s.dtype(), DType::I64);
    assert_eq!(s.to_vec::<i64>().unwrap(), vec![11, 22, 33]);
    let s = ops::add(&i, &f).unwrap();
    assert_eq!(s.dtype(), DType::F32);
    assert_close(&f32s(&s), &[1.5, 2.5, 3.5], "int + float");
    // True division of integers gives float32.
    let d = ops::divide(&ti32(vec![1, 7], &[2]), &ti32(vec![2, 2], &[2])).unwrap();
    assert_eq!(d.dtype(), DType::F32);
    assert_close(&f32s(&d), &[0.5, 3.5], "int / int");
    let b = ops::add(&tb(vec![true, true], &[2]), &tb(vec![true, false], &[2])).unwrap();
    assert_eq!(b.dtype(), DType::I32);
    assert_eq!(b.to_vec::<i32>().unwrap(), vec![2, 1]);
    let c = ops::cast(&tf(vec![-1.7, 2.9, 1e10, f32::NAN], &[4]), DType::I32).unwrap();
    assert_eq!(c.to_vec::<i32>().unwrap(), vec![-1, 2, i32::MAX, 0]);
}

#[test]
fn nan_propagation_in_maximum_minimum() {
    let a = tf(vec![f32::NAN, 1.0, 2.0], &[3]);
    let b = tf(vec![0.0, f32::NAN, 1.0], &[3]);
    for op in [ops::maximum, ops::minimum] {
        let y = f32s(&op(&a, &b).unwrap());
        assert!(y[0].is_nan() && y[1].is_nan(), "{y:?}");
    }
}

#[test]
fn where_forward() {
    let mut rng = Lcg::new(4);
    let shapes: &[(&[usize], &[usize], &[usize])] = &[
        (&[3, 4], &[3, 4], &[3, 4]),
        (&[3, 1], &[1, 4], &[]),
        (&[4], &[2, 3, 4], &[3, 1]),
        (&[0, 2], &[2], &[1]),
    ];
    for &(cd, td, fd) in shapes {
        let cv: Vec<bool> = (0..numel(cd)).map(|_| rng.below(2) == 1).collect();
        let (t, tv) = make(&mut rng, td, View::Contiguous, -1.0, 1.0);
        let (f, fv) = make(&mut rng, fd, View::Flipped, -1.0, 1.0);
        let y = ops::where_(&tb(cv.clone(), cd), &t, &f).unwrap();
        let out = broadcast_shape(&broadcast_shape(cd, td).unwrap(), fd).unwrap();
        let c = broadcast_values(
            &cv.iter().map(|&b| b as u8 as f64).collect::<Vec<_>>(),
            cd,
            &out,
        );
        let tb_ = broadcast_values(&tv, td, &out);
        let fb = broadcast_values(&fv, fd, &out);
        let expected: Vec<f64> = (0..c.len())
            .map(|i| if c[i] != 0.0 { tb_[i] } else { fb[i] })
            .collect();
        assert_tensor(&y, &out, &expected, "where");
    }
    // A float condition means "nonzero".
    let y = ops::where_(
        &tf(vec![0.0, 2.0], &[2]),
        &tf(vec![1.0, 1.0], &[2]),
        &tf(vec![-1.0, -1.0], &[2]),
    )
    .unwrap();
    assert_eq!(f32s(&y), vec![-1.0, 1.0]);
}

#[test]
fn clip_and_scalar_helpers() {
    let mut rng = Lcg::new(5);
    let (x, xv) = make(&mut rng, &[5, 6], View::Transposed, -3.0, 3.0);
    let y = ops::clip(&x, -1.0, 0.5).unwrap();
    let expected: Vec<f64> = xv.iter().map(|v| v.clamp(-1.0, 0.5)).collect();
    assert_tensor(&y, &[5, 6], &expected, "clip");
    let ci = ops::clip(&ti32(vec![-5, 0, 5], &[3]), -1.0, 2.0).unwrap();
    assert_eq!(ci.dtype(), DType::I32);
    assert_eq!(ci.to_vec::<i32>().unwrap(), vec![-1, 0, 2]);
    let checks: Vec<(Tensor, fn(f64) -> f64)> = vec![
        (ops::add_scalar(&x, 2.0).unwrap(), |v| v + 2.0),
        (ops::sub_scalar(&x, 2.0).unwrap(), |v| v - 2.0),
        (ops::rsub_scalar(2.0, &x).unwrap(), |v| 2.0 - v),
        (ops::mul_scalar(&x, 2.5).unwrap(), |v| v * 2.5),
        (ops::pow_scalar(&x, 2.0).unwrap(), |v| v * v),
    ];
    for (i, (y, f)) in checks.into_iter().enumerate() {
        let expected: Vec<f64> = xv.iter().map(|&v| f(v)).collect();
        assert_tensor(&y, &[5, 6], &expected, &format!("scalar helper {i}"));
    }
}

fn softmax_ref(v: &[f64], dims: &[usize], axis: usize, log: bool) -> Vec<f64> {
    let mut out = vec![0.0; v.len()];
    let inner: usize = dims[axis + 1..].iter().product();
    let len = dims[axis];
    let outer: usize = dims[..axis].iter().product();
    for o in 0..outer {
        for r in 0..inner {
            let at = |j: usize| (o * len + j) * inner + r;
            let m = (0..len).map(|j| v[at(j)]).fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = (0..len).map(|j| (v[at(j)] - m).exp()).sum();
            for j in 0..len {
                out[at(j)] = if log {
                    v[at(j)] - m - s.ln()
                } else {
                    (v[at(j)] - m).exp() / s
                };
            }
        }
    }
    out
}

#[test]
fn softmax_forward() {
    let mut rng = Lcg::new(6);
    for (dims, axis) in [
        (&[7][..], 0isize),
        (&[3, 5], -1),
        (&[3, 5], 0),
        (&[2, 3, 4], 1),
        (&[2, 1, 3, 2, 3], 4),
    ] {
        for view in [View::Contiguous, View::Transposed, View::Stepped] {
            for scale in [1.0, 1e3] {
                let (x, xv) = make(&mut rng, dims, view, -3.0 * scale, 3.0 * scale);
                let a = x.shape().axis(axis, "test").unwrap();
                let y = ops::softmax(&x, axis).unwrap();
                let what = format!("softmax {dims:?} {axis} {view:?} {scale}");
                assert_tensor(&y, dims, &softmax_ref(&xv, dims, a, false), &what);
                let y = ops::log_softmax(&x, axis).unwrap();
                let expected = softmax_ref(&xv, dims, a, true);
                // Log-probabilities at scale 1e3 are ~1e3: relative tolerance.
                assert_eq!(y.dims(), dims);
                assert_close_tol(&f32s(&y), &expected, 1e-5, 1e-5, &what);
            }
        }
    }
}

#[test]
fn activations_on_large_inputs_stay_finite() {
    let x = tf(vec![-1e3, -50.0, 0.0, 50.0, 1e3], &[5]);
    for (name, op) in [
        ("softplus", ops::softplus as UnaryFn),
        ("silu", ops::silu),
        ("sigmoid", ops::sigmoid),
        ("elu", |x| ops::elu(x, 1.0)),
        ("selu", ops::selu),
        ("gelu", |x| ops::gelu(x, false)),
        ("tanh", ops::tanh),
        ("softsign", ops::softsign),
    ] {
        let y = f32s(&op(&x).unwrap());
        assert!(y.iter().all(|v| v.is_finite()), "{name}: {y:?}");
    }
}

// ---------------------------------------------------------------- gradients

#[test]
fn unary_gradients() {
    let mut rng = Lcg::new(10);
    let smooth: Vec<(&str, UnaryFn, f64, f64)> = vec![
        ("negative", ops::negative, -2.0, 2.0),
        ("exp", ops::exp, -2.0, 2.0),
        ("expm1", ops::expm1, -2.0, 2.0),
        ("log", ops::log, 0.5, 3.0),
        ("log1p", ops::log1p, -0.5, 3.0),
        ("sqrt", ops::sqrt, 0.5, 3.0),
        ("square", ops::square, -2.0, 2.0),
        ("reciprocal", ops::reciprocal, 0.5, 2.0),
        ("sin", ops::sin, -3.0, 3.0),
        ("cos", ops::cos, -3.0, 3.0),
        ("tanh", ops::tanh, -2.0, 2.0),
        ("sigmoid", ops::sigmoid, -4.0, 4.0),
        ("erf", ops::erf, -2.0, 2.0),
        ("softplus", ops::softplus, -4.0, 4.0),
        ("silu", ops::silu, -4.0, 4.0),
        ("gelu_exact", |x| ops::gelu(x, false), -3.0, 3.0),
        ("gelu_tanh", |x| ops::gelu(x, true), -3.0, 3.0),
    ];
    for (name, op, lo, hi) in smooth {
        let input = rand_input(&mut rng, &[3, 4], lo, hi);
        gradcheck(name, |xs| op(&xs[0]), &[input]);
    }
    // Ops with kinks: inputs kept at least 0.05 away from them.
    let kinked: Vec<(&str, UnaryFn)> = vec![
        ("abs", ops::abs),
        ("relu", ops::relu),
        ("softsign", ops::softsign),
        ("leaky_relu", |x| ops::leaky_relu(x, 0.2)),
        ("elu", |x| ops::elu(x, 1.3)),
        ("selu", ops::selu),
    ];
    for (name, op) in kinked {
        let input = rand_input_away(&mut rng, &[3, 4], -3.0, 3.0, 0.05);
        gradcheck(name, |xs| op(&xs[0]), &[input]);
    }
    // relu6 / hard_sigmoid / hard_silu kink at 0 and 6 / at -3 and 3.
    let v: Vec<f32> = rng
        .vec(24, -1.0, 8.0)
        .into_iter()
        .filter(|v| v.abs() > 0.05 && (v - 6.0).abs() > 0.05)
        .collect();
    let n = v.len();
    gradcheck("relu6", |xs| ops::relu6(&xs[0]), &[(v, vec![n])]);
    let v: Vec<f32> = rng
        .vec(24, -5.0, 5.0)
        .into_iter()
        .filter(|v| (v.abs() - 3.0).abs() > 0.05)
        .collect();
    let n = v.len();
    gradcheck(
        "hard_sigmoid",
        |xs| ops::hard_sigmoid(&xs[0]),
        &[(v.clone(), vec![n])],
    );
    gradcheck("hard_silu", |xs| ops::hard_silu(&xs[0]), &[(v, vec![n])]);
    // Piecewise-constant ops have zero gradient.
    for (name, op) in [
        ("sign", ops::sign as UnaryFn),
        ("floor", ops::floor),
        ("ceil", ops::ceil),
        ("round", ops::round),
    ] {
        let v: Vec<f32> = rng
            .vec(12, -3.0, 3.0)
            .into_iter()
            .filter(|v| {
                (v - v.round()).abs() > 0.05 && (v.abs() - v.abs().floor() - 0.5).abs() > 0.05
            })
            .collect();
        let n = v.len();
        gradcheck(name, |xs| op(&xs[0]), &[(v, vec![n])]);
    }
}

#[test]
fn binary_gradients_with_broadcasting() {
    let mut rng = Lcg::new(11);
    let shapes: &[(&[usize], &[usize])] = &[
        (&[3, 4], &[3, 4]),
        (&[3, 4], &[4]),
        (&[3, 1], &[1, 4]),
        (&[], &[2, 3]),
        (&[2, 1, 3], &[4, 1]),
        (&[2, 1, 2, 1, 2], &[3, 1]),
    ];
    for &(ad, bd) in shapes {
        for (name, op, lo, hi) in [
            ("add", ops::add as BinaryFn, -2.0, 2.0),
            ("subtract", ops::subtract, -2.0, 2.0),
            ("multiply", ops::multiply, -2.0, 2.0),
            ("divide", ops::divide, 0.5, 2.0),
            ("power", ops::power, 0.5, 2.0),
        ] {
            let a = rand_input(&mut rng, ad, lo, hi);
            let b = rand_input(&mut rng, bd, lo, hi);
            gradcheck(
                &format!("{name} {ad:?} {bd:?}"),
                |xs| op(&xs[0], &xs[1]),
                &[a, b],
            );
        }
        // maximum/minimum: operands kept apart so no tie is near.
        let a = rand_input(&mut rng, ad, -2.0, 2.0);
        let b: Vec<f32> = (0..numel(bd))
            .map(|i| if i % 2 == 0 { 3.0 } else { -3.0 } + rng.uniform(-0.5, 0.5))
            .collect();
        for (name, op) in [
            ("maximum", ops::maximum as BinaryFn),
            ("minimum", ops::minimum),
        ] {
            gradcheck(
                &format!("{name} {ad:?} {bd:?}"),
                |xs| op(&xs[0], &xs[1]),
                &[a.clone(), (b.clone(), bd.to_vec())],
            );
        }
    }
}

#[test]
fn where_and_clip_gradients() {
    let mut rng = Lcg::new(12);
    let cond = tb((0..12).map(|_| rng.below(2) == 1).collect(), &[3, 4]);
    let t = rand_input(&mut rng, &[3, 4], -2.0, 2.0);
    let f = rand_input(&mut rng, &[4], -2.0, 2.0);
    gradcheck("where", |xs| ops::where_(&cond, &xs[0], &xs[1]), &[t, f]);
    let s = rand_input(&mut rng, &[], -2.0, 2.0);
    let f = rand_input(&mut rng, &[3, 1], -2.0, 2.0);
    gradcheck(
        "where scalar branch",
        |xs| ops::where_(&cond, &xs[0], &xs[1]),
        &[s, f],
    );
    let v: Vec<f32> = rng
        .vec(20, -3.0, 3.0)
        .into_iter()
        .filter(|v| (v + 1.0).abs() > 0.05 && (v - 1.5).abs() > 0.05)
        .collect();
    let n = v.len();
    gradcheck("clip", |xs| ops::clip(&xs[0], -1.0, 1.5), &[(v, vec![n])]);
}

#[test]
fn softmax_gradients() {
    let mut rng = Lcg::new(13);
    for (dims, axis) in [
        (&[5][..], 0isize),
        (&[3, 4], -1),
        (&[3, 4], 0),
        (&[2, 3, 2], 1),
    ] {
        let x = rand_input(&mut rng, dims, -2.0, 2.0);
        gradcheck(
            "softmax",
            |xs| ops::softmax(&xs[0], axis),
            std::slice::from_ref(&x),
        );
        gradcheck("log_softmax", |xs| ops::log_softmax(&xs[0], axis), &[x]);
    }
}

#[test]
fn softmax_gradient_at_large_logits() {
    // Logits around 1e3: the forward and the gradient must be finite and
    // match the (shift-invariant) gradient at small logits.
    let mut rng = Lcg::new(14);
    let small = rng.vec(12, -2.0, 2.0);
    let shift = 1000.0f32;
    let large: Vec<f32> = small.iter().map(|v| v + shift).collect();
    let grad_of = |v: &[f32], log: bool| -> Vec<f32> {
        let x = tf(v.to_vec(), &[3, 4]);
        let tape = rkeras::autograd::Tape::new(false);
        tape.enter();
        tape.watch(&x);
        let y = if log {
            ops::log_softmax(&x, -1).unwrap()
        } else {
            ops::softmax(&x, -1).unwrap()
        };
        let w = tf((0..12).map(|i| (i % 5) as f32 - 2.0).collect(), &[3, 4]);
        let loss = ops::sum(&ops::multiply(&y, &w).unwrap(), None, false).unwrap();
        tape.exit();
        let y = f32s(&y);
        assert!(y.iter().all(|v| v.is_finite()), "{y:?}");
        f32s(
            tape.gradient(&loss, &[x], None).unwrap()[0]
                .as_ref()
                .unwrap(),
        )
    };
    for log in [false, true] {
        let g_small = grad_of(&small, log);
        let g_large = grad_of(&large, log);
        assert!(g_large.iter().all(|v| v.is_finite()));
        // 1000 + x rounds x to ~6e-5 in f32, so allow for that.
        assert_close_tol(
            &g_large,
            &widen(&g_small),
            1e-3,
            1e-3,
            "softmax grad at 1e3",
        );
    }
}

#[test]
fn cast_gradient_is_identity_for_float() {
    let mut rng = Lcg::new(15);
    let x = rand_input(&mut rng, &[4], -2.0, 2.0);
    gradcheck(
        "cast",
        |xs| ops::multiply(&ops::cast(&xs[0], DType::F32)?, &xs[0]),
        &[x],
    );
}

#[test]
fn errors_name_op_and_shapes() {
    let a = tf(vec![0.0; 6], &[2, 3]);
    let b = tf(vec![0.0; 8], &[2, 4]);
    expect_err(ops::add(&a, &b), is_shape, &["add", "(2, 3)", "(2, 4)"]);
    expect_err(
        ops::multiply(&a, &b),
        is_shape,
        &["multiply", "(2, 3)", "(2, 4)"],
    );
    expect_err(
        ops::where_(&tb(vec![true; 2], &[2]), &a, &b),
        is_shape,
        &["where"],
    );
    expect_err(ops::softmax(&a, 2), is_value, &["axis 2", "rank 2"]);
}
