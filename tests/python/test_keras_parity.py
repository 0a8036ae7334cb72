"""Parity with real Keras 3: files written by Keras 3.15 (JAX backend).

See tests/fixtures/keras3/README.md for what each file holds.
"""

import io
import pathlib
import zipfile

import h5py
import numpy as np
import pytest

import rkeras as keras

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "keras3"


def _vars(group):
    return [np.asarray(group["vars"][str(i)]) for i in range(len(group["vars"]))]


def _mlp():
    return keras.Sequential(
        [
            keras.Input(shape=(8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ],
        name="mlp",
    )


def _set_mlp_weights(model, path):
    with h5py.File(path, "r") as f:
        model.layers[0].set_weights(_vars(f["layers/dense"]))
        model.layers[1].set_weights(_vars(f["layers/dense_1"]))


def test_mlp_training_reproduces_keras():
    """Check 4 of the fixtures: from Keras's initial weights, one epoch of
    `fit` gives Keras's loss, accuracy, weights, optimizer slots and
    predictions."""
    io_data = np.load(FIXTURES / "mlp_io.npz")
    model = _mlp()
    _set_mlp_weights(model, FIXTURES / "mlp_initial.weights.h5")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        io_data["x_train"], io_data["y_train"], batch_size=16, epochs=1, shuffle=False, verbose=0
    )
    np.testing.assert_allclose(history.history["loss"], io_data["history_loss"], rtol=1e-5)
    np.testing.assert_allclose(history.history["accuracy"], io_data["history_accuracy"], rtol=1e-6)
    np.testing.assert_allclose(
        model.predict(io_data["x"], verbose=0), io_data["y"], rtol=1e-4, atol=1e-6
    )
    with h5py.File(FIXTURES / "mlp.weights.h5", "r") as f:
        expected = _vars(f["layers/dense"]) + _vars(f["layers/dense_1"])
        slots = [np.asarray(f["optimizer/vars"][str(i)]) for i in range(len(f["optimizer/vars"]))]
    for got, want in zip(model.get_weights(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    optimizer_values = [np.asarray(v) for v in model.optimizer.variables]
    assert int(optimizer_values[0]) == int(slots[0]) == 2
    np.testing.assert_allclose(optimizer_values[1], slots[1], rtol=1e-7)
    for got, want in zip(optimizer_values[2:], slots[2:], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-7)


def test_mlp_trained_weights_predict_like_keras():
    io_data = np.load(FIXTURES / "mlp_io.npz")
    model = _mlp()
    _set_mlp_weights(model, FIXTURES / "mlp.weights.h5")
    np.testing.assert_allclose(
        model.predict(io_data["x"], verbose=0), io_data["y"], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(np.asarray(model(io_data["x"])), io_data["y"], rtol=1e-5, atol=1e-6)


def test_functional_two_inputs_with_batchnorm_predicts_like_keras():
    io_data = np.load(FIXTURES / "functional_io.npz")
    a = keras.Input(shape=(6,), name="features_a")
    b = keras.Input(shape=(4,), name="features_b")
    x = keras.layers.Concatenate(name="concat")([a, b])
    x = keras.layers.Dense(12, activation="relu", name="hidden")(x)
    x = keras.layers.Dropout(0.25, name="drop")(x)
    x = keras.layers.BatchNormalization(name="bn")(x)
    out = keras.layers.Dense(2, name="head")(x)
    model = keras.Model([a, b], out, name="two_input_net")
    archive = zipfile.ZipFile(FIXTURES / "functional.keras")
    with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
        model.get_layer("hidden").set_weights(_vars(f["layers/dense"]))
        model.get_layer("bn").set_weights(_vars(f["layers/batch_normalization"]))
        model.get_layer("head").set_weights(_vars(f["layers/dense_1"]))
    predicted = model.predict([io_data["x_a"], io_data["x_b"]], verbose=0)
    np.testing.assert_allclose(predicted, io_data["y"], rtol=1e-5, atol=1e-5)
    # BatchNormalization's moving statistics were trained: not 0 and 1.
    moving_mean = model.get_layer("bn").moving_mean.numpy()
    assert np.abs(moving_mean).max() > 1e-3


@pytest.mark.parametrize("batch_size", [4, 16])
def test_seeded_training_is_bitwise_reproducible(batch_size):
    io_data = np.load(FIXTURES / "mlp_io.npz")

    def run():
        keras.utils.set_random_seed(7)
        model = keras.Sequential(
            [
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, activation="relu"),
                keras.layers.Dropout(0.3),
                keras.layers.Dense(3, activation="softmax"),
            ]
        )
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(
            io_data["x_train"], io_data["y_train"], batch_size=batch_size, epochs=3, verbose=0
        )
        return history.history, model.get_weights()

    first, second = run(), run()
    assert first[0] == second[0]
    for a, b in zip(first[1], second[1], strict=True):
        np.testing.assert_array_equal(a, b)
