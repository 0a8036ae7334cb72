//! Records one operation's dispatches into a command encoder and submits
//! them together, inside error scopes so that a wgpu error becomes an
//! `Error` instead of a panic.

use std::sync::MutexGuard;

use super::context::GpuContext;
use super::pipelines::{PipelineCache, Shader};
use super::pool::{BufferPool, PooledBuffer};
use crate::{bail, Result};

/// Invocations per workgroup of the 1-D kernels (`WG` in common.wgsl).
pub(crate) const WORKGROUP: u64 = 256;
/// The kernels' `params` uniform: 32 vec4<i32> (`PARAMS` in common.wgsl).
const PARAM_WORDS: usize = 128;

/// Usage of every tensor buffer: kernels read and write it, copies and
/// uploads move data in and out.
pub(crate) const STORAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

pub(crate) struct Launch {
    ctx: &'static GpuContext,
    encoder: wgpu::CommandEncoder,
    /// Parameter buffers, alive until the commands are submitted.
    params: Vec<PooledBuffer>,
    // Field order is drop order: scopes are popped while `serial` is held.
    scopes: Scopes,
    serial: MutexGuard<'static, ()>,
}

/// Error scopes must be popped in reverse order, also when an early return
/// drops a half-recorded launch.
struct Scopes(Vec<wgpu::ErrorScopeGuard>);

impl Drop for Scopes {
    fn drop(&mut self) {
        while let Some(scope) = self.0.pop() {
            drop(scope);
        }
    }
}

impl Launch {
    pub(crate) fn new(ctx: &'static GpuContext) -> Launch {
        let serial = ctx.serial.lock().unwrap_or_else(|e| e.into_inner());
        let scopes = Scopes(vec![
            ctx.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory),
            ctx.device.push_error_scope(wgpu::ErrorFilter::Validation),
        ]);
        Launch {
            ctx,
            encoder: ctx.device.create_command_encoder(&Default::default()),
            params: Vec::new(),
            scopes,
            serial,
        }
    }

    /// The compiled pipeline for `entry`, fetched inside this launch so that
    /// its compilation errors land in a scope of this thread.
    pub(crate) fn pipeline(
        &self,
        shader: Shader,
        entry: &'static str,
        constants: &[(&'static str, u32)],
    ) -> Result<wgpu::ComputePipeline> {
        PipelineCache::get(self.ctx, shader, entry, constants)
    }

    /// Runs `groups` workgroups of `pipeline` with `params` at binding 0 and
    /// `buffers` at bindings 1, 2, ... Grids beyond the per-dimension limit
    /// spill into y; kernels linearize the workgroup id and skip the excess.
    pub(crate) fn dispatch(
        &mut self,
        pipeline: &wgpu::ComputePipeline,
        params: &[i32],
        buffers: &[&wgpu::Buffer],
        groups: u64,
    ) -> Result<()> {
        if groups == 0 {
            return Ok(());
        }
        let (x, y) = grid(self.ctx, groups)?;
        if params.len() > PARAM_WORDS {
            bail!(
                Device,
                "kernel parameters overflow ({} words)",
                params.len()
            );
        }
        let mut words = [0i32; PARAM_WORDS];
        words[..params.len()].copy_from_slice(params);
        let uniform = BufferPool::acquire(
            self.ctx,
            (PARAM_WORDS * 4) as u64,
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        )?;
        self.ctx
            .queue
            .write_buffer(&uniform, 0, bytemuck::cast_slice(&words));
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: &uniform,
                offset: 0,
                size: wgpu::BufferSize::new((PARAM_WORDS * 4) as u64),
            }),
        }];
        for (i, b) in buffers.iter().enumerate() {
            entries.push(wgpu::BindGroupEntry {
                binding: i as u32 + 1,
                resource: b.as_entire_binding(),
            });
        }
        let bind_group = self
            .ctx
            .device
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout: &pipeline.get_bind_group_layout(0),
                entries: &entries,
            });
        {
            let mut pass = self.encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
        self.params.push(uniform);
        Ok(())
    }

    /// Copies `words` 4-byte elements between buffers.
    pub(crate) fn copy(
        &mut self,
        src: &wgpu::Buffer,
        src_word: usize,
        dst: &wgpu::Buffer,
        words: usize,
    ) {
        if words > 0 {
            self.encoder
                .copy_buffer_to_buffer(src, src_word as u64 * 4, dst, 0, words as u64 * 4);
        }
    }

    /// Zeroes the first `words` elements of `buffer`.
    pub(crate) fn clear(&mut self, buffer: &wgpu::Buffer, words: usize) {
        if words > 0 {
            self.encoder.clear_buffer(buffer, 0, Some(words as u64 * 4));
        }
    }

    /// Submits the recorded work (one submit per operation) and reports any
    /// error wgpu raised while recording it.
    pub(crate) fn submit(self) -> Result<()> {
        let Launch {
            ctx,
            encoder,
            params,
            mut scopes,
            serial,
        } = self;
        ctx.queue.submit([encoder.finish()]);
        drop(params);
        while let Some(scope) = scopes.0.pop() {
            if let Some(e) = pollster::block_on(scope.pop()) {
                bail!(Device, "gpu:{}: {e}", ctx.ordinal());
            }
        }
        drop(serial);
        Ok(())
    }
}

/// `groups` workgroups as an (x, y) grid within the dispatch limit.
fn grid(ctx: &GpuContext, groups: u64) -> Result<(u32, u32)> {
    let max = ctx.limits.max_compute_workgroups_per_dimension as u64;
    let y = groups.div_ceil(max);
    if y > max {
        bail!(
            Device,
            "gpu:{}: {groups} workgroups exceed the dispatch limit",
            ctx.ordinal()
        );
    }
    Ok((groups.div_ceil(y) as u32, y as u32))
}

/// Workgroups that give one invocation to each of `n` items.
pub(crate) fn groups_for(n: usize) -> u64 {
    (n as u64).div_ceil(WORKGROUP)
}
