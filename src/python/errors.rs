//! Maps engine errors onto the Python exceptions Keras users expect.

use pyo3::exceptions::{
    PyIndexError, PyNotImplementedError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::PyErr;

use crate::Error;

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        match e {
            Error::Shape(m) | Error::Value(m) => PyValueError::new_err(m),
            Error::DType(m) => PyTypeError::new_err(m),
            Error::Index(m) => PyIndexError::new_err(m),
            Error::Device(m) => PyRuntimeError::new_err(m),
            Error::Unsupported(m) => PyNotImplementedError::new_err(m),
        }
    }
}
