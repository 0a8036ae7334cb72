"""`Metric`, `Mean`, `Sum` and `MeanMetricWrapper` against NumPy."""

import json

import numpy as np
import pytest

import rkeras
from rkeras import metrics, ops

RNG = np.random.default_rng(0)


def value(m):
    return np.asarray(m.result(), dtype=np.float64)


# ----- Metric base -----------------------------------------------------------


class CountPositives(metrics.Metric):
    def __init__(self, name="count_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values):
        self.count.assign_add(ops.sum(ops.cast(ops.greater(values, 0.0), "float32")))

    def result(self):
        return self.count.value


def test_metric_state_lives_in_non_trainable_variables():
    m = CountPositives()
    assert len(m.variables) == 1
    v = m.variables[0]
    assert isinstance(v, rkeras.Variable)
    assert v.trainable is False
    assert v.name == "count"
    assert v.path == "count_positives/count"
    assert v.dtype == "float32"
    m.update_state(np.array([1.0, -1.0, 2.0]))
    out = m.result()
    assert isinstance(out, rkeras.Tensor)  # a tensor, not a host float
    assert float(out) == 2.0


def test_call_updates_then_returns_result():
    m = CountPositives()
    assert float(m(np.array([1.0, 2.0]))) == 2.0
    assert float(m(np.array([3.0]))) == 3.0


def test_reset_restores_initial_value():
    class StartsAtOnes(metrics.Metric):
        def __init__(self):
            super().__init__(name="ones")
            self.v = self.add_variable(shape=(2,), initializer="ones", name="v")

        def update_state(self, x):
            self.v.assign_add(x)

        def result(self):
            return self.v.value

    m = StartsAtOnes()
    m.update_state(np.array([2.0, 3.0]))
    np.testing.assert_allclose(value(m), [3.0, 4.0])
    m.reset_state()
    np.testing.assert_allclose(value(m), [1.0, 1.0])
    m.update_state(np.array([1.0, 1.0]))
    np.testing.assert_allclose(value(m), [2.0, 2.0])


def test_submetric_variables_and_reset():
    class Pair(metrics.Metric):
        def __init__(self):
            super().__init__(name="pair")
            self.a = metrics.Mean(name="a")
            self.b = metrics.Sum(name="b")

        def update_state(self, x):
            self.a.update_state(x)
            self.b.update_state(x)

        def result(self):
            return self.a.result() + self.b.result()

    m = Pair()
    assert [v.name for v in m.variables] == ["total", "count", "total"]
    m.update_state([1.0, 3.0])
    assert float(m.result()) == 2.0 + 4.0
    m.reset_state()
    assert float(m.result()) == 0.0


def test_forgetting_super_init_is_a_clear_error():
    class Broken(metrics.Metric):
        def __init__(self):
            self.x = 1

    with pytest.raises(RuntimeError, match="super\\(\\).__init__"):
        Broken().add_variable((), "zeros", name="v")


def test_default_names_are_snake_case_and_unique():
    a = CountPositives(name=None)
    b = CountPositives(name=None)
    assert a.name.startswith("count_positives")
    assert a.name != b.name
    # Built-in metrics have fixed default names (not made unique).
    assert metrics.Mean().name == metrics.Mean().name == "mean"


def test_dtype_and_config():
    m = metrics.Mean(name="my_mean")
    assert m.dtype == "float32"
    assert m.get_config() == {"name": "my_mean", "dtype": "float32"}
    m2 = metrics.Mean.from_config(m.get_config())
    assert m2.name == "my_mean"
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}
    assert metrics.Mean(dtype=policy).dtype == "float32"
    assert repr(m) == "<Mean name=my_mean>"


# ----- Sum and Mean ----------------------------------------------------------


def test_sum_keras_example():
    m = metrics.Sum()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 16.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 4.0
    assert m.name == "sum"


def test_mean_keras_example():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0


def test_mean_empty_is_zero():
    assert float(metrics.Mean().result()) == 0.0


def test_mean_scalar_values_count_once():
    m = metrics.Mean()
    m.update_state(2.0)
    m.update_state(4.0)
    assert float(m.result()) == 3.0
    assert float(m.count) == 2.0


def test_mean_accumulates_over_batches():
    batches = [RNG.normal(size=(5,)) for _ in range(3)]
    m = metrics.Mean()
    for b in batches:
        m.update_state(b)
    np.testing.assert_allclose(value(m), np.concatenate(batches).mean(), rtol=1e-5)


