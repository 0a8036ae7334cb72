// `where`: picks from operand 1 where the bool operand 0 is set, else from
// operand 2, moving 4-byte words whatever their dtype.

@group(0) @binding(1) var<storage, read> cond: array<u32>;
@group(0) @binding(2) var<storage, read> on_true: array<u32>;
@group(0) @binding(3) var<storage, read> on_false: array<u32>;
@group(0) @binding(4) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(WG)
fn select_words(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    let c = cond[strided_offset(i, 0u)] != 0u;
    dst[i] = select(on_false[strided_offset(i, 2u)], on_true[strided_offset(i, 1u)], c);
}
