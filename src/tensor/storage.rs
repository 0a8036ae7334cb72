//! `Storage` is a tensor's data on one device. Its methods are the backend
//! contract: the few primitives each device implements (see `ops::kinds`),
//! each taking the `Layout` that says which elements to read. Results are
//! always fresh contiguous storage.

use crate::cpu::CpuStorage;
use crate::gpu::GpuStorage;
use crate::ops::conv::Window;
use crate::ops::kinds::{BinaryOp, ReduceOp, UnaryOp};
use crate::{bail, DType, Device, Layout, Result};

pub enum Storage {
    Cpu(CpuStorage),
    Gpu(GpuStorage),
    /// No data: only shapes and dtypes flow through the meta device.
    /// Combined with any other device, a meta operand gives a meta result,
    /// so symbolic inputs flow through layers whose weights hold data.
    Meta(DType),
}

/// The shape of a (batched) matrix product, batch dims already broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatmulDims {
    pub batch: Vec<usize>,
    pub m: usize,
    pub n: usize,
    pub k: usize,
}

impl MatmulDims {
    pub fn batch_size(&self) -> usize {
        self.batch.iter().product()
    }
}

macro_rules! dispatch {
    ($self:expr, $cpu:ident => $c:expr, $gpu:ident => $g:expr, $dtype:ident => $m:expr) => {
        match $self {
            Storage::Cpu($cpu) => Ok(Storage::Cpu($c?)),
            Storage::Gpu($gpu) => Ok(Storage::Gpu($g?)),
            Storage::Meta($dtype) => Ok(Storage::Meta($m)),
        }
    };
}

impl Storage {
    pub fn dtype(&self) -> DType {
        match self {
            Storage::Cpu(s) => s.dtype(),
            Storage::Gpu(s) => s.dtype(),
            Storage::Meta(d) => *d,
        }
    }

    pub fn device(&self) -> Device {
        match self {
            Storage::Cpu(_) => Device::Cpu,
            Storage::Gpu(s) => Device::Gpu(s.ordinal()),
            Storage::Meta(_) => Device::Meta,
        }
    }

    /// `op` applied to every element. Float ops on float32, sign ops on
    /// ints too, `Not` on bool; the caller casts beforehand.
    pub fn unary(&self, op: UnaryOp, layout: &Layout) -> Result<Storage> {
        dispatch!(self,
            s => s.unary(op, layout),
            s => s.unary(op, layout),
            d => *d)
    }

    /// `op` on two same-dtype operands whose layouts share one shape (the
    /// caller broadcasts by giving stride-0 layouts).
    pub fn binary(
        &self,
        op: BinaryOp,
        lhs: &Layout,
        rhs: &Storage,
        rhs_layout: &Layout,
    ) -> Result<Storage> {
        let out_dtype = if op.yields_bool() {
            DType::Bool
        } else {
            self.dtype()
        };
        match (self, rhs) {
            (Storage::Cpu(a), Storage::Cpu(b)) => {
                Ok(Storage::Cpu(a.binary(op, lhs, b, rhs_layout)?))
            }
            (Storage::Gpu(a), Storage::Gpu(b)) => {
                Ok(Storage::Gpu(a.binary(op, lhs, b, rhs_layout)?))
            }
            (Storage::Meta(_), _) | (_, Storage::Meta(_)) => Ok(Storage::Meta(out_dtype)),
            _ => bail!(Device, "{op:?}: operands are on different devices"),
        }
    }

    /// Picks from `on_true` where this bool storage is true, else `on_false`.
    pub fn select(
        &self,
        layout: &Layout,
        on_true: (&Storage, &Layout),
        on_false: (&Storage, &Layout),
    ) -> Result<Storage> {
        match (self, on_true.0, on_false.0) {
            (Storage::Cpu(c), Storage::Cpu(t), Storage::Cpu(f)) => Ok(Storage::Cpu(c.select(
                layout,
                (t, on_true.1),
                (f, on_false.1),
            )?)),
            (Storage::Gpu(c), Storage::Gpu(t), Storage::Gpu(f)) => Ok(Storage::Gpu(c.select(
                layout,
                (t, on_true.1),
                (f, on_false.1),
            )?)),
            (Storage::Meta(_), t, _) | (_, t, Storage::Meta(_)) | (_, t @ Storage::Meta(_), _) => {
                Ok(Storage::Meta(t.dtype()))
            }
            _ => bail!(Device, "where: operands are on different devices"),
        }
    }

    /// Reduces `axes` (sorted, unique) away; the result is contiguous in
    /// the remaining axes' order.
    pub fn reduce(&self, op: ReduceOp, layout: &Layout, axes: &[usize]) -> Result<Storage> {
        let arg = matches!(op, ReduceOp::ArgMax | ReduceOp::ArgMin);
        dispatch!(self,
            s => s.reduce(op, layout, axes),
            s => s.reduce(op, layout, axes),
            d => if arg { DType::I64 } else { *d })
    }

