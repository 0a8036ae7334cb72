"""NumPy timings of the ops in benches/matmul.rs and benches/elementwise.rs.

Run with OpenBLAS's machine overrides unset (they force older kernels):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benches/python/numpy_reference.py

Prints threadpoolctl's view of the BLAS (library, version, threads and
the kernel architecture it picked), then the best-of-N time of each op.
"""

import json
import os
import time

import numpy as np
from threadpoolctl import threadpool_info


def best(fn, min_time=1.0, rounds=5):
    fn()
    fn()
    t = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t, 1e-6)
    reps = max(1, int(min_time / rounds / once))
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        times.append((time.perf_counter() - t) / reps)
    return min(times)


def main():
    print("OPENBLAS_CORETYPE =", os.environ.get("OPENBLAS_CORETYPE"))
    print("OPENBLAS_L2_SIZE  =", os.environ.get("OPENBLAS_L2_SIZE"))
    print("numpy", np.__version__)
    print(json.dumps(threadpool_info(), indent=1))
    rng = np.random.default_rng(0)

    print("\nmatmul float32")
    for label, m, k, n in [
        ("256", 256, 256, 256),
        ("512", 512, 512, 512),
        ("1024", 1024, 1024, 1024),
        ("2048", 2048, 2048, 2048),
        ("32x784x300", 32, 784, 300),
        ("256x784x300", 256, 784, 300),
    ]:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        t = best(lambda a=a, b=b: a @ b)
        print(f"  {label:>12}: {t * 1e3:9.3f} ms  {2 * m * n * k / t / 1e9:7.1f} GFLOP/s")

    print("\nelementwise float32 (GB/s counts reads + writes)")
    for label, size in [("1M", 1 << 20), ("16M", 16 << 20)]:
        a = rng.standard_normal(size, dtype=np.float32)
        b = rng.standard_normal(size, dtype=np.float32)
        for name, fn, nbytes in [
            ("copy", lambda a=a: a.copy(), 8 * size),
            ("add", lambda a=a, b=b: a + b, 12 * size),
            ("tanh", lambda a=a: np.tanh(a), 8 * size),
        ]:
            t = best(fn)
            print(f"  {name:>5} {label:>4}: {t * 1e3:9.3f} ms  {nbytes / t / 1e9:7.1f} GB/s")

    x = rng.standard_normal((4096, 4096), dtype=np.float32)
    flat = rng.standard_normal(16 << 20, dtype=np.float32)
    print("\nreductions float32")
    for name, fn, nbytes in [
        ("row_sum_4096x4096", lambda: x.sum(axis=-1), x.nbytes),
        ("col_sum_4096x4096", lambda: x.sum(axis=0), x.nbytes),
        ("full_sum_16M", lambda: flat.sum(), flat.nbytes),
    ]:
        t = best(fn)
        print(f"  {name:>18}: {t * 1e3:9.3f} ms  {nbytes / t / 1e9:7.1f} GB/s")


if __name__ == "__main__":
    main()
