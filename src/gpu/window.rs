//! `unfold`, `fold` and max pooling's `argmax_gather` / `argmax_scatter`
//! on the GPU: one thread per output element, the geometry in the
//! parameter block (see `shaders/window_geometry.wgsl`).

use super::launch::{groups_for, Launch};
use super::pipelines::{Shader, COMMON};
use super::strided::word;
use super::GpuStorage;
use crate::ops::conv::Window;
use crate::{bail, DType, Layout, Result};

const GEOMETRY: &str = include_str!("shaders/window_geometry.wgsl");

const WINDOW: Shader = Shader {
    name: "window",
    parts: &[COMMON, GEOMETRY, include_str!("shaders/window.wgsl")],
    ty: "",
};

const WINDOW_MAX: Shader = Shader {
    name: "window_max",
    parts: &[COMMON, GEOMETRY, include_str!("shaders/window_max.wgsl")],
    ty: "",
};

impl GpuStorage {
    pub fn unfold(&self, layout: &Layout, window: &Window, pad: f32) -> Result<GpuStorage> {
        let total: usize = window.patch_dims().iter().product();
        let pad = [pad.to_bits() as i32];
        window_kernel(WINDOW, "unfold", &[(self, layout)], &pad, window, total)
    }

    pub fn fold(&self, layout: &Layout, window: &Window) -> Result<GpuStorage> {
        let total: usize = window.input_dims().iter().product();
        window_kernel(WINDOW, "fold", &[(self, layout)], &[0], window, total)
    }

    pub fn argmax_gather(
        &self,
        layout: &Layout,
        values: &GpuStorage,
        values_layout: &Layout,
        window: &Window,
    ) -> Result<GpuStorage> {
        let total = window.batch * window.positions() * window.channels;
        let operands = [(self, layout), (values, values_layout)];
        window_kernel(WINDOW_MAX, "argmax_gather", &operands, &[], window, total)
    }

    pub fn argmax_scatter(
        &self,
        layout: &Layout,
        grads: &GpuStorage,
        grads_layout: &Layout,
        window: &Window,
    ) -> Result<GpuStorage> {
        let total: usize = window.input_dims().iter().product();
        let operands = [(self, layout), (grads, grads_layout)];
        window_kernel(WINDOW_MAX, "argmax_scatter", &operands, &[], window, total)
    }
}

/// Runs `entry` over `total` float32 outputs with the float32 `operands`
/// at bindings 1, 2, ... and the output after them; the parameter block is
/// the geometry, then each operand's offset, then `extra` words.
fn window_kernel(
    shader: Shader,
    entry: &'static str,
    operands: &[(&GpuStorage, &Layout)],
    extra: &[i32],
    window: &Window,
    total: usize,
) -> Result<GpuStorage> {
    let first = operands[0].0;
    for (operand, _) in operands {
        first.same_device(operand, entry)?;
        if operand.dtype != DType::F32 {
            bail!(DType, "{entry} takes float32, got {}", operand.dtype);
        }
    }
    let out = GpuStorage::alloc(first.ctx, DType::F32, total)?;
    if total == 0 {
        return Ok(out);
    }
    let mut params = geometry_params(total, window)?;
    let mut dense = Vec::with_capacity(operands.len());
    for (operand, layout) in operands {
        let (buffer, offset) = operand.dense(layout)?;
        params.push(word(offset)?);
        dense.push(buffer);
    }
    params.extend_from_slice(extra);
    let mut buffers: Vec<&wgpu::Buffer> = dense.iter().map(|b| &***b).collect();
    buffers.push(&out.buffer);
    let mut launch = Launch::new(first.ctx);
    let pipeline = launch.pipeline(shader, entry, &[])?;
    launch.dispatch(&pipeline, &params, &buffers, groups_for(total))?;
    launch.submit()?;
    Ok(out)
}

/// The parameter block's first 21 words: `[total, batch, channels]` and the
/// geometry padded to three spatial dims.
fn geometry_params(total: usize, window: &Window) -> Result<Vec<i32>> {
    let w = window.dims3();
    let mut params = vec![word(total)?, word(window.batch)?, word(window.channels)?];
    for dims in [
        w.input,
        w.kernel,
        w.output,
        w.strides,
        w.dilation,
        w.pad_before,
    ] {
        for d in dims {
            params.push(word(d)?);
        }
    }
    Ok(params)
}
