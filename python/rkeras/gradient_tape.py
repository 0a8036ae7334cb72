"""`GradientTape`: records operations for automatic differentiation."""

import contextlib

from rkeras import _core


def _flatten(structure):
    """Leaves of a nested list/tuple/dict, in order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _flatten(structure[key])]
    return [structure]


def _pack_like(structure, leaves):
    """Rebuilds `structure` with `leaves` (consumed from an iterator)."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack_like(item, leaves) for item in structure)
    if isinstance(structure, dict):
        return {key: _pack_like(structure[key], leaves) for key in sorted(structure)}
    return next(leaves)


class GradientTape:
    """Records operations so their gradients can be computed.

    Operations run inside the ``with`` block are recorded when they involve
    a watched tensor; trainable ``Variable``s are watched automatically.

    Args:
        persistent: whether ``gradient`` may be called more than once.
            A non-persistent tape frees what it recorded after its first
            ``gradient`` call.
        watch_accessed_variables: whether trainable variables read inside
            the block are watched automatically.

    Example:

    >>> w = rkeras.Variable(np.ones((3, 2), "float32"))
    >>> x = rkeras.ops.convert_to_tensor(np.ones((4, 3), "float32"))
    >>> with rkeras.GradientTape() as tape:
    ...     y = rkeras.ops.sum(rkeras.ops.matmul(x, w))
    >>> tape.gradient(y, w).shape
    (3, 2)
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._tape = _core.Tape(persistent, watch_accessed_variables)
        self._watch_accessed = watch_accessed_variables
        self._active = False

    def __enter__(self):
        self._tape.enter()
        self._active = True
        return self

    def __exit__(self, *exc_info):
        self._tape.exit()
        self._active = False
        return False

    @property
    def persistent(self):
        return self._tape.persistent

    def watch(self, tensor):
        """Records operations on `tensor` (or a nested structure of tensors)."""
        for leaf in _flatten(tensor):
            self._tape.watch(leaf)

    @contextlib.contextmanager
    def stop_recording(self):
        """A context in which operations are not recorded by this tape."""
        self._tape.set_recording(False)
        try:
            yield
        finally:
            self._tape.set_recording(True)

    def gradient(self, target, sources, output_gradients=None):
        """Computes the gradient of `target` with respect to `sources`.

        Args:
            target: a tensor (gradients of a non-scalar target are summed,
                or weighted by `output_gradients`).
            sources: a tensor or Variable, or a nested list/tuple/dict of
                them.
            output_gradients: optional seed with the shape of `target`.

        Returns:
            Gradients with the structure of `sources`; `None` for a source
            that `target` does not depend on.
        """
        leaves = _flatten(sources)
        grads = self._tape.gradient(target, leaves, output_gradients)
        return _pack_like(sources, iter(grads))

    def __len__(self):
        return len(self._tape)
