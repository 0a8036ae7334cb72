"""Regression metrics against NumPy references and Keras's documented values."""

import json

import numpy as np
import pytest

from rkeras import metrics

RNG = np.random.default_rng(2)
EPS = 1e-7


def value(m):
    return np.asarray(m.result(), dtype=np.float64)


def np_mse(t, p):
    return ((t - p) ** 2).mean(-1)


def np_mae(t, p):
    return np.abs(t - p).mean(-1)


def np_mape(t, p):
    return 100.0 * (np.abs(t - p) / np.maximum(np.abs(t), EPS)).mean(-1)


def np_msle(t, p):
    return ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1)


def np_logcosh(t, p):
    return np.log(np.cosh(p - t)).mean(-1)


def np_cosine(t, p):
    tn = t / np.sqrt(np.maximum((t * t).sum(-1, keepdims=True), EPS * EPS))
    pn = p / np.sqrt(np.maximum((p * p).sum(-1, keepdims=True), EPS * EPS))
    return (tn * pn).sum(-1)


CASES = [
    (metrics.MeanSquaredError, np_mse, "mean_squared_error"),
    (metrics.MeanAbsoluteError, np_mae, "mean_absolute_error"),
    (metrics.MeanAbsolutePercentageError, np_mape, "mean_absolute_percentage_error"),
    (metrics.MeanSquaredLogarithmicError, np_msle, "mean_squared_logarithmic_error"),
    (metrics.LogCoshError, np_logcosh, "logcosh"),
    (metrics.CosineSimilarity, np_cosine, "cosine_similarity"),
]


@pytest.mark.parametrize("cls, ref, name", CASES, ids=[c[2] for c in CASES])
@pytest.mark.parametrize("weighted", [False, True])
def test_against_numpy_over_batches(cls, ref, name, weighted):
    t = RNG.uniform(0.1, 2.0, size=(10, 4))
    p = RNG.uniform(0.1, 2.0, size=(10, 4))
    w = RNG.uniform(0, 1, size=(10,)) if weighted else None
    m = cls()
    assert m.name == name
    for s in (slice(0, 3), slice(3, 10)):
        m.update_state(
            t[s].astype(np.float32),
            p[s].astype(np.float32),
            sample_weight=None if w is None else w[s],
        )
    per = ref(t, p)
    expected = per.mean() if w is None else (per * w).sum() / w.sum()
    np.testing.assert_allclose(value(m), expected, rtol=1e-5, atol=1e-6)
    m.reset_state()
    assert float(m.result()) == 0.0


@pytest.mark.parametrize("cls, ref, name", CASES, ids=[c[2] for c in CASES])
def test_config_round_trip(cls, ref, name):
    m = cls(name="custom")
    config = m.get_config()
    assert config == {"name": "custom", "dtype": "float32"}
    m2 = cls.from_config(json.loads(json.dumps(config)))
    assert m2.name == "custom"


def test_keras_examples():
    yt, yp = [[0, 1], [0, 0]], [[1, 1], [0, 0]]
    m = metrics.MeanSquaredError()
    m.update_state(yt, yp)
    assert float(m.result()) == 0.25
    m.reset_state()
    m.update_state(yt, yp, sample_weight=[1, 0])
    assert float(m.result()) == 0.5

    m = metrics.MeanAbsoluteError()
    m.update_state(yt, yp)
    assert float(m.result()) == 0.25

    m = metrics.MeanSquaredLogarithmicError()
    m.update_state(yt, yp)
    np.testing.assert_allclose(value(m), 0.12011322, rtol=1e-5)
    m.reset_state()
    m.update_state(yt, yp, sample_weight=[1, 0])
    np.testing.assert_allclose(value(m), 0.24022643, rtol=1e-5)

    m = metrics.MeanAbsolutePercentageError()
    m.update_state(yt, yp)
    np.testing.assert_allclose(value(m), 250000000.0, rtol=1e-5)

    m = metrics.LogCoshError()
    m.update_state(yt, yp)
    np.testing.assert_allclose(value(m), 0.10844523, rtol=1e-5)

    m = metrics.CosineSimilarity(axis=1)
    m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(value(m), 0.49999997, rtol=1e-5)


def test_root_mean_squared_error():
    m = metrics.RootMeanSquaredError()
    assert m.name == "root_mean_squared_error"
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    assert float(m.result()) == 0.5
    m.reset_state()
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    np.testing.assert_allclose(value(m), np.sqrt(0.5), rtol=1e-6)

    t = RNG.normal(size=(9, 3))
    p = RNG.normal(size=(9, 3))
    w = RNG.uniform(0, 1, size=(9,))
    m.reset_state()
    m.update_state(t[:4], p[:4], sample_weight=w[:4])
    m.update_state(t[4:], p[4:], sample_weight=w[4:])
    per = ((t - p) ** 2).mean(-1)
    np.testing.assert_allclose(value(m), np.sqrt((per * w).sum() / w.sum()), rtol=1e-5)
    config = m.get_config()
    assert config == {"name": "root_mean_squared_error", "dtype": "float32"}


def test_root_mean_squared_error_flat_labels_against_column_predictions():
    m = metrics.RootMeanSquaredError()
    m.update_state(np.array([1.0, 2.0, 3.0]), np.array([[1.0], [2.0], [5.0]]))
    np.testing.assert_allclose(value(m), np.sqrt(4.0 / 3.0), rtol=1e-6)


def test_mse_flat_vs_column_shapes_match_keras():
    # (batch,) against (batch, 1): the labels are expanded, one value per sample.
    m = metrics.MeanSquaredError()
    m.update_state(np.array([0.0, 1.0]), np.array([[1.0], [1.0]]))
    assert float(m.result()) == 0.5


def test_function_forms():
    t = RNG.uniform(0.1, 1, size=(3, 5)).astype(np.float32)
    p = RNG.uniform(0.1, 1, size=(3, 5)).astype(np.float32)
    for fn, ref in [
        (metrics.mean_squared_error, np_mse),
        (metrics.mean_absolute_error, np_mae),
        (metrics.mean_absolute_percentage_error, np_mape),
        (metrics.mean_squared_logarithmic_error, np_msle),
        (metrics.log_cosh, np_logcosh),
    ]:
        out = np.asarray(fn(t, p))
        assert out.shape == (3,)
        np.testing.assert_allclose(out, ref(t.astype(np.float64), p.astype(np.float64)), rtol=1e-5)


def test_logcosh_is_stable_for_large_errors():
    m = metrics.LogCoshError()
    m.update_state([[0.0]], [[200.0]])
    np.testing.assert_allclose(value(m), 200.0 - np.log(2.0), rtol=1e-6)


def test_cosine_similarity_zero_vector_is_finite():
    m = metrics.CosineSimilarity()
    m.update_state([[0.0, 0.0]], [[1.0, 2.0]])
    assert float(m.result()) == 0.0
