//! Sigmoid and tanh on 16 float32 lanes with AVX-512 intrinsics, for the
//! recurrent cells' pointwise passes, where they are most of the work.
//!
//! The portable versions in `math.rs` must stay normal-range floats at
//! every step (two scalings by `2^(n/2)`, a clamp, a NaN select), which
//! LLVM vectorizes but at about three times the instructions. Here
//! `vscalefps` applies `2^n` in one instruction that saturates to 0 and
//! infinity and passes NaN through, and `vroundscaleps` rounds.
//! Accurate to a few ulp, like `math.rs` (checked against float64 in the
//! tests).

#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::{
    __m512, _mm512_add_ps, _mm512_fmadd_ps, _mm512_fnmadd_ps, _mm512_max_ps, _mm512_min_ps,
    _mm512_mul_ps, _mm512_rcp14_ps, _mm512_roundscale_ps, _mm512_scalef_ps, _mm512_set1_ps,
    _mm512_sub_ps, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEAREST_INT,
};

const LN2_HI: f32 = 0.693_145_75;
const LN2_LO: f32 = 1.428_606_8e-6;

/// `max(lo, min(hi, x))`, passing NaN through: `vminps`/`vmaxps` return
/// their second operand when either is NaN.
#[inline]
#[target_feature(enable = "avx512f")]
fn clamp(x: __m512, lo: f32, hi: f32) -> __m512 {
    _mm512_max_ps(_mm512_set1_ps(lo), _mm512_min_ps(_mm512_set1_ps(hi), x))
}

/// `e^x = 2^n (1 + q)`: returns `(n, q)` with `n` integral and
/// `q = e^r - 1` for `r = x - n ln 2`, `|r| <= ln 2 / 2`, from its Taylor
/// series to `r^7` (truncation below 6e-9). `q` keeps full relative
/// precision as `x` goes to 0, so `expm1` needs no second formula.
#[inline]
#[target_feature(enable = "avx512f")]
fn exp_parts(x: __m512) -> (__m512, __m512) {
    let n = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
        _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::LOG2_E)),
    );
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), x);
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
    let mut p = _mm512_set1_ps(1.0 / 5040.0);
    for c in [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5] {
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
    }
    let q = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r);
    (n, q)
}

/// `1 / d` from `vrcp14ps` and one Newton step (relative error near
/// 2^-28, then rounding): a third of a division's cost where a step has
/// several per element. `d` must be finite and nonzero.
#[inline]
#[target_feature(enable = "avx512f")]
fn reciprocal(d: __m512) -> __m512 {
    let y = _mm512_rcp14_ps(d);
    _mm512_fmadd_ps(y, _mm512_fnmadd_ps(d, y, _mm512_set1_ps(1.0)), y)
}

/// `1 / (1 + e^-x)`.
#[inline]
#[target_feature(enable = "avx512f")]
pub fn sigmoid(x: __m512) -> __m512 {
    // The clamp keeps 1 + e^-x finite for `reciprocal`: below -87 the
    // result is under 2e-38 and rounds to it instead of to a subnormal.
    let (n, q) = exp_parts(clamp(_mm512_sub_ps(_mm512_set1_ps(0.0), x), -88.0, 87.0));
    let one = _mm512_set1_ps(1.0);
    let e = _mm512_scalef_ps(_mm512_add_ps(q, one), n);
    reciprocal(_mm512_add_ps(one, e))
}

/// `tanh(x) = m / (m + 2)` with `m = expm1(2x)`, exact near 0.
#[inline]
#[target_feature(enable = "avx512f")]
pub fn tanh(x: __m512) -> __m512 {
    // tanh(10) rounds to 1 in float32.
    let two_x = clamp(_mm512_add_ps(x, x), -20.0, 20.0);
    let (n, q) = exp_parts(two_x);
    let one = _mm512_set1_ps(1.0);
    // expm1 = 2^n q + (2^n - 1): only the first term is nonzero at n = 0,
    // so there is no cancellation where the result is small.
    let m = _mm512_add_ps(
        _mm512_scalef_ps(q, n),
        _mm512_sub_ps(_mm512_scalef_ps(one, n), one),
    );
    _mm512_mul_ps(m, reciprocal(_mm512_add_ps(m, _mm512_set1_ps(2.0))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::arch::x86_64::{_mm512_loadu_ps, _mm512_storeu_ps};

    fn lanes(f: unsafe fn(__m512) -> __m512, xs: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(xs.len());
        for chunk in xs.chunks(16) {
            let mut lane = [0.0f32; 16];
            lane[..chunk.len()].copy_from_slice(chunk);
            // SAFETY: the caller checked for AVX-512F; `lane` holds 16 floats.
            unsafe {
                let y = f(_mm512_loadu_ps(lane.as_ptr()));
                _mm512_storeu_ps(lane.as_mut_ptr(), y);
            }
            out.extend_from_slice(&lane[..chunk.len()]);
        }
        out
    }

    fn sweep() -> Vec<f32> {
        let mut xs: Vec<f32> = (-4000..=4000).map(|i| i as f32 * 0.005).collect();
        xs.extend((-60..=60).map(|i| i as f32 * 2.5));
        xs.extend([
            1e-30, -1e-30, 1e-7, -3e-6, 1e-38, 88.0, -88.0, 150.0, -150.0,
        ]);
        xs.extend([
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            0.0,
            -0.0,
        ]);
        xs
    }

    fn check(f: unsafe fn(__m512) -> __m512, reference: fn(f64) -> f64, name: &str) {
        let xs = sweep();
        for (&x, y) in xs.iter().zip(lanes(f, &xs)) {
            let want = reference(x as f64);
            let err = (y as f64 - want).abs();
            assert!(
                err <= 4.0 * f32::EPSILON as f64 * want.abs() || err < 1e-37,
                "{name}({x}) = {y}, want {want}"
            );
        }
        assert!(lanes(f, &[f32::NAN])[0].is_nan(), "{name}(NaN)");
    }

    #[test]
    fn sigmoid_and_tanh_are_accurate_over_the_whole_range() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        check(sigmoid, |x| 1.0 / (1.0 + (-x).exp()), "sigmoid");
        check(tanh, f64::tanh, "tanh");
    }
}
