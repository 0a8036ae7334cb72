"""Accuracy metrics against NumPy references and Keras's documented values."""

import json

import numpy as np
import pytest

from rkeras import metrics

RNG = np.random.default_rng(1)


def value(m):
    return np.asarray(m.result(), dtype=np.float64)


def weighted_mean(per_sample, w=None):
    per_sample = np.asarray(per_sample, dtype=np.float64)
    if w is None:
        return per_sample.mean()
    w = np.asarray(w, dtype=np.float64)
    return (per_sample * w).sum() / w.sum()


# ----- Keras's documented examples --------------------------------------------


def test_accuracy_keras_example():
    m = metrics.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert float(m.result()) == 0.75
    m.reset_state()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 0.5


def test_binary_accuracy_keras_example():
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert float(m.result()) == 0.75
    m.reset_state()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], sample_weight=[1, 0, 0, 1])
    assert float(m.result()) == 0.5


def test_categorical_accuracy_keras_example():
    m = metrics.CategoricalAccuracy()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert float(m.result()) == 0.5
    m.reset_state()
    m.update_state(
        [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3]
    )
    np.testing.assert_allclose(value(m), 0.3, rtol=1e-6)


def test_sparse_categorical_accuracy_keras_example():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    assert float(m.result()) == 0.5
    m.reset_state()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    np.testing.assert_allclose(value(m), 0.3, rtol=1e-6)


def test_top_k_keras_example():
    m = metrics.TopKCategoricalAccuracy(k=1)
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert float(m.result()) == 0.5
    m.reset_state()
    m.update_state(
        [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3]
    )
    np.testing.assert_allclose(value(m), 0.3, rtol=1e-6)


def test_sparse_top_k_keras_example():
    m = metrics.SparseTopKCategoricalAccuracy(k=1)
    m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert float(m.result()) == 0.5
    m.reset_state()
    m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    np.testing.assert_allclose(value(m), 0.3, rtol=1e-6)


# ----- NumPy references, several batches ------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_accuracy_random(weighted):
    yt = RNG.integers(0, 2, size=(12, 1)).astype(np.float32)
    yp = RNG.uniform(size=(12, 1)).astype(np.float32)
    w = RNG.uniform(0, 1, size=(12,)) if weighted else None
    m = metrics.BinaryAccuracy(threshold=0.3)
    for s in (slice(0, 5), slice(5, 12)):
        m.update_state(yt[s], yp[s], sample_weight=None if w is None else w[s])
    per = (yt[:, 0] == (yp[:, 0] > 0.3)).astype(np.float64)
    np.testing.assert_allclose(value(m), weighted_mean(per, w), rtol=1e-5)


def test_binary_accuracy_rank1_labels_and_int_labels():
    # y_true (batch,) against y_pred (batch, 1), int labels.
    yt = np.array([1, 0, 1, 1], dtype=np.int32)
    yp = np.array([[0.9], [0.2], [0.4], [0.6]], dtype=np.float32)
    m = metrics.BinaryAccuracy()
    m.update_state(yt, yp)
    assert float(m.result()) == 0.75


@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_accuracy_random(weighted):
    n, c = 16, 5
    labels = RNG.integers(0, c, size=n)
    yt = np.eye(c, dtype=np.float32)[labels]
    yp = RNG.uniform(size=(n, c)).astype(np.float32)
    w = RNG.uniform(0, 1, size=(n,)) if weighted else None
    m = metrics.CategoricalAccuracy()
    m.update_state(yt[:7], yp[:7], sample_weight=None if w is None else w[:7])
    m.update_state(yt[7:], yp[7:], sample_weight=None if w is None else w[7:])
    per = (labels == yp.argmax(-1)).astype(np.float64)
    np.testing.assert_allclose(value(m), weighted_mean(per, w), rtol=1e-5)


@pytest.mark.parametrize("label_shape", ["flat", "column"])
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64, np.float32])
def test_sparse_categorical_accuracy_label_forms(label_shape, label_dtype):
    n, c = 10, 4
    labels = RNG.integers(0, c, size=n)
    yp = RNG.uniform(size=(n, c)).astype(np.float32)
    yt = labels.astype(label_dtype)
    if label_shape == "column":
        yt = yt[:, None]
    w = RNG.uniform(0, 1, size=(n,))
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(yt, yp, sample_weight=w)
    per = (labels == yp.argmax(-1)).astype(np.float64)
    np.testing.assert_allclose(value(m), weighted_mean(per, w), rtol=1e-5)


def test_sparse_categorical_accuracy_sequences():
    # (batch, time) labels against (batch, time, classes) predictions.
    labels = RNG.integers(0, 3, size=(4, 5))
    yp = RNG.uniform(size=(4, 5, 3)).astype(np.float32)
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(labels, yp)
    np.testing.assert_allclose(value(m), (labels == yp.argmax(-1)).mean(), rtol=1e-5)


