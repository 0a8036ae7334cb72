"""Per-call overhead of one small op from Python, beside NumPy.

Run: python benches/python/small_op.py
"""

import timeit

import numpy as np

import rkeras
from rkeras import ops


def per_call_us(stmt, number):
    best = min(timeit.repeat(stmt, number=number, repeat=7))
    return best / number * 1e6


def main():
    rkeras.config.set_device("cpu")
    a_np = np.arange(10, dtype="float32")
    b_np = np.ones(10, dtype="float32")
    a, b = ops.convert_to_tensor(a_np), ops.convert_to_tensor(b_np)
    n = 200_000
    rows = [
        ("ops.add(a, b), 10 floats", per_call_us(lambda: ops.add(a, b), n)),
        ("a + b (Tensor operator)", per_call_us(lambda: a + b, n)),
        ("ops.add(a, 1.0)", per_call_us(lambda: ops.add(a, 1.0), n)),
        ("ops.tanh(a)", per_call_us(lambda: ops.tanh(a), n)),
        ("ops.sum(a)", per_call_us(lambda: ops.sum(a), n)),
        ("np.add(a, b), NumPy", per_call_us(lambda: np.add(a_np, b_np), n)),
    ]
    for name, us in rows:
        print(f"{name:32s} {us:7.3f} us")


if __name__ == "__main__":
    main()
