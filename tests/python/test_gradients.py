"""Tape gradients of ``sum(op(x) * r)`` against central differences of a
float64 NumPy reimplementation of each op."""

import math

import numpy as np
import pytest
from conftest import BROADCAST_PAIRS, check_grad

from rkeras import ops

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _relu6(x):
    return np.clip(x, 0.0, 6.0)


def _away_from(x, points, margin=0.05):
    """Moves values within `margin` of a kink to a safe distance."""
    for p in points:
        close = np.abs(x - p) < margin
        x = np.where(close, p + np.where(x >= p, margin, -margin) * 2, x)
    return x


_SA, _SS = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

# name -> (rkeras fn, numpy fn, domain, kinks)
UNARY = {
    "negative": (ops.negative, np.negative, "any", []),
    "abs": (ops.abs, np.abs, "any", [0]),
    "exp": (ops.exp, np.exp, "any", []),
    "expm1": (ops.expm1, np.expm1, "any", []),
    "log": (ops.log, np.log, "positive", []),
    "log1p": (ops.log1p, np.log1p, "positive", []),
    "sqrt": (ops.sqrt, np.sqrt, "positive", []),
    "square": (ops.square, np.square, "any", []),
    "reciprocal": (ops.reciprocal, np.reciprocal, "positive", []),
    "sin": (ops.sin, np.sin, "any", []),
    "cos": (ops.cos, np.cos, "any", []),
    "tanh": (ops.tanh, np.tanh, "any", []),
    "erf": (ops.erf, _erf, "any", []),
    "sigmoid": (ops.sigmoid, _sigmoid, "any", []),
    "relu": (ops.relu, lambda x: np.maximum(x, 0), "any", [0]),
    "relu6": (ops.relu6, _relu6, "wide", [0, 6]),
    "elu": (ops.elu, _elu, "any", [0]),
    "selu": (ops.selu, lambda x: _SS * _elu(x, _SA), "any", [0]),
    "leaky_relu": (
        ops.leaky_relu,
        lambda x: np.where(x >= 0, x, 0.2 * x),
        "any",
        [0],
    ),
    "softplus": (ops.softplus, lambda x: np.logaddexp(0, x), "any", []),
    "softsign": (ops.softsign, lambda x: x / (1 + np.abs(x)), "any", [0]),
    "silu": (ops.silu, lambda x: x * _sigmoid(x), "any", []),
    "swish": (ops.swish, lambda x: x * _sigmoid(x), "any", []),
    "hard_sigmoid": (ops.hard_sigmoid, lambda x: _relu6(x + 3) / 6, "wide", [-3, 3]),
    "hard_silu": (ops.hard_silu, lambda x: x * _relu6(x + 3) / 6, "wide", [-3, 3]),
    "gelu_approx": (
        ops.gelu,
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
        "any",
        [],
    ),
    "gelu_exact": (
        lambda x: ops.gelu(x, approximate=False),
        lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
        "any",
        [],
    ),
}


def _input(rng, shape, domain, kinks):
    if domain == "positive":
        return rng.uniform(0.3, 3.0, shape)
    if domain == "wide":
        return _away_from(rng.uniform(-8, 8, shape), kinks, 0.1)
    return _away_from(rng.standard_normal(shape) * 1.5, kinks)


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4), (2, 1, 2, 1, 3)], ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_grad(name, shape, rng):
    fn, ref, domain, kinks = UNARY[name]
    check_grad(fn, ref, [_input(rng, shape, domain, kinks)], rng)


@pytest.mark.parametrize("fn", [ops.floor, ops.ceil, ops.round, ops.sign], ids=lambda f: f.__name__)
def test_piecewise_constant_grad_is_zero(fn, rng):
    x = rng.standard_normal((3, 4)) + 0.25
    check_grad(
        fn,
        {
            ops.floor: np.floor,
            ops.ceil: np.ceil,
            ops.round: np.round,
            ops.sign: np.sign,
        }[fn],
        [x],
        rng,
    )


BINARY = {
    "add": (ops.add, np.add),
    "subtract": (ops.subtract, np.subtract),
    "multiply": (ops.multiply, np.multiply),
    "divide": (ops.divide, np.divide),
    "power": (ops.power, np.power),
    "maximum": (ops.maximum, np.maximum),
    "minimum": (ops.minimum, np.minimum),
}


