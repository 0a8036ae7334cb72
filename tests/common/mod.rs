//! Shared helpers for the integration tests: a deterministic LCG, f64
//! reference arrays with NumPy broadcasting, builders for non-contiguous
//! views, closeness checks and a finite-difference gradient checker.
#![allow(dead_code)]

use rkeras::autograd::Tape;
use rkeras::{ops, Device, Result, Tensor};

/// A tiny linear congruential generator (Knuth's MMIX constants): the tests
/// need reproducible inputs, not statistical quality.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }

    /// Uniform in `[lo, hi)`, rounded to f32.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f32 {
        let u = self.next_u32() as f64 / (1u64 << 31) as f64;
        (lo + (hi - lo) * u) as f32
    }

    pub fn vec(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f32> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }

    /// Values in `[lo, hi)` whose magnitude is at least `gap` (away from
    /// kinks at 0).
    pub fn vec_away_from_zero(&mut self, n: usize, lo: f64, hi: f64, gap: f64) -> Vec<f32> {
        (0..n)
            .map(|_| loop {
                let v = self.uniform(lo, hi);
                if (v as f64).abs() >= gap {
                    break v;
                }
            })
            .collect()
    }

    pub fn below(&mut self, n: u32) -> u32 {
        self.next_u32() % n
    }
}

pub fn numel(dims: &[usize]) -> usize {
    dims.iter().product()
}

/// A contiguous float32 CPU tensor.
pub fn tf(values: Vec<f32>, dims: &[usize]) -> Tensor {
    Tensor::from_vec(values, dims.to_vec(), Device::Cpu).unwrap()
}

pub fn ti64(values: Vec<i64>, dims: &[usize]) -> Tensor {
    Tensor::from_vec(values, dims.to_vec(), Device::Cpu).unwrap()
}

pub fn ti32(values: Vec<i32>, dims: &[usize]) -> Tensor {
    Tensor::from_vec(values, dims.to_vec(), Device::Cpu).unwrap()
}

pub fn tb(values: Vec<bool>, dims: &[usize]) -> Tensor {
    Tensor::from_vec(values, dims.to_vec(), Device::Cpu).unwrap()
}

pub fn f32s(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().unwrap()
}

pub fn f64s(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f32>()
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect()
}

pub fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

/// Row-major multi-index of flat position `flat`.
pub fn unravel(mut flat: usize, dims: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; dims.len()];
    for a in (0..dims.len()).rev() {
        if dims[a] > 0 {
            idx[a] = flat % dims[a];
            flat /= dims[a];
        }
    }
    idx
}

pub fn ravel(idx: &[usize], dims: &[usize]) -> usize {
    idx.iter().zip(dims).fold(0, |acc, (&i, &d)| acc * d + i)
}

/// NumPy broadcasting of shapes (None when incompatible).
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let r = a.len().max(b.len());
    let mut out = vec![0; r];
    for i in 0..r {
        let da = if i + a.len() >= r {
            a[i + a.len() - r]
        } else {
            1
        };
        let db = if i + b.len() >= r {
            b[i + b.len() - r]
        } else {
            1
        };
        out[i] = if da == db {
            da
        } else if da == 1 {
            db
        } else if db == 1 {
            da
        } else {
            return None;
        };
    }
    Some(out)
}

/// The flat index into an array of shape `dims` that a broadcast output
/// index `out_idx` reads.
pub fn broadcast_source(out_idx: &[usize], dims: &[usize]) -> usize {
    let extra = out_idx.len() - dims.len();
    let idx: Vec<usize> = dims
        .iter()
        .enumerate()
        .map(|(a, &d)| if d == 1 { 0 } else { out_idx[a + extra] })
        .collect();
    ravel(&idx, dims)
}

/// `values` of shape `dims` broadcast to `target`, row-major.
pub fn broadcast_values(values: &[f64], dims: &[usize], target: &[usize]) -> Vec<f64> {
    (0..numel(target))
        .map(|f| values[broadcast_source(&unravel(f, target), dims)])
        .collect()
}

/// How an input tensor is laid out in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Contiguous,
    /// A transpose of contiguous storage (all axes reversed).
    Transposed,
    /// Every other element of a larger buffer along each axis (step 2),
    /// starting at offset 1.
    Stepped,
    /// Every axis reversed (negative strides).
    Flipped,
    /// Axis 0 (when there is one) is a stride-0 broadcast of one row.
    Broadcast,
}

