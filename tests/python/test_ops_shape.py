"""Shape, joining and gathering ops against NumPy."""

import numpy as np
import pytest
from conftest import assert_close

from rkeras import ops


def _x(rng, shape, dtype=np.float32):
    return (rng.standard_normal(shape) * 3).astype(dtype)


@pytest.mark.parametrize(
    "shape,new",
    [
        ((), (1,)),
        ((6,), (2, 3)),
        ((6,), (-1, 2)),
        ((2, 3, 4), (4, -1)),
        ((2, 3, 4), (24,)),
        ((2, 3, 4), -1),
        ((2, 1, 3, 2, 2), (3, 2, 2, 2)),
        ((0, 3), (3, 0)),
        ((1,), ()),
    ],
    ids=str,
)
def test_reshape(shape, new, rng):
    x = _x(rng, shape)
    assert_close(ops.reshape(x, new), np.reshape(x, new))


def test_reshape_of_transposed_view(rng):
    x = _x(rng, (3, 4))
    t = ops.transpose(x)
    assert_close(ops.reshape(t, (2, 6)), np.reshape(x.T, (2, 6)))


@pytest.mark.parametrize(
    "shape,axes",
    [
        ((), None),
        ((5,), None),
        ((3, 4), None),
        ((3, 4), (1, 0)),
        ((2, 3, 4), (1, 2, 0)),
        ((2, 3, 4), (-1, 0, 1)),
        ((2, 1, 3, 2, 2), (4, 2, 0, 3, 1)),
        ((0, 3), None),
    ],
    ids=str,
)
def test_transpose(shape, axes, rng):
    x = _x(rng, shape)
    assert_close(ops.transpose(x, axes), np.transpose(x, axes))


@pytest.mark.parametrize(
    "shape,axis", [((), 0), ((3,), 0), ((3,), 1), ((3,), -1), ((2, 3), -2), ((2, 0), 1)]
)
def test_expand_dims(shape, axis, rng):
    x = _x(rng, shape)
    assert_close(ops.expand_dims(x, axis), np.expand_dims(x, axis))


@pytest.mark.parametrize(
    "shape,axis",
    [
        ((1,), None),
        ((1, 3, 1), None),
        ((1, 3, 1), 0),
        ((1, 3, 1), -1),
        ((1, 3, 1), (0, 2)),
        ((2, 1, 3, 1, 2), (1, 3)),
        ((3,), None),
    ],
    ids=str,
)
def test_squeeze(shape, axis, rng):
    x = _x(rng, shape)
    assert_close(ops.squeeze(x, axis), np.squeeze(x, axis))


@pytest.mark.parametrize(
    "shape,target",
    [
        ((), (2, 3)),
        ((3,), (2, 3)),
        ((3, 1), (3, 4)),
        ((1, 4), (2, 3, 4)),
        ((2, 1, 3, 1, 2), (2, 4, 3, 5, 2)),
        ((1,), (0,)),
    ],
    ids=str,
)
def test_broadcast_to(shape, target, rng):
    x = _x(rng, shape)
    assert_close(ops.broadcast_to(x, target), np.broadcast_to(x, target))


@pytest.mark.parametrize(
    "shape,axis",
    [
        ((5,), None),
        ((5,), 0),
        ((3, 4), None),
        ((3, 4), 1),
        ((3, 4), -2),
        ((2, 3, 4), (0, 2)),
        ((2, 1, 3, 2, 2), 2),
        ((0, 3), 0),
    ],
    ids=str,
)
def test_flip(shape, axis, rng):
    x = _x(rng, shape)
    assert_close(ops.flip(x, axis), np.flip(x, axis))


@pytest.mark.parametrize(
    "shapes,axis",
    [
        ([(3,), (4,)], 0),
        ([(2, 3), (4, 3)], 0),
        ([(2, 3), (2, 1), (2, 5)], 1),
        ([(2, 3), (2, 1), (2, 5)], -1),
        ([(2, 3, 4), (2, 3, 4)], 1),
        ([(2, 1, 3, 2, 2), (2, 1, 3, 1, 2)], 3),
        ([(0, 3), (2, 3)], 0),
    ],
    ids=str,
)
def test_concatenate(shapes, axis, rng):
    xs = [_x(rng, s) for s in shapes]
    assert_close(ops.concatenate(xs, axis=axis), np.concatenate(xs, axis=axis))


def test_concatenate_promotes_dtypes():
    a = np.array([1, 2], np.int32)
    b = np.array([0.5], np.float32)
    y = ops.concatenate([a, b])
    assert y.dtype == "float32"
    assert_close(y, np.concatenate([a, b]))
    yi = ops.concatenate([a, np.array([3], np.int64)])
    assert yi.dtype == "int64"


@pytest.mark.parametrize(
    "shape,n,axis",
    [
        ((), 3, 0),
        ((3,), 2, 0),
        ((3,), 2, 1),
        ((2, 3), 4, -1),
        ((2, 3), 3, 1),
        ((0, 2), 2, 0),
    ],
    ids=str,
)
def test_stack(shape, n, axis, rng):
    xs = [_x(rng, shape) for _ in range(n)]
    assert_close(ops.stack(xs, axis=axis), np.stack(xs, axis=axis))