@pytest.mark.parametrize("sa,sb", [p for p in BROADCAST_PAIRS if 0 not in p[0] + p[1]], ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_grad_broadcast(name, sa, sb, rng):
    fn, ref = BINARY[name]
    if name == "power":
        a, b = rng.uniform(0.5, 2.0, sa), rng.uniform(-1.5, 1.5, sb)
    elif name == "divide":
        a = rng.standard_normal(sa)
        b = rng.uniform(0.5, 2.0, sb) * np.where(rng.random(sb) < 0.5, -1, 1)
    elif name in ("maximum", "minimum"):
        # Distinct values so the finite difference never straddles a tie.
        a = rng.permutation(np.prod(sa, dtype=int)).reshape(sa) * 0.5
        b = rng.permutation(np.prod(sb, dtype=int)).reshape(sb) * 0.5 + 0.25
    else:
        a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check_grad(fn, ref, [a, b], rng)


def test_binary_grad_with_python_scalar(rng):
    x = rng.standard_normal((3, 4))
    check_grad(lambda t: t * 3.0 + 1, lambda t: t * 3.0 + 1, [x], rng)
    check_grad(lambda t: 2.0 - t / 4, lambda t: 2.0 - t / 4, [x], rng)
    xp = rng.uniform(0.5, 2, (3, 4))
    check_grad(lambda t: t**3, lambda t: t**3, [xp], rng)
    check_grad(lambda t: 2.0**t, lambda t: 2.0**t, [xp], rng)
    check_grad(lambda t: 1 / t, lambda t: 1 / t, [xp], rng)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


REDUCE_CASES = [
    ((), None),
    ((5,), None),
    ((5,), 0),
    ((3, 4), 0),
    ((3, 4), -1),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), None),
    ((2, 1, 3, 2, 2), (1, 3, 4)),
]


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if keepdims:
        return out
    return np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


REDUCE = {
    "sum": (ops.sum, np.sum),
    "mean": (ops.mean, np.mean),
    "max": (ops.max, np.max),
    "min": (ops.min, np.min),
    "prod": (ops.prod, np.prod),
    "var": (ops.var, np.var),
    "std": (ops.std, np.std),
    "logsumexp": (ops.logsumexp, _logsumexp),
}


def _reduced_count(shape, axis):
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
    return int(np.prod([shape[a] for a in axes], dtype=int))


# std over a single element is sqrt at 0: no finite derivative to check.
REDUCE_PARAMS = [
    (name, shape, axis)
    for name in sorted(REDUCE)
    for shape, axis in REDUCE_CASES
    if not (name == "std" and _reduced_count(shape, axis) == 1)
]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name,shape,axis", REDUCE_PARAMS, ids=str)
def test_reduce_grad(name, shape, axis, keepdims, rng):
    fn, ref = REDUCE[name]
    if name in ("max", "min"):
        n = int(np.prod(shape, dtype=int))
        x = rng.permutation(n).reshape(shape) * 0.1
    elif name == "prod":
        x = rng.uniform(0.5, 1.5, shape) * np.where(rng.random(shape) < 0.3, -1, 1)
    else:
        x = rng.standard_normal(shape)
    check_grad(
        lambda t: fn(t, axis=axis, keepdims=keepdims),
        lambda t: ref(t, axis=_axis(axis), keepdims=keepdims),
        [x],
        rng,
    )


def test_max_grad_splits_ties(rng):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], np.float32)
    from conftest import tape_grad

    (g,) = tape_grad(lambda t: ops.max(t, axis=1), [x], np.ones(2))
    np.testing.assert_allclose(g.numpy(), [[0, 0.5, 0.5], [0.5, 0, 0.5]])


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3, 4), (4, 5)),
        ((4,), (4,)),
        ((4,), (4, 5)),
        ((3, 4), (4,)),
        ((2, 3, 4), (2, 4, 5)),
        ((2, 3, 4), (4, 5)),
        ((3, 4), (2, 4, 5)),
        ((2, 1, 3, 4), (5, 4, 2)),
        ((4,), (2, 4, 5)),
        ((2, 3, 4), (4,)),
    ],
    ids=str,
)
def test_matmul_grad(sa, sb, rng):
    check_grad(ops.matmul, np.matmul, [rng.standard_normal(sa), rng.standard_normal(sb)], rng)


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((), (3, 4)),
        ((4,), (4,)),
        ((3, 4), (4, 5)),
        ((2, 3, 4), (4,)),
        ((2, 3, 4), (6, 4, 5)),
    ],
    ids=str,
)
def test_dot_grad(sa, sb, rng):
    check_grad(ops.dot, np.dot, [rng.standard_normal(sa), rng.standard_normal(sb)], rng)


def test_matmul_operator_grad(rng):
    check_grad(
        lambda a, b: a @ b,
        np.matmul,
        [rng.standard_normal((2, 3)), rng.standard_normal((3, 2))],
        rng,
    )


