"""GroupNormalization against a float64 NumPy reference (channels last and
first, rank 3 to 5, one group and one group per channel, without center or
scale), gradients w.r.t. the input, gamma and beta against finite
differences, on cpu and gpu; weights, config and errors."""

import numpy as np
import pytest
from conftest import assert_close, check_grad, f32, numeric_grad

import rkeras as keras
from rkeras import layers, ops

rng = np.random.default_rng(31)


def ref_group_norm(x, groups, gamma=1.0, beta=0.0, axis=-1, eps=1e-3):
    """Normalizes over each group's channels and every non-batch axis;
    `gamma` and `beta` are per channel."""
    moved = np.moveaxis(x, axis, -1)
    shape = moved.shape
    g = moved.reshape(*shape[:-1], groups, shape[-1] // groups)
    axes = (*range(1, g.ndim - 2), g.ndim - 1)
    mean = g.mean(axis=axes, keepdims=True)
    var = g.var(axis=axes, keepdims=True)
    normalized = ((g - mean) / np.sqrt(var + eps)).reshape(shape) * gamma + beta
    return np.moveaxis(normalized, -1, axis)


def random_affine(layer):
    for w in layer.weights:
        w.assign(rng.standard_normal(tuple(w.shape)).astype("f4"))
    gamma = f32(layer.gamma.numpy()) if layer.gamma is not None else 1.0
    beta = f32(layer.beta.numpy()) if layer.beta is not None else 0.0
    return gamma, beta


@pytest.mark.parametrize(
    "shape, groups, axis",
    [
        ((2, 5, 6), 3, -1),
        ((2, 3, 4, 8), 4, -1),
        ((2, 6, 3, 4), 2, 1),
        ((2, 3, 2, 2, 4), 2, -1),
        ((2, 4, 6), 1, -1),  # one group: layer norm over all non-batch axes
        ((2, 4, 6), -1, -1),  # a group per channel: instance norm
        ((3, 6, 4), 3, -2),
    ],
)
def test_group_normalization_outputs(shape, groups, axis, device):
    x = rng.standard_normal(shape).astype("f4") * 3 + 1
    layer = layers.GroupNormalization(groups, axis=axis, epsilon=1e-4)
    layer(x)
    gamma, beta = random_affine(layer)
    n_groups = shape[axis] if groups == -1 else groups
    want = ref_group_norm(f32(x), n_groups, gamma, beta, axis, 1e-4)
    assert_close(layer(x), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("center, scale", [(False, True), (True, False), (False, False)])
def test_without_center_or_scale(center, scale, device):
    x = rng.standard_normal((2, 3, 4)).astype("f4")
    layer = layers.GroupNormalization(2, center=center, scale=scale)
    layer(x)
    assert [w.name for w in layer.weights] == ["gamma"] * scale + ["beta"] * center
    gamma, beta = random_affine(layer)
    assert_close(layer(x), ref_group_norm(f32(x), 2, gamma, beta), rtol=1e-4, atol=1e-5)


def test_gradients_wrt_input_gamma_and_beta(device):
    x = rng.standard_normal((2, 4, 3))
    layer = layers.GroupNormalization(2, axis=1)
    layer(x.astype("f4"))
    gamma, beta = random_affine(layer)

    def reference(a, g=gamma, b=beta):
        return ref_group_norm(a, 2, g, b, axis=1)

    check_grad(layer, reference, [x], rng)
    xf = f32(x)
    r = f32(rng.standard_normal(x.shape))
    with keras.GradientTape() as tape:
        loss = ops.sum(layer(xf.astype("f4")) * r.astype("f4"))
    got = tape.gradient(loss, layer.trainable_weights)
    want = numeric_grad(lambda g, b: reference(xf, g, b), [gamma, beta], r)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-3, atol=1e-4)


def test_weights_config_and_masking():
    layer = layers.GroupNormalization(
        4, epsilon=1e-5, gamma_regularizer="l2", beta_constraint="non_neg", name="gn"
    )
    x = np.zeros((1, 3, 8), "f4")
    layer(x)
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [("gamma", (8,)), ("beta", (8,))]
    config = layer.get_config()
    assert config["groups"] == 4 and config["epsilon"] == 1e-5 and config["axis"] == -1
    assert layers.GroupNormalization.from_config(config).get_config() == config
    tokens = np.array([[1, 2, 0]])
    masked = layers.GroupNormalization(2)(layers.Embedding(4, 4, mask_zero=True)(tokens))
    assert_close(masked._keras_mask, tokens != 0)


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(
        ValueError, match=r"'gn'.*groups \(4\) must be a multiple.*\(6\).*\(1, 3, 6\)"
    ):
        layers.GroupNormalization(4, name="gn")(np.zeros((1, 3, 6), "f4"))
    with pytest.raises(ValueError, match=r"groups \(8\) cannot be more than.*channels \(6\)"):
        layers.GroupNormalization(8)(np.zeros((1, 3, 6), "f4"))
    with pytest.raises(ValueError, match=r"axis 3 is not a channel axis.*\(1, 3, 6\)"):
        layers.GroupNormalization(2, axis=3)(np.zeros((1, 3, 6), "f4"))
    layer = layers.GroupNormalization(2, name="gn")
    layer(np.zeros((1, 3, 6), "f4"))
    with pytest.raises(ValueError, match=r"'gn' was built for.*6 channels.*\(1, 3, 4\)"):
        layer(np.zeros((1, 3, 4), "f4"))
