"""BackupAndRestore: an interrupted fit resumes with identical results."""

import numpy as np
import pytest

import rkeras as keras

rng = np.random.default_rng(5)
X = rng.normal(size=(96, 6)).astype("float32")
Y = (X[:, 0] > 0).astype("int32")


def build():
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Interrupt(keras.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise KeyboardInterrupt("simulated crash")


def test_interrupted_fit_resumes_identically(tmp_path):
    keras.utils.set_random_seed(1)
    reference = build()
    full = reference.fit(X, Y, epochs=5, batch_size=16, verbose=0)

    keras.utils.set_random_seed(1)
    model = build()
    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup")
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, epochs=5, batch_size=16, verbose=0, callbacks=[backup, Interrupt(2)])
    assert (tmp_path / "backup" / "latest.weights.h5").exists()

    # A fresh process would rebuild the model and call fit again.
    keras.utils.set_random_seed(99)
    resumed = build()
    history = resumed.fit(
        X,
        Y,
        epochs=5,
        batch_size=16,
        verbose=0,
        callbacks=[keras.callbacks.BackupAndRestore(tmp_path / "backup")],
    )
    assert history.epoch == [3, 4]
    np.testing.assert_allclose(history.history["loss"], full.history["loss"][3:], rtol=1e-6)
    for a, b in zip(resumed.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not (tmp_path / "backup").exists()
