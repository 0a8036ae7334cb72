//! GPU kernels against the CPU backend: every primitive runs the same
//! `rkeras::ops` call on `gpu:0` and on the CPU and the results must agree.
//! These tests fail (never skip) without a GPU adapter; CI installs Mesa's
//! lavapipe for a software Vulkan device.

use rkeras::ops::{self, kinds::UnaryOp};
use rkeras::{DType, Device, Result, Tensor};

const GPU: Device = Device::Gpu(0);

/// A tiny deterministic generator (Knuth's MMIX LCG), so tests need no
/// extra dependency and fail the same way every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }

    /// Uniform in [lo, hi).
    fn uniform(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n)
            .map(|_| lo + (hi - lo) * (self.next() as f32 / (1u64 << 31) as f32))
            .collect()
    }

    /// Multiples of 1/16 in [lo, hi): sums of these are exact in f32 in any
    /// order (while below 2^20), so tree and serial sums agree bit for bit.
    fn sixteenths(&mut self, n: usize, lo: i32, hi: i32) -> Vec<f32> {
        self.ints(n, lo * 16, hi * 16)
            .into_iter()
            .map(|i| i as f32 / 16.0)
            .collect()
    }

    fn ints(&mut self, n: usize, lo: i32, hi: i32) -> Vec<i32> {
        (0..n)
            .map(|_| lo + (self.next() % (hi - lo) as u32) as i32)
            .collect()
    }
}

fn cpu_f32(data: Vec<f32>, shape: &[usize]) -> Tensor {
    Tensor::from_vec(data, shape.to_vec(), Device::Cpu).unwrap()
}

fn cpu_i32(data: Vec<i32>, shape: &[usize]) -> Tensor {
    Tensor::from_vec(data, shape.to_vec(), Device::Cpu).unwrap()
}

fn randn(rng: &mut Lcg, shape: &[usize]) -> Tensor {
    let n = shape.iter().product();
    cpu_f32(rng.uniform(n, -2.0, 2.0), shape)
}

/// Values on a 1/16 grid in [-2, 2): their products and sums are exact in
/// f32 in any order, so GEMM and reduction orders cannot differ.
fn grid(rng: &mut Lcg, shape: &[usize]) -> Tensor {
    let n = shape.iter().product();
    cpu_f32(rng.sixteenths(n, -2, 2), shape)
}

fn to_gpu(x: &Tensor) -> Tensor {
    x.to_device(GPU)
        .expect("gpu:0 must exist: install a GPU driver or Mesa's lavapipe")
}

/// Asserts that `gpu` equals `cpu`: same shape and dtype, floats within
/// `rtol` relative plus `atol` absolute (NaNs and infinities must match).
fn assert_close_tol(gpu: &Tensor, cpu: &Tensor, rtol: f32, atol: f32, what: &str) {
    assert_eq!(gpu.device(), GPU, "{what}: result left the GPU");
    assert_eq!(gpu.shape(), cpu.shape(), "{what}: shape");
    assert_eq!(gpu.dtype(), cpu.dtype(), "{what}: dtype");
    match cpu.dtype() {
        DType::F32 => {
            let (g, c) = (gpu.to_vec::<f32>().unwrap(), cpu.to_vec::<f32>().unwrap());
            for (i, (&g, &c)) in g.iter().zip(&c).enumerate() {
                let ok = if c.is_nan() {
                    g.is_nan()
                } else if c.is_infinite() {
                    g == c
                } else {
                    (g - c).abs() <= atol + rtol * c.abs()
                };
                assert!(ok, "{what}: element {i}: gpu {g} vs cpu {c}");
            }
        }
        DType::I32 => assert_eq!(
            gpu.to_vec::<i32>().unwrap(),
            cpu.to_vec::<i32>().unwrap(),
            "{what}"
        ),
        DType::I64 => assert_eq!(
            gpu.to_vec::<i64>().unwrap(),
            cpu.to_vec::<i64>().unwrap(),
            "{what}"
        ),
        DType::Bool => {
            assert_eq!(
                gpu.to_vec::<bool>().unwrap(),
                cpu.to_vec::<bool>().unwrap(),
                "{what}"
            )
        }
    }
}

fn assert_close(gpu: &Tensor, cpu: &Tensor, what: &str) {
    assert_close_tol(gpu, cpu, 1e-5, 1e-6, what);
}

/// Runs `f` on CPU inputs and on their GPU copies and compares.
fn check(what: &str, inputs: &[&Tensor], f: impl Fn(&[Tensor]) -> Result<Tensor>) {
    let cpu: Vec<Tensor> = inputs.iter().map(|&t| t.clone()).collect();
    let gpu: Vec<Tensor> = inputs.iter().map(|&t| to_gpu(t)).collect();
    let expected = f(&cpu).unwrap_or_else(|e| panic!("{what} on cpu: {e}"));
    let got = f(&gpu).unwrap_or_else(|e| panic!("{what} on gpu: {e}"));
    assert_close(&got, &expected, what);
}

