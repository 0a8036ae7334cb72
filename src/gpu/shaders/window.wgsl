// Sliding windows over channels-last data, padded to three spatial dims.
// Parameters: [total, batch, channels, input[3], kernel[3], output[3],
// strides[3], dilation[3], pad_before[3], source offset, pad value bits].
// `unfold` writes (N, *O, *K, C) patches; `fold`, its adjoint, gives each
// input element the sum of the taps that read it (a gather: no atomics).

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn unfold(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    let channels = uparam(2u);
    var rem = i / channels;
    // Tap, then position, innermost dim first.
    var tap: array<u32, 3>;
    var pos: array<u32, 3>;
    for (var d = 2i; d >= 0; d--) {
        tap[d] = rem % kernel_dim(u32(d));
        rem /= kernel_dim(u32(d));
    }
    for (var d = 2i; d >= 0; d--) {
        pos[d] = rem % output_dim(u32(d));
        rem /= output_dim(u32(d));
    }
    var at = rem;
    for (var d = 0u; d < 3u; d++) {
        let padded = pos[d] * stride(d) + tap[d] * dilation(d);
        if padded < pad_before(d) || padded - pad_before(d) >= input_dim(d) {
            dst[i] = bitcast<f32>(uparam(22u));
            return;
        }
        at = at * input_dim(d) + padded - pad_before(d);
    }
    dst[i] = src[uparam(21u) + at * channels + i % channels];
}

@compute @workgroup_size(WG)
fn fold(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    let channels = uparam(2u);
    let at = input_coords(i);
    let image = i / image_size();
    var sum = 0.0;
    for (var tap = 0u; tap < taps(); tap++) {
        let window = covering_window(at, tap);
        if !window.found { continue; }
        let row = (image * positions() + position_index(window.position)) * taps() + tap;
        sum += src[uparam(21u) + row * channels + i % channels];
    }
    dst[i] = sum;
}
