"""A Functional model with two inputs and two outputs, trained on
synthetic data: a price regression and a category classification from
tabular features plus a short text-like bag of words.

Run: python examples/functional_multi_input.py
"""

import numpy as np

import rkeras as keras
from rkeras import layers


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    tabular = rng.normal(size=(n, 6)).astype("float32")
    words = rng.poisson(0.3, size=(n, 20)).astype("float32")
    price = tabular[:, :2].sum(1, keepdims=True) + 0.5 * words[:, :3].sum(1, keepdims=True)
    category = (tabular[:, 2] > 0).astype("int32") + (words[:, 5] > 0).astype("int32")
    return {"tabular": tabular, "words": words}, {
        "price": price.astype("float32"),
        "category": category,
    }


def build():
    tabular = keras.Input((6,), name="tabular")
    words = keras.Input((20,), name="words")
    t = layers.Dense(32, activation="relu")(tabular)
    w = layers.Dense(16, activation="relu")(words)
    merged = layers.Concatenate()([t, w])
    merged = layers.BatchNormalization()(merged)
    hidden = layers.Dense(32, activation="relu")(merged)
    hidden = layers.Dropout(0.1)(hidden) + layers.Dense(32)(merged)  # a residual connection
    price = layers.Dense(1, name="price")(hidden)
    category = layers.Dense(3, activation="softmax", name="category")(hidden)
    return keras.Model(
        inputs=[tabular, words], outputs={"price": price, "category": category}, name="shop"
    )


def main():
    keras.utils.set_random_seed(0)
    x, y = make_data(2000)
    model = build()
    model.summary()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss={"price": "mse", "category": "sparse_categorical_crossentropy"},
        loss_weights={"price": 1.0, "category": 0.5},
        metrics={"price": ["mae"], "category": ["accuracy"]},
    )
    model.fit(
        [x["tabular"], x["words"]], y, epochs=10, batch_size=64, validation_split=0.2, verbose=2
    )
    x_test, y_test = make_data(500, seed=1)
    results = model.evaluate(
        [x_test["tabular"], x_test["words"]], y_test, return_dict=True, verbose=0
    )
    print({k: round(v, 4) for k, v in results.items()})


if __name__ == "__main__":
    main()
