"""Metrics with Keras 3's names, defaults and results: `rkeras.metrics`.

Every metric keeps its state in non-trainable `rkeras.Variable`s on the
engine's device; `result()` returns a tensor.
"""

import inspect

from rkeras.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from rkeras.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from rkeras.metrics.f_score_metrics import F1Score, FBetaScore
from rkeras.metrics.hinge_metrics import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from rkeras.metrics.metric import Metric
from rkeras.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from rkeras.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from rkeras.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from rkeras.utils.naming import to_snake_case

ALL_OBJECTS = (
    Metric,
    Mean,
    Sum,
    MeanMetricWrapper,
    MeanSquaredError,
    RootMeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCoshError,
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    F1Score,
    FBetaScore,
)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update(
    {
        "bce": BinaryCrossentropy,
        "BCE": BinaryCrossentropy,
        "mse": MeanSquaredError,
        "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "MAE": MeanAbsoluteError,
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
    }
)

# The public metric functions (`keras.metrics.<name>`), by name.
_FUNCTIONS = {
    fn.__name__: fn
    for fn in (
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        mean_squared_error,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        log_cosh,
        binary_crossentropy,
        categorical_crossentropy,
        sparse_categorical_crossentropy,
        kl_divergence,
        poisson,
        hinge,
        squared_hinge,
        categorical_hinge,
    )
}

# Losses whose matching accuracy `resolve_accuracy` picks.
_ACCURACY_FOR_LOSS = {
    "sparse_categorical_crossentropy": SparseCategoricalAccuracy,
    "binary_crossentropy": BinaryAccuracy,
    "categorical_crossentropy": CategoricalAccuracy,
}


class AutoAccuracy:
    """The metric the strings `"accuracy"` and `"acc"` stand for.

    Keras picks binary, categorical or sparse categorical accuracy once the
    shapes of the targets and predictions are known; the trainer calls
    `resolve()` (or `resolve_accuracy()`) then.

    Args:
        name: the name the resolved metric gets (the string the user wrote).
    """

    def __init__(self, name="accuracy"):
        self.name = name

    def resolve(self, y_true_shape, y_pred_shape, loss=None):
        """The accuracy metric for these shapes (see `resolve_accuracy`)."""
        return resolve_accuracy(y_true_shape, y_pred_shape, loss=loss, name=self.name)

    def __eq__(self, other):
        return isinstance(other, AutoAccuracy) and other.name == self.name

    def __hash__(self):
        return hash(("AutoAccuracy", self.name))

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"<AutoAccuracy name={self.name}>"


def _loss_name(loss):
    if loss is None:
        return None
    if isinstance(loss, str):
        name = loss
    elif inspect.isfunction(loss) or inspect.isbuiltin(loss):
        name = loss.__name__
    elif isinstance(loss, type):
        name = loss.__name__
    else:
        fn = getattr(loss, "fn", None)
        name = fn.__name__ if callable(fn) and hasattr(fn, "__name__") else type(loss).__name__
    return to_snake_case(name) if not name.islower() else name


def resolve_accuracy(y_true_shape, y_pred_shape, loss=None, name="accuracy"):
    """The accuracy metric that `"accuracy"` means for these targets.

    With a crossentropy loss (`"binary_crossentropy"`,
    `"categorical_crossentropy"`, `"sparse_categorical_crossentropy"`, as a
    name, function, class or instance) the matching accuracy is used.
    Otherwise, as Keras 3 does: binary accuracy when the predictions' last
    dimension is 1; sparse categorical accuracy when the targets have fewer
    dimensions than the predictions, or a last dimension of 1 while the
    predictions' is larger; categorical accuracy otherwise.

    Args:
        y_true_shape: the shape of the targets.
        y_pred_shape: the shape of the predictions.
        loss: the model's loss, or `None`.
        name: the metric's name (default `"accuracy"`).

    Returns:
        A `BinaryAccuracy`, `SparseCategoricalAccuracy` or
        `CategoricalAccuracy` named `name`.
    """
    cls = _ACCURACY_FOR_LOSS.get(_loss_name(loss))
    if cls is None:
        y_true_shape = tuple(y_true_shape)
        y_pred_shape = tuple(y_pred_shape)
        t_last = y_true_shape[-1] if y_true_shape else None
        p_last = y_pred_shape[-1] if y_pred_shape else None
        if p_last == 1:
            cls = BinaryAccuracy
        elif len(y_true_shape) < len(y_pred_shape) or (
            t_last == 1 and p_last is not None and p_last > 1
        ):
            cls = SparseCategoricalAccuracy
        else:
            cls = CategoricalAccuracy
    return cls(name=name)


