//! f32 matrix products through `ops::matmul` (the gemm crate underneath).
//! Throughput is reported in elements = floating-point operations
//! (2·m·n·k per product), so criterion's "Gelem/s" reads as GFLOP/s; a
//! plain GFLOP/s summary is printed at the end as well.
//!
//! Run: `cargo bench --bench matmul -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use rkeras::{ops, Device, Tensor};

/// (label, m, k, n)
const CASES: &[(&str, usize, usize, usize)] = &[
    ("256", 256, 256, 256),
    ("512", 512, 512, 512),
    ("1024", 1024, 1024, 1024),
    ("2048", 2048, 2048, 2048),
    ("32x784x300", 32, 784, 300),
    ("256x784x300", 256, 784, 300),
];

fn random(rows: usize, cols: usize, seed: u64) -> Tensor {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let data: Vec<f32> = (0..rows * cols)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect();
    Tensor::from_vec(data, [rows, cols], Device::Cpu).unwrap()
}

fn bench_matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul_f32");
    for &(label, m, k, n) in CASES {
        let a = random(m, k, 1);
        let b = random(k, n, 2);
        group.throughput(Throughput::Elements((2 * m * n * k) as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(label),
            &(a, b),
            |bch, (a, b)| bch.iter(|| ops::matmul(black_box(a), black_box(b)).unwrap()),
        );
    }
    group.finish();
}

/// The best of a few timed runs of each case, as GFLOP/s.
fn print_gflops() {
    println!("\nmatmul f32 GFLOP/s (best of 5 after warm-up):");
    for &(label, m, k, n) in CASES {
        let a = random(m, k, 1);
        let b = random(k, n, 2);
        for _ in 0..2 {
            black_box(ops::matmul(&a, &b).unwrap());
        }
        let reps = (2e9 / (2 * m * n * k) as f64).clamp(1.0, 200.0) as usize;
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let t = Instant::now();
            for _ in 0..reps {
                black_box(ops::matmul(&a, &b).unwrap());
            }
            best = best.min(t.elapsed().as_secs_f64() / reps as f64);
        }
        let gflops = 2.0 * (m * n * k) as f64 / best / 1e9;
        println!("  {label:>12}: {:9.3} ms  {gflops:7.1} GFLOP/s", best * 1e3);
    }
}

criterion_group!(benches, bench_matmul);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    // `cargo test` runs benches once as smoke tests (no `--bench` flag);
    // the timing table is for real benchmark runs only.
    if std::env::args().any(|a| a == "--bench") {
        print_gflops();
    }
}
