// Sum, product, max and min over any axes. The parameter block splits the
// input into kept axes (one output each) and reduced axes:
// [outer, inner, chunk, chunks, identity bits, kept rank, reduced rank,
//  offset, kept dims[8], kept strides[8], reduced dims[8], reduced strides[8]].
// `nan_of` comes from a per-type prelude (reduce.rs).

@group(0) @binding(1) var<storage, read> src: array<T>;
@group(0) @binding(2) var<storage, read_write> dst: array<T>;

// 0 sum, 1 prod, 2 max, 3 min.
override OP: u32;

var<workgroup> partial: array<T, WG>;

fn combine(a: T, x: T) -> T {
    switch OP {
        case 0u: { return a + x; }
        case 1u: { return a * x; }
        // NaN propagates, as in NumPy.
        case 2u: { return select(a, x, (x > a) || nan_of(x)); }
        default: { return select(a, x, (x < a) || nan_of(x)); }
    }
}

// Storage offset of output `o` (row-major over the kept axes).
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

// Offset of position `j` (row-major over the reduced axes) from an output's.
fn reduced_offset(j: u32) -> i32 {
    var rem = j;
    var off = 0;
    for (var d = uparam(6u); d > 0u; d = d - 1u) {
        let dim = uparam(23u + d);
        off += i32(rem % dim) * param(31u + d);
        rem = rem / dim;
    }
    return off;
}

// One workgroup per (output, chunk of the reduced run): each invocation
// folds a strided share, then the workgroup folds its 256 partials as a
// tree. With several chunks the outputs are partials for another pass.
@compute @workgroup_size(WG)
fn reduce_tree(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
    let inner = uparam(1u);
    let chunk = uparam(2u);
    let chunks = uparam(3u);
    let w = flat_group(wid, nwg);
    let live = w < uparam(0u) * chunks;
    var acc = bitcast<T>(param(4u));
    if live {
        let base = kept_offset(w / chunks);
        let start = (w % chunks) * chunk;
        let end = min(start + chunk, inner);
        for (var j = start + lid; j < end; j += WG) {
            acc = combine(acc, src[u32(base + reduced_offset(j))]);
        }
    }
    partial[lid] = acc;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s >> 1u) {
        if lid < s {
            partial[lid] = combine(partial[lid], partial[lid + s]);
        }
        workgroupBarrier();
    }
    if live && lid == 0u {
        dst[w] = partial[0];
    }
}

// One invocation per output, for short reduced runs where a workgroup
// would idle.
@compute @workgroup_size(WG)
fn reduce_serial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let o = flat_group(wid, nwg) * WG + lid;
    if o >= uparam(0u) {
        return;
    }
    let base = kept_offset(o);
    var acc = bitcast<T>(param(4u));
    for (var j = 0u; j < uparam(1u); j++) {
        acc = combine(acc, src[u32(base + reduced_offset(j))]);
    }
    dst[o] = acc;
}
