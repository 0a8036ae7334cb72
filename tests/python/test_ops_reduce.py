"""Reductions (sum, mean, var, std, max, min, prod, logsumexp, any, all,
argmax, argmin, cumsum) against NumPy, over axes and keepdims."""

import numpy as np
import pytest
from conftest import assert_close, f32

from rkeras import ops

# (shape, axis) combinations, including negative and tuple axes.
CASES = [
    ((), None),
    ((7,), None),
    ((7,), 0),
    ((7,), -1),
    ((3, 4), None),
    ((3, 4), 0),
    ((3, 4), 1),
    ((3, 4), (0, 1)),
    ((2, 3, 4), -1),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (2, 0)),
    ((2, 3, 4), [1]),
    ((2, 1, 3, 2, 2), None),
    ((2, 1, 3, 2, 2), (1, 3)),
    ((2, 1, 3, 2, 2), (0, -1, 2)),
    ((0, 3), 1),
]


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True) if x.size else 0.0
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return out


FLOAT_REDUCTIONS = {
    "sum": (ops.sum, np.sum),
    "mean": (ops.mean, np.mean),
    "var": (ops.var, np.var),
    "std": (ops.std, np.std),
    "max": (ops.max, np.max),
    "min": (ops.min, np.min),
    "prod": (ops.prod, np.prod),
    "logsumexp": (ops.logsumexp, _logsumexp),
}


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis", CASES, ids=str)
@pytest.mark.parametrize("name", sorted(FLOAT_REDUCTIONS))
def test_float_reduction(name, shape, axis, keepdims, rng):
    fn, ref = FLOAT_REDUCTIONS[name]
    x = f32(rng.uniform(0.5, 1.5, shape) if name == "prod" else rng.standard_normal(shape))
    reduced_empty = (
        x.size == 0
        and np.prod([shape[a] for a in np.atleast_1d(_axis(axis) or range(len(shape)))]) == 0
    )
    if reduced_empty and name in ("max", "min"):
        with pytest.raises(ValueError):
            fn(x.astype(np.float32), axis=axis, keepdims=keepdims)
        return
    with np.errstate(invalid="ignore", divide="ignore"):
        want = ref(x, axis=_axis(axis), keepdims=keepdims)
    y = fn(x.astype(np.float32), axis=axis, keepdims=keepdims)
    assert y.dtype == "float32"
    assert_close(y, want, rtol=1e-5, atol=1e-5)


def test_reductions_of_empty_axis():
    x = np.zeros((0, 3), np.float32)
    assert_close(ops.sum(x, axis=0), np.zeros(3))
    assert_close(ops.prod(x, axis=0), np.ones(3))
    assert_close(ops.sum(x), np.array(0.0))
    assert np.all(np.isnan(ops.mean(x, axis=0).numpy()))
    assert_close(ops.logsumexp(x, axis=0), np.full(3, -np.inf))


def test_logsumexp_large_values():
    x = np.array([[1000.0, 1000.0, 999.0], [-1000.0, -1001.0, -1002.0]], np.float32)
    assert_close(ops.logsumexp(x, axis=1), _logsumexp(x.astype(np.float64), axis=1))
    assert np.all(np.isfinite(ops.logsumexp(x, axis=1).numpy()))


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_int_sum_prod_max_keep_dtype(dtype, axis, rng):
    x = rng.integers(-5, 6, (3, 4)).astype(dtype)
    for fn, ref in [(ops.sum, np.sum), (ops.max, np.max), (ops.min, np.min)]:
        y = fn(x, axis=axis)
        assert y.dtype == dtype
        np.testing.assert_array_equal(y.numpy(), ref(x, axis=axis))
    y = ops.prod(x[:, :2], axis=axis if axis != 1 and axis != (0, 1) else None)
    assert y.dtype == dtype


