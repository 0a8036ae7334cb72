"""MultiHeadAttention, Attention and AdditiveAttention against float64 NumPy
references (masks from arguments and from Keras masks, causal masks, fully
masked rows, scores, value_dim, output_shape, attention axes, score modes),
their gradients w.r.t. inputs and weights against finite differences, on
cpu and gpu; dropout, configs and errors."""

import attention_reference as ref
import numpy as np
import pytest
from conftest import assert_close, check_grad, f32, numeric_grad

import rkeras as keras
from rkeras import layers, ops

rng = np.random.default_rng(29)


def normal(*shape):
    return rng.standard_normal(shape).astype("float32")


def weights64(layer):
    return [f32(w.numpy()) for w in layer.weights]


def check_weight_grads(layer, call, reference, rtol=1e-3, atol=1e-4):
    """Tape gradients of `sum(call() * r)` w.r.t. `layer.trainable_weights`
    match central differences of the float64 `reference(weights)`."""
    weights = weights64(layer)
    r = f32(rng.standard_normal(np.shape(reference(weights))))
    with keras.GradientTape() as tape:
        loss = ops.sum(call() * r.astype("float32"))
    got = tape.gradient(loss, layer.trainable_weights)
    want = numeric_grad(lambda *ws: reference(list(ws)), weights, r)
    for w, g, n in zip(layer.trainable_weights, got, want, strict=True):
        scale = max(1.0, float(np.abs(n).max()))
        np.testing.assert_allclose(g.numpy(), n, rtol=rtol, atol=atol * scale, err_msg=w.path)


# ----- MultiHeadAttention -------------------------------------------------


def test_mha_weights_match_keras_layout():
    layer = layers.MultiHeadAttention(3, 2, value_dim=4, output_shape=7)
    layer(normal(2, 4, 6), normal(2, 5, 3), normal(2, 5, 8))
    sublayers = [layer.query_dense, layer.key_dense, layer.value_dense, layer.output_dense]
    assert [(s.name, w.name, tuple(w.shape)) for s in sublayers for w in s.weights] == [
        ("query", "kernel", (6, 3, 2)),
        ("query", "bias", (3, 2)),
        ("key", "kernel", (8, 3, 2)),
        ("key", "bias", (3, 2)),
        ("value", "kernel", (3, 3, 4)),
        ("value", "bias", (3, 4)),
        ("attention_output", "kernel", (3, 4, 7)),
        ("attention_output", "bias", (7,)),
    ]
    assert layer.weights == [w for s in sublayers for w in s.weights]
    assert isinstance(layer.query_dense, layers.EinsumDense)
    assert layer.query_dense.equation == "abc,cde->abde"
    assert layer.output_dense.equation == "abcd,cde->abe"


@pytest.mark.parametrize("causal", [False, True])
def test_mha_cross_attention_with_attention_mask(causal, device):
    q, v, k = normal(2, 4, 6), normal(2, 5, 3), normal(2, 5, 8)
    layer = layers.MultiHeadAttention(
        3, 2, value_dim=4, output_shape=7, bias_initializer="random_normal"
    )
    allowed = rng.random((2, 4, 5)) < 0.6
    allowed[0, 2] = False  # a query that may attend to nothing
    out, scores = layer(
        q, v, k, attention_mask=allowed, return_attention_scores=True, use_causal_mask=causal
    )
    mask = allowed & np.tril(np.ones((4, 5), bool)) if causal else allowed
    want, want_scores = ref.mha(weights64(layer), f32(q), f32(v), f32(k), key_dim=2, mask=mask)
    assert_close(out, want, rtol=1e-4, atol=1e-5)
    assert_close(scores, want_scores, rtol=1e-4, atol=1e-6)
    # Keras's Softmax: a row with nothing to attend to has probability 0.
    assert not scores.numpy()[0, :, 2].any()


