// Max pooling's routing: per channel, each window's first maximum of `x`
// (NaN wins, as `max` propagates it). Words 21 and 22 of the parameter
// block are the offsets of `x` and `other`. `argmax_gather` writes
// (N, *O, C): `other` (laid out as `x`) at each window's first maximum.
// `argmax_scatter`, its adjoint, gives each input element the sum of the
// `other` (N, *O, C) gradients of the windows whose maximum it is: a
// gather, so no atomics.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> other: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

const NONE: u32 = 0xffffffffu;

// The offset within image `n` of window `o`'s first maximum in channel
// `ch`, or NONE for a window wholly in padding.
fn first_max(n: u32, o: array<u32, 3>, ch: u32) -> u32 {
    let channels = uparam(2u);
    let base = uparam(21u) + n * image_size();
    var best = 0.0;
    var at = NONE;
    for (var k0 = 0u; k0 < kernel_dim(0u); k0++) {
        let i0 = tap_source(0u, o[0], k0);
        if i0 < 0 { continue; }
        for (var k1 = 0u; k1 < kernel_dim(1u); k1++) {
            let i1 = tap_source(1u, o[1], k1);
            if i1 < 0 { continue; }
            for (var k2 = 0u; k2 < kernel_dim(2u); k2++) {
                let i2 = tap_source(2u, o[2], k2);
                if i2 < 0 { continue; }
                let e = ((u32(i0) * input_dim(1u) + u32(i1)) * input_dim(2u) + u32(i2))
                    * channels + ch;
                let v = x[base + e];
                if at == NONE || v > best || (is_nan(v) && !is_nan(best)) {
                    best = v;
                    at = e;
                }
            }
        }
    }
    return at;
}

@compute @workgroup_size(WG)
fn argmax_gather(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    let channels = uparam(2u);
    var rem = i / channels;
    var o: array<u32, 3>;
    for (var d = 2i; d >= 0; d--) {
        o[d] = rem % output_dim(u32(d));
        rem /= output_dim(u32(d));
    }
    let at = first_max(rem, o, i % channels);
    if at == NONE {
        dst[i] = 0.0;
    } else {
        dst[i] = other[uparam(22u) + rem * image_size() + at];
    }
}

@compute @workgroup_size(WG)
fn argmax_scatter(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    let channels = uparam(2u);
    let ch = i % channels;
    let n = i / image_size();
    let here = i % image_size();
    let at = input_coords(i);
    var sum = 0.0;
    for (var tap = 0u; tap < taps(); tap++) {
        let window = covering_window(at, tap);
        if window.found && first_max(n, window.position, ch) == here {
            let row = n * positions() + position_index(window.position);
            sum += other[uparam(22u) + row * channels + ch];
        }
    }
    dst[i] = sum;
}