/// Views that exercise strides: transposed, sliced with a step, flipped.
fn views(x: &Tensor) -> Vec<(&'static str, Tensor)> {
    let r = x.rank();
    let mut out = vec![("plain", x.clone())];
    if r >= 2 {
        out.push(("transposed", ops::transpose(x, None).unwrap()));
    }
    if r >= 1 && x.dims()[0] >= 3 {
        let n = x.dims()[0];
        out.push(("sliced", ops::slice_axis(x, 0, 1, (n - 1) / 2, 2).unwrap()));
        out.push(("flipped", ops::flip(x, r - 1).unwrap()));
    }
    out
}

#[test]
fn adapter_is_present() {
    let ctx = rkeras::gpu::context(0).expect("gpu:0 must exist (lavapipe in CI)");
    eprintln!("gpu:0 = {} ({:?})", ctx.info().name, ctx.info().backend);
    assert!(rkeras::gpu::is_available(0));
    // llvmpipe must never become the default device.
    let software = ctx.info().device_type == wgpu::DeviceType::Cpu;
    assert_eq!(rkeras::gpu::is_hardware(0), !software);
}

#[test]
fn missing_adapter_is_an_error() {
    let err = rkeras::gpu::context(99).err().expect("no 100th adapter");
    assert!(matches!(err, rkeras::Error::Device(_)), "{err:?}");
    assert!(!rkeras::gpu::is_available(99));
    assert!(!rkeras::gpu::is_hardware(99));
}

#[test]
fn upload_download_round_trips_every_dtype() {
    let mut rng = Lcg(1);
    let f = randn(&mut rng, &[3, 5]);
    let i = cpu_i32(rng.ints(7, -100, 100), &[7]);
    let l = Tensor::from_vec(vec![-5i64, 0, 1 << 30, -(1 << 31)], [4], Device::Cpu).unwrap();
    let b = Tensor::from_vec(vec![true, false, true], [3], Device::Cpu).unwrap();
    let s = Tensor::scalar(2.5f32, Device::Cpu).unwrap();
    let e = cpu_f32(vec![], &[0, 4]);
    for (name, t) in [
        ("f32", f),
        ("i32", i),
        ("i64", l),
        ("bool", b),
        ("0-d", s),
        ("0-size", e),
    ] {
        let g = to_gpu(&t);
        assert_eq!(g.dtype(), t.dtype());
        assert_close_tol(&g, &t, 0.0, 0.0, name);
    }
}

#[test]
fn int64_that_does_not_fit_is_rejected() {
    let big = Tensor::from_vec(vec![1i64 << 40], [1], Device::Cpu).unwrap();
    let err = big.to_device(GPU).expect_err("2^40 does not fit in i32");
    assert!(matches!(err, rkeras::Error::Unsupported(_)), "{err:?}");
    assert!(err.to_string().contains("1099511627776"), "{err}");
}

#[test]
fn copy_strided_handles_every_layout() {
    let mut rng = Lcg(2);
    let x5 = randn(&mut rng, &[3, 4, 2, 5, 3]);
    for (name, v) in views(&x5) {
        check(&format!("copy {name} rank-5"), &[&v], |t| t[0].contiguous());
    }
    let x = randn(&mut rng, &[6, 7]);
    check("copy broadcast", &[&x], |t| {
        ops::broadcast_to(&ops::slice_axis(&t[0], 0, 2, 1, 1)?, &[4, 1, 7])?.contiguous()
    });
    check("copy column", &[&x], |t| {
        ops::slice_axis(&t[0], 1, 6, 3, -2)?.contiguous()
    });
    check(
        "copy 0-d",
        &[&Tensor::scalar(1.5f32, Device::Cpu).unwrap()],
        |t| t[0].contiguous(),
    );
    check("copy 0-size", &[&cpu_f32(vec![], &[3, 0, 2])], |t| {
        ops::transpose(&t[0], None)?.contiguous()
    });
    let big = randn(&mut rng, &[300, 700]);
    check("copy big transpose", &[&big], |t| {
        ops::transpose(&t[0], None)?.contiguous()
    });
    // Nine axes that do not merge still work when some have size 1.
    let x9 = randn(&mut rng, &[2, 1, 3, 1, 2, 1, 2, 1, 2]);
    check("copy rank-9 with unit axes", &[&x9], |t| {
        ops::transpose(&t[0], None)?.contiguous()
    });
}

