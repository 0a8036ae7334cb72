// Shared by every kernel: the parameter block at binding 0, workgroup
// linearization for grids that spill into y, and strided addressing.

const WG: u32 = 256u;
const PARAMS: u32 = 32u;

// Small integer parameters (shapes, strides, offsets), read by index.
@group(0) @binding(0) var<uniform> params: array<vec4<i32>, PARAMS>;

fn param(i: u32) -> i32 {
    return params[i / 4u][i % 4u];
}

fn uparam(i: u32) -> u32 {
    return u32(param(i));
}

// Grids larger than the per-dimension limit continue in y.
fn flat_group(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.x + wid.y * nwg.x;
}

// The element-wise block is [n, rank, dims[8], then per operand: offset,
// strides[8]]. This is the storage offset of row-major element `i` of
// operand `k`.
fn strided_offset(i: u32, k: u32) -> u32 {
    let rank = uparam(1u);
    let base = 10u + 9u * k;
    var rem = i;
    var off = param(base);
    for (var d = rank; d > 0u; d = d - 1u) {
        let dim = uparam(1u + d);
        off += i32(rem % dim) * param(base + d);
        rem = rem / dim;
    }
    return u32(off);
}

// Bit tests, because drivers may optimize `x != x` away.
fn is_nan(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn is_finite(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

fn nan() -> f32 {
    return bitcast<f32>(0x7fc00000u);
}

// +inf or -inf; built from bits at run time (WGSL has no infinite literal).
fn inf(sign: f32) -> f32 {
    return bitcast<f32>(0x7f800000u | (bitcast<u32>(sign) & 0x80000000u));
}

fn copysign(magnitude: f32, sign: f32) -> f32 {
    return bitcast<f32>((bitcast<u32>(magnitude) & 0x7fffffffu) | (bitcast<u32>(sign) & 0x80000000u));
}
