"""MultiHeadAttention, Attention, AdditiveAttention and GroupNormalization
against float64 NumPy references (masks, causal masks, scores, value_dim,
output_shape, attention axes), their gradients against finite differences,
on cpu and gpu; configs and errors."""

import numpy as np
import pytest
from conftest import assert_close, check_grad

import rkeras as keras
from rkeras import layers

rng = np.random.default_rng(29)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def ref_mha(layer, q, v, mask=None):
    w = [x.numpy().astype("f8") for x in layer.weights]
    (wq, bq, wk, bk, wv, bv, wo, bo) = w
    qh = np.einsum("btd,dhk->bthk", q, wq) + bq
    kh = np.einsum("bsd,dhk->bshk", v, wk) + bk
    vh = np.einsum("bsd,dhk->bshk", v, wv) + bv
    scores = np.einsum("bthk,bshk->bhts", qh / np.sqrt(layer.key_dim), kh)
    if mask is not None:
        scores = np.where(mask[:, None], scores, scores - 1e9)
    probs = softmax(scores)
    out = np.einsum("bhts,bshk->bthk", probs, vh)
    return np.einsum("bthk,hko->bto", out, wo) + bo, probs


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention(causal, device):
    q = rng.standard_normal((2, 4, 6)).astype("f4")
    v = rng.standard_normal((2, 5, 3)).astype("f4")
    layer = layers.MultiHeadAttention(3, 2, value_dim=4, output_shape=7, bias_initializer="ones")
    allowed = rng.random((2, 4, 5)) < 0.7
    allowed[..., 0] = True
    out, scores = layer(
        q, v, attention_mask=allowed, return_attention_scores=True, use_causal_mask=causal
    )
    mask = allowed & np.tril(np.ones((4, 5), bool)) if causal else allowed
    want, want_scores = ref_mha(layer, q.astype("f8"), v.astype("f8"), mask)
    assert_close(out, want, rtol=1e-4, atol=1e-5)
    assert_close(scores, want_scores, rtol=1e-4, atol=1e-6)
    assert [tuple(w.shape) for w in layer.weights] == [
        (6, 3, 2),
        (3, 2),
        (3, 3, 2),
        (3, 2),
        (3, 3, 4),
        (3, 4),
        (3, 4, 7),
        (7,),
    ]


def test_multi_head_attention_masks_from_keras_masks():
    tokens = np.array([[1, 2, 3, 0], [4, 0, 0, 0]])
    x = layers.Embedding(6, 4, mask_zero=True)(tokens)
    layer = layers.MultiHeadAttention(2, 2)
    out = layer(x, x)
    keep = tokens != 0
    want, _ = ref_mha(
        layer, x.numpy().astype("f8"), x.numpy().astype("f8"), keep[:, :, None] & keep[:, None, :]
    )
    assert_close(out, want, rtol=1e-4, atol=1e-5)


def test_multi_head_attention_over_chosen_axes():
    x = rng.standard_normal((2, 3, 4, 6)).astype("f4")
    layer = layers.MultiHeadAttention(2, 3, attention_axes=(2,))
    out, scores = layer(x, x, return_attention_scores=True)
    assert tuple(scores.shape) == (2, 3, 2, 4, 4)
    # Attention over axis 2 only: each row along axis 1 is independent.
    for row in range(3):
        want, _ = ref_mha(layer, x[:, row].astype("f8"), x[:, row].astype("f8"))
        assert_close(out[:, row], want, rtol=1e-4, atol=1e-5)


def test_multi_head_attention_gradients(device):
    q = rng.standard_normal((1, 3, 4))
    layer = layers.MultiHeadAttention(2, 2)
    layer(q.astype("f4"), q.astype("f4"))
    check_grad(
        lambda a: layer(a, a, use_causal_mask=True),
        lambda a: ref_mha(layer, a, a, np.tril(np.ones((3, 3), bool))[None])[0],
        [q],
        rng,
    )


def ref_attention(q, v, k, scale=1.0, q_mask=None, v_mask=None, causal=False):
    scores = scale * q @ k.transpose(0, 2, 1)
    keep = np.ones(scores.shape, bool)
    if v_mask is not None:
        keep &= v_mask[:, None, :]
    if causal:
        keep &= np.tril(np.ones(scores.shape[1:], bool))
    weights = softmax(scores - 1e9 * ~keep)
    out = weights @ v
    if q_mask is not None:
        out = out * q_mask[..., None]
    return out, weights


