"""A small image CNN, written as for Keras, on scikit-learn's bundled 8x8
handwritten digits (no download needed): two convolution blocks, pooling,
and a softmax classifier.

Run: python examples/image_cnn.py
"""

import numpy as np
from sklearn.datasets import load_digits

import rkeras as keras
from rkeras import layers


def load_data(seed=7):
    digits = load_digits()
    x = digits.images.astype("float32")[..., None] / 16.0  # (n, 8, 8, 1) in [0, 1]
    y = digits.target.astype("int32")
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    return (x[:1400], y[:1400]), (x[1400:], y[1400:])


def main():
    keras.utils.set_random_seed(7)
    (x_train, y_train), (x_test, y_test) = load_data()
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.2),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.summary()
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, batch_size=64, epochs=12, validation_split=0.1, verbose=2)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss {test_loss:.4f}, test accuracy {test_acc:.4f}")


if __name__ == "__main__":
    main()
