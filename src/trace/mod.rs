//! Compiled steps: the kernels one call runs, recorded once and replayed
//! for new inputs of the same shapes without going back to Python.
//!
//! While a recording is active on a thread, every kernel (the device work
//! of an op: a pure function from input tensors to fresh output tensors) is
//! appended with its operands resolved to a plan input, an earlier kernel's
//! output, a variable's value, or a constant. Views need no record of their
//! own: an operand is a storage plus the layout it was read with, so a
//! reshape or a transpose is only a layout. Variable reads and updates
//! become steps, so a replay sees the values training has written since.
//!
//! Random draws are kernels that take a fresh key from their seed
//! generator on every replay. What a replay could not reproduce (reading
//! traced values on the host, in-place closures, creating variables) marks
//! the recording as failed with the reason; the caller then keeps running
//! eagerly. Tape
//! nodes are not part of a plan: the backward kernels a gradient call runs
//! are recorded like any other, so a plan is forward and backward in one
//! straight line.

mod plan;
mod recorder;
mod update;

pub use plan::{Plan, Product};
pub use recorder::{
    abort, begin, finish, host_read, is_recording, kernel, opaque, product_kernel, stateful_kernel,
    untraceable,
};
pub(crate) use recorder::{untracked_storage, variable_read, variable_update};
pub use update::OptimizerStep;

/// How a recorded variable update changes the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    Assign,
    Add,
    Sub,
}