#[test]
fn cast_between_all_dtypes() {
    let mut rng = Lcg(3);
    let mut vals = rng.uniform(40, -50.0, 50.0);
    vals.extend([0.0, -0.0, 0.5, -0.5, 1e10, -1e10, f32::NAN, 2.0e9]);
    let f = cpu_f32(vals, &[6, 8]);
    let i = cpu_i32(rng.ints(48, -3, 3), &[6, 8]);
    let b = ops::greater(&i, &Tensor::scalar(0i32, Device::Cpu).unwrap()).unwrap();
    let l = ops::cast(&i, DType::I64).unwrap();
    let dtypes = [DType::F32, DType::I32, DType::I64, DType::Bool];
    for src in [&f, &i, &b, &l] {
        for to in dtypes {
            if src.dtype() == DType::F32 && to == DType::I64 {
                continue; // 1e10 saturates to i64 on the CPU, to i32 on the GPU
            }
            for (name, v) in views(src) {
                let what = format!("cast {} -> {to} ({name})", src.dtype());
                check(&what, &[&v], |t| ops::cast(&t[0], to));
            }
        }
    }
    let small = cpu_f32(rng.uniform(10, -1e5, 1e5), &[10]);
    check("cast f32 -> i64", &[&small], |t| {
        ops::cast(&t[0], DType::I64)
    });
}

#[test]
fn unary_float_ops_match() {
    let mut rng = Lcg(4);
    let mut vals = rng.uniform(2000, -12.0, 12.0);
    vals.extend(rng.uniform(500, -0.7, 0.7));
    vals.extend(rng.uniform(500, -1e-3, 1e-3));
    vals.extend([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, 88.0, -103.0, 1e-30]);
    vals.extend([f32::NAN, f32::INFINITY, f32::NEG_INFINITY]);
    let n = vals.len();
    let x = cpu_f32(vals, &[n]);
    let positive = ops::abs(&x).unwrap();
    type F = fn(&Tensor) -> Result<Tensor>;
    let ops_list: [(&str, F, bool); 20] = [
        ("negative", ops::negative, false),
        ("abs", ops::abs, false),
        ("sign", ops::sign, false),
        ("exp", ops::exp, false),
        ("expm1", ops::expm1, false),
        ("log", ops::log, true),
        ("log1p", ops::log1p, true),
        ("sqrt", ops::sqrt, true),
        ("square", ops::square, false),
        ("reciprocal", ops::reciprocal, false),
        ("sin", ops::sin, false),
        ("cos", ops::cos, false),
        ("tanh", ops::tanh, false),
        ("sigmoid", ops::sigmoid, false),
        ("relu", ops::relu, false),
        ("floor", ops::floor, false),
        ("ceil", ops::ceil, false),
        ("round", ops::round, false),
        ("erf", ops::erf, false),
        ("log of negatives", ops::log, false),
    ];
    for (name, f, pos) in ops_list {
        let input = if pos { &positive } else { &x };
        check(name, &[input], |t| f(&t[0]));
    }
    let m = randn(&mut rng, &[5, 4, 3]);
    for (name, v) in views(&m) {
        check(&format!("tanh {name}"), &[&v], |t| ops::tanh(&t[0]));
    }
    check(
        "exp 0-d",
        &[&Tensor::scalar(0.3f32, Device::Cpu).unwrap()],
        |t| ops::exp(&t[0]),
    );
    check("exp 0-size", &[&cpu_f32(vec![], &[0, 3])], |t| {
        ops::exp(&t[0])
    });
    let big = randn(&mut rng, &[70_000]);
    check("sigmoid 70k", &[&big], |t| ops::sigmoid(&t[0]));
}

#[test]
fn unary_int_and_bool_ops_match() {
    let mut rng = Lcg(5);
    let i = cpu_i32(rng.ints(60, -9, 9), &[6, 10]);
    let l = ops::cast(&i, DType::I64).unwrap();
    for x in [&i, &l] {
        for (name, v) in views(x) {
            let what = |op: &str| format!("{op} {} {name}", x.dtype());
            check(&what("negative"), &[&v], |t| ops::negative(&t[0]));
            check(&what("abs"), &[&v], |t| ops::abs(&t[0]));
            check(&what("sign"), &[&v], |t| ops::sign(&t[0]));
            check(&what("square"), &[&v], |t| ops::square(&t[0]));
            check(&what("relu"), &[&v], |t| ops::relu(&t[0]));
            check(&what("exp (via f32)"), &[&v], |t| ops::exp(&t[0]));
        }
    }
    let b = ops::greater(&i, &Tensor::scalar(0i32, Device::Cpu).unwrap()).unwrap();
    check("logical_not", &[&b], |t| ops::logical_not(&t[0]));
    let g = to_gpu(&b);
    let err = g.storage().unary(UnaryOp::Exp, g.layout()).err().unwrap();
    assert!(matches!(err, rkeras::Error::DType(_)), "{err:?}");
}

