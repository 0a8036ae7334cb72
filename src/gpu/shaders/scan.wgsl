// Inclusive running sums along one axis of a contiguous (outer, len,
// inner) source: one invocation per line, adding in order as the CPU
// backend does. Parameters: [lines, len, inner, source offset].

@group(0) @binding(1) var<storage, read> src: array<T>;
@group(0) @binding(2) var<storage, read_write> dst: array<T>;

@compute @workgroup_size(WG)
fn cumsum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
    let line = flat_group(wid, nwg) * WG + lid;
    if line >= uparam(0u) {
        return;
    }
    let len = uparam(1u);
    let inner = uparam(2u);
    let first = (line / inner) * len * inner + line % inner;
    var acc = T(0);
    for (var a = 0u; a < len; a++) {
        let at = first + a * inner;
        acc += src[uparam(3u) + at];
        dst[at] = acc;
    }
}