SHAPE_OPS = [
    (
        "reshape",
        lambda t: ops.reshape(t, (4, -1)),
        lambda t: np.reshape(t, (4, -1)),
        (2, 3, 4),
    ),
    (
        "transpose",
        lambda t: ops.transpose(t, (2, 0, 1)),
        lambda t: np.transpose(t, (2, 0, 1)),
        (2, 3, 4),
    ),
    ("transpose_default", ops.transpose, np.transpose, (2, 3, 4)),
    ("T", lambda t: t.T, lambda t: t.T, (3, 4)),
    (
        "expand_dims",
        lambda t: ops.expand_dims(t, -2),
        lambda t: np.expand_dims(t, -2),
        (3, 4),
    ),
    ("squeeze", lambda t: ops.squeeze(t, 1), lambda t: np.squeeze(t, 1), (3, 1, 4)),
    ("squeeze_all", ops.squeeze, np.squeeze, (1, 3, 1, 4)),
    (
        "broadcast_to",
        lambda t: ops.broadcast_to(t, (2, 3, 4)),
        lambda t: np.broadcast_to(t, (2, 3, 4)),
        (3, 1),
    ),
    ("flip", lambda t: ops.flip(t, 1), lambda t: np.flip(t, 1), (3, 4)),
    ("flip_all", ops.flip, np.flip, (2, 3, 4)),
    ("tile", lambda t: ops.tile(t, (2, 1, 3)), lambda t: np.tile(t, (2, 1, 3)), (2, 3)),
    (
        "repeat",
        lambda t: ops.repeat(t, 3, axis=1),
        lambda t: np.repeat(t, 3, axis=1),
        (2, 3),
    ),
    ("repeat_flat", lambda t: ops.repeat(t, 2), lambda t: np.repeat(t, 2), (2, 3)),
    (
        "repeat_counts",
        lambda t: ops.repeat(t, [2, 0, 1], axis=1),
        lambda t: np.repeat(t, [2, 0, 1], axis=1),
        (2, 3),
    ),
    (
        "pad",
        lambda t: ops.pad(t, [(1, 2), (0, 1)], constant_values=1.5),
        lambda t: np.pad(t, [(1, 2), (0, 1)], constant_values=1.5),
        (2, 3),
    ),
    ("cumsum", lambda t: ops.cumsum(t, axis=1), lambda t: np.cumsum(t, axis=1), (3, 4)),
    ("cumsum_flat", ops.cumsum, np.cumsum, (3, 4)),
    (
        "take_flat",
        lambda t: ops.take(t, np.array([0, 5, 5, -1])),
        lambda t: np.take(t, [0, 5, 5, -1]),
        (3, 4),
    ),
    (
        "take_axis",
        lambda t: ops.take(t, np.array([[2, 0], [2, 2]]), axis=1),
        lambda t: np.take(t, [[2, 0], [2, 2]], axis=1),
        (3, 4),
    ),
    (
        "take_along_axis",
        lambda t: ops.take_along_axis(t, np.array([[0, 0], [3, 1], [2, -1]]), axis=1),
        lambda t: np.take_along_axis(t, np.array([[0, 0], [3, 1], [2, 3]]), axis=1),
        (3, 4),
    ),
    (
        "take_along_axis_bcast",
        lambda t: ops.take_along_axis(t, np.array([[0, 2, 2]]), axis=0),
        lambda t: np.take_along_axis(t, np.array([[0, 2, 2]]), axis=0),
        (3, 3),
    ),
    ("index_int", lambda t: t[1], lambda t: t[1], (3, 4)),
    ("index_neg", lambda t: t[-1, 2], lambda t: t[-1, 2], (3, 4)),
    ("slice_step", lambda t: t[::2, 1:], lambda t: t[::2, 1:], (5, 4)),
    ("slice_negative_step", lambda t: t[::-2, ::-1], lambda t: t[::-2, ::-1], (5, 4)),
    (
        "slice_none_ellipsis",
        lambda t: t[None, ..., 1:3],
        lambda t: t[None, ..., 1:3],
        (2, 3, 4),
    ),
    (
        "slice_array",
        lambda t: t[np.array([2, 0, 2])],
        lambda t: t[np.array([2, 0, 2])],
        (3, 4),
    ),
    (
        "slice_array_mid",
        lambda t: t[:, np.array([1, 1, 3])],
        lambda t: t[:, np.array([1, 1, 3])],
        (3, 4),
    ),
    ("stop_gradient_mix", lambda t: t * ops.stop_gradient(t), None, (3,)),
]


