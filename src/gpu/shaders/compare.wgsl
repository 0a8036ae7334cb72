// Comparisons and logical ops, written once for every element type T
// (f32, i32 or bool words); the result is bool words (0 or 1).

@group(0) @binding(1) var<storage, read> lhs: array<T>;
@group(0) @binding(2) var<storage, read> rhs: array<T>;
@group(0) @binding(3) var<storage, read_write> dst: array<u32>;

// 0 ==, 1 !=, 2 <, 3 <=, 4 >, 5 >=, 6 and, 7 or.
override OP: u32;

fn apply(a: T, b: T) -> bool {
    switch OP {
        case 0u: { return a == b; }
        // Not `a != b`: drivers may compile it as an ordered compare, false for NaN.
        case 1u: { return !(a == b); }
        case 2u: { return a < b; }
        case 3u: { return a <= b; }
        case 4u: { return a > b; }
        case 5u: { return a >= b; }
        case 6u: { return a != T(0) && b != T(0); }
        default: { return a != T(0) || b != T(0); }
    }
}

@compute @workgroup_size(WG)
fn compare(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    dst[i] = select(0u, 1u, apply(lhs[strided_offset(i, 0u)], rhs[strided_offset(i, 1u)]));
}
