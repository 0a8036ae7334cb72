"""Bad input raises the right Python exception with a useful message;
never a panic or a crash."""

import numpy as np
import pytest

import rkeras
from rkeras import ops


def z(*shape, dtype=np.float32):
    return np.zeros(shape, dtype)


def _assert_names(excinfo, *parts):
    msg = str(excinfo.value)
    for p in parts:
        assert p in msg, f"{p!r} not in {msg!r}"


@pytest.mark.parametrize(
    "fn,name",
    [
        (ops.add, "add"),
        (ops.subtract, "subtract"),
        (ops.multiply, "multiply"),
        (ops.divide, "divide"),
        (ops.maximum, "maximum"),
        (ops.equal, "equal"),
        (ops.logical_and, "logical_and"),
    ],
)
def test_binary_shape_mismatch(fn, name):
    with pytest.raises(ValueError) as e:
        fn(z(2, 3), z(4, 3))
    _assert_names(e, name, "(2, 3)", "(4, 3)")


def test_operator_shape_mismatch():
    with pytest.raises(ValueError) as e:
        ops.convert_to_tensor(z(2, 3)) + ops.convert_to_tensor(z(3, 2))
    _assert_names(e, "(2, 3)", "(3, 2)")


@pytest.mark.parametrize(
    "sa,sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 2, 3), (3, 3, 4)), ((5, 3), (2,))]
)
def test_matmul_shape_mismatch(sa, sb):
    with pytest.raises(ValueError) as e:
        ops.matmul(z(*sa), z(*sb))
    _assert_names(e, "matmul", str(sa).replace(",)", ",)"), str(sb))


def test_matmul_scalar_operand():
    with pytest.raises(ValueError) as e:
        ops.matmul(np.float32(2.0), z(2, 2))
    _assert_names(e, "matmul")


def test_concatenate_shape_mismatch():
    with pytest.raises(ValueError) as e:
        ops.concatenate([z(2, 3), z(2, 4)], axis=0)
    _assert_names(e, "concatenate", "(2, 3)", "(2, 4)")
    with pytest.raises(ValueError) as e:
        ops.concatenate([z(2, 3), z(2, 3, 1)], axis=0)
    _assert_names(e, "concatenate", "(2, 3)", "(2, 3, 1)")


def test_concatenate_empty_list():
    with pytest.raises(ValueError):
        ops.concatenate([])


def test_stack_shape_mismatch():
    with pytest.raises(ValueError) as e:
        ops.stack([z(2, 3), z(3, 2)])
    _assert_names(e, "stack", "(2, 3)", "(3, 2)")


@pytest.mark.parametrize("new", [(4, 2), (-1, 4), (5,), (-1, -1)])
def test_reshape_mismatch(new):
    with pytest.raises(ValueError) as e:
        ops.reshape(z(2, 3), new)
    _assert_names(e, "reshape")
    if -1 not in new or new == (-1, 4):
        _assert_names(e, "(2, 3)")


def test_broadcast_to_mismatch():
    with pytest.raises(ValueError) as e:
        ops.broadcast_to(z(3, 2), (3, 3))
    _assert_names(e, "(3, 2)", "(3, 3)")


