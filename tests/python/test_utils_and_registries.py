"""utils, initializers, activations, regularizers and constraints."""

import math

import numpy as np
import pytest

import rkeras as keras
from rkeras import activations, constraints, initializers, regularizers, utils


def test_to_categorical_and_normalize():
    np.testing.assert_array_equal(utils.to_categorical([0, 2, 1]), np.eye(3)[[0, 2, 1]])
    out = utils.to_categorical(np.array([[1], [3]]), num_classes=5)
    assert out.shape == (2, 5) and out.dtype == np.float32 and out[1, 3] == 1
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x), [[0.6, 0.8], [0.0, 0.0]])


def test_split_dataset_sizes_and_content():
    x, y = np.arange(10), np.arange(10) * 2
    (lx, ly), (rx, ry) = utils.split_dataset((x, y), left_size=0.7)
    assert len(lx) == 7 and len(rx) == 3
    np.testing.assert_array_equal(ly, lx * 2)
    left, right = utils.split_dataset(x, left_size=2, right_size=3, shuffle=True, seed=1)
    assert len(left) == 2 and len(right) == 3 and not set(left) & set(right)
    with pytest.raises(ValueError, match="larger than the dataset size"):
        utils.split_dataset(x, left_size=8, right_size=5)


def test_set_random_seed_reproduces_initializers_and_numpy():
    def draw():
        utils.set_random_seed(123)
        layer = keras.layers.Dense(4)
        layer.build((None, 3))
        return layer.get_weights()[0], np.random.rand(2)

    (a, na), (b, nb) = draw(), draw()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(na, nb)
    with pytest.raises(ValueError, match="integer"):
        utils.set_random_seed(1.5)


@pytest.mark.parametrize(
    "name, std",
    [
        ("glorot_uniform", math.sqrt(2 / (300 + 200))),
        ("glorot_normal", math.sqrt(2 / (300 + 200))),
        ("he_normal", math.sqrt(2 / 300)),
        ("he_uniform", math.sqrt(2 / 300)),
        ("lecun_normal", math.sqrt(1 / 300)),
        ("lecun_uniform", math.sqrt(1 / 300)),
    ],
)
def test_variance_scaling_initializers_have_keras_variance(name, std):
    w = np.asarray(initializers.get(name)((300, 200)))
    assert abs(w.std() - std) / std < 0.03
    assert abs(w.mean()) < 0.05 * std


def test_other_initializers():
    np.testing.assert_array_equal(np.asarray(initializers.Zeros()((2, 3))), 0)
    np.testing.assert_array_equal(np.asarray(initializers.Ones()((2,))), 1)
    np.testing.assert_array_equal(np.asarray(initializers.Constant(3)((2,))), 3)
    q = np.asarray(initializers.Orthogonal(seed=1)((6, 4)))
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)
    u = np.asarray(initializers.RandomUniform(-0.1, 0.2, seed=3)((1000,)))
    assert u.min() >= -0.1 and u.max() < 0.2
    t = np.asarray(initializers.TruncatedNormal(0.0, 1.0, seed=4)((10000,)))
    assert np.abs(t).max() <= 2.0
    seeded = initializers.RandomNormal(seed=5)
    np.testing.assert_array_equal(np.asarray(seeded((3,))), np.asarray(seeded((3,))))
    np.testing.assert_array_equal(np.asarray(initializers.Identity()((2, 3))), np.eye(2, 3))
    config = initializers.serialize(initializers.VarianceScaling(2.0, "fan_out", "uniform"))
    again = initializers.deserialize(config)
    assert (again.scale, again.mode, again.distribution) == (2.0, "fan_out", "uniform")
    with pytest.raises(ValueError, match="Could not interpret initializer"):
        initializers.get("glorot_uniformm")


X = np.linspace(-3, 3, 13).astype("float32")


@pytest.mark.parametrize(
    "name, ref",
    [
        ("linear", lambda x: x),
        ("relu", lambda x: np.maximum(x, 0)),
        ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
        ("tanh", np.tanh),
        ("softplus", lambda x: np.log1p(np.exp(x))),
        ("softsign", lambda x: x / (1 + np.abs(x))),
        ("elu", lambda x: np.where(x > 0, x, np.expm1(x))),
        (
            "selu",
            lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
        ),
        ("silu", lambda x: x / (1 + np.exp(-x))),
        ("swish", lambda x: x / (1 + np.exp(-x))),
        ("relu6", lambda x: np.clip(x, 0, 6)),
        ("hard_sigmoid", lambda x: np.clip(x / 6 + 0.5, 0, 1)),
        ("exponential", np.exp),
        ("gelu", lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
        ("mish", lambda x: x * np.tanh(np.log1p(np.exp(x)))),
        ("leaky_relu", lambda x: np.where(x >= 0, x, 0.2 * x)),
    ],
)
def test_activations_by_name(name, ref):
    fn = activations.get(name)
    np.testing.assert_allclose(np.asarray(fn(X)), ref(X.astype("float64")), rtol=1e-5, atol=1e-6)
    assert activations.serialize(fn) in (name, "silu" if name == "swish" else name)


def test_activation_get_errors_and_softmax():
    with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
        activations.get("relux")
    x = np.array([[1.0, 2.0, 3.0]], "float32")
    np.testing.assert_allclose(
        np.asarray(activations.get("softmax")(x)), np.exp(x) / np.exp(x).sum(), rtol=1e-6
    )


def test_regularizers_and_constraints():
    w = np.array([[1.0, -2.0], [3.0, 0.5]], "float32")
    np.testing.assert_allclose(float(regularizers.L1(0.1)(w)), 0.1 * np.abs(w).sum(), rtol=1e-6)
    np.testing.assert_allclose(float(regularizers.L2(0.1)(w)), 0.1 * (w**2).sum(), rtol=1e-6)
    # As in Keras 3, L1L2's defaults are 0 (the string gives no penalty).
    assert float(regularizers.get("l1_l2")(w)) == 0.0
    np.testing.assert_allclose(
        float(regularizers.L1L2(0.01, 0.02)(w)),
        0.01 * np.abs(w).sum() + 0.02 * (w**2).sum(),
        rtol=1e-6,
    )
    np.testing.assert_allclose(np.asarray(constraints.NonNeg()(w)), np.maximum(w, 0))
    unit = np.asarray(constraints.UnitNorm(axis=0)(w))
    np.testing.assert_allclose(np.linalg.norm(unit, axis=0), 1, rtol=1e-5)
    capped = np.asarray(constraints.MaxNorm(2.0, axis=0)(w))
    assert np.linalg.norm(capped, axis=0).max() <= 2.0 + 1e-5
    with pytest.raises(ValueError, match="Could not interpret regularizer"):
        regularizers.get("l3")


def test_functional_input_shape_errors_name_the_layer():
    # As in Keras 3, the first layer that cannot take the input reports it.
    inp = keras.Input((5,))
    model = keras.Model(inp, keras.layers.Dense(2, name="head")(inp))
    with pytest.raises(
        ValueError,
        match='layer "head" is incompatible with the layer: expected '
        "axis -1 of input shape to have value 5, but received "
        r"input with shape \(8, 4\)",
    ):
        model(np.ones((8, 4), "float32"))
