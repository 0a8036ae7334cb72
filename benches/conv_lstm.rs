//! The kernels behind issue 5's reference models: 2-D convolution and max
//! pooling at the CNN benchmark's shapes (batch 64, 28x28x1 -> 32 -> 64
//! channels), forward and forward+backward, and the fused LSTM (batch 64,
//! 100 steps, 64 features, 64 units) with its per-step product alone.
//! Convolution and product throughput is reported in FLOPs (2 per
//! multiply-add), so criterion's "Gelem/s" reads GFLOP/s.
//!
//! Run: `cargo bench --bench conv_lstm -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rkeras::autograd::Tape;
use rkeras::cpu::lstm::{lstm_step_backward, lstm_step_forward};
use rkeras::cpu::small_matmul::{matmul, PackedRhs, Rows};
use rkeras::ops::rnn::{recurrence, Activation, CellKind, CellWeights, Recurrence};
use rkeras::ops::{self, ConvSpec, Padding, PoolKind};
use rkeras::{Device, Tensor};

fn random(dims: &[usize], seed: u64) -> Tensor {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let n = dims.iter().product();
    let data: Vec<f32> = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
        })
        .collect();
    Tensor::from_vec(data, dims.to_vec(), Device::Cpu).unwrap()
}

fn valid(strides: usize) -> ConvSpec {
    ConvSpec {
        strides: vec![strides; 2],
        padding: Padding::Valid,
        dilation: vec![1; 2],
        channels_first: false,
    }
}

/// `loss = sum(f(inputs))` and its gradients for every input.
fn grad(inputs: &[&Tensor], f: impl Fn() -> Tensor) {
    let tape = Tape::new(false);
    tape.enter();
    for x in inputs {
        tape.watch(x);
    }
    let loss = ops::sum(&f(), None, false).unwrap();
    tape.exit();
    let owned: Vec<Tensor> = inputs.iter().map(|&x| x.clone()).collect();
    black_box(tape.gradient(&loss, &owned, None).unwrap());
}

