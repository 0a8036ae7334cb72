use std::fmt;

/// Element types. `F32` is the compute type of every floating kernel; the
/// integer types carry indices and labels; `Bool` carries masks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    I32,
    I64,
    Bool,
}

impl DType {
    /// Keras's name for the dtype (`"float32"`, `"int64"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::Bool => "bool",
        }
    }

    /// Parses Keras and NumPy dtype names; wider floats map to float32, the
    /// compute type, as Keras does with its default `floatx`.
    pub fn parse(name: &str) -> Option<DType> {
        Some(match name {
            "float32" | "float64" | "float16" | "bfloat16" | "float" => DType::F32,
            "int32" | "int16" | "int8" | "uint8" | "uint16" => DType::I32,
            "int64" | "int" | "uint32" | "uint64" => DType::I64,
            "bool" => DType::Bool,
            _ => return None,
        })
    }

    pub fn is_float(self) -> bool {
        self == DType::F32
    }

    pub fn is_int(self) -> bool {
        matches!(self, DType::I32 | DType::I64)
    }

    pub fn size_in_bytes(self) -> usize {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::I64 => 8,
            DType::Bool => 1,
        }
    }

    /// The dtype of a binary op's result: bool < int32 < int64 < float32.
    pub fn promote(a: DType, b: DType) -> DType {
        fn rank(d: DType) -> u8 {
            match d {
                DType::Bool => 0,
                DType::I32 => 1,
                DType::I64 => 2,
                DType::F32 => 3,
            }
        }
        if rank(a) >= rank(b) {
            a
        } else {
            b
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
