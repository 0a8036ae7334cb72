"""Shared fixtures and helpers for the rkeras pytest suite.

Every numeric check compares against a float64 NumPy reference. Helpers
here are imported by the test modules (``from conftest import ...``).
"""

import numpy as np
import pytest

import rkeras
from rkeras import ops

RTOL = 1e-5
ATOL = 1e-6

# Shapes that exercise scalars, empty tensors, odd sizes and rank 5.
SHAPES = [(), (0,), (1,), (7,), (3, 4), (2, 0, 3), (2, 3, 4), (2, 1, 3, 2, 2)]

# Pairs that broadcast against each other, NumPy-style.
BROADCAST_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((4,), (3, 4)),
    ((3, 1), (1, 4)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((), ()),
    ((0, 3), (1, 3)),
    ((2, 3, 4), (3, 1)),
    ((2, 1, 3, 1, 2), (3, 4, 2)),
]

DEVICES = ["cpu", pytest.param("gpu", marks=pytest.mark.gpu)]


def to_np(x):
    """A NumPy copy of a tensor, variable, array or number."""
    if isinstance(x, (rkeras.Tensor, rkeras.Variable)):
        return x.numpy()
    return np.asarray(x)


def assert_close(actual, expected, rtol=RTOL, atol=ATOL, dtype=None):
    """Values, shape and (optionally) dtype of `actual` match `expected`."""
    if dtype is not None:
        assert actual.dtype == dtype, f"dtype {actual.dtype} != {dtype}"
    a = to_np(actual)
    e = np.asarray(expected)
    assert a.shape == e.shape, f"shape {a.shape} != {e.shape}"
    if e.dtype == bool or a.dtype == bool:
        np.testing.assert_array_equal(a, e)
    else:
        np.testing.assert_allclose(a.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol)


def f32(x):
    """A NumPy float64 array rounded through float32, so that references
    computed in float64 see exactly the inputs the engine sees."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def numeric_grad(f, xs, r, eps=1e-6):
    """Central differences of ``sum(f(*xs) * r)`` for each of `xs`, in
    float64."""
    grads = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x, dtype=np.float64)
        it = np.nditer(x, flags=["multi_index"])
        for _ in it:
            idx = it.multi_index
            plus = [np.array(v, dtype=np.float64, copy=True) for v in xs]
            minus = [np.array(v, dtype=np.float64, copy=True) for v in xs]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            fp = np.sum(np.asarray(f(*plus), dtype=np.float64) * r)
            fm = np.sum(np.asarray(f(*minus), dtype=np.float64) * r)
            g[idx] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


def tape_grad(f, xs, r):
    """``rkeras.GradientTape`` gradients of ``sum(f(*xs) * r)``."""
    tensors = [ops.convert_to_tensor(np.asarray(x, dtype=np.float32)) for x in xs]
    weight = ops.convert_to_tensor(np.asarray(r, dtype=np.float32))
    with rkeras.GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        y = f(*tensors)
        loss = ops.sum(ops.multiply(y, weight))
    return tape.gradient(loss, tensors)


def check_grad(f_rk, f_np, xs, rng, rtol=1e-3, atol=1e-4, eps=1e-6):
    """The tape gradient of `f_rk` matches central differences of the
    float64 reference `f_np`, for every input in `xs` (float64 arrays)."""
    xs = [f32(x) for x in xs]
    out = np.asarray(f_np(*xs))
    r = f32(rng.standard_normal(out.shape))
    got = tape_grad(f_rk, xs, r)
    want = numeric_grad(f_np, xs, r, eps=eps)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g is not None, f"gradient {i} is None"
        g = to_np(g)
        assert g.shape == w.shape, f"gradient {i}: shape {g.shape} != {w.shape}"
        scale = max(1.0, float(np.abs(w).max(initial=0.0)))
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol * scale, err_msg=f"gradient {i}")


@pytest.fixture(params=DEVICES)
def device(request):
    """Runs the test inside ``with rkeras.device(dev)``.

    The ``gpu`` parametrization carries the ``gpu`` marker. Without a GPU
    adapter it FAILS (it never skips, and it is not a setup error): CI
    provides an adapter through Mesa's lavapipe, so a missing one there is a
    real failure. ``pytest -m "not gpu"`` runs the CPU half alone.
    """
    name = request.param
    try:
        scope = rkeras.device(name)
        scope.__enter__()
    except RuntimeError as e:
        # Reported by pytest_runtest_call below, as a failure of the test.
        request.node._rkeras_device_error = f"device {name!r} is not usable: {e}"
        yield name
        return
    try:
        yield name
    finally:
        scope.__exit__(None, None, None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    error = getattr(item, "_rkeras_device_error", None)
    if error is not None:
        pytest.fail(error, pytrace=False)
    return (yield)