def test_mha_explicit_query_value_key_masks(device):
    q, v, k = normal(2, 3, 4), normal(2, 5, 4), normal(2, 5, 4)
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    k_mask = np.array([[1, 0, 1, 1, 1], [0, 1, 1, 1, 1]], bool)
    layer = layers.MultiHeadAttention(2, 3, use_bias=False, output_shape=(2, 3))
    out = layer(q, v, k, query_mask=q_mask, value_mask=v_mask, key_mask=k_mask)
    mask = q_mask[:, :, None] & v_mask[:, None] & k_mask[:, None]
    want, _ = ref.mha(
        weights64(layer),
        f32(q),
        f32(v),
        f32(k),
        key_dim=3,
        mask=mask,
        use_bias=False,
        zero_masked_rows=False,
    )
    assert tuple(out.shape) == (2, 3, 2, 3)
    assert_close(out, want, rtol=1e-4, atol=1e-5)


def test_mha_picks_up_keras_masks(device):
    tokens = np.array([[1, 2, 3, 0], [4, 0, 0, 0]])
    x = layers.Embedding(6, 4, mask_zero=True)(tokens)
    layer = layers.MultiHeadAttention(2, 2, bias_initializer="random_normal")
    keep = tokens != 0
    mask = keep[:, :, None] & keep[:, None]
    xf = f32(x.numpy())
    out = layer(x, x)
    w = weights64(layer)
    want, _ = ref.mha(w, xf, xf, key_dim=2, mask=mask, zero_masked_rows=False)
    assert_close(out, want, rtol=1e-4, atol=1e-5)
    # The query's mask rides on the output, as in Keras.
    assert_close(out._keras_mask, keep)
    # Padded queries attend to nothing. As in Keras 3.15 on JAX, their
    # probabilities are uniform on the fused path and zero when the scores
    # are returned (or dropout is set).
    with_scores, probs = layer(x, x, return_attention_scores=True)
    want, want_probs = ref.mha(w, xf, xf, key_dim=2, mask=mask)
    assert_close(with_scores, want, rtol=1e-4, atol=1e-5)
    assert_close(probs, want_probs, rtol=1e-4, atol=1e-6)
    assert np.abs(with_scores.numpy()[1, 1:] - out.numpy()[1, 1:]).max() > 1e-3


@pytest.mark.parametrize(
    "axes, shape",
    [((2,), (2, 3, 4, 5)), (None, (2, 3, 2, 5)), ((1, 2), (1, 3, 2, 5)), ((-2,), (2, 2, 3, 5))],
)
def test_mha_attention_axes(axes, shape, device):
    q, v = normal(*shape), normal(*shape[:-1], 3)
    layer = layers.MultiHeadAttention(2, 3, attention_axes=axes, bias_initializer="random_normal")
    out, scores = layer(q, v, return_attention_scores=True)
    want, want_scores = ref.mha(weights64(layer), f32(q), f32(v), key_dim=3, axes=axes)
    assert_close(out, want, rtol=1e-4, atol=1e-5)
    assert_close(scores, want_scores, rtol=1e-4, atol=1e-6)


def test_mha_attention_axes_with_mask(device):
    # Two attention axes: the mask spans (B, T1, T2, S1, S2); the heads
    # axis is inserted before the query axes.
    q, v = normal(2, 2, 3, 4), normal(2, 2, 3, 4)
    allowed = rng.random((2, 2, 3, 2, 3)) < 0.6
    layer = layers.MultiHeadAttention(2, 2, attention_axes=(1, 2))
    out, scores = layer(q, v, attention_mask=allowed, return_attention_scores=True)
    want, want_scores = ref.mha(weights64(layer), f32(q), f32(v), key_dim=2, mask=allowed)
    assert tuple(scores.shape) == (2, 2, 2, 3, 2, 3)
    assert_close(out, want, rtol=1e-4, atol=1e-5)
    assert_close(scores, want_scores, rtol=1e-4, atol=1e-6)


