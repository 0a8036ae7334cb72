//! GPU backend on wgpu (placeholder until the kernels land).

use crate::cpu::CpuStorage;
use crate::ops::kinds::{BinaryOp, ReduceOp, UnaryOp};
use crate::{bail, DType, Layout, MatmulDims, Result};

pub struct GpuContext;

pub fn is_available(_ordinal: usize) -> bool {
    false
}

pub fn context(ordinal: usize) -> Result<&'static GpuContext> {
    bail!(Device, "gpu:{ordinal}: no GPU backend")
}

pub struct GpuStorage {
    dtype: DType,
    ordinal: usize,
}

macro_rules! unsupported {
    ($($name:ident($($arg:ident: $t:ty),*));* $(;)?) => {$(
        pub fn $name(&self, $($arg: $t),*) -> Result<GpuStorage> {
            $(let _ = $arg;)*
            bail!(Unsupported, concat!(stringify!($name), " has no GPU kernel yet"))
        }
    )*};
}

impl GpuStorage {
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    pub fn ordinal(&self) -> usize {
        self.ordinal
    }
    pub fn upload(_cpu: &CpuStorage, ordinal: usize) -> Result<GpuStorage> {
        context(ordinal)?;
        bail!(Device, "no GPU")
    }
    pub fn download(&self) -> Result<CpuStorage> {
        bail!(Device, "no GPU")
    }
    pub fn concat(_parts: &[(&GpuStorage, &Layout)], _axis: usize) -> Result<GpuStorage> {
        bail!(Unsupported, "concatenate has no GPU kernel yet")
    }
    unsupported! {
        unary(op: UnaryOp, l: &Layout);
        binary(op: BinaryOp, l: &Layout, r: &GpuStorage, rl: &Layout);
        select(l: &Layout, t: (&GpuStorage, &Layout), f: (&GpuStorage, &Layout));
        reduce(op: ReduceOp, l: &Layout, axes: &[usize]);
        matmul(l: &Layout, r: &GpuStorage, rl: &Layout, dims: &MatmulDims);
        copy_strided(l: &Layout);
        cast(l: &Layout, dtype: DType);
        gather(l: &Layout, axis: usize, i: &GpuStorage, il: &Layout);
        scatter_add(l: &Layout, axis: usize, i: &GpuStorage, il: &Layout, n: usize);
        gather_along_axis(l: &Layout, axis: usize, i: &GpuStorage, il: &Layout);
        scatter_add_along_axis(l: &Layout, axis: usize, i: &GpuStorage, il: &Layout, n: usize);
        cumsum(l: &Layout, axis: usize);
    }
}