fn bench_conv(c: &mut Criterion) {
    // As the Python module does at import: reuse freed buffers.
    rkeras::cpu::alloc::keep_freed_memory();
    let mut group = c.benchmark_group("conv2d_b64");
    // (label, input dims, kernel dims, output positions per image)
    let cases = [
        ("28x28x1->32", [64, 28, 28, 1], [3, 3, 1, 32], 26 * 26),
        ("13x13x32->64", [64, 13, 13, 32], [3, 3, 32, 64], 11 * 11),
    ];
    for (label, x_dims, k_dims, positions) in cases {
        let x = random(&x_dims, 1);
        let k = random(&k_dims, 2);
        let flops = 2 * 64 * positions * k_dims.iter().product::<usize>();
        group.throughput(Throughput::Elements(flops as u64));
        group.bench_function(format!("{label}/forward"), |b| {
            b.iter(|| ops::conv(black_box(&x), black_box(&k), &valid(1)).unwrap())
        });
        group.throughput(Throughput::Elements(3 * flops as u64));
        group.bench_function(format!("{label}/forward+backward"), |b| {
            b.iter(|| grad(&[&x, &k], || ops::conv(&x, &k, &valid(1)).unwrap()))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("max_pool2d_b64");
    let x = random(&[64, 26, 26, 32], 3);
    group.throughput(Throughput::Elements(x.numel() as u64));
    group.bench_function("26x26x32/forward", |b| {
        b.iter(|| ops::pool(black_box(&x), PoolKind::Max, &[2, 2], &valid(2)).unwrap())
    });
    group.bench_function("26x26x32/forward+backward", |b| {
        b.iter(|| {
            grad(&[&x], || {
                ops::pool(&x, PoolKind::Max, &[2, 2], &valid(2)).unwrap()
            })
        })
    });
    group.finish();
}

fn bench_lstm(c: &mut Criterion) {
    rkeras::cpu::alloc::keep_freed_memory();
    let (b, t, f, u) = (64, 100, 64, 64);
    let x = random(&[b, t, f], 4);
    let kernel = random(&[f, 4 * u], 5);
    let recurrent_kernel = random(&[u, 4 * u], 6);
    let bias = random(&[4 * u], 7);
    let states = [random(&[b, u], 8), random(&[b, u], 9)];
    let spec = Recurrence {
        kind: CellKind::Lstm,
        activation: Activation::Tanh,
        recurrent_activation: Activation::Sigmoid,
        go_backwards: false,
        zero_output_for_mask: false,
    };
    let run = || {
        let weights = CellWeights {
            kernel: &kernel,
            recurrent_kernel: &recurrent_kernel,
            bias: Some(&bias),
        };
        recurrence(&spec, &x, &states, &weights, None)
            .unwrap()
            .sequence
    };
    let mut group = c.benchmark_group("lstm_b64_t100_f64_u64");
    group.throughput(Throughput::Elements((b * t) as u64));
    group.bench_function("forward", |bch| bch.iter(|| black_box(run())));
    group.bench_function("forward+backward", |bch| {
        bch.iter(|| grad(&[&x, &kernel, &recurrent_kernel, &bias], run))
    });
    group.finish();
}

/// One thread's LSTM step product at the benchmark's shapes: a block of 32
/// batch rows times the packed `(F + U, 4U)` weights (forward) and the
/// gates' gradient times their transpose (backward). Reported in FLOPs.
fn bench_step_product(c: &mut Criterion) {
    let (rows, k, g) = (32, 128, 256);
    let weights = random(&[k, g], 10).to_vec::<f32>().unwrap();
    let lhs = random(&[rows, g], 11).to_vec::<f32>().unwrap();
    let mut group = c.benchmark_group("lstm_step_product");
    group.throughput(Throughput::Elements((2 * rows * k * g) as u64));
    for (label, packed, depth, width) in [
        ("32x128x256", PackedRhs::new(&weights, (k, g)), k, g),
        ("32x256x128", PackedRhs::transposed(&weights, (g, k)), g, k),
    ] {
        let mut dst = vec![0.0f32; rows * width];
        let lhs = Rows {
            data: &lhs[..rows * depth],
            stride: depth,
        };
        group.bench_function(label, |b| {
            b.iter(|| matmul(black_box(&mut dst), width, lhs, &packed, rows))
        });
    }
    group.finish();
}

/// One thread's LSTM pointwise passes at the benchmark's shapes (32 batch
/// rows, 64 units): the gates' activations and cell update, and their
/// derivative. Reported in gate elements.
fn bench_step_pointwise(c: &mut Criterion) {
    let (rows, u) = (32, 64);
    let values = |n: usize, seed| random(&[n], seed).to_vec::<f32>().unwrap();
    let z = values(rows * 4 * u, 12)
        .iter()
        .map(|v| v * 40.0)
        .collect::<Vec<_>>();
    let bias = values(4 * u, 13);
    let mut group = c.benchmark_group("lstm_step_pointwise");
    group.throughput(Throughput::Elements((rows * 4 * u) as u64));
    let (mut zs, mut cell, mut h) = (z.clone(), values(rows * u, 14), vec![0.0f32; rows * u]);
    group.bench_function("forward", |b| {
        b.iter(|| {
            zs.copy_from_slice(&z);
            lstm_step_forward(black_box(&mut zs), &bias, &mut cell, &mut h, u)
        })
    });
    let gates = values(rows * 4 * u, 15);
    let (c_prev, c_new, dh) = (
        values(rows * u, 16),
        values(rows * u, 17),
        values(rows * u, 18),
    );
    let (mut dc, mut dz) = (values(rows * u, 19), vec![0.0f32; rows * 4 * u]);
    group.bench_function("backward", |b| {
        b.iter(|| lstm_step_backward(&gates, &c_prev, &c_new, &dh, &mut dc, black_box(&mut dz), u))
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_conv,
    bench_lstm,
    bench_step_product,
    bench_step_pointwise
);
criterion_main!(benches);
