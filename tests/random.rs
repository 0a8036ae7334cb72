//! Random tensors: reproducibility and distributions.

mod common;

use common::*;
use rkeras::random::{self, RngKey};
use rkeras::{DType, Device};

const N: usize = 100_000;

fn key(seed: u64, stream: u64) -> RngKey {
    RngKey { seed, stream }
}

fn moments(v: &[f32]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

#[test]
fn same_key_same_numbers_other_stream_other_numbers() {
    let a = f32s(&random::uniform(&[1000], 0.0, 1.0, key(7, 0), Device::Cpu).unwrap());
    let b = f32s(&random::uniform(&[1000], 0.0, 1.0, key(7, 0), Device::Cpu).unwrap());
    let c = f32s(&random::uniform(&[1000], 0.0, 1.0, key(7, 1), Device::Cpu).unwrap());
    let d = f32s(&random::uniform(&[1000], 0.0, 1.0, key(8, 0), Device::Cpu).unwrap());
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, d);
    let same = a.iter().zip(&c).filter(|(x, y)| x == y).count();
    assert!(same < 5, "streams overlap in {same} places");
    let n1 = f32s(&random::normal(&[100], 0.0, 1.0, key(1, 2), Device::Cpu).unwrap());
    let n2 = f32s(&random::normal(&[100], 0.0, 1.0, key(1, 2), Device::Cpu).unwrap());
    assert_eq!(n1, n2);
}

#[test]
fn uniform_moments_and_range() {
    let v = f32s(&random::uniform(&[N], -2.0, 4.0, key(1, 0), Device::Cpu).unwrap());
    assert!(v.iter().all(|&x| (-2.0..4.0).contains(&x)));
    let (m, var) = moments(&v);
    assert!((m - 1.0).abs() < 0.03, "mean {m}");
    assert!((var - 3.0).abs() < 0.05, "var {var}");
    // f32 spacing at 1e8 is 8: about half the draws round up to maxval,
    // which the half-open interval excludes.
    let v = f32s(&random::uniform(&[1000], 1e8, 1e8 + 8.0, key(3, 0), Device::Cpu).unwrap());
    assert!(v.iter().all(|&x| x == 1e8), "{:?}", &v[..4]);
}

#[test]
fn normal_and_truncated_normal() {
    let v = f32s(&random::normal(&[N], 3.0, 2.0, key(2, 0), Device::Cpu).unwrap());
    let (m, var) = moments(&v);
    assert!((m - 3.0).abs() < 0.03, "mean {m}");
    assert!((var - 4.0).abs() < 0.1, "var {var}");
    let beyond = v.iter().filter(|&&x| (x - 3.0).abs() > 4.0).count() as f64 / N as f64;
    assert!((beyond - 0.0455).abs() < 0.005, "tail mass {beyond}");
    let t = f32s(&random::truncated_normal(&[N], -1.0, 0.5, key(2, 1), Device::Cpu).unwrap());
    assert!(t.iter().all(|&x| (x + 1.0).abs() <= 1.0 + 1e-6));
    let (m, var) = moments(&t);
    assert!((m + 1.0).abs() < 0.01, "mean {m}");
    // Variance of a standard normal truncated to [-2, 2] is ~0.774.
    assert!((var / 0.25 - 0.774).abs() < 0.02, "var {var}");
}

#[test]
fn randint_range_and_coverage() {
    let t = random::randint(&[N], -3, 5, DType::I32, key(4, 0), Device::Cpu).unwrap();
    assert_eq!(t.dtype(), DType::I32);
    let v = t.to_vec::<i32>().unwrap();
    let mut counts = [0usize; 8];
    for x in v {
        assert!((-3..5).contains(&x));
        counts[(x + 3) as usize] += 1;
    }
    for c in counts {
        assert!((c as f64 / N as f64 - 0.125).abs() < 0.01, "{counts:?}");
    }
    expect_err(
        random::randint(&[2], 5, 5, DType::I64, key(0, 0), Device::Cpu),
        is_value,
        &["randint"],
    );
    expect_err(
        random::randint(&[2], 0, 5, DType::F32, key(0, 0), Device::Cpu),
        is_dtype,
        &["randint"],
    );
}

#[test]
fn dropout_scaling_and_rate() {
    let x = tf(vec![2.0; N], &[N]);
    let y = f32s(&random::dropout(&x, 0.3, None, key(5, 0)).unwrap());
    let kept = y.iter().filter(|&&v| v != 0.0).count() as f64 / N as f64;
    assert!((kept - 0.7).abs() < 0.01, "kept {kept}");
    let scale = 2.0 / 0.7;
    assert!(y
        .iter()
        .all(|&v| v == 0.0 || ((v as f64) - scale).abs() < 1e-5));
    let (m, _) = moments(&y);
    assert!((m - 2.0).abs() < 0.03, "mean {m}");
    // rate 0 keeps everything.
    assert_eq!(
        f32s(&random::dropout(&x, 0.0, None, key(5, 1)).unwrap()),
        vec![2.0; N]
    );
    // noise_shape shares one mask along broadcast axes.
    let x = tf(vec![1.0; 400], &[100, 4]);
    let y = f32s(&random::dropout(&x, 0.5, Some(&[100, 1]), key(5, 2)).unwrap());
    for row in y.chunks(4) {
        assert!(row.iter().all(|&v| v == row[0]));
    }
    expect_err(
        random::dropout(&x, 1.0, None, key(0, 0)),
        is_value,
        &["dropout"],
    );
    expect_err(
        random::dropout(&x, -0.1, None, key(0, 0)),
        is_value,
        &["dropout"],
    );
    // A noise shape that would enlarge x is an error.
    expect_err(
        random::dropout(&tf(vec![1.0; 4], &[4]), 0.5, Some(&[3, 4]), key(0, 0)),
        is_shape,
        &["dropout", "(3, 4)", "(4,)"],
    );
}

#[test]
fn shuffle_is_a_permutation() {
    let n = 1000;
    let x = tf((0..n).map(|i| i as f32).collect(), &[n]);
    let y = f32s(&random::shuffle(&x, 0, key(6, 0)).unwrap());
    let mut sorted = y.clone();
    sorted.sort_by(f32::total_cmp);
    assert_eq!(sorted, f32s(&x));
    let fixed = y
        .iter()
        .enumerate()
        .filter(|(i, &v)| *i as f32 == v)
        .count();
    assert!(fixed < 10, "{fixed} fixed points");
    assert_eq!(y, f32s(&random::shuffle(&x, 0, key(6, 0)).unwrap()));
    // Rows move together along axis 0; axis 1 permutes columns.
    let m = tf((0..12).map(|i| i as f32).collect(), &[4, 3]);
    let s = f32s(&random::shuffle(&m, 0, key(6, 1)).unwrap());
    for row in s.chunks(3) {
        assert!(row[1] == row[0] + 1.0 && row[2] == row[0] + 2.0);
    }
    let s = f32s(&random::shuffle(&m, -1, key(6, 2)).unwrap());
    for (r, row) in s.chunks(3).enumerate() {
        let mut sorted = row.to_vec();
        sorted.sort_by(f32::total_cmp);
        let base = 3.0 * r as f32;
        assert_eq!(sorted, vec![base, base + 1.0, base + 2.0]);
    }
    expect_err(
        random::shuffle(&m, 2, key(0, 0)),
        is_value,
        &["shuffle", "axis 2"],
    );
}