#[test]
fn binary_ops_match_with_broadcasting() {
    let mut rng = Lcg(6);
    let a = randn(&mut rng, &[4, 1, 6]);
    let b = randn(&mut rng, &[3, 1]);
    let pos_a = ops::add_scalar(&ops::abs(&a).unwrap(), 0.1).unwrap();
    type F = fn(&Tensor, &Tensor) -> Result<Tensor>;
    let float_ops: [(&str, F); 13] = [
        ("add", ops::add),
        ("subtract", ops::subtract),
        ("multiply", ops::multiply),
        ("divide", ops::divide),
        ("maximum", ops::maximum),
        ("minimum", ops::minimum),
        ("equal", ops::equal),
        ("not_equal", ops::not_equal),
        ("less", ops::less),
        ("less_equal", ops::less_equal),
        ("greater", ops::greater),
        ("greater_equal", ops::greater_equal),
        ("logical_and", ops::logical_and),
    ];
    for (name, f) in float_ops {
        check(name, &[&a, &b], |t| f(&t[0], &t[1]));
        check(&format!("{name} transposed"), &[&a, &b], |t| {
            f(&ops::transpose(&t[0], None)?, &t[1])
        });
    }
    check("power", &[&pos_a, &b], |t| ops::power(&t[0], &t[1]));
    let base = cpu_f32(
        vec![-2.0, -2.0, 0.0, 0.0, -0.0, 3.0, f32::NAN, 1.0, 2.0],
        &[9],
    );
    let expo = cpu_f32(
        vec![3.0, 0.5, 0.0, -1.0, 3.0, -2.0, 0.0, f32::NAN, 10.0],
        &[9],
    );
    check("power special cases", &[&base, &expo], |t| {
        ops::power(&t[0], &t[1])
    });
    let nan = cpu_f32(vec![f32::NAN, 1.0, f32::NAN, -1.0], &[4]);
    let other = cpu_f32(vec![0.0, f32::NAN, f32::NAN, 2.0], &[4]);
    check("maximum NaN", &[&nan, &other], |t| {
        ops::maximum(&t[0], &t[1])
    });
    check("minimum NaN", &[&nan, &other], |t| {
        ops::minimum(&t[0], &t[1])
    });
    check("equal NaN", &[&nan, &other], |t| ops::equal(&t[0], &t[1]));
    check("not_equal NaN", &[&nan, &other], |t| {
        ops::not_equal(&t[0], &t[1])
    });
    check("less NaN", &[&nan, &other], |t| ops::less(&t[0], &t[1]));
    check("logical_or", &[&a, &nan], |t| {
        ops::logical_or(&t[0], &ops::reshape(&t[1], &[4, 1, 1])?)
    });

    let x = cpu_i32(rng.ints(60, -20, 20), &[5, 12]);
    let y = cpu_i32(rng.ints(12, -4, 4), &[12]);
    for dtype in [DType::I32, DType::I64] {
        let (x, y) = (ops::cast(&x, dtype).unwrap(), ops::cast(&y, dtype).unwrap());
        for (name, f) in float_ops {
            check(&format!("{name} {dtype}"), &[&x, &y], |t| f(&t[0], &t[1]));
        }
        check(&format!("flipped add {dtype}"), &[&x, &y], |t| {
            ops::add(&ops::flip(&t[0], 0)?, &t[1])
        });
    }
    // Integer division and powers at the storage level (ops promote to f32).
    let xi = to_gpu(&x);
    let yb = to_gpu(&y);
    let yl = yb.layout().broadcast_to(xi.shape(), "test").unwrap();
    for op in [
        rkeras::ops::kinds::BinaryOp::Div,
        rkeras::ops::kinds::BinaryOp::Pow,
    ] {
        let g = xi
            .storage()
            .binary(op, xi.layout(), yb.storage(), &yl)
            .unwrap();
        let yc = y.layout().broadcast_to(x.shape(), "test").unwrap();
        let c = x
            .storage()
            .binary(op, x.layout(), y.storage(), &yc)
            .unwrap();
        let (g, c) = (g.to_device(xi.layout(), Device::Cpu).unwrap(), c);
        let rkeras::Storage::Cpu(g) = g else {
            unreachable!()
        };
        let rkeras::Storage::Cpu(c) = c else {
            unreachable!()
        };
        assert_eq!(g, c, "int {op:?}");
    }
    let big_a = randn(&mut rng, &[300, 400]);
    let big_b = randn(&mut rng, &[400]);
    check("add 120k broadcast", &[&big_a, &big_b], |t| {
        ops::add(&t[0], &t[1])
    });
    check(
        "multiply 0-d",
        &[&Tensor::scalar(2.0f32, Device::Cpu).unwrap(), &a],
        |t| ops::multiply(&t[0], &t[1]),
    );
    check("add 0-size", &[&cpu_f32(vec![], &[0, 6]), &b], |t| {
        ops::add(&t[0], &ops::slice_axis(&t[1], 0, 0, 1, 1)?)
    });
}

