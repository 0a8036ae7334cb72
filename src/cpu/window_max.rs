//! Max pooling's routing on the host: per channel, each window's first
//! maximum of `x` (NaN wins, as `max` propagates it). `argmax_gather`
//! reads a second tensor there (max pooling itself when that is `x`);
//! `argmax_scatter`, its adjoint, adds gradients back there.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::alloc::{output_buffer, written_buffer};
use super::window::floats;
use super::{elements, simd, CpuStorage};
use crate::ops::conv::{Window, Window3};
use crate::{Layout, Result};

/// Floats per rayon task: smaller tasks cost more to schedule than to scan.
const TASK_FLOATS: usize = 1 << 14;

/// Per channel, where one window takes its first maximum of `x`.
struct FirstMax {
    best: Vec<f32>,
    /// The winning tap, an index into `runs` (`u32::MAX` for a window
    /// wholly in padding).
    at: Vec<u32>,
    /// Each real tap's channel run: its offset into the image.
    runs: Vec<usize>,
}

impl FirstMax {
    fn new(channels: usize) -> FirstMax {
        FirstMax {
            best: vec![0.0; channels],
            at: vec![u32::MAX; channels],
            runs: Vec::new(),
        }
    }

    fn scan(&mut self, image: &[f32], w: &Window3, o: [usize; 3]) {
        let c = self.best.len();
        // What a window wholly in padding reads; any real tap replaces it.
        self.best.fill(0.0);
        self.at.fill(u32::MAX);
        self.runs.clear();
        for k0 in 0..w.kernel[0] {
            let Some(i0) = w.source(0, o[0], k0) else {
                continue;
            };
            for k1 in 0..w.kernel[1] {
                let Some(i1) = w.source(1, o[1], k1) else {
                    continue;
                };
                for k2 in 0..w.kernel[2] {
                    let Some(i2) = w.source(2, o[2], k2) else {
                        continue;
                    };
                    let run = ((i0 * w.input[1] + i1) * w.input[2] + i2) * c;
                    let tap = self.runs.len() as u32;
                    self.runs.push(run);
                    simd::first_max_step(&image[run..run + c], tap, &mut self.best, &mut self.at);
                }
            }
        }
    }

    /// Channel `ch`'s winning element as an offset into the image.
    fn element(&self, ch: usize) -> Option<usize> {
        let tap = self.at[ch];
        (tap != u32::MAX).then(|| self.runs[tap as usize] + ch)
    }
}

/// Window position `p` of one image as three spatial indices.
fn position(w: &Window3, p: usize) -> [usize; 3] {
    [
        p / (w.output[1] * w.output[2]),
        p / w.output[2] % w.output[1],
        p % w.output[2],
    ]
}

impl CpuStorage {
    /// `(N, *O, C)`: `values` (laid out as `self`) at each window's first
    /// maximum of `self`; a window wholly in padding reads 0.
    pub fn argmax_gather(
        &self,
        layout: &Layout,
        values: &CpuStorage,
        values_layout: &Layout,
        window: &Window,
    ) -> Result<CpuStorage> {
        // Max pooling itself: the values are the maxima found.
        let pooling = std::ptr::eq(self, values) && layout == values_layout;
        let x = elements(floats(self, "argmax_gather")?, layout);
        let v = elements(floats(values, "argmax_gather")?, values_layout);
        let w = window.dims3();
        let (c, positions) = (window.channels, window.positions());
        let image = w.input.iter().product::<usize>() * c;
        if c == 0 {
            return Ok(CpuStorage::F32(Vec::new()));
        }
        let fill = |out: &mut [MaybeUninit<f32>]| {
            out.par_chunks_mut(c)
                .with_min_len((TASK_FLOATS / c).max(1))
                .enumerate()
                .for_each_init(
                    || FirstMax::new(c),
                    |first, (r, dst)| {
                        let (n, p) = (r / positions, r % positions);
                        let images = n * image..(n + 1) * image;
                        first.scan(&x[images.clone()], &w, position(&w, p));
                        let v = &v[images];
                        for (ch, d) in dst.iter_mut().enumerate() {
                            d.write(match first.element(ch) {
                                Some(_) if pooling => first.best[ch],
                                Some(e) => v[e],
                                None => 0.0,
                            });
                        }
                    },
                )
        };
        // SAFETY: every row of `c` outputs is written, one per channel.
        let out = unsafe { written_buffer(window.batch * positions * c, fill) };
        Ok(CpuStorage::F32(out))
    }

    /// `(N, *S, C)`: zeros, with each `(N, *O, C)` gradient added at its
    /// window's first maximum of `self`. Images run in parallel (windows
    /// overlap only within one).
    pub fn argmax_scatter(
        &self,
        layout: &Layout,
        grads: &CpuStorage,
        grads_layout: &Layout,
        window: &Window,
    ) -> Result<CpuStorage> {
        let x = elements(floats(self, "argmax_scatter")?, layout);
        let g = elements(floats(grads, "argmax_scatter")?, grads_layout);
        let w = window.dims3();
        let (c, positions) = (window.channels, window.positions());
        let image = w.input.iter().product::<usize>() * c;
        let mut out = output_buffer::<f32>(window.batch * image);
        if image == 0 {
            return Ok(CpuStorage::F32(out));
        }
        out.par_chunks_mut(image).enumerate().for_each_init(
            || FirstMax::new(c),
            |first, (n, dst)| {
                let x = &x[n * image..(n + 1) * image];
                for p in 0..positions {
                    first.scan(x, &w, position(&w, p));
                    let row = &g[(n * positions + p) * c..][..c];
                    for (ch, &grad) in row.iter().enumerate() {
                        if let Some(e) = first.element(ch) {
                            dst[e] += grad;
                        }
                    }
                }
            },
        );
        Ok(CpuStorage::F32(out))
    }
}
