"""Compiled train steps: `fit` replays a recorded plan and trains to the
same bits as running eagerly; steps a plan cannot repeat stay eager."""

import numpy as np
import pytest

import rkeras as keras
from rkeras import layers, ops

rng = np.random.default_rng(5)
X = rng.normal(size=(50, 6)).astype("float32")
Y = (X[:, 0] - X[:, 3] > 0).astype("int32") + (X[:, 1] > 0.5).astype("int32")


def mlp(extra=tuple, seed=1):
    """`extra()` makes the layers between the two Dense layers, after the
    seed is set (Dropout draws its seed when it is made)."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            layers.Input((6,)),
            layers.Dense(12, activation="relu"),
            *extra(),
            layers.Dense(3, activation="softmax"),
        ]
    )


def train(build, run_eagerly, optimizer="sgd", epochs=4, **fit_kwargs):
    model = build()
    model.compile(
        optimizer() if callable(optimizer) else optimizer,
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        run_eagerly=run_eagerly,
    )
    fit_kwargs.setdefault("batch_size", 16)
    history = model.fit(X, Y, epochs=epochs, shuffle=False, verbose=0, **fit_kwargs)
    return model, history.history


def plans(model):
    return model._compiled_train_body._plans


def reasons(model):
    return list(model._compiled_train_body.fallback_reasons.values())


def assert_same_training(a, b, exact=True):
    (model_a, hist_a), (model_b, hist_b) = a, b
    assert list(hist_a) == list(hist_b)
    for key in hist_a:
        if exact:
            assert hist_a[key] == hist_b[key], key
        else:
            np.testing.assert_allclose(hist_a[key], hist_b[key], rtol=1e-6, err_msg=key)
    for wa, wb in zip(model_a.get_weights(), model_b.get_weights(), strict=True):
        if exact:
            np.testing.assert_array_equal(wa, wb)
        else:
            np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "optimizer",
    [
        "adam",
        lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
        lambda: keras.optimizers.RMSprop(
            keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=3, decay_rate=0.5),
            momentum=0.5,
            clipnorm=1.0,
        ),
    ],
)
def test_compiled_fit_gives_the_eager_bits(optimizer):
    compiled = train(mlp, False, optimizer)
    assert_same_training(compiled, train(mlp, True, optimizer))
    # 50 samples in batches of 16: full batches and the last one of 2.
    assert len(plans(compiled[0])) == 2
    assert reasons(compiled[0]) == []


@pytest.mark.parametrize(
    "optimizer",
    [
        "sgd",
        lambda: keras.optimizers.SGD(
            keras.optimizers.schedules.PiecewiseConstantDecay([4], [0.5, 0.05])
        ),
    ],
)
def test_plain_sgd_folded_into_the_gradient_products(optimizer):
    # `w -= lr * (a @ b)` in the product's pass rounds once where the eager
    # step rounds `lr * g` first: the same training to float32 rounding.
    compiled = train(mlp, False, optimizer, epochs=6)
    assert_same_training(compiled, train(mlp, True, optimizer, epochs=6), exact=False)
    assert compiled[0].optimizer.iterations.numpy() == 6 * 4
    assert len(plans(compiled[0])) == 2


def test_a_plan_replays_validation_sample_weights_and_batch_norm():
    def build():
        return mlp(extra=lambda: (layers.BatchNormalization(),))

    weights = rng.uniform(0.5, 2.0, size=len(X)).astype("float32")
    kwargs = {"sample_weight": weights, "validation_split": 0.2}
    compiled = train(build, False, "adam", **kwargs)
    assert_same_training(compiled, train(build, True, "adam", **kwargs))
    assert plans(compiled[0])
    moving_mean = compiled[0].layers[1].moving_mean.numpy()
    assert np.abs(moving_mean).max() > 0


def test_functional_model_with_dict_inputs():
    def build():
        keras.utils.set_random_seed(3)
        a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
        h = layers.Concatenate()([layers.Dense(5, activation="tanh")(a), b])
        return keras.Model({"a": a, "b": b}, layers.Dense(3, activation="softmax")(h))

    def run(run_eagerly):
        model = build()
        model.compile("adam", "sparse_categorical_crossentropy", run_eagerly=run_eagerly)
        history = model.fit(
            {"a": X[:, :4], "b": X[:, 4:]}, Y, batch_size=10, epochs=3, shuffle=False, verbose=0
        )
        return model, history.history

    compiled = run(False)
    assert_same_training(compiled, run(True))
    assert plans(compiled[0])


def test_train_on_batch_replays_too():
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    eager = mlp()
    eager.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=False)
    for _ in range(4):
        got = model.train_on_batch(X[:8], Y[:8])
        want = eager.train_on_batch(X[:8], Y[:8])
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert plans(model) and not plans(eager)


class CountingDense(layers.Dense):
    calls = 0

    def call(self, inputs):
        CountingDense.calls += 1
        return super().call(inputs)


def test_python_in_the_step_runs_only_until_it_is_recorded():
    CountingDense.calls = 0
    model = mlp(extra=lambda: (CountingDense(4),))
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(X[:32], Y[:32], batch_size=8, epochs=2, verbose=0)
    # One eager call, one recorded, then six replays (as under jax.jit).
    assert CountingDense.calls == 2
    CountingDense.calls = 0
    model.compile("sgd", "sparse_categorical_crossentropy", run_eagerly=True)
    model.fit(X[:32], Y[:32], batch_size=8, epochs=2, verbose=0)
    assert CountingDense.calls == 8


class HostBranch(layers.Layer):
    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, inputs):
        if float(ops.sum(inputs)) > 0:
            return inputs
        return -inputs


def test_random_draws_replay_with_fresh_keys():
    # Each replay draws the next key from the layers' seed generators, as
    # eager steps do: the same masks, so the same training (Adam: exact).
    def build():
        return mlp(extra=lambda: (layers.Dropout(0.3), layers.GaussianNoise(0.2)))

    compiled = train(build, False, "adam")
    assert_same_training(compiled, train(build, True, "adam"))
    assert plans(compiled[0]) and reasons(compiled[0]) == []
    dropout = compiled[0].layers[1]
    assert dropout.seed_generator.counter == 4 * 4


def test_steps_a_plan_cannot_repeat_stay_eager():
    branch = train(lambda: mlp(extra=lambda: (HostBranch(),)), False)
    assert not plans(branch[0])
    assert any("on the host" in r for r in reasons(branch[0]))
    assert_same_training(branch, train(lambda: mlp(extra=lambda: (HostBranch(),)), True))


class OwnStep(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(3, activation="softmax")
        self.steps_run = 0

    def call(self, inputs):
        return self.dense(inputs)

    def train_step(self, data):
        self.steps_run += 1
        return super().train_step(data)


def test_a_custom_train_step_runs_eagerly():
    model = OwnStep()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(X, Y, batch_size=10, epochs=2, verbose=0)
    assert model.steps_run == 10
    assert not plans(model)


def test_compiled_fit_on_each_device(device):
    # Built and trained inside the device scope: on a GPU the plan's kernels
    # are GPU kernels and SGD runs as a separate update (no CPU fold).
    compiled = train(mlp, False, "sgd")
    eager = train(mlp, True, "sgd")
    assert_same_training(compiled, eager, exact=False)
    assert plans(compiled[0])


def test_freezing_a_layer_between_fits_is_seen():
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(X, Y, batch_size=10, epochs=1, verbose=0)
    assert plans(model)
    model.layers[0].trainable = False
    frozen = [w.copy() for w in model.layers[0].get_weights()]
    model.fit(X, Y, batch_size=10, epochs=2, verbose=0)
    for w, before in zip(model.layers[0].get_weights(), frozen, strict=True):
        np.testing.assert_array_equal(w, before)
    assert plans(model)


def test_convolutions_and_pooling_replay_exactly():
    images = rng.normal(size=(24, 6, 6, 2)).astype("float32")
    labels = (images.mean(axis=(1, 2, 3)) > 0).astype("int32")

    def run(run_eagerly):
        keras.utils.set_random_seed(4)
        model = keras.Sequential(
            [
                layers.Input((6, 6, 2)),
                layers.Conv2D(3, 3, padding="same", activation="relu"),
                layers.MaxPooling2D(),
                layers.Flatten(),
                layers.Dense(2, activation="softmax"),
            ]
        )
        model.compile("adam", "sparse_categorical_crossentropy", run_eagerly=run_eagerly)
        history = model.fit(images, labels, batch_size=8, epochs=3, shuffle=False, verbose=0)
        return model, history.history

    compiled = run(False)
    assert_same_training(compiled, run(True))
    assert plans(compiled[0]) and reasons(compiled[0]) == []


def test_evaluate_and_predict_replay_plans():
    def run(run_eagerly):
        model = mlp(extra=lambda: (layers.BatchNormalization(), layers.Dropout(0.2)))
        model.compile(
            "adam", "sparse_categorical_crossentropy", metrics=["accuracy"], run_eagerly=run_eagerly
        )
        model.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        evaluations = [model.evaluate(X, Y, batch_size=8, verbose=0) for _ in range(3)]
        predictions = [model.predict(X, batch_size=8, verbose=0) for _ in range(3)]
        return model, evaluations, predictions

    compiled, evaluations, predictions = run(False)
    _, eager_evaluations, eager_predictions = run(True)
    assert plans(compiled)
    assert compiled._compiled_test_body._plans and compiled._compiled_predict_body._plans
    assert evaluations == eager_evaluations
    for got, want in zip(predictions, eager_predictions, strict=True):
        np.testing.assert_array_equal(got, want)


def test_predict_without_compile_replays_and_a_custom_predict_step_does_not():
    model = mlp()
    first = model.predict(X, batch_size=10, verbose=0)
    again = model.predict(X, batch_size=10, verbose=0)
    np.testing.assert_array_equal(first, again)
    assert model._compiled_predict_body._plans

    class Doubled(keras.Sequential):
        def predict_step(self, data):
            return super().predict_step(data) * 2.0

    keras.utils.set_random_seed(1)
    doubled = Doubled([layers.Input((6,)), layers.Dense(3)])
    out = [doubled.predict(X, batch_size=10, verbose=0) for _ in range(3)]
    assert not doubled._compiled_predict_body._plans
    np.testing.assert_allclose(
        out[2], 2.0 * (X @ doubled.get_weights()[0] + doubled.get_weights()[1]), rtol=1e-5
    )