#[test]
fn where_matches() {
    let mut rng = Lcg(7);
    let c = ops::greater(
        &randn(&mut rng, &[4, 5]),
        &Tensor::scalar(0.0f32, Device::Cpu).unwrap(),
    )
    .unwrap();
    let t = randn(&mut rng, &[5]);
    let f = randn(&mut rng, &[4, 1]);
    check("where f32", &[&c, &t, &f], |x| {
        ops::where_(&x[0], &x[1], &x[2])
    });
    check("where transposed", &[&c, &t, &f], |x| {
        let f = ops::transpose(&x[2], None)?;
        ops::where_(
            &ops::transpose(&x[0], None)?,
            &ops::reshape(&x[1], &[5, 1])?,
            &f,
        )
    });
    let ti = cpu_i32(rng.ints(20, -5, 5), &[4, 5]);
    check("where i32", &[&c, &ti], |x| {
        ops::where_(&x[0], &x[1], &ops::negative(&x[1])?)
    });
    check("where bool", &[&c], |x| {
        ops::where_(&x[0], &ops::logical_not(&x[0])?, &x[0])
    });
}

#[test]
fn reductions_match_over_any_axes() {
    let mut rng = Lcg(8);
    let x = randn(&mut rng, &[4, 5, 6]);
    let axes_list: [Option<&[isize]>; 7] = [
        None,
        Some(&[0]),
        Some(&[1]),
        Some(&[2]),
        Some(&[0, 2]),
        Some(&[1, 2]),
        Some(&[0, 1]),
    ];
    for (name, v) in views(&x) {
        for axes in axes_list {
            for keep in [false, true] {
                let what = |op: &str| format!("{op} {name} axes {axes:?} keepdims {keep}");
                check(&what("sum"), &[&v], |t| ops::sum(&t[0], axes, keep));
                check(&what("prod"), &[&v], |t| ops::prod(&t[0], axes, keep));
                check(&what("max"), &[&v], |t| ops::max(&t[0], axes, keep));
                check(&what("min"), &[&v], |t| ops::min(&t[0], axes, keep));
                check(&what("mean"), &[&v], |t| ops::mean(&t[0], axes, keep));
            }
        }
    }
    let i = cpu_i32(rng.ints(120, -50, 50), &[4, 5, 6]);
    for dtype in [DType::I32, DType::I64] {
        let v = ops::cast(&i, dtype).unwrap();
        for axes in axes_list {
            let what = |op: &str| format!("{op} {dtype} axes {axes:?}");
            check(&what("sum"), &[&v], |t| ops::sum(&t[0], axes, false));
            check(&what("max"), &[&v], |t| ops::max(&t[0], axes, false));
            check(&what("min"), &[&v], |t| ops::min(&t[0], axes, false));
        }
    }
    let b = ops::greater(&x, &Tensor::scalar(0.0f32, Device::Cpu).unwrap()).unwrap();
    check("any", &[&b], |t| ops::any(&t[0], Some(&[1]), false));
    check("all", &[&b], |t| ops::all(&t[0], Some(&[0, 2]), false));
    let r5 = randn(&mut rng, &[3, 2, 4, 2, 5]);
    check("sum rank-5 axes 1,3", &[&r5], |t| {
        ops::sum(&t[0], Some(&[1, 3]), false)
    });
    check("max rank-5 transposed", &[&r5], |t| {
        ops::max(&ops::transpose(&t[0], None)?, Some(&[0, 2, 4]), true)
    });
    let nan = cpu_f32(vec![1.0, f32::NAN, 3.0, 2.0, 5.0, 4.0], &[2, 3]);
    check("max NaN", &[&nan], |t| ops::max(&t[0], Some(&[1]), false));
    check("min NaN", &[&nan], |t| ops::min(&t[0], Some(&[0]), false));
    let s = Tensor::scalar(3.0f32, Device::Cpu).unwrap();
    check("sum 0-d", &[&s], |t| ops::sum(&t[0], None, false));
    let e = cpu_f32(vec![], &[0, 3]);
    check("sum 0-size axis 0", &[&e], |t| {
        ops::sum(&t[0], Some(&[0]), false)
    });
    check("sum 0-size axis 1", &[&e], |t| {
        ops::sum(&t[0], Some(&[1]), false)
    });
    check("prod 0-size", &[&e], |t| ops::prod(&t[0], None, false));
}

