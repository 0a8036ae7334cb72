//! A train step's optimizer update, applied by the replay that computes its
//! gradients: one engine call per batch. Plain SGD is folded into the
//! products that compute weight gradients (`w += -lr * (a @ b)` in the
//! product's own pass), so those gradients are never written out and read
//! back: on an MLP, that pass over the largest kernel was a fifth of a step.

use std::collections::{HashMap, HashSet};

use super::plan::{Operand, Plan, Step};
use crate::cpu::{matmul_accumulate_f32, CpuStorage};
use crate::optim::{self, Hyper, Kind};
use crate::{bail, DType, Device, Result, Storage, Tensor, Variable};

/// The optimizer update of one train step, as `optim::update` takes it.
pub struct OptimizerStep<'a> {
    pub kind: Kind,
    pub hyper: &'a Hyper,
    pub variables: &'a [Variable],
    pub slots: &'a [Vec<Variable>],
    pub decay: Option<&'a [bool]>,
    /// For each variable, the index of the plan output that is its
    /// gradient.
    pub gradients: &'a [usize],
}

/// A gradient product replaced by `variable += scale * product`.
pub(super) struct Fold<'a> {
    /// The plan output the product was.
    pub output: usize,
    variable: &'a Variable,
    scale: f32,
}

impl Fold<'_> {
    pub(super) fn apply(&self, step: &Step, slots: &[Option<Tensor>]) -> Result<()> {
        let Step::Kernel {
            inputs,
            product: Some(product),
            ..
        } = step
        else {
            bail!(
                Value,
                "compiled step: only a product can take a folded update"
            );
        };
        let (a, b) = (inputs[0].tensor(slots)?, inputs[1].tensor(slots)?);
        let (Storage::Cpu(CpuStorage::F32(a)), Storage::Cpu(CpuStorage::F32(b))) =
            (a.storage(), b.storage())
        else {
            bail!(
                Value,
                "compiled step: a folded update needs float32 operands on the CPU"
            );
        };
        // Copy on write as for any in-place update: a tensor that still
        // holds the old value (a later reader) keeps it.
        self.variable.update_in_place(|w| {
            matmul_accumulate_f32(
                w,
                a,
                &product.lhs,
                b,
                &product.rhs,
                &product.dims,
                self.scale,
            )
        })?
    }
}

impl Plan {
    /// Replays the step, then applies `update` with the gradients it
    /// computed. Returns the outputs, with `None` at the gradients.
    pub fn run_and_update(
        &self,
        inputs: &[Tensor],
        update: &OptimizerStep<'_>,
    ) -> Result<Vec<Option<Tensor>>> {
        let n = update.variables.len();
        if update.gradients.len() != n || update.slots.len() != n {
            bail!(
                Value,
                "compiled step: got {n} variables, {} gradient outputs and {} slot lists; \
                 they must match",
                update.gradients.len(),
                update.slots.len()
            );
        }
        if update.decay.is_some_and(|d| d.len() != n) {
            bail!(
                Value,
                "compiled step: got weight-decay flags for other than {n} variables"
            );
        }
        let mut seen = vec![false; self.outputs.len()];
        for &o in update.gradients {
            if o >= seen.len() || std::mem::replace(&mut seen[o], true) {
                bail!(
                    Value,
                    "compiled step: gradient output {o} is out of range or given twice"
                );
            }
        }
        let folds = self.folds(update);
        let folded = folded_of(&folds, update);
        let mut outputs = self.replay(inputs, &folds)?;
        let rest: Vec<usize> = (0..n).filter(|&v| !folded[v]).collect();
        let grads = rest
            .iter()
            .map(|&v| match outputs[update.gradients[v]].take() {
                Some(g) => Ok(g),
                None => bail!(Value, "compiled step: a gradient output is missing"),
            })
            .collect::<Result<Vec<_>>>()?;
        let pick = |xs: &[Variable]| rest.iter().map(|&v| xs[v].clone()).collect::<Vec<_>>();
        let slots: Vec<Vec<Variable>> = rest.iter().map(|&v| update.slots[v].clone()).collect();
        let decay: Option<Vec<bool>> = update.decay.map(|d| rest.iter().map(|&v| d[v]).collect());
        if !rest.is_empty() {
            optim::update(
                update.kind,
                &pick(update.variables),
                &grads,
                &slots,
                update.hyper,
                decay.as_deref(),
            )?;
        }
        Ok(outputs)
    }

