"""What the training-throughput benchmarks share: running one framework's
epochs and summarizing them, and timing one call."""

import os
import resource
import time


def epoch_times(framework, keras_times, torch_times):
    """Epoch times in `framework`: `keras_times(module)` runs the Keras code
    on rkeras or on Keras 3 with JAX; `torch_times()` the PyTorch loop."""
    if framework == "rkeras":
        import rkeras

        return keras_times(rkeras)
    if framework == "keras-jax":
        os.environ["KERAS_BACKEND"] = "jax"
        import keras

        return keras_times(keras)
    return torch_times()


def summary(times, samples, **fields):
    """Steady-state samples/s (the median epoch after the first, which
    includes any compilation), the first epoch's time and peak RSS."""
    steady = sorted(times[1:])[len(times[1:]) // 2]
    return {
        **fields,
        "samples_per_s": samples / steady,
        "first_epoch_s": times[0],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def quartile_ms(fn, runs=30):
    """The lower-quartile time of `runs` calls of `fn`, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[runs // 4] * 1e3
