"""Training throughput of issue 5's two reference models in rkeras, Keras 3
(JAX backend) and PyTorch, each in its own process:

- cnn: 28x28x1 -> Conv2D 32 3x3 relu -> MaxPool 2 -> Conv2D 64 3x3 relu ->
  MaxPool 2 -> Flatten -> Dense 128 relu -> Dense 10 softmax; Adam, batch 64.
- lstm: Embedding 10000x64 -> LSTM 64 -> Dense 1 sigmoid, sequences of 100
  tokens; Adam, binary cross-entropy, batch 64.

    python benches/python/train_cnn_lstm.py --model cnn --all \\
        --python-keras /path/to/keras-venv/bin/python \\
        --python-torch /path/to/torch-venv/bin/python

Reports steady-state samples/s (the median epoch after the first, which
includes compilation) and peak RSS. Data are random, nothing is downloaded.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from throughput import epoch_times, summary

SAMPLES = {"cnn": 6400, "lstm": 3200}
BATCH = 64


def data(model):
    rng = np.random.default_rng(0)
    n = SAMPLES[model]
    if model == "cnn":
        return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, n).astype("int32")
    x = rng.integers(1, 10_000, size=(n, 100)).astype("int32")
    return x, rng.integers(0, 2, n).astype("float32")


def keras_model(keras, model):
    layers = keras.layers
    if model == "cnn":
        net = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                layers.Conv2D(32, (3, 3), activation="relu"),
                layers.MaxPooling2D(pool_size=(2, 2)),
                layers.Conv2D(64, (3, 3), activation="relu"),
                layers.MaxPooling2D(pool_size=(2, 2)),
                layers.Flatten(),
                layers.Dense(128, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ]
        )
        net.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    else:
        net = keras.Sequential(
            [
                keras.Input((100,), dtype="int32"),
                layers.Embedding(10_000, 64),
                layers.LSTM(64),
                layers.Dense(1, activation="sigmoid"),
            ]
        )
        net.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return net


def keras_times(keras, model, epochs):
    x, y = data(model)
    net = keras_model(keras, model)
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    net.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[Timer()])
    return times


def torch_times(model, epochs):
    import torch
    from torch import nn

    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count())
    x, y = data(model)
    if model == "cnn":
        x = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
        y = torch.from_numpy(y.astype("int64"))
        net = nn.Sequential(
            nn.Conv2d(1, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 5 * 5, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
        )
        loss_fn = nn.CrossEntropyLoss()
    else:

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(10_000, 64)
                self.lstm = nn.LSTM(64, 64, batch_first=True)
                self.head = nn.Linear(64, 1)

            def forward(self, tokens):
                _, (h, _) = self.lstm(self.embedding(tokens))
                return self.head(h[-1]).squeeze(-1)

        x, y = torch.from_numpy(x.astype("int64")), torch.from_numpy(y)
        net = Classifier()
        loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    n = SAMPLES[model]
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n)
        for i in range(0, n, BATCH):
            idx = order[i : i + BATCH]
            loss = loss_fn(net(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return times


def run_one(framework, model, epochs):
    times = epoch_times(
        framework,
        lambda keras: keras_times(keras, model, epochs),
        lambda: torch_times(model, epochs),
    )
    return summary(times, SAMPLES[model], framework=framework, model=model)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["cnn", "lstm"], required=True)
    parser.add_argument("--framework", choices=["rkeras", "keras-jax", "torch"])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--python-keras", default=sys.executable)
    parser.add_argument("--python-torch", default=sys.executable)
    args = parser.parse_args()
    if not args.all:
        print(json.dumps(run_one(args.framework or "rkeras", args.model, args.epochs)))
        return
    pythons = {"rkeras": sys.executable, "keras-jax": args.python_keras, "torch": args.python_torch}
    for framework, python in pythons.items():
        cmd = [
            python,
            __file__,
            "--model",
            args.model,
            "--framework",
            framework,
            "--epochs",
            str(args.epochs),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        print(out.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