@pytest.mark.parametrize("axis", [None, 0, -1])
def test_mean_of_ints_is_float32(axis, rng):
    x = rng.integers(0, 10, (4, 5)).astype(np.int32)
    y = ops.mean(x, axis=axis)
    assert y.dtype == "float32"
    assert_close(y, np.mean(x.astype(np.float64), axis=axis))


def test_sum_of_bool_counts():
    x = np.array([[True, False, True], [True, True, True]])
    y = ops.sum(x, axis=1)
    assert y.dtype in ("int32", "int64")
    np.testing.assert_array_equal(y.numpy(), [2, 3])


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis", CASES, ids=str)
@pytest.mark.parametrize("fn,ref", [(ops.any, np.any), (ops.all, np.all)], ids=["any", "all"])
def test_any_all(fn, ref, shape, axis, keepdims, rng):
    x = rng.random(shape) < 0.3
    y = fn(x, axis=axis, keepdims=keepdims)
    assert y.dtype == "bool"
    assert_close(y, ref(x, axis=_axis(axis), keepdims=keepdims))
    xf = np.where(x, 2.5, 0.0).astype(np.float32)
    assert_close(
        fn(xf, axis=axis, keepdims=keepdims),
        ref(x, axis=_axis(axis), keepdims=keepdims),
    )


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize(
    "shape,axis",
    [
        ((7,), None),
        ((7,), 0),
        ((3, 4), None),
        ((3, 4), 0),
        ((3, 4), -1),
        ((2, 3, 4), 1),
        ((2, 1, 3, 2, 2), 2),
        ((2, 1, 3, 2, 2), None),
    ],
    ids=str,
)
@pytest.mark.parametrize(
    "fn,ref",
    [(ops.argmax, np.argmax), (ops.argmin, np.argmin)],
    ids=["argmax", "argmin"],
)
def test_argmax_argmin(fn, ref, shape, axis, keepdims, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    y = fn(x, axis=axis, keepdims=keepdims)
    assert y.dtype in ("int32", "int64")
    np.testing.assert_array_equal(y.numpy(), ref(x, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize(
    "fn,ref",
    [(ops.argmax, np.argmax), (ops.argmin, np.argmin)],
    ids=["argmax", "argmin"],
)
def test_argmax_ties_take_first(fn, ref):
    x = np.array([[1, 3, 3, 0], [2, 2, 0, 0]], np.int32)
    np.testing.assert_array_equal(fn(x, axis=1).numpy(), ref(x, axis=1))
    np.testing.assert_array_equal(fn(x).numpy(), ref(x))


@pytest.mark.parametrize(
    "shape,axis",
    [
        ((7,), None),
        ((7,), 0),
        ((3, 4), None),
        ((3, 4), 0),
        ((3, 4), 1),
        ((3, 4), -1),
        ((2, 3, 4), 1),
        ((2, 1, 3, 2, 2), 3),
        ((0, 3), 0),
        ((0, 3), 1),
    ],
    ids=str,
)
def test_cumsum(shape, axis, rng):
    x = f32(rng.standard_normal(shape))
    y = ops.cumsum(x.astype(np.float32), axis=axis)
    assert_close(y, np.cumsum(x, axis=axis), rtol=1e-5, atol=1e-5)


def test_cumsum_int_and_bool():
    x = np.array([[1, 2, 3], [4, 5, 6]], np.int32)
    y = ops.cumsum(x, axis=1)
    assert y.dtype == "int32"
    np.testing.assert_array_equal(y.numpy(), np.cumsum(x, axis=1))
    b = np.array([True, False, True, True])
    np.testing.assert_array_equal(ops.cumsum(b).numpy(), np.cumsum(b))


def test_max_min_initial():
    x = np.array([[1.0, -2.0], [0.5, 0.25]], np.float32)
    assert_close(ops.max(x, axis=1, initial=0.75), np.max(x, axis=1, initial=0.75))
    assert_close(ops.min(x, axis=0, initial=0.0), np.min(x, axis=0, initial=0.0))
