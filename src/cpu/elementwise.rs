//! Elementwise kernels: unary maps, broadcast binary maps and `where`.

use rayon::prelude::*;

use std::mem::MaybeUninit;

use super::alloc::written_buffer;
use super::{elements, math, simd, Arith, CpuStorage, CHUNK, PARALLEL_THRESHOLD};
use crate::ops::kinds::{BinaryOp, UnaryOp};
use crate::{bail, Layout, Result};

impl CpuStorage {
    pub fn unary(&self, op: UnaryOp, layout: &Layout) -> Result<CpuStorage> {
        Ok(match self {
            CpuStorage::F32(v) => CpuStorage::F32(unary_f32(op, &elements(v, layout))),
            CpuStorage::I32(v) => CpuStorage::I32(unary_int(op, &elements(v, layout))?),
            CpuStorage::I64(v) => CpuStorage::I64(unary_int(op, &elements(v, layout))?),
            CpuStorage::Bool(v) => match op {
                UnaryOp::Not => CpuStorage::Bool(map_parallel(&elements(v, layout), |x: bool| !x)),
                _ => bail!(DType, "{op:?} is not defined for bool tensors"),
            },
        })
    }

    pub fn binary(
        &self,
        op: BinaryOp,
        lhs: &Layout,
        rhs: &CpuStorage,
        rhs_layout: &Layout,
    ) -> Result<CpuStorage> {
        use CpuStorage as S;
        let (l, r) = (lhs, rhs_layout);
        let is_cmp = op.yields_bool() && !matches!(op, BinaryOp::LogicalAnd | BinaryOp::LogicalOr);
        Ok(match (self, rhs) {
            (S::F32(a), S::F32(b)) if is_cmp => S::Bool(compare(op, a, l, b, r)),
            (S::I32(a), S::I32(b)) if is_cmp => S::Bool(compare(op, a, l, b, r)),
            (S::I64(a), S::I64(b)) if is_cmp => S::Bool(compare(op, a, l, b, r)),
            (S::Bool(a), S::Bool(b)) if is_cmp => S::Bool(compare(op, a, l, b, r)),
            (S::F32(a), S::F32(b)) => S::F32(float_binary(op, a, l, b, r)),
            (S::I32(a), S::I32(b)) => S::I32(int_binary(op, a, l, b, r)),
            (S::I64(a), S::I64(b)) => S::I64(int_binary(op, a, l, b, r)),
            (S::Bool(a), S::Bool(b)) => S::Bool(bool_binary(op, a, l, b, r)?),
            _ => bail!(
                DType,
                "{op:?}: operands have different dtypes ({} and {})",
                self.dtype(),
                rhs.dtype()
            ),
        })
    }

    pub fn select(
        &self,
        layout: &Layout,
        on_true: (&CpuStorage, &Layout),
        on_false: (&CpuStorage, &Layout),
    ) -> Result<CpuStorage> {
        let CpuStorage::Bool(cond) = self else {
            bail!(
                DType,
                "where: the condition must be bool, got {}",
                self.dtype()
            );
        };
        let cond = elements(cond, layout);
        fn pick<T: Copy>(cond: &[bool], t: &[T], tl: &Layout, f: &[T], fl: &Layout) -> Vec<T> {
            let t = elements(t, tl);
            let f = elements(f, fl);
            cond.iter()
                .zip(t.iter().zip(f.iter()))
                .map(|(&c, (&t, &f))| if c { t } else { f })
                .collect()
        }
        use CpuStorage as S;
        Ok(match (on_true.0, on_false.0) {
            (S::F32(t), S::F32(f)) => S::F32(pick(&cond, t, on_true.1, f, on_false.1)),
            (S::I32(t), S::I32(f)) => S::I32(pick(&cond, t, on_true.1, f, on_false.1)),
            (S::I64(t), S::I64(f)) => S::I64(pick(&cond, t, on_true.1, f, on_false.1)),
            (S::Bool(t), S::Bool(f)) => S::Bool(pick(&cond, t, on_true.1, f, on_false.1)),
            _ => bail!(DType, "where: both branches must have one dtype"),
        })
    }
}

