//! Batched matrix products: a tiled shared-memory kernel that reads both
//! operands through their strides, so transposed views and broadcast batch
//! axes need no copy.

use super::launch::Launch;
use super::pipelines::{Shader, COMMON};
use super::strided::{check_bounds, coalesce, signed_word, word, MAX_RANK};
use super::GpuStorage;
use crate::{bail, DType, Layout, MatmulDims, Result};

const MATMUL: Shader = Shader {
    name: "matmul",
    parts: &[COMMON, include_str!("shaders/matmul.wgsl")],
    ty: "",
};

/// Output tile edge of matmul.wgsl.
const TILE: usize = 64;

impl GpuStorage {
    pub fn matmul(
        &self,
        lhs: &Layout,
        rhs: &GpuStorage,
        rhs_layout: &Layout,
        dims: &MatmulDims,
    ) -> Result<GpuStorage> {
        self.same_device(rhs, "matmul")?;
        if self.dtype != DType::F32 || rhs.dtype != DType::F32 {
            bail!(
                DType,
                "matmul kernels take float32, got {} and {}",
                self.dtype,
                rhs.dtype
            );
        }
        let MatmulDims { m, n, k, .. } = *dims;
        let expect = |rows: usize, cols: usize| {
            let mut d = dims.batch.clone();
            d.extend([rows, cols]);
            d
        };
        if lhs.dims() != expect(m, k) || rhs_layout.dims() != expect(k, n) {
            bail!(
                Shape,
                "matmul: shapes {:?} and {:?} do not match {dims:?}",
                lhs.dims(),
                rhs_layout.dims()
            );
        }
        check_bounds(lhs, self.len, "matmul")?;
        check_bounds(rhs_layout, rhs.len, "matmul")?;
        let batch = dims.batch_size();
        let out = GpuStorage::alloc(self.ctx, DType::F32, batch * m * n)?;
        if batch * m * n == 0 {
            return Ok(out);
        }
        let params = params(lhs, rhs_layout, dims)?;
        let groups = (m.div_ceil(TILE) * n.div_ceil(TILE) * batch) as u64;
        let mut launch = Launch::new(self.ctx);
        let pipeline = launch.pipeline(MATMUL, "matmul", &[])?;
        launch.dispatch(
            &pipeline,
            &params,
            &[&self.buffer, &rhs.buffer, &out.buffer],
            groups,
        )?;
        launch.submit()?;
        Ok(out)
    }
}

/// The parameter block of matmul.wgsl.
fn params(lhs: &Layout, rhs: &Layout, dims: &MatmulDims) -> Result<Vec<i32>> {
    let r = dims.batch.len();
    let (sa, sb) = (lhs.strides(), rhs.strides());
    let batch = coalesce(&dims.batch, &[(0, &sa[..r]), (0, &sb[..r])]);
    if batch.dims.len() > MAX_RANK {
        bail!(
            Unsupported,
            "GPU matmul takes at most {MAX_RANK} non-mergeable batch axes"
        );
    }
    let mut p = vec![
        word(dims.m)?,
        word(dims.n)?,
        word(dims.k)?,
        word(dims.batch_size())?,
        word(dims.m.div_ceil(TILE))?,
        word(dims.n.div_ceil(TILE))?,
        batch.dims.len() as i32,
        word(lhs.offset())?,
        word(rhs.offset())?,
        signed_word(sa[r])?,
        signed_word(sa[r + 1])?,
        signed_word(sb[r])?,
        signed_word(sb[r + 1])?,
        0,
        0,
        0,
    ];
    let mut d = [0i32; MAX_RANK];
    for (slot, &v) in d.iter_mut().zip(&batch.dims) {
        *slot = word(v)?;
    }
    p.extend(d);
    for (_, strides) in &batch.operands {
        let mut s = [0i32; MAX_RANK];
        for (slot, &v) in s.iter_mut().zip(strides) {
            *slot = signed_word(v)?;
        }
        p.extend(s);
    }
    Ok(p)
}
