//! Kernels still to come: each returns `Unsupported` until written.

use super::GpuStorage;
use crate::{bail, Layout, Result};

macro_rules! unsupported {
    ($($name:ident($($arg:ident: $t:ty),*));* $(;)?) => {$(
        pub fn $name(&self, $($arg: $t),*) -> Result<GpuStorage> {
            $(let _ = $arg;)*
            bail!(Unsupported, concat!(stringify!($name), " has no GPU kernel yet"))
        }
    )*};
}

impl GpuStorage {
    unsupported! {
        gather(l: &Layout, axis: usize, i: &GpuStorage, il: &Layout);
        scatter_add(l: &Layout, axis: usize, i: &GpuStorage, il: &Layout, n: usize);
        gather_along_axis(l: &Layout, axis: usize, i: &GpuStorage, il: &Layout);
        scatter_add_along_axis(l: &Layout, axis: usize, i: &GpuStorage, il: &Layout, n: usize);
        cumsum(l: &Layout, axis: usize);
    }
}