/// The match sits outside the loops, so each arm is its own inlined
/// closure and its own vectorized loop.
fn unary_f32(op: UnaryOp, src: &[f32]) -> Vec<f32> {
    match op {
        UnaryOp::Neg => map_parallel(src, |x: f32| -x),
        UnaryOp::Abs => map_parallel(src, |x: f32| x.abs()),
        UnaryOp::Sign => map_parallel(src, |x: f32| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                x
            }
        }),
        UnaryOp::Exp => map_parallel(src, math::exp),
        UnaryOp::Expm1 => map_parallel(src, math::expm1),
        UnaryOp::Log => map_parallel(src, math::log),
        UnaryOp::Log1p => map_parallel(src, math::log1p),
        UnaryOp::Sqrt => map_parallel(src, |x: f32| x.sqrt()),
        UnaryOp::Square => map_parallel(src, |x: f32| x * x),
        UnaryOp::Recip => map_parallel(src, |x: f32| 1.0 / x),
        UnaryOp::Sin => map_parallel(src, |x: f32| x.sin()),
        UnaryOp::Cos => map_parallel(src, |x: f32| x.cos()),
        UnaryOp::Tanh => map_parallel(src, math::tanh),
        UnaryOp::Sigmoid => map_parallel(src, math::sigmoid),
        // NaN passes through, as in NumPy, JAX and TensorFlow.
        UnaryOp::Relu => map_parallel(src, |x: f32| if x > 0.0 || x.is_nan() { x } else { 0.0 }),
        UnaryOp::Floor => map_parallel(src, |x: f32| x.floor()),
        UnaryOp::Ceil => map_parallel(src, |x: f32| x.ceil()),
        UnaryOp::Round => map_parallel(src, |x: f32| x.round_ties_even()),
        UnaryOp::Erf => map_parallel(src, math::erf),
        UnaryOp::Not => map_parallel(src, |x: f32| (x == 0.0) as u8 as f32),
    }
}

fn unary_int<T>(op: UnaryOp, src: &[T]) -> Result<Vec<T>>
where
    T: Arith + Ord + Default + From<i8>,
{
    let zero = T::default();
    Ok(match op {
        UnaryOp::Neg => map_parallel(src, |x: T| x.neg()),
        // abs(MIN) wraps to MIN, as in NumPy.
        UnaryOp::Abs => map_parallel(src, move |x: T| if x < zero { x.neg() } else { x }),
        UnaryOp::Sign => map_parallel(src, move |x: T| {
            T::from(((x > zero) as i8) - ((x < zero) as i8))
        }),
        UnaryOp::Square => map_parallel(src, |x: T| x.mul(x)),
        UnaryOp::Relu => map_parallel(src, move |x: T| x.max(zero)),
        _ => bail!(
            DType,
            "{op:?} needs a float tensor; cast integers to float32 first"
        ),
    })
}

fn float_binary(op: BinaryOp, a: &[f32], al: &Layout, b: &[f32], bl: &Layout) -> Vec<f32> {
    match op {
        BinaryOp::Add => broadcast_map(a, al, b, bl, |x: f32, y: f32| x + y),
        BinaryOp::Sub => broadcast_map(a, al, b, bl, |x: f32, y: f32| x - y),
        BinaryOp::Mul => broadcast_map(a, al, b, bl, |x: f32, y: f32| x * y),
        BinaryOp::Div => broadcast_map(a, al, b, bl, |x: f32, y: f32| x / y),
        BinaryOp::Pow => broadcast_map(a, al, b, bl, |x: f32, y: f32| x.powf(y)),
        // NaN propagates, as in NumPy.
        BinaryOp::Maximum => broadcast_map(
            a,
            al,
            b,
            bl,
            |x: f32, y: f32| if x.is_nan() || x > y { x } else { y },
        ),
        BinaryOp::Minimum => broadcast_map(
            a,
            al,
            b,
            bl,
            |x: f32, y: f32| if x.is_nan() || x < y { x } else { y },
        ),
        _ => unreachable!("comparisons are handled by CpuStorage::binary"),
    }
}

