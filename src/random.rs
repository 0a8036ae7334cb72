//! Random tensors from a counter-based stream: the same `(seed, stream)`
//! key gives the same numbers on every machine and every run, which is what
//! Keras's `SeedGenerator` needs for reproducible training.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::{bail, ops, trace, DType, Device, Result, Shape, Tensor};

/// A random stream: `seed` from the user, `stream` from a seed generator's
/// counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RngKey {
    pub seed: u64,
    pub stream: u64,
}

impl RngKey {
    fn rng(self) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(self.stream);
        rng
    }
}

/// Where a random op's stream number comes from.
#[derive(Debug, Clone)]
pub enum Stream {
    /// Always this stream (a fixed integer seed).
    Fixed(u64),
    /// The next value of a seed generator's counter, which each draw
    /// advances.
    Counter(Arc<AtomicU64>),
}

/// A seed and where its streams come from: what a random op draws its key
/// from each time it runs, including in every replay of a recorded step.
#[derive(Debug, Clone)]
pub struct KeySource {
    pub seed: u64,
    pub stream: Stream,
}

impl From<RngKey> for KeySource {
    fn from(key: RngKey) -> KeySource {
        KeySource {
            seed: key.seed,
            stream: Stream::Fixed(key.stream),
        }
    }
}

impl KeySource {
    fn next(&self) -> RngKey {
        let stream = match &self.stream {
            Stream::Fixed(s) => *s,
            Stream::Counter(c) => c.fetch_add(1, Ordering::Relaxed),
        };
        RngKey {
            seed: self.seed,
            stream,
        }
    }

    /// Runs `make` on the next key, as a kernel that draws a fresh key on
    /// every replay of a recorded step (as eager calls would).
    fn draw(
        self,
        make: impl Fn(RngKey) -> Result<Tensor> + Send + Sync + 'static,
    ) -> Result<Tensor> {
        trace::stateful_kernel(&[], move |_| make(self.next()))
    }
}

/// Uniform in `[minval, maxval)`.
pub fn uniform(
    shape: &[usize],
    minval: f64,
    maxval: f64,
    key: impl Into<KeySource>,
    device: Device,
) -> Result<Tensor> {
    let shape = shape.to_vec();
    key.into().draw(move |key| {
        let mut rng = key.rng();
        let n: usize = shape.iter().product();
        let span = maxval - minval;
        // Rounding to f32 can land on maxval itself; the interval is half-open.
        let top = maxval as f32;
        let below_top = f32_below(top);
        let values: Vec<f32> = (0..n)
            .map(|_| {
                let v = (minval + span * rng.random::<f64>()) as f32;
                if v >= top && below_top >= minval as f32 {
                    below_top
                } else {
                    v
                }
            })
            .collect();
        Tensor::from_vec(values, shape.clone(), device)
    })
}

/// The largest f32 below `x` (for finite `x`).
fn f32_below(x: f32) -> f32 {
    if x > 0.0 {
        f32::from_bits(x.to_bits() - 1)
    } else if x == 0.0 {
        -f32::from_bits(1)
    } else {
        f32::from_bits(x.to_bits() + 1)
    }
}

/// Standard normal draws by the Box-Muller transform.
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

pub fn normal(
    shape: &[usize],
    mean: f64,
    stddev: f64,
    key: impl Into<KeySource>,
    device: Device,
) -> Result<Tensor> {
    let shape = shape.to_vec();
    key.into().draw(move |key| {
        let mut rng = key.rng();
        let n: usize = shape.iter().product();
        let values: Vec<f32> = (0..n)
            .map(|_| (mean + stddev * standard_normal(&mut rng)) as f32)
            .collect();
        Tensor::from_vec(values, shape.clone(), device)
    })
}

/// Normal draws, redrawn until within two standard deviations of the mean.
pub fn truncated_normal(
    shape: &[usize],
    mean: f64,
    stddev: f64,
    key: impl Into<KeySource>,
    device: Device,
) -> Result<Tensor> {
    let shape = shape.to_vec();
    key.into().draw(move |key| {
        let mut rng = key.rng();
        let n: usize = shape.iter().product();
        let values: Vec<f32> = (0..n)
            .map(|_| loop {
                let z = standard_normal(&mut rng);
                if z.abs() <= 2.0 {
                    break (mean + stddev * z) as f32;
                }
            })
            .collect();
        Tensor::from_vec(values, shape.clone(), device)
    })
}

/// Integers uniform in `[minval, maxval)`.
pub fn randint(
    shape: &[usize],
    minval: i64,
    maxval: i64,
    dtype: DType,
    key: impl Into<KeySource>,
    device: Device,
) -> Result<Tensor> {
    if maxval <= minval {
        bail!(
            Value,
            "randint: maxval ({maxval}) must be greater than minval ({minval})"
        );
    }
    if !dtype.is_int() {
        bail!(DType, "randint: dtype must be an integer type, got {dtype}");
    }
    let shape = shape.to_vec();
    key.into().draw(move |key| {
        let mut rng = key.rng();
        let n: usize = shape.iter().product();
        let values: Vec<i64> = (0..n).map(|_| rng.random_range(minval..maxval)).collect();
        ops::cast(
            &Tensor::from_vec(values, shape.clone(), Device::Cpu)?,
            dtype,
        )?
        .to_device(device)
    })
}

/// Zeroes each element with probability `rate` and scales the rest by
/// `1 / (1 - rate)`; `noise_shape` broadcasts one mask over some axes.
pub fn dropout(
    x: &Tensor,
    rate: f64,
    noise_shape: Option<&[usize]>,
    key: impl Into<KeySource>,
) -> Result<Tensor> {
    if !(0.0..1.0).contains(&rate) {
        bail!(Value, "dropout: rate must be in [0, 1), got {rate}");
    }
    let mask_shape = noise_shape.unwrap_or(x.dims());
    if &Shape::from(mask_shape).broadcast(x.shape(), "dropout")? != x.shape() {
        bail!(
            Shape,
            "dropout: noise_shape {} does not broadcast to the input shape {}",
            Shape::from(mask_shape),
            x.shape()
        );
    }
    let u = uniform(mask_shape, 0.0, 1.0, key, x.device())?;
    let keep = ops::cast(
        &ops::greater_equal(&u, &Tensor::scalar(rate as f32, x.device())?)?,
        DType::F32,
    )?;
    ops::multiply(x, &ops::mul_scalar(&keep, 1.0 / (1.0 - rate))?)
}

/// A random permutation of `x` along `axis`.
pub fn shuffle(x: &Tensor, axis: isize, key: impl Into<KeySource>) -> Result<Tensor> {
    let axis_index = x.shape().axis(axis, "shuffle")?;
    let n = x.dims()[axis_index];
    let device = x.device();
    let idx = key.into().draw(move |key| {
        let mut order: Vec<i64> = (0..n as i64).collect();
        let mut rng = key.rng();
        for i in (1..n).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let idx = Tensor::from_vec(order, [n], Device::Cpu)?;
        if device == Device::Cpu {
            Ok(idx)
        } else {
            ops::cast(&idx, DType::I32)?.to_device(device)
        }
    })?;
    ops::take(x, &idx, Some(axis))
}
