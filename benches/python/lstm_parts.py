"""Where the LSTM benchmark model's step goes in rkeras: the fused
recurrence alone (forward, and forward plus backward) at the benchmark's
shapes (batch 64, 100 steps, 64 features, 64 units), and one
`train_on_batch` of the whole model.

    python benches/python/lstm_parts.py

Prints the lower-quartile time of 30 runs for each, in milliseconds.
"""

import numpy as np
from throughput import quartile_ms

import rkeras as keras
from rkeras import _core, ops

B, T, F, U = 64, 100, 64, 64


def main():
    rng = np.random.default_rng(0)
    x = ops.convert_to_tensor(rng.standard_normal((B, T, F)).astype("float32") * 0.1)
    kernel = keras.Variable(rng.standard_normal((F, 4 * U)).astype("float32") * 0.1)
    recurrent = keras.Variable(rng.standard_normal((U, 4 * U)).astype("float32") * 0.1)
    bias = keras.Variable(np.zeros(4 * U, "float32"))
    states = [ops.zeros((B, U)), ops.zeros((B, U))]

    def forward():
        return _core.recurrence("lstm", x, states, kernel, recurrent, bias, None)

    def forward_backward():
        with keras.GradientTape() as tape:
            tape.watch(x)
            _, finals = forward()
            loss = ops.sum(finals[0])
        return tape.gradient(loss, [x, kernel, recurrent, bias])

    model = keras.Sequential(
        [
            keras.Input((T,), dtype="int32"),
            keras.layers.Embedding(10_000, F),
            keras.layers.LSTM(U),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    tokens = rng.integers(1, 10_000, size=(B, T)).astype("int32")
    labels = rng.integers(0, 2, B).astype("float32")
    print(f"recurrence forward:            {quartile_ms(forward):.2f} ms")
    print(f"recurrence forward + backward: {quartile_ms(forward_backward):.2f} ms")
    step = quartile_ms(lambda: model.train_on_batch(tokens, labels))
    print(f"train_on_batch:                {step:.2f} ms")


if __name__ == "__main__":
    main()
