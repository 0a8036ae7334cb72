// Binary float32 maps over two strided operands of one shape (broadcast
// axes have stride 0); the output is contiguous. OP codes: elementwise.rs.

@group(0) @binding(1) var<storage, read> lhs: array<f32>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

override OP: u32;

fn apply(a: f32, b: f32) -> f32 {
    switch OP {
        case 0u: { return a + b; }
        case 1u: { return a - b; }
        case 2u: { return a * b; }
        case 3u: { return a / b; }
        case 4u: { return pow_f(a, b); }
        // NaN propagates, as in NumPy.
        case 5u: { return select(b, a, is_nan(a) || a > b); }
        default: { return select(b, a, is_nan(a) || a < b); }
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
