"""`RNN`: runs a cell over the time axis, and `StackedRNNCells`."""

from rkeras import _core, ops
from rkeras.layers.layer import Layer
from rkeras.utils import tree


def _state_sizes(cell):
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


class StackedRNNCells(Layer):
    """Wraps a list of cells so they run as one: each step feeds the output
    of one cell to the next.

    Args:
        cells: the cells, first to last.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell) or not hasattr(cell, "state_size"):
                raise ValueError(
                    "All cells must have a `call` method and a `state_size` attribute. "
                    f"Received cells={cells}"
                )
        self.cells = list(cells)

    @property
    def state_size(self):
        return [n for cell in self.cells for n in _state_sizes(cell)]

    @property
    def output_size(self):
        return getattr(self.cells[-1], "output_size", _state_sizes(self.cells[-1])[0])

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if not cell.built:
                cell.build(shape)
                cell.built = True
            size = getattr(cell, "output_size", _state_sizes(cell)[0])
            shape = shape[:-1] + (size,)
        self.built = True

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, n)) for n in self.state_size]

    def call(self, inputs, states, training=False):
        new_states, at = [], 0
        for cell in self.cells:
            n = len(_state_sizes(cell))
            inputs, cell_states = cell(inputs, list(states[at : at + n]), training=training)
            new_states.extend(tree.flatten(cell_states))
            at += n
        return inputs, new_states

    def get_config(self):
        from rkeras.saving.serialization import serialize_keras_object

        return {**super().get_config(), "cells": [serialize_keras_object(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from rkeras.saving.serialization import deserialize_keras_object

        config = dict(config)
        cells = [deserialize_keras_object(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


class RNN(Layer):
    """Runs `cell` over the time axis of `(batch, timesteps, features)`.

    The built-in cells (SimpleRNNCell, LSTMCell, GRUCell) run their whole
    loop and its backward in one Rust call; other cells step in Python.

    Args:
        cell: a cell (`call(inputs, states)` returning `(output, new_states)`
            and a `state_size`), or a list of cells to stack.
        return_sequences: return every step's output, not just the last.
        return_state: also return the final states.
        go_backwards: process the sequence backwards (and return the
            outputs in that order).
        stateful: start each batch from the previous batch's final states.
        unroll: accepted for compatibility; the result is the same.
        zero_output_for_mask: masked steps output zeros instead of repeating
            the previous output (only with `return_sequences`).
    """

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell) or not hasattr(cell, "state_size"):
            raise ValueError(
                "Argument `cell` should have a `call` method and a `state_size` attribute. "
                f"Received: cell={cell}"
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self._carried_states = None

    def build(self, sequences_shape, initial_state_shape=None):
        if len(sequences_shape) < 3:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim=3, found ndim={len(sequences_shape)}. Full shape received: "
                f"{tuple(sequences_shape)}"
            )
        if not self.cell.built:
            self.cell.build((sequences_shape[0],) + tuple(sequences_shape[2:]))
            self.cell.built = True
        self.built = True

    def get_initial_state(self, batch_size):
        if hasattr(self.cell, "get_initial_state"):
            return list(self.cell.get_initial_state(batch_size=batch_size))
        return [ops.zeros((batch_size, n)) for n in _state_sizes(self.cell)]

    def reset_states(self):
        """Forgets the states a stateful layer carries between batches."""
        self._carried_states = None

    reset_state = reset_states

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if sequences.ndim != 3:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim=3, found ndim={sequences.ndim}. Full shape received: "
                f"{tuple(sequences.shape)}"
            )
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        batch = sequences.shape[0]
        if initial_state is None:
            if self.stateful and self._carried_states is not None:
                initial_state = self._carried_states
            else:
                initial_state = self.get_initial_state(batch)
        states = [ops.convert_to_tensor(s) for s in tree.flatten(initial_state)]
        if len(states) != len(_state_sizes(self.cell)):
            raise ValueError(
                f"Layer '{self.name}' expects {len(_state_sizes(self.cell))} initial state(s), "
                f"got {len(states)}"
            )
        fused = self.cell._fused(training) if hasattr(self.cell, "_fused") else None
        if fused is not None:
            sequence, states = self._run_fused(fused, sequences, states, mask, training)
        else:
            sequence, states = self._run_steps(sequences, states, mask, training)
        if self.stateful:
            self._carried_states = [ops.stop_gradient(s) for s in states]
        if self.return_sequences:
            output = sequence
        elif fused is not None:
            # The fused cells' output is their new `h`, so the final state is
            # the last output; slicing it from the sequence instead would
            # make the backward fill a (batch, steps, units) gradient.
            output = states[0]
        else:
            output = sequence[:, -1]
        if self.return_state:
            return [output, *states]
        return output

    def _run_fused(self, fused, sequences, states, mask, training):
        kind, activation, recurrent_activation = fused
        cell = self.cell
        if training and cell.dropout > 0:
            # One mask per sample for every step, as Keras.
            keep = cell._dropout_mask(sequences[:, :1], cell.dropout)
            sequences = sequences * keep
        sequence, states = _core.recurrence(
            kind,
            sequences,
            states,
            cell.kernel,
            cell.recurrent_kernel,
            cell.bias,
            mask,
            activation,
            recurrent_activation,
            self.go_backwards,
            self.zero_output_for_mask and self.return_sequences,
            getattr(cell, "reset_after", True),
        )
        return sequence, list(states)

    def _run_steps(self, sequences, states, mask, training):
        steps = range(sequences.shape[1])
        if self.go_backwards:
            steps = reversed(steps)
        outputs = []
        for t in steps:
            out, new_states = self.cell(sequences[:, t], states, training=training)
            new_states = tree.flatten(new_states)
            if mask is not None:
                keep = ops.expand_dims(ops.cast(mask[:, t], "float32"), -1)
                if self.zero_output_for_mask and self.return_sequences:
                    out = out * keep
                else:
                    out = states[0] + keep * (out - states[0])
                new_states = [s + keep * (n - s) for n, s in zip(new_states, states, strict=True)]
            outputs.append(out)
            states = new_states
        return ops.stack(outputs, axis=1), states

    def compute_mask(self, inputs, previous_mask):
        mask = previous_mask[0] if isinstance(previous_mask, (list, tuple)) else previous_mask
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(_state_sizes(self.cell))
        return output_mask

    def get_config(self):
        from rkeras.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_keras_object(self.cell),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from rkeras.saving.serialization import deserialize_keras_object

        config = dict(config)
        cell = deserialize_keras_object(config.pop("cell"), custom_objects)
        return cls(cell, **config)