def test_attention_with_masks(device):
    q = rng.standard_normal((2, 3, 4)).astype("f4")
    v = rng.standard_normal((2, 5, 4)).astype("f4")
    k = rng.standard_normal((2, 5, 4)).astype("f4")
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    layer = layers.Attention(use_scale=True)
    out, weights = layer(
        [q, v, k], mask=[q_mask, v_mask], return_attention_scores=True, use_causal_mask=True
    )
    want, want_w = ref_attention(q, v, k, 1.0, q_mask, v_mask, causal=True)
    assert_close(out, want, rtol=1e-5, atol=1e-6)
    assert_close(weights, want_w, rtol=1e-5, atol=1e-6)


def test_concat_and_additive_scores(device):
    q = rng.standard_normal((2, 3, 4))
    v = rng.standard_normal((2, 5, 4))
    concat = layers.Attention(score_mode="concat")
    concat([q.astype("f4"), v.astype("f4")])
    additive = layers.AdditiveAttention()
    additive([q.astype("f4"), v.astype("f4")])
    scale = additive.scale.numpy()

    def ref_concat(a, b):
        return softmax(np.tanh(a[:, :, None] + b[:, None]).sum(-1)) @ b

    def ref_additive(a, b):
        return softmax((scale * np.tanh(a[:, :, None] + b[:, None])).sum(-1)) @ b

    for layer, ref in [(concat, ref_concat), (additive, ref_additive)]:
        assert_close(layer([q.astype("f4"), v.astype("f4")]), ref(q, v), rtol=1e-5, atol=1e-6)
        check_grad(lambda a, b, layer=layer: layer([a, b]), ref, [q, v], rng)


def ref_group_norm(x, groups, gamma, beta, eps=1e-3):
    shape = x.shape
    g = x.reshape(*shape[:-1], groups, shape[-1] // groups)
    axes = tuple(range(1, g.ndim - 2)) + (g.ndim - 1,)
    mean = g.mean(axis=axes, keepdims=True)
    var = g.var(axis=axes, keepdims=True)
    return ((g - mean) / np.sqrt(var + eps)).reshape(shape) * gamma + beta


def test_group_normalization(device):
    x = rng.standard_normal((2, 3, 4, 6))
    layer = layers.GroupNormalization(
        3, gamma_initializer="random_normal", beta_initializer="random_normal"
    )
    layer(x.astype("f4"))
    gamma, beta = layer.gamma.numpy(), layer.beta.numpy()
    assert_close(layer(x.astype("f4")), ref_group_norm(x, 3, gamma, beta), rtol=1e-4, atol=1e-5)
    check_grad(layer, lambda a: ref_group_norm(a, 3, gamma, beta), [x[:1]], rng)
    channels_first = layers.GroupNormalization(2, axis=1)
    y = channels_first(x.transpose(0, 3, 1, 2).astype("f4"))
    assert_close(y, ref_group_norm(x, 2, 1.0, 0.0).transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-5)


def test_configs_and_errors():
    for layer in [
        layers.MultiHeadAttention(2, 3, value_dim=4, dropout=0.1, output_shape=5),
        layers.Attention(use_scale=True, score_mode="concat", dropout=0.2),
        layers.AdditiveAttention(use_scale=False),
        layers.GroupNormalization(4, epsilon=1e-5, center=False),
    ]:
        assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="multiple"):
        layers.GroupNormalization(4)(np.zeros((1, 3, 6), "f4"))
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(np.zeros((1, 3, 4), "f4"))
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="cosine")
    with pytest.raises(NotImplementedError, match="use_gate"):
        layers.MultiHeadAttention(2, 2, use_gate=True)


def test_transformer_block_trains_on_gpu(device):
    keras.utils.set_random_seed(3)
    inputs = keras.Input((5, 8))
    x = layers.MultiHeadAttention(2, 4)(inputs, inputs, use_causal_mask=True)
    x = layers.LayerNormalization()(layers.Add()([x, inputs]))
    model = keras.Model(inputs, layers.Dense(1)(layers.GlobalAveragePooling1D()(x)))
    model.compile(keras.optimizers.Adam(0.01), "mse")
    data = rng.standard_normal((8, 5, 8)).astype("f4")
    target = rng.standard_normal((8, 1)).astype("f4")
    history = model.fit(data, target, epochs=3, batch_size=4, verbose=0, shuffle=False)
    assert model.weights[0].device.startswith(device)
    assert history.history["loss"][-1] < history.history["loss"][0]
