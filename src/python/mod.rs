//! The PyO3 bindings: the `rkeras._core` extension module. A thin skin: it
//! converts arguments, releases the GIL around kernels and maps errors.

mod convert;
mod device;
mod errors;
mod indexing;
mod ops_conv;
mod ops_creation;
mod ops_math;
mod ops_nn;
mod ops_reduce;
mod ops_rnn;
mod ops_shape;
mod optim;
mod plan;
mod random;
mod tape;
mod tensor;
mod variable;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    crate::cpu::alloc::keep_freed_memory();
    m.add_class::<tensor::PyTensor>()?;
    m.add_class::<variable::PyVariable>()?;
    m.add_class::<tape::PyTape>()?;
    ops_math::register(m)?;
    ops_nn::register(m)?;
    ops_conv::register(m)?;
    ops_rnn::register(m)?;
    ops_reduce::register(m)?;
    ops_shape::register(m)?;
    ops_creation::register(m)?;
    random::register(m)?;
    device::register(m)?;
    optim::register(m)?;
    plan::register(m)?;
    Ok(())
}
