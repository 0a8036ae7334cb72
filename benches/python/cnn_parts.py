"""Where the CNN benchmark model's step goes in rkeras: each layer's
forward, and forward plus backward (input and weight gradients), at the
benchmark's shapes (batch 64, 28x28x1), and one `train_on_batch` of the
whole model.

    python benches/python/cnn_parts.py

Prints the lower-quartile time of 30 runs for each, in milliseconds.
"""

import numpy as np
from throughput import quartile_ms

import rkeras as keras
from rkeras import layers, ops

BATCH = 64


def main():
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, BATCH).astype("int32")
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.train_on_batch(x, y)
    h = ops.convert_to_tensor(x)
    for layer in model.layers:

        def forward_backward(layer=layer, inputs=h):
            with keras.GradientTape() as tape:
                tape.watch(inputs)
                loss = ops.sum(layer(inputs, training=True))
            return tape.gradient(loss, [inputs, *layer.trainable_weights])

        forward = quartile_ms(lambda layer=layer, inputs=h: layer(inputs, training=True))
        print(
            f"{layer.name:16s} forward {forward:6.2f} ms   "
            f"forward + backward {quartile_ms(forward_backward):6.2f} ms"
        )
        h = layer(h)
    step = quartile_ms(lambda: model.train_on_batch(x, y))
    print(f"train_on_batch   {step:.2f} ms")


if __name__ == "__main__":
    main()
