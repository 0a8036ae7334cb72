//! Variables: named, mutable tensors (weights, optimizer slots).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use crate::autograd::{watch_variable_read, without_recording};
use crate::cpu::CpuStorage;
use crate::trace::{self, UpdateKind};
use crate::{bail, ops, Result, Storage, Tensor};

/// A tensor that can change. Updates happen in place when no one else holds
/// the current value (the usual case in training); when a tape or a user
/// still holds it, the update writes a fresh buffer instead, so saved
/// values never change under them.
#[derive(Clone)]
pub struct Variable(Arc<VariableInner>);

struct VariableInner {
    name: String,
    trainable: AtomicBool,
    value: RwLock<Tensor>,
}

impl Variable {
    pub fn new(value: Tensor, name: impl Into<String>, trainable: bool) -> Variable {
        // A replay would not make it again, and its reads would see the
        // first value.
        trace::untraceable("it creates a variable");
        Variable(Arc::new(VariableInner {
            name: name.into(),
            trainable: AtomicBool::new(trainable),
            value: RwLock::new(value),
        }))
    }

    /// Whether both handles are the same variable.
    pub fn ptr_eq(&self, other: &Variable) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub fn trainable(&self) -> bool {
        self.0.trainable.load(Ordering::Relaxed)
    }

    /// Freezes (false) or unfreezes (true) the variable.
    pub fn set_trainable(&self, trainable: bool) {
        self.0.trainable.store(trainable, Ordering::Relaxed);
    }

    /// The current value; recording tapes watch it when trainable.
    pub fn value(&self) -> Tensor {
        let v = self
            .0
            .value
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if self.trainable() {
            watch_variable_read(&v);
        }
        trace::variable_read(self, &v);
        v
    }

    /// The current value without notifying tapes.
    pub fn peek(&self) -> Tensor {
        let v = self
            .0
            .value
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        trace::variable_read(self, &v);
        v
    }

    fn check_compatible(&self, op: &str, value: &Tensor) -> Result<()> {
        let current = self.peek();
        if value.shape() != current.shape() {
            bail!(
                Shape,
                "{op}: variable '{}' has shape {}, but the value has shape {}",
                self.name(),
                current.shape(),
                value.shape()
            );
        }
        Ok(())
    }

    /// Replaces the value (converted to this variable's dtype and device).
    pub fn assign(&self, value: &Tensor) -> Result<()> {
        trace::variable_update(self, UpdateKind::Assign, value);
        trace::opaque(|| self.assign_now(value))
    }

    fn assign_now(&self, value: &Tensor) -> Result<()> {
        self.check_compatible("assign", value)?;
        let mut slot = self.0.value.write().unwrap_or_else(|e| e.into_inner());
        let new = ops::cast(value, slot.dtype())?
            .to_device(slot.device())?
            .contiguous()?;
        // A distinct tensor: the caller's tensor must not alias the variable.
        *slot = if Arc::ptr_eq(new.storage_arc(), value.storage_arc()) {
            Tensor::from_storage(
                new.storage().copy_strided(new.layout())?,
                new.shape().clone(),
            )
        } else {
            new
        };
        Ok(())
    }

    /// Runs `f` on the variable's float32 elements, in place, for a CPU
    /// variable. The buffer is updated where it lies when no one else holds
    /// the current value; otherwise `f` runs on a fresh copy that then
    /// becomes the value (copy on write), so tensors read before the update
    /// keep their values. Fails for non-CPU or non-float32 variables: those
    /// update through `ops` and [`Variable::assign`].
    pub fn update_in_place<R>(&self, f: impl FnOnce(&mut [f32]) -> R) -> Result<R> {
        Variable::update_many_in_place(&[self], |bufs| f(&mut *bufs[0]))
    }

