"""Choosing the device: RKERAS_DEVICE, config.set_device, scopes, and the
error when no GPU adapter exists. Each case runs in a fresh interpreter,
since the default device is fixed at first use."""

import os
import subprocess
import sys
import textwrap


def run(code, **env):
    full_env = {**os.environ, **env}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result


def test_rkeras_device_env_selects_the_gpu():
    result = run(
        """
        import rkeras
        x = rkeras.ops.ones((3,))
        print(rkeras.config.get_device(), x.device, float(rkeras.ops.sum(x * 2)))
    """,
        RKERAS_DEVICE="gpu",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["gpu:0", "gpu:0", "6.0"]


def test_software_gpu_is_not_the_default_and_set_device_switches():
    result = run("""
        import rkeras
        print(rkeras.config.get_device())
        rkeras.config.set_device("gpu")
        print(rkeras.ops.ones((2,)).device)
        with rkeras.device("cpu"):
            print(rkeras.ops.ones((2,)).device)
        print(rkeras.ops.ones((2,)).device)
    """)
    assert result.returncode == 0, result.stderr
    # lavapipe is a CPU emulation: slower than the CPU backend, never the default.
    assert result.stdout.split() == ["cpu", "gpu:0", "cpu", "gpu:0"]


def test_no_adapter_gives_a_clear_error():
    result = run(
        """
        import rkeras
        try:
            rkeras.config.set_device("gpu")
        except RuntimeError as e:
            print("RuntimeError:", e)
        print(rkeras.config.get_device())
    """,
        VK_DRIVER_FILES="/nonexistent.json",
        VK_ICD_FILENAMES="/nonexistent.json",
    )
    assert result.returncode == 0, result.stderr
    assert "RuntimeError: No GPU adapter found for gpu:0" in result.stdout
    assert "mesa-vulkan-drivers" in result.stdout
    assert result.stdout.split()[-1] == "cpu"


def test_unknown_device_name():
    result = run("""
        import rkeras
        try:
            rkeras.config.set_device("tpu")
        except ValueError as e:
            print(e)
    """)
    assert "Unknown device 'tpu'" in result.stdout