@pytest.mark.parametrize("name,fn,ref,shape", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_op_grad(name, fn, ref, shape, rng):
    if ref is None:
        # d/dx [x * stop_gradient(x)] = stop_gradient(x): x, not 2x.
        x = rng.standard_normal(shape)
        from conftest import tape_grad

        r = np.ones(shape)
        (g,) = tape_grad(fn, [x], r)
        np.testing.assert_allclose(g.numpy(), x.astype(np.float32), rtol=1e-6)
        return
    check_grad(fn, ref, [rng.standard_normal(shape)], rng)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_grad(axis, rng):
    shapes = {
        0: [(2, 3), (1, 3), (4, 3)],
        1: [(2, 3), (2, 1), (2, 2)],
        -1: [(2, 3), (2, 1), (2, 2)],
    }[axis]
    xs = [rng.standard_normal(s) for s in shapes]
    check_grad(
        lambda *t: ops.concatenate(list(t), axis=axis),
        lambda *t: np.concatenate(t, axis=axis),
        xs,
        rng,
    )


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack_grad(axis, rng):
    xs = [rng.standard_normal((2, 3)) for _ in range(3)]
    check_grad(
        lambda *t: ops.stack(list(t), axis=axis),
        lambda *t: np.stack(t, axis=axis),
        xs,
        rng,
    )


@pytest.mark.parametrize("spec,axis", [(3, 0), ([1, 4], 1), ([2], -1)])
def test_split_grad(spec, axis, rng):
    x = rng.standard_normal((6, 5))

    def rk(t):
        return ops.concatenate(
            [p * (i + 1.0) for i, p in enumerate(ops.split(t, spec, axis=axis))],
            axis=axis,
        )

    def ref(t):
        return np.concatenate(
            [p * (i + 1.0) for i, p in enumerate(np.split(t, spec, axis=axis))],
            axis=axis,
        )

    check_grad(rk, ref, [x], rng)


def test_where_grad_broadcast(rng):
    cond = rng.random((3, 4)) < 0.5
    check_grad(
        lambda a, b: ops.where(cond, a, b),
        lambda a, b: np.where(cond, a, b),
        [rng.standard_normal((4,)), rng.standard_normal((3, 1))],
        rng,
    )


def test_clip_grad(rng):
    x = _away_from(rng.standard_normal((4, 5)) * 2, [-1.0, 1.0])
    check_grad(lambda t: ops.clip(t, -1.0, 1.0), lambda t: np.clip(t, -1.0, 1.0), [x], rng)


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


@pytest.mark.parametrize(
    "shape,axis",
    [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 1, 3, 2, 3), 2)],
    ids=str,
)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_grad(name, shape, axis, rng):
    fn, ref = {
        "softmax": (ops.softmax, _softmax),
        "log_softmax": (ops.log_softmax, _log_softmax),
    }[name]
    check_grad(
        lambda t: fn(t, axis=axis),
        lambda t: ref(t, axis=axis),
        [rng.standard_normal(shape) * 2],
        rng,
    )


def test_softmax_grad_large_logits(rng):
    x = rng.standard_normal((3, 4)) + 1e3
    check_grad(ops.log_softmax, _log_softmax, [x], rng, eps=1e-4)
    check_grad(ops.softmax, _softmax, [x], rng, eps=1e-4)


def test_composite_chain_grad(rng):
    x = rng.standard_normal((4, 3))
    w = rng.standard_normal((3, 5))

    def rk(a, b):
        h = ops.tanh(ops.matmul(a, b))
        return ops.mean(ops.square(h - 0.5), axis=0) + ops.logsumexp(h, axis=0)

    def ref(a, b):
        h = np.tanh(a @ b)
        return np.mean(np.square(h - 0.5), axis=0) + _logsumexp_np(h)

    def _logsumexp_np(h):
        m = h.max(axis=0)
        return np.log(np.exp(h - m).sum(axis=0)) + m

    check_grad(rk, ref, [x, w], rng)


@pytest.mark.parametrize(
    "x,axis",
    [
        ([2.0, 0.0, 3.0], None),
        ([2.0, 0.0, 0.0], None),
        ([0.0], None),
        ([[1.5, 0.0, 2.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]], 1),
        ([[1.5, 0.0, 2.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]], 0),
    ],
)
def test_prod_grad_with_zeros(x, axis, rng):
    # sum(prod(x) * r) is multilinear in x: central differences are exact.
    check_grad(
        lambda t: ops.prod(t, axis=axis),
        lambda t: np.prod(t, axis=axis),
        [np.array(x)],
        rng,
    )