pub const VIEWS: [View; 5] = [
    View::Contiguous,
    View::Transposed,
    View::Stepped,
    View::Flipped,
    View::Broadcast,
];

/// A float32 tensor of shape `dims` with random values in `[lo, hi)` laid
/// out as `view`, and its logical row-major values in f64.
pub fn make(rng: &mut Lcg, dims: &[usize], view: View, lo: f64, hi: f64) -> (Tensor, Vec<f64>) {
    let n = numel(dims);
    let rank = dims.len();
    match view {
        View::Contiguous => {
            let v = rng.vec(n, lo, hi);
            (tf(v.clone(), dims), widen(&v))
        }
        View::Transposed => {
            let v = rng.vec(n, lo, hi);
            let rev: Vec<usize> = dims.iter().rev().copied().collect();
            let mut stored = vec![0.0f32; n];
            for (f, &x) in v.iter().enumerate() {
                let idx: Vec<usize> = unravel(f, dims).into_iter().rev().collect();
                stored[ravel(&idx, &rev)] = x;
            }
            let t = ops::transpose(&tf(stored, &rev), None).unwrap();
            (t, widen(&v))
        }
        View::Stepped => {
            let v = rng.vec(n, lo, hi);
            let big: Vec<usize> = dims.iter().map(|&d| 2 * d + 1).collect();
            let mut stored = rng.vec(numel(&big), -1e6, 1e6);
            for (f, &x) in v.iter().enumerate() {
                let idx: Vec<usize> = unravel(f, dims).iter().map(|&i| 2 * i + 1).collect();
                stored[ravel(&idx, &big)] = x;
            }
            let mut t = tf(stored, &big);
            for (a, &d) in dims.iter().enumerate() {
                t = ops::slice_axis(&t, a, 1, d, 2).unwrap();
            }
            (t, widen(&v))
        }
        View::Flipped => {
            let v = rng.vec(n, lo, hi);
            let mut stored = vec![0.0f32; n];
            for (f, &x) in v.iter().enumerate() {
                let idx: Vec<usize> = unravel(f, dims)
                    .iter()
                    .zip(dims)
                    .map(|(&i, &d)| d - 1 - i)
                    .collect();
                stored[ravel(&idx, dims)] = x;
            }
            let mut t = tf(stored, dims);
            for a in 0..rank {
                t = ops::flip(&t, a).unwrap();
            }
            (t, widen(&v))
        }
        View::Broadcast => {
            if rank == 0 {
                return make(rng, dims, View::Contiguous, lo, hi);
            }
            let mut small = dims.to_vec();
            small[0] = 1;
            let v = rng.vec(numel(&small), lo, hi);
            let t = ops::broadcast_to(&tf(v.clone(), &small), dims).unwrap();
            (t, broadcast_values(&widen(&v), &small, dims))
        }
    }
}

/// `|a - e| <= atol + rtol * |e|` elementwise, with NaN matching NaN and
/// equal infinities matching.
pub fn assert_close_tol(actual: &[f32], expected: &[f64], rtol: f64, atol: f64, what: &str) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "{what}: {} values, expected {}",
        actual.len(),
        expected.len()
    );
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let a = a as f64;
        let ok = if e.is_nan() {
            a.is_nan()
        } else if e.is_infinite() || e.abs() > f32::MAX as f64 {
            a == e || (a.is_infinite() && a.signum() == e.signum())
        } else {
            (a - e).abs() <= atol + rtol * e.abs()
        };
        assert!(ok, "{what}: element {i}: got {a}, expected {e}");
    }
}

pub fn assert_close(actual: &[f32], expected: &[f64], what: &str) {
    assert_close_tol(actual, expected, 1e-5, 1e-6, what);
}

pub fn assert_tensor(t: &Tensor, dims: &[usize], expected: &[f64], what: &str) {
    assert_eq!(t.dims(), dims, "{what}: shape");
    assert_close(&f32s(t), expected, what);
}

/// The f64 value of `sum(f(inputs) * r)` for a fixed weight vector `r`.
fn weighted_loss(f: &dyn Fn(&[Tensor]) -> Result<Tensor>, inputs: &[Tensor], r: &[f64]) -> f64 {
    let y = f(inputs).unwrap();
    f64s(&y).iter().zip(r).map(|(y, r)| y * r).sum()
}

