// Strided copies and dtype casts over 4-byte words. Both sides are strided
// (operands 0 and 1), so the same kernel gathers a view into a contiguous
// buffer and writes a part of a concatenation into its slot.

@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

// 0 keeps the bits; 1 f32->i32; 2 i32->f32; 3 f32->bool; 4 i32->bool.
override CAST: u32 = 0u;

fn convert(w: u32) -> u32 {
    switch CAST {
        case 1u: {
            // Rust's `as`: NaN -> 0, saturating at both ends.
            let x = bitcast<f32>(w);
            if is_nan(x) {
                return 0u;
            }
            if x >= 2147483648.0 {
                return 0x7fffffffu;
            }
            if x <= -2147483648.0 {
                return 0x80000000u;
            }
            return bitcast<u32>(i32(x));
        }
        case 2u: {
            return bitcast<u32>(f32(bitcast<i32>(w)));
        }
        case 3u: {
            // Any bits but +-0 (NaN included) are true.
            return select(0u, 1u, (w & 0x7fffffffu) != 0u);
        }
        case 4u: {
            return select(0u, 1u, w != 0u);
        }
        default: {
            return w;
        }
    }
}

@compute @workgroup_size(WG)
fn copy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    dst[strided_offset(i, 1u)] = convert(src[strided_offset(i, 0u)]);
}
