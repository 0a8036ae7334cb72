"""Training parity with real Keras 3 for every optimizer and loss.

`tests/fixtures/keras3_training/generate.py` trained each case with Keras
3 (JAX backend) from fixed weights, without shuffling; rkeras must reach
the same History, weights and predictions.
"""

import pathlib

import numpy as np
import pytest

import rkeras as keras

HERE = pathlib.Path(__file__).parent.parent / "fixtures" / "keras3_training"
DATA = np.load(HERE / "data.npz")

TARGETS = {
    "real": DATA["real"],
    "positive": DATA["positive"],
    "soft": DATA["soft"],
    "binary": DATA["binary"],
    "one_hot": DATA["one_hot"],
    "labels": DATA["labels"],
}

# The same cases as the generator: loss, head units, head activation, targets.
LOSSES = {
    "mse": ("mean_squared_error", 1, None, "real"),
    "mae": ("mean_absolute_error", 1, None, "real"),
    "mape": ("mean_absolute_percentage_error", 1, "softplus", "positive"),
    "msle": ("mean_squared_logarithmic_error", 1, "softplus", "positive"),
    "huber": (lambda: keras.losses.Huber(delta=0.5), 1, None, "real"),
    "log_cosh": ("log_cosh", 1, None, "real"),
    "poisson": ("poisson", 1, "softplus", "positive"),
    "kl_divergence": ("kl_divergence", 3, "softmax", "soft"),
    "hinge": ("hinge", 1, "tanh", "binary"),
    "squared_hinge": ("squared_hinge", 1, "tanh", "binary"),
    "categorical_hinge": ("categorical_hinge", 3, None, "one_hot"),
    "cosine_similarity": ("cosine_similarity", 3, None, "soft"),
    "binary_crossentropy": ("binary_crossentropy", 1, "sigmoid", "binary"),
    "binary_crossentropy_logits_smoothing": (
        lambda: keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
        1,
        None,
        "binary",
    ),
    "binary_focal_crossentropy": (
        lambda: keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True),
        1,
        "sigmoid",
        "binary",
    ),
    "categorical_crossentropy": ("categorical_crossentropy", 3, "softmax", "one_hot"),
    "categorical_crossentropy_logits_smoothing": (
        lambda: keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2),
        3,
        None,
        "one_hot",
    ),
    "sparse_categorical_crossentropy": ("sparse_categorical_crossentropy", 3, "softmax", "labels"),
    "sparse_categorical_crossentropy_logits": (
        lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        3,
        None,
        "labels",
    ),
}

OPTIMIZERS = {
    "sgd": lambda: keras.optimizers.SGD(learning_rate=0.05),
    "sgd_momentum": lambda: keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
    "sgd_nesterov": lambda: keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "adam": lambda: keras.optimizers.Adam(learning_rate=0.01),
    "adam_amsgrad": lambda: keras.optimizers.Adam(learning_rate=0.01, amsgrad=True),
    "adamw": lambda: keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.05),
    "rmsprop": lambda: keras.optimizers.RMSprop(learning_rate=0.01),
    "rmsprop_centered_momentum": lambda: keras.optimizers.RMSprop(
        learning_rate=0.01, momentum=0.5, centered=True
    ),
    "adagrad": lambda: keras.optimizers.Adagrad(learning_rate=0.1),
    "adadelta": lambda: keras.optimizers.Adadelta(learning_rate=1.0),
    "adamax": lambda: keras.optimizers.Adamax(learning_rate=0.01),
    "nadam": lambda: keras.optimizers.Nadam(learning_rate=0.01),
    "lion": lambda: keras.optimizers.Lion(learning_rate=0.003),
    "sgd_clipnorm": lambda: keras.optimizers.SGD(learning_rate=0.1, clipnorm=0.1),
    "adam_global_clipnorm": lambda: keras.optimizers.Adam(learning_rate=0.01, global_clipnorm=0.2),
    "sgd_clipvalue": lambda: keras.optimizers.SGD(learning_rate=0.1, clipvalue=0.05),
    "adam_weight_decay": lambda: keras.optimizers.Adam(learning_rate=0.01, weight_decay=0.1),
    "sgd_exponential_decay": lambda: keras.optimizers.SGD(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(
            0.1, decay_steps=2, decay_rate=0.5
        )
    ),
}


def _optimizer_loss(name):
    return (
        "mse"
        if name.startswith(("sgd", "adagrad", "adadelta"))
        else ("sparse_categorical_crossentropy")
    )


def _train(loss_name, optimizer):
    loss, units, activation, target = LOSSES[loss_name]
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(6, activation="tanh"),
            keras.layers.Dense(units, activation=activation),
        ]
    )
    model.set_weights(
        [DATA["w0_kernel"], DATA["w0_bias"], DATA[f"head{units}_kernel"], DATA[f"head{units}_bias"]]
    )
    model.compile(optimizer=optimizer, loss=loss() if callable(loss) else loss)
    history = model.fit(
        DATA["x"], TARGETS[target], batch_size=8, epochs=3, shuffle=False, verbose=0
    )
    return model, history


def _check(case, model, history):
    ref = np.load(HERE / f"{case}.npz")
    np.testing.assert_allclose(
        history.history["loss"],
        ref["history_loss"],
        rtol=1e-4,
        atol=1e-6,
        err_msg=f"{case}: history loss",
    )
    for i, got in enumerate(model.get_weights()):
        np.testing.assert_allclose(
            got, ref[f"weight_{i}"], rtol=1e-4, atol=1e-5, err_msg=f"{case}: weight {i}"
        )
    np.testing.assert_allclose(
        model.predict(DATA["x"], verbose=0),
        ref["predictions"],
        rtol=1e-4,
        atol=1e-5,
        err_msg=f"{case}: predictions",
    )


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_every_loss_trains_like_keras(loss_name):
    model, history = _train(loss_name, keras.optimizers.Adam(learning_rate=0.01))
    _check(f"loss_{loss_name}", model, history)


@pytest.mark.parametrize("optimizer_name", sorted(OPTIMIZERS))
def test_every_optimizer_trains_like_keras(optimizer_name):
    model, history = _train(_optimizer_loss(optimizer_name), OPTIMIZERS[optimizer_name]())
    _check(f"optimizer_{optimizer_name}", model, history)
