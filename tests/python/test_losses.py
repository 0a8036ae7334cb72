"""Losses against NumPy formulas (Keras 3's definitions)."""

import numpy as np
import pytest

import rkeras as keras
from rkeras import losses

EPS = 1e-7
rng = np.random.default_rng(3)


def _close(got, want, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=atol)


def _probs(shape):
    p = rng.uniform(0.05, 1.0, size=shape)
    return (p / p.sum(-1, keepdims=True)).astype("float32")


Y = rng.normal(size=(6, 4)).astype("float32")
P = rng.normal(size=(6, 4)).astype("float32")
POS_Y = rng.uniform(0.1, 2.0, size=(6, 4)).astype("float32")
POS_P = rng.uniform(0.1, 2.0, size=(6, 4)).astype("float32")
BIN_Y = rng.integers(0, 2, size=(6, 4)).astype("float32")
BIN_P = rng.uniform(0.02, 0.98, size=(6, 4)).astype("float32")


def np_bce(y, p):
    p = np.clip(p.astype("float64"), EPS, 1 - EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(-1)


def np_log_cosh(y, p):
    return np.log(np.cosh(p.astype("float64") - y)).mean(-1)


CASES = [
    (losses.mean_squared_error, Y, P, lambda y, p: ((p - y) ** 2).mean(-1)),
    (losses.mean_absolute_error, Y, P, lambda y, p: np.abs(p - y).mean(-1)),
    (
        losses.mean_absolute_percentage_error,
        POS_Y,
        POS_P,
        lambda y, p: 100 * np.abs((y - p) / np.maximum(np.abs(y), EPS)).mean(-1),
    ),
    (
        losses.mean_squared_logarithmic_error,
        POS_Y,
        POS_P,
        lambda y, p: ((np.log(p + 1.0) - np.log(y + 1.0)) ** 2).mean(-1),
    ),
    (losses.binary_crossentropy, BIN_Y, BIN_P, np_bce),
    (
        losses.huber,
        Y,
        P,
        lambda y, p: np.where(np.abs(p - y) <= 1, 0.5 * (p - y) ** 2, np.abs(p - y) - 0.5).mean(-1),
    ),
    (losses.log_cosh, Y, P, np_log_cosh),
    (
        losses.kl_divergence,
        _probs((6, 4)),
        _probs((6, 4)),
        lambda y, p: (np.clip(y, EPS, 1) * np.log(np.clip(y, EPS, 1) / np.clip(p, EPS, 1))).sum(-1),
    ),
    (losses.poisson, POS_Y, POS_P, lambda y, p: (p - y * np.log(p + EPS)).mean(-1)),
    (losses.hinge, BIN_Y, P, lambda y, p: np.maximum(1 - (2 * y - 1) * p, 0).mean(-1)),
    (
        losses.squared_hinge,
        BIN_Y,
        P,
        lambda y, p: (np.maximum(1 - (2 * y - 1) * p, 0) ** 2).mean(-1),
    ),
    (
        losses.cosine_similarity,
        Y,
        P,
        lambda y, p: (
            -(
                y
                / np.linalg.norm(y, axis=-1, keepdims=True)
                * p
                / np.linalg.norm(p, axis=-1, keepdims=True)
            ).sum(-1)
        ),
    ),
]


@pytest.mark.parametrize("fn, y, p, ref", CASES, ids=[c[0].__name__ for c in CASES])
def test_loss_functions_match_numpy(fn, y, p, ref):
    _close(fn(y, p), ref(y.astype("float64"), p.astype("float64")))


def test_categorical_crossentropy_probabilities_and_logits():
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, 6)]
    p = _probs((6, 4))
    _close(losses.categorical_crossentropy(y, p), -(y * np.log(p)).sum(-1))
    logits = rng.normal(size=(6, 4)).astype("float32") * 3
    log_sm = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    _close(losses.categorical_crossentropy(y, logits, from_logits=True), -(y * log_sm).sum(-1))
    smoothed = y * 0.9 + 0.1 / 4
    _close(
        losses.categorical_crossentropy(y, logits, from_logits=True, label_smoothing=0.1),
        -(smoothed * log_sm).sum(-1),
    )


