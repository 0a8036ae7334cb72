// Index of the first maximum or minimum along one axis, as int32 words
// (int64 tensors live on the GPU as int32). Parameters as in reduce.wgsl;
// one workgroup per output, a tree over (value, index) pairs. Values
// compare as float32, as the CPU backend does.

@group(0) @binding(1) var<storage, read> src: array<T>;
@group(0) @binding(2) var<storage, read_write> dst: array<i32>;

// 0 argmax, 1 argmin.
override OP: u32;

const NONE: u32 = 0xffffffffu;

var<workgroup> best_value: array<f32, WG>;
var<workgroup> best_index: array<u32, WG>;

fn kept_offset(o: u32) -> i32 {
    var rem = o;
    var off = param(7u);
    for (var d = uparam(5u); d > 0u; d = d - 1u) {
        let dim = uparam(7u + d);
        off += i32(rem % dim) * param(15u + d);
        rem = rem / dim;
    }
    return off;
}

// Whether (v, i) wins over (b, bi): a NaN over any number (as NumPy),
// else the better value, else the smaller index.
fn beats(v: f32, i: u32, b: f32, bi: u32) -> bool {
    if i == NONE {
        return false;
    }
    if bi == NONE {
        return true;
    }
    let vn = is_nan(v);
    let bn = is_nan(b);
    if vn != bn {
        return vn;
    }
    if vn || v == b {
        return i < bi;
    }
    return select((v < b), (v > b), OP == 0u);
}

@compute @workgroup_size(WG)
fn arg_reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
    let inner = uparam(1u);
    let w = flat_group(wid, nwg);
    let live = w < uparam(0u);
    var bv = 0.0;
    var bi = NONE;
    if live {
        let base = kept_offset(w);
        let stride = param(32u);
        for (var j = lid; j < inner; j += WG) {
            let v = f32(src[u32(base + i32(j) * stride)]);
            if beats(v, j, bv, bi) {
                bv = v;
                bi = j;
            }
        }
    }
    best_value[lid] = bv;
    best_index[lid] = bi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s >> 1u) {
        if lid < s && beats(best_value[lid + s], best_index[lid + s], best_value[lid], best_index[lid]) {
            best_value[lid] = best_value[lid + s];
            best_index[lid] = best_index[lid + s];
        }
        workgroupBarrier();
    }
    if live && lid == 0u {
        dst[w] = i32(best_index[0]);
    }
}
