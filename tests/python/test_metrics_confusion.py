"""Confusion-matrix metrics and AUC against NumPy and hand-computed values."""

import json

import numpy as np
import pytest

from rkeras import metrics

RNG = np.random.default_rng(4)


def value(m):
    return np.asarray(m.result(), dtype=np.float64)


def np_counts(t, p, thresholds, w=None):
    """tp, fp, tn, fn per threshold, a prediction positive when p > t."""
    p = np.asarray(p, dtype=np.float64)
    w = np.ones_like(p) if w is None else np.broadcast_to(w, p.shape)
    t, p, w = np.asarray(t, dtype=bool).ravel(), p.ravel(), w.ravel()
    out = {k: [] for k in ("tp", "fp", "tn", "fn")}
    for th in thresholds:
        pos = p > th
        out["tp"].append(w[t & pos].sum())
        out["fp"].append(w[~t & pos].sum())
        out["tn"].append(w[~t & ~pos].sum())
        out["fn"].append(w[t & ~pos].sum())
    return {k: np.array(v) for k, v in out.items()}


# ----- TruePositives & co ---------------------------------------------------------


CELLS = [
    (metrics.TruePositives, "tp", "true_positives"),
    (metrics.FalsePositives, "fp", "false_positives"),
    (metrics.TrueNegatives, "tn", "true_negatives"),
    (metrics.FalseNegatives, "fn", "false_negatives"),
]


@pytest.mark.parametrize("cls, key, name", CELLS, ids=[c[1] for c in CELLS])
def test_counts_keras_example(cls, key, name):
    # Keras's docstring cases: each count is 2 without weights.
    cases = {
        "tp": ([0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 1.0),
        "fp": ([0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0], 1.0),
        "tn": ([0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], 1.0),
        "fn": ([0, 1, 1, 1], [0, 1, 0, 0], [0, 0, 1, 0], 1.0),
    }
    yt, yp, w, weighted = cases[key]
    m = cls()
    assert m.name.startswith(name)
    m.update_state(yt, yp)
    assert float(m.result()) == 2.0
    m.reset_state()
    m.update_state(yt, yp, sample_weight=w)
    assert float(m.result()) == weighted


@pytest.mark.parametrize("cls, key, name", CELLS, ids=[c[1] for c in CELLS])
@pytest.mark.parametrize("thresholds", [None, 0.3, [0.1, 0.5, 0.9], [0.0, 0.5, 1.0]])
def test_counts_against_numpy(cls, key, name, thresholds):
    t = RNG.integers(0, 2, size=(12, 3))
    p = RNG.uniform(size=(12, 3)).astype(np.float32)
    w = RNG.uniform(0, 2, size=(12, 1))
    m = cls(thresholds=thresholds)
    m.update_state(t[:5], p[:5], sample_weight=w[:5])
    m.update_state(t[5:], p[5:], sample_weight=w[5:])
    ths = [0.5] if thresholds is None else np.atleast_1d(thresholds).tolist()
    expected = np_counts(t, p, ths, w)[key]
    got = value(m)
    if len(ths) == 1:
        assert got.shape == ()
        expected = expected[0]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert m.get_config() == {"name": m.name, "dtype": "float32", "thresholds": thresholds}


def test_thresholds_out_of_range_raise():
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        metrics.TruePositives(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="Threshold values"):
        metrics.Precision(thresholds=-0.1)


# ----- Precision and Recall --------------------------------------------------------


def test_precision_recall_keras_examples():
    m = metrics.Precision()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    np.testing.assert_allclose(value(m), 2 / 3, rtol=1e-6)
    m.reset_state()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert float(m.result()) == 1.0

    m = metrics.Precision(top_k=2)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert float(m.result()) == 0.0
    m = metrics.Precision(top_k=4)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert float(m.result()) == 0.5

    m = metrics.Recall()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    np.testing.assert_allclose(value(m), 2 / 3, rtol=1e-6)
    m.reset_state()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert float(m.result()) == 1.0


@pytest.mark.parametrize("cls", [metrics.Precision, metrics.Recall])
@pytest.mark.parametrize("thresholds", [None, [0.2, 0.5, 0.8]])
def test_precision_recall_against_numpy(cls, thresholds):
    t = RNG.integers(0, 2, size=(20, 4))
    p = RNG.uniform(size=(20, 4)).astype(np.float32)
    w = RNG.uniform(0, 1, size=(20,))
    m = cls(thresholds=thresholds)
    m.update_state(t[:8], p[:8], sample_weight=w[:8])
    m.update_state(t[8:], p[8:], sample_weight=w[8:])
    c = np_counts(t, p, [0.5] if thresholds is None else thresholds, w[:, None])
    other = c["fp"] if cls is metrics.Precision else c["fn"]
    expected = c["tp"] / (c["tp"] + other)
    np.testing.assert_allclose(value(m), expected if thresholds else expected[0], rtol=1e-5)


def test_precision_class_id_and_top_k():
    t = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 0]])
    p = np.array([[0.2, 0.7, 0.6], [0.9, 0.3, 0.4], [0.1, 0.8, 0.85], [0.6, 0.55, 0.7]])
    # class_id=2: column 2 only at threshold 0.5.
    m = metrics.Precision(class_id=2)
    m.update_state(t, p)
    # predictions > 0.5 in column 2: rows 0, 2, 3; positives among them: row 2.
    np.testing.assert_allclose(value(m), 1 / 3, rtol=1e-6)
    r = metrics.Recall(class_id=2)
    r.update_state(t, p)
    # positives in column 2: rows 1, 2; predicted: row 2.
    np.testing.assert_allclose(value(r), 1 / 2, rtol=1e-6)

    # top_k=1 (no threshold): only each row's arg-max is a positive prediction.
    m = metrics.Precision(top_k=1)
    m.update_state(t, p)
    top = p.argmax(1)
    hits = t[np.arange(4), top]
    np.testing.assert_allclose(value(m), hits.mean(), rtol=1e-6)
    r = metrics.Recall(top_k=1)
    r.update_state(t, p)
    np.testing.assert_allclose(value(r), hits.sum() / t.sum(), rtol=1e-6)

    # top_k with class_id: class 0 counts only where it is in the row's top 2.
    m = metrics.Precision(top_k=2, class_id=0)
    m.update_state(t, p)
    in_top2 = np.argsort(-p, axis=1)[:, :2]
    pred0 = np.array([0 in row for row in in_top2]) & (p[:, 0] > 0.5)
    np.testing.assert_allclose(value(m), (t[:, 0][pred0] == 1).mean(), rtol=1e-6)


