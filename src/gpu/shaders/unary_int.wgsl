// Unary maps on int32 words (int64 tensors are stored as int32) and on
// bool words (0 or 1). Integer arithmetic wraps, as Rust's release builds.

@group(0) @binding(1) var<storage, read> src: array<i32>;
@group(0) @binding(2) var<storage, read_write> dst: array<i32>;

// 0 neg, 1 abs, 2 sign, 3 square, 4 relu, 5 logical not.
override OP: u32;

fn apply(x: i32) -> i32 {
    switch OP {
        case 0u: { return -x; }
        case 1u: { return max(x, -x); }
        case 2u: { return select(0, 1, x > 0) - select(0, 1, x < 0); }
        case 3u: { return x * x; }
        case 4u: { return max(x, 0); }
        default: { return select(0, 1, x == 0); }
    }
}

@compute @workgroup_size(WG)
fn unary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    dst[i] = apply(src[strided_offset(i, 0u)]);
}
