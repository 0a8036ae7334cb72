"""An LSTM text classifier, written as for Keras: variable-length token
sequences, padded with 0 and masked (`mask_zero=True`), are classified by
whether they mention a "negation" token before a "positive" one -- a
task that needs word order, so a bag of words cannot solve it.

Run: python examples/lstm_text_classifier.py
"""

import numpy as np

import rkeras as keras
from rkeras import layers

VOCAB, MAX_LEN = 50, 20
NEGATION, POSITIVE = 1, 2


def make_texts(n, rng):
    """Random texts; each holds one positive token and, half the time, a
    negation token that comes before it (label 0) or after it (label 1)."""
    x = np.zeros((n, MAX_LEN), "int32")
    y = np.zeros((n,), "float32")
    for i in range(n):
        length = rng.integers(6, MAX_LEN + 1)
        words = rng.integers(3, VOCAB, size=length)
        a, b = sorted(rng.choice(length, size=2, replace=False))
        negated_first = rng.random() < 0.5
        words[a], words[b] = (NEGATION, POSITIVE) if negated_first else (POSITIVE, NEGATION)
        y[i] = 0.0 if negated_first else 1.0
        x[i, :length] = words
    return x, y


def main():
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x_train, y_train = make_texts(3000, rng)
    x_test, y_test = make_texts(500, rng)
    model = keras.Sequential(
        [
            keras.Input((MAX_LEN,), dtype="int32"),
            layers.Embedding(VOCAB, 16, mask_zero=True),
            layers.LSTM(32),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.summary()
    model.compile(
        optimizer=keras.optimizers.Adam(5e-3), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(x_train, y_train, batch_size=64, epochs=8, validation_split=0.1, verbose=2)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss {test_loss:.4f}, test accuracy {test_acc:.4f}")


if __name__ == "__main__":
    main()