def test_top_k_ties_prefer_earlier_entries():
    m = metrics.Precision(top_k=1)
    # Equal scores: the first one is the top-1 entry (as top_k returns it).
    m.update_state([[1, 0]], [[0.5, 0.5]])
    assert float(m.result()) == 1.0
    m = metrics.Precision(top_k=1)
    m.update_state([[0, 1]], [[0.5, 0.5]])
    assert float(m.result()) == 0.0


def test_precision_recall_config_and_names():
    p = metrics.Precision(thresholds=[0.3, 0.6], top_k=2, class_id=1, name="p")
    config = p.get_config()
    assert config == {
        "name": "p",
        "dtype": "float32",
        "thresholds": [0.3, 0.6],
        "top_k": 2,
        "class_id": 1,
    }
    p2 = metrics.Precision.from_config(json.loads(json.dumps(config)))
    assert p2.thresholds == [0.3, 0.6] and p2.top_k == 2 and p2.class_id == 1
    assert metrics.Precision().name.startswith("precision")
    assert metrics.Recall().name.startswith("recall")
    assert [v.name for v in metrics.Recall().variables] == ["true_positives", "false_negatives"]


def test_precision_empty_and_reset():
    m = metrics.Precision()
    assert float(m.result()) == 0.0
    m.update_state([1, 0], [0.9, 0.9])
    assert float(m.result()) == 0.5
    m.reset_state()
    assert float(m.result()) == 0.0
    m.update_state([1], [0.9])
    assert float(m.result()) == 1.0


