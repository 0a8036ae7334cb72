//! Recycles GPU buffers by size class: creating a buffer is slow on every
//! backend, and training allocates the same sizes step after step.

use std::collections::HashMap;
use std::sync::Mutex;

use super::context::GpuContext;
use crate::{bail, Result};

/// Free buffers beyond this many bytes are released to the driver.
const MAX_POOLED_BYTES: u64 = 1 << 30;

#[derive(Default)]
pub(crate) struct BufferPool {
    free: Mutex<Free>,
}

#[derive(Default)]
struct Free {
    by_class: HashMap<(u32, u64), Vec<wgpu::Buffer>>,
    bytes: u64,
}

/// A buffer that goes back to its pool when dropped.
pub(crate) struct PooledBuffer {
    buffer: Option<wgpu::Buffer>,
    ctx: &'static GpuContext,
}

impl std::ops::Deref for PooledBuffer {
    type Target = wgpu::Buffer;
    fn deref(&self) -> &wgpu::Buffer {
        self.buffer.as_ref().expect("present until drop")
    }
}

impl Drop for PooledBuffer {
    fn drop(&mut self) {
        if let Some(buffer) = self.buffer.take() {
            self.ctx.pool.release(buffer);
        }
    }
}

/// Sizes round up to an eighth of the next power of two, so a large buffer
/// carries at most a quarter of slack; small ones round up to 256 bytes.
fn size_class(bytes: u64) -> u64 {
    let bytes = bytes.max(256);
    let step = (bytes.next_power_of_two() / 8).max(256);
    bytes.div_ceil(step) * step
}

impl BufferPool {
    /// A buffer of at least `bytes` (at least 4: wgpu rejects empty
    /// bindings) with `usage`; its contents are undefined.
    pub(crate) fn acquire(
        ctx: &'static GpuContext,
        bytes: u64,
        usage: wgpu::BufferUsages,
    ) -> Result<PooledBuffer> {
        let size = size_class(bytes);
        let max = ctx
            .limits
            .max_buffer_size
            .min(ctx.limits.max_storage_buffer_binding_size);
        if bytes > max {
            bail!(
                Device,
                "gpu:{}: a tensor of {bytes} bytes exceeds this GPU's largest buffer ({max} bytes)",
                ctx.ordinal()
            );
        }
        let reused = {
            let mut free = ctx.pool.free.lock().unwrap_or_else(|e| e.into_inner());
            let found = free
                .by_class
                .get_mut(&(usage.bits(), size))
                .and_then(Vec::pop);
            if found.is_some() {
                free.bytes -= size;
            }
            found
        };
        let buffer = reused.unwrap_or_else(|| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: None,
                size: size.min(max.max(4)),
                usage,
                mapped_at_creation: false,
            })
        });
        Ok(PooledBuffer {
            buffer: Some(buffer),
            ctx,
        })
    }

    fn release(&self, buffer: wgpu::Buffer) {
        let size = buffer.size();
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if free.bytes + size > MAX_POOLED_BYTES {
            return;
        }
        free.bytes += size;
        free.by_class
            .entry((buffer.usage().bits(), size))
            .or_default()
            .push(buffer);
    }
}