def test_mha_gradients_wrt_inputs_and_weights(device):
    q, v, k = (rng.standard_normal(s) for s in [(1, 3, 4), (1, 2, 3), (1, 2, 5)])
    allowed = np.array([[[1, 1], [1, 0], [0, 0]]], bool)
    layer = layers.MultiHeadAttention(2, 2, value_dim=3, bias_initializer="random_normal")
    layer(q.astype("f4"), v.astype("f4"), k.astype("f4"))
    w = weights64(layer)
    check_grad(
        lambda a, b, c: layer(a, b, c, attention_mask=allowed),
        lambda a, b, c: ref.mha(w, a, b, c, key_dim=2, mask=allowed, zero_masked_rows=False)[0],
        [q, v, k],
        rng,
    )
    qf, vf, kf = f32(q), f32(v), f32(k)
    check_weight_grads(
        layer,
        lambda: layer(qf, vf, kf, use_causal_mask=True),
        lambda ws: ref.mha(ws, qf, vf, kf, key_dim=2, mask=np.tril(np.ones((3, 2), bool))[None])[0],
    )


def test_mha_dropout_only_in_training():
    q = normal(2, 4, 8)
    layer = layers.MultiHeadAttention(2, 4, dropout=0.5, seed=3)
    inference, probs = layer(q, q, return_attention_scores=True)
    want, want_probs = ref.mha(weights64(layer), f32(q), f32(q), key_dim=4)
    assert_close(inference, want, rtol=1e-4, atol=1e-5)
    trained, trained_probs = layer(q, q, return_attention_scores=True, training=True)
    # The scores returned are those before dropout; the output is not.
    assert_close(trained_probs, want_probs, rtol=1e-4, atol=1e-6)
    assert np.abs(trained.numpy() - want).max() > 1e-3


def test_mha_shape_errors():
    layer = layers.MultiHeadAttention(2, 2, name="mha")
    with pytest.raises(
        ValueError, match=r"'mha'.*value_shape=\(2, 5, 3\) and key_shape=\(2, 4, 3\)"
    ):
        layer(normal(2, 4, 3), normal(2, 5, 3), normal(2, 4, 3))
    with pytest.raises(ValueError, match=r"'mha'.*same rank.*query_shape=\(2, 4, 3\)"):
        layers.MultiHeadAttention(2, 2, name="mha")(normal(2, 4, 3), normal(2, 5, 2, 3))
    layer(normal(2, 4, 3), normal(2, 5, 3))
    with pytest.raises(ValueError, match=r"'mha'.*batch size.*\(3, 5, 3\)"):
        layer(normal(2, 4, 3), normal(3, 5, 3))
    with pytest.raises(ValueError, match=r"\(2, 4, 3\).*\(2, 4, 5\)"):
        layer(normal(2, 4, 5), normal(2, 5, 3))
    with pytest.raises(ValueError, match=r"'mha'.*mask of shape \(2, 1, 4, 4\).*\(2, 2, 4, 5\)"):
        layer(normal(2, 4, 3), normal(2, 5, 3), attention_mask=np.ones((2, 4, 4), bool))
    with pytest.raises(ValueError, match=r"attention_axes \(3,\)"):
        layers.MultiHeadAttention(2, 2, attention_axes=3)(normal(2, 4, 5, 3), normal(2, 4, 5, 3))
    with pytest.raises(NotImplementedError, match="use_gate"):
        layers.MultiHeadAttention(2, 2, use_gate=True)


# ----- Attention and AdditiveAttention -------------------------------------


def dot_score(scale=1.0):
    return lambda q, k: scale * q @ np.swapaxes(k, -1, -2)


def concat_score(scale=1.0, weight=1.0):
    return lambda q, k: weight * np.tanh(scale * (q[..., :, None, :] + k[..., None, :, :])).sum(-1)


