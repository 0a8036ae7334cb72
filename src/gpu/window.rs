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
        self.window_kernel("unfold", layout, window, total, pad)
    }

    pub fn fold(&self, layout: &Layout, window: &Window) -> Result<GpuStorage> {
        let total: usize = window.input_dims().iter().product();
        self.window_kernel("fold", layout, window, total, 0.0)
    }

    pub fn argmax_gather(
        &self,
        layout: &Layout,
        values: &GpuStorage,
        values_layout: &Layout,
        window: &Window,
    ) -> Result<GpuStorage> {
        let total = window.batch * window.positions() * window.channels;
        let other = (values, values_layout);
        self.window_max_kernel("argmax_gather", layout, other, window, total)
    }

    pub fn argmax_scatter(
        &self,
        layout: &Layout,
        grads: &GpuStorage,
        grads_layout: &Layout,
        window: &Window,
    ) -> Result<GpuStorage> {
        let total: usize = window.input_dims().iter().product();
        let other = (grads, grads_layout);
        self.window_max_kernel("argmax_scatter", layout, other, window, total)
    }

    fn window_max_kernel(
        &self,
        entry: &'static str,
        layout: &Layout,
        (other, other_layout): (&GpuStorage, &Layout),
        window: &Window,
        total: usize,
    ) -> Result<GpuStorage> {
        self.same_device(other, entry)?;
        if self.dtype != DType::F32 || other.dtype != DType::F32 {
            bail!(
                DType,
                "{entry} takes float32, got {} and {}",
                self.dtype,
                other.dtype
            );
        }
        let out = GpuStorage::alloc(self.ctx, DType::F32, total)?;
        if total == 0 {
            return Ok(out);
        }
        let (x, x_offset) = self.dense(layout)?;
        let (other, other_offset) = other.dense(other_layout)?;
        let mut params = geometry_params(total, window)?;
        params.push(word(x_offset)?);
        params.push(word(other_offset)?);
        let mut launch = Launch::new(self.ctx);
        let pipeline = launch.pipeline(WINDOW_MAX, entry, &[])?;
        let buffers: [&wgpu::Buffer; 3] = [&x, &other, &out.buffer];
        launch.dispatch(&pipeline, &params, &buffers, groups_for(total))?;
        launch.submit()?;
        Ok(out)
    }

    fn window_kernel(
        &self,
        entry: &'static str,
        layout: &Layout,
        window: &Window,
        total: usize,
        pad: f32,
    ) -> Result<GpuStorage> {
        if self.dtype != DType::F32 {
            bail!(DType, "{entry} takes float32, got {}", self.dtype);
        }
        let out = GpuStorage::alloc(self.ctx, DType::F32, total)?;
        if total == 0 {
            return Ok(out);
        }
        let (src, offset) = self.dense(layout)?;
        let mut params = geometry_params(total, window)?;
        params.push(word(offset)?);
        params.push(pad.to_bits() as i32);
        let mut launch = Launch::new(self.ctx);
        let pipeline = launch.pipeline(WINDOW, entry, &[])?;
        launch.dispatch(&pipeline, &params, &[&src, &out.buffer], groups_for(total))?;
        launch.submit()?;
        Ok(out)
    }
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