#[test]
fn big_reductions_use_many_workgroups() {
    let mut rng = Lcg(9);
    // The GPU adds in a tree, the CPU in SIMD lanes; on a 1/16 grid both
    // orders are exact, so any difference is a bug.
    let big = cpu_f32(rng.sixteenths(1_000_003, 0, 1), &[1_000_003]);
    check("sum 1M", &[&big], |t| ops::sum(&t[0], None, false));
    check("max 1M", &[&big], |t| ops::max(&t[0], None, false));
    check("min 1M flipped", &[&big], |t| {
        ops::min(&ops::flip(&t[0], 0)?, None, false)
    });
    let wide = cpu_f32(rng.sixteenths(100_000 * 3, -2, 2), &[3, 100_000]);
    check("sum rows of 100k", &[&wide], |t| {
        ops::sum(&t[0], Some(&[1]), false)
    });
    check("sum columns of 100k", &[&wide], |t| {
        ops::sum(&t[0], Some(&[0]), false)
    });
    check("mean transposed 100k", &[&wide], |t| {
        ops::mean(&ops::transpose(&t[0], None)?, Some(&[0]), false)
    });
    let tall = cpu_f32(rng.sixteenths(70_000 * 3, -2, 2), &[70_000, 3]);
    check("max of 70k short rows", &[&tall], |t| {
        ops::max(&t[0], Some(&[1]), false)
    });
    check("sum over 70k rows", &[&tall], |t| {
        ops::sum(&t[0], Some(&[0]), false)
    });
    let ints = cpu_i32(rng.ints(200_000, -1000, 1000), &[200_000]);
    check("sum i32 200k", &[&ints], |t| ops::sum(&t[0], None, false));
}

#[test]
fn argmax_argmin_match() {
    let mut rng = Lcg(10);
    let mut vals = rng.uniform(60, -3.0, 3.0);
    vals[7] = vals[3]; // ties pick the first index
    vals[20] = f32::NAN;
    let x = cpu_f32(vals, &[6, 10]);
    for (name, v) in views(&x) {
        for axis in [None, Some(0), Some(1), Some(-1)] {
            for keep in [false, true] {
                let what = |op: &str| format!("{op} {name} axis {axis:?} keepdims {keep}");
                check(&what("argmax"), &[&v], |t| ops::argmax(&t[0], axis, keep));
                check(&what("argmin"), &[&v], |t| ops::argmin(&t[0], axis, keep));
            }
        }
    }
    let i = cpu_i32(rng.ints(40, -3, 3), &[4, 10]);
    check("argmax i32", &[&i], |t| ops::argmax(&t[0], Some(1), false));
    check("argmin i32 ties", &[&i], |t| {
        ops::argmin(&t[0], Some(0), false)
    });
    let big = cpu_f32(rng.uniform(300_000, -1.0, 1.0), &[300_000]);
    check("argmax 300k", &[&big], |t| ops::argmax(&t[0], None, false));
    check("argmin 300k", &[&big], |t| {
        ops::argmin(&t[0], Some(0), false)
    });
    let e = to_gpu(&cpu_f32(vec![], &[0]));
    assert!(ops::argmax(&e, None, false).is_err());
}

#[test]
fn matmul_matches_for_all_layouts() {
    let mut rng = Lcg(11);
    let a = grid(&mut rng, &[129, 65]);
    let b = grid(&mut rng, &[65, 257]);
    check("matmul 129x257x65", &[&a, &b], |t| {
        ops::matmul(&t[0], &t[1])
    });
    let at = grid(&mut rng, &[65, 129]);
    let bt = grid(&mut rng, &[257, 65]);
    check("matmul transposed operands", &[&at, &bt], |t| {
        ops::matmul(&ops::transpose(&t[0], None)?, &ops::transpose(&t[1], None)?)
    });
    check("matmul flipped and sliced", &[&a, &b], |t| {
        let a = ops::slice_axis(&ops::flip(&t[0], 1)?, 0, 3, 40, 3)?;
        ops::matmul(&a, &ops::slice_axis(&t[1], 1, 256, 100, -2)?)
    });
    let batched = grid(&mut rng, &[2, 3, 7, 5]);
    let shared = grid(&mut rng, &[3, 5, 9]);
    check("matmul broadcast batch", &[&batched, &shared], |t| {
        ops::matmul(&t[0], &t[1])
    });
    check("matmul vector", &[&a, &grid(&mut rng, &[65])], |t| {
        ops::matmul(&t[0], &t[1])
    });
    check(
        "matmul k=0",
        &[&cpu_f32(vec![], &[4, 0]), &cpu_f32(vec![], &[0, 3])],
        |t| ops::matmul(&t[0], &t[1]),
    );
    check(
        "matmul m=0",
        &[&cpu_f32(vec![], &[0, 4]), &grid(&mut rng, &[4, 3])],
        |t| ops::matmul(&t[0], &t[1]),
    );
    let many = grid(&mut rng, &[300, 2, 3]);
    let one = grid(&mut rng, &[300, 3, 2]);
    check("matmul 300 small batches", &[&many, &one], |t| {
        ops::matmul(&t[0], &t[1])
    });
    let i = cpu_i32(vec![1, 2, 3, 4], &[2, 2]);
    let g = to_gpu(&i);
    let err = g.storage().matmul(
        g.layout(),
        g.storage(),
        g.layout(),
        &rkeras::MatmulDims {
            batch: vec![],
            m: 2,
            n: 2,
            k: 2,
        },
    );
    assert!(matches!(err, Err(rkeras::Error::DType(_))));
}

