"""Saving and loading: `.weights.h5` files in Keras 3's layout."""

from rkeras.saving.weights_h5 import load_weights, save_weights

__all__ = ["load_weights", "save_weights"]