fn int_binary<T>(op: BinaryOp, a: &[T], al: &Layout, b: &[T], bl: &Layout) -> Vec<T>
where
    T: Arith + Ord + Default + num_like::IntOps,
{
    match op {
        BinaryOp::Add => broadcast_map(a, al, b, bl, |x: T, y: T| x.add(y)),
        BinaryOp::Sub => broadcast_map(a, al, b, bl, |x: T, y: T| x.sub(y)),
        BinaryOp::Mul => broadcast_map(a, al, b, bl, |x: T, y: T| x.mul(y)),
        BinaryOp::Div => broadcast_map(a, al, b, bl, |x: T, y: T| x.floor_div(y)),
        BinaryOp::Pow => broadcast_map(a, al, b, bl, |x: T, y: T| x.int_pow(y)),
        BinaryOp::Maximum => broadcast_map(a, al, b, bl, |x: T, y: T| x.max(y)),
        BinaryOp::Minimum => broadcast_map(a, al, b, bl, |x: T, y: T| x.min(y)),
        _ => unreachable!("comparisons are handled by CpuStorage::binary"),
    }
}

fn bool_binary(
    op: BinaryOp,
    a: &[bool],
    al: &Layout,
    b: &[bool],
    bl: &Layout,
) -> Result<Vec<bool>> {
    Ok(match op {
        BinaryOp::LogicalAnd => broadcast_map(a, al, b, bl, |x: bool, y: bool| x && y),
        BinaryOp::LogicalOr => broadcast_map(a, al, b, bl, |x: bool, y: bool| x || y),
        _ => bail!(
            DType,
            "{op:?} is not defined for bool tensors; cast them first"
        ),
    })
}

fn compare<T: PartialOrd + Copy + Send + Sync>(
    op: BinaryOp,
    a: &[T],
    al: &Layout,
    b: &[T],
    bl: &Layout,
) -> Vec<bool> {
    match op {
        BinaryOp::Equal => broadcast_map(a, al, b, bl, |x: T, y: T| x == y),
        BinaryOp::NotEqual => broadcast_map(a, al, b, bl, |x: T, y: T| x != y),
        BinaryOp::Less => broadcast_map(a, al, b, bl, |x: T, y: T| x < y),
        BinaryOp::LessEqual => broadcast_map(a, al, b, bl, |x: T, y: T| x <= y),
        BinaryOp::Greater => broadcast_map(a, al, b, bl, |x: T, y: T| x > y),
        BinaryOp::GreaterEqual => broadcast_map(a, al, b, bl, |x: T, y: T| x >= y),
        _ => unreachable!("only comparisons reach compare"),
    }
}

/// Integer helpers that differ between i32 and i64 only by type.
mod num_like {
    pub trait IntOps: Sized {
        fn floor_div(self, b: Self) -> Self;
        fn int_pow(self, b: Self) -> Self;
    }
    macro_rules! int_ops {
        ($t:ty) => {
            impl IntOps for $t {
                fn floor_div(self, b: Self) -> Self {
                    if b == 0 {
                        0
                    } else {
                        // Floor division, as NumPy's `//` (MIN // -1 wraps).
                        let q = self.wrapping_div(b);
                        if (self.wrapping_rem(b) != 0) && ((self < 0) != (b < 0)) {
                            q - 1
                        } else {
                            q
                        }
                    }
                }
                fn int_pow(self, b: Self) -> Self {
                    if b < 0 {
                        0
                    } else {
                        self.wrapping_pow(b as u32)
                    }
                }
            }
        };
    }
    int_ops!(i32);
    int_ops!(i64);
}

