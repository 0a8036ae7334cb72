"""Saving and loading: `.weights.h5` files in Keras 3's layout and reading
`.keras` model files."""

from rkeras.saving.keras_file import load_model
from rkeras.saving.keras_writer import save_model
from rkeras.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from rkeras.saving.serialization import deserialize_keras_object, serialize_keras_object
from rkeras.saving.weights_h5 import load_weights, save_weights

__all__ = [
    "CustomObjectScope",
    "deserialize_keras_object",
    "serialize_keras_object",
    "custom_object_scope",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
]
