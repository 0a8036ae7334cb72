//! Tensors made from nothing but a shape or a range.

use crate::{bail, DType, Device, Result, Tensor};

pub fn zeros(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    Tensor::zeros(shape.to_vec(), dtype, device)
}

pub fn ones(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
    Tensor::ones(shape.to_vec(), dtype, device)
}

pub fn full(shape: &[usize], value: f64, dtype: DType, device: Device) -> Result<Tensor> {
    Tensor::full(shape.to_vec(), value, dtype, device)
}

pub fn zeros_like(x: &Tensor) -> Result<Tensor> {
    Tensor::zeros(x.shape().clone(), x.dtype(), x.device())
}

pub fn ones_like(x: &Tensor) -> Result<Tensor> {
    Tensor::ones(x.shape().clone(), x.dtype(), x.device())
}

pub fn full_like(x: &Tensor, value: f64) -> Result<Tensor> {
    Tensor::full(x.shape().clone(), value, x.dtype(), x.device())
}

/// `start, start + step, ...` up to (not including) `stop`.
pub fn arange(start: f64, stop: f64, step: f64, dtype: DType, device: Device) -> Result<Tensor> {
    if step == 0.0 || !step.is_finite() {
        bail!(
            Value,
            "arange: step must be a nonzero finite number, got {step}"
        );
    }
    let n = ((stop - start) / step).ceil().max(0.0) as usize;
    let values: Vec<f32> = (0..n).map(|i| (start + i as f64 * step) as f32).collect();
    let t = Tensor::from_vec(values, [n], Device::Cpu)?;
    let t = if dtype == DType::F32 {
        t
    } else {
        let exact: Vec<i64> = (0..n).map(|i| (start + i as f64 * step) as i64).collect();
        super::cast(&Tensor::from_vec(exact, [n], Device::Cpu)?, dtype)?
    };
    t.to_device(device)
}

/// An `n` x `m` matrix with ones on diagonal `k` (0 is the main one).
pub fn eye(n: usize, m: Option<usize>, k: isize, dtype: DType, device: Device) -> Result<Tensor> {
    let m = m.unwrap_or(n);
    let mut values = vec![0.0f32; n * m];
    for i in 0..n {
        let j = i as isize + k;
        if j >= 0 && (j as usize) < m {
            values[i * m + j as usize] = 1.0;
        }
    }
    super::cast(&Tensor::from_vec(values, [n, m], Device::Cpu)?, dtype)?.to_device(device)
}
