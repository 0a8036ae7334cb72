// Scatter-adds float32 slices of a contiguous (outer, count, inner) source
// into a zeroed (outer, len, inner) output: the adjoints of the gathers in
// index.wgsl. Parameters as there: [total, len, inner, count, source
// offset, index offset]. Repeated indices add up through a compare-and-
// swap loop (WGSL has no float atomics); indices outside [0, len) are
// skipped.

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> dst: array<atomic<u32>>;

fn add_to(i: u32, at: i32) {
    let len = uparam(1u);
    let inner = uparam(2u);
    if at < 0 || u32(at) >= len {
        return;
    }
    let o = i / inner / uparam(3u);
    let slot = (o * len + u32(at)) * inner + i % inner;
    let v = src[uparam(4u) + i];
    var old = atomicLoad(&dst[slot]);
    loop {
        let swapped = atomicCompareExchangeWeak(&dst[slot], old, bitcast<u32>(bitcast<f32>(old) + v));
        if swapped.exchanged {
            break;
        }
        old = swapped.old_value;
    }
}

@compute @workgroup_size(WG)
fn scatter_add(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    let j = (i / uparam(2u)) % uparam(3u);
    add_to(i, idx[uparam(5u) + j]);
}

@compute @workgroup_size(WG)
fn scatter_add_along(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    add_to(i, idx[uparam(5u) + i]);
}
