//! Element-wise kernels: unary maps, broadcast binary maps, comparisons
//! and `where`. Each op is an override constant, hence its own pipeline.

use super::launch::{groups_for, Launch};
use super::pipelines::{Shader, COMMON, MATH};
use super::strided::{check_bounds, elementwise_params};
use super::GpuStorage;
use crate::ops::kinds::{BinaryOp, UnaryOp};
use crate::{bail, DType, Layout, Result};

const UNARY: Shader = Shader {
    name: "unary",
    parts: &[COMMON, MATH, include_str!("shaders/unary.wgsl")],
    ty: "",
};
const UNARY_INT: Shader = Shader {
    name: "unary_int",
    parts: &[COMMON, include_str!("shaders/unary_int.wgsl")],
    ty: "",
};
const BINARY: Shader = Shader {
    name: "binary",
    parts: &[COMMON, MATH, include_str!("shaders/binary.wgsl")],
    ty: "",
};
const BINARY_INT: Shader = Shader {
    name: "binary_int",
    parts: &[COMMON, include_str!("shaders/binary_int.wgsl")],
    ty: "",
};
const COMPARE: Shader = Shader {
    name: "compare",
    parts: &[COMMON, include_str!("shaders/compare.wgsl")],
    ty: "",
};
const SELECT: Shader = Shader {
    name: "select",
    parts: &[COMMON, include_str!("shaders/select.wgsl")],
    ty: "",
};

