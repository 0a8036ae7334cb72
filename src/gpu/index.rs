//! Index kernels: gathers along an axis and their scatter-add adjoints,
//! and running sums. Each works on the contiguous (outer, axis, inner)
//! view of its operands, copying strided inputs first.
//!
//! Indices are not range-checked against the data (that would need a read
//! back to the host): out-of-range gathers read 0 and scatters skip them.

use std::sync::Arc;

use super::launch::{groups_for, Launch};
use super::pipelines::{Shader, COMMON};
use super::pool::PooledBuffer;
use super::strided::word;
use super::GpuStorage;
use crate::{bail, DType, Layout, Result};

const INDEX: Shader = Shader {
    name: "index",
    parts: &[COMMON, include_str!("shaders/index.wgsl")],
    ty: "",
};
const SCATTER: Shader = Shader {
    name: "scatter",
    parts: &[COMMON, include_str!("shaders/scatter.wgsl")],
    ty: "",
};
const SCAN: Shader = Shader {
    name: "scan",
    parts: &[COMMON, include_str!("shaders/scan.wgsl")],
    ty: "",
};

/// `(outer, axis length, inner)` of a shape split at `axis`.
fn split_at_axis(dims: &[usize], axis: usize) -> (usize, usize, usize) {
    (
        dims[..axis].iter().product(),
        dims[axis],
        dims[axis + 1..].iter().product(),
    )
}

fn check_axis(layout: &Layout, axis: usize, op: &str) -> Result<()> {
    if axis >= layout.dims().len() {
        bail!(
            Value,
            "{op}: axis {axis} is out of range for shape {:?}",
            layout.dims()
        );
    }
    Ok(())
}

/// An index operand: int32 or int64 (both int32 words here).
fn check_indices(indices: &GpuStorage) -> Result<()> {
    if !indices.dtype.is_int() {
        bail!(
            DType,
            "indices must be int32 or int64, got {}",
            indices.dtype
        );
    }
    Ok(())
}

impl GpuStorage {
    /// This layout's elements as one dense run: the buffer itself when
    /// already contiguous, else a copy. Returns the run's first element.
    pub(super) fn dense(&self, layout: &Layout) -> Result<(Arc<PooledBuffer>, usize)> {
        match layout.contiguous_range() {
            Some(range) if range.end <= self.len => Ok((self.buffer.clone(), range.start)),
            _ => Ok((self.copy_strided(layout)?.buffer, 0)),
        }
    }

    /// Runs one index kernel over `total` items with the parameter block
    /// `[total, len, inner, count, source offset, index offset]`.
    #[allow(clippy::too_many_arguments)]
    fn index_kernel(
        &self,
        shader: Shader,
        entry: &'static str,
        layout: &Layout,
        indices: (&GpuStorage, &Layout),
        shape: [usize; 4],
        out: &GpuStorage,
        zero_first: bool,
    ) -> Result<()> {
        self.same_device(indices.0, entry)?;
        let [total, len, inner, count] = shape;
        if total == 0 {
            return Ok(());
        }
        let (src, src_offset) = self.dense(layout)?;
        let (idx, idx_offset) = indices.0.dense(indices.1)?;
        let params = [
            word(total)?,
            word(len)?,
            word(inner)?,
            word(count)?,
            word(src_offset)?,
            word(idx_offset)?,
        ];
        let mut launch = Launch::new(self.ctx);
        if zero_first {
            launch.clear(&out.buffer, out.len);
        }
        let pipeline = launch.pipeline(shader, entry, &[])?;
        launch.dispatch(
            &pipeline,
            &params,
            &[&src, &idx, &out.buffer],
            groups_for(total),
        )?;
        launch.submit()
    }

    pub fn gather(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &GpuStorage,
        index_layout: &Layout,
    ) -> Result<GpuStorage> {
        check_axis(layout, axis, "take")?;
        check_indices(indices)?;
        let (outer, len, inner) = split_at_axis(layout.dims(), axis);
        let count = index_layout.numel();
        let total = outer * count * inner;
        let out = GpuStorage::alloc(self.ctx, self.dtype, total)?;
        let shape = [total, len, inner, count];
        self.index_kernel(
            INDEX,
            "gather",
            layout,
            (indices, index_layout),
            shape,
            &out,
            false,
        )?;
        Ok(out)
    }

