//! Memory-bound kernels: add, tanh, row and full sums, and a copy
//! bandwidth baseline. Throughput is in bytes moved (reads + writes, not
//! counting write-allocate traffic), so criterion prints GB/s.
//!
//! Run: `cargo bench --bench elementwise -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;
use rkeras::{ops, Device, Tensor};

const M: usize = 1 << 20;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 40) as f32 / (1u64 << 22) as f32 - 2.0
        })
        .collect()
}

fn tensor(dims: &[usize], seed: u64) -> Tensor {
    let n = dims.iter().product();
    Tensor::from_vec(random(n, seed), dims.to_vec(), Device::Cpu).unwrap()
}

fn bench_copy(c: &mut Criterion) {
    let mut group = c.benchmark_group("copy_baseline");
    for (label, n) in [("1M", M), ("16M", 16 * M)] {
        let src = random(n, 1);
        group.throughput(Throughput::Bytes((2 * 4 * n) as u64));
        // A fresh output each time, as every op allocates its result.
        group.bench_with_input(BenchmarkId::new("fresh_vec_par", label), &src, |b, src| {
            b.iter(|| {
                let mut dst = vec![0.0f32; src.len()];
                dst.par_chunks_mut(1 << 14)
                    .zip(src.par_chunks(1 << 14))
                    .for_each(|(d, s)| d.copy_from_slice(s));
                black_box(dst)
            })
        });
        // Into a reused buffer: the bandwidth ceiling without page faults.
        let mut dst = vec![0.0f32; n];
        group.bench_with_input(BenchmarkId::new("reused_par", label), &src, |b, src| {
            b.iter(|| {
                dst.par_chunks_mut(1 << 14)
                    .zip(src.par_chunks(1 << 14))
                    .for_each(|(d, s)| d.copy_from_slice(s));
                black_box(&dst);
            })
        });
    }
    group.finish();
}

fn bench_unary_binary(c: &mut Criterion) {
    let mut group = c.benchmark_group("elementwise");
    for (label, n) in [("1M", M), ("16M", 16 * M)] {
        let a = tensor(&[n], 1);
        let b = tensor(&[n], 2);
        group.throughput(Throughput::Bytes((3 * 4 * n) as u64));
        group.bench_with_input(
            BenchmarkId::new("add", label),
            &(a.clone(), b),
            |bch, (a, b)| bch.iter(|| ops::add(black_box(a), black_box(b)).unwrap()),
        );
        group.throughput(Throughput::Bytes((2 * 4 * n) as u64));
        group.bench_with_input(BenchmarkId::new("tanh", label), &a, |bch, a| {
            bch.iter(|| ops::tanh(black_box(a)).unwrap())
        });
    }
    group.finish();
}

fn bench_reduce(c: &mut Criterion) {
    let mut group = c.benchmark_group("reduce");
    let n = 4096;
    let x = tensor(&[n, n], 3);
    group.throughput(Throughput::Bytes((4 * n * n) as u64));
    group.bench_function("row_sum_4096x4096", |b| {
        b.iter(|| ops::sum(black_box(&x), Some(&[-1]), false).unwrap())
    });
    group.bench_function("col_sum_4096x4096", |b| {
        b.iter(|| ops::sum(black_box(&x), Some(&[0]), false).unwrap())
    });
    let flat = tensor(&[16 * M], 4);
    group.throughput(Throughput::Bytes((4 * 16 * M) as u64));
    group.bench_function("full_sum_16M", |b| {
        b.iter(|| ops::sum(black_box(&flat), None, false).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_copy, bench_unary_binary, bench_reduce);
criterion_main!(benches);