/// One kernel invocation per output element: `inputs` are read through
/// their layouts (one shape), the result is a fresh contiguous buffer.
pub(super) fn map(
    shader: Shader,
    entry: &'static str,
    constants: &[(&'static str, u32)],
    inputs: &[(&GpuStorage, &Layout)],
    dtype: DType,
) -> Result<GpuStorage> {
    let ctx = inputs[0].0.ctx;
    let dims = inputs[0].1.dims();
    for (s, l) in inputs {
        inputs[0].0.same_device(s, entry)?;
        check_bounds(l, s.len, entry)?;
        if l.dims() != dims {
            bail!(
                Shape,
                "{entry}: operand shapes differ ({:?} and {:?})",
                dims,
                l.dims()
            );
        }
    }
    let n = inputs[0].1.numel();
    let out = GpuStorage::alloc(ctx, dtype, n)?;
    if n == 0 {
        return Ok(out);
    }
    let layouts: Vec<&Layout> = inputs.iter().map(|(_, l)| *l).collect();
    let params = elementwise_params(&layouts)?;
    let mut launch = Launch::new(ctx);
    let pipeline = launch.pipeline(shader, entry, constants)?;
    let mut buffers: Vec<&wgpu::Buffer> = inputs.iter().map(|(s, _)| &**s.buffer).collect();
    buffers.push(&out.buffer);
    launch.dispatch(&pipeline, &params, &buffers, groups_for(n))?;
    launch.submit()?;
    Ok(out)
}

/// `OP` codes of unary.wgsl.
fn float_code(op: UnaryOp) -> u32 {
    match op {
        UnaryOp::Neg => 0,
        UnaryOp::Abs => 1,
        UnaryOp::Sign => 2,
        UnaryOp::Exp => 3,
        UnaryOp::Expm1 => 4,
        UnaryOp::Log => 5,
        UnaryOp::Log1p => 6,
        UnaryOp::Sqrt => 7,
        UnaryOp::Square => 8,
        UnaryOp::Recip => 9,
        UnaryOp::Sin => 10,
        UnaryOp::Cos => 11,
        UnaryOp::Tanh => 12,
        UnaryOp::Sigmoid => 13,
        UnaryOp::Relu => 14,
        UnaryOp::Floor => 15,
        UnaryOp::Ceil => 16,
        UnaryOp::Round => 17,
        UnaryOp::Erf => 18,
        UnaryOp::Not => 19,
    }
}

/// `OP` codes of unary_int.wgsl, for the ops integers keep.
fn int_code(op: UnaryOp) -> Option<u32> {
    Some(match op {
        UnaryOp::Neg => 0,
        UnaryOp::Abs => 1,
        UnaryOp::Sign => 2,
        UnaryOp::Square => 3,
        UnaryOp::Relu => 4,
        _ => return None,
    })
}

/// `OP` codes of binary.wgsl and binary_int.wgsl, or of compare.wgsl.
fn binary_code(op: BinaryOp) -> u32 {
    match op {
        BinaryOp::Add | BinaryOp::Equal => 0,
        BinaryOp::Sub | BinaryOp::NotEqual => 1,
        BinaryOp::Mul | BinaryOp::Less => 2,
        BinaryOp::Div | BinaryOp::LessEqual => 3,
        BinaryOp::Pow | BinaryOp::Greater => 4,
        BinaryOp::Maximum | BinaryOp::GreaterEqual => 5,
        BinaryOp::Minimum | BinaryOp::LogicalAnd => 6,
        BinaryOp::LogicalOr => 7,
    }
}

/// The WGSL type of a dtype's words.
pub(super) fn wgsl_type(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 => "f32",
        DType::I32 | DType::I64 => "i32",
        DType::Bool => "u32",
    }
}

impl GpuStorage {
    pub fn unary(&self, op: UnaryOp, layout: &Layout) -> Result<GpuStorage> {
        let input = [(self, layout)];
        match (self.dtype, op) {
            (DType::F32, _) => map(
                UNARY,
                "unary",
                &[("OP", float_code(op))],
                &input,
                DType::F32,
            ),
            (DType::Bool, UnaryOp::Not) => {
                map(UNARY_INT, "unary", &[("OP", 5)], &input, DType::Bool)
            }
            (DType::Bool, _) => bail!(DType, "{op:?} is not defined for bool tensors"),
            (dtype, _) => match int_code(op) {
                Some(code) => map(UNARY_INT, "unary", &[("OP", code)], &input, dtype),
                None => bail!(
                    DType,
                    "{op:?} needs a float tensor; cast integers to float32 first"
                ),
            },
        }
    }

    pub fn binary(
        &self,
        op: BinaryOp,
        lhs: &Layout,
        rhs: &GpuStorage,
        rhs_layout: &Layout,
    ) -> Result<GpuStorage> {
        if self.dtype != rhs.dtype {
            bail!(
                DType,
                "{op:?}: operands have different dtypes ({} and {})",
                self.dtype,
                rhs.dtype
            );
        }
        let inputs = [(self, lhs), (rhs, rhs_layout)];
        let code = [("OP", binary_code(op))];
        let logical = matches!(op, BinaryOp::LogicalAnd | BinaryOp::LogicalOr);
        match self.dtype {
            _ if logical && self.dtype != DType::Bool => bail!(
                DType,
                "{op:?} takes bool tensors, got {}; cast them first",
                self.dtype
            ),
            dtype if op.yields_bool() => {
                let shader = COMPARE.typed(wgsl_type(dtype));
                map(shader, "compare", &code, &inputs, DType::Bool)
            }
            DType::F32 => map(BINARY, "binary", &code, &inputs, DType::F32),
            DType::Bool => bail!(
                DType,
                "{op:?} is not defined for bool tensors; cast them first"
            ),
            dtype => map(BINARY_INT, "binary", &code, &inputs, dtype),
        }
    }

    pub fn select(
        &self,
        layout: &Layout,
        on_true: (&GpuStorage, &Layout),
        on_false: (&GpuStorage, &Layout),
    ) -> Result<GpuStorage> {
        if self.dtype != DType::Bool {
            bail!(
                DType,
                "where: the condition must be bool, got {}",
                self.dtype
            );
        }
        if on_true.0.dtype != on_false.0.dtype {
            bail!(DType, "where: both branches must have one dtype");
        }
        let inputs = [(self, layout), on_true, on_false];
        map(SELECT, "select_words", &[], &inputs, on_true.0.dtype)
    }
}