# ----- AUC: hand-computed cases ---------------------------------------------------------
#
# y_true = [0, 0, 1, 1], y_pred = [0, 0.5, 0.3, 0.9], 3 thresholds
# [-1e-7, 0.5, 1 + 1e-7]. Positive predictions per threshold:
#   -1e-7: all four;  0.5: only 0.9;  1 + 1e-7: none.
# Unweighted: tp = [2, 1, 0], fp = [2, 0, 0], fn = [0, 1, 2], tn = [0, 2, 2].
# Weights [1, 2, 3, 4]: tp = [7, 4, 0], fp = [3, 0, 0], fn = [0, 3, 7], tn = [0, 3, 3].

Y_TRUE = np.array([0, 0, 1, 1])
Y_PRED = np.array([0, 0.5, 0.3, 0.9], dtype=np.float32)
WEIGHTS = [1, 2, 3, 4]


def test_auc_roc_unweighted():
    m = metrics.AUC(num_thresholds=3)
    # recall = [1, 0.5, 0], fpr = [1, 0, 0]: trapezoids (1 - 0) * 0.75 + 0 * 0.25.
    np.testing.assert_allclose(float(m(Y_TRUE, Y_PRED)), 0.75, rtol=1e-6)
    np.testing.assert_allclose(
        [float(v) for v in m.true_positives.numpy()], [2.0, 1.0, 0.0], rtol=0
    )
    np.testing.assert_array_equal(m.false_positives.numpy(), [2, 0, 0])
    np.testing.assert_array_equal(m.true_negatives.numpy(), [0, 2, 2])
    np.testing.assert_array_equal(m.false_negatives.numpy(), [0, 1, 2])


def test_auc_from_logits():
    logits = -np.log(1.0 / (Y_PRED.astype(np.float64) + 1e-12) - 1.0)
    m = metrics.AUC(num_thresholds=3, from_logits=True)
    np.testing.assert_allclose(float(m(Y_TRUE, logits.astype(np.float32))), 0.75, rtol=1e-6)


def test_auc_manual_thresholds():
    m = metrics.AUC(num_thresholds=2, thresholds=[0.5])
    assert m.num_thresholds == 3
    np.testing.assert_allclose(m.thresholds, [0.0, 0.5, 1.0], atol=1e-6)
    np.testing.assert_allclose(float(m(Y_TRUE, Y_PRED)), 0.75, rtol=1e-6)


@pytest.mark.parametrize(
    "curve, method, expected",
    [
        # recall = [1, 4/7, 0], fpr = [1, 0, 0]
        ("ROC", "interpolation", (1 + 4 / 7) / 2),
        ("ROC", "majoring", 1.0),
        ("ROC", "minoring", 4 / 7),
        # precision = [0.7, 1, 0]; widths in recall: [3/7, 4/7]
        ("PR", "majoring", 3 / 7 * 1 + 4 / 7 * 1),
        ("PR", "minoring", 3 / 7 * 0.7 + 4 / 7 * 0),
        # Davis-Goadrich: P = tp + fp = [10, 4, 0], dTP = [3, 4], dP = [6, 4],
        # slope = [0.5, 1], intercept = tp[1:] - slope * P[1:] = [2, 0],
        # ratio = [10/4, 1 (P = 0)]: (0.5 * (3 + 2 log 2.5) + 1 * 4) / 7.
        ("PR", "interpolation", (0.5 * (3 + 2 * np.log(2.5)) + 4) / 7),
        # gains with P/N = 7/3: recall_gain [1, 0, 0], precision_gain [0, 1, 1].
        ("PRGAIN", "majoring", 1.0),
        ("PRGAIN", "minoring", 0.0),
        ("PRGAIN", "interpolation", 0.5),
    ],
)
def test_auc_weighted_hand_values(curve, method, expected):
    m = metrics.AUC(num_thresholds=3, curve=curve, summation_method=method)
    got = float(m(Y_TRUE, Y_PRED, sample_weight=WEIGHTS))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_auc_pr_negative_weights_is_zero():
    m = metrics.AUC(num_thresholds=3, curve="PR")
    assert float(m(Y_TRUE, Y_PRED, sample_weight=[-1, -2, -3, -4])) == 0.0


