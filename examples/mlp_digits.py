"""The classic Keras MLP, unchanged but for the import, on scikit-learn's
bundled handwritten digits (8x8 images; no download needed).

Run: python examples/mlp_digits.py
"""

import numpy as np
from sklearn.datasets import load_digits

import rkeras as keras


def load_data(seed=42):
    digits = load_digits()
    x = digits.images.astype("float32")
    y = digits.target.astype("int32")
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    # Standardize with the training split's statistics.
    x = (x - x[:1200].mean()) / x[:1200].std()
    return (x[:1200], y[:1200]), (x[1200:1450], y[1200:1450]), (x[1450:], y[1450:])


def main():
    keras.utils.set_random_seed(42)
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_data()
    model = keras.Sequential(
        [
            keras.layers.Flatten(input_shape=[8, 8]),
            keras.layers.Dense(300, activation="relu"),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.summary()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=30, validation_data=(x_valid, y_valid))
    test_loss, test_acc = model.evaluate(x_test, y_test)
    y_pred = model.predict(x_test)
    print(f"test loss {test_loss:.4f}, test accuracy {test_acc:.4f}")
    print("first predictions:", y_pred[:5].argmax(axis=1), "true:", y_test[:5])
    print("final epoch:", {k: round(v[-1], 4) for k, v in history.history.items()})


if __name__ == "__main__":
    main()
