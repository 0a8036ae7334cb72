"""Elementwise ops (unary, binary, comparisons, logical, where, clip, cast)
against float64 NumPy references."""

import math

import numpy as np
import pytest
from conftest import BROADCAST_PAIRS, SHAPES, assert_close, f32

from rkeras import ops

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _relu6(x):
    return np.clip(x, 0.0, 6.0)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

# name -> (rkeras function, float64 reference, input domain)
UNARY = {
    "abs": (ops.abs, np.abs, "any"),
    "absolute": (ops.absolute, np.abs, "any"),
    "negative": (ops.negative, np.negative, "any"),
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
    "floor": (ops.floor, np.floor, "any"),
    "ceil": (ops.ceil, np.ceil, "any"),
    "round": (ops.round, np.round, "any"),
    "erf": (ops.erf, _erf, "any"),
    "sigmoid": (ops.sigmoid, _sigmoid, "any"),
    "relu": (ops.relu, lambda x: np.maximum(x, 0), "any"),
    "relu6": (ops.relu6, _relu6, "wide"),
    "selu": (ops.selu, lambda x: _SELU_SCALE * _elu(x, _SELU_ALPHA), "any"),
    "elu": (ops.elu, _elu, "any"),
    "leaky_relu": (ops.leaky_relu, lambda x: np.where(x >= 0, x, 0.2 * x), "any"),
    "softplus": (ops.softplus, lambda x: np.logaddexp(0.0, x), "wide"),
    "softsign": (ops.softsign, lambda x: x / (1 + np.abs(x)), "any"),
    "silu": (ops.silu, lambda x: x * _sigmoid(x), "any"),
    "swish": (ops.swish, lambda x: x * _sigmoid(x), "any"),
    "hard_sigmoid": (ops.hard_sigmoid, lambda x: _relu6(x + 3) / 6, "wide"),
    "hard_silu": (ops.hard_silu, lambda x: x * _relu6(x + 3) / 6, "wide"),
    "hard_swish": (ops.hard_swish, lambda x: x * _relu6(x + 3) / 6, "wide"),
    "gelu": (
        ops.gelu,
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
        "any",
    ),
}


def unary_input(rng, shape, domain):
    if domain == "positive":
        x = rng.uniform(0.1, 4.0, size=shape)
    elif domain == "wide":
        x = rng.uniform(-8.0, 8.0, size=shape)
    else:
        x = rng.standard_normal(shape) * 2
    return f32(x)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward(name, shape, rng):
    fn, ref, domain = UNARY[name]
    x = unary_input(rng, shape, domain)
    y = fn(x.astype(np.float32))
    assert_close(y, ref(x), dtype="float32")


def test_round_half_to_even_and_decimals():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.14159, -2.71828], np.float32)
    assert_close(ops.round(x), np.round(x.astype(np.float64)))
    assert_close(ops.round(x, 2), np.round(x.astype(np.float64), 2), rtol=1e-5)


def test_gelu_exact(rng):
    x = f32(rng.standard_normal((4, 5)) * 3)
    ref = 0.5 * x * (1 + _erf(x / np.sqrt(2)))
    assert_close(ops.gelu(x.astype(np.float32), approximate=False), ref)


def test_gelu_approximate_is_default(rng):
    x = f32(rng.standard_normal((50,)) * 3)
    approx = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    exact = 0.5 * x * (1 + _erf(x / np.sqrt(2)))
    assert_close(ops.gelu(x.astype(np.float32), approximate=True), approx)
    assert_close(ops.gelu(x.astype(np.float32)), approx)
    assert not np.allclose(approx, exact, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("slope", [0.01, 0.2, 0.5])
def test_leaky_relu_slope(slope, rng):
    x = f32(rng.standard_normal((3, 4)))
    assert_close(
        ops.leaky_relu(x.astype(np.float32), negative_slope=slope),
        np.where(x >= 0, x, slope * x),
    )


@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.0])
def test_elu_alpha(alpha, rng):
    x = f32(rng.standard_normal((3, 4)) * 3)
    assert_close(ops.elu(x.astype(np.float32), alpha=alpha), _elu(x, alpha))


def test_activations_at_extremes():
    x = np.array([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4], np.float32)
    x64 = x.astype(np.float64)
    for name in ["sigmoid", "softplus", "silu", "elu", "selu", "tanh", "gelu"]:
        fn, ref, _ = UNARY[name]
        with np.errstate(over="ignore"):
            want = ref(x64)
        got = fn(x).numpy()
        assert np.all(np.isfinite(got)), name
        assert_close(got, want, rtol=1e-5, atol=1e-6)


BINARY = {
    "add": (ops.add, np.add),
    "subtract": (ops.subtract, np.subtract),
    "multiply": (ops.multiply, np.multiply),
    "divide": (ops.divide, np.divide),
    "true_divide": (ops.true_divide, np.divide),
    "maximum": (ops.maximum, np.maximum),
    "minimum": (ops.minimum, np.minimum),
    "power": (ops.power, np.power),
}

