"""`metrics.get`, `serialize`/`deserialize` and the resolution of "accuracy"."""

import json

import numpy as np
import pytest

from rkeras import metrics, ops


@pytest.mark.parametrize(
    "identifier, cls, name",
    [
        ("mae", metrics.MeanAbsoluteError, "mean_absolute_error"),
        ("MAE", metrics.MeanAbsoluteError, "mean_absolute_error"),
        ("mse", metrics.MeanSquaredError, "mean_squared_error"),
        ("mape", metrics.MeanAbsolutePercentageError, "mean_absolute_percentage_error"),
        ("msle", metrics.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error"),
        ("bce", metrics.BinaryCrossentropy, "binary_crossentropy"),
        ("AUC", metrics.AUC, "auc"),
        ("auc", metrics.AUC, "auc"),
        ("precision", metrics.Precision, "precision"),
        ("Precision", metrics.Precision, "precision"),
        ("recall", metrics.Recall, "recall"),
        ("binary_accuracy", metrics.BinaryAccuracy, "binary_accuracy"),
        ("BinaryAccuracy", metrics.BinaryAccuracy, "binary_accuracy"),
        ("categorical_accuracy", metrics.CategoricalAccuracy, "categorical_accuracy"),
        ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy, None),
        ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy, None),
        ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy, None),
        ("mean_squared_error", metrics.MeanSquaredError, None),
        ("root_mean_squared_error", metrics.RootMeanSquaredError, None),
        ("RootMeanSquaredError", metrics.RootMeanSquaredError, "root_mean_squared_error"),
        ("categorical_crossentropy", metrics.CategoricalCrossentropy, None),
        ("kl_divergence", metrics.KLDivergence, "kl_divergence"),
        ("KLDivergence", metrics.KLDivergence, "kl_divergence"),
        ("f1_score", metrics.F1Score, "f1_score"),
        ("F1Score", metrics.F1Score, "f1_score"),
        ("f_beta_score", metrics.FBetaScore, "fbeta_score"),
        ("true_positives", metrics.TruePositives, None),
        ("hinge", metrics.Hinge, "hinge"),
        ("log_cosh_error", metrics.LogCoshError, "logcosh"),
        ("cosine_similarity", metrics.CosineSimilarity, "cosine_similarity"),
        ("mean", metrics.Mean, "mean"),
    ],
)
def test_get_strings(identifier, cls, name):
    m = metrics.get(identifier)
    assert type(m) is cls
    if name is not None:
        assert m.name.startswith(name)


def test_get_function_name_wraps_function():
    m = metrics.get("log_cosh")
    assert isinstance(m, metrics.MeanMetricWrapper) and m.name == "log_cosh"
    m.update_state([[0.0]], [[200.0]])
    np.testing.assert_allclose(float(m.result()), 200.0 - np.log(2.0), rtol=1e-6)


@pytest.mark.parametrize("identifier", ["accuracy", "acc", "Accuracy", "ACC"])
def test_get_accuracy_gives_marker_resolved_later(identifier):
    marker = metrics.get(identifier)
    assert isinstance(marker, metrics.AutoAccuracy)
    assert marker.name == identifier
    resolved = marker.resolve((8,), (8, 10))
    assert type(resolved) is metrics.SparseCategoricalAccuracy
    assert resolved.name == identifier


def test_get_instances_classes_callables_none():
    m = metrics.AUC(num_thresholds=7)
    assert metrics.get(m) is m
    assert type(metrics.get(metrics.Recall)) is metrics.Recall
    assert metrics.get(None) is None

    def my_error(y_true, y_pred):
        return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)

    w = metrics.get(my_error)
    assert isinstance(w, metrics.MeanMetricWrapper)
    assert w.name == "my_error"
    w.update_state([[1.0, 2.0]], [[2.0, 4.0]])
    assert float(w.result()) == 1.5

    wrapped = metrics.get(metrics.mean_absolute_error)
    assert wrapped.name == "mean_absolute_error"


def test_get_config_dict():
    m = metrics.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert type(m) is metrics.CategoricalCrossentropy and m.from_logits is True


@pytest.mark.parametrize("bad", ["not_a_metric", "accuracyy", 42])
def test_get_unknown_raises_naming_identifier(bad):
    with pytest.raises(ValueError, match=f"Could not interpret metric identifier: {bad}"):
        metrics.get(bad)


# ----- resolve_accuracy ------------------------------------------------------------------


@pytest.mark.parametrize(
    "y_true_shape, y_pred_shape, cls",
    [
        ((32, 1), (32, 1), metrics.BinaryAccuracy),
        ((32,), (32, 1), metrics.BinaryAccuracy),
        ((32,), (32, 10), metrics.SparseCategoricalAccuracy),
        ((32, 1), (32, 10), metrics.SparseCategoricalAccuracy),
        ((32, 5), (32, 5, 7), metrics.SparseCategoricalAccuracy),
        ((32, 10), (32, 10), metrics.CategoricalAccuracy),
        ((None, 10), (None, 10), metrics.CategoricalAccuracy),
        ((None,), (None, 10), metrics.SparseCategoricalAccuracy),
    ],
)
def test_resolve_accuracy_by_shapes(y_true_shape, y_pred_shape, cls):
    m = metrics.resolve_accuracy(y_true_shape, y_pred_shape)
    assert type(m) is cls
    assert m.name == "accuracy"


