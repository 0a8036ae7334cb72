"""Forward and gradient checks of the ops that must have GPU kernels
(matmul, every elementwise op, sum/mean/max), run once per device.

The ``device`` fixture (conftest.py) runs each test inside
``with rkeras.device(dev):``; the ``gpu`` parametrization is marked
``gpu`` and fails when no adapter exists. ``pytest -m "not gpu"`` runs the
CPU half alone.
"""

import math

import numpy as np
import pytest
from conftest import assert_close, check_grad, f32

from rkeras import ops

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


UNARY = {
    "negative": (ops.negative, np.negative, "any"),
    "abs": (ops.abs, np.abs, "any"),
    "sign": (ops.sign, np.sign, "any"),
    "exp": (ops.exp, np.exp, "any"),
    "expm1": (ops.expm1, np.expm1, "any"),
    "log": (ops.log, np.log, "positive"),
    "log1p": (ops.log1p, np.log1p, "positive"),
    "sqrt": (ops.sqrt, np.sqrt, "positive"),
    "square": (ops.square, np.square, "any"),
    "reciprocal": (ops.reciprocal, np.reciprocal, "positive"),
    "sin": (ops.sin, np.sin, "any"),
    "cos": (ops.cos, np.cos, "any"),
    "tanh": (ops.tanh, np.tanh, "any"),
    "sigmoid": (ops.sigmoid, _sigmoid, "any"),
    "relu": (ops.relu, lambda x: np.maximum(x, 0), "any"),
    "floor": (ops.floor, np.floor, "any"),
    "ceil": (ops.ceil, np.ceil, "any"),
    "round": (ops.round, np.round, "any"),
    "erf": (ops.erf, _erf, "any"),
}

BINARY = {
    "add": (ops.add, np.add),
    "subtract": (ops.subtract, np.subtract),
    "multiply": (ops.multiply, np.multiply),
    "divide": (ops.divide, np.divide),
    "power": (ops.power, np.power),
    "maximum": (ops.maximum, np.maximum),
    "minimum": (ops.minimum, np.minimum),
}

COMPARE = {
    "equal": (ops.equal, np.equal),
    "not_equal": (ops.not_equal, np.not_equal),
    "less": (ops.less, np.less),
    "less_equal": (ops.less_equal, np.less_equal),
    "greater": (ops.greater, np.greater),
    "greater_equal": (ops.greater_equal, np.greater_equal),
    "logical_and": (ops.logical_and, np.logical_and),
    "logical_or": (ops.logical_or, np.logical_or),
}

PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 1, 3, 1, 2), (3, 4, 2))]


def _input(rng, shape, domain):
    if domain == "positive":
        return f32(rng.uniform(0.3, 3.0, shape))
    x = rng.standard_normal(shape) * 2
    return f32(np.where(np.abs(x) < 0.05, 0.5, x))


def _on(device, t):
    assert t.device.split(":")[0] == device, f"ran on {t.device}, not {device}"
    return t


def _tensor(x, dtype=np.float32):
    return ops.convert_to_tensor(np.asarray(x, dtype))


@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 1, 3, 2, 2), (1000,)], ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(device, name, shape, rng):
    fn, ref, domain = UNARY[name]
    x = _input(rng, shape, domain)
    y = _on(device, fn(_tensor(x)))
    assert_close(y, ref(x))


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"floor", "ceil", "round", "sign"}))
def test_unary_grad(device, name, rng):
    fn, ref, domain = UNARY[name]
    check_grad(fn, ref, [_input(rng, (3, 4), domain)], rng)