def additive_score(scale):
    return lambda q, k: (scale * np.tanh(q[..., :, None, :] + k[..., None, :, :])).sum(-1)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_masks_and_scores(causal, device):
    q, v, k = normal(2, 3, 4), normal(2, 5, 6), normal(2, 5, 4)
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    layer = layers.Attention(use_scale=True)
    layer([q, v, k])
    layer.scale.assign(0.7)
    out, weights = layer(
        [q, v, k], mask=[q_mask, v_mask], return_attention_scores=True, use_causal_mask=causal
    )
    want, want_w = ref.attention(
        f32(q),
        f32(v),
        f32(k),
        score=dot_score(f32(0.7)),
        q_mask=q_mask,
        v_mask=v_mask,
        causal=causal,
    )
    assert_close(out, want, rtol=1e-5, atol=1e-6)
    assert_close(weights, want_w, rtol=1e-5, atol=1e-6)


def test_attention_picks_up_keras_masks(device):
    embed = layers.Embedding(9, 4, mask_zero=True)
    q_tokens, v_tokens = np.array([[1, 2, 0], [3, 0, 0]]), np.array([[5, 6, 7, 0], [8, 0, 0, 0]])
    q, v = embed(q_tokens), embed(v_tokens)
    out = layers.Attention()([q, v])
    want, _ = ref.attention(
        f32(q.numpy()),
        f32(v.numpy()),
        score=dot_score(),
        q_mask=q_tokens != 0,
        v_mask=v_tokens != 0,
    )
    assert_close(out, want, rtol=1e-5, atol=1e-6)
    assert_close(out._keras_mask, q_tokens != 0)


@pytest.mark.parametrize("kind", ["concat", "concat_scaled", "additive", "additive_unscaled"])
def test_concat_and_additive_attention(kind, device):
    q, v, k = (rng.standard_normal(s) for s in [(2, 3, 4), (2, 5, 3), (2, 5, 4)])
    layer = {
        "concat": layers.Attention(score_mode="concat"),
        "concat_scaled": layers.Attention(use_scale=True, score_mode="concat"),
        "additive": layers.AdditiveAttention(),
        "additive_unscaled": layers.AdditiveAttention(use_scale=False),
    }[kind]
    layer([q.astype("f4"), v.astype("f4"), k.astype("f4")])
    for w in layer.weights:
        w.assign(np.asarray(rng.uniform(0.5, 1.5, tuple(w.shape)), "f4"))
    w = [f32(x.numpy()) for x in layer.weights]

    def reference(ws, a, b, c):
        if kind.startswith("additive"):
            score = additive_score(ws[0] if ws else 1.0)
        else:
            score = concat_score(*ws[:-1], ws[-1]) if len(ws) == 2 else concat_score(1.0, ws[0])
        return ref.attention(a, b, c, score=score, v_mask=np.array([[1, 1, 0, 1, 1]] * 2, bool))[0]

    v_mask = np.array([[1, 1, 0, 1, 1]] * 2, bool)
    out = layer([q.astype("f4"), v.astype("f4"), k.astype("f4")], mask=[None, v_mask])
    assert_close(out, reference(w, f32(q), f32(v), f32(k)), rtol=1e-5, atol=1e-6)
    check_grad(
        lambda a, b, c: layer([a, b, c], mask=[None, v_mask]),
        lambda a, b, c: reference(w, a, b, c),
        [q, v, k],
        rng,
    )
    qf, vf, kf = f32(q), f32(v), f32(k)
    check_weight_grads(
        layer,
        lambda: layer([qf, vf, kf], mask=[None, v_mask]),
        lambda ws: reference(ws, qf, vf, kf),
    )


def test_attention_weights_match_keras():
    q, v = normal(1, 2, 3), normal(1, 4, 3)
    concat = layers.Attention(use_scale=True, score_mode="concat")
    concat([q, v])
    assert [(w.name, tuple(w.shape)) for w in concat.weights] == [
        ("scale", ()),
        ("concat_score_weight", ()),
    ]
    additive = layers.AdditiveAttention()
    additive([q, v])
    assert [(w.name, tuple(w.shape)) for w in additive.weights] == [("scale", (3,))]