    /// Which of `update`'s variables a replay updates inside their
    /// gradient products.
    pub fn folded(&self, update: &OptimizerStep<'_>) -> Vec<bool> {
        folded_of(&self.folds(update), update)
    }

    /// The gradient products an update can be folded into, by step.
    fn folds<'a>(&self, update: &OptimizerStep<'a>) -> HashMap<usize, Fold<'a>> {
        let mut folds = HashMap::new();
        if !is_plain_sgd(update.kind, update.hyper) {
            return folds;
        }
        let scale = -(update.hyper.learning_rate as f32);
        for (variable, &output) in update.variables.iter().zip(update.gradients) {
            if let Some(step) = self.foldable(variable, output) {
                folds.insert(
                    step,
                    Fold {
                        output,
                        variable,
                        scale,
                    },
                );
            }
        }
        folds
    }

    /// The step whose product alone is output `o`, when adding it (scaled)
    /// to `variable` in place gives what updating after the step gives.
    fn foldable(&self, variable: &Variable, o: usize) -> Option<usize> {
        let p = self.fold_sites.products[o]?;
        // Eagerly the update comes after the whole step: nothing after the
        // product may read or change the variable.
        let sites = &self.fold_sites.variable_steps;
        if sites.iter().any(|(i, v)| *i > p && v.ptr_eq(variable)) {
            return None;
        }
        let Step::Kernel {
            product: Some(product),
            ..
        } = &self.steps[p]
        else {
            return None;
        };
        let current = variable.peek();
        let fits = current.device() == Device::Cpu
            && current.dtype() == DType::F32
            && current.dims() == [product.dims.m, product.dims.n];
        fits.then_some(p)
    }
}

/// Where a plan's gradients could take a folded update, found once when
/// the plan is made (a replay only checks the variables).
pub(super) struct FoldSites {
    /// Per output: the step whose lone 2-D product it is, when no step
    /// reads that product and no other output shares it.
    products: Vec<Option<usize>>,
    /// The steps that read or change a variable.
    variable_steps: Vec<(usize, Variable)>,
}

impl FoldSites {
    pub(super) fn find(steps: &[Step], outputs: &[Operand]) -> FoldSites {
        let mut producer: HashMap<usize, usize> = HashMap::new();
        let mut read: HashSet<usize> = HashSet::new();
        let mut variable_steps = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            read.extend(step.reads());
            match step {
                Step::Kernel {
                    outputs,
                    product: Some(product),
                    ..
                } if outputs.len() == 1 && product.dims.batch.is_empty() => {
                    if let Some(slot) = outputs[0] {
                        producer.insert(slot, i);
                    }
                }
                Step::Read { variable, .. } | Step::Update { variable, .. } => {
                    variable_steps.push((i, variable.clone()));
                }
                Step::Kernel { .. } => {}
            }
        }
        let shared = |slot: usize| outputs.iter().filter(|o| o.slot() == Some(slot)).count() > 1;
        let products = outputs
            .iter()
            .map(|o| match (o.slot(), &o.view) {
                (Some(slot), None) if !read.contains(&slot) && !shared(slot) => {
                    producer.get(&slot).copied()
                }
                _ => None,
            })
            .collect();
        FoldSites {
            products,
            variable_steps,
        }
    }
}

fn folded_of(folds: &HashMap<usize, Fold<'_>>, update: &OptimizerStep<'_>) -> Vec<bool> {
    update
        .gradients
        .iter()
        .map(|&o| folds.values().any(|f| f.output == o))
        .collect()
}

/// `w -= lr * g` and nothing else.
fn is_plain_sgd(kind: Kind, h: &Hyper) -> bool {
    kind == Kind::Sgd
        && h.momentum == 0.0
        && h.weight_decay.is_none()
        && h.clipnorm.is_none()
        && h.global_clipnorm.is_none()
        && h.clipvalue.is_none()
        && h.loss_scale_factor.is_none()
}
