//! One error type for the whole crate; the Python bindings map each kind to
//! the Python exception a Keras user expects.

/// Everything that can go wrong in an rkeras operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Shapes that do not fit together (Python `ValueError`).
    #[error("{0}")]
    Shape(String),
    /// A bad argument value (Python `ValueError`).
    #[error("{0}")]
    Value(String),
    /// A dtype the operation cannot take (Python `TypeError`).
    #[error("{0}")]
    DType(String),
    /// An index outside its dimension (Python `IndexError`).
    #[error("{0}")]
    Index(String),
    /// The device could not run the operation (Python `RuntimeError`).
    #[error("{0}")]
    Device(String),
    /// Not built yet (Python `NotImplementedError`).
    #[error("{0}")]
    Unsupported(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// `bail!(Shape, "...", args)` returns early with that error kind.
#[macro_export]
macro_rules! bail {
    ($kind:ident, $($arg:tt)*) => {
        return Err($crate::Error::$kind(format!($($arg)*)))
    };
}
