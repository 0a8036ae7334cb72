"""`Model`: a layer with training (`compile`/`fit`/...), summary and lookup."""

from rkeras.layers.layer import Layer
from rkeras.trainers.trainer import Trainer


class Model(Trainer, Layer):
    """A layer with training and inference features.

    Build one in three ways, as in Keras:

    - Functional: `Model(inputs, outputs)` from `keras.Input` tensors.
    - Sequential: `keras.Sequential([...])`.
    - Subclassing: define layers in `__init__` and the forward pass in
      `call(inputs, training=None)`.

    Args:
        inputs, outputs: for the functional form.
        name: the model name.
        trainable: whether the weights are trainable.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs):
            from rkeras.models.functional import Functional

            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args, trainable=True, name=None, dtype=None, **kwargs):
        if args or "inputs" in kwargs:
            raise TypeError(
                "Model(inputs, outputs) makes a functional model; subclassed models call "
                "`super().__init__()` without inputs."
            )
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        Trainer.__init__(self)

    @property
    def layers(self):
        """The model's layers, in order."""
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in `model.layers`."""
        if index is not None and name is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index. Received: index={index}, name={name}."
            )
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: "
                f"{[layer.name for layer in self.layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model (config, weights, optimizer state) to a `.keras`
        file that Keras 3 loads."""
        import os

        from rkeras.saving import keras_writer

        filepath = os.fspath(filepath)
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False")
        if filepath.endswith((".h5", ".hdf5")):
            from rkeras.saving import legacy_h5

            legacy_h5.save_model(self, filepath)
            return
        keras_writer.save_model(self, filepath)

    def to_json(self, **kwargs):
        """The model's config (without weights or compile state) as JSON."""
        import json

        from rkeras.saving.keras_writer import serialize_model

        return json.dumps(serialize_model(self, compile_config=False), **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Saves the weights (and optimizer state) to a `.weights.h5` file in
        Keras 3's layout."""
        import os

        from rkeras.saving import weights_h5

        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False")
        weights_h5.save_weights(self, filepath)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a `.weights.h5` file (written by rkeras or Keras 3)."""
        from rkeras.saving import weights_h5

        weights_h5.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ):
        """Prints a table of the layers, their output shapes and parameter counts."""
        from rkeras.models.summary import print_summary

        print_summary(
            self, line_length=line_length, print_fn=print_fn, show_trainable=show_trainable
        )
