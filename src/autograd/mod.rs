//! Tape autograd, in the spirit of `tf.GradientTape`.
//!
//! While a tape is active, every op whose inputs the tape watches appends a
//! node: the input ids, the output id and a closure that maps the output's
//! gradient to the inputs' gradients. `gradient` walks the nodes newest
//! first, summing gradients where a tensor fans out. Backward closures are
//! built from ordinary ops, so they run on any device and an outer tape can
//! record them (gradients of gradients).

mod tape;

pub use tape::{any_tape_recording, record, watch_variable_read, without_recording, Tape};

use crate::{Result, Tensor};

/// Maps the output gradient to one gradient per input; `needed[i]` says
/// whether input `i` leads to a requested source (others may be `None`).
pub type BackwardFn = Box<dyn Fn(&Tensor, &[bool]) -> Result<Vec<Option<Tensor>>> + Send + Sync>;