def get_compile_metric(identifier, y_true_shape, y_pred_shape, loss=None):
    """The metric object `compile(metrics=[identifier])` uses, named as Keras
    names it: a string keeps its spelling (`"mae"` logs as `mae`); other
    identifiers keep their own name.

    Args:
        identifier: a metric name, config, instance, class or function.
        y_true_shape: the shape of the targets.
        y_pred_shape: the shape of the predictions.
        loss: the model's loss (used to resolve `"accuracy"`).

    Returns:
        A `Metric` instance.
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    metric = get(identifier)
    if isinstance(metric, AutoAccuracy):
        metric = metric.resolve(y_true_shape, y_pred_shape, loss=loss)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def serialize_function(fn):
    """The Keras config of a metric function."""
    name = getattr(fn, "__name__", type(fn).__name__)
    if _FUNCTIONS.get(name) is fn:
        return {
            "module": "keras.metrics",
            "class_name": "function",
            "config": name,
            "registered_name": name,
        }
    return {
        "module": getattr(fn, "__module__", None),
        "class_name": "function",
        "config": name,
        "registered_name": name,
    }


def deserialize_function(config, custom_objects=None):
    """The metric function a config (or name) from `serialize_function` names."""
    name = config if isinstance(config, str) else config.get("config")
    custom_objects = custom_objects or {}
    if isinstance(config, dict):
        registered = config.get("registered_name")
        if registered in custom_objects:
            return custom_objects[registered]
    if name in custom_objects:
        return custom_objects[name]
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    raise ValueError(
        f"Could not locate function '{name}'. Make sure custom functions are passed "
        "in `custom_objects`."
    )


def serialize(metric):
    """Serializes a metric instance or function to its Keras config.

    Args:
        metric: a `Metric` instance or a metric function.

    Returns:
        A dict `{"module", "class_name", "config", "registered_name"}` (a
        string stays a string).
    """
    if metric is None or isinstance(metric, str):
        return metric
    if isinstance(metric, AutoAccuracy):
        return metric.name
    if isinstance(metric, Metric):
        cls = type(metric)
        if ALL_OBJECTS_DICT.get(cls.__name__) is cls:
            module, registered_name = "keras.metrics", None
        else:
            module, registered_name = cls.__module__, cls.__name__
        return {
            "module": module,
            "class_name": cls.__name__,
            "config": metric.get_config(),
            "registered_name": registered_name,
        }
    if callable(metric):
        return serialize_function(metric)
    raise ValueError(f"Could not serialize metric: {metric}")


def deserialize(config, custom_objects=None):
    """Deserializes a metric from its Keras config.

    Args:
        config: a dict from `serialize` (or a metric name).
        custom_objects: a dict of custom classes and functions, by name.

    Returns:
        A `Metric` instance or a metric function.
    """
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret metric identifier: {config}")
    custom_objects = custom_objects or {}
    class_name = config["class_name"]
    if class_name == "function":
        return deserialize_function(config, custom_objects)
    cls = None
    registered_name = config.get("registered_name")
    if registered_name and registered_name in custom_objects:
        cls = custom_objects[registered_name]
    elif class_name in custom_objects:
        cls = custom_objects[class_name]
    else:
        cls = ALL_OBJECTS_DICT.get(class_name)
    if cls is None:
        raise TypeError(
            f"Could not locate class '{class_name}'. Make sure custom classes are "
            "decorated with `@keras.saving.register_keras_serializable()` or passed "
            f"in `custom_objects`. Full object config: {config}"
        )
    inner = config.get("config", {})
    try:
        return cls.from_config(inner)
    except TypeError as e:
        raise TypeError(
            f"Error when deserializing class '{class_name}' using config={inner}.\n\n"
            f"Exception encountered: {e}"
        ) from e


def get(identifier):
    """Retrieves a metric from a name, config, class, instance or function.

    Strings name a metric class (`"AUC"`, `"Precision"`), its snake-case
    form (`"auc"`, `"binary_accuracy"`, `"categorical_crossentropy"`), an
    alias (`"mse"`, `"mae"`, `"mape"`, `"msle"`, `"bce"`) or a metric
    function (`"log_cosh"`). `"accuracy"` and `"acc"` (any case) give an
    `AutoAccuracy` that the trainer resolves once the shapes are known. A
    function is wrapped in a `MeanMetricWrapper` named after it.

    Args:
        identifier: `None`, a string, a config dict, a `Metric` class or
            instance, or a function `fn(y_true, y_pred)`.

    Returns:
        A `Metric` instance, an `AutoAccuracy`, or `None`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (Metric, AutoAccuracy)):
        return identifier
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
        if isinstance(obj, Metric) or obj is None:
            return obj
        identifier = obj
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return AutoAccuracy(identifier)
        cls = ALL_OBJECTS_DICT.get(identifier)
        if cls is not None:
            return cls()
        fn = _FUNCTIONS.get(identifier)
        if fn is not None:
            return MeanMetricWrapper(fn, name=identifier)
        raise ValueError(f"Could not interpret metric identifier: {identifier}")
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        name = getattr(identifier, "__name__", None) or type(identifier).__name__
        return MeanMetricWrapper(identifier, name=to_snake_case(name))
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


__all__ = [
    "AUC",
    "Accuracy",
    "AutoAccuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "Poisson",
    "Precision",
    "Recall",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "binary_accuracy",
    "binary_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_hinge",
    "deserialize",
    "get",
    "get_compile_metric",
    "hinge",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "resolve_accuracy",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]
