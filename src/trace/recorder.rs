//! The recording on this thread: what ops append while a step is traced.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::panic::Location;
use std::sync::Arc;

use super::plan::{InputSpec, KernelFn, Operand, Plan, Product, Source, Step};
use super::update::FoldSites;
use super::UpdateKind;
use crate::{bail, Result, Tensor, Variable};

struct Recording {
    inputs: Vec<InputSpec>,
    steps: Vec<Step>,
    /// The tensor each slot held while recording. Holding them keeps their
    /// storages alive, so a storage address names one slot for the whole
    /// recording.
    slot_tensors: Vec<Tensor>,
    slot_of: HashMap<usize, usize>,
    failure: Option<String>,
}

thread_local! {
    static RECORDING: RefCell<Option<Recording>> = const { RefCell::new(None) };
    /// True while a recording is active and no kernel is running: only then
    /// does an op append to it (a kernel's own inner ops are its business).
    static LISTENING: Cell<bool> = const { Cell::new(false) };
}

fn storage_key(t: &Tensor) -> usize {
    Arc::as_ptr(t.storage_arc()) as usize
}

/// Whether a recording is active on this thread.
pub fn is_recording() -> bool {
    RECORDING.with(|r| r.borrow().is_some())
}

fn listening() -> bool {
    LISTENING.with(Cell::get)
}

fn with_recording(f: impl FnOnce(&mut Recording)) {
    RECORDING.with(|r| {
        if let Some(rec) = r.borrow_mut().as_mut() {
            if rec.failure.is_none() {
                f(rec);
            }
        }
    });
}

/// Starts recording on this thread; `inputs` become the plan's inputs, in
/// order. Each must be a distinct, contiguous tensor.
pub fn begin(inputs: &[Tensor]) -> Result<()> {
    if is_recording() {
        bail!(
            Value,
            "a compiled step is already being recorded on this thread"
        );
    }
    let mut rec = Recording {
        inputs: Vec::with_capacity(inputs.len()),
        steps: Vec::new(),
        slot_tensors: Vec::new(),
        slot_of: HashMap::new(),
        failure: None,
    };
    for (i, x) in inputs.iter().enumerate() {
        if !x.layout().is_contiguous() || x.layout().offset() != 0 {
            bail!(
                Value,
                "compiled step: input {i} is a strided view; pass a contiguous tensor"
            );
        }
        if rec.define(x).is_none() {
            bail!(
                Value,
                "compiled step: input {i} shares its storage with an earlier input"
            );
        }
        rec.inputs.push(InputSpec {
            shape: x.shape().clone(),
            dtype: x.dtype(),
            device: x.device(),
        });
    }
    RECORDING.with(|r| *r.borrow_mut() = Some(rec));
    LISTENING.with(|l| l.set(true));
    Ok(())
}

/// Ends the recording and drops it.
pub fn abort() {
    LISTENING.with(|l| l.set(false));
    RECORDING.with(|r| r.borrow_mut().take());
}

/// Ends the recording and returns the plan that computes `outputs`, or an
/// `Unsupported` error naming what the step did that a replay cannot.
pub fn finish(outputs: &[Tensor]) -> Result<Plan> {
    LISTENING.with(|l| l.set(false));
    let Some(mut rec) = RECORDING.with(|r| r.borrow_mut().take()) else {
        bail!(Value, "no compiled step is being recorded on this thread");
    };
    if let Some(reason) = rec.failure.take() {
        bail!(Unsupported, "this step cannot be compiled: {reason}");
    }
    let outputs: Vec<Operand> = outputs.iter().map(|t| rec.operand(t)).collect();
    Ok(rec.into_plan(outputs))
}

impl Recording {
    fn operand(&self, t: &Tensor) -> Operand {
        match self.slot_of.get(&storage_key(t)) {
            Some(&s) => Operand {
                source: Source::Slot(s),
                view: (self.slot_tensors[s].layout() != t.layout()).then(|| t.layout().clone()),
            },
            None => Operand {
                source: Source::Constant(t.clone()),
                view: None,
            },
        }
    }

    /// A new slot holding `t`; `None` when its storage already has one.
    fn define(&mut self, t: &Tensor) -> Option<usize> {
        let key = storage_key(t);
        if self.slot_of.contains_key(&key) {
            return None;
        }
        let slot = self.slot_tensors.len();
        self.slot_tensors.push(t.clone());
        self.slot_of.insert(key, slot);
        Some(slot)
    }