@pytest.mark.parametrize("sa,sb", PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(device, name, sa, sb, rng):
    fn, ref = BINARY[name]
    if name == "power":
        a, b = f32(rng.uniform(0.5, 2, sa)), f32(rng.uniform(-2, 2, sb))
    else:
        a, b = f32(rng.standard_normal(sa)), f32(rng.uniform(0.5, 2, sb))
    y = _on(device, fn(_tensor(a), _tensor(b)))
    assert_close(y, ref(a, b))


@pytest.mark.parametrize("sa,sb", PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_grad(device, name, sa, sb, rng):
    fn, ref = BINARY[name]
    if name == "power":
        a, b = rng.uniform(0.5, 2, sa), rng.uniform(-2, 2, sb)
    elif name in ("maximum", "minimum"):
        a = rng.permutation(int(np.prod(sa))).reshape(sa) * 0.5
        b = rng.permutation(int(np.prod(sb))).reshape(sb) * 0.5 + 0.25
    else:
        a, b = rng.standard_normal(sa), rng.uniform(0.5, 2, sb)
    check_grad(fn, ref, [a, b], rng)


@pytest.mark.parametrize("sa,sb", PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(COMPARE))
def test_compare(device, name, sa, sb, rng):
    fn, ref = COMPARE[name]
    a = rng.integers(-2, 3, sa).astype(np.float32)
    b = rng.integers(-2, 3, sb).astype(np.float32)
    y = _on(device, fn(_tensor(a), _tensor(b)))
    assert y.dtype == "bool"
    assert_close(y, ref(a, b))


def test_int_elementwise(device, rng):
    a = rng.integers(-5, 6, (3, 4)).astype(np.int32)
    b = rng.integers(1, 6, (4,)).astype(np.int32)
    ta, tb = _tensor(a, np.int32), _tensor(b, np.int32)
    for got, want in [(ta + tb, a + b), (ta * tb, a * b), (ta - tb, a - b)]:
        assert _on(device, got).dtype == "int32"
        np.testing.assert_array_equal(got.numpy(), want)
    assert_close(_on(device, ta / tb), a / b)


def test_where_and_logical_not(device, rng):
    c = rng.random((3, 4)) < 0.5
    a = f32(rng.standard_normal((3, 4)))
    y = _on(device, ops.where(_tensor(c, bool), _tensor(a), 0.0))
    assert_close(y, np.where(c, a, 0.0))
    assert_close(_on(device, ops.logical_not(_tensor(c, bool))), ~c)


REDUCE = {
    "sum": (ops.sum, np.sum),
    "mean": (ops.mean, np.mean),
    "max": (ops.max, np.max),
}
REDUCE_CASES = [
    ((7,), None),
    ((3, 4), 0),
    ((3, 4), -1),
    ((2, 3, 4), (0, 2)),
    ((2, 1, 3, 2, 2), (1, 3)),
    ((1000, 3), 0),
]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis", REDUCE_CASES, ids=str)
@pytest.mark.parametrize("name", sorted(REDUCE))
def test_reduce(device, name, shape, axis, keepdims, rng):
    fn, ref = REDUCE[name]
    x = f32(rng.standard_normal(shape))
    y = _on(device, fn(_tensor(x), axis=axis, keepdims=keepdims))
    ax = tuple(axis) if isinstance(axis, list) else axis
    assert_close(y, ref(x, axis=ax, keepdims=keepdims), atol=1e-5)


@pytest.mark.parametrize("shape,axis", REDUCE_CASES[:5], ids=str)
@pytest.mark.parametrize("name", sorted(REDUCE))
def test_reduce_grad(device, name, shape, axis, rng):
    fn, ref = REDUCE[name]
    if name == "max":
        x = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1
    else:
        x = rng.standard_normal(shape)
    ax = tuple(axis) if isinstance(axis, list) else axis
    check_grad(lambda t: fn(t, axis=axis), lambda t: ref(t, axis=ax), [x], rng)


MATMUL = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((64, 96), (96, 33)),
]


@pytest.mark.parametrize("sa,sb", MATMUL, ids=str)
def test_matmul(device, sa, sb, rng):
    a, b = f32(rng.standard_normal(sa)), f32(rng.standard_normal(sb))
    y = _on(device, ops.matmul(_tensor(a), _tensor(b)))
    assert_close(y, a @ b, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("sa,sb", MATMUL[:5], ids=str)
def test_matmul_grad(device, sa, sb, rng):
    check_grad(ops.matmul, np.matmul, [rng.standard_normal(sa), rng.standard_normal(sb)], rng)


def test_training_step_shape(device, rng):
    """A dense layer step: matmul, bias add, activation, mean loss."""
    import rkeras

    x = f32(rng.standard_normal((8, 5)))
    w0 = f32(rng.standard_normal((5, 3)))
    w = rkeras.Variable(w0.astype(np.float32))
    b = rkeras.Variable(np.zeros(3, np.float32))
    with rkeras.GradientTape() as tape:
        loss = ops.mean(ops.square(ops.tanh(ops.matmul(_tensor(x), w) + b)))
    gw, gb = tape.gradient(loss, [w, b])
    _on(device, gw)
    h = np.tanh(x @ w0)
    dz = 2 * h * (1 - h**2) / h.size
    assert_close(gw, x.T @ dz, rtol=1e-4, atol=1e-6)
    assert_close(gb, dz.sum(0), rtol=1e-4, atol=1e-6)
