"""One MultiHeadAttention step (8 heads of 16, causal self-attention on a
(32, 64, 128) batch): forward, and forward plus the gradients of the
weights, in rkeras (eager) or in Keras 3 on JAX (jit-compiled).

    python benches/python/mha_step.py               # rkeras, on the CPU
    KERAS_BACKEND=jax JAX_PLATFORMS=cpu python benches/python/mha_step.py --keras

Prints the mean milliseconds of each over 20 runs after a warm-up.
"""

import argparse
import time

import numpy as np

SHAPE, HEADS, KEY_DIM, RUNS = (32, 64, 128), 8, 16, 20


def timed(fn):
    fn()
    start = time.perf_counter()
    for _ in range(RUNS):
        fn()
    return (time.perf_counter() - start) / RUNS * 1e3


def rkeras_step(x):
    import rkeras
    from rkeras import layers, ops

    layer = layers.MultiHeadAttention(HEADS, KEY_DIM)
    xt = ops.convert_to_tensor(x)
    layer(xt, xt)

    def forward():
        return layer(xt, xt, use_causal_mask=True).numpy()

    def backward():
        with rkeras.GradientTape() as tape:
            y = layer(xt, xt, use_causal_mask=True)
            loss = ops.sum(y * y)
        return [g.numpy() for g in tape.gradient(loss, layer.trainable_weights)]

    return timed(forward), timed(backward)


def keras_jax_step(x):
    import jax
    import jax.numpy as jnp
    import keras

    layer = keras.layers.MultiHeadAttention(HEADS, KEY_DIM)
    layer(x, x)
    weights = [v.value for v in layer.trainable_variables]

    def loss(ws):
        y, _ = layer.stateless_call(ws, [], x, x, use_causal_mask=True)
        return jnp.sum(y * y)

    forward, backward = jax.jit(loss), jax.jit(jax.grad(loss))
    return (
        timed(lambda: forward(weights).block_until_ready()),
        timed(lambda: [g.block_until_ready() for g in backward(weights)]),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras", action="store_true", help="time Keras 3 on JAX instead")
    args = parser.parse_args()
    x = np.random.default_rng(0).standard_normal(SHAPE).astype("float32")
    fwd, fwd_bwd = (keras_jax_step if args.keras else rkeras_step)(x)
    print(f"forward {fwd:.1f} ms, forward + backward {fwd_bwd:.1f} ms")
