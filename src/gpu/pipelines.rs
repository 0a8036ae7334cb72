//! Compute pipelines, compiled once per (shader, element type, entry point,
//! override constants) and cached for the life of the device.

use std::collections::HashMap;
use std::sync::Mutex;

use super::context::GpuContext;
use crate::{bail, Result};

/// WGSL source assembled from parts (a shared prelude, then the kernel
/// family); `ty` fills `alias T` for kernels written once for several
/// element types.
#[derive(Clone, Copy)]
pub(crate) struct Shader {
    pub name: &'static str,
    pub parts: &'static [&'static str],
    pub ty: &'static str,
}

impl Shader {
    pub(crate) const fn typed(self, ty: &'static str) -> Shader {
        Shader { ty, ..self }
    }

    fn source(&self) -> String {
        let mut src = format!(
            "alias T = {};\n",
            if self.ty.is_empty() { "u32" } else { self.ty }
        );
        for part in self.parts {
            src.push_str(part);
            src.push('\n');
        }
        src
    }
}

/// Kernel preludes shared by every family.
pub(crate) const COMMON: &str = include_str!("shaders/common.wgsl");
pub(crate) const MATH: &str = include_str!("shaders/math.wgsl");

type Key = (
    &'static str,
    &'static str,
    &'static str,
    Vec<(&'static str, u32)>,
);

#[derive(Default)]
pub(crate) struct PipelineCache {
    modules: Mutex<HashMap<(&'static str, &'static str), wgpu::ShaderModule>>,
    pipelines: Mutex<HashMap<Key, wgpu::ComputePipeline>>,
}

impl PipelineCache {
    /// The pipeline for `entry` of `shader` with its override constants set.
    pub(crate) fn get(
        ctx: &GpuContext,
        shader: Shader,
        entry: &'static str,
        constants: &[(&'static str, u32)],
    ) -> Result<wgpu::ComputePipeline> {
        let key: Key = (shader.name, shader.ty, entry, constants.to_vec());
        let cache = &ctx.pipelines;
        if let Some(p) = lock(&cache.pipelines).get(&key) {
            return Ok(p.clone());
        }
        let module = {
            let mut modules = lock(&cache.modules);
            match modules.get(&(shader.name, shader.ty)) {
                Some(m) => m.clone(),
                None => {
                    let source = shader.source();
                    let m = checked(ctx, || {
                        ctx.device
                            .create_shader_module(wgpu::ShaderModuleDescriptor {
                                label: Some(shader.name),
                                source: wgpu::ShaderSource::Wgsl(source.into()),
                            })
                    })?;
                    modules.insert((shader.name, shader.ty), m.clone());
                    m
                }
            }
        };
        let values: Vec<(&str, f64)> = constants.iter().map(|&(k, v)| (k, v as f64)).collect();
        let pipeline = checked(ctx, || {
            ctx.device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(entry),
                    layout: None,
                    module: &module,
                    entry_point: Some(entry),
                    compilation_options: wgpu::PipelineCompilationOptions {
                        constants: &values,
                        // Kernels write workgroup memory before reading it.
                        zero_initialize_workgroup_memory: false,
                    },
                    cache: None,
                })
        })?;
        lock(&cache.pipelines).insert(key, pipeline.clone());
        Ok(pipeline)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` in a validation error scope: a shader that fails to compile
/// is a bug to report, not a reason to abort.
fn checked<T>(ctx: &GpuContext, f: impl FnOnce() -> T) -> Result<T> {
    let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let value = f();
    if let Some(e) = pollster::block_on(scope.pop()) {
        bail!(
            Device,
            "gpu:{}: compiling a kernel failed: {e}",
            ctx.ordinal()
        );
    }
    Ok(value)
}
