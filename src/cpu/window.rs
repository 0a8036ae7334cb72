//! `unfold` (im2col) and `fold` (col2im) on the host: memory-bound copies
//! of channel runs, parallel over window positions (unfold) or images
//! (fold, whose windows overlap only within one image).

use rayon::prelude::*;

use super::alloc::output_buffer;
use super::{elements, CpuStorage};
use crate::ops::conv::{Window, Window3};
use crate::{bail, Layout, Result};

/// Floats per rayon task: smaller tasks cost more to schedule than to copy.
const TASK_FLOATS: usize = 1 << 14;

/// The float32 data of `storage`, or an error naming `op`.
pub(super) fn floats<'a>(storage: &'a CpuStorage, op: &str) -> Result<&'a Vec<f32>> {
    match storage {
        CpuStorage::F32(v) => Ok(v),
        other => bail!(DType, "{op} takes float32, got {}", other.dtype()),
    }
}

impl CpuStorage {
    pub fn unfold(&self, layout: &Layout, window: &Window, pad: f32) -> Result<CpuStorage> {
        let src = elements(floats(self, "unfold")?, layout);
        let w = window.dims3();
        let (c, taps, positions) = (window.channels, window.taps(), window.positions());
        let row = taps * c;
        let mut out = output_buffer::<f32>(window.batch * positions * row);
        if row == 0 {
            return Ok(CpuStorage::F32(out));
        }
        let image = w.input.iter().product::<usize>() * c;
        // One task per line of positions along the last spatial dim: the
        // first two dims' bounds checks are then made once per line.
        let line = w.output[2] * row;
        let lines_per_image = w.output[0] * w.output[1];
        out.par_chunks_mut(line)
            .with_min_len((TASK_FLOATS / line).max(1))
            .enumerate()
            .for_each(|(l, line)| {
                let (n, o0, o1) = (
                    l / lines_per_image,
                    l / w.output[1] % w.output[0],
                    l % w.output[1],
                );
                let base = &src[n * image..(n + 1) * image];
                let mut tap = 0;
                for k0 in 0..w.kernel[0] {
                    let i0 = w.source(0, o0, k0);
                    for k1 in 0..w.kernel[1] {
                        let i1 = w.source(1, o1, k1);
                        let taps = tap * c..(tap + w.kernel[2]) * c;
                        tap += w.kernel[2];
                        let (Some(i0), Some(i1)) = (i0, i1) else {
                            for patch in line.chunks_mut(row) {
                                patch[taps.clone()].fill(pad);
                            }
                            continue;
                        };
                        let input_row =
                            &base[(i0 * w.input[1] + i1) * w.input[2] * c..][..w.input[2] * c];
                        for (o2, patch) in line.chunks_mut(row).enumerate() {
                            copy_taps(&mut patch[taps.clone()], input_row, &w, o2, c, pad);
                        }
                    }
                }
            });
        Ok(CpuStorage::F32(out))
    }

    pub fn fold(&self, layout: &Layout, window: &Window) -> Result<CpuStorage> {
        let src = elements(floats(self, "fold")?, layout);
        let w = window.dims3();
        let (c, taps, positions) = (window.channels, window.taps(), window.positions());
        let image = w.input.iter().product::<usize>() * c;
        let mut out = output_buffer::<f32>(window.batch * image);
        if image == 0 {
            return Ok(CpuStorage::F32(out));
        }
        let patches = positions * taps * c;
        out.par_chunks_mut(image).enumerate().for_each(|(n, img)| {
            let image_patches = &src[n * patches..(n + 1) * patches];
            let mut tap = 0;
            for o0 in 0..w.output[0] {
                for o1 in 0..w.output[1] {
                    for o2 in 0..w.output[2] {
                        for k0 in 0..w.kernel[0] {
                            let i0 = w.source(0, o0, k0);
                            for k1 in 0..w.kernel[1] {
                                let i1 = w.source(1, o1, k1);
                                for k2 in 0..w.kernel[2] {
                                    let read = &image_patches[tap * c..(tap + 1) * c];
                                    tap += 1;
                                    if let (Some(i0), Some(i1), Some(i2)) =
                                        (i0, i1, w.source(2, o2, k2))
                                    {
                                        let at = ((i0 * w.input[1] + i1) * w.input[2] + i2) * c;
                                        for (d, s) in img[at..at + c].iter_mut().zip(read) {
                                            *d += s;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
        Ok(CpuStorage::F32(out))
    }
}

/// The last spatial dim's taps of position `o2` from one input row (its
/// `input[2]` channel runs): one copy when they are adjacent and inside the
/// row, as for undilated windows away from the padding.
fn copy_taps(dst: &mut [f32], input_row: &[f32], w: &Window3, o2: usize, c: usize, pad: f32) {
    let (kernel, dilation) = (w.kernel[2], w.dilation[2]);
    let first = (o2 * w.strides[2]).checked_sub(w.pad_before[2]);
    match first {
        Some(i2) if dilation == 1 && i2 + kernel <= w.input[2] => {
            let src = &input_row[i2 * c..(i2 + kernel) * c];
            for (d, s) in dst.iter_mut().zip(src) {
                *d = *s;
            }
        }
        _ => {
            for (k2, dst) in dst.chunks_mut(c).enumerate() {
                match w.source(2, o2, k2) {
                    Some(i2) => dst.copy_from_slice(&input_row[i2 * c..(i2 + 1) * c]),
                    None => dst.fill(pad),
                }
            }
        }
    }
}