    /// Batched matrix product; each layout has rank `batch + 2`.
    pub fn matmul(
        &self,
        lhs: &Layout,
        rhs: &Storage,
        rhs_layout: &Layout,
        dims: &MatmulDims,
    ) -> Result<Storage> {
        match (self, rhs) {
            (Storage::Cpu(a), Storage::Cpu(b)) => {
                Ok(Storage::Cpu(a.matmul(lhs, b, rhs_layout, dims)?))
            }
            (Storage::Gpu(a), Storage::Gpu(b)) => {
                Ok(Storage::Gpu(a.matmul(lhs, b, rhs_layout, dims)?))
            }
            (Storage::Meta(_), _) | (_, Storage::Meta(_)) => Ok(Storage::Meta(self.dtype())),
            _ => bail!(Device, "matmul: operands are on different devices"),
        }
    }

    /// Every window position's taps of channels-last float32 data (im2col),
    /// `pad` where a tap falls outside the input; see `ops::conv::unfold`.
    pub fn unfold(&self, layout: &Layout, window: &Window, pad: f32) -> Result<Storage> {
        dispatch!(self,
            s => s.unfold(layout, window, pad),
            s => s.unfold(layout, window, pad),
            d => *d)
    }

    /// The adjoint of `unfold` (col2im): taps summed back where they were read.
    pub fn fold(&self, layout: &Layout, window: &Window) -> Result<Storage> {
        dispatch!(self,
            s => s.fold(layout, window),
            s => s.fold(layout, window),
            d => *d)
    }

    /// `values` (laid out as `self`) at each window's first maximum of
    /// `self`, per channel: `(N, *O, C)`; see `ops::conv::argmax_gather`.
    pub fn argmax_gather(
        &self,
        layout: &Layout,
        values: &Storage,
        values_layout: &Layout,
        window: &Window,
    ) -> Result<Storage> {
        match (self, values) {
            (Storage::Cpu(x), Storage::Cpu(v)) => Ok(Storage::Cpu(x.argmax_gather(
                layout,
                v,
                values_layout,
                window,
            )?)),
            (Storage::Gpu(x), Storage::Gpu(v)) => Ok(Storage::Gpu(x.argmax_gather(
                layout,
                v,
                values_layout,
                window,
            )?)),
            (Storage::Meta(_), _) | (_, Storage::Meta(_)) => Ok(Storage::Meta(DType::F32)),
            _ => bail!(Device, "argmax_gather: operands are on different devices"),
        }
    }

    /// The adjoint of `argmax_gather`: `(N, *O, C)` gradients added at
    /// each window's first maximum of `self`, `(N, *S, C)`.
    pub fn argmax_scatter(
        &self,
        layout: &Layout,
        grads: &Storage,
        grads_layout: &Layout,
        window: &Window,
    ) -> Result<Storage> {
        match (self, grads) {
            (Storage::Cpu(x), Storage::Cpu(g)) => Ok(Storage::Cpu(x.argmax_scatter(
                layout,
                g,
                grads_layout,
                window,
            )?)),
            (Storage::Gpu(x), Storage::Gpu(g)) => Ok(Storage::Gpu(x.argmax_scatter(
                layout,
                g,
                grads_layout,
                window,
            )?)),
            (Storage::Meta(_), _) | (_, Storage::Meta(_)) => Ok(Storage::Meta(DType::F32)),
            _ => bail!(Device, "argmax_scatter: operands are on different devices"),
        }
    }

    /// The elements of `layout`, gathered into a contiguous buffer.
    pub fn copy_strided(&self, layout: &Layout) -> Result<Storage> {
        dispatch!(self,
            s => s.copy_strided(layout),
            s => s.copy_strided(layout),
            d => *d)
    }

    pub fn cast(&self, layout: &Layout, dtype: DType) -> Result<Storage> {
        dispatch!(self,
            s => s.cast(layout, dtype),
            s => s.cast(layout, dtype),
            _d => dtype)
    }

    /// `out[..., j, ...] = self[..., indices[j], ...]` along `axis`, where
    /// `indices` is int64, in range, and its elements replace that axis.
    pub fn gather(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &Storage,
        index_layout: &Layout,
    ) -> Result<Storage> {
        match (self, indices) {
            (Storage::Cpu(a), Storage::Cpu(i)) => {
                Ok(Storage::Cpu(a.gather(layout, axis, i, index_layout)?))
            }
            (Storage::Gpu(a), Storage::Gpu(i)) => {
                Ok(Storage::Gpu(a.gather(layout, axis, i, index_layout)?))
            }
            (Storage::Meta(_), _) | (_, Storage::Meta(_)) => Ok(Storage::Meta(self.dtype())),
            _ => bail!(Device, "take: operands are on different devices"),
        }
    }

    /// The adjoint of `gather`: a zero tensor with `axis_len` entries along
    /// `axis`, with each slice of `self` added at its index (repeats sum).
    pub fn scatter_add(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &Storage,
        index_layout: &Layout,
        axis_len: usize,
    ) -> Result<Storage> {
        match (self, indices) {
            (Storage::Cpu(a), Storage::Cpu(i)) => Ok(Storage::Cpu(a.scatter_add(
                layout,
                axis,
                i,
                index_layout,
                axis_len,
            )?)),
            (Storage::Gpu(a), Storage::Gpu(i)) => Ok(Storage::Gpu(a.scatter_add(
                layout,
                axis,
                i,
                index_layout,
                axis_len,
            )?)),
            (Storage::Meta(_), _) | (_, Storage::Meta(_)) => Ok(Storage::Meta(self.dtype())),
            _ => bail!(Device, "scatter_add: operands are on different devices"),
        }
    }

