"""Models, as `keras.models`."""

from rkeras.models.functional import Functional
from rkeras.models.model import Model
from rkeras.models.sequential import Sequential
from rkeras.saving.keras_file import load_model


def model_from_json(json_string, custom_objects=None):
    """A model (new weights) from `model.to_json()` output."""
    import json

    from rkeras.saving.keras_file import deserialize_model

    return deserialize_model(json.loads(json_string), custom_objects or {})


def clone_model(model, input_tensors=None, clone_function=None):
    """A copy of a Sequential or Functional model with new, freshly
    initialized weights (as Keras's `clone_model`)."""
    if input_tensors is not None or clone_function is not None:
        raise NotImplementedError("clone_model with input_tensors or clone_function")
    return model_from_json(model.to_json())
