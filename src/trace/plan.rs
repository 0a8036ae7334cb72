//! A recorded step as straight-line code over numbered slots.

use std::collections::HashMap;

use super::update::{Fold, FoldSites};
use super::UpdateKind;
use crate::autograd::without_recording;
use crate::{bail, DType, Device, Layout, MatmulDims, Result, Shape, Tensor, Variable};

/// A kernel's device work, from its operands to its fresh outputs.
pub(super) type KernelFn = Box<dyn Fn(&[&Tensor]) -> Result<Vec<Tensor>> + Send + Sync>;

/// Where an operand's elements come from.
pub(super) enum Source {
    /// A plan input, a kernel's output or a variable read, by slot.
    Slot(usize),
    /// A tensor that existed before the recording or was made from host
    /// values during it; it is the same on every replay.
    Constant(Tensor),
}

pub(super) struct Operand {
    pub source: Source,
    /// The layout the operand was read with, where it is a view that
    /// differs from the slot tensor's own layout.
    pub view: Option<Layout>,
}

impl Operand {
    pub(super) fn tensor(&self, slots: &[Option<Tensor>]) -> Result<Tensor> {
        let base = match &self.source {
            Source::Constant(t) => return Ok(t.clone()),
            Source::Slot(s) => match &slots[*s] {
                Some(t) => t,
                None => bail!(
                    Value,
                    "compiled step: slot {s} was released before its last use"
                ),
            },
        };
        Ok(match &self.view {
            Some(layout) => base.with_layout(layout.clone()),
            None => base.clone(),
        })
    }

    pub(super) fn slot(&self) -> Option<usize> {
        match self.source {
            Source::Slot(s) => Some(s),
            Source::Constant(_) => None,
        }
    }
}

/// A kernel that is one matrix product of its two operands, read with
/// these layouts: a replay may fold an update of its output into it.
#[derive(Debug, Clone)]
pub struct Product {
    pub lhs: Layout,
    pub rhs: Layout,
    pub dims: MatmulDims,
}

pub(super) enum Step {
    /// The variable's value at this point of the step.
    Read { variable: Variable, slot: usize },
    Kernel {
        inputs: Vec<Operand>,
        /// The slot of each output; `None` where it aliases an operand.
        outputs: Vec<Option<usize>>,
        run: KernelFn,
        product: Option<Product>,
        /// It changes state each run (a random draw advances its seed
        /// generator), so it runs even when nothing reads its output.
        stateful: bool,
    },
    Update {
        variable: Variable,
        kind: UpdateKind,
        value: Operand,
    },
}

impl Step {
    pub(super) fn reads(&self) -> Vec<usize> {
        match self {
            Step::Read { .. } => Vec::new(),
            Step::Kernel { inputs, .. } => inputs.iter().filter_map(Operand::slot).collect(),
            Step::Update { value, .. } => value.slot().into_iter().collect(),
        }
    }

    pub(super) fn writes(&self) -> Vec<usize> {
        match self {
            Step::Read { slot, .. } => vec![*slot],
            Step::Kernel { outputs, .. } => outputs.iter().flatten().copied().collect(),
            Step::Update { .. } => Vec::new(),
        }
    }
}

/// What a plan input must look like: the shapes are part of the plan.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct InputSpec {
    pub shape: Shape,
    pub dtype: DType,
    pub device: Device,
}

/// A recorded step, replayed by [`Plan::run`] for new inputs of the same
/// shapes, dtypes and devices. Each slot is released after its last
/// reader, so variables the step only reads are free for in-place updates
/// once it returns.
pub struct Plan {
    pub(super) inputs: Vec<InputSpec>,
    pub(super) steps: Vec<Step>,
    /// Slots whose last reader is each step.
    pub(super) release: Vec<Vec<usize>>,
    pub(super) outputs: Vec<Operand>,
    pub(super) slots: usize,
    pub(super) fold_sites: FoldSites,
}

impl Plan {
    /// Number of kernels, variable reads and updates a replay runs.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Runs the recorded kernels on `inputs` and returns the outputs.
    /// Tapes do not record a replay.
    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let outputs = self.replay(inputs, &HashMap::new())?;
        Ok(outputs.into_iter().flatten().collect())
    }

    /// [`Plan::run`], with the kernels in `folds` (by step) replaced by
    /// their folded updates.
    pub(super) fn replay(
        &self,
        inputs: &[Tensor],
        folds: &HashMap<usize, Fold<'_>>,
    ) -> Result<Vec<Option<Tensor>>> {
        if inputs.len() != self.inputs.len() {
            bail!(
                Value,
                "compiled step: expected {} inputs, got {}",
                self.inputs.len(),
                inputs.len()
            );
        }
        let mut slots: Vec<Option<Tensor>> = vec![None; self.slots];
        for (i, (x, spec)) in inputs.iter().zip(&self.inputs).enumerate() {
            if x.shape() != &spec.shape || x.dtype() != spec.dtype || x.device() != spec.device {
                bail!(
                    Value,
                    "compiled step: input {i} was recorded as {} {} on {}, got {} {} on {}",
                    spec.shape,
                    spec.dtype,
                    spec.device,
                    x.shape(),
                    x.dtype(),
                    x.device()
                );
            }
            slots[i] = Some(x.contiguous()?);
        }
        without_recording(|| {
            for (i, (step, release)) in self.steps.iter().zip(&self.release).enumerate() {
                match folds.get(&i) {
                    Some(fold) => fold.apply(step, &slots)?,
                    None => run_step(step, &mut slots)?,
                }
                for &s in release {
                    slots[s] = None;
                }
            }
            self.outputs
                .iter()
                .enumerate()
                .map(|(i, o)| match folds.values().any(|f| f.output == i) {
                    // A folded gradient was never computed.
                    true => Ok(None),
                    false => o.tensor(&slots).map(Some),
                })
                .collect()
        })
    }
}

fn run_step(step: &Step, slots: &mut [Option<Tensor>]) -> Result<()> {
    match step {
        Step::Read { variable, slot } => slots[*slot] = Some(variable.peek()),
        Step::Kernel {
            inputs,
            outputs,
            run,
            ..
        } => {
            let args = inputs
                .iter()
                .map(|o| o.tensor(slots))
                .collect::<Result<Vec<_>>>()?;
            let refs: Vec<&Tensor> = args.iter().collect();
            let results = run(&refs)?;
            drop(args);
            for (y, slot) in results.into_iter().zip(outputs) {
                if let Some(s) = slot {
                    slots[*s] = Some(y);
                }
            }
        }
        Step::Update {
            variable,
            kind,
            value,
        } => {
            let value = value.tensor(slots)?;
            match kind {
                UpdateKind::Assign => variable.assign(&value)?,
                UpdateKind::Add => variable.assign_add(&value)?,
                UpdateKind::Sub => variable.assign_sub(&value)?,
            }
        }
    }
    Ok(())
}