    /// Drops steps nothing observes, then notes each slot's last reader.
    fn into_plan(self, outputs: Vec<Operand>) -> Plan {
        let slots = self.slot_tensors.len();
        let mut live = vec![false; slots];
        for s in outputs.iter().filter_map(Operand::slot) {
            live[s] = true;
        }
        let mut kept: Vec<Step> = Vec::with_capacity(self.steps.len());
        for step in self.steps.into_iter().rev() {
            let effect = matches!(
                step,
                Step::Update { .. } | Step::Kernel { stateful: true, .. }
            );
            let observed = effect || step.writes().iter().any(|&s| live[s]);
            if observed {
                for s in step.reads() {
                    live[s] = true;
                }
                kept.push(step);
            }
        }
        kept.reverse();
        let mut last_reader: Vec<Option<usize>> = vec![None; slots];
        for (i, step) in kept.iter().enumerate() {
            for s in step.reads().into_iter().chain(step.writes()) {
                last_reader[s] = Some(i);
            }
        }
        for s in outputs.iter().filter_map(Operand::slot) {
            last_reader[s] = None;
        }
        let mut release = vec![Vec::new(); kept.len()];
        for (s, last) in last_reader.into_iter().enumerate() {
            if let Some(i) = last {
                release[i].push(s);
            }
        }
        Plan {
            inputs: self.inputs,
            fold_sites: FoldSites::find(&kept, &outputs),
            steps: kept,
            release,
            outputs,
            slots,
        }
    }
}

/// Runs `f` without recording: the inner work of something already
/// recorded as a whole (a kernel, a variable update).
pub fn opaque<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            LISTENING.with(|l| l.set(self.0));
        }
    }
    let _restore = Restore(LISTENING.with(|l| l.replace(false)));
    f()
}

/// Runs an op's device work. `run` must compute only from its operands
/// (and captured sizes or layouts), never from tensors it captures: while
/// a step is recorded, it is kept and replayed on new operands.
pub fn kernel<F>(inputs: &[&Tensor], run: F) -> Result<Tensor>
where
    F: Fn(&[&Tensor]) -> Result<Tensor> + Send + Sync + 'static,
{
    run_kernel(inputs, run, None, false)
}

/// [`kernel`] for work that changes state each run (a random draw that
/// advances a seed generator): a replay runs it even when its output is
/// not used, as eager steps would.
pub fn stateful_kernel<F>(inputs: &[&Tensor], run: F) -> Result<Tensor>
where
    F: Fn(&[&Tensor]) -> Result<Tensor> + Send + Sync + 'static,
{
    run_kernel(inputs, run, None, true)
}

/// [`kernel`] for one matrix product `lhs @ rhs`, read with the layouts in
/// `product`: a replay can fold an optimizer step into it.
pub fn product_kernel<F>(lhs: &Tensor, rhs: &Tensor, product: Product, run: F) -> Result<Tensor>
where
    F: Fn(&[&Tensor]) -> Result<Tensor> + Send + Sync + 'static,
{
    run_kernel(&[lhs, rhs], run, Some(product), false)
}

fn run_kernel<F>(
    inputs: &[&Tensor],
    run: F,
    product: Option<Product>,
    stateful: bool,
) -> Result<Tensor>
where
    F: Fn(&[&Tensor]) -> Result<Tensor> + Send + Sync + 'static,
{
    if !listening() {
        return run(inputs);
    }
    let y = opaque(|| run(inputs))?;
    let run: KernelFn = Box::new(move |xs| Ok(vec![run(xs)?]));
    append_kernel(inputs, &[&y], run, product, stateful);
    Ok(y)
}

fn append_kernel(
    inputs: &[&Tensor],
    outputs: &[&Tensor],
    run: KernelFn,
    product: Option<Product>,
    stateful: bool,
) {
    with_recording(|rec| {
        let inputs = inputs.iter().map(|t| rec.operand(t)).collect();
        let outputs = outputs.iter().map(|t| rec.define(t)).collect();
        rec.steps.push(Step::Kernel {
            inputs,
            outputs,
            run,
            product,
            stateful,
        });
    });
}

fn fail(reason: String) {
    with_recording(|rec| rec.failure = Some(reason));
}

/// Something a replay cannot repeat happened while recording.
pub fn untraceable(what: &str) {
    if listening() {
        fail(what.to_string());
    }
}

/// `t`'s values are about to be read on the host: a step that looks at a
/// traced value (to branch on it, or to compute outside a kernel) cannot be
/// replayed. Constants may be read.
pub fn host_read(t: &Tensor) {
    if !listening() {
        return;
    }
    let key = storage_key(t);
    with_recording(|rec| {
        if rec.slot_of.contains_key(&key) {
            rec.failure = Some(
                "it reads a computed tensor's values on the host (for example with \
                 float(), numpy() or a Python `if` on a tensor)"
                    .to_string(),
            );
        }
    });
}

/// An op made a tensor from computed storage outside a kernel.
#[track_caller]
pub(crate) fn untracked_storage() {
    if listening() {
        fail(format!(
            "the op at {} has no kernel record",
            Location::caller()
        ));
    }
}

/// A variable's value was read: a replay reads it again at this point.
pub(crate) fn variable_read(variable: &Variable, value: &Tensor) {
    if !listening() {
        return;
    }
    with_recording(|rec| {
        if let Some(slot) = rec.define(value) {
            rec.steps.push(Step::Read {
                variable: variable.clone(),
                slot,
            });
        }
    });
}

/// A variable is about to change: a replay changes it again at this point.
pub(crate) fn variable_update(variable: &Variable, kind: UpdateKind, value: &Tensor) {
    if !listening() {
        return;
    }
    with_recording(|rec| {
        let value = rec.operand(value);
        rec.steps.push(Step::Update {
            variable: variable.clone(),
            kind,
            value,
        });
    });
}
