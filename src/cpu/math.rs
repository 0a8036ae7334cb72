//! Branch-free float32 math that the compiler vectorizes: libm calls block
//! SIMD, so exp/log/tanh/erf are written out here. Each is accurate to a few
//! ulp over its whole range (checked against float64 in the tests).

const LOG2_E: f32 = std::f32::consts::LOG2_E;
const LN2_HI: f32 = 0.693_145_75;
const LN2_LO: f32 = 1.428_606_8e-6;
/// Adding and subtracting 1.5 * 2^23 rounds to the nearest integer.
const ROUND_MAGIC: f32 = 12_582_912.0;

#[inline(always)]
fn pow2i(k: i32) -> f32 {
    f32::from_bits(((k + 127) as u32) << 23)
}

#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let xc = x.clamp(-104.0, 89.0);
    // t = n + 1.5 * 2^23 exactly, so n is both `t - MAGIC` (as a float)
    // and the low mantissa bits of t (as an integer). Reading the bits
    // instead of `n as i32` matters: Rust's saturating float-to-int cast
    // is scalarized by LLVM and kept every exp-based kernel from
    // vectorizing.
    let t = xc * LOG2_E + ROUND_MAGIC;
    let n = t - ROUND_MAGIC;
    let ni = t.to_bits() as i32 - ROUND_MAGIC.to_bits() as i32;
    let r = xc - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // Scale in two steps so 2^n stays a normal float at both ends.
    let a = ni >> 1;
    let y = p * pow2i(a) * pow2i(ni - a);
    if x.is_nan() {
        x
    } else {
        y
    }
}

#[inline(always)]
pub fn log(x: f32) -> f32 {
    // Subnormals are scaled into the normal range first.
    let tiny = x < f32::MIN_POSITIVE;
    let xs = if tiny { x * 8_388_608.0 } else { x };
    let bits = xs.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127 - if tiny { 23 } else { 0 };
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > std::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let series = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0))));
    let ef = e as f32;
    let y = 2.0 * s * series + ef * LN2_LO + ef * LN2_HI;
    if x == 0.0 {
        f32::NEG_INFINITY
    } else if x < 0.0 || x.is_nan() {
        f32::NAN
    } else if x == f32::INFINITY {
        x
    } else {
        y
    }
}

/// `log(1 + x)`, exact near 0 by correcting for the rounding of `1 + x`.
#[inline(always)]
pub fn log1p(x: f32) -> f32 {
    let u = 1.0 + x;
    let d = u - 1.0;
    if d == 0.0 {
        x
    } else if u == f32::INFINITY {
        u
    } else {
        log(u) * (x / d)
    }
}

/// `exp(x) - 1`, exact near 0 (Kahan's correction).
#[inline(always)]
pub fn expm1(x: f32) -> f32 {
    let u = exp(x);
    let d = u - 1.0;
    if u == 1.0 {
        x
    } else if d == -1.0 {
        -1.0
    } else if u == f32::INFINITY {
        u
    } else {
        // `x / log(u)` first: `d * x` overflows for x near 88 although
        // the result is finite.
        d * (x / log(u))
    }
}

#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let a = x.abs();
    // Odd Taylor series near 0 (where 1 - 2/(e^2x + 1) cancels), exp beyond.
    let a2 = a * a;
    let series = a
        * (1.0
            + a2 * (-1.0 / 3.0
                + a2 * (2.0 / 15.0
                    + a2 * (-17.0 / 315.0
                        + a2 * (62.0 / 2835.0
                            + a2 * (-1382.0 / 155_925.0
                                + a2 * (21844.0 / 6_081_075.0
                                    + a2 * (-929_569.0 / 638_512_875.0))))))));
    let far = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);
    let y = if a < 0.625 { series } else { far };
    if x.is_nan() {
        x
    } else {
        y.copysign(x)
    }
}

#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let a = x.abs();
    let a2 = a * a;
    // Maclaurin series to x^19 for |x| < 1 (next term < 2e-8), in Horner
    // form: the coefficients are (-1)^k / (k! (2k + 1)), constants, so the
    // loop has no divisions and vectorizes.
    let series = 1.0
        + a2 * (-1.0 / 3.0
            + a2 * (1.0 / 10.0
                + a2 * (-1.0 / 42.0
                    + a2 * (1.0 / 216.0
                        + a2 * (-1.0 / 1320.0
                            + a2 * (1.0 / 9360.0
                                + a2 * (-1.0 / 75600.0
                                    + a2 * (1.0 / 685_440.0 + a2 * (-1.0 / 6_894_720.0)))))))));
    let near = a * series * std::f32::consts::FRAC_2_SQRT_PI;
    // Abramowitz & Stegun 7.1.26 for |x| >= 1 (absolute error 1.5e-7).
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let far = 1.0 - poly * exp(-a2);
    let y = if a < 1.0 { near } else { far };
    if x.is_nan() {
        x
    } else {
        y.copysign(x)
    }
}
