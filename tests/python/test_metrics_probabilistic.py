"""Crossentropy, KL divergence, Poisson and hinge metrics against NumPy."""

import json
import warnings

import numpy as np
import pytest

from rkeras import metrics

RNG = np.random.default_rng(3)
EPS = 1e-7


def value(m):
    return np.asarray(m.result(), dtype=np.float64)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_bce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)


def np_cce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        logp = np.log(softmax(p))
    else:
        logp = np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS))
    return -(t * logp).sum(-1)


def np_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return (t * np.log(t / p)).sum(-1)


def np_poisson(t, p):
    return (p - t * np.log(p + EPS)).mean(-1)


def _hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def np_hinge(t, p):
    return np.maximum(1 - _hinge_labels(t) * p, 0).mean(-1)


def np_squared_hinge(t, p):
    return (np.maximum(1 - _hinge_labels(t) * p, 0) ** 2).mean(-1)


def np_categorical_hinge(t, p):
    pos = (t * p).sum(-1)
    neg = ((1 - t) * p).max(-1)
    return np.maximum(neg - pos + 1, 0)


def run_batches(m, t, p, w=None, split=4):
    for s in (slice(0, split), slice(split, None)):
        m.update_state(t[s], p[s], sample_weight=None if w is None else w[s])
    return value(m)


def expect(per, w=None):
    return per.mean() if w is None else (per * w).sum() / w.sum()


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"from_logits": True}, {"label_smoothing": 0.2}],
    ids=["probs", "logits", "smoothing"],
)
def test_binary_crossentropy(weighted, kwargs):
    t = RNG.integers(0, 2, size=(10, 3)).astype(np.float32)
    p = RNG.normal(size=(10, 3)) if kwargs.get("from_logits") else RNG.uniform(size=(10, 3))
    p = p.astype(np.float32)
    w = RNG.uniform(0, 1, size=(10,)) if weighted else None
    m = metrics.BinaryCrossentropy(**kwargs)
    got = run_batches(m, t, p, w)
    np.testing.assert_allclose(got, expect(np_bce(t, p.astype(np.float64), **kwargs), w), rtol=1e-5)


def test_binary_crossentropy_clips_exact_zero_and_one():
    m = metrics.BinaryCrossentropy()
    m.update_state([[1.0, 0.0]], [[0.0, 1.0]])
    # Clipped to [1e-7, 1 - 1e-7] in float32, where 1 - 1e-7 rounds to 1 - 2**-23.
    hi = np.float32(1.0) - np.float32(EPS)
    expected = -(np.log(np.float32(EPS)) + np.log(np.float32(1.0) - hi)) / 2
    np.testing.assert_allclose(value(m), expected, rtol=1e-5)


def test_binary_crossentropy_keras_example():
    m = metrics.BinaryCrossentropy()
    m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    np.testing.assert_allclose(value(m), 0.81492424, rtol=1e-5)
    m.reset_state()
    m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], sample_weight=[1, 0])
    np.testing.assert_allclose(value(m), 0.9162905, rtol=1e-5)


def test_binary_crossentropy_mismatched_shapes_raise():
    with pytest.raises(ValueError, match="must have the same shape"):
        metrics.BinaryCrossentropy().update_state([[1.0, 0.0]], [[0.5], [0.5]])


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"from_logits": True}, {"label_smoothing": 0.1}],
    ids=["probs", "logits", "smoothing"],
)
def test_categorical_crossentropy(weighted, kwargs):
    labels = RNG.integers(0, 4, size=10)
    t = np.eye(4, dtype=np.float32)[labels]
    p = RNG.normal(size=(10, 4)) if kwargs.get("from_logits") else RNG.uniform(size=(10, 4))
    p = p.astype(np.float32)
    w = RNG.uniform(0, 1, size=(10,)) if weighted else None
    m = metrics.CategoricalCrossentropy(**kwargs)
    got = run_batches(m, t, p, w)
    np.testing.assert_allclose(got, expect(np_cce(t, p.astype(np.float64), **kwargs), w), rtol=1e-5)


def test_categorical_crossentropy_keras_example():
    m = metrics.CategoricalCrossentropy()
    yt, yp = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    m.update_state(yt, yp)
    np.testing.assert_allclose(value(m), 1.1769392, rtol=1e-5)
    m.reset_state()
    m.update_state(yt, yp, sample_weight=np.array([0.3, 0.7]))
    np.testing.assert_allclose(value(m), 1.6271976, rtol=1e-5)


def test_categorical_crossentropy_single_class_warns():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        metrics.categorical_crossentropy([[1.0]], [[0.7]])
    assert any("binary_crossentropy" in str(w.message) for w in caught)


@pytest.mark.parametrize("label_shape", ["flat", "column"])
@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(label_shape, from_logits):
    labels = RNG.integers(0, 5, size=12)
    p = RNG.normal(size=(12, 5)) if from_logits else RNG.uniform(size=(12, 5))
    p = p.astype(np.float32)
    t = labels if label_shape == "flat" else labels[:, None]
    w = RNG.uniform(0, 1, size=(12,))
    m = metrics.SparseCategoricalCrossentropy(from_logits=from_logits)
    got = run_batches(m, t, p, w, split=5)
    ref = np_cce(np.eye(5)[labels], p.astype(np.float64), from_logits=from_logits)
    np.testing.assert_allclose(got, expect(ref, w), rtol=1e-5)


