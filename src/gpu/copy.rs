//! Strided copies, dtype casts and concatenation: one kernel that moves
//! 4-byte words between two strided views, converting on the way.

use super::launch::{groups_for, Launch};
use super::pipelines::{Shader, COMMON};
use super::strided::{check_bounds, elementwise_params};
use super::GpuStorage;
use crate::{bail, DType, Layout, Result, Shape};

const COPY: Shader = Shader {
    name: "copy",
    parts: &[COMMON, include_str!("shaders/copy.wgsl")],
    ty: "",
};

/// The `CAST` code of copy.wgsl; 0 when the words stay as they are
/// (int32 and int64 share a representation, bools are 0/1 ints).
fn cast_code(from: DType, to: DType) -> u32 {
    match (from, to) {
        (DType::F32, DType::I32 | DType::I64) => 1,
        (DType::I32 | DType::I64 | DType::Bool, DType::F32) => 2,
        (DType::F32, DType::Bool) => 3,
        (DType::I32 | DType::I64, DType::Bool) => 4,
        _ => 0,
    }
}

impl GpuStorage {
    pub fn copy_strided(&self, layout: &Layout) -> Result<GpuStorage> {
        check_bounds(layout, self.len, "copy")?;
        if let Some(range) = layout.contiguous_range() {
            let out = GpuStorage::alloc(self.ctx, self.dtype, range.len())?;
            let mut launch = Launch::new(self.ctx);
            launch.copy(&self.buffer, range.start, &out.buffer, range.len());
            launch.submit()?;
            return Ok(out);
        }
        self.convert(layout, self.dtype, 0)
    }

    pub fn cast(&self, layout: &Layout, dtype: DType) -> Result<GpuStorage> {
        match cast_code(self.dtype, dtype) {
            0 => {
                let mut out = self.copy_strided(layout)?;
                out.dtype = dtype;
                Ok(out)
            }
            code => self.convert(layout, dtype, code),
        }
    }

    fn convert(&self, layout: &Layout, dtype: DType, code: u32) -> Result<GpuStorage> {
        check_bounds(layout, self.len, "cast")?;
        let n = layout.numel();
        let out = GpuStorage::alloc(self.ctx, dtype, n)?;
        let dst = Layout::contiguous(layout.shape().clone());
        let mut launch = Launch::new(self.ctx);
        copy_into(&mut launch, (self, layout), (&out, &dst), code)?;
        launch.submit()?;
        Ok(out)
    }

    pub fn concat(parts: &[(&GpuStorage, &Layout)], axis: usize) -> Result<GpuStorage> {
        let Some(&(first, first_layout)) = parts.first() else {
            bail!(Value, "concatenate: needs at least one tensor");
        };
        let rank = first_layout.dims().len();
        if axis >= rank {
            bail!(
                Value,
                "concatenate: axis {axis} is out of range for rank {rank}"
            );
        }
        let mut dims = first_layout.dims().to_vec();
        dims[axis] = 0;
        for (s, l) in parts {
            first.same_device(s, "concatenate")?;
            if s.dtype != first.dtype {
                bail!(DType, "concatenate: tensors have different dtypes");
            }
            let fits = l.dims().len() == rank
                && (0..rank).all(|a| a == axis || l.dims()[a] == first_layout.dims()[a]);
            if !fits {
                bail!(
                    Shape,
                    "concatenate: shapes {:?} and {:?} differ off axis {axis}",
                    first_layout.dims(),
                    l.dims()
                );
            }
            dims[axis] += l.dims()[axis];
        }
        let shape = Shape::new(dims);
        let out = GpuStorage::alloc(first.ctx, first.dtype, shape.numel())?;
        let strides = shape.contiguous_strides();
        let mut start = 0;
        let mut launch = Launch::new(first.ctx);
        for &(s, l) in parts {
            // Each part lands in its slot: a strided view of the output.
            let slot = Layout::new(
                l.shape().clone(),
                strides.clone(),
                start * strides[axis] as usize,
            );
            copy_into(&mut launch, (s, l), (&out, &slot), 0)?;
            start += l.dims()[axis];
        }
        launch.submit()?;
        Ok(out)
    }
}

/// Records a copy of `src` into the view `dst` (same shape), converting
/// words by `code`.
fn copy_into(
    launch: &mut Launch,
    src: (&GpuStorage, &Layout),
    dst: (&GpuStorage, &Layout),
    code: u32,
) -> Result<()> {
    check_bounds(src.1, src.0.len, "copy")?;
    let n = src.1.numel();
    if n == 0 {
        return Ok(());
    }
    let params = elementwise_params(&[src.1, dst.1])?;
    let pipeline = launch.pipeline(COPY, "copy", &[("CAST", code)])?;
    launch.dispatch(
        &pipeline,
        &params,
        &[&src.0.buffer, &dst.0.buffer],
        groups_for(n),
    )
}