/// The gradients of a small network's loss on `device`.
fn network_gradients(x: &Tensor, w: &Tensor, b: &Tensor) -> Vec<Tensor> {
    let tape = rkeras::autograd::Tape::new(false);
    tape.enter();
    for t in [x, w, b] {
        tape.watch(t);
    }
    let h = ops::tanh(&ops::add(&ops::matmul(x, w).unwrap(), b).unwrap()).unwrap();
    let peak = ops::max(&h, Some(&[1]), false).unwrap();
    let loss = ops::add(
        &ops::mean(&h, None, false).unwrap(),
        &ops::sum(&ops::multiply(&peak, &peak).unwrap(), None, false).unwrap(),
    )
    .unwrap();
    tape.exit();
    let grads = tape
        .gradient(&loss, &[x.clone(), w.clone(), b.clone()], None)
        .unwrap();
    grads
        .into_iter()
        .map(|g| g.expect("every input is used"))
        .collect()
}

#[test]
fn gradients_on_gpu_match_cpu() {
    let mut rng = Lcg(12);
    let x = randn(&mut rng, &[8, 5]);
    let w = randn(&mut rng, &[5, 3]);
    let b = randn(&mut rng, &[3]);
    let cpu = network_gradients(&x, &w, &b);
    let gpu = network_gradients(&to_gpu(&x), &to_gpu(&w), &to_gpu(&b));
    for (name, (g, c)) in ["x", "w", "b"].iter().zip(gpu.iter().zip(&cpu)) {
        assert_close_tol(g, c, 1e-5, 1e-6, &format!("gradient of {name}"));
    }
}

#[test]
fn concatenate_and_friends_match() {
    let mut rng = Lcg(13);
    let a = randn(&mut rng, &[2, 3, 4]);
    let b = randn(&mut rng, &[2, 5, 4]);
    let c = randn(&mut rng, &[2, 1, 4]);
    check("concatenate axis 1", &[&a, &b, &c], |t| {
        ops::concatenate(t, 1)
    });
    check("concatenate views", &[&a, &b], |t| {
        let a = ops::flip(&t[0], 2)?;
        let b = ops::slice_axis(&t[1], 1, 4, 3, -2)?;
        ops::concatenate(&[a, b], 1)
    });
    check("concatenate axis 0 with empty", &[&a], |t| {
        let e = ops::slice_axis(&t[0], 0, 0, 0, 1)?;
        ops::concatenate(&[e, t[0].clone()], 0)
    });
    check("stack", &[&a, &a], |t| ops::stack(t, 2));
    check("pad", &[&a], |t| {
        ops::pad(&t[0], &[(1, 0), (0, 2), (1, 1)], 0.5)
    });
    check("tile", &[&c], |t| ops::tile(&t[0], &[2, 3, 1]));
    let i = cpu_i32(rng.ints(6, -9, 9), &[2, 3]);
    let l = ops::cast(&i, DType::I64).unwrap();
    check("concatenate i64", &[&l, &l], |t| ops::concatenate(t, 0));
    let m = ops::less(&i, &Tensor::scalar(0i32, Device::Cpu).unwrap()).unwrap();
    check("concatenate mixed dtypes", &[&m, &i], |t| {
        ops::concatenate(t, 1)
    });
}

