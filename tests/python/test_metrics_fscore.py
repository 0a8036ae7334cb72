"""F1Score and FBetaScore against NumPy and Keras's documented values."""

import json

import numpy as np
import pytest

from rkeras import metrics

RNG = np.random.default_rng(5)
EPS = 1e-7

Y_TRUE = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], np.int32)
Y_PRED = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], np.float32)


def value(m):
    return np.asarray(m.result(), dtype=np.float64)


def np_fbeta(t, p, beta=1.0, threshold=None, average=None, w=None):
    t = t.astype(np.float64)
    p = p.astype(np.float64)
    if threshold is None:
        pred = (p >= p.max(-1, keepdims=True)) & (np.abs(p) > 1e-9)
    else:
        pred = p > threshold
    pred = pred.astype(np.float64)
    w = np.ones((len(t), 1)) if w is None else np.asarray(w, dtype=np.float64).reshape(len(t), -1)
    axis = None if average == "micro" else 0
    tp = (pred * t * w).sum(axis)
    fp = (pred * (1 - t) * w).sum(axis)
    fn = ((1 - pred) * t * w).sum(axis)
    support = (t * w).sum(axis)
    precision = tp / (tp + fp + EPS)
    recall = tp / (tp + fn + EPS)
    score = (1 + beta**2) * precision * recall / (beta**2 * precision + recall + EPS)
    if average == "weighted":
        return (score * support / (support.sum() + EPS)).sum()
    if average is not None:
        return score.mean()
    return score


def test_keras_examples():
    m = metrics.FBetaScore(beta=2.0, threshold=0.5)
    m.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(value(m), [0.3846154, 0.90909094, 0.8333334], rtol=1e-5)
    m = metrics.F1Score(threshold=0.5)
    m.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(value(m), [0.5, 0.8, 0.6666667], rtol=1e-5)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("threshold", [None, 0.4])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_fbeta_against_numpy_over_batches(average, threshold, beta):
    t = RNG.integers(0, 2, size=(16, 4))
    p = RNG.uniform(size=(16, 4)).astype(np.float32)
    m = metrics.FBetaScore(average=average, beta=beta, threshold=threshold)
    m.update_state(t[:6], p[:6])
    m.update_state(t[6:], p[6:])
    expected = np_fbeta(t, p, beta=beta, threshold=threshold, average=average)
    got = value(m)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("weight_shape", ["per_sample", "column", "per_entry"])
def test_f1_weighted(average, weight_shape):
    t = RNG.integers(0, 2, size=(10, 3))
    p = RNG.uniform(size=(10, 3)).astype(np.float32)
    w = {
        "per_sample": RNG.uniform(0, 1, size=(10,)),
        "column": RNG.uniform(0, 1, size=(10, 1)),
        "per_entry": RNG.uniform(0, 1, size=(10, 3)),
    }[weight_shape]
    m = metrics.F1Score(average=average, threshold=0.5)
    m.update_state(t, p, sample_weight=w)
    np.testing.assert_allclose(
        value(m), np_fbeta(t, p, threshold=0.5, average=average, w=w), rtol=1e-4, atol=1e-6
    )


def test_reset_state():
    m = metrics.F1Score(threshold=0.5)
    m.update_state(Y_TRUE, Y_PRED)
    m.reset_state()
    np.testing.assert_array_equal(value(m), [0.0, 0.0, 0.0])
    m.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(value(m), [0.5, 0.8, 0.6666667], rtol=1e-5)


def test_names_and_config():
    f1 = metrics.F1Score()
    assert f1.name == "f1_score"
    assert f1.get_config() == {
        "name": "f1_score",
        "dtype": "float32",
        "average": None,
        "threshold": None,
    }
    fb = metrics.FBetaScore(average="macro", beta=2.0, threshold=0.3, name="fb")
    config = fb.get_config()
    assert config == {
        "name": "fb",
        "dtype": "float32",
        "average": "macro",
        "beta": 2.0,
        "threshold": 0.3,
    }
    fb2 = metrics.FBetaScore.from_config(json.loads(json.dumps(config)))
    assert fb2.get_config() == config
    f1b = metrics.F1Score.from_config(metrics.F1Score(average="micro").get_config())
    assert f1b.average == "micro"
    assert metrics.FBetaScore().name == "fbeta_score"


def test_argument_errors():
    with pytest.raises(ValueError, match="Invalid `average` argument value"):
        metrics.F1Score(average="samples")
    with pytest.raises(ValueError, match="It should be a Python float"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="It should be > 0"):
        metrics.FBetaScore(beta=-1.0)
    with pytest.raises(ValueError, match="0 < threshold <= 1"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="expects 2D inputs"):
        metrics.F1Score().update_state([1, 0], [0.5, 0.5])
