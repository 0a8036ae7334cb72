use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use super::BackwardFn;
use crate::{bail, ops, Result, Tensor, TensorId};

struct Node {
    inputs: Vec<TensorId>,
    output: TensorId,
    backward: BackwardFn,
}

#[derive(Default)]
struct TapeState {
    watched: HashSet<TensorId>,
    nodes: Vec<Arc<Node>>,
    persistent: bool,
    /// False inside `stop_recording` and while this tape computes gradients.
    recording: bool,
    used: bool,
    /// Whether reads of trainable variables are watched automatically.
    ignore_variable_reads: bool,
}

/// A gradient tape. Cloning gives another handle to the same tape.
#[derive(Clone)]
pub struct Tape(Arc<Mutex<TapeState>>);

thread_local! {
    /// Tapes entered on this thread, innermost last.
    static ACTIVE: RefCell<Vec<Tape>> = const { RefCell::new(Vec::new()) };
    /// Nesting depth of `without_recording`.
    static PAUSED: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` with every tape on this thread paused (variable updates,
/// optimizer steps).
pub fn without_recording<T>(f: impl FnOnce() -> T) -> T {
    struct Resume;
    impl Drop for Resume {
        fn drop(&mut self) {
            PAUSED.with(|p| p.set(p.get() - 1));
        }
    }
    PAUSED.with(|p| p.set(p.get() + 1));
    let _resume = Resume;
    f()
}

impl Tape {
    pub fn new(persistent: bool) -> Tape {
        Tape(Arc::new(Mutex::new(TapeState {
            persistent,
            recording: true,
            ..TapeState::default()
        })))
    }

    fn state(&self) -> MutexGuard<'_, TapeState> {
        // A panic elsewhere cannot leave the state half-updated in a way that
        // matters here, so a poisoned lock is still usable.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts recording ops on this thread.
    pub fn enter(&self) {
        ACTIVE.with(|a| a.borrow_mut().push(self.clone()));
    }

    /// Stops recording; later ops are not seen by this tape.
    pub fn exit(&self) {
        ACTIVE.with(|a| {
            let mut active = a.borrow_mut();
            if let Some(pos) = active.iter().rposition(|t| Arc::ptr_eq(&t.0, &self.0)) {
                active.remove(pos);
            }
        });
    }

    /// Pauses (false) or resumes (true) recording.
    pub fn set_recording(&self, on: bool) {
        self.state().recording = on;
    }

    pub fn is_recording(&self) -> bool {
        self.state().recording
    }

    pub fn persistent(&self) -> bool {
        self.state().persistent
    }

    /// Whether trainable variables read while this tape records are
    /// watched automatically (true by default).
    pub fn set_watch_accessed_variables(&self, on: bool) {
        self.state().ignore_variable_reads = !on;
    }

    /// Makes ops on `tensor` recorded from now on.
    pub fn watch(&self, tensor: &Tensor) {
        self.state().watched.insert(tensor.id());
    }

    /// Number of recorded nodes (what the tape holds on to).
    pub fn len(&self) -> usize {
        self.state().nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Gradients of `target` with respect to each source: `None` where a
    /// source does not influence the target. `output_gradient` seeds the
    /// backward pass (ones when absent). A non-persistent tape releases its
    /// nodes after the first call.
    pub fn gradient(
        &self,
        target: &Tensor,
        sources: &[Tensor],
        output_gradient: Option<&Tensor>,
    ) -> Result<Vec<Option<Tensor>>> {
        let (nodes, was_recording, watched) = {
            let mut state = self.state();
            if state.used && !state.persistent {
                bail!(
                    Value,
                    "A non-persistent GradientTape can only be used to compute one set of \
                     gradients (or jacobians). Use GradientTape(persistent=True) to call \
                     gradient() more than once."
                );
            }
            state.used = true;
            let nodes = if state.persistent {
                state.nodes.clone()
            } else {
                std::mem::take(&mut state.nodes)
            };
            let was_recording = state.recording;
            state.recording = false;
            // As in TensorFlow, a source the tape does not watch (directly
            // or as a recorded op's output) gets no gradient, even when an
            // op that also read a watched tensor used it.
            let watched: Vec<bool> = sources
                .iter()
                .map(|s| state.watched.contains(&s.id()))
                .collect();
            (nodes, was_recording, watched)
        };
        let result = backward_pass(&nodes, target, sources, &watched, output_gradient);
        let mut state = self.state();
        state.recording = was_recording;
        if !state.persistent {
            state.watched.clear();
        }
        result
    }
}

fn backward_pass(
    nodes: &[Arc<Node>],
    target: &Tensor,
    sources: &[Tensor],
    watched: &[bool],
    output_gradient: Option<&Tensor>,
) -> Result<Vec<Option<Tensor>>> {
    let live: Vec<TensorId> = sources
        .iter()
        .zip(watched)
        .filter(|&(_, &w)| w)
        .map(|(s, _)| s.id())
        .collect();
    // Tensors that depend on some source: only their nodes need running.
    let mut reachable: HashSet<TensorId> = live.iter().copied().collect();
    for node in nodes {
        if node.inputs.iter().any(|i| reachable.contains(i)) {
            reachable.insert(node.output);
        }
    }
    let source_ids: HashSet<TensorId> = live.into_iter().collect();
    let mut grads: HashMap<TensorId, Tensor> = HashMap::new();
    if reachable.contains(&target.id()) {
        let seed = match output_gradient {
            Some(g) => ops::broadcast_to(g, target.dims())?,
            None => ops::ones_like(target)?,
        };
        grads.insert(target.id(), seed);
    }
    for node in nodes.iter().rev() {
        if !reachable.contains(&node.output) {
            continue;
        }
        let grad = if source_ids.contains(&node.output) {
            grads.get(&node.output).cloned()
        } else {
            grads.remove(&node.output)
        };
        let Some(grad) = grad else { continue };
        let needed: Vec<bool> = node.inputs.iter().map(|i| reachable.contains(i)).collect();
        let input_grads = (node.backward)(&grad, &needed)?;
        for ((input, need), g) in node.inputs.iter().zip(&needed).zip(input_grads) {
            if let (true, Some(g)) = (need, g) {
                accumulate(&mut grads, *input, g)?;
            }
        }
    }
    Ok(sources
        .iter()
        .zip(watched)
        .map(|(s, &w)| if w { grads.get(&s.id()).cloned() } else { None })
        .collect())
}

fn accumulate(grads: &mut HashMap<TensorId, Tensor>, id: TensorId, g: Tensor) -> Result<()> {
    let summed = match grads.remove(&id) {
        Some(prev) => ops::add(&prev, &g)?,
        None => g,
    };
    grads.insert(id, summed);
    Ok(())
}

/// Appends a node to every recording tape that watches one of `inputs`.
/// `make_backward` runs only then, so ops cost nothing extra without a tape.
pub fn record(inputs: &[&Tensor], output: &Tensor, make_backward: impl FnOnce() -> BackwardFn) {
    if PAUSED.with(Cell::get) > 0 {
        return;
    }
    let tapes: Vec<Tape> = ACTIVE.with(|a| {
        a.borrow()
            .iter()
            .filter(|t| {
                let s = t.state();
                s.recording && inputs.iter().any(|i| s.watched.contains(&i.id()))
            })
            .cloned()
            .collect()
    });
    if tapes.is_empty() || !output.dtype().is_float() {
        return;
    }
    let node = Arc::new(Node {
        inputs: inputs.iter().map(|t| t.id()).collect(),
        output: output.id(),
        backward: make_backward(),
    });
    for tape in tapes {
        let mut s = tape.state();
        s.watched.insert(output.id());
        s.nodes.push(node.clone());
    }
}

/// Whether an op run now could be recorded: some tape on this thread is
/// recording and recording is not paused. Backward rules with a fused
/// kernel take their composed form when it is, so that a gradient computed
/// under an outer tape can itself be differentiated.
pub fn any_tape_recording() -> bool {
    PAUSED.with(Cell::get) == 0 && ACTIVE.with(|a| a.borrow().iter().any(Tape::is_recording))
}

/// A trainable variable was read: recording tapes watch its value, as
/// TensorFlow's tapes watch accessed variables.
pub fn watch_variable_read(value: &Tensor) {
    ACTIVE.with(|a| {
        for tape in a.borrow().iter() {
            let mut s = tape.state();
            if s.recording && !s.ignore_variable_reads {
                s.watched.insert(value.id());
            }
        }
    });
}
