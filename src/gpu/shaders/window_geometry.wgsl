// The sliding-window geometry shared by window.wgsl and window_max.wgsl.
// Parameters: [total, batch, channels, input[3], kernel[3], output[3],
// strides[3], dilation[3], pad_before[3], then two kernel-specific words].

fn input_dim(d: u32) -> u32 { return uparam(3u + d); }
fn kernel_dim(d: u32) -> u32 { return uparam(6u + d); }
fn output_dim(d: u32) -> u32 { return uparam(9u + d); }
fn stride(d: u32) -> u32 { return uparam(12u + d); }
fn dilation(d: u32) -> u32 { return uparam(15u + d); }
fn pad_before(d: u32) -> u32 { return uparam(18u + d); }

// The window position whose tap `k` reads input index `x` along dim `d`,
// or -1 when none does.
fn window_position(d: u32, x: u32, k: u32) -> i32 {
    let padded = i32(x + pad_before(d)) - i32(k * dilation(d));
    if padded < 0 || padded % i32(stride(d)) != 0 {
        return -1;
    }
    let o = padded / i32(stride(d));
    if o >= i32(output_dim(d)) {
        return -1;
    }
    return o;
}

// Kernel taps per window.
fn taps() -> u32 {
    return kernel_dim(0u) * kernel_dim(1u) * kernel_dim(2u);
}

// The window position whose tap `tap` (row-major over the kernel dims)
// reads the input element at spatial coordinates `at`, or false in `found`
// when no window does: the adjoint kernels gather from every such window.
struct Covering {
    found: bool,
    position: array<u32, 3>,
}

fn covering_window(at: array<u32, 3>, tap: u32) -> Covering {
    var coords = at;
    var k = array<u32, 3>(
        tap / (kernel_dim(1u) * kernel_dim(2u)),
        tap / kernel_dim(2u) % kernel_dim(1u),
        tap % kernel_dim(2u));
    var out: Covering;
    for (var d = 0u; d < 3u; d++) {
        let o = window_position(d, coords[d], k[d]);
        if o < 0 {
            return out;
        }
        out.position[d] = u32(o);
    }
    out.found = true;
    return out;
}

// The input index along dim `d` that tap `k` of window position `o` reads,
// or -1 where it falls in the padding.
fn tap_source(d: u32, o: u32, k: u32) -> i32 {
    let padded = i32(o * stride(d) + k * dilation(d)) - i32(pad_before(d));
    if padded < 0 || padded >= i32(input_dim(d)) {
        return -1;
    }
    return padded;
}

// Elements per image, channels included.
fn image_size() -> u32 {
    return input_dim(0u) * input_dim(1u) * input_dim(2u) * uparam(2u);
}

// The spatial coordinates of channels-last element `i` within its image.
fn input_coords(i: u32) -> array<u32, 3> {
    var rem = i / uparam(2u);
    var at: array<u32, 3>;
    for (var d = 2i; d >= 0; d--) {
        at[d] = rem % input_dim(u32(d));
        rem /= input_dim(u32(d));
    }
    return at;
}

// Window positions per image, and the row-major index of position `o`.
fn positions() -> u32 {
    return output_dim(0u) * output_dim(1u) * output_dim(2u);
}

fn position_index(o: array<u32, 3>) -> u32 {
    return (o[0] * output_dim(1u) + o[1]) * output_dim(2u) + o[2];
}
