//! `unfold` and `fold` on the GPU: one thread per output element, the
//! geometry in the parameter block (see `shaders/window.wgsl`).

use super::launch::{groups_for, Launch};
use super::pipelines::{Shader, COMMON};
use super::strided::word;
use super::GpuStorage;
use crate::ops::conv::Window;
use crate::{bail, DType, Layout, Result};

const WINDOW: Shader = Shader {
    name: "window",
    parts: &[COMMON, include_str!("shaders/window.wgsl")],
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
        params.push(word(offset)?);
        params.push(pad.to_bits() as i32);
        let mut launch = Launch::new(self.ctx);
        let pipeline = launch.pipeline(WINDOW, entry, &[])?;
        launch.dispatch(&pipeline, &params, &[&src, &out.buffer], groups_for(total))?;
        launch.submit()?;
        Ok(out)
    }
}
