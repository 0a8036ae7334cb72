// Float32 transcendental functions, ported from src/cpu/math.rs so both
// backends give the same answers to an ulp or two: WGSL's built-ins only
// promise loose bounds (tanh near 0, sin outside [-pi, pi]).

const LOG2_E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.69314575;
const LN2_LO: f32 = 1.4286068e-6;
const SQRT_2: f32 = 1.4142135623730951;
const FRAC_2_SQRT_PI: f32 = 1.1283791670955126;
const MIN_POSITIVE: f32 = 1.17549435e-38;

fn pow2i(k: i32) -> f32 {
    return bitcast<f32>(u32(k + 127) << 23u);
}

fn exp_f(x: f32) -> f32 {
    let xc = clamp(x, -104.0, 89.0);
    let n = round(xc * LOG2_E);
    let r = xc - n * LN2_HI - n * LN2_LO;
    let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0
        + r * (1.0 / 720.0))))));
    // Scale in two steps so 2^n stays a normal float at both ends.
    let ni = i32(n);
    let a = ni >> 1u;
    let y = p * pow2i(a) * pow2i(ni - a);
    return select(y, x, is_nan(x));
}

fn log_f(x: f32) -> f32 {
    // Subnormals are scaled into the normal range first.
    let tiny = x < MIN_POSITIVE;
    let xs = select(x, x * 8388608.0, tiny);
    let bits = bitcast<u32>(xs);
    var e = i32((bits >> 23u) & 0xffu) - 127 - select(0, 23, tiny);
    var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
    if m > SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let series = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0))));
    let ef = f32(e);
    let y = 2.0 * s * series + ef * LN2_LO + ef * LN2_HI;
    if x == 0.0 {
        return inf(-1.0);
    }
    if x < 0.0 || is_nan(x) {
        return nan();
    }
    if !is_finite(x) {
        return x;
    }
    return y;
}

// log(1 + x), exact near 0 by correcting for the rounding of 1 + x.
fn log1p_f(x: f32) -> f32 {
    let u = 1.0 + x;
    let d = u - 1.0;
    if d == 0.0 {
        return x;
    }
    if !is_finite(u) && u > 0.0 {
        return u;
    }
    return log_f(u) * (x / d);
}

// exp(x) - 1, exact near 0 (Kahan's correction).
fn expm1_f(x: f32) -> f32 {
    let u = exp_f(x);
    let d = u - 1.0;
    if u == 1.0 {
        return x;
    }
    if d == -1.0 {
        return -1.0;
    }
    if !is_finite(u) && u > 0.0 {
        return u;
    }
    // `x / log(u)` first: `d * x` overflows for x near 88 although the
    // result is finite.
    return d * (x / log_f(u));
}

fn tanh_f(x: f32) -> f32 {
    let a = abs(x);
    // Odd Taylor series near 0 (where 1 - 2/(e^2x + 1) cancels), exp beyond.
    let a2 = a * a;
    let series = a * (1.0 + a2 * (-1.0 / 3.0 + a2 * (2.0 / 15.0 + a2 * (-17.0 / 315.0
        + a2 * (62.0 / 2835.0 + a2 * (-1382.0 / 155925.0 + a2 * (21844.0 / 6081075.0
        + a2 * (-929569.0 / 638512875.0))))))));
    let far = 1.0 - 2.0 / (exp_f(2.0 * a) + 1.0);
    let y = select(far, series, a < 0.625);
    return select(copysign(y, x), x, is_nan(x));
}

fn sigmoid_f(x: f32) -> f32 {
    return 1.0 / (1.0 + exp_f(-x));
}

fn erf_f(x: f32) -> f32 {
    let a = abs(x);
    let a2 = a * a;
    // Maclaurin series to x^19 for |x| < 1 (next term < 2e-8).
    var power = a;
    var sum = a;
    for (var k = 1; k < 10; k++) {
        power = -power * a2 / f32(k);
        sum += power / f32(2 * k + 1);
    }
    let near = sum * FRAC_2_SQRT_PI;
    // Abramowitz & Stegun 7.1.26 for |x| >= 1 (absolute error 1.5e-7).
    let t = 1.0 / (1.0 + 0.3275911 * a);
    let poly = t * (0.2548296 + t * (-0.28449674 + t * (1.4214137 + t * (-1.4531521
        + t * 1.0614054))));
    let far = 1.0 - poly * exp_f(-a2);
    let y = select(far, near, a < 1.0);
    return select(copysign(y, x), x, is_nan(x));
}

// sin(x + q * pi/2) for |x| <= pi/4 (Cephes polynomials).
fn sin_quadrant(r: f32, q: i32) -> f32 {
    let z = r * r;
    let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
    let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z
        - 0.5 * z + 1.0;
    let v = select(s, c, (q & 1) == 1);
    return select(v, -v, (q & 2) == 2);
}

// x - q * pi/2 in three exact steps (Cody and Waite), q = round(x * 2/pi).
fn reduce_half_pi(x: f32, q: f32) -> f32 {
    return ((x - q * 1.5703125) - q * 4.837512969970703125e-4) - q * 7.54978995489188216e-8;
}

fn sin_f(x: f32) -> f32 {
    if !is_finite(x) {
        return nan();
    }
    let q = round(x * 0.6366197723675814);
    return sin_quadrant(reduce_half_pi(x, q), i32(q));
}

fn cos_f(x: f32) -> f32 {
    if !is_finite(x) {
        return nan();
    }
    let q = round(x * 0.6366197723675814);
    return sin_quadrant(reduce_half_pi(x, q), i32(q) + 1);
}

// An integer y whose parity makes the sign of a negative base's power.
fn is_odd_integer(y: f32) -> bool {
    return abs(y) < 16777216.0 && floor(y) == y && (i32(y) & 1) != 0;
}

// powf with C99's special cases.
fn pow_f(x: f32, y: f32) -> f32 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if is_nan(x) || is_nan(y) {
        return nan();
    }
    let ax = abs(x);
    let odd = is_odd_integer(y);
    if !is_finite(y) {
        if ax == 1.0 {
            return 1.0;
        }
        return select(0.0, inf(1.0), (ax > 1.0) == (y > 0.0));
    }
    if x < 0.0 && floor(y) != y {
        return nan();
    }
    var mag: f32;
    if ax == 0.0 {
        mag = select(inf(1.0), 0.0, y > 0.0);
    } else if !is_finite(ax) {
        mag = select(0.0, inf(1.0), y > 0.0);
    } else {
        // exp(y * log|x|), with the rounding error of the product restored.
        let l = log_f(ax);
        let t = y * l;
        let err = fma(y, l, -t);
        mag = exp_f(t) * (1.0 + err);
    }
    return select(mag, copysign(mag, x), odd);
}
