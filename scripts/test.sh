#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, builds, and
# runs the Rust and Python test suites. CI runs this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# Mesa's lavapipe gives wgpu a software Vulkan adapter, so every GPU kernel
# is tested on machines without a GPU.
if ! dpkg -s mesa-vulkan-drivers >/dev/null 2>&1; then
    sudo_if_needed=""
    [ "$(id -u)" -ne 0 ] && sudo_if_needed="sudo"
    $sudo_if_needed apt-get update -qq
    $sudo_if_needed apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
fi

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
# keras + jax: the round-trip tests load rkeras files in real Keras 3 and back.
.venv/bin/pip install -q "maturin>=1.5,<2" numpy pytest ruff h5py scikit-learn keras jax tensorboard pandas

cargo test --all-targets
# Release build: the Python suite trains real models.
VIRTUAL_ENV="$PWD/.venv" .venv/bin/maturin develop --release --quiet
.venv/bin/python -m pytest -q
