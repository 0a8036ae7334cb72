//! Reductions over any set of axes: a workgroup tree per output, split
//! into chunks and finished by further passes when there are few outputs
//! and long runs; one invocation per output when runs are short.

use super::launch::{groups_for, Launch};
use super::pipelines::{Shader, COMMON};
use super::strided::{check_bounds, coalesce, signed_word, word, MAX_RANK};
use super::GpuStorage;
use crate::ops::kinds::ReduceOp;
use crate::{bail, DType, Layout, Result};

const REDUCE: &str = include_str!("shaders/reduce.wgsl");
const REDUCE_F32: Shader = Shader {
    name: "reduce_f32",
    parts: &[
        COMMON,
        "fn nan_of(x: T) -> bool { return is_nan(x); }",
        REDUCE,
    ],
    ty: "f32",
};
const REDUCE_I32: Shader = Shader {
    name: "reduce_i32",
    parts: &[COMMON, "fn nan_of(x: T) -> bool { return false; }", REDUCE],
    ty: "i32",
};
const ARG_REDUCE: Shader = Shader {
    name: "arg_reduce",
    parts: &[COMMON, include_str!("shaders/argreduce.wgsl")],
    ty: "",
};

/// Reduced runs up to this long fold serially, one invocation per output.
const SERIAL_MAX: usize = 16;
/// Elements one workgroup folds per chunk when outputs are few.
const CHUNK: usize = 4096;
/// Outputs enough to keep a GPU busy without chunking.
const BUSY_OUTPUTS: usize = 256;

/// Kept and reduced axes, each merged where contiguous.
struct Split {
    offset: usize,
    kept: (Vec<usize>, Vec<isize>),
    reduced: (Vec<usize>, Vec<isize>),
}

impl Split {
    fn new(layout: &Layout, axes: &[usize]) -> Split {
        let pick = |keep: bool| -> (Vec<usize>, Vec<isize>) {
            let chosen: Vec<usize> = (0..layout.dims().len())
                .filter(|a| axes.contains(a) != keep)
                .collect();
            let dims: Vec<usize> = chosen.iter().map(|&a| layout.dims()[a]).collect();
            let strides: Vec<isize> = chosen.iter().map(|&a| layout.strides()[a]).collect();
            let s = coalesce(&dims, &[(0, &strides)]);
            let strides = s
                .operands
                .into_iter()
                .next()
                .map(|o| o.1)
                .unwrap_or_default();
            (s.dims, strides)
        };
        Split {
            offset: layout.offset(),
            kept: pick(true),
            reduced: pick(false),
        }
    }

    /// A contiguous `[outer, inner]` buffer reduced over its rows.
    fn rows(outer: usize, inner: usize) -> Split {
        Split {
            offset: 0,
            kept: (vec![outer], vec![inner as isize]),
            reduced: (vec![inner], vec![1]),
        }
    }

    fn outer(&self) -> usize {
        self.kept.0.iter().product()
    }

    fn inner(&self) -> usize {
        self.reduced.0.iter().product()
    }

    /// The parameter block of reduce.wgsl.
    fn params(&self, chunk: usize, chunks: usize, identity: i32) -> Result<Vec<i32>> {
        if self.kept.0.len() > MAX_RANK || self.reduced.0.len() > MAX_RANK {
            bail!(
                Unsupported,
                "GPU reductions take at most {MAX_RANK} non-mergeable kept and reduced axes"
            );
        }
        let mut p = vec![
            word(self.outer())?,
            word(self.inner())?,
            word(chunk)?,
            word(chunks)?,
            identity,
            self.kept.0.len() as i32,
            self.reduced.0.len() as i32,
            word(self.offset)?,
        ];
        for (dims, strides) in [&self.kept, &self.reduced] {
            let mut d = [0i32; MAX_RANK];
            let mut s = [0i32; MAX_RANK];
            for (i, (&dim, &stride)) in dims.iter().zip(strides).enumerate() {
                d[i] = word(dim)?;
                s[i] = signed_word(stride)?;
            }
            p.extend(d);
            p.extend(s);
        }
        Ok(p)
    }
}

/// The fold's starting value, as the bits of one word.
fn identity(op: ReduceOp, dtype: DType) -> i32 {
    match (op, dtype) {
        (ReduceOp::Sum, _) => 0,
        (ReduceOp::Prod, DType::F32) => 1.0f32.to_bits() as i32,
        (ReduceOp::Prod, _) => 1,
        (ReduceOp::Max, DType::F32) => f32::NEG_INFINITY.to_bits() as i32,
        (ReduceOp::Max, _) => i32::MIN,
        (_, DType::F32) => f32::INFINITY.to_bits() as i32,
        _ => i32::MAX,
    }
}

