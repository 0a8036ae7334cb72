"""softmax, log_softmax, one_hot, sparse cross-entropy, matmul and dot against NumPy."""

import numpy as np
import pytest
from conftest import assert_close, check_grad, f32

from rkeras import ops


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


SOFTMAX_CASES = [
    ((5,), -1),
    ((3, 4), -1),
    ((3, 4), 0),
    ((2, 3, 4), 1),
    ((2, 1, 3, 2, 4), -1),
    ((2, 1, 3, 2, 4), 2),
    ((0, 4), -1),
]


@pytest.mark.parametrize("scale", [1.0, 1e3])
@pytest.mark.parametrize("shape,axis", SOFTMAX_CASES, ids=str)
def test_softmax(shape, axis, scale, rng):
    x = f32(rng.standard_normal(shape) * scale)
    y = ops.softmax(x.astype(np.float32), axis=axis)
    assert y.dtype == "float32"
    assert np.all(np.isfinite(y.numpy()))
    assert_close(y, _softmax(x, axis))


@pytest.mark.parametrize("scale", [1.0, 1e3])
@pytest.mark.parametrize("shape,axis", SOFTMAX_CASES, ids=str)
def test_log_softmax(shape, axis, scale, rng):
    x = f32(rng.standard_normal(shape) * scale)
    y = ops.log_softmax(x.astype(np.float32), axis=axis)
    assert np.all(np.isfinite(y.numpy()))
    assert_close(y, _log_softmax(x, axis), rtol=1e-5, atol=1e-5 * scale)


def test_softmax_default_axis_is_last(rng):
    x = f32(rng.standard_normal((3, 5)))
    assert_close(ops.softmax(x.astype(np.float32)), _softmax(x, -1))
    assert_close(ops.log_softmax(x.astype(np.float32)), _log_softmax(x, -1))


def test_softmax_of_int_is_float():
    x = np.array([[1, 2, 3]], np.int32)
    y = ops.softmax(x)
    assert y.dtype == "float32"
    assert_close(y, _softmax(x.astype(np.float64)))


def test_softmax_huge_logits_rows_sum_to_one():
    x = np.array([[1e3, 1e3 - 1, -1e3], [-1e3, -1e3, -1e3], [1e4, 0.0, 0.0]], np.float32)
    y = ops.softmax(x).numpy()
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-6)
    assert_close(y, _softmax(x.astype(np.float64)))


@pytest.mark.parametrize(
    "shape,num_classes,axis",
    [((5,), 4, -1), ((2, 3), 5, -1), ((2, 3), 5, 0), ((2, 3), 5, 1), ((), 3, -1)],
    ids=str,
)
def test_one_hot(shape, num_classes, axis, rng):
    x = rng.integers(0, num_classes, shape).astype(np.int32)
    want = np.moveaxis(np.eye(num_classes)[x], -1, axis)
    y = ops.one_hot(x, num_classes, axis=axis)
    assert y.dtype == "float32"
    assert_close(y, want)


def test_one_hot_out_of_range_and_dtype():
    x = np.array([0, 3, -1, 5], np.int64)
    y = ops.one_hot(x, 4, dtype="int32")
    assert y.dtype == "int32"
    want = np.zeros((4, 4), np.int32)
    want[0, 0] = 1
    want[1, 3] = 1
    np.testing.assert_array_equal(y.numpy(), want)


MATMUL_CASES = [
    ((3, 4), (4, 5)),
    ((1, 1), (1, 1)),
    ((4,), (4,)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
    ((2, 1, 2, 3, 4), (3, 1, 4, 2)),
    ((0, 4), (4, 5)),
    ((3, 0), (0, 5)),
    ((33, 65), (65, 17)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_CASES, ids=str)
def test_matmul(sa, sb, rng):
    a = f32(rng.standard_normal(sa))
    b = f32(rng.standard_normal(sb))
    y = ops.matmul(a.astype(np.float32), b.astype(np.float32))
    assert y.dtype == "float32"
    assert_close(y, np.matmul(a, b), rtol=1e-5, atol=1e-5)


def test_matmul_of_strided_inputs(rng):
    a = f32(rng.standard_normal((6, 6)))
    b = f32(rng.standard_normal((10, 6)))
    at = a.astype(np.float32)[::2, ::-1]
    bt = b.astype(np.float32).T[::-1, ::2]
    assert_close(ops.matmul(at, bt), np.matmul(a[::2, ::-1], b.T[::-1, ::2]), atol=1e-5)
    ta = ops.transpose(ops.convert_to_tensor(a.astype(np.float32)))
    assert_close(ops.matmul(ta, a.astype(np.float32)), a.T @ a, atol=1e-5)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_matmul_ints(dtype, rng):
    a = rng.integers(-4, 5, (3, 4)).astype(dtype)
    b = rng.integers(-4, 5, (4, 2)).astype(dtype)
    y = ops.matmul(a, b)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.numpy(), a @ b)


DOT_CASES = [
    ((), ()),
    ((), (3, 4)),
    ((4,), (4,)),
    ((3, 4), (4,)),
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((2, 3, 4), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (6, 4, 5)),
    ((4,), (2, 4, 5)),
]


@pytest.mark.parametrize("sa,sb", DOT_CASES, ids=str)
def test_dot(sa, sb, rng):
    a = f32(rng.standard_normal(sa))
    b = f32(rng.standard_normal(sb))
    y = ops.dot(a.astype(np.float32), b.astype(np.float32))
    assert_close(y, np.dot(a, b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("device", ["cpu", "gpu"])
def test_relu_propagates_nan(device):
    import math

    import rkeras

    with rkeras.device(device):
        out = np.asarray(ops.relu(np.array([np.nan, -1.0, 2.0], "float32")))
    assert math.isnan(out[0]) and out[1] == 0 and out[2] == 2


def _sparse_ce(labels, scores, from_logits, axis=-1, eps=1e-7):
    scores = np.moveaxis(scores.astype(np.float64), axis, -1)
    if from_logits:
        log_p = _log_softmax(scores)
    else:
        p = scores / scores.sum(-1, keepdims=True)
        log_p = np.log(np.clip(p, eps, 1 - eps))
    classes = scores.shape[-1]
    valid = (labels >= 0) & (labels < classes)
    picked = np.take_along_axis(log_p, np.where(valid, labels, 0)[..., None], -1)[..., 0]
    return np.where(valid, -picked, 0.0)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("shape,axis", [((6, 5), -1), ((2, 3, 4), -1), ((3, 4, 2), 1)], ids=str)
def test_sparse_categorical_crossentropy(shape, axis, from_logits, device, rng):
    scores = f32(rng.standard_normal(shape) if from_logits else rng.uniform(0.05, 1, shape))
    label_shape = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
    labels = rng.integers(0, shape[axis], label_shape).astype(np.int32)
    labels.flat[0] = -1  # out of range: zero loss
    got = ops.sparse_categorical_crossentropy(labels, scores, from_logits=from_logits, axis=axis)
    assert tuple(got.shape) == label_shape
    assert_close(got, _sparse_ce(labels, scores, from_logits, axis), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy_gradient(from_logits, device, rng):
    labels = np.array([2, 0, 3, 1], np.int32)
    scores = rng.standard_normal((4, 5)) if from_logits else rng.uniform(0.2, 1.0, (4, 5))
    check_grad(
        lambda s: ops.sparse_categorical_crossentropy(labels, s, from_logits=from_logits),
        lambda s: _sparse_ce(labels, s, from_logits),
        [scores],
        rng,
    )
