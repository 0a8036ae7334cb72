"""The Tensor class: operators, weak typing of Python scalars, indexing,
properties and NumPy interop."""

import numpy as np
import pytest
from conftest import assert_close, f32

import rkeras
from rkeras import ops


def T(x):
    return ops.convert_to_tensor(x)


@pytest.fixture
def ab(rng):
    a = f32(rng.standard_normal((3, 4)))
    b = f32(rng.uniform(0.5, 2.0, (4,)))
    return a, b


def test_arithmetic_operators(ab):
    a, b = ab
    ta, tb = T(a.astype(np.float32)), T(b.astype(np.float32))
    assert_close(ta + tb, a + b)
    assert_close(ta - tb, a - b)
    assert_close(ta * tb, a * b)
    assert_close(ta / tb, a / b)
    assert_close(tb**ta, b**a)
    assert_close(-ta, -a)
    assert_close(+ta, a)
    assert_close(abs(ta), np.abs(a))
    assert_close(ta @ T(np.ones((4, 2), np.float32)), a @ np.ones((4, 2)))


def test_operators_with_numpy_operands(ab):
    a, b = ab
    ta = T(a.astype(np.float32))
    assert_close(ta + b.astype(np.float32), a + b)
    assert_close(ta @ np.ones((4,), np.float32), a @ np.ones(4))


def test_comparison_operators(rng):
    a = rng.integers(-2, 3, (3, 4)).astype(np.float32)
    b = rng.integers(-2, 3, (4,)).astype(np.float32)
    ta, tb = T(a), T(b)
    for got, want in [
        (ta < tb, a < b),
        (ta <= tb, a <= b),
        (ta > tb, a > b),
        (ta >= tb, a >= b),
        (ta == tb, a == b),
        (ta != tb, a != b),
        (ta > 0, a > 0),
        (ta == 1, a == 1),
    ]:
        assert got.dtype == "bool"
        np.testing.assert_array_equal(got.numpy(), want)


def test_logical_operators():
    a = T(np.array([True, True, False, False]))
    b = T(np.array([True, False, True, False]))
    np.testing.assert_array_equal((a & b).numpy(), [True, False, False, False])
    np.testing.assert_array_equal((a | b).numpy(), [True, True, True, False])
    np.testing.assert_array_equal((~a).numpy(), [False, False, True, True])


def test_reflected_operators_with_python_scalars(ab):
    a, _ = ab
    ta = T(a.astype(np.float32))
    assert_close(2 + ta, 2 + a)
    assert_close(2 - ta, 2 - a)
    assert_close(2 * ta, 2 * a)
    assert_close(2 / ta, 2 / a)
    assert_close(2.0**ta, 2.0**a)
    assert_close(ta**2, a**2)
    assert_close(1.5 - ta, 1.5 - a)


@pytest.mark.parametrize(
    "dtype,scalar,op,expected",
    [
        ("int32", 2.5, "mul", "float32"),
        ("int32", 2, "mul", "int32"),
        ("int32", 2, "add", "int32"),
        ("int32", 2, "div", "float32"),
        ("int64", 3, "add", "int64"),
        ("int64", 0.5, "add", "float32"),
        ("float32", 1, "add", "float32"),
        ("float32", 1.5, "mul", "float32"),
        ("float32", 2, "pow", "float32"),
        ("bool", 1, "add", "int32"),
        ("bool", 1.5, "mul", "float32"),
    ],
)
@pytest.mark.parametrize("reflected", [False, True])
def test_weak_typing_of_python_scalars(dtype, scalar, op, expected, reflected):
    x = np.array([[1, 2], [3, 0]]).astype(dtype)
    t = T(x)
    fns = {
        "add": lambda p, q: p + q,
        "mul": lambda p, q: p * q,
        "div": lambda p, q: p / q,
        "pow": lambda p, q: p**q,
    }
    f = fns[op]
    got = f(scalar, t) if reflected else f(t, scalar)
    xf = x.astype(np.float64)
    with np.errstate(divide="ignore"):
        want = f(scalar, xf) if reflected else f(xf, scalar)
    assert got.dtype == expected
    assert_close(got, want)


def test_int_tensor_keeps_int_with_large_python_int():
    t = T(np.array([1, 2], np.int64))
    y = t + 2**40
    assert y.dtype == "int64"
    np.testing.assert_array_equal(y.numpy(), [2**40 + 1, 2**40 + 2])


def test_float_tensor_plus_float64_numpy_scalar_stays_float32():
    t = T(np.array([1.0, 2.0], np.float32))
    assert (t + np.float64(1.5)).dtype == "float32"