COMPARE = {
    "equal": (ops.equal, np.equal),
    "not_equal": (ops.not_equal, np.not_equal),
    "less": (ops.less, np.less),
    "less_equal": (ops.less_equal, np.less_equal),
    "greater": (ops.greater, np.greater),
    "greater_equal": (ops.greater_equal, np.greater_equal),
}


def binary_inputs(rng, name, sa, sb):
    if name == "power":
        return f32(rng.uniform(0.5, 2.0, sa)), f32(rng.uniform(-2.0, 2.0, sb))
    a = f32(rng.standard_normal(sa))
    b = rng.standard_normal(sb)
    if name in ("divide", "true_divide"):
        b = np.where(np.abs(b) < 0.2, 0.5, b)
    return a, f32(b)


@pytest.mark.parametrize("sa,sb", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_forward(name, sa, sb, rng):
    fn, ref = BINARY[name]
    a, b = binary_inputs(rng, name, sa, sb)
    y = fn(a.astype(np.float32), b.astype(np.float32))
    assert_close(y, ref(a, b), dtype="float32")


@pytest.mark.parametrize("sa,sb", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(COMPARE))
def test_comparison_forward(name, sa, sb, rng):
    fn, ref = COMPARE[name]
    # Small integers in float32 so that equal elements occur.
    a = rng.integers(-2, 3, sa).astype(np.float32)
    b = rng.integers(-2, 3, sb).astype(np.float32)
    y = fn(a, b)
    assert y.dtype == "bool"
    assert_close(y, ref(a, b))


@pytest.mark.parametrize("name", sorted(COMPARE))
def test_comparison_int_inputs(name, rng):
    fn, ref = COMPARE[name]
    a = rng.integers(-3, 4, (4, 5)).astype(np.int32)
    b = rng.integers(-3, 4, (5,)).astype(np.int64)
    y = fn(a, b)
    assert y.dtype == "bool"
    assert_close(y, ref(a, b))


@pytest.mark.parametrize("sa,sb", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize(
    "fn,ref",
    [(ops.logical_and, np.logical_and), (ops.logical_or, np.logical_or)],
    ids=["and", "or"],
)
def test_logical_binary(fn, ref, sa, sb, rng):
    a = rng.random(sa) < 0.5
    b = rng.random(sb) < 0.5
    y = fn(a, b)
    assert y.dtype == "bool"
    assert_close(y, ref(a, b))


def test_logical_ops_on_numbers(rng):
    a = np.array([0.0, 1.5, 0.0, -2.0], np.float32)
    b = np.array([0, 0, 3, 4], np.int32)
    assert_close(ops.logical_and(a, b), np.logical_and(a, b))
    assert_close(ops.logical_or(a, b), np.logical_or(a, b))
    assert_close(ops.logical_not(a), np.logical_not(a))
    assert ops.logical_not(a).dtype == "bool"


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_logical_not(shape, rng):
    x = rng.random(shape) < 0.5
    y = ops.logical_not(x)
    assert y.dtype == "bool"
    assert_close(y, np.logical_not(x))


# (dtype a, dtype b, op) -> expected result dtype, following Keras 3.
@pytest.mark.parametrize(
    "da,db,fn,expected",
    [
        ("int32", "int32", ops.add, "int32"),
        ("int32", "int32", ops.subtract, "int32"),
        ("int32", "int32", ops.multiply, "int32"),
        ("int32", "int32", ops.maximum, "int32"),
        ("int32", "int32", ops.divide, "float32"),
        ("int64", "int64", ops.divide, "float32"),
        ("int32", "int64", ops.add, "int64"),
        ("int64", "int64", ops.multiply, "int64"),
        ("int32", "float32", ops.add, "float32"),
        ("int64", "float32", ops.multiply, "float32"),
        ("bool", "float32", ops.add, "float32"),
        ("bool", "int32", ops.add, "int32"),
    ],
)
def test_binary_result_dtype(da, db, fn, expected, rng):
    a = rng.integers(1, 5, (3, 4)).astype(da)
    b = rng.integers(1, 5, (4,)).astype(db)
    y = fn(a, b)
    assert y.dtype == expected
    ref = {
        ops.add: np.add,
        ops.subtract: np.subtract,
        ops.multiply: np.multiply,
        ops.maximum: np.maximum,
        ops.divide: np.divide,
    }[fn]
    assert_close(y, ref(a.astype(np.float64), b.astype(np.float64)))


def test_int_arithmetic_is_exact():
    a = np.array([2**30, -(2**30), 7, -7], np.int64) * 3
    b = np.array([1, -1, 2, 3], np.int64)
    assert ops.add(a, b).dtype == "int64"
    np.testing.assert_array_equal(ops.add(a, b).numpy(), a + b)
    np.testing.assert_array_equal(ops.multiply(a, b).numpy(), a * b)


@pytest.mark.parametrize(
    "fn,ref",
    [
        (ops.abs, np.abs),
        (ops.negative, np.negative),
        (ops.square, np.square),
        (ops.sign, np.sign),
        (ops.relu, lambda x: np.maximum(x, 0)),
    ],
)
@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_unary_keeps_int_dtype(fn, ref, dtype, rng):
    x = rng.integers(-5, 6, (3, 4)).astype(dtype)
    y = fn(x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.numpy(), ref(x))


@pytest.mark.parametrize(
    "fn,ref",
    [
        (ops.exp, np.exp),
        (ops.sqrt, np.sqrt),
        (ops.log1p, np.log1p),
        (ops.sin, np.sin),
        (ops.sigmoid, _sigmoid),
        (ops.tanh, np.tanh),
    ],
)
@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_float_math_on_ints_gives_float32(fn, ref, dtype, rng):
    x = rng.integers(0, 4, (3, 4)).astype(dtype)
    y = fn(x)
    assert y.dtype == "float32"
    assert_close(y, ref(x.astype(np.float64)))


@pytest.mark.parametrize("shape", [(), (0,), (5,), (3, 4), (2, 1, 3, 2, 2)], ids=str)
@pytest.mark.parametrize("lo,hi", [(-0.5, 0.5), (0.0, 1.0), (-10.0, -1.0)])
def test_clip(shape, lo, hi, rng):
    x = f32(rng.standard_normal(shape) * 2)
    assert_close(ops.clip(x.astype(np.float32), lo, hi), np.clip(x, lo, hi))


def test_clip_int_keeps_dtype():
    x = np.arange(-5, 6, dtype=np.int32)
    y = ops.clip(x, -2, 3)
    assert y.dtype == "int32"
    np.testing.assert_array_equal(y.numpy(), np.clip(x, -2, 3))


@pytest.mark.parametrize(
    "sc,sa,sb",
    [
        ((3, 4), (3, 4), (3, 4)),
        ((3, 4), (4,), ()),
        ((3, 1), (1, 4), (3, 4)),
        ((), (2, 3), (2, 3)),
        ((0, 2), (1, 2), (2,)),
        ((2, 1, 3, 1, 2), (3, 4, 2), (1,)),
    ],
    ids=str,
)
def test_where(sc, sa, sb, rng):
    c = rng.random(sc) < 0.5
    a = f32(rng.standard_normal(sa))
    b = f32(rng.standard_normal(sb))
    y = ops.where(c, a.astype(np.float32), b.astype(np.float32))
    assert_close(y, np.where(c, a, b), dtype="float32")


def test_where_with_scalars_and_numeric_condition(rng):
    x = f32(rng.standard_normal((4, 5)))
    y = ops.where(x > 0, x.astype(np.float32), 0.0)
    assert_close(y, np.where(x > 0, x, 0.0))
    cond = np.array([0, 2, 0, -1], np.int32)
    assert_close(ops.where(cond, 1.0, -1.0), np.where(cond, 1.0, -1.0))
    yi = ops.where(cond != 0, np.int32(3), np.int32(4))
    assert yi.dtype == "int32"


@pytest.mark.parametrize(
    "src,dst",
    [
        ("float32", "int32"),
        ("float32", "int64"),
        ("float32", "bool"),
        ("int32", "float32"),
        ("int64", "int32"),
        ("bool", "float32"),
        ("bool", "int32"),
        ("int32", "bool"),
    ],
)
def test_cast(src, dst, rng):
    x = (rng.standard_normal((3, 5)) * 4).astype(src)
    y = ops.cast(x, dst)
    assert y.dtype == dst
    np.testing.assert_array_equal(y.numpy(), x.astype(dst))


def test_cast_float_to_int_truncates_toward_zero():
    x = np.array([-2.7, -1.5, -0.2, 0.2, 1.5, 2.7], np.float32)
    np.testing.assert_array_equal(ops.cast(x, "int32").numpy(), x.astype(np.int32))


def test_cast_accepts_numpy_dtype_objects():
    x = np.array([1.5, 2.5], np.float32)
    assert ops.cast(x, np.int32).dtype == "int32"
    assert ops.cast(x, np.dtype("int64")).dtype == "int64"
    assert ops.cast(x, "float64").dtype == "float32"


def test_nan_propagation():
    x = np.array([np.nan, 1.0, -1.0], np.float32)
    y = np.array([0.0, np.nan, 2.0], np.float32)
    np.testing.assert_array_equal(np.isnan(ops.maximum(x, y).numpy()), np.isnan(np.maximum(x, y)))
    np.testing.assert_array_equal(np.isnan(ops.minimum(x, y).numpy()), np.isnan(np.minimum(x, y)))
    assert np.isnan(ops.exp(x).numpy()[0])
    assert not ops.equal(x, x).numpy()[0]


@pytest.mark.parametrize("da,db", [("int32", "int32"), ("int32", "int64")])
def test_int_power_stays_int(da, db, rng):
    a = rng.integers(-5, 6, (3, 4)).astype(da)
    b = rng.integers(0, 5, (4,)).astype(db)
    y = ops.power(a, b)
    assert y.dtype == np.result_type(a, b).name
    np.testing.assert_array_equal(y.numpy(), np.power(a, b))
    t = ops.convert_to_tensor(a)
    assert (t**2).dtype == da
    np.testing.assert_array_equal((t**2).numpy(), a**2)
    assert (t**0.5).dtype == "float32"
    assert ops.power(a, np.float32(2.0)).dtype == "float32"