def test_sparse_categorical_crossentropy_labels_and_ignore_class():
    labels = rng.integers(0, 4, 6)
    p = _probs((6, 4))
    want = -np.log(p[np.arange(6), labels])
    _close(losses.sparse_categorical_crossentropy(labels, p), want)
    _close(losses.sparse_categorical_crossentropy(labels.reshape(6, 1), p), want)
    labels_ignored = labels.copy()
    labels_ignored[:2] = 3
    got = losses.sparse_categorical_crossentropy(labels_ignored, p, ignore_class=3)
    want_ignored = np.where(labels_ignored == 3, 0.0, -np.log(p[np.arange(6), labels_ignored]))
    _close(got, want_ignored)


def test_binary_crossentropy_from_logits_is_stable():
    y = np.array([[1.0, 0.0, 1.0]], "float32")
    logits = np.array([[200.0, -200.0, -3.0]], "float32")
    got = np.asarray(losses.binary_crossentropy(y, logits, from_logits=True))
    want = np.mean([0.0, 0.0, np.log1p(np.exp(3.0))])
    _close(got, [want])


def test_reductions_and_sample_weight():
    y, p = Y, P
    per_sample = ((p - y) ** 2).mean(-1)
    w = rng.uniform(0, 2, size=6).astype("float32")
    _close(losses.MeanSquaredError()(y, p), per_sample.mean())
    _close(losses.MeanSquaredError(reduction="sum")(y, p), per_sample.sum())
    _close(losses.MeanSquaredError(reduction="none")(y, p), per_sample)
    _close(losses.MeanSquaredError()(y, p, sample_weight=w), (per_sample * w).mean())
    _close(losses.MeanSquaredError()(y, p, sample_weight=w.reshape(6, 1)), (per_sample * w).mean())
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_loss_classes_keep_arguments_and_names():
    loss = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)
    assert loss.name == "binary_crossentropy"
    config = loss.get_config()
    assert config["from_logits"] is True and config["label_smoothing"] == 0.2
    again = losses.BinaryCrossentropy.from_config(config)
    _close(again(BIN_Y, P), loss(BIN_Y, P))
    assert losses.Huber().name == "huber_loss"
    assert losses.KLDivergence().name == "kl_divergence"


def test_get_resolves_names_and_rejects_unknown():
    assert losses.get("mse") is losses.mean_squared_error
    assert isinstance(losses.get("MeanAbsoluteError"), losses.MeanAbsoluteError)
    assert losses.get("sparse_categorical_crossentropy") is losses.sparse_categorical_crossentropy
    with pytest.raises(ValueError, match="Could not interpret loss identifier: nope"):
        losses.get("nope")


def test_custom_loss_subclass():
    class Scaled(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return keras.ops.mean(keras.ops.abs(y_pred - y_true), axis=-1) * 2.0

    _close(Scaled()(Y, P), 2 * np.abs(P - Y).mean())


def test_targets_of_shape_n_match_predictions_of_shape_n_1():
    # As Keras does, (n,) targets meet (n, 1) predictions without broadcasting to (n, n).
    y = BIN_Y[:, 0]
    p = BIN_P[:, :1]
    _close(losses.BinaryCrossentropy()(y, p), np_bce(y[:, None], p).mean())
    _close(losses.MeanSquaredError()(Y[:, 0], P[:, :1]), ((P[:, 0] - Y[:, 0]) ** 2).mean())
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    loss = model.evaluate(P, y, verbose=0)
    _close(loss, np_bce(y[:, None], model.predict(P, verbose=0)).mean(), rtol=1e-5)