/// `f` over every element.
pub(crate) fn map_parallel<T, U, F>(src: &[T], f: F) -> Vec<U>
where
    T: Copy + Send + Sync,
    U: Copy + Send + Sync,
    F: Fn(T) -> U + Copy + Send + Sync,
{
    let fill = |out: &mut [MaybeUninit<U>]| {
        if src.len() < PARALLEL_THRESHOLD {
            simd::map(src, out, f);
        } else {
            out.par_chunks_mut(CHUNK)
                .zip(src.par_chunks(CHUNK))
                .for_each(|(d, s)| simd::map(s, d, f));
        }
    };
    // SAFETY: `map` writes every element of each chunk from its source
    // chunk of the same length.
    unsafe { written_buffer(src.len(), fill) }
}

/// `f` over two layouts of one shape (broadcast operands have stride 0).
/// Works a row (the last axis, after merging the dims both operands walk
/// as one) at a time so the inner loop is a SIMD loop over slices, a slice
/// and a scalar, or a gathered row.
fn broadcast_map<T, U, F>(a: &[T], al: &Layout, b: &[T], bl: &Layout, f: F) -> Vec<U>
where
    T: Copy + Send + Sync,
    U: Copy + Send + Sync,
    F: Fn(T, T) -> U + Copy + Send + Sync,
{
    let n = al.numel();
    if let (Some(ra), Some(rb)) = (al.contiguous_range(), bl.contiguous_range()) {
        let (a, b) = (&a[ra], &b[rb]);
        let fill = |out: &mut [MaybeUninit<U>]| {
            if n < PARALLEL_THRESHOLD {
                simd::zip_map(a, b, out, f);
            } else {
                out.par_chunks_mut(CHUNK)
                    .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
                    .for_each(|(d, (x, y))| simd::zip_map(x, y, d, f));
            }
        };
        // SAFETY: `zip_map` writes every element of each chunk from source
        // chunks of the same length (both operands have `n` elements).
        return unsafe { written_buffer(n, fill) };
    }
    if n == 0 {
        return Vec::new();
    }
    // Coalesced layouts have at least one dim.
    let (al, bl) = al.coalesced_with(bl);
    let last = al.dims().len() - 1;
    let row = al.dims()[last];
    let starts: Vec<(usize, usize)> = al
        .select(last, 0)
        .offsets()
        .zip(bl.select(last, 0).offsets())
        .collect();
    let (sa, sb) = (al.strides()[last], bl.strides()[last]);
    let run = |(dst, &(oa, ob)): (&mut [MaybeUninit<U>], &(usize, usize))| {
        let ra = row_of(a, oa, sa, row);
        let rb = row_of(b, ob, sb, row);
        match (&ra, &rb) {
            (Row::Slice(x), Row::Slice(y)) => simd::zip_map(x, y, dst, f),
            (Row::Slice(x), Row::Scalar(y)) => simd::map(x, dst, |v| f(v, *y)),
            (Row::Scalar(x), Row::Slice(y)) => simd::map(y, dst, |v| f(*x, v)),
            (Row::Scalar(x), Row::Scalar(y)) => dst.fill(MaybeUninit::new(f(*x, *y))),
        }
    };
    let fill = |out: &mut [MaybeUninit<U>]| {
        if n < PARALLEL_THRESHOLD {
            out.chunks_mut(row).zip(&starts).for_each(run);
        } else {
            out.par_chunks_mut(row)
                .zip(starts.par_iter())
                .with_min_len((CHUNK / row).max(1))
                .for_each(run);
        }
    };
    // SAFETY: there is one start per row, and each row's kernel writes all
    // `row` elements (slices and gathered rows have `row` elements).
    unsafe { written_buffer(n, fill) }
}

enum Row<'a, T: Clone> {
    Slice(std::borrow::Cow<'a, [T]>),
    Scalar(T),
}

fn row_of<T: Copy>(data: &[T], start: usize, stride: isize, len: usize) -> Row<'_, T> {
    match stride {
        0 => Row::Scalar(data[start]),
        1 => Row::Slice(std::borrow::Cow::Borrowed(&data[start..start + len])),
        s => Row::Slice(std::borrow::Cow::Owned(
            (0..len)
                .map(|i| data[(start as isize + i as isize * s) as usize])
                .collect(),
        )),
    }
}