/// Checks the tape's gradients of `loss = sum(f(xs) * r)` (random `r`, so
/// every output element matters) against central finite differences of
/// the f32 forward, accumulated in f64. Inputs are given as
/// `(values, dims)`; each element is perturbed by `eps`. The check is
/// `|analytic - numeric| <= tol * max(1, |analytic|, |numeric|)`.
pub fn gradcheck_tol(
    name: &str,
    f: impl Fn(&[Tensor]) -> Result<Tensor>,
    inputs: &[(Vec<f32>, Vec<usize>)],
    eps: f32,
    tol: f64,
) {
    let xs: Vec<Tensor> = inputs.iter().map(|(v, d)| tf(v.clone(), d)).collect();
    let tape = Tape::new(false);
    tape.enter();
    for x in &xs {
        tape.watch(x);
    }
    let y = f(&xs).unwrap();
    let mut rng = Lcg::new(0x5eed ^ y.numel() as u64);
    let r = rng.vec(y.numel(), -1.0, 1.0);
    let rt = tf(r.clone(), y.dims());
    let loss = ops::sum(&ops::multiply(&y, &rt).unwrap(), None, false).unwrap();
    tape.exit();
    let grads = tape.gradient(&loss, &xs, None).unwrap();
    let r = widen(&r);
    for (i, (values, dims)) in inputs.iter().enumerate() {
        let g = grads[i]
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no gradient for input {i}"));
        assert_eq!(g.dims(), &dims[..], "{name}: gradient {i} shape");
        let analytic = f64s(g);
        for j in 0..values.len() {
            let mut plus = values.clone();
            let mut minus = values.clone();
            plus[j] += eps;
            minus[j] -= eps;
            let h = plus[j] as f64 - minus[j] as f64;
            let with = |v: &Vec<f32>| {
                let mut args = xs.clone();
                args[i] = tf(v.clone(), dims);
                weighted_loss(&f, &args, &r)
            };
            let numeric = (with(&plus) - with(&minus)) / h;
            let a = analytic[j];
            let scale = 1f64.max(a.abs()).max(numeric.abs());
            assert!(
                (a - numeric).abs() <= tol * scale,
                "{name}: d/d input{i}[{j}] (x = {}): tape {a}, finite difference {numeric}",
                values[j]
            );
        }
    }
}

pub fn gradcheck(
    name: &str,
    f: impl Fn(&[Tensor]) -> Result<Tensor>,
    inputs: &[(Vec<f32>, Vec<usize>)],
) {
    gradcheck_tol(name, f, inputs, 1e-2, 1e-3);
}

/// Random inputs for `gradcheck`.
pub fn rand_input(rng: &mut Lcg, dims: &[usize], lo: f64, hi: f64) -> (Vec<f32>, Vec<usize>) {
    (rng.vec(numel(dims), lo, hi), dims.to_vec())
}

/// Random inputs with `|x| >= gap`.
pub fn rand_input_away(
    rng: &mut Lcg,
    dims: &[usize],
    lo: f64,
    hi: f64,
    gap: f64,
) -> (Vec<f32>, Vec<usize>) {
    (
        rng.vec_away_from_zero(numel(dims), lo, hi, gap),
        dims.to_vec(),
    )
}

/// The error of a call that must fail: asserts its kind and that its
/// message mentions every fragment.
pub fn expect_err<T: std::fmt::Debug>(
    r: Result<T>,
    kind: fn(&rkeras::Error) -> bool,
    fragments: &[&str],
) -> rkeras::Error {
    let e = r.expect_err("the call should have failed");
    assert!(kind(&e), "unexpected error kind: {e:?}");
    let msg = e.to_string();
    for f in fragments {
        assert!(msg.contains(f), "message {msg:?} does not mention {f:?}");
    }
    e
}

pub fn is_shape(e: &rkeras::Error) -> bool {
    matches!(e, rkeras::Error::Shape(_))
}

pub fn is_value(e: &rkeras::Error) -> bool {
    matches!(e, rkeras::Error::Value(_))
}

pub fn is_index(e: &rkeras::Error) -> bool {
    matches!(e, rkeras::Error::Index(_))
}

pub fn is_dtype(e: &rkeras::Error) -> bool {
    matches!(e, rkeras::Error::DType(_))
}
