"""Every example runs to the end and reaches its stated result."""

import pathlib
import re
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).parent.parent.parent / "examples"


def run(name):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_mlp_digits_reaches_95_percent():
    out = run("mlp_digits.py")
    accuracy = float(re.search(r"test accuracy (\d\.\d+)", out).group(1))
    assert accuracy >= 0.95


@pytest.mark.parametrize(
    "name",
    [
        "quickstart.py",
        "functional_multi_input.py",
        "custom_layer.py",
        "custom_training_loop.py",
        "early_stopping_checkpoint.py",
    ],
)
def test_example_runs(name):
    out = run(name)
    assert out.strip()


def test_custom_layer_example_learns_the_circle():
    out = run("custom_layer.py")
    final = re.findall(r"accuracy: (\d\.\d+)", out)[-1]
    assert float(final) > 0.9


@pytest.mark.parametrize("name,floor", [("image_cnn.py", 0.95), ("lstm_text_classifier.py", 0.9)])
def test_cnn_and_lstm_examples_learn(name, floor):
    out = run(name)
    accuracy = float(re.search(r"test accuracy (\d\.\d+)", out).group(1))
    assert accuracy >= floor