@pytest.mark.parametrize(
    "shape,spec,axis",
    [
        ((6,), 3, 0),
        ((6,), [1, 4], 0),
        ((4, 6), 2, 1),
        ((4, 6), [2], -1),
        ((4, 6), [-2], 0),
        ((4, 6), [0, 6], 1),
        ((2, 1, 4, 2, 2), 2, 2),
    ],
    ids=str,
)
def test_split(shape, spec, axis, rng):
    x = _x(rng, shape)
    got = ops.split(x, spec, axis=axis)
    want = np.split(x, spec, axis=axis)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert_close(g, w)


@pytest.mark.parametrize(
    "shape,indices,axis",
    [
        ((5,), [0, 4, 2], None),
        ((3, 4), [0, 11, 5], None),
        ((3, 4), [2, 0, 2], 0),
        ((3, 4), [[0, 1], [3, 3]], 1),
        ((3, 4), [-1, -4], 1),
        ((3, 4), 2, 1),
        ((2, 1, 3, 2, 2), [2, 0], 2),
        ((3, 4), np.zeros((0,), np.int32), 0),
    ],
    ids=str,
)
def test_take(shape, indices, axis, rng):
    x = _x(rng, shape)
    idx = np.asarray(indices)
    assert_close(ops.take(x, idx, axis=axis), np.take(x, idx, axis=axis))


@pytest.mark.parametrize("idx_dtype", ["int32", "int64"])
def test_take_index_dtypes(idx_dtype, rng):
    x = _x(rng, (4, 3))
    idx = np.array([3, 1], idx_dtype)
    assert_close(ops.take(x, idx, axis=0), np.take(x, idx, axis=0))


@pytest.mark.parametrize(
    "shape,ishape,axis",
    [
        ((5,), (3,), 0),
        ((3, 4), (3, 2), 1),
        ((3, 4), (5, 4), 0),
        ((3, 4), (1, 2), 1),
        ((3, 4), (3, 2), None),
        ((2, 3, 4), (2, 3, 1), -1),
        ((2, 1, 3, 2, 2), (2, 1, 3, 2, 5), 4),
    ],
    ids=str,
)
def test_take_along_axis(shape, ishape, axis, rng):
    x = _x(rng, shape)
    n = x.size if axis is None else shape[axis]
    idx = rng.integers(-n, n, ishape)
    want = np.take_along_axis(
        x if axis is not None else x.ravel(),
        idx if axis is not None else idx.ravel(),
        axis=axis if axis is not None else 0,
    )
    got = ops.take_along_axis(x, idx, axis=axis)
    assert_close(got, want)


@pytest.mark.parametrize(
    "shape,width,value",
    [
        ((3,), [(1, 2)], None),
        ((3, 4), [(1, 0), (2, 3)], None),
        ((3, 4), [(1, 1), (0, 0)], 2.5),
        ((2, 3), (1, 2), None),
        ((2, 3), [(1, 2)], -1.0),
        ((2, 3), 2, None),
        ((2, 1, 3, 2, 2), [(0, 1), (1, 0), (0, 0), (2, 2), (1, 1)], None),
        ((0, 2), [(1, 1), (0, 1)], 3.0),
    ],
    ids=str,
)
def test_pad(shape, width, value, rng):
    x = _x(rng, shape)
    kwargs = {} if value is None else {"constant_values": value}
    np_width = width if not (isinstance(width, list) and len(width) == 1) else width[0]
    assert_close(ops.pad(x, width, **kwargs), np.pad(x, np_width, **kwargs))


def test_pad_int_keeps_dtype():
    x = np.array([[1, 2], [3, 4]], np.int32)
    y = ops.pad(x, [(1, 0), (0, 1)], constant_values=7)
    assert y.dtype == "int32"
    np.testing.assert_array_equal(y.numpy(), np.pad(x, [(1, 0), (0, 1)], constant_values=7))


@pytest.mark.parametrize(
    "shape,reps",
    [
        ((3,), 2),
        ((3,), [2, 2]),
        ((2, 3), [2, 1]),
        ((2, 3), [3]),
        ((), [2, 3]),
        ((2, 1, 3), [1, 2, 1, 2]),
        ((0, 2), [2, 2]),
    ],
    ids=str,
)
def test_tile(shape, reps, rng):
    x = _x(rng, shape)
    assert_close(ops.tile(x, reps), np.tile(x, reps))


@pytest.mark.parametrize(
    "shape,repeats,axis",
    [
        ((3,), 2, None),
        ((2, 3), 2, None),
        ((2, 3), 3, 0),
        ((2, 3), 2, -1),
        ((2, 3), [1, 0, 2], 1),
        ((2, 3), [2, 1], 0),
        ((2, 3), [1, 2, 0, 1, 1, 3], None),
        ((2, 1, 3, 2, 2), 2, 3),
    ],
    ids=str,
)
def test_repeat(shape, repeats, axis, rng):
    x = _x(rng, shape)
    assert_close(ops.repeat(x, repeats, axis=axis), np.repeat(x, repeats, axis=axis))


def test_stop_gradient_values(rng):
    x = _x(rng, (3, 4))
    assert_close(ops.stop_gradient(x), x)


def test_shape_helpers(rng):
    x = _x(rng, (2, 0, 3))
    assert ops.shape(x) == (2, 0, 3)
    assert ops.ndim(x) == 3
    assert ops.size(x) == 0
    assert ops.dtype(x) == "float32"
    assert ops.is_tensor(ops.convert_to_tensor(x))
    assert not ops.is_tensor(x)
