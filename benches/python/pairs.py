"""Alternates rkeras and Keras 3 (JAX) runs of one training benchmark and
reports each back-to-back pair's samples/s ratio and their median.

    python benches/python/pairs.py --rounds 6 train_cnn_lstm.py --model lstm
    python benches/python/pairs.py --rounds 4 train_mlp.py --batch-size 32
    python benches/python/pairs.py --python-torch ../torch-venv/bin/python \
        --rounds 4 train_mlp.py --batch-size 32

On a shared VM whose speed drifts by tens of percent within minutes, one
pair says little; the median of several interleaved pairs is the number
the README reports. Each run is its own process, rkeras first in odd
rounds and Keras first in even ones, so neither always runs in the
other's wake. With `--python-torch` (PyTorch lives in its own venv, never
in CI's), each round also runs the PyTorch loop last and reports the
rkeras/PyTorch ratios too.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(script, args, framework, python=sys.executable):
    cmd = [python, os.path.join(HERE, script), *args, "--framework", framework]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--python-torch", help="a Python with PyTorch installed")
    parser.add_argument("script", help="train_cnn_lstm.py or train_mlp.py")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    opts = parser.parse_args()
    ratios, torch_ratios = [], []
    for round_ in range(opts.rounds):
        order = ["rkeras", "keras-jax"] if round_ % 2 == 0 else ["keras-jax", "rkeras"]
        result = {fw: run(opts.script, opts.args, fw) for fw in order}
        ours, theirs = result["rkeras"], result["keras-jax"]
        ratio = ours["samples_per_s"] / theirs["samples_per_s"]
        ratios.append(ratio)
        print(
            f"pair {round_ + 1}: rkeras {ours['samples_per_s']:,.0f} / keras-jax "
            f"{theirs['samples_per_s']:,.0f} samples/s = {ratio:.2f}x "
            f"(first epoch {ours['first_epoch_s']:.2f} vs {theirs['first_epoch_s']:.2f} s, "
            f"peak RSS {ours['peak_rss_mb']:.0f} vs {theirs['peak_rss_mb']:.0f} MB)",
            flush=True,
        )
        if opts.python_torch:
            torch = run(opts.script, opts.args, "torch", opts.python_torch)
            torch_ratios.append(ours["samples_per_s"] / torch["samples_per_s"])
            print(
                f"  torch {torch['samples_per_s']:,.0f} samples/s: rkeras "
                f"{torch_ratios[-1]:.2f}x (first epoch {torch['first_epoch_s']:.2f} s, "
                f"peak RSS {torch['peak_rss_mb']:.0f} MB)",
                flush=True,
            )
    print(f"median ratio over {len(ratios)} pairs: {statistics.median(ratios):.2f}x")
    if torch_ratios:
        print(f"median ratio against PyTorch: {statistics.median(torch_ratios):.2f}x")


if __name__ == "__main__":
    main()
