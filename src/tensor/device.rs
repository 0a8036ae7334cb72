use std::cell::RefCell;
use std::fmt;
use std::sync::RwLock;

use crate::{bail, Result};

/// Where a tensor's data lives and its kernels run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Device {
    Cpu,
    /// A wgpu adapter (Vulkan, Metal or DX12), by ordinal.
    Gpu(usize),
    /// Shapes only: runs shape rules without data, for symbolic tensors.
    Meta,
}

impl Device {
    /// Parses `"cpu"`, `"gpu"`, `"gpu:N"` and `"meta"`.
    pub fn parse(name: &str) -> Result<Device> {
        let lower = name.trim().to_ascii_lowercase();
        match lower.as_str() {
            "cpu" => return Ok(Device::Cpu),
            "gpu" => return Ok(Device::Gpu(0)),
            "meta" => return Ok(Device::Meta),
            _ => {}
        }
        if let Some(n) = lower.strip_prefix("gpu:") {
            if let Ok(n) = n.parse() {
                return Ok(Device::Gpu(n));
            }
        }
        bail!(
            Value,
            "Unknown device '{name}'. Expected 'cpu', 'gpu', 'gpu:N' or 'meta'."
        )
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => f.write_str("cpu"),
            Device::Gpu(n) => write!(f, "gpu:{n}"),
            Device::Meta => f.write_str("meta"),
        }
    }
}

static DEFAULT_DEVICE: RwLock<Option<Device>> = RwLock::new(None);

thread_local! {
    /// Devices pushed by `with rkeras.device(...)` scopes on this thread.
    static SCOPES: RefCell<Vec<Device>> = const { RefCell::new(Vec::new()) };
}

/// The device new tensors go to: the innermost scope, else the process
/// default, else `RKERAS_DEVICE`, else the best available (a hardware GPU
/// when one is present, CPU otherwise).
pub fn default_device() -> Device {
    if let Some(d) = SCOPES.with(|s| s.borrow().last().copied()) {
        return d;
    }
    if let Some(d) = *DEFAULT_DEVICE.read().unwrap_or_else(|e| e.into_inner()) {
        return d;
    }
    let chosen = initial_device();
    *DEFAULT_DEVICE.write().unwrap_or_else(|e| e.into_inner()) = Some(chosen);
    chosen
}

fn initial_device() -> Device {
    if let Ok(name) = std::env::var("RKERAS_DEVICE") {
        if let Ok(device) = Device::parse(&name) {
            return device;
        }
    }
    // A software adapter (llvmpipe) is slower than the CPU backend, so only
    // real hardware becomes the default.
    if crate::gpu::is_hardware(0) {
        Device::Gpu(0)
    } else {
        Device::Cpu
    }
}

/// Sets the process-wide default device, checking that it exists.
pub fn set_default_device(device: Device) -> Result<()> {
    check_available(device)?;
    *DEFAULT_DEVICE.write().unwrap_or_else(|e| e.into_inner()) = Some(device);
    Ok(())
}

/// Fails with the reason when `device` cannot run kernels here.
pub fn check_available(device: Device) -> Result<()> {
    match device {
        Device::Cpu | Device::Meta => Ok(()),
        Device::Gpu(n) => crate::gpu::context(n).map(|_| ()),
    }
}

/// Makes `device` the default on this thread until `pop_device_scope`.
pub fn push_device_scope(device: Device) -> Result<()> {
    check_available(device)?;
    SCOPES.with(|s| s.borrow_mut().push(device));
    Ok(())
}

pub fn pop_device_scope() {
    SCOPES.with(|s| s.borrow_mut().pop());
}