def test_sparse_categorical_crossentropy_keras_example():
    m = metrics.SparseCategoricalCrossentropy()
    m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    np.testing.assert_allclose(value(m), 1.1769392, rtol=1e-5)
    m.reset_state()
    m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], sample_weight=[0.3, 0.7])
    np.testing.assert_allclose(value(m), 1.6271976, rtol=1e-5)


def test_sparse_categorical_crossentropy_ignore_class():
    labels = np.array([0, 2, -1, 1, -1])
    p = RNG.uniform(size=(5, 3)).astype(np.float32)
    m = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    m.update_state(labels, p)
    keep = labels != -1
    ref = np_cce(np.eye(3)[labels[keep]], p[keep].astype(np.float64))
    # Ignored entries count in neither the sum nor the count.
    np.testing.assert_allclose(value(m), ref.mean(), rtol=1e-5)
    out = np.asarray(metrics.sparse_categorical_crossentropy(labels, p, ignore_class=-1))
    assert out[2] == 0.0 and out[4] == 0.0


@pytest.mark.parametrize(
    "cls, ref, name",
    [
        (metrics.KLDivergence, np_kld, "kl_divergence"),
        (metrics.Poisson, np_poisson, "poisson"),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_kl_and_poisson(cls, ref, name, weighted):
    t = RNG.uniform(0, 1, size=(8, 3)).astype(np.float32)
    p = RNG.uniform(0, 1, size=(8, 3)).astype(np.float32)
    t[0, 0] = 0.0  # exercises the clipping
    w = RNG.uniform(0, 1, size=(8,)) if weighted else None
    m = cls()
    assert m.name == name
    got = run_batches(m, t, p, w)
    np.testing.assert_allclose(
        got, expect(ref(t.astype(np.float64), p.astype(np.float64)), w), rtol=1e-5
    )


@pytest.mark.parametrize(
    "cls, ref, name",
    [
        (metrics.Hinge, np_hinge, "hinge"),
        (metrics.SquaredHinge, np_squared_hinge, "squared_hinge"),
        (metrics.CategoricalHinge, np_categorical_hinge, "categorical_hinge"),
    ],
)
@pytest.mark.parametrize("labels", ["binary01", "signed"])
@pytest.mark.parametrize("weighted", [False, True])
def test_hinge_family(cls, ref, name, labels, weighted):
    t = RNG.integers(0, 2, size=(8, 3)).astype(np.float32)
    if labels == "signed":
        t = 2 * t - 1
    p = RNG.normal(size=(8, 3)).astype(np.float32)
    w = RNG.uniform(0, 1, size=(8,)) if weighted else None
    m = cls()
    assert m.name == name
    # One batch: the {0, 1} -> {-1, 1} check is per batch, as in Keras.
    m.update_state(t, p, sample_weight=w)
    np.testing.assert_allclose(
        value(m), expect(ref(t.astype(np.float64), p.astype(np.float64)), w), rtol=1e-5
    )


def test_hinge_keras_examples():
    yt, yp = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
    for cls, expected, weighted in [
        (metrics.Hinge, 1.3, 1.1),
        (metrics.SquaredHinge, 1.86, 1.46),
        (metrics.CategoricalHinge, 1.4, 1.2),
    ]:
        m = cls()
        m.update_state(yt, yp)
        np.testing.assert_allclose(value(m), expected, rtol=1e-5)
        m.reset_state()
        m.update_state(yt, yp, sample_weight=[1, 0])
        np.testing.assert_allclose(value(m), weighted, rtol=1e-5)


@pytest.mark.parametrize(
    "metric, config",
    [
        (
            metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
            {"from_logits": True, "label_smoothing": 0.1},
        ),
        (
            metrics.CategoricalCrossentropy(label_smoothing=0.2, axis=-1),
            {"from_logits": False, "label_smoothing": 0.2, "axis": -1},
        ),
        (
            metrics.SparseCategoricalCrossentropy(ignore_class=0),
            {"from_logits": False, "ignore_class": 0, "axis": -1},
        ),
        (metrics.KLDivergence(), {}),
        (metrics.Poisson(), {}),
        (metrics.Hinge(), {}),
        (metrics.SquaredHinge(), {}),
        (metrics.CategoricalHinge(), {}),
    ],
    ids=lambda x: type(x).__name__ if isinstance(x, metrics.Metric) else "",
)
def test_config_round_trip(metric, config):
    got = metric.get_config()
    assert got == {"name": metric.name, "dtype": "float32", **config}
    clone = type(metric).from_config(json.loads(json.dumps(got)))
    assert clone.get_config() == got


def test_default_names():
    assert metrics.BinaryCrossentropy().name == "binary_crossentropy"
    assert metrics.CategoricalCrossentropy().name == "categorical_crossentropy"
    assert metrics.SparseCategoricalCrossentropy().name == "sparse_categorical_crossentropy"