def test_attention_dropout_only_in_training():
    q, v = normal(2, 3, 4), normal(2, 6, 4)
    layer = layers.Attention(dropout=0.5, seed=1)
    want, want_w = ref.attention(f32(q), f32(v), score=dot_score())
    assert_close(layer([q, v]), want, rtol=1e-5, atol=1e-6)
    out, weights = layer([q, v], training=True, return_attention_scores=True)
    assert_close(weights, want_w, rtol=1e-5, atol=1e-6)
    assert np.abs(out.numpy() - want).max() > 1e-3


def test_attention_errors():
    with pytest.raises(ValueError, match=r"Attention layer 'att' must be called on a list"):
        layers.Attention(name="att")(normal(1, 3, 4))
    with pytest.raises(ValueError, match="length 2 or 3"):
        layers.Attention()([normal(1, 3, 4)] * 4)
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="cosine")
    with pytest.raises(
        ValueError,
        match=r"'att'.*query_shape=\(1, 3, 4\), value_shape=\(1, 5, 4\), key_shape=\(1, 5, 3\)",
    ):
        layers.Attention(name="att")([normal(1, 3, 4), normal(1, 5, 4), normal(1, 5, 3)])
    with pytest.raises(
        ValueError, match=r"AdditiveAttention.*value_shape=\(1, 6, 4\), key_shape=\(1, 5, 4\)"
    ):
        layers.AdditiveAttention()([normal(1, 3, 4), normal(1, 6, 4), normal(1, 5, 4)])
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([normal(1, 3, 4), normal(1, 5, 4)], mask=np.ones((1, 5), bool))


def test_configs_round_trip():
    mha = layers.MultiHeadAttention(2, 3, value_dim=4, dropout=0.1, output_shape=5, seed=2)
    mha(normal(1, 3, 6), normal(1, 3, 6))
    for layer in [
        mha,
        layers.MultiHeadAttention(2, 3, attention_axes=(1, 2), kernel_regularizer="l2"),
        layers.Attention(use_scale=True, score_mode="concat", dropout=0.2),
        layers.AdditiveAttention(use_scale=False),
    ]:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    # Keras writes the resolved attention axes once built.
    assert mha.get_config()["attention_axes"] == (1,)
    assert "score_mode" not in layers.AdditiveAttention().get_config()


def test_functional_models_return_attention_scores():
    query, value = keras.Input((4, 6)), keras.Input((3, 4, 6))
    mha = layers.MultiHeadAttention(2, 3, attention_axes=2)
    out, scores = mha(value, value, return_attention_scores=True)
    att_out, weights = layers.Attention()([query, query], return_attention_scores=True)
    assert tuple(scores.shape) == (None, 3, 2, 4, 4) and tuple(weights.shape) == (None, 4, 4)
    model = keras.Model([query, value], [out, scores, att_out, weights])
    q, v = normal(2, 4, 6), normal(2, 3, 4, 6)
    got = model.predict([q, v], verbose=0)
    want, want_scores = ref.mha(weights64(mha), f32(v), f32(v), key_dim=3, axes=(2,))
    want_att, want_w = ref.attention(f32(q), f32(q), score=dot_score())
    for g, w in zip(got, [want, want_scores, want_att, want_w], strict=True):
        assert_close(g, w, rtol=1e-4, atol=1e-5)


def test_transformer_block_trains(device):
    keras.utils.set_random_seed(3)
    inputs = keras.Input((5, 8))
    x = layers.MultiHeadAttention(2, 4)(inputs, inputs, use_causal_mask=True)
    x = layers.LayerNormalization()(layers.Add()([x, inputs]))
    model = keras.Model(inputs, layers.Dense(1)(layers.GlobalAveragePooling1D()(x)))
    model.compile(keras.optimizers.Adam(0.01), "mse")
    data, target = normal(8, 5, 8), normal(8, 1)
    history = model.fit(data, target, epochs=3, batch_size=4, verbose=0, shuffle=False)
    assert model.weights[0].device.startswith(device)
    assert history.history["loss"][-1] < history.history["loss"][0]
