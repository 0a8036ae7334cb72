//! Device selection from Python.

use pyo3::prelude::*;

use crate::Device;

/// Makes `name` (`"cpu"`, `"gpu"`, `"gpu:N"`) the default device; fails
/// with the reason if it is not available.
#[pyfunction]
pub fn set_device(name: &str) -> PyResult<()> {
    Ok(crate::set_default_device(Device::parse(name)?)?)
}

/// The device new tensors go to.
#[pyfunction]
pub fn get_device() -> String {
    crate::default_device().to_string()
}

#[pyfunction]
pub fn push_device_scope(name: &str) -> PyResult<()> {
    Ok(crate::push_device_scope(Device::parse(name)?)?)
}

#[pyfunction]
pub fn pop_device_scope() {
    crate::pop_device_scope();
}

/// Whether `gpu:ordinal` exists (a wgpu adapter was found).
#[pyfunction]
#[pyo3(signature = (ordinal=0))]
pub fn gpu_available(ordinal: usize) -> bool {
    crate::gpu::is_available(ordinal)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(set_device, m)?)?;
    m.add_function(wrap_pyfunction!(get_device, m)?)?;
    m.add_function(wrap_pyfunction!(push_device_scope, m)?)?;
    m.add_function(wrap_pyfunction!(pop_device_scope, m)?)?;
    m.add_function(wrap_pyfunction!(gpu_available, m)?)?;
    Ok(())
}
