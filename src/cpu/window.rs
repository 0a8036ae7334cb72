//! `unfold` (im2col) and `fold` (col2im) on the host: memory-bound copies
//! of channel runs, parallel over window positions (unfold) or images
//! (fold, whose windows overlap only within one image).

use rayon::prelude::*;

use super::alloc::output_buffer;
use super::{elements, CpuStorage};
use crate::ops::conv::Window;
use crate::{bail, Layout, Result};

/// Floats per rayon task: smaller tasks cost more to schedule than to copy.
const TASK_FLOATS: usize = 1 << 14;

fn floats<'a>(storage: &'a CpuStorage, op: &str) -> Result<&'a Vec<f32>> {
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
        out.par_chunks_mut(row)
            .with_min_len((TASK_FLOATS / row).max(1))
            .enumerate()
            .for_each(|(r, patch)| {
                let (n, p) = (r / positions, r % positions);
                let o = [
                    p / (w.output[1] * w.output[2]),
                    p / w.output[2] % w.output[1],
                    p % w.output[2],
                ];
                let base = &src[n * image..(n + 1) * image];
                let mut tap = 0;
                for k0 in 0..w.kernel[0] {
                    let i0 = w.source(0, o[0], k0);
                    for k1 in 0..w.kernel[1] {
                        let i1 = w.source(1, o[1], k1);
                        for k2 in 0..w.kernel[2] {
                            let dst = &mut patch[tap * c..(tap + 1) * c];
                            tap += 1;
                            match (i0, i1, w.source(2, o[2], k2)) {
                                (Some(i0), Some(i1), Some(i2)) => {
                                    let at = ((i0 * w.input[1] + i1) * w.input[2] + i2) * c;
                                    dst.copy_from_slice(&base[at..at + c]);
                                }
                                _ => dst.fill(pad),
                            }
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
