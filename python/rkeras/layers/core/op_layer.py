"""Wraps an operator applied to symbolic tensors (`x + y` in a functional model)."""

from rkeras.layers.layer import Layer


class OpLayer(Layer):
    """Applies `fn` to its inputs; made by KerasTensor operators."""

    def __init__(self, fn, **kwargs):
        super().__init__(**kwargs)
        self.fn = fn
        self.built = True

    def call(self, *args):
        return self.fn(*args)
