"""A custom training loop with `GradientTape`, as Keras users write it with
TensorFlow: forward pass, loss, gradients, `apply_gradients`, metrics.

Run: python examples/custom_training_loop.py
"""

import numpy as np

import rkeras as keras
from rkeras import layers


def main():
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2048, 10)).astype("float32")
    y = (x[:, :3].sum(1) > 0).astype("int32") + (x[:, 3] > 1).astype("int32")

    model = keras.Sequential(
        [layers.Input((10,)), layers.Dense(32, activation="relu"), layers.Dense(3)]
    )
    optimizer = keras.optimizers.Adam(learning_rate=3e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    accuracy = keras.metrics.SparseCategoricalAccuracy()
    batch_size = 64

    for epoch in range(5):
        accuracy.reset_state()
        order = np.random.permutation(len(x))
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            with keras.GradientTape() as tape:
                logits = model(x[idx], training=True)
                loss = loss_fn(y[idx], logits)
            grads = tape.gradient(loss, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
            accuracy.update_state(y[idx], logits)
        print(f"epoch {epoch + 1}: loss {float(loss):.4f}  accuracy {float(accuracy.result()):.4f}")


if __name__ == "__main__":
    main()
