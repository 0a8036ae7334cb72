"""ModelCheckpoint with `.weights.h5` targets."""

import numpy as np
import pytest

import rkeras as keras

rng = np.random.default_rng(0)
X = rng.normal(size=(64, 4)).astype("float32")
Y = (X @ rng.normal(size=(4, 1))).astype("float32")


def model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    m.compile(keras.optimizers.SGD(0.05), "mse")
    return m


def test_saves_every_epoch_with_formatted_names(tmp_path):
    m = model()
    pattern = str(tmp_path / "w.{epoch:02d}-{loss:.3f}.weights.h5")
    history = m.fit(
        X,
        Y,
        epochs=3,
        verbose=0,
        callbacks=[keras.callbacks.ModelCheckpoint(pattern, save_weights_only=True)],
    )
    files = sorted(p.name for p in tmp_path.iterdir())
    expected = [
        f"w.{e + 1:02d}-{loss:.3f}.weights.h5" for e, loss in enumerate(history.history["loss"])
    ]
    assert files == expected
    fresh = model()
    fresh.load_weights(tmp_path / expected[-1])
    for a, b in zip(fresh.get_weights(), m.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_save_best_only_keeps_the_best_epoch(tmp_path):
    m = model()
    path = tmp_path / "best.weights.h5"
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((logs["val_loss"], [w.copy() for w in self.model.get_weights()]))

    m.fit(
        X,
        Y,
        validation_split=0.25,
        epochs=5,
        verbose=0,
        callbacks=[
            Record(),
            keras.callbacks.ModelCheckpoint(path, save_best_only=True, save_weights_only=True),
        ],
    )
    best = min(seen, key=lambda s: s[0])[1]
    fresh = model()
    fresh.load_weights(path)
    for a, b in zip(fresh.get_weights(), best, strict=True):
        np.testing.assert_array_equal(a, b)


def test_paths_are_checked():
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        keras.callbacks.ModelCheckpoint("w.h5", save_weights_only=True)
    with pytest.raises(ValueError, match="must end in `.keras`"):
        keras.callbacks.ModelCheckpoint("m.weights.h5x")


def test_whole_model_checkpoints_load_back(tmp_path):
    m = model()
    path = tmp_path / "best.keras"
    m.fit(
        X,
        Y,
        validation_split=0.25,
        epochs=3,
        verbose=0,
        callbacks=[keras.callbacks.ModelCheckpoint(path, save_best_only=True)],
    )
    best = keras.models.load_model(path)
    assert isinstance(best.optimizer, keras.optimizers.SGD)
    assert best.predict(X, verbose=0).shape == (64, 1)