@pytest.mark.parametrize(
    "call",
    [
        lambda: ops.sum(z(2, 3), axis=2),
        lambda: ops.sum(z(2, 3), axis=-3),
        lambda: ops.mean(z(2, 3), axis=(0, 0)),
        lambda: ops.max(z(2, 3), axis=5),
        lambda: ops.argmax(z(2, 3), axis=2),
        lambda: ops.softmax(z(2, 3), axis=2),
        lambda: ops.expand_dims(z(2, 3), 4),
        lambda: ops.squeeze(z(2, 3), 0),
        lambda: ops.transpose(z(2, 3), (0, 2)),
        lambda: ops.transpose(z(2, 3), (0, 0)),
        lambda: ops.transpose(z(2, 3), (0,)),
        lambda: ops.concatenate([z(2, 3), z(2, 3)], axis=2),
        lambda: ops.stack([z(2, 3)], axis=3),
        lambda: ops.split(z(4, 3), 3, axis=0),
        lambda: ops.split(z(4, 3), 2, axis=2),
        lambda: ops.flip(z(2, 3), 2),
        lambda: ops.cumsum(z(2, 3), axis=2),
        lambda: ops.take(z(2, 3), np.array([0]), axis=2),
        lambda: ops.take_along_axis(z(2, 3), np.zeros((2,), np.int32), axis=0),
        lambda: ops.pad(z(2, 3), [(1, 1), (1, 1), (1, 1)]),
        lambda: ops.one_hot(np.array([1], np.int32), 3, axis=3),
        lambda: ops.max(z(0, 3), axis=0),
        lambda: ops.arange(0, 5, 0),
        lambda: ops.repeat(z(2, 3), [1, 2], axis=1),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_bad_axis_message_names_axis_and_rank():
    with pytest.raises(ValueError) as e:
        ops.sum(z(2, 3), axis=2)
    msg = str(e.value)
    assert "2" in msg and "sum" in msg


@pytest.mark.parametrize(
    "key",
    [5, -6, (0, 4), (slice(None), 7), (0, 0, 0, 0), np.array([0, 5]), np.array([-6])],
    ids=repr,
)
def test_index_out_of_range(key):
    t = ops.convert_to_tensor(z(5, 4, 3))
    with pytest.raises(IndexError):
        t[key]


def test_take_out_of_range():
    with pytest.raises(IndexError):
        ops.take(z(3, 4), np.array([3]), axis=0)
    with pytest.raises(IndexError):
        ops.take(z(3, 4), np.array([-13]))
    with pytest.raises(IndexError):
        ops.take_along_axis(z(3, 4), np.array([[4]]), axis=1)


def test_float_index_raises():
    t = ops.convert_to_tensor(z(3))
    with pytest.raises(IndexError):
        t[np.array([0.5])]
    with pytest.raises(TypeError):
        ops.take(z(3), np.array([0.0], np.float32))


def test_double_ellipsis():
    with pytest.raises(IndexError):
        ops.convert_to_tensor(z(2, 3))[..., ...]


@pytest.mark.parametrize(
    "call",
    [
        lambda: ops.cast(z(2), "float128x"),
        lambda: ops.cast(z(2), "complex64"),
        lambda: ops.zeros((2,), dtype="string"),
        lambda: ops.convert_to_tensor([1, 2], dtype="nope"),
        lambda: rkeras.Variable([1.0], dtype="int4x"),
        lambda: ops.convert_to_tensor(np.array(["a", "b"])),
        lambda: ops.convert_to_tensor(np.array([1 + 2j])),
        lambda: ops.convert_to_tensor(object()),
        lambda: ops.one_hot(np.array([0.5], np.float32), 3),
        lambda: ops.logical_not(np.array(["x"])),
    ],
)
def test_bad_dtype_raises_type_error(call):
    with pytest.raises(TypeError):
        call()


def test_bad_dtype_message_names_it():
    with pytest.raises(TypeError) as e:
        ops.cast(z(2), "float128x")
    assert "float128x" in str(e.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ops.pad(z(2), [(1, 1)], mode="median"),
        lambda: ops.one_hot(np.array([1], np.int32), 3, sparse=True),
        lambda: ops.convert_to_tensor([1.0], sparse=True),
        lambda: ops.convert_to_tensor(z(3))[np.array([True, False, True])],
        lambda: ops.convert_to_tensor(z(3, 3))[np.array([0]), np.array([1])],
        lambda: ops.convert_to_tensor(z(3))[True],
    ],
)
def test_unsupported_raises_not_implemented(call):
    with pytest.raises(NotImplementedError):
        call()


def test_bad_device_name():
    with pytest.raises(ValueError):
        with rkeras.device("tpu"):
            pass


def test_gpu_without_backend_raises_runtime_error_if_unavailable():
    from rkeras import _core

    if _core.gpu_available():
        with rkeras.device("gpu"):
            assert ops.ones((1,)).device.startswith("gpu")
    else:
        with pytest.raises(RuntimeError) as e:
            with rkeras.device("gpu"):
                pass
        assert "gpu" in str(e.value).lower()
        assert rkeras.config.get_device() == "cpu"


def test_errors_leave_engine_usable():
    for _ in range(3):
        with pytest.raises(ValueError):
            ops.add(z(2), z(3))
    assert ops.add(z(2), z(2)).shape == (2,)


def test_error_inside_tape_leaves_tape_usable():
    x = ops.convert_to_tensor(np.array([1.0, 2.0], np.float32))
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(ValueError):
            ops.add(x, z(3))
        y = ops.sum(x * x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 4.0])


def test_set_floatx_rejects_float64():
    with pytest.raises(ValueError):
        rkeras.config.set_floatx("float64")


def test_randint_bad_range_and_dropout_rate():
    with pytest.raises(ValueError):
        rkeras.random.randint((3,), 5, 5)
    with pytest.raises(ValueError):
        rkeras.random.dropout(z(3), 1.0)
    with pytest.raises(ValueError):
        rkeras.random.dropout(z(3), -0.1)
    with pytest.raises(ValueError):
        rkeras.random.uniform((2,), dtype="int32")


def test_negative_shape():
    with pytest.raises((TypeError, ValueError, OverflowError)):
        ops.zeros((-1, 2))


@pytest.mark.parametrize(
    "call",
    [
        lambda: ops.zeros((2**40, 2**40)),
        lambda: ops.ones((2**62,)),
        lambda: ops.full((2**33, 2**33, 4), 1.0),
        lambda: ops.broadcast_to(z(1), (2**40, 2**40)),
        lambda: rkeras.random.normal((2**33, 2**33)),
        lambda: ops.reshape(z(0), (2**40, 2**40, 0)),
        lambda: ops.reshape(z(4), (2**40, 2**40, -1)),
    ],
)
def test_overflowing_shapes_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
