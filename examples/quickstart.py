"""rkeras quickstart: tensors, ops, gradients and a hand-written training loop.

Fits a softmax regression on synthetic data with
`rkeras.GradientTape`, the way a Keras user writes a custom training loop.
Run: python examples/quickstart.py
"""

import numpy as np

import rkeras
from rkeras import ops


def make_blobs(n_per_class, n_classes, n_features, seed):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4.0, size=(n_classes, n_features))
    x = np.concatenate([c + rng.normal(size=(n_per_class, n_features)) for c in centers])
    y = np.repeat(np.arange(n_classes), n_per_class)
    order = rng.permutation(len(y))
    return x[order].astype("float32"), y[order]


def main():
    rkeras.utils.set_random_seed(0)
    print("device:", rkeras.config.get_device())

    # The README's example: a gradient through softmax and matmul.
    x = ops.convert_to_tensor(np.random.rand(4, 5).astype("float32"))
    w = rkeras.Variable(np.random.rand(5, 3).astype("float32"))
    with rkeras.GradientTape() as tape:
        y = ops.sum(ops.softmax(ops.matmul(x, w), axis=-1) ** 2)
    print("d y / d w has shape", np.asarray(tape.gradient(y, w)).shape)

    # Softmax regression trained with plain gradient descent.
    features, labels = make_blobs(200, 4, 8, seed=1)
    targets = ops.one_hot(labels, 4)
    inputs = ops.convert_to_tensor(features)
    kernel = rkeras.Variable(rkeras.random.normal((8, 4), stddev=0.1, seed=2))
    bias = rkeras.Variable(np.zeros(4, "float32"))
    learning_rate = 0.1
    for step in range(101):
        with rkeras.GradientTape() as tape:
            logits = inputs @ kernel + bias
            loss = -ops.mean(ops.sum(targets * ops.log_softmax(logits), axis=-1))
        grad_kernel, grad_bias = tape.gradient(loss, [kernel, bias])
        kernel.assign_sub(grad_kernel * learning_rate)
        bias.assign_sub(grad_bias * learning_rate)
        if step % 25 == 0:
            accuracy = ops.mean(ops.cast(ops.argmax(logits, axis=-1) == labels, "float32"))
            print(f"step {step:3d}  loss {float(loss):.4f}  accuracy {float(accuracy):.3f}")


if __name__ == "__main__":
    main()