@pytest.mark.parametrize(
    "loss, cls",
    [
        ("sparse_categorical_crossentropy", metrics.SparseCategoricalAccuracy),
        ("binary_crossentropy", metrics.BinaryAccuracy),
        ("categorical_crossentropy", metrics.CategoricalAccuracy),
        (metrics.binary_crossentropy, metrics.BinaryAccuracy),
        (metrics.sparse_categorical_crossentropy, metrics.SparseCategoricalAccuracy),
        ("SparseCategoricalCrossentropy", metrics.SparseCategoricalAccuracy),
        (metrics.BinaryCrossentropy(), metrics.BinaryAccuracy),
    ],
)
def test_resolve_accuracy_by_loss(loss, cls):
    # Shapes that alone would say "categorical".
    m = metrics.resolve_accuracy((16, 4), (16, 4), loss=loss)
    assert type(m) is cls and m.name == "accuracy"


def test_resolve_accuracy_other_loss_falls_back_to_shapes():
    m = metrics.resolve_accuracy((16,), (16, 3), loss="mse")
    assert type(m) is metrics.SparseCategoricalAccuracy


def test_get_compile_metric_names_like_keras():
    m = metrics.get_compile_metric("mae", (4, 1), (4, 1))
    assert type(m) is metrics.MeanAbsoluteError and m.name == "mae"
    m = metrics.get_compile_metric("acc", (4,), (4, 3))
    assert type(m) is metrics.SparseCategoricalAccuracy and m.name == "acc"
    m = metrics.get_compile_metric(metrics.RootMeanSquaredError(), (4, 1), (4, 1))
    assert m.name == "root_mean_squared_error"
    with pytest.raises(ValueError, match="Expected metric, received `None`"):
        metrics.get_compile_metric(None, (4,), (4,))


# ----- serialize / deserialize -----------------------------------------------------------


ALL_DEFAULT = [
    metrics.Mean(),
    metrics.Sum(),
    metrics.Accuracy(),
    metrics.BinaryAccuracy(threshold=0.3),
    metrics.CategoricalAccuracy(),
    metrics.SparseCategoricalAccuracy(),
    metrics.TopKCategoricalAccuracy(k=3),
    metrics.SparseTopKCategoricalAccuracy(k=2),
    metrics.MeanSquaredError(),
    metrics.MeanAbsoluteError(),
    metrics.RootMeanSquaredError(),
    metrics.MeanAbsolutePercentageError(),
    metrics.MeanSquaredLogarithmicError(),
    metrics.CosineSimilarity(),
    metrics.LogCoshError(),
    metrics.Precision(thresholds=[0.2, 0.4]),
    metrics.Recall(top_k=2),
    metrics.TruePositives(),
    metrics.FalsePositives(thresholds=0.7),
    metrics.TrueNegatives(),
    metrics.FalseNegatives(),
    metrics.AUC(curve="PR"),
    metrics.F1Score(average="macro"),
    metrics.FBetaScore(beta=0.5),
    metrics.BinaryCrossentropy(label_smoothing=0.1),
    metrics.CategoricalCrossentropy(),
    metrics.SparseCategoricalCrossentropy(from_logits=True),
    metrics.KLDivergence(),
    metrics.Poisson(),
    metrics.Hinge(),
    metrics.SquaredHinge(),
    metrics.CategoricalHinge(),
]


@pytest.mark.parametrize("metric", ALL_DEFAULT, ids=lambda m: type(m).__name__)
def test_serialize_round_trip(metric):
    config = metrics.serialize(metric)
    assert config == {
        "module": "keras.metrics",
        "class_name": type(metric).__name__,
        "config": metric.get_config(),
        "registered_name": None,
    }
    restored = metrics.deserialize(json.loads(json.dumps(config)))
    assert type(restored) is type(metric)
    assert restored.get_config() == metric.get_config()


def test_serialize_function_and_deserialize():
    config = metrics.serialize(metrics.mean_squared_error)
    assert config == {
        "module": "keras.metrics",
        "class_name": "function",
        "config": "mean_squared_error",
        "registered_name": "mean_squared_error",
    }
    assert metrics.deserialize(config) is metrics.mean_squared_error
    assert metrics.serialize("accuracy") == "accuracy"


class MyMetric(metrics.Mean):
    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def test_custom_metric_with_custom_objects():
    m = MyMetric(scale=3.0, name="mine")
    config = metrics.serialize(m)
    assert config["class_name"] == "MyMetric"
    assert config["registered_name"] == "MyMetric"
    with pytest.raises(TypeError, match="Could not locate class 'MyMetric'"):
        metrics.deserialize(config)
    restored = metrics.deserialize(config, custom_objects={"MyMetric": MyMetric})
    assert isinstance(restored, MyMetric) and restored.scale == 3.0 and restored.name == "mine"


def test_deserialize_unknown_key_is_type_error():
    config = metrics.serialize(metrics.Mean())
    config["config"]["bogus"] = 1
    with pytest.raises(TypeError, match="Error when deserializing class 'Mean'"):
        metrics.deserialize(config)
