"""The everyday Keras workflow: train with EarlyStopping and ModelCheckpoint,
reload the best model, evaluate it, and look at the History with pandas.

Run: python examples/early_stopping_checkpoint.py
(matplotlib is optional: without it the plot is skipped with a message.)
"""

import os
import tempfile

import numpy as np
from sklearn.datasets import load_digits

import rkeras as keras


def main():
    keras.utils.set_random_seed(7)
    digits = load_digits()
    x = digits.images.astype("float32")
    x = (x - x.mean()) / x.std()
    y = digits.target
    order = np.random.permutation(len(y))
    x, y = x[order], y[order]
    x_train, y_train, x_test, y_test = x[:1500], y[:1500], x[1500:], y[1500:]

    model = keras.Sequential(
        [
            keras.layers.Flatten(input_shape=[8, 8]),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    workdir = tempfile.mkdtemp(prefix="rkeras_")
    best_path = os.path.join(workdir, "best.keras")
    callbacks = [
        keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(best_path, save_best_only=True),
    ]
    history = model.fit(
        x_train, y_train, validation_split=0.2, epochs=100, callbacks=callbacks, verbose=2
    )

    best = keras.models.load_model(best_path)
    test_loss, test_acc = best.evaluate(x_test, y_test, verbose=0)
    print(
        f"stopped after {len(history.epoch)} epochs; best model: test loss {test_loss:.4f}, "
        f"test accuracy {test_acc:.4f}"
    )

    import pandas as pd

    frame = pd.DataFrame(history.history)
    print(frame.tail())
    try:
        import matplotlib

        matplotlib.use("Agg")
        axes = frame.plot(figsize=(8, 5), grid=True, xlabel="Epoch")
        path = os.path.join(workdir, "history.png")
        axes.figure.savefig(path)
        print("learning curves saved to", path)
    except ImportError:
        print("matplotlib is not installed: skipping the plot of the learning curves")


if __name__ == "__main__":
    main()