    pub fn gather_along_axis(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &GpuStorage,
        index_layout: &Layout,
    ) -> Result<GpuStorage> {
        check_axis(layout, axis, "take_along_axis")?;
        check_indices(indices)?;
        let (dims, idims) = (layout.dims(), index_layout.dims());
        let fits =
            dims.len() == idims.len() && (0..dims.len()).all(|a| a == axis || dims[a] == idims[a]);
        if !fits {
            bail!(
                Shape,
                "take_along_axis: indices of shape {idims:?} do not fit data of shape {dims:?}"
            );
        }
        let (_, len, inner) = split_at_axis(dims, axis);
        let total = index_layout.numel();
        let out = GpuStorage::alloc(self.ctx, self.dtype, total)?;
        let shape = [total, len, inner, idims[axis]];
        let idx = (indices, index_layout);
        self.index_kernel(INDEX, "gather_along", layout, idx, shape, &out, false)?;
        Ok(out)
    }

    pub fn scatter_add(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &GpuStorage,
        index_layout: &Layout,
        axis_len: usize,
    ) -> Result<GpuStorage> {
        check_axis(layout, axis, "scatter_add")?;
        check_indices(indices)?;
        if self.dtype != DType::F32 {
            bail!(DType, "scatter_add takes float32, got {}", self.dtype);
        }
        let (outer, n, inner) = split_at_axis(layout.dims(), axis);
        if index_layout.numel() != n {
            bail!(
                Shape,
                "scatter_add: {} indices for {n} slices along axis {axis}",
                index_layout.numel()
            );
        }
        let out = GpuStorage::alloc(self.ctx, DType::F32, outer * axis_len * inner)?;
        let shape = [outer * n * inner, axis_len, inner, n];
        let idx = (indices, index_layout);
        self.index_kernel(SCATTER, "scatter_add", layout, idx, shape, &out, true)?;
        Ok(out)
    }

    pub fn scatter_add_along_axis(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &GpuStorage,
        index_layout: &Layout,
        axis_len: usize,
    ) -> Result<GpuStorage> {
        check_axis(layout, axis, "scatter_add")?;
        check_indices(indices)?;
        if self.dtype != DType::F32 {
            bail!(DType, "scatter_add takes float32, got {}", self.dtype);
        }
        if layout.dims() != index_layout.dims() {
            bail!(
                Shape,
                "scatter_add: indices of shape {:?} for values of shape {:?}",
                index_layout.dims(),
                layout.dims()
            );
        }
        let (outer, n, inner) = split_at_axis(layout.dims(), axis);
        let out = GpuStorage::alloc(self.ctx, DType::F32, outer * axis_len * inner)?;
        let shape = [outer * n * inner, axis_len, inner, n];
        let idx = (indices, index_layout);
        self.index_kernel(SCATTER, "scatter_add_along", layout, idx, shape, &out, true)?;
        Ok(out)
    }

    pub fn cumsum(&self, layout: &Layout, axis: usize) -> Result<GpuStorage> {
        check_axis(layout, axis, "cumsum")?;
        if self.dtype == DType::Bool {
            bail!(
                DType,
                "cumsum is not defined for bool tensors; cast them first"
            );
        }
        let (outer, len, inner) = split_at_axis(layout.dims(), axis);
        let out = GpuStorage::alloc(self.ctx, self.dtype, layout.numel())?;
        let lines = outer * inner;
        if lines * len == 0 {
            return Ok(out);
        }
        let (src, offset) = self.dense(layout)?;
        let params = [word(lines)?, word(len)?, word(inner)?, word(offset)?];
        let mut launch = Launch::new(self.ctx);
        let shader = SCAN.typed(super::elementwise::wgsl_type(self.dtype));
        let pipeline = launch.pipeline(shader, "cumsum", &[])?;
        launch.dispatch(&pipeline, &params, &[&src, &out.buffer], groups_for(lines))?;
        launch.submit()?;
        Ok(out)
    }
}
