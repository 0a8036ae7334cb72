"""rkeras: Keras 3 with a Rust engine.

Write ``import rkeras as keras`` and use the Keras API; tensors, kernels and
autograd run in Rust (CPU SIMD kernels, wgpu GPU kernels).
"""

from rkeras import config, ops, random, utils
from rkeras._core import Tensor, Variable
from rkeras.config import device
from rkeras.gradient_tape import GradientTape

__version__ = "0.1.0"

__all__ = [
    "GradientTape",
    "Tensor",
    "Variable",
    "config",
    "device",
    "ops",
    "random",
    "utils",
]