def test_mean_weighted_accumulates_and_count_adds_weights():
    values = [RNG.normal(size=(4,)) for _ in range(3)]
    weights = [RNG.uniform(0, 2, size=(4,)) for _ in range(3)]
    m = metrics.Mean()
    for v, w in zip(values, weights, strict=True):
        m.update_state(v, sample_weight=w)
    v, w = np.concatenate(values), np.concatenate(weights)
    np.testing.assert_allclose(value(m), (v * w).sum() / w.sum(), rtol=1e-5)
    np.testing.assert_allclose(float(m.count), w.sum(), rtol=1e-5)


def test_mean_2d_values_per_sample_weight():
    # values (4, 3), weights (4,): each row is averaged, then weighted.
    v = RNG.normal(size=(4, 3))
    w = np.array([1.0, 0.0, 2.0, 0.5])
    m = metrics.Mean()
    m.update_state(v, sample_weight=w)
    ref = (v.mean(axis=1) * w).sum() / w.sum()
    np.testing.assert_allclose(value(m), ref, rtol=1e-5)


def test_mean_weight_with_trailing_one_is_matched():
    # weights (4, 1) against values (4,) squeeze; against (4, 3) broadcast.
    v = RNG.normal(size=(4,))
    w = np.array([[1.0], [2.0], [0.0], [1.0]])
    m = metrics.Mean()
    m.update_state(v, sample_weight=w)
    np.testing.assert_allclose(value(m), (v * w[:, 0]).sum() / w.sum(), rtol=1e-5)

    v2 = RNG.normal(size=(4, 3))
    m2 = metrics.Mean()
    m2.update_state(v2, sample_weight=w)
    ref = (v2 * w).mean(axis=1).sum() / w.sum()
    np.testing.assert_allclose(value(m2), ref, rtol=1e-5)


def test_mean_elementwise_weights():
    v = RNG.normal(size=(3, 4))
    w = RNG.uniform(0, 1, size=(3, 4))
    m = metrics.Mean()
    m.update_state(v, sample_weight=w)
    ref = (v * w).mean(axis=1).sum() / w.mean(axis=1).sum()
    np.testing.assert_allclose(value(m), ref, rtol=1e-5)


def test_sum_weighted_rank3():
    v = RNG.normal(size=(2, 3, 4))
    w = RNG.uniform(0, 1, size=(2,))
    m = metrics.Sum()
    m.update_state(v, sample_weight=w)
    np.testing.assert_allclose(value(m), (v.sum(axis=(1, 2)) * w).sum(), rtol=1e-5)


def test_mean_reset_state():
    m = metrics.Mean()
    m.update_state([10.0, 20.0])
    m.reset_state()
    assert float(m.total) == 0.0 and float(m.count) == 0.0
    m.update_state([1.0])
    assert float(m.result()) == 1.0


# ----- MeanMetricWrapper -----------------------------------------------------


def abs_diff(y_true, y_pred):
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def scaled_diff(y_true, y_pred, scale=1.0):
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1) * scale


def test_wrapper_means_fn_over_samples():
    yt, yp = RNG.normal(size=(6, 3)), RNG.normal(size=(6, 3))
    m = metrics.MeanMetricWrapper(abs_diff, name="abs_diff")
    m.update_state(yt[:3], yp[:3])
    m.update_state(yt[3:], yp[3:])
    np.testing.assert_allclose(value(m), np.abs(yt - yp).mean(), rtol=1e-5)
    w = RNG.uniform(0, 1, size=(6,))
    m.reset_state()
    m.update_state(yt, yp, sample_weight=w)
    per = np.abs(yt - yp).mean(axis=1)
    np.testing.assert_allclose(value(m), (per * w).sum() / w.sum(), rtol=1e-5)


def test_wrapper_passes_kwargs_and_config():
    m = metrics.MeanMetricWrapper(scaled_diff, name="sd", scale=2.0)
    m.update_state([[0.0, 0.0]], [[1.0, 3.0]])
    assert float(m.result()) == 4.0
    config = m.get_config()
    assert config["name"] == "sd" and config["scale"] == 2.0
    assert config["fn"]["class_name"] == "function"
    assert config["fn"]["config"] == "scaled_diff"
    json.dumps(config)


def test_wrapper_config_round_trip_with_builtin_fn():
    m = metrics.MeanMetricWrapper(metrics.mean_squared_error, name="mse_wrapped")
    config = m.get_config()
    assert config["fn"] == {
        "module": "keras.metrics",
        "class_name": "function",
        "config": "mean_squared_error",
        "registered_name": "mean_squared_error",
    }
    m2 = metrics.MeanMetricWrapper.from_config(json.loads(json.dumps(config)))
    m2.update_state([[0.0, 2.0]], [[1.0, 1.0]])
    assert float(m2.result()) == 1.0
    assert m2.name == "mse_wrapped"


def test_wrapper_default_name():
    m = metrics.MeanMetricWrapper(abs_diff)
    assert m.name.startswith("mean_metric_wrapper")
