"""Keras masks: produced by `Masking` and `Embedding(mask_zero=True)`,
passed to the `mask` argument of the next layers, combined by merge layers,
and honoured by losses."""

import warnings

import numpy as np
import pytest
from test_keras_round_trip import run_keras

import rkeras as keras
from rkeras import ops

rng = np.random.default_rng(21)


def padded_tokens():
    x = rng.integers(1, 20, size=(4, 6))
    x[0, 4:] = 0
    x[1, 1:] = 0
    x[3, 2] = 0
    return x


class SeesMask(keras.layers.Layer):
    """Records the mask it was called with and passes its input on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen = "never called"

    def call(self, inputs, mask=None):
        self.seen = None if mask is None else np.asarray(mask)
        return inputs


def test_masking_layer_zeroes_and_masks_padded_steps():
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    x[0, 3:] = -1.0
    x[2, 0] = -1.0
    x[1, 2, 0] = -1.0  # one feature at the mask value does not mask the step
    out = keras.layers.Masking(mask_value=-1.0)(x)
    keep = np.any(x != -1.0, axis=-1)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), keep)
    np.testing.assert_array_equal(np.asarray(out), x * keep[..., None])


def test_embedding_mask_reaches_the_next_layers_call():
    x = padded_tokens()
    seer = SeesMask()
    model = keras.Sequential(
        [keras.layers.Embedding(20, 3, mask_zero=True), keras.layers.Dense(4), seer]
    )
    out = model(x)
    np.testing.assert_array_equal(seer.seen, x != 0)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), x != 0)


def test_no_mask_without_mask_zero():
    seer = SeesMask()
    out = keras.Sequential([keras.layers.Embedding(20, 3), seer])(padded_tokens())
    assert seer.seen is None
    assert out._keras_mask is None


def test_explicit_mask_argument_wins():
    x = padded_tokens()
    emb = keras.layers.Embedding(20, 3, mask_zero=True)(x)
    seer = SeesMask()
    explicit = np.ones_like(x, dtype=bool)
    seer(emb, mask=explicit)
    np.testing.assert_array_equal(seer.seen, explicit)


def test_layer_without_masking_support_drops_the_mask_with_a_warning():
    emb = keras.layers.Embedding(20, 3, mask_zero=True)(padded_tokens())
    with pytest.warns(UserWarning, match="does not support masking"):
        out = keras.layers.Flatten()(emb)
    assert out._keras_mask is None


def test_named_mask_arguments_are_filled_per_input():
    class Cross(keras.layers.Layer):
        def call(self, query, value, query_mask=None, value_mask=None):
            self.masks = (query_mask, value_mask)
            return query

    q = keras.layers.Embedding(20, 2, mask_zero=True)(padded_tokens())
    v_tokens = padded_tokens()[::-1].copy()
    v = keras.layers.Embedding(20, 2, mask_zero=True)(v_tokens)
    layer = Cross()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer(q, v)
    np.testing.assert_array_equal(np.asarray(layer.masks[0]), np.asarray(q._keras_mask))
    np.testing.assert_array_equal(np.asarray(layer.masks[1]), v_tokens != 0)


def test_merge_layers_combine_masks():
    a_tokens, b_tokens = padded_tokens(), padded_tokens()
    a = keras.layers.Embedding(20, 2, mask_zero=True)(a_tokens)
    b = keras.layers.Embedding(20, 2, mask_zero=True)(b_tokens)
    added = keras.layers.Add()([a, b])
    np.testing.assert_array_equal(np.asarray(added._keras_mask), (a_tokens != 0) & (b_tokens != 0))
    unmasked = ops.ones((4, 6, 2))
    joined = keras.layers.Concatenate()([a, unmasked])
    np.testing.assert_array_equal(np.asarray(joined._keras_mask), np.ones((4, 6), bool))
    joined = keras.layers.Concatenate(axis=1)([a, b])
    np.testing.assert_array_equal(
        np.asarray(joined._keras_mask), np.concatenate([a_tokens != 0, b_tokens != 0], axis=1)
    )


def test_softmax_layer_gives_masked_positions_zero_probability():
    logits = rng.normal(size=(2, 5)).astype("float32")
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool)
    out = np.asarray(keras.layers.Softmax()(logits, mask=mask))
    expected = np.where(mask, np.exp(logits), 0.0)
    np.testing.assert_allclose(out, expected / expected.sum(-1, keepdims=True), rtol=1e-6)


def test_loss_averages_over_unmasked_steps_only():
    x = padded_tokens()
    y = rng.normal(size=(4, 6, 1)).astype("float32")
    model = keras.Sequential([keras.layers.Embedding(20, 3, mask_zero=True), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    pred = np.asarray(model(x))
    keep = x != 0
    expected = ((pred - y)[..., 0] ** 2)[keep].mean()
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)
    weights = rng.uniform(0.5, 2.0, size=(4,)).astype("float32")
    per_step = (pred - y)[..., 0] ** 2 * weights[:, None] * keep
    expected = per_step.sum() / keep.sum()
    loss = keras.losses.MeanSquaredError()(y, model(x), sample_weight=weights)
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)


def test_masked_training_matches_keras(tmp_path):
    x = padded_tokens()
    y = rng.normal(size=(4, 6, 2)).astype("float32")

    model = keras.Sequential(
        [
            keras.Input((6,), dtype="int32"),
            keras.layers.Embedding(20, 3, mask_zero=True),
            keras.layers.Dense(5, activation="tanh"),
            keras.layers.Dense(2),
        ]
    )
    model.compile(keras.optimizers.SGD(0.1), "mse")
    weights = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    np.savez(tmp_path / "data.npz", x=x, y=y, **weights)
    history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    theirs = run_keras(
        """
        import json, numpy as np, keras
        d = np.load("data.npz")
        m = keras.Sequential([keras.Input((6,), dtype="int32"),
            keras.layers.Embedding(20, 3, mask_zero=True),
            keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(2)])
        m.compile(keras.optimizers.SGD(0.1), "mse")
        m.set_weights([d[f"w{i}"] for i in range(5)])
        h = m.fit(d["x"], d["y"], batch_size=2, epochs=2, shuffle=False, verbose=0)
        print(json.dumps({"loss": h.history["loss"],
                          "pred": np.asarray(m.predict(d["x"], verbose=0)).tolist()}))
        """,
        tmp_path,
    )
    np.testing.assert_allclose(history.history["loss"], theirs["loss"], rtol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0), theirs["pred"], rtol=1e-4, atol=1e-5)


def test_weighted_metric_counts_unmasked_steps_only():
    x = padded_tokens()
    y = rng.normal(size=(4, 6, 1)).astype("float32")
    pred = keras.Sequential([keras.layers.Embedding(20, 3, mask_zero=True), keras.layers.Dense(1)])(
        x
    )
    weights = rng.uniform(0.5, 2.0, size=(4, 6)).astype("float32")
    metric = keras.metrics.MeanAbsoluteError()
    metric.update_state(y, pred, sample_weight=weights)
    err = np.abs(np.asarray(pred) - y)[..., 0]
    keep = x != 0
    expected = (err * weights * keep).sum() / (weights * keep).sum()
    np.testing.assert_allclose(float(metric.result()), expected, rtol=1e-5)