# Basic indexing, compared with NumPy on the same array.
BASIC_KEYS = [
    1,
    -1,
    (0, 1),
    (-1, -2),
    slice(None),
    slice(1, 3),
    slice(None, None, 2),
    slice(None, None, -1),
    slice(3, 0, -2),
    slice(-2, None),
    slice(10, 20),
    slice(2, 1),
    (slice(None), 2),
    (slice(None, None, -1), slice(1, None, 2)),
    (Ellipsis, 1),
    (1, Ellipsis),
    (Ellipsis,),
    (None,),
    (None, 1, None),
    (slice(None), None, slice(None, None, -2)),
    (Ellipsis, None),
    (0, Ellipsis, None, slice(1, 3)),
    (),
]


@pytest.mark.parametrize("key", BASIC_KEYS, ids=repr)
def test_basic_indexing(key, rng):
    x = rng.standard_normal((4, 5, 3)).astype(np.float32)
    got = T(x)[key]
    assert isinstance(got, rkeras.Tensor)
    assert_close(got, x[key])


def test_indexing_0d_and_rank5(rng):
    x = rng.standard_normal((2, 1, 3, 2, 2)).astype(np.float32)
    assert_close(T(x)[1, 0, ::-1, ..., 1], x[1, 0, ::-1, ..., 1])
    s = T(np.float32(3.5))
    assert_close(s[...], np.float32(3.5))
    assert_close(s[None], np.array([3.5]))


@pytest.mark.parametrize(
    "key",
    [
        np.array([0, 2, 2]),
        np.array([-1, 0]),
        np.array([[0, 1], [3, 3]]),
        (slice(None), np.array([4, 0])),
        (1, np.array([0, 0, 2])),
        (Ellipsis, np.array([2, 1])),
        [0, 3],
    ],
    ids=repr,
)
def test_integer_array_indexing(key, rng):
    x = rng.standard_normal((4, 5, 3)).astype(np.float32)
    assert_close(T(x)[key], x[key])


def test_indexing_with_int_tensor(rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    idx = T(np.array([3, 1], np.int32))
    assert_close(T(x)[idx], x[[3, 1]])
    assert_close(T(x)[T(np.int32(2))], x[2])


def test_len_and_properties():
    t = T(np.zeros((4, 0, 3), np.float32))
    assert len(t) == 4
    assert t.shape == (4, 0, 3)
    assert isinstance(t.shape, tuple)
    assert t.dtype == "float32"
    assert isinstance(t.dtype, str)
    assert t.ndim == 3
    assert t.size == 0
    s = T(np.float32(1.0))
    assert s.shape == ()
    assert s.ndim == 0
    assert s.size == 1
    with pytest.raises(TypeError):
        len(s)


def test_scalar_conversions():
    assert float(T(np.float32(2.5))) == 2.5
    assert int(T(np.int32(7))) == 7
    assert bool(T(np.array([True])))
    assert not bool(T(np.float32(0.0)))
    assert [10, 20, 30][T(np.int64(1))] == 20
    with pytest.raises(ValueError):
        bool(T(np.array([1.0, 2.0], np.float32)))


def test_asarray_is_zero_copy_and_read_only():
    t = T(np.arange(6, dtype=np.float32).reshape(2, 3))
    a = np.asarray(t)
    b = np.asarray(t)
    assert a.dtype == np.float32
    assert a.shape == (2, 3)
    assert np.shares_memory(a, b)
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0, 0] = 1.0
    np.testing.assert_array_equal(a, np.arange(6).reshape(2, 3))


def test_asarray_outlives_tensor():
    t = T(np.arange(5, dtype=np.float32))
    a = np.asarray(t)
    del t
    import gc

    gc.collect()
    np.testing.assert_array_equal(a, np.arange(5))


def test_asarray_of_views(rng):
    x = rng.standard_normal((4, 5)).astype(np.float32)
    t = T(x)
    np.testing.assert_array_equal(np.asarray(t.T), x.T)
    np.testing.assert_array_equal(np.asarray(t[::-1, 1::2]), x[::-1, 1::2])
    np.testing.assert_array_equal(
        np.asarray(ops.broadcast_to(t[0], (3, 5))), np.broadcast_to(x[0], (3, 5))
    )


def test_asarray_with_dtype_and_copy():
    t = T(np.array([1.5, 2.5], np.float32))
    a = np.asarray(t, dtype=np.float64)
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, [1.5, 2.5])
    c = np.array(t, copy=True)
    c[0] = 0
    assert t.numpy()[0] == 1.5


