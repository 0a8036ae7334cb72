"""Training throughput of the classic MLP (784-300-100-10, SGD) in rkeras,
Keras 3 (JAX backend) and PyTorch, each in its own process.

    python benches/python/train_mlp.py --framework rkeras --batch-size 32
    python benches/python/train_mlp.py --all --python-keras /path/to/keras-venv/bin/python \\
        --python-torch /path/to/torch-venv/bin/python

Reports steady-state samples/s (epochs after the first), the first epoch's
time (includes any compilation) and peak RSS. Data are random MNIST-shaped
arrays, so nothing is downloaded.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from throughput import epoch_times, summary

SAMPLES = 12_000


def data():
    rng = np.random.default_rng(0)
    x = rng.random((SAMPLES, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, SAMPLES).astype("int32")
    return x, y


def keras_like(keras, batch_size, epochs):
    x, y = data()
    model = keras.Sequential(
        [
            keras.layers.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(300, activation="relu"),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[Timer()])
    return times


def torch_loop(batch_size, epochs):
    import torch

    torch.manual_seed(0)
    x, y = data()
    x, y = torch.from_numpy(x), torch.from_numpy(y.astype("int64"))
    model = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(784, 300),
        torch.nn.ReLU(),
        torch.nn.Linear(300, 100),
        torch.nn.ReLU(),
        torch.nn.Linear(100, 10),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(SAMPLES)
        correct = 0
        for i in range(0, SAMPLES, batch_size):
            idx = order[i : i + batch_size]
            logits = model(x[idx])
            loss = loss_fn(logits, y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            correct += (logits.argmax(1) == y[idx]).sum().item()
        times.append(time.perf_counter() - start)
    return times


def run_one(framework, batch_size, epochs):
    times = epoch_times(
        framework,
        lambda keras: keras_like(keras, batch_size, epochs),
        lambda: torch_loop(batch_size, epochs),
    )
    return summary(times, SAMPLES, framework=framework, batch_size=batch_size)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--framework", choices=["rkeras", "keras-jax", "torch"])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--python-keras", default=sys.executable)
    parser.add_argument("--python-torch", default=sys.executable)
    args = parser.parse_args()
    if not args.all:
        print(json.dumps(run_one(args.framework, args.batch_size, args.epochs)))
        return
    pythons = {"rkeras": sys.executable, "keras-jax": args.python_keras, "torch": args.python_torch}
    print(f"{'framework':>10} {'batch':>5} {'samples/s':>10} {'1st epoch s':>11} {'RSS MB':>7}")
    for batch_size in (32, 256):
        for framework, python in pythons.items():
            out = subprocess.run(
                [
                    python,
                    __file__,
                    "--framework",
                    framework,
                    "--batch-size",
                    str(batch_size),
                    "--epochs",
                    str(args.epochs),
                ],
                capture_output=True,
                text=True,
                env={**os.environ, "RKERAS_DEVICE": "cpu"},
            )
            if out.returncode != 0:
                print(f"{framework:>10} {batch_size:>5} failed: {out.stderr.strip()[-300:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{framework:>10} {batch_size:>5} {r['samples_per_s']:>10.0f} "
                f"{r['first_epoch_s']:>11.2f} {r['peak_rss_mb']:>7.0f}"
            )


if __name__ == "__main__":
    main()
