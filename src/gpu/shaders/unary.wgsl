// Unary float32 maps. OP is an override constant, so each op compiles to
// its own pipeline with the switch folded away. Codes: see elementwise.rs.

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

override OP: u32;

fn apply(x: f32) -> f32 {
    switch OP {
        case 0u: { return -x; }
        case 1u: { return abs(x); }
        case 2u: { return select(select(x, -1.0, x < 0.0), 1.0, x > 0.0); }
        case 3u: { return exp_f(x); }
        case 4u: { return expm1_f(x); }
        case 5u: { return log_f(x); }
        case 6u: { return log1p_f(x); }
        case 7u: { return sqrt(x); }
        case 8u: { return x * x; }
        case 9u: { return 1.0 / x; }
        case 10u: { return sin_f(x); }
        case 11u: { return cos_f(x); }
        case 12u: { return tanh_f(x); }
        case 13u: { return sigmoid_f(x); }
        // NaN passes through, as on the CPU.
        case 14u: { return select(0.0, x, x > 0.0 || is_nan(x)); }
        case 15u: { return floor(x); }
        case 16u: { return ceil(x); }
        case 17u: { return round(x); }
        case 18u: { return erf_f(x); }
        default: { return select(0.0, 1.0, x == 0.0); }
    }
}

@compute @workgroup_size(WG)
fn unary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * WG + lid;
    if i >= uparam(0u) {
        return;
    }
    dst[i] = apply(src[strided_offset(i, 0u)]);
}
