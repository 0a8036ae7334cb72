// Binary maps on int32 words (int64 tensors are stored as int32), with
// wrapping arithmetic; OP codes as in binary.wgsl.

@group(0) @binding(1) var<storage, read> lhs: array<i32>;
@group(0) @binding(2) var<storage, read> rhs: array<i32>;
@group(0) @binding(3) var<storage, read_write> dst: array<i32>;

override OP: u32;

// Floor division as NumPy's `//` (and the CPU backend); 0 for a zero divisor.
fn div(a: i32, b: i32) -> i32 {
    if b == 0 {
        return 0;
    }
    let q = a / b;
    if a - q * b != 0 && ((a < 0) != (b < 0)) {
        return q - 1;
    }
    return q;
}

// Wrapping a^b by squaring; negative exponents give 0.
fn ipow(a: i32, b: i32) -> i32 {
    if b < 0 {
        return 0;
    }
    var base = a;
    var e = u32(b);
    var acc = 1;
    while e != 0u {
        if (e & 1u) != 0u {
            acc *= base;
        }
        base *= base;
        e >>= 1u;
    }
    return acc;
}

fn apply(a: i32, b: i32) -> i32 {
    switch OP {
        case 0u: { return a + b; }
        case 1u: { return a - b; }
        case 2u: { return a * b; }
        case 3u: { return div(a, b); }
        case 4u: { return ipow(a, b); }
        case 5u: { return max(a, b); }
        default: { return min(a, b); }
    }
}

@compute @workgroup_size(WG)
fn binary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    dst[i] = apply(lhs[strided_offset(i, 0u)], rhs[strided_offset(i, 1u)]);
}
