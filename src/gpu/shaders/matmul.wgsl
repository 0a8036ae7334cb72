// Batched C = A x B with any strides (transposed views and broadcast batch
// axes read in place). Parameters: [m, n, k, batch, tiles m, tiles n,
// batch rank, a offset, b offset, a row/col strides, b row/col strides,
// -, -, -, batch dims[8], a batch strides[8], b batch strides[8]].
//
// Each 16x16 workgroup computes a 64x64 tile of C, 4x4 outputs per
// invocation, staging 16-deep slices of A and B in workgroup memory.

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

const TILE: u32 = 64u;
const DEPTH: u32 = 16u;
const SIDE: u32 = 16u;

// DEPTH x TILE slices, k-major.
var<workgroup> slice_a: array<f32, 1024>;
var<workgroup> slice_b: array<f32, 1024>;

// Offsets of batch `i` in A and B.
fn batch_offsets(i: u32) -> vec2<i32> {
    var rem = i;
    var off = vec2<i32>(param(7u), param(8u));
    for (var d = uparam(6u); d > 0u; d = d - 1u) {
        let dim = uparam(15u + d);
        let q = i32(rem % dim);
        off += q * vec2<i32>(param(23u + d), param(31u + d));
        rem = rem / dim;
    }
    return off;
}

@compute @workgroup_size(SIDE, SIDE)
fn matmul(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) local: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
    let m = uparam(0u);
    let n = uparam(1u);
    let k = uparam(2u);
    let tiles_n = uparam(5u);
    let per_batch = uparam(4u) * tiles_n;
    let w = flat_group(wid, nwg);
    let live = w < per_batch * uparam(3u);
    let batch = w / per_batch;
    let tile = w % per_batch;
    let row0 = (tile / tiles_n) * TILE;
    let col0 = (tile % tiles_n) * TILE;
    let base = batch_offsets(batch);
    let a_rs = param(9u);
    let a_cs = param(10u);
    let b_rs = param(11u);
    let b_cs = param(12u);
    var acc: array<f32, 16>;
    for (var k0 = 0u; k0 < k; k0 += DEPTH) {
        // 1024 elements of each slice, 4 per invocation; neighbours read
        // along k for A and along n for B (contiguous for row-major data).
        for (var l = 0u; l < 4u; l++) {
            let e = lid + l * SIDE * SIDE;
            let ra = row0 + e / DEPTH;
            let ka = k0 + e % DEPTH;
            var va = 0.0;
            if live && ra < m && ka < k {
                va = a[u32(base.x + i32(ra) * a_rs + i32(ka) * a_cs)];
            }
            slice_a[(e % DEPTH) * TILE + e / DEPTH] = va;
            let cb = col0 + e % TILE;
            let kb = k0 + e / TILE;
            var vb = 0.0;
            if live && cb < n && kb < k {
                vb = b[u32(base.y + i32(kb) * b_rs + i32(cb) * b_cs)];
            }
            slice_b[e] = vb;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < DEPTH; kk++) {
            var av: array<f32, 4>;
            var bv: array<f32, 4>;
            for (var i = 0u; i < 4u; i++) {
                av[i] = slice_a[kk * TILE + local.y + i * SIDE];
                bv[i] = slice_b[kk * TILE + local.x + i * SIDE];
            }
            for (var i = 0u; i < 4u; i++) {
                for (var j = 0u; j < 4u; j++) {
                    acc[i * 4u + j] = fma(av[i], bv[j], acc[i * 4u + j]);
                }
            }
        }
        workgroupBarrier();
    }
    if !live {
        return;
    }
    // Rows and columns interleave by SIDE so stores by neighbours coalesce.
    for (var i = 0u; i < 4u; i++) {
        let row = row0 + local.y + i * SIDE;
        for (var j = 0u; j < 4u; j++) {
            let col = col0 + local.x + j * SIDE;
            if row < m && col < n {
                c[(batch * m + row) * n + col] = acc[i * 4u + j];
            }
        }
    }
}