def test_auc_all_correct_is_one():
    m = metrics.AUC()
    assert float(m(Y_TRUE, Y_TRUE.astype(np.float32))) == 1.0


def _mann_whitney(t, p, w=None):
    """P(score of a positive > score of a negative), ties counting 1/2."""
    t = np.asarray(t, dtype=bool)
    w = np.ones(len(p)) if w is None else np.asarray(w, dtype=np.float64)
    pos, neg = p[t], p[~t]
    wp, wn = w[t], w[~t]
    gt = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return (wp[:, None] * wn[None, :] * gt).sum() / (wp.sum() * wn.sum())


@pytest.mark.parametrize("weighted", [False, True])
def test_auc_roc_equals_mann_whitney_when_thresholds_separate_scores(weighted):
    # Scores sit between thresholds i/200, so the ROC trapezoid sum equals the
    # rank statistic exactly (equal scores give the 1/2 credit of a trapezoid).
    scores = (RNG.integers(0, 200, size=60) + 0.5) / 200.0
    t = RNG.integers(0, 2, size=60)
    w = RNG.uniform(0.1, 2, size=60) if weighted else None
    m = metrics.AUC(num_thresholds=201)
    m.update_state(t[:25], scores[:25], sample_weight=None if w is None else w[:25])
    m.update_state(t[25:], scores[25:], sample_weight=None if w is None else w[25:])
    np.testing.assert_allclose(value(m), _mann_whitney(t, scores, w), rtol=1e-5)


def _np_auc(tp, fp, tn, fn, curve, method):
    def div(a, b):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))

    if curve == "PR" and method == "interpolation":
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), div(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)).sum(0)
    recall = div(tp, tp + fn)
    if curve == "ROC":
        x, y = div(fp, fp + tn), recall
    else:
        x, y = recall, div(tp, tp + fp)
    h = {
        "interpolation": (y[:-1] + y[1:]) / 2,
        "minoring": np.minimum(y[:-1], y[1:]),
        "majoring": np.maximum(y[:-1], y[1:]),
    }[method]
    return ((x[:-1] - x[1:]) * h).sum(0)


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
def test_auc_random_against_numpy(curve, method):
    t = RNG.integers(0, 2, size=(50,))
    p = RNG.uniform(size=(50,)).astype(np.float32)
    w = RNG.uniform(0, 1, size=(50,))
    m = metrics.AUC(num_thresholds=50, curve=curve, summation_method=method)
    m.update_state(t[:20], p[:20], sample_weight=w[:20])
    m.update_state(t[20:], p[20:], sample_weight=w[20:])
    ths = [-1e-7] + [(i + 1) / 49 for i in range(48)] + [1 + 1e-7]
    c = np_counts(t, p, ths, w)
    expected = _np_auc(c["tp"], c["fp"], c["tn"], c["fn"], curve, method)
    np.testing.assert_allclose(value(m), expected, rtol=1e-4, atol=1e-6)


def test_auc_uneven_thresholds_against_numpy():
    t = RNG.integers(0, 2, size=(30,))
    p = RNG.uniform(size=(30,)).astype(np.float32)
    m = metrics.AUC(thresholds=[0.1, 0.15, 0.7, 0.9], curve="PR")
    m.update_state(t, p)
    c = np_counts(t, p, [-1e-7, 0.1, 0.15, 0.7, 0.9, 1 + 1e-7])
    expected = _np_auc(c["tp"], c["fp"], c["tn"], c["fn"], "PR", "interpolation")
    np.testing.assert_allclose(value(m), expected, rtol=1e-5)


