//! The wgpu adapters of this machine and, per ordinal, one device and queue
//! created on first use and kept for the life of the process.

use std::sync::{Arc, Mutex, OnceLock};

use super::pipelines::PipelineCache;
use super::pool::BufferPool;
use crate::{bail, Result};

/// A GPU's device and queue, with its buffer pool and compiled pipelines.
pub struct GpuContext {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) limits: wgpu::Limits,
    pub(crate) pool: BufferPool,
    pub(crate) pipelines: PipelineCache,
    /// Held by each operation from recording to submit. wgpu, built without
    /// its `std` feature, keeps one error-scope stack for all threads, so
    /// operations on two threads would pop each other's scopes.
    pub(crate) serial: Mutex<()>,
    info: wgpu::AdapterInfo,
    ordinal: usize,
}

impl GpuContext {
    /// The adapter's name, driver and backend, as wgpu reports them.
    pub fn info(&self) -> &wgpu::AdapterInfo {
        &self.info
    }

    pub fn ordinal(&self) -> usize {
        self.ordinal
    }
}

struct Slot {
    adapter: wgpu::Adapter,
    context: OnceLock<std::result::Result<GpuContext, String>>,
}

/// Adapters in ordinal order: discrete GPUs first, software rasterizers
/// last, so `gpu:0` is the fastest device when there is a choice.
fn slots() -> &'static [Slot] {
    static SLOTS: OnceLock<Vec<Slot>> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: wgpu::Backends::PRIMARY,
            // Validation layers only when asked for (WGPU_VALIDATION=1).
            flags: wgpu::InstanceFlags::empty().with_env(),
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::PRIMARY));
        adapters.sort_by_key(|a| preference(a.get_info().device_type));
        adapters
            .into_iter()
            .map(|adapter| Slot {
                adapter,
                context: OnceLock::new(),
            })
            .collect()
    })
}

fn preference(kind: wgpu::DeviceType) -> u8 {
    match kind {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

/// Whether `gpu:{ordinal}` exists and can run kernels.
pub fn is_available(ordinal: usize) -> bool {
    context(ordinal).is_ok()
}

/// Whether `gpu:{ordinal}` is real hardware, not a software rasterizer
/// such as llvmpipe (which is slower than the CPU backend).
pub fn is_hardware(ordinal: usize) -> bool {
    slots()
        .get(ordinal)
        .is_some_and(|s| s.adapter.get_info().device_type != wgpu::DeviceType::Cpu)
}

/// The device of `gpu:{ordinal}`, created on first call.
pub fn context(ordinal: usize) -> Result<&'static GpuContext> {
    let slots = slots();
    let Some(slot) = slots.get(ordinal) else {
        if slots.is_empty() {
            bail!(
                Device,
                "No GPU adapter found for gpu:{ordinal} (wgpu tried Vulkan, Metal and DX12). \
                 Install a GPU driver — or Mesa's lavapipe (`apt install mesa-vulkan-drivers`) \
                 for a software Vulkan device — or use the 'cpu' device."
            );
        }
        let names: Vec<String> = slots
            .iter()
            .enumerate()
            .map(|(i, s)| format!("gpu:{i} = {}", s.adapter.get_info().name))
            .collect();
        bail!(
            Device,
            "gpu:{ordinal} does not exist; wgpu found {} adapter(s): {}",
            slots.len(),
            names.join(", ")
        );
    };
    match slot.context.get_or_init(|| open(&slot.adapter, ordinal)) {
        Ok(ctx) => Ok(ctx),
        Err(e) => bail!(Device, "{e}"),
    }
}

fn open(adapter: &wgpu::Adapter, ordinal: usize) -> std::result::Result<GpuContext, String> {
    let info = adapter.get_info();
    // Compute wants the largest buffers and workgroup memory the adapter has.
    let limits = adapter.limits();
    let descriptor = wgpu::DeviceDescriptor {
        label: Some("rkeras"),
        required_limits: limits.clone(),
        ..Default::default()
    };
    let (device, queue) = pollster::block_on(adapter.request_device(&descriptor))
        .map_err(|e| format!("gpu:{ordinal} ({}): cannot open the device: {e}", info.name))?;
    // Every operation checks its own errors in an error scope; anything that
    // escapes one must not abort the process (wgpu's default panics).
    device.on_uncaptured_error(Arc::new(|e| eprintln!("rkeras: wgpu error: {e}")));
    Ok(GpuContext {
        device,
        queue,
        limits,
        pool: BufferPool::default(),
        pipelines: PipelineCache::default(),
        serial: Mutex::new(()),
        info,
        ordinal,
    })
}
