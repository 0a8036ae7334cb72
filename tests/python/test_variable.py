"""rkeras.Variable: construction, in-place updates, use in ops."""

import numpy as np
import pytest
from conftest import assert_close

import rkeras
from rkeras import ops


def test_from_array_and_list():
    v = rkeras.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert v.shape == (2, 3)
    assert v.dtype == "float32"
    np.testing.assert_array_equal(v.numpy(), np.arange(6).reshape(2, 3))
    w = rkeras.Variable([1.0, 2.0])
    assert w.shape == (2,)
    assert w.dtype == "float32"
    i = rkeras.Variable([1, 2])
    assert i.dtype == "int32"


def test_float64_array_becomes_float32():
    v = rkeras.Variable(np.ones((2,), np.float64))
    assert v.dtype == "float32"


def test_dtype_argument():
    v = rkeras.Variable([1, 2], dtype="float32")
    assert v.dtype == "float32"
    w = rkeras.Variable([1.7, 2.2], dtype="int64")
    assert w.dtype == "int64"
    np.testing.assert_array_equal(w.numpy(), [1, 2])


def test_callable_initializer():
    calls = []

    def init(shape, dtype):
        calls.append((tuple(shape), dtype))
        return np.full(shape, 0.5, dtype)

    v = rkeras.Variable(init, shape=(2, 3), dtype="float32")
    assert calls == [((2, 3), "float32")]
    assert v.shape == (2, 3)
    np.testing.assert_array_equal(v.numpy(), np.full((2, 3), 0.5))


def test_callable_initializer_needs_shape():
    with pytest.raises(ValueError):
        rkeras.Variable(lambda shape, dtype: np.zeros(shape))


def test_shape_argument_must_match():
    with pytest.raises(ValueError):
        rkeras.Variable(np.zeros((2, 3)), shape=(3, 2))


def test_name_and_trainable():
    v = rkeras.Variable([1.0], name="kernel")
    assert v.name == "kernel"
    assert v.trainable
    v.trainable = False
    assert not v.trainable
    v.trainable = True
    assert v.trainable
    assert not rkeras.Variable([1.0], trainable=False).trainable


def test_assign_returns_variable_and_updates():
    v = rkeras.Variable(np.zeros((2, 2), np.float32))
    out = v.assign(np.ones((2, 2), np.float32))
    assert out is v
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 2)))
    out = v.assign_add(np.full((2, 2), 2.0, np.float32))
    assert out is v
    np.testing.assert_array_equal(v.numpy(), np.full((2, 2), 3.0))
    out = v.assign_sub([[1.0, 0.0], [0.0, 1.0]])
    assert out is v
    np.testing.assert_array_equal(v.numpy(), [[2.0, 3.0], [3.0, 2.0]])


def test_assign_add_broadcasts_and_scalar():
    v = rkeras.Variable(np.zeros((2, 3), np.float32))
    v.assign_add(np.array([1.0, 2.0, 3.0], np.float32))
    v.assign_sub(0.5)
    np.testing.assert_allclose(v.numpy(), np.array([[0.5, 1.5, 2.5]] * 2))


def test_assign_casts_to_variable_dtype():
    v = rkeras.Variable(np.zeros((2,), np.float32))
    v.assign(np.array([1, 2], np.int32))
    assert v.dtype == "float32"
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    iv = rkeras.Variable(np.zeros((2,), np.int32))
    iv.assign_add(np.array([3, 4], np.int32))
    assert iv.dtype == "int32"
    np.testing.assert_array_equal(iv.numpy(), [3, 4])


def test_captured_values_do_not_change():
    v = rkeras.Variable(np.array([1.0, 2.0], np.float32))
    before = v.value
    through_op = v * 1.0
    as_np = np.asarray(v)
    v.assign_add(np.array([10.0, 10.0], np.float32))
    np.testing.assert_array_equal(before.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(through_op.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(as_np, [1.0, 2.0])
    np.testing.assert_array_equal(v.numpy(), [11.0, 12.0])
    v.assign(np.array([0.0, 0.0], np.float32))
    np.testing.assert_array_equal(before.numpy(), [1.0, 2.0])


def test_assigned_source_array_is_not_aliased():
    v = rkeras.Variable(np.zeros((2,), np.float32))
    t = ops.convert_to_tensor(np.array([1.0, 2.0], np.float32))
    v.assign(t)
    v.assign_add(np.ones(2, np.float32))
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(v.numpy(), [2.0, 3.0])


@pytest.mark.parametrize("method", ["assign", "assign_add", "assign_sub"])
def test_shape_mismatch_names_both_shapes(method):
    v = rkeras.Variable(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError) as e:
        getattr(v, method)(np.zeros((4, 5), np.float32))
    msg = str(e.value)
    assert "(2, 3)" in msg and "(4, 5)" in msg
    np.testing.assert_array_equal(v.numpy(), np.zeros((2, 3)))


def test_variable_in_ops_and_operators(rng):
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4,)).astype(np.float32)
    v, w = rkeras.Variable(a), rkeras.Variable(b)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    assert_close(v + w, a64 + b64)
    assert_close(v - 1, a64 - 1)
    assert_close(2 * v, 2 * a64)
    assert_close(v / 2, a64 / 2)
    assert_close(v**2, a64**2)
    assert_close(-v, -a64)
    assert_close(v @ w, a64 @ b64, atol=1e-5)
    assert_close(v > 0, a64 > 0)
    assert_close(v[1, ::-1], a64[1, ::-1])
    assert_close(ops.sum(v, axis=0), a64.sum(0), atol=1e-5)
    assert_close(ops.exp(v), np.exp(a64))
    assert_close(ops.matmul(v, w), a64 @ b64, atol=1e-5)
    assert_close(ops.concatenate([v, v]), np.concatenate([a64, a64]))
    assert_close(ops.where(v > 0, v, w), np.where(a64 > 0, a64, b64))
    assert_close(np.asarray(v), a64)
    assert len(v) == 3
    assert v.ndim == 2 and v.size == 12


def test_variable_value_is_a_tensor():
    v = rkeras.Variable([1.0])
    assert isinstance(v.value, rkeras.Tensor)


def test_repr_has_name():
    assert "kernel" in repr(rkeras.Variable([1.0], name="kernel"))


def test_gradient_through_updated_variable():
    v = rkeras.Variable([2.0])
    v.assign([3.0])
    with rkeras.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v).numpy().tolist() == [6.0]