    /// `out[i..., j, k...] = self[i..., indices[i..., j, k...], k...]`: the
    /// index tensor has the full rank and picks along `axis` per position.
    pub fn gather_along_axis(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &Storage,
        index_layout: &Layout,
    ) -> Result<Storage> {
        match (self, indices) {
            (Storage::Cpu(a), Storage::Cpu(i)) => Ok(Storage::Cpu(a.gather_along_axis(
                layout,
                axis,
                i,
                index_layout,
            )?)),
            (Storage::Gpu(a), Storage::Gpu(i)) => Ok(Storage::Gpu(a.gather_along_axis(
                layout,
                axis,
                i,
                index_layout,
            )?)),
            (Storage::Meta(_), _) | (_, Storage::Meta(_)) => Ok(Storage::Meta(self.dtype())),
            _ => bail!(Device, "take_along_axis: operands are on different devices"),
        }
    }

    /// The adjoint of `gather_along_axis`.
    pub fn scatter_add_along_axis(
        &self,
        layout: &Layout,
        axis: usize,
        indices: &Storage,
        index_layout: &Layout,
        axis_len: usize,
    ) -> Result<Storage> {
        match (self, indices) {
            (Storage::Cpu(a), Storage::Cpu(i)) => Ok(Storage::Cpu(a.scatter_add_along_axis(
                layout,
                axis,
                i,
                index_layout,
                axis_len,
            )?)),
            (Storage::Gpu(a), Storage::Gpu(i)) => Ok(Storage::Gpu(a.scatter_add_along_axis(
                layout,
                axis,
                i,
                index_layout,
                axis_len,
            )?)),
            (Storage::Meta(_), _) | (_, Storage::Meta(_)) => Ok(Storage::Meta(self.dtype())),
            _ => bail!(Device, "take_along_axis: operands are on different devices"),
        }
    }

    /// Inclusive running sum along `axis`.
    pub fn cumsum(&self, layout: &Layout, axis: usize) -> Result<Storage> {
        dispatch!(self,
            s => s.cumsum(layout, axis),
            s => s.cumsum(layout, axis),
            d => *d)
    }

    /// Joins same-dtype parts along `axis`; their shapes agree elsewhere.
    pub fn concat(parts: &[(&Storage, &Layout)], axis: usize) -> Result<Storage> {
        let Some(first) = parts.first() else {
            bail!(Value, "concatenate: needs at least one tensor");
        };
        if parts.iter().any(|(s, _)| matches!(s, Storage::Meta(_))) {
            return Ok(Storage::Meta(first.0.dtype()));
        }
        match first.0 {
            Storage::Cpu(_) => {
                let mut cpu = Vec::with_capacity(parts.len());
                for (s, l) in parts {
                    let Storage::Cpu(c) = s else {
                        bail!(Device, "concatenate: tensors are on different devices");
                    };
                    cpu.push((c, *l));
                }
                Ok(Storage::Cpu(CpuStorage::concat(&cpu, axis)?))
            }
            Storage::Gpu(_) => {
                let mut gpu = Vec::with_capacity(parts.len());
                for (s, l) in parts {
                    let Storage::Gpu(g) = s else {
                        bail!(Device, "concatenate: tensors are on different devices");
                    };
                    gpu.push((g, *l));
                }
                Ok(Storage::Gpu(GpuStorage::concat(&gpu, axis)?))
            }
            Storage::Meta(d) => Ok(Storage::Meta(*d)),
        }
    }

    /// This data, copied to `device` as a contiguous buffer.
    pub fn to_device(&self, layout: &Layout, device: Device) -> Result<Storage> {
        match (self, device) {
            (_, Device::Meta) => Ok(Storage::Meta(self.dtype())),
            (Storage::Meta(_), _) => bail!(Device, "a meta tensor has no data to move to {device}"),
            (Storage::Cpu(c), Device::Cpu) => Ok(Storage::Cpu(c.copy_strided(layout)?)),
            (Storage::Cpu(c), Device::Gpu(n)) => Ok(Storage::Gpu(GpuStorage::upload(
                &c.copy_strided(layout)?,
                n,
            )?)),
            (Storage::Gpu(g), Device::Cpu) => Ok(Storage::Cpu(g.copy_strided(layout)?.download()?)),
            (Storage::Gpu(g), Device::Gpu(n)) if g.ordinal() == n => {
                Ok(Storage::Gpu(g.copy_strided(layout)?))
            }
            (Storage::Gpu(g), Device::Gpu(n)) => Ok(Storage::Gpu(GpuStorage::upload(
                &g.copy_strided(layout)?.download()?,
                n,
            )?)),
        }
    }
}
