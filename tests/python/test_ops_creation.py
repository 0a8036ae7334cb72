"""Constructors and conversions: zeros/ones/full(_like), arange, eye,
convert_to_tensor, convert_to_numpy."""

import numpy as np
import pytest
from conftest import assert_close

import rkeras
from rkeras import ops


@pytest.mark.parametrize("shape", [(), (0,), 3, (3,), (2, 3), (2, 1, 3, 1, 2)], ids=str)
@pytest.mark.parametrize("dtype", [None, "float32", "int32", "int64", "bool"])
def test_zeros_ones_full(shape, dtype):
    np_dtype = dtype or "float32"
    for fn, ref in [(ops.zeros, np.zeros), (ops.ones, np.ones)]:
        y = fn(shape, dtype=dtype)
        assert y.dtype == np_dtype
        np.testing.assert_array_equal(y.numpy(), ref(shape, np_dtype))
    y = ops.full(shape, 3, dtype=dtype)
    assert y.dtype == np_dtype
    np.testing.assert_array_equal(y.numpy(), np.full(shape, 3, np_dtype))


def test_full_value():
    assert_close(ops.full((2, 2), -1.25), np.full((2, 2), -1.25))


@pytest.mark.parametrize("dtype", ["float32", "int32", "int64", "bool"])
def test_like_constructors(dtype, rng):
    x = (rng.standard_normal((2, 3)) * 3).astype(dtype)
    for fn, ref in [(ops.zeros_like, np.zeros_like), (ops.ones_like, np.ones_like)]:
        y = fn(x)
        assert y.dtype == dtype
        np.testing.assert_array_equal(y.numpy(), ref(x))
    y = ops.full_like(x, 2)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.numpy(), np.full_like(x, 2))
    assert ops.zeros_like(x, dtype="float32").dtype == "float32"
    assert ops.full_like(x, 7, dtype="int64").dtype == "int64"


@pytest.mark.parametrize(
    "args,dtype,expected_dtype",
    [
        ((5,), None, "int32"),
        ((2, 7), None, "int32"),
        ((2, 11, 3), None, "int32"),
        ((10, 2, -3), None, "int32"),
        ((0,), None, "int32"),
        ((5, 2), None, "int32"),
        ((0.0, 1.0, 0.25), None, "float32"),
        ((1.5,), None, "float32"),
        ((-1, 1, 0.5), None, "float32"),
        ((5,), "float32", "float32"),
        ((5,), "int64", "int64"),
    ],
    ids=str,
)
def test_arange(args, dtype, expected_dtype):
    y = ops.arange(*args, dtype=dtype)
    assert y.dtype == expected_dtype
    assert_close(y, np.arange(*args).astype(expected_dtype))


@pytest.mark.parametrize(
    "n,m,k", [(3, None, 0), (3, 4, 0), (4, 3, 1), (3, 3, -1), (3, 5, 2), (0, None, 0)]
)
def test_eye(n, m, k):
    assert_close(ops.eye(n, m, k), np.eye(n, m, k))
    assert ops.eye(n, m, k, dtype="int32").dtype == "int32"


@pytest.mark.parametrize(
    "value,dtype",
    [
        (1, "int32"),
        (1.5, "float32"),
        (True, "bool"),
        ([1, 2, 3], "int32"),
        ([1.0, 2, 3], "float32"),
        ([[1, 2], [3, 4]], "int32"),
        ([[True], [False]], "bool"),
        (np.float64(2.5), "float32"),
        (np.arange(4, dtype=np.int64), "int64"),
        (np.arange(4, dtype=np.int16), "int32"),
        (np.arange(4, dtype=np.uint8), "int32"),
        (np.arange(4, dtype=np.float16), "float32"),
    ],
    ids=str,
)
def test_convert_to_tensor(value, dtype):
    t = ops.convert_to_tensor(value)
    assert isinstance(t, rkeras.Tensor)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(value).astype(dtype))


def test_convert_to_tensor_with_dtype():
    t = ops.convert_to_tensor([1, 2, 3], dtype="float32")
    assert t.dtype == "float32"
    t2 = ops.convert_to_tensor(np.array([1.7, -1.7]), dtype="int32")
    assert t2.dtype == "int32"
    np.testing.assert_array_equal(t2.numpy(), [1, -1])


def test_convert_to_tensor_of_tensor_and_variable():
    t = ops.convert_to_tensor([1.0, 2.0])
    assert ops.convert_to_tensor(t).numpy().tolist() == [1.0, 2.0]
    v = rkeras.Variable([3.0, 4.0])
    assert ops.convert_to_tensor(v).numpy().tolist() == [3.0, 4.0]


def test_convert_to_numpy_is_writable_copy():
    t = ops.convert_to_tensor([1.0, 2.0])
    a = ops.convert_to_numpy(t)
    assert isinstance(a, np.ndarray)
    assert a.dtype == np.float32
    a[0] = 9.0
    assert t.numpy()[0] == 1.0
    b = ops.convert_to_numpy([[1, 2]])
    assert b.shape == (1, 2)