/// `OP` codes of reduce.wgsl.
fn op_code(op: ReduceOp) -> u32 {
    match op {
        ReduceOp::Sum => 0,
        ReduceOp::Prod => 1,
        ReduceOp::Max => 2,
        _ => 3,
    }
}

fn check_axes(layout: &Layout, axes: &[usize], op: ReduceOp) -> Result<()> {
    let rank = layout.dims().len();
    let sorted = axes.windows(2).all(|w| w[0] < w[1]);
    if !sorted || axes.iter().any(|&a| a >= rank) {
        bail!(
            Value,
            "{op:?}: axes {axes:?} must be sorted, unique and below rank {rank}"
        );
    }
    Ok(())
}

impl GpuStorage {
    pub fn reduce(&self, op: ReduceOp, layout: &Layout, axes: &[usize]) -> Result<GpuStorage> {
        check_bounds(layout, self.len, "reduce")?;
        check_axes(layout, axes, op)?;
        let (shader, code) = match (self.dtype, op) {
            (DType::Bool, _) => bail!(
                DType,
                "{op:?} is not defined for bool tensors; cast them first"
            ),
            (_, ReduceOp::ArgMax | ReduceOp::ArgMin) => return self.arg_reduce(op, layout, axes),
            (DType::F32, _) => (REDUCE_F32, op_code(op)),
            _ => (REDUCE_I32, op_code(op)),
        };
        let ctx = self.ctx;
        let mut split = Split::new(layout, axes);
        let outer = split.outer();
        let out = GpuStorage::alloc(ctx, self.dtype, outer)?;
        if outer == 0 {
            return Ok(out);
        }
        let ident = identity(op, self.dtype);
        let constants = [("OP", code)];
        let mut launch = Launch::new(ctx);
        if split.inner() <= SERIAL_MAX {
            let pipeline = launch.pipeline(shader, "reduce_serial", &constants)?;
            let params = split.params(1, 1, ident)?;
            launch.dispatch(
                &pipeline,
                &params,
                &[&self.buffer, &out.buffer],
                groups_for(outer),
            )?;
            launch.submit()?;
            return Ok(out);
        }
        let pipeline = launch.pipeline(shader, "reduce_tree", &constants)?;
        // Passes over chunks of the runs until one chunk covers each run;
        // partial results live in scratch buffers, kept until submitted.
        let mut scratch = Vec::new();
        let mut src = self.buffer.clone();
        loop {
            let inner = split.inner();
            let chunks = if outer < BUSY_OUTPUTS {
                inner.div_ceil(CHUNK).max(1)
            } else {
                1
            };
            let params = split.params(inner.div_ceil(chunks).max(1), chunks, ident)?;
            let groups = (outer * chunks) as u64;
            if chunks == 1 {
                launch.dispatch(&pipeline, &params, &[&src, &out.buffer], groups)?;
                break;
            }
            let partial = GpuStorage::alloc(ctx, self.dtype, outer * chunks)?;
            launch.dispatch(&pipeline, &params, &[&src, &partial.buffer], groups)?;
            src = partial.buffer.clone();
            scratch.push(partial);
            split = Split::rows(outer, chunks);
        }
        launch.submit()?;
        drop(scratch);
        Ok(out)
    }

    fn arg_reduce(&self, op: ReduceOp, layout: &Layout, axes: &[usize]) -> Result<GpuStorage> {
        let &[axis] = axes else {
            bail!(Value, "{op:?} reduces exactly one axis, got {axes:?}");
        };
        let len = layout.dims()[axis];
        if len == 0 {
            bail!(Value, "{op:?}: attempt to get the index of an empty axis");
        }
        let mut split = Split::new(layout, axes);
        // The kernel walks the one axis by its stride, unmerged.
        split.reduced = (vec![len], vec![layout.strides()[axis]]);
        let outer = split.outer();
        let out = GpuStorage::alloc(self.ctx, DType::I64, outer)?;
        if outer == 0 {
            return Ok(out);
        }
        let code = u32::from(op == ReduceOp::ArgMin);
        let mut launch = Launch::new(self.ctx);
        let shader = ARG_REDUCE.typed(super::elementwise::wgsl_type(self.dtype));
        let pipeline = launch.pipeline(shader, "arg_reduce", &[("OP", code)])?;
        let params = split.params(len, 1, 0)?;
        launch.dispatch(
            &pipeline,
            &params,
            &[&self.buffer, &out.buffer],
            outer as u64,
        )?;
        launch.submit()?;
        Ok(out)
    }
}