    /// [`Variable::update_in_place`] for several distinct variables at once:
    /// `f` gets their buffers in the order of `vars`. Locks are taken in a
    /// fixed (address) order, so concurrent callers cannot deadlock.
    pub fn update_many_in_place<R>(
        vars: &[&Variable],
        f: impl FnOnce(&mut [&mut [f32]]) -> R,
    ) -> Result<R> {
        trace::untraceable("it updates a variable in place (an optimizer step)");
        trace::opaque(|| Variable::update_many_now(vars, f))
    }

    fn update_many_now<R>(vars: &[&Variable], f: impl FnOnce(&mut [&mut [f32]]) -> R) -> Result<R> {
        let mut order: Vec<usize> = (0..vars.len()).collect();
        order.sort_by_key(|&i| Arc::as_ptr(&vars[i].0) as usize);
        for pair in order.windows(2) {
            if Arc::ptr_eq(&vars[pair[0]].0, &vars[pair[1]].0) {
                bail!(
                    Value,
                    "update_in_place: variable '{}' appears twice",
                    vars[pair[0]].name()
                );
            }
        }
        for v in vars {
            let current = v.peek();
            if current.device() != crate::Device::Cpu || current.dtype() != crate::DType::F32 {
                bail!(
                    Value,
                    "update_in_place: variable '{}' is {} on {}; in-place updates need \
                     float32 on the CPU",
                    v.name(),
                    current.dtype(),
                    current.device()
                );
            }
        }
        let mut guards: Vec<_> = order
            .iter()
            .map(|&i| {
                (
                    i,
                    vars[i].0.value.write().unwrap_or_else(|e| e.into_inner()),
                )
            })
            .collect();
        for (_, slot) in guards.iter_mut() {
            // Copy on write: a value someone else holds is never changed.
            if slot.unique_storage_mut().is_none() {
                let fresh = slot.storage().copy_strided(slot.layout())?;
                **slot = Tensor::from_storage(fresh, slot.shape().clone());
            }
        }
        guards.sort_by_key(|(i, _)| *i);
        let mut bufs: Vec<&mut [f32]> = Vec::with_capacity(guards.len());
        for (_, slot) in guards.iter_mut() {
            match slot.unique_storage_mut() {
                Some(Storage::Cpu(CpuStorage::F32(v))) => bufs.push(v.as_mut_slice()),
                _ => bail!(
                    Value,
                    "update_in_place: the variable changed device or dtype"
                ),
            }
        }
        Ok(f(&mut bufs))
    }

    pub fn assign_add(&self, delta: &Tensor) -> Result<()> {
        trace::variable_update(self, UpdateKind::Add, delta);
        trace::opaque(|| self.update(delta, 1.0))
    }

    pub fn assign_sub(&self, delta: &Tensor) -> Result<()> {
        trace::variable_update(self, UpdateKind::Sub, delta);
        trace::opaque(|| self.update(delta, -1.0))
    }

    /// `value += sign * delta`, broadcasting `delta` to the variable's shape.
    fn update(&self, delta: &Tensor, sign: f32) -> Result<()> {
        let op = if sign > 0.0 {
            "assign_add"
        } else {
            "assign_sub"
        };
        let mut slot = self.0.value.write().unwrap_or_else(|e| e.into_inner());
        let delta = ops::cast(delta, slot.dtype())?;
        let delta = ops::broadcast_to(&delta, slot.dims()).map_err(|_| {
            crate::Error::Shape(format!(
                "{op}: variable '{}' has shape {}, but the value has shape {}",
                self.name(),
                slot.shape(),
                delta.shape()
            ))
        })?;
        let delta = delta.to_device(slot.device())?;
        if let (Some(Storage::Cpu(CpuStorage::F32(dst))), Storage::Cpu(CpuStorage::F32(src))) =
            (slot.unique_storage_mut(), delta.storage())
        {
            let src = crate::cpu::elements_of(src, delta.layout());
            crate::cpu::axpy_in_place(dst, &src, sign);
            return Ok(());
        }
        let updated = without_recording(|| {
            if sign > 0.0 {
                ops::add(&slot, &delta)
            } else {
                ops::subtract(&slot, &delta)
            }
        })?;
        *slot = updated;
        Ok(())
    }
}
