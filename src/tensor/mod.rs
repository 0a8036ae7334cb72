//! The tensor: shape, dtype, device and shared immutable storage.

mod device;
mod dtype;
mod element;
mod layout;
mod shape;
mod storage;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use device::{
    check_available, default_device, pop_device_scope, push_device_scope, set_default_device,
    Device,
};
pub use dtype::DType;
pub use element::Element;
pub use layout::{Layout, StridedOffsets};
pub use shape::{normalize_axis, Shape};
pub use storage::{MatmulDims, Storage};

use crate::cpu::CpuStorage;
use crate::{bail, Result};

/// Identifies a tensor to the autograd tape; views and copies get new ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TensorId(u64);

impl TensorId {
    pub(crate) fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TensorId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// An immutable n-dimensional array. Cloning is cheap (one reference
/// count); views share storage and differ only in `Layout`.
#[derive(Clone)]
pub struct Tensor(Arc<TensorInner>);

struct TensorInner {
    id: TensorId,
    layout: Layout,
    storage: Arc<Storage>,
}

impl Tensor {
    /// A tensor over storage an op computed. Ops do this inside a
    /// [`trace::kernel`](crate::trace::kernel), so a recorded step sees it.
    #[track_caller]
    pub(crate) fn from_storage(storage: Storage, shape: Shape) -> Tensor {
        crate::trace::untracked_storage();
        Tensor::new_constant(storage, shape)
    }

    /// A tensor over storage filled from host values: the same on every
    /// replay of a recorded step.
    fn new_constant(storage: Storage, shape: Shape) -> Tensor {
        Tensor::view_of(Arc::new(storage), Layout::contiguous(shape))
    }

    pub(crate) fn view_of(storage: Arc<Storage>, layout: Layout) -> Tensor {
        Tensor(Arc::new(TensorInner {
            id: TensorId::fresh(),
            layout,
            storage,
        }))
    }

    /// A view of this tensor's storage with another layout (no autograd).
    pub(crate) fn with_layout(&self, layout: Layout) -> Tensor {
        Tensor::view_of(self.0.storage.clone(), layout)
    }

    /// A tensor from row-major data on `device`.
    pub fn from_vec<T: Element>(
        data: Vec<T>,
        shape: impl Into<Shape>,
        device: Device,
    ) -> Result<Tensor> {
        let shape = shape.into();
        if data.len() != shape.numel() {
            bail!(
                Shape,
                "cannot make a tensor of shape {shape} from {} values",
                data.len()
            );
        }
        // Made from host values, so a constant on any device.
        crate::trace::opaque(|| {
            Tensor::new_constant(Storage::Cpu(T::wrap(data)), shape).to_device(device)
        })
    }

    /// A 0-d tensor.
    pub fn scalar<T: Element>(value: T, device: Device) -> Result<Tensor> {
        Tensor::from_vec(vec![value], Shape::scalar(), device)
    }

    /// A tensor of `shape` with every element `value` (converted to `dtype`).
    pub fn full(
        shape: impl Into<Shape>,
        value: f64,
        dtype: DType,
        device: Device,
    ) -> Result<Tensor> {
        let shape = shape.into();
        let Some(n) = shape
            .dims()
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        else {
            bail!(
                Value,
                "shape {shape} has more elements than memory can address"
            );
        };
        let cpu = CpuStorage::filled(dtype, n, value)?;
        crate::trace::opaque(|| Tensor::new_constant(Storage::Cpu(cpu), shape).to_device(device))
    }

    pub fn zeros(shape: impl Into<Shape>, dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::full(shape, 0.0, dtype, device)
    }

    pub fn ones(shape: impl Into<Shape>, dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::full(shape, 1.0, dtype, device)
    }

    pub fn id(&self) -> TensorId {
        self.0.id
    }

    pub fn layout(&self) -> &Layout {
        &self.0.layout
    }

    pub fn shape(&self) -> &Shape {
        self.0.layout.shape()
    }

    pub fn dims(&self) -> &[usize] {
        self.0.layout.dims()
    }

    pub fn rank(&self) -> usize {
        self.dims().len()
    }

    pub fn numel(&self) -> usize {
        self.0.layout.numel()
    }

    pub fn dtype(&self) -> DType {
        self.0.storage.dtype()
    }

    pub fn device(&self) -> Device {
        self.0.storage.device()
    }

    pub fn storage(&self) -> &Storage {
        &self.0.storage
    }

    pub(crate) fn storage_arc(&self) -> &Arc<Storage> {
        &self.0.storage
    }

    /// This tensor with its elements in a fresh row-major buffer, unless
    /// they already are.
    pub fn contiguous(&self) -> Result<Tensor> {
        if self.layout().is_contiguous() && self.layout().offset() == 0 {
            return Ok(self.clone());
        }
        crate::trace::kernel(&[self], |x| {
            let storage = x[0].storage().copy_strided(x[0].layout())?;
            Ok(Tensor::from_storage(storage, x[0].shape().clone()))
        })
    }

    /// A copy on `device` (the same tensor when already there).
    pub fn to_device(&self, device: Device) -> Result<Tensor> {
        if self.device() == device {
            return Ok(self.clone());
        }
        crate::trace::kernel(&[self], move |x| {
            let storage = x[0].storage().to_device(x[0].layout(), device)?;
            Ok(Tensor::from_storage(storage, x[0].shape().clone()))
        })
    }

    /// The elements in row-major order, copied to the host.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        crate::trace::host_read(self);
        if T::DTYPE != self.dtype() {
            bail!(
                DType,
                "to_vec: the tensor is {}, not {}",
                self.dtype(),
                T::DTYPE
            );
        }
        let host = self.to_device(Device::Cpu)?;
        let Storage::Cpu(cpu) = host.storage() else {
            unreachable!("to_device(Cpu) returns CPU storage")
        };
        let data = T::slice(cpu).expect("dtype checked above");
        Ok(match host.layout().contiguous_range() {
            Some(range) => data[range].to_vec(),
            None => host.layout().offsets().map(|i| data[i]).collect(),
        })
    }

    /// The single value of a one-element tensor, as f64.
    pub fn item(&self) -> Result<f64> {
        if self.numel() != 1 {
            bail!(
                Value,
                "item: expected a tensor with one element, got shape {}",
                self.shape()
            );
        }
        crate::trace::host_read(self);
        let host = self.to_device(Device::Cpu)?.contiguous()?;
        let Storage::Cpu(cpu) = host.storage() else {
            unreachable!("to_device(Cpu) returns CPU storage")
        };
        Ok(cpu.get_f64(host.layout().offset()))
    }

    /// A mutable view of the data for an in-place update, when nothing else
    /// shares this tensor or its storage (the tape's saved values never
    /// change under it).
    pub(crate) fn unique_storage_mut(&mut self) -> Option<&mut Storage> {
        let inner = Arc::get_mut(&mut self.0)?;
        if !inner.layout.is_contiguous() || inner.layout.offset() != 0 {
            return None;
        }
        Arc::get_mut(&mut inner.storage)
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Tensor(shape={}, dtype={}, device={})",
            self.shape(),
            self.dtype(),
            self.device()
        )
    }
}
