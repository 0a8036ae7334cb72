//! GPU backend on wgpu: WGSL compute kernels over pooled buffers.
//!
//! Every element is one 4-byte word: float32 as f32, int32 as i32, bool as
//! 0/1, and int64 as i32 (checked on upload, widened on download), because
//! WGSL has no 64-bit integers.

mod context;
mod copy;
mod elementwise;
mod index;
mod launch;
mod matmul;
mod pipelines;
mod pool;
mod reduce;
mod strided;
mod window;

use std::sync::Arc;

pub use context::{context, is_available, is_hardware, GpuContext};

use crate::cpu::CpuStorage;
use crate::{bail, DType, Result};
use launch::{Launch, STORAGE};
use pool::{BufferPool, PooledBuffer};

/// A tensor's data on a GPU: a contiguous run of 4-byte words. Clones of
/// the `Arc` share one buffer, which returns to the pool with the last.
pub struct GpuStorage {
    buffer: Arc<PooledBuffer>,
    dtype: DType,
    len: usize,
    ctx: &'static GpuContext,
}

impl GpuStorage {
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    pub fn ordinal(&self) -> usize {
        self.ctx.ordinal()
    }

    /// A buffer for `len` elements with undefined contents.
    fn alloc(ctx: &'static GpuContext, dtype: DType, len: usize) -> Result<GpuStorage> {
        let buffer = BufferPool::acquire(ctx, (len as u64 * 4).max(4), STORAGE)?;
        Ok(GpuStorage {
            buffer: Arc::new(buffer),
            dtype,
            len,
            ctx,
        })
    }

    /// Fails unless `other` lives on the same GPU.
    fn same_device(&self, other: &GpuStorage, op: &str) -> Result<()> {
        if self.ordinal() != other.ordinal() {
            bail!(
                Device,
                "{op}: operands are on different devices (gpu:{} and gpu:{})",
                self.ordinal(),
                other.ordinal()
            );
        }
        Ok(())
    }

    pub fn upload(cpu: &CpuStorage, ordinal: usize) -> Result<GpuStorage> {
        let ctx = context(ordinal)?;
        let words: Vec<u32> = match cpu {
            CpuStorage::F32(v) => v.iter().map(|x| x.to_bits()).collect(),
            CpuStorage::I32(v) => v.iter().map(|&x| x as u32).collect(),
            CpuStorage::Bool(v) => v.iter().map(|&x| x as u32).collect(),
            CpuStorage::I64(v) => {
                let mut words = Vec::with_capacity(v.len());
                for &x in v {
                    let Ok(w) = i32::try_from(x) else {
                        bail!(
                            Unsupported,
                            "int64 value {x} does not fit the GPU's 32-bit integers; \
                             keep this tensor on the 'cpu' device"
                        );
                    };
                    words.push(w as u32);
                }
                words
            }
        };
        let out = GpuStorage::alloc(ctx, cpu.dtype(), words.len())?;
        if !words.is_empty() {
            ctx.queue
                .write_buffer(&out.buffer, 0, bytemuck::cast_slice(&words));
        }
        Ok(out)
    }

    /// The only host read-back: copies into a mappable buffer and waits.
    pub fn download(&self) -> Result<CpuStorage> {
        let ctx = self.ctx;
        let bytes = (self.len as u64 * 4).max(4);
        let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("download"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut launch = Launch::new(ctx);
        launch.copy(&self.buffer, 0, &staging, self.len);
        launch.submit()?;
        let (tx, rx) = std::sync::mpsc::channel();
        staging.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        if let Err(e) = ctx.device.poll(wgpu::PollType::wait_indefinitely()) {
            bail!(
                Device,
                "gpu:{}: waiting for the GPU failed: {e}",
                ctx.ordinal()
            );
        }
        match rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => bail!(Device, "gpu:{}: reading back failed: {e}", ctx.ordinal()),
            Err(_) => bail!(Device, "gpu:{}: reading back was cancelled", ctx.ordinal()),
        }
        let words: Vec<u32> = {
            let view = match staging.get_mapped_range(..) {
                Ok(v) => v,
                Err(e) => bail!(Device, "gpu:{}: reading back failed: {e}", ctx.ordinal()),
            };
            bytemuck::cast_slice(&view[..self.len * 4]).to_vec()
        };
        staging.unmap();
        Ok(match self.dtype {
            DType::F32 => CpuStorage::F32(words.iter().map(|&w| f32::from_bits(w)).collect()),
            DType::I32 => CpuStorage::I32(words.iter().map(|&w| w as i32).collect()),
            DType::I64 => CpuStorage::I64(words.iter().map(|&w| w as i32 as i64).collect()),
            DType::Bool => CpuStorage::Bool(words.iter().map(|&w| w != 0).collect()),
        })
    }
}
