"""rkeras: Keras 3 with a Rust engine.

Write ``import rkeras as keras`` and use the Keras API; tensors, kernels and
autograd run in Rust (CPU SIMD kernels, wgpu GPU kernels).
"""

from rkeras import (
    activations,
    callbacks,
    config,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from rkeras._core import Tensor
from rkeras.backend.keras_tensor import KerasTensor
from rkeras.backend.variable import Variable
from rkeras.config import device
from rkeras.gradient_tape import GradientTape
from rkeras.layers import Input, Layer
from rkeras.models import Model, Sequential

__version__ = "0.1.0"