#[test]
fn gathers_and_scatters_match() {
    let mut rng = Lcg(14);
    let x = randn(&mut rng, &[5, 6, 3]);
    let idx = Tensor::from_vec(vec![4i64, 0, -1, 2, 2], [5], Device::Cpu).unwrap();
    let idx2 = Tensor::from_vec(vec![1i32, 5, 0, -6], [2, 2], Device::Cpu).unwrap();
    check("take axis 0", &[&x, &idx], |t| {
        ops::take(&t[0], &t[1], Some(0))
    });
    check("take axis 1 2-d indices", &[&x, &idx2], |t| {
        ops::take(&t[0], &t[1], Some(1))
    });
    check("take flattened", &[&x, &idx], |t| {
        ops::take(&t[0], &t[1], None)
    });
    check("take transposed", &[&x, &idx2], |t| {
        ops::take(&ops::transpose(&t[0], None)?, &t[1], Some(-2))
    });
    let xi = cpu_i32(rng.ints(30, -5, 5), &[5, 6]);
    check("take i32", &[&xi, &idx], |t| {
        ops::take(&t[0], &t[1], Some(0))
    });
    let along = Tensor::from_vec(
        rng.ints(5 * 4 * 3, -6, 6)
            .into_iter()
            .map(i64::from)
            .collect::<Vec<_>>(),
        [5, 4, 3],
        Device::Cpu,
    )
    .unwrap();
    check("take_along_axis", &[&x, &along], |t| {
        ops::take_along_axis(&t[0], &t[1], 1)
    });
    let arg = ops::argmax(&x, Some(2), true).unwrap();
    check("take_along_axis argmax", &[&x, &arg], |t| {
        ops::take_along_axis(&t[0], &t[1], 2)
    });
    let labels = cpu_i32(vec![0, 3, 1, 7, -1], &[5]);
    check("one_hot", &[&labels], |t| {
        ops::one_hot(&t[0], 4, -1, DType::F32)
    });

    let g = randn(&mut rng, &[5, 2, 3]);
    let rows = Tensor::from_vec(vec![3i64, 0], [2], Device::Cpu).unwrap();
    let repeated = Tensor::from_vec(vec![4i64, 0, 5, 2, 2], [5], Device::Cpu).unwrap();
    check("scatter_add repeated", &[&g, &repeated], |t| {
        ops::scatter_add(&t[0], &t[1], 0, 6)
    });
    check("scatter_add axis 1", &[&g, &rows], |t| {
        ops::scatter_add(&t[0], &t[1], 1, 4)
    });
    // Many slices into few rows: the atomic adds contend.
    let many = grid(&mut rng, &[4000, 8]);
    let targets: Vec<i64> = rng.ints(4000, 0, 3).into_iter().map(i64::from).collect();
    let targets = Tensor::from_vec(targets, [4000], Device::Cpu).unwrap();
    check("scatter_add 4000 into 3", &[&many, &targets], |t| {
        ops::scatter_add(&t[0], &t[1], 0, 3)
    });
}

/// Gradients through gathers, slices and running sums (their adjoints are
/// the scatter kernels and a reversed cumsum).
fn index_gradients(x: &Tensor) -> Vec<Tensor> {
    let device = x.device();
    let idx = Tensor::from_vec(vec![2i64, 0, 2, 1], [4], Device::Cpu)
        .unwrap()
        .to_device(device)
        .unwrap();
    let tape = rkeras::autograd::Tape::new(false);
    tape.enter();
    tape.watch(x);
    let picked = ops::take(x, &idx, Some(0)).unwrap();
    let arg = ops::argmax(x, Some(1), true).unwrap();
    let best = ops::take_along_axis(x, &arg, 1).unwrap();
    let sliced = ops::slice_axis(x, 1, 3, 2, -2).unwrap();
    let running = ops::cumsum(x, Some(1)).unwrap();
    let terms = [
        ops::sum(&ops::square(&picked).unwrap(), None, false).unwrap(),
        ops::sum(&best, None, false).unwrap(),
        ops::sum(&ops::exp(&sliced).unwrap(), None, false).unwrap(),
        ops::mean(&ops::tanh(&running).unwrap(), None, false).unwrap(),
    ];
    let loss = terms
        .iter()
        .skip(1)
        .fold(terms[0].clone(), |acc, t| ops::add(&acc, t).unwrap());
    tape.exit();
    let grads = tape.gradient(&loss, std::slice::from_ref(x), None).unwrap();
    vec![grads[0].clone().unwrap()]
}

#[test]
fn index_gradients_match() {
    let mut rng = Lcg(15);
    let x = randn(&mut rng, &[3, 4]);
    let cpu = index_gradients(&x);
    let gpu = index_gradients(&to_gpu(&x));
    assert_close(
        &gpu[0],
        &cpu[0],
        "gradient through take/take_along_axis/slice/cumsum",
    );
}

#[test]
fn cumsum_matches() {
    let mut rng = Lcg(16);
    let x = grid(&mut rng, &[4, 5, 6]);
    for (name, v) in views(&x) {
        for axis in [None, Some(0), Some(1), Some(2)] {
            check(&format!("cumsum {name} axis {axis:?}"), &[&v], |t| {
                ops::cumsum(&t[0], axis)
            });
        }
    }
    let i = cpu_i32(rng.ints(30, -9, 9), &[5, 6]);
    check("cumsum i32", &[&i], |t| ops::cumsum(&t[0], Some(1)));
    check("cumsum i64", &[&ops::cast(&i, DType::I64).unwrap()], |t| {
        ops::cumsum(&t[0], Some(0))
    });
    let b = ops::less(&i, &Tensor::scalar(0i32, Device::Cpu).unwrap()).unwrap();
    check("cumsum bool", &[&b], |t| ops::cumsum(&t[0], None));
    check("cumsum 0-size", &[&cpu_f32(vec![], &[3, 0])], |t| {
        ops::cumsum(&t[0], Some(0))
    });
    let long = randn(&mut rng, &[50_000]);
    check("cumsum 50k", &[&long], |t| ops::cumsum(&t[0], None));
}
