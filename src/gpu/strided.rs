//! Layouts as kernel parameters. Axes of size 1 are dropped and axes that
//! are contiguous with their neighbour in every operand are merged, so
//! most kernels index a rank-1 or rank-2 problem whatever the tensor rank.

use crate::{bail, Layout, Result};

/// The most axes a kernel indexes after merging (the `8` in common.wgsl).
pub(crate) const MAX_RANK: usize = 8;

/// One shape with each operand's offset and strides.
pub(crate) struct Strided {
    pub dims: Vec<usize>,
    pub operands: Vec<(usize, Vec<isize>)>,
}

/// Merges the axes of layouts that share one shape.
pub(crate) fn coalesce(dims: &[usize], layouts: &[(usize, &[isize])]) -> Strided {
    let mut out_dims: Vec<usize> = Vec::new();
    let mut strides: Vec<Vec<isize>> = vec![Vec::new(); layouts.len()];
    // Walk from the innermost axis, growing the current run when every
    // operand steps over it as one block.
    for axis in (0..dims.len()).rev() {
        let d = dims[axis];
        if d == 1 {
            continue;
        }
        let merges = out_dims.last().is_some_and(|&inner| {
            layouts
                .iter()
                .zip(&strides)
                .all(|((_, s), run)| s[axis] == run.last().copied().unwrap_or(0) * inner as isize)
        });
        if merges {
            *out_dims.last_mut().expect("checked above") *= d;
        } else {
            out_dims.push(d);
            for ((_, s), run) in layouts.iter().zip(strides.iter_mut()) {
                run.push(s[axis]);
            }
        }
    }
    out_dims.reverse();
    let operands = layouts
        .iter()
        .zip(strides)
        .map(|((offset, _), mut run)| {
            run.reverse();
            (*offset, run)
        })
        .collect();
    Strided {
        dims: out_dims,
        operands,
    }
}

/// The element-wise parameter block of common.wgsl: `[n, rank, dims[8],
/// (offset, strides[8]) per operand]`.
pub(crate) fn elementwise_params(layouts: &[&Layout]) -> Result<Vec<i32>> {
    let dims = layouts[0].dims();
    let parts: Vec<(usize, &[isize])> = layouts.iter().map(|l| (l.offset(), l.strides())).collect();
    let s = coalesce(dims, &parts);
    if s.dims.len() > MAX_RANK {
        bail!(
            Unsupported,
            "GPU kernels take at most {MAX_RANK} non-mergeable axes, got shape {:?}",
            dims
        );
    }
    let mut p = vec![word(layouts[0].numel())?, s.dims.len() as i32];
    let mut d = [0i32; MAX_RANK];
    for (slot, &v) in d.iter_mut().zip(&s.dims) {
        *slot = word(v)?;
    }
    p.extend(d);
    for (offset, strides) in &s.operands {
        p.push(word(*offset)?);
        let mut st = [0i32; MAX_RANK];
        for (slot, &v) in st.iter_mut().zip(strides) {
            *slot = signed_word(v)?;
        }
        p.extend(st);
    }
    Ok(p)
}

/// A size or offset as a kernel parameter.
pub(crate) fn word(v: usize) -> Result<i32> {
    match i32::try_from(v) {
        Ok(w) => Ok(w),
        Err(_) => bail!(
            Unsupported,
            "{v} elements exceed what the GPU kernels index (2^31 - 1)"
        ),
    }
}

pub(crate) fn signed_word(v: isize) -> Result<i32> {
    match i32::try_from(v) {
        Ok(w) => Ok(w),
        Err(_) => bail!(
            Unsupported,
            "stride {v} exceeds what the GPU kernels index (2^31 - 1)"
        ),
    }
}

/// Fails unless every element `layout` addresses lies in a buffer of `len`
/// elements, so a bad layout is an error rather than a wrong answer.
pub(crate) fn check_bounds(layout: &Layout, len: usize, op: &str) -> Result<()> {
    if layout.numel() == 0 {
        return Ok(());
    }
    let (mut lo, mut hi) = (layout.offset() as isize, layout.offset() as isize);
    for (&d, &s) in layout.dims().iter().zip(layout.strides()) {
        let reach = (d as isize - 1) * s;
        if reach < 0 {
            lo += reach;
        } else {
            hi += reach;
        }
    }
    if layout.strides().len() != layout.dims().len() || lo < 0 || hi >= len as isize {
        bail!(
            Value,
            "{op}: layout {layout:?} addresses elements outside its storage of {len}"
        );
    }
    Ok(())
}
