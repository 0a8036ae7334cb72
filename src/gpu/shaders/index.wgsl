// Gathers along one axis of a contiguous (outer, len, inner) source, moving
// 4-byte words whatever their dtype. Parameters: [total, len, inner,
// count, source offset, index offset]; the output is (outer, count, inner).
// An index outside [0, len) reads 0: the GPU cannot raise, and the ops
// layer has already wrapped negative indices.

@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> dst: array<u32>;

fn pick(i: u32, at: i32) -> u32 {
    let len = uparam(1u);
    let inner = uparam(2u);
    let o = i / inner / uparam(3u);
    if at < 0 || u32(at) >= len {
        return 0u;
    }
    return src[uparam(4u) + (o * len + u32(at)) * inner + i % inner];
}

// One index list shared by every outer position (`take`).
@compute @workgroup_size(WG)
fn gather(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    let j = (i / uparam(2u)) % uparam(3u);
    dst[i] = pick(i, idx[uparam(5u) + j]);
}

// One index per output element (`take_along_axis`).
@compute @workgroup_size(WG)
fn gather_along(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    dst[i] = pick(i, idx[uparam(5u) + i]);
}