def test_auc_multi_label():
    t = np.array([[0, 0], [1, 1], [1, 1], [1, 0]])
    p = np.array([[0.0, 0.4], [0.5, 0.7], [0.3, 0.2], [0.9, 0.3]], dtype=np.float32)
    m = metrics.AUC(num_thresholds=3, multi_label=True)
    got = float(m(t, p))
    assert tuple(m.true_positives.shape) == (3, 2)
    per_label = []
    for j in range(2):
        c = np_counts(t[:, j], p[:, j], [-1e-7, 0.5, 1 + 1e-7])
        per_label.append(_np_auc(c["tp"], c["fp"], c["tn"], c["fn"], "ROC", "interpolation"))
    np.testing.assert_allclose(got, np.mean(per_label), rtol=1e-6)

    lw = [0.25, 0.75]
    m = metrics.AUC(num_thresholds=3, multi_label=True, num_labels=2, label_weights=lw)
    assert len(m.variables) == 4  # built up front from num_labels
    np.testing.assert_allclose(float(m(t, p)), np.dot(per_label, lw) / sum(lw), rtol=1e-6)


def test_auc_label_weights_without_multi_label():
    t = np.array([[0, 1], [1, 1], [1, 0]])
    p = np.array([[0.2, 0.8], [0.6, 0.4], [0.3, 0.9]], dtype=np.float32)
    lw = np.array([0.5, 2.0])
    m = metrics.AUC(num_thresholds=5, label_weights=lw)
    m.update_state(t, p)
    ths = [-1e-7, 0.25, 0.5, 0.75, 1 + 1e-7]
    c = np_counts(t, p, ths, np.broadcast_to(lw, t.shape))
    expected = _np_auc(c["tp"], c["fp"], c["tn"], c["fn"], "ROC", "interpolation")
    np.testing.assert_allclose(value(m), expected, rtol=1e-6)


def test_auc_accumulates_and_resets():
    m = metrics.AUC(num_thresholds=3)
    m.update_state(Y_TRUE[:2], Y_PRED[:2])
    m.update_state(Y_TRUE[2:], Y_PRED[2:])
    np.testing.assert_allclose(value(m), 0.75, rtol=1e-6)
    m.reset_state()
    assert float(m.result()) == 0.0
    assert float(m(Y_TRUE, Y_PRED)) == 0.75


def test_auc_config_round_trip():
    m = metrics.AUC(
        num_thresholds=100,
        curve="PR",
        summation_method="majoring",
        name="auc_1",
        multi_label=True,
        num_labels=2,
        from_logits=True,
    )
    config = m.get_config()
    assert config == {
        "name": "auc_1",
        "dtype": "float32",
        "num_thresholds": 100,
        "curve": "PR",
        "summation_method": "majoring",
        "multi_label": True,
        "num_labels": 2,
        "label_weights": None,
        "from_logits": True,
    }
    m2 = metrics.AUC.from_config(json.loads(json.dumps(config)))
    assert m2.get_config() == config
    np.testing.assert_allclose(m.thresholds, m2.thresholds)

    m3 = metrics.AUC(thresholds=[0.3, 0.5], curve="pr", summation_method="Minoring")
    c3 = m3.get_config()
    assert c3["thresholds"] == [0.3, 0.5] and c3["curve"] == "PR"
    assert c3["summation_method"] == "minoring" and c3["num_thresholds"] == 4
    assert metrics.AUC.from_config(c3).get_config() == c3


def test_auc_defaults_and_errors():
    m = metrics.AUC()
    assert m.name.startswith("auc")
    assert m.num_thresholds == 200 and len(m.thresholds) == 200
    assert m.thresholds[0] == pytest.approx(-1e-7) and m.thresholds[-1] == pytest.approx(1 + 1e-7)
    assert [v.name for v in m.variables] == [
        "true_positives",
        "false_positives",
        "true_negatives",
        "false_negatives",
    ]
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="Invalid AUC curve value"):
        metrics.AUC(curve="XYZ")
    with pytest.raises(ValueError, match="Invalid AUC summation method value"):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="`num_labels` is needed only"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="must have rank 2"):
        metrics.AUC(multi_label=True).update_state([1, 0], [0.5, 0.5])
