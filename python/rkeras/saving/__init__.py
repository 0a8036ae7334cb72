"""Saving and loading: `.weights.h5` files in Keras 3's layout and reading
`.keras` model files."""

from rkeras.saving.keras_file import load_model
from rkeras.saving.keras_writer import save_model
from rkeras.saving.weights_h5 import load_weights, save_weights

__all__ = ["load_model", "load_weights", "save_model", "save_weights"]