def _top_k_reference(labels, scores, k):
    at_label = scores[np.arange(len(labels)), labels]
    rank = 1 + (scores > at_label[:, None]).sum(axis=1)
    return (rank <= k).astype(np.float64)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_categorical_random(k):
    n, c = 20, 6
    labels = RNG.integers(0, c, size=n)
    yt = np.eye(c, dtype=np.float32)[labels]
    yp = RNG.uniform(size=(n, c)).astype(np.float32)
    w = RNG.uniform(0, 1, size=(n,))
    m = metrics.TopKCategoricalAccuracy(k=k)
    m.update_state(yt[:10], yp[:10], sample_weight=w[:10])
    m.update_state(yt[10:], yp[10:], sample_weight=w[10:])
    np.testing.assert_allclose(
        value(m), weighted_mean(_top_k_reference(labels, yp, k), w), rtol=1e-5
    )


@pytest.mark.parametrize("label_shape", ["flat", "column"])
def test_sparse_top_k_random(label_shape):
    n, c, k = 20, 7, 3
    labels = RNG.integers(0, c, size=n)
    yp = RNG.uniform(size=(n, c)).astype(np.float32)
    yt = labels if label_shape == "flat" else labels[:, None]
    m = metrics.SparseTopKCategoricalAccuracy(k=k)
    m.update_state(yt, yp)
    np.testing.assert_allclose(value(m), _top_k_reference(labels, yp, k).mean(), rtol=1e-5)


def test_default_k_is_5_and_ties_count_for_the_target():
    assert metrics.TopKCategoricalAccuracy().k == 5
    assert metrics.SparseTopKCategoricalAccuracy().k == 5
    # All scores equal: the target ties for first place, so it is in the top 1.
    m = metrics.SparseTopKCategoricalAccuracy(k=1)
    m.update_state([3], [[0.5, 0.5, 0.5, 0.5]])
    assert float(m.result()) == 1.0


def test_sparse_top_k_from_sorted_ids():
    m = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    m.update_state([2, 1, 0], [[2, 0, 1], [0, 2, 1], [1, 2, 0]])
    np.testing.assert_allclose(value(m), 1.0 / 3.0, rtol=1e-6)
    assert m.get_config()["from_sorted_ids"] is True
    assert "from_sorted_ids" not in metrics.SparseTopKCategoricalAccuracy().get_config()


# ----- function forms ----------------------------------------------------------


def test_function_forms_return_per_sample_values():
    yp = np.array([[0.1, 0.9, 0.8], [0.05, 0.95, 0]], dtype=np.float32)
    np.testing.assert_array_equal(
        np.asarray(metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0]], yp)), [0.0, 1.0]
    )
    np.testing.assert_array_equal(
        np.asarray(metrics.sparse_categorical_accuracy([2, 1], yp)), [0, 1]
    )
    np.testing.assert_array_equal(
        np.asarray(metrics.top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], yp, k=2)), [1, 1]
    )
    np.testing.assert_array_equal(
        np.asarray(metrics.sparse_top_k_categorical_accuracy([0, 2], yp, k=2)), [0, 0]
    )
    out = metrics.binary_accuracy([[1], [0]], [[0.7], [0.7]], threshold=0.8)
    np.testing.assert_array_equal(np.asarray(out), [[0.0], [1.0]])  # not reduced, as in Keras
    assert str(out.dtype) == "float32"


# ----- names, config, reset ------------------------------------------------------


@pytest.mark.parametrize(
    "cls, name, extra",
    [
        (metrics.Accuracy, "accuracy", {}),
        (metrics.BinaryAccuracy, "binary_accuracy", {"threshold": 0.5}),
        (metrics.CategoricalAccuracy, "categorical_accuracy", {}),
        (metrics.SparseCategoricalAccuracy, "sparse_categorical_accuracy", {}),
        (metrics.TopKCategoricalAccuracy, "top_k_categorical_accuracy", {"k": 5}),
        (metrics.SparseTopKCategoricalAccuracy, "sparse_top_k_categorical_accuracy", {"k": 5}),
    ],
)
def test_names_and_config_round_trip(cls, name, extra):
    m = cls()
    assert m.name == name
    config = m.get_config()
    assert config == {"name": name, "dtype": "float32", **extra}
    m2 = cls.from_config(json.loads(json.dumps(config)))
    assert m2.get_config() == config


def test_config_keeps_arguments():
    m = metrics.BinaryAccuracy(name="ba", threshold=0.7)
    m2 = metrics.BinaryAccuracy.from_config(m.get_config())
    assert m2.threshold == 0.7 and m2.name == "ba"
    m2.update_state([[1], [1]], [[0.6], [0.8]])
    assert float(m2.result()) == 0.5
    k3 = metrics.TopKCategoricalAccuracy.from_config(
        metrics.TopKCategoricalAccuracy(k=3).get_config()
    )
    assert k3.k == 3


def test_reset_state_accuracy():
    m = metrics.CategoricalAccuracy()
    m.update_state([[0, 1]], [[0.9, 0.1]])
    assert float(m.result()) == 0.0
    m.reset_state()
    assert float(m.result()) == 0.0
    m.update_state([[0, 1]], [[0.1, 0.9]])
    assert float(m.result()) == 1.0