def test_numpy_is_writable_copy():
    t = T(np.array([1.0, 2.0], np.float32))
    a = t.numpy()
    assert a.flags.writeable
    a[0] = 5.0
    assert t.numpy()[0] == 1.0
    assert not np.shares_memory(a, np.asarray(t))


def test_input_is_copied_not_aliased():
    x = np.array([1.0, 2.0, 3.0], np.float32)
    t = T(x)
    x[0] = 100.0
    assert t.numpy()[0] == 1.0


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x[:, ::2],
        lambda x: x[::-1],
        lambda x: x[::-1, ::-2],
        lambda x: np.asfortranarray(x),
        lambda x: x.T,
        lambda x: x[1:3, 1:],
        lambda x: np.broadcast_to(x[:1], (4, 6)),
        lambda x: x[:0],
    ],
    ids=[
        "strided",
        "neg_stride",
        "neg_stride2",
        "fortran",
        "transposed",
        "offset",
        "broadcast",
        "empty",
    ],
)
def test_numpy_input_layouts(make, rng):
    x = make(rng.standard_normal((4, 6)).astype(np.float32))
    t = T(x)
    assert t.shape == x.shape
    np.testing.assert_array_equal(t.numpy(), x)
    assert_close(ops.add(x, 1.0), x.astype(np.float64) + 1)


@pytest.mark.parametrize(
    "dtype,expected",
    [
        (np.float64, "float32"),
        (np.float16, "float32"),
        (np.float32, "float32"),
        (np.int64, "int64"),
        (np.int32, "int32"),
        (np.int8, "int32"),
        (np.uint8, "int32"),
        (np.bool_, "bool"),
    ],
)
def test_numpy_input_dtypes(dtype, expected, rng):
    x = (rng.standard_normal((3, 4)) * 10).astype(dtype)
    t = T(x)
    assert t.dtype == expected
    np.testing.assert_array_equal(t.numpy(), x.astype(expected))


def test_fortran_int64_and_bool_inputs(rng):
    x = np.asfortranarray(rng.integers(-5, 5, (3, 4)).astype(np.int64))
    np.testing.assert_array_equal(T(x).numpy(), x)
    b = np.asfortranarray(rng.random((3, 4)) < 0.5)[::-1]
    np.testing.assert_array_equal(T(b).numpy(), b)


def test_python_lists():
    t = T([[1.0, 2.0], [3.0, 4.5]])
    assert t.dtype == "float32"
    np.testing.assert_array_equal(t.numpy(), [[1.0, 2.0], [3.0, 4.5]])
    assert T([[1, 2]]).dtype == "int32"
    assert T([True, False]).dtype == "bool"
    assert T([]).shape == (0,)
    assert_close(ops.add([1.0, 2.0], [[1.0], [2.0]]), np.add([1.0, 2.0], [[1.0], [2.0]]))


def test_repr_mentions_shape_and_dtype():
    r = repr(T(np.zeros((2, 3), np.float32)))
    assert "(2, 3)" in r
    assert "float32" in r


def test_copy_and_pickle():
    import copy
    import pickle

    t = T(np.arange(3, dtype=np.float32))
    assert copy.copy(t).numpy().tolist() == [0, 1, 2]
    assert copy.deepcopy(t).numpy().tolist() == [0, 1, 2]
    t2 = pickle.loads(pickle.dumps(t))
    assert isinstance(t2, rkeras.Tensor)
    np.testing.assert_array_equal(t2.numpy(), [0, 1, 2])


def test_transpose_property(rng):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    assert_close(T(x).T, x.T)


def test_numpy_views_of_tensors_come_back_without_a_copy():
    t = ops.convert_to_tensor(np.arange(24, dtype="float32").reshape(4, 6))
    view = np.asarray(t)
    assert not view.flags.writeable
    again = ops.convert_to_tensor(view)
    assert np.shares_memory(np.asarray(again), view)
    for sliced in (view[1:3], view[::2, ::-3], view.T, view[2, 1:]):
        u = ops.convert_to_tensor(sliced)
        np.testing.assert_array_equal(np.asarray(u), sliced)
        np.testing.assert_array_equal(np.asarray(u * 2), sliced * 2)
    # A writable array (or a copy) is always copied in: later writes to it
    # must not change the tensor.
    data = np.ones(5, "float32")
    u = ops.convert_to_tensor(data)
    data[0] = 7
    assert np.asarray(u)[0] == 1
    w = ops.convert_to_tensor(t.numpy())
    assert not np.shares_memory(np.asarray(w), view)
