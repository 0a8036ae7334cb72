"""Keras masks: a boolean tensor riding along with the tensor it masks.

A layer that produces a mask (`Embedding(mask_zero=True)`, `Masking`)
attaches it to its output as `_keras_mask`; the next layer whose `call`
takes a `mask` argument receives it automatically (see `Layer.__call__`).
"""


def get_keras_mask(x):
    """The mask attached to `x`, or `None`."""
    return getattr(x, "_keras_mask", None)


def set_keras_mask(x, mask):
    """Attaches `mask` to `x` (a no-op for values that cannot hold one)."""
    try:
        x._keras_mask = mask
    except AttributeError:
        pass
