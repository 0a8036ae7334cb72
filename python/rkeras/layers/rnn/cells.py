"""`SimpleRNNCell`, `LSTMCell` and `GRUCell`: one step of each recurrence.

A cell's `call(inputs, states, training)` runs one step (what `RNN` loops
over for custom cells); `_fused` describes the cell to the Rust time loop,
which runs whole sequences of the built-in cells in one call.
"""

from rkeras import activations, constraints, initializers, ops, regularizers
from rkeras import random as rk_random
from rkeras.layers.layer import Layer

# Activations the Rust time loop has kernels for.
_FUSED_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear", "hard_sigmoid")


class _Cell(Layer):
    """Weights and arguments shared by the built-in cells."""

    gates = 1
    kind = None

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                "Received an invalid value for argument `units`, expected a positive integer, "
                f"got {units}."
            )
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.seed = seed
        self.seed_generator = rk_random.SeedGenerator(seed)
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        units, gates = self.units, self.gates
        self.kernel = self.add_weight(
            shape=(input_shape[-1], gates * units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(units, gates * units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self._bias_shape(),
                name="bias",
                initializer=self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [ops.zeros((batch_size, n)) for n in sizes]

    def _dropout_mask(self, like, rate):
        return rk_random.dropout(ops.ones_like(like), rate, seed=self.seed_generator)

    def _fused(self, training):
        """`(kind, activation, recurrent activation)` for the Rust loop, or
        `None` when this cell needs the step-by-step path."""
        names = (
            activations.serialize(self.activation),
            activations.serialize(self.recurrent_activation),
        )
        # A subclass may change the step; only the built-in cells fuse.
        if type(self) not in (SimpleRNNCell, LSTMCell, GRUCell) or not all(
            isinstance(n, str) and n in _FUSED_ACTIVATIONS for n in names
        ):
            return None
        if training and self.recurrent_dropout > 0:
            return None
        return (self.kind, *names)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


class SimpleRNNCell(_Cell):
    """One step of a fully-connected RNN: `h = activation(x @ W + h @ U + b)`.

    Args:
        units: the size of the state and output.
        activation: `"tanh"` by default.
        use_bias, kernel_initializer (`"glorot_uniform"`),
        recurrent_initializer (`"orthogonal"`), bias_initializer (`"zeros"`),
        the regularizers and constraints, dropout, recurrent_dropout, seed:
            as in Keras.
    """

    kind = "simple"

    def __init__(self, units, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def call(self, inputs, states, training=False):
        h = states[0] if isinstance(states, (list, tuple)) else states
        if training and self.dropout > 0:
            inputs = inputs * self._dropout_mask(inputs, self.dropout)
        if training and self.recurrent_dropout > 0:
            h = h * self._dropout_mask(h, self.recurrent_dropout)
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        out = self.activation(z)
        return out, [out]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTMCell(_Cell):
    """One step of a Long Short-Term Memory layer (Hochreiter 1997), gates
    in Keras's order input, forget, cell, output.

    Args:
        units: the size of the states and output.
        activation: `"tanh"`; recurrent_activation: `"sigmoid"`.
        unit_forget_bias: start the forget gate's bias at 1 (default True).
        The other arguments as for `SimpleRNNCell`.
    """

    gates = 4
    kind = "lstm"

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, base = self.units, self.bias_initializer

        def forget_ones(shape, dtype=None):
            parts = [base((units,), dtype), ops.ones((units,)), base((2 * units,), dtype)]
            return ops.concatenate(parts)

        return forget_ones

    def call(self, inputs, states, training=False):
        h, c = states
        if training and self.dropout > 0:
            inputs = inputs * self._dropout_mask(inputs, self.dropout)
        if training and self.recurrent_dropout > 0:
            h = h * self._dropout_mask(h, self.recurrent_dropout)
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        i, f, g, o = ops.split(z, 4, axis=-1)
        rec = self.recurrent_activation
        c = rec(f) * c + rec(i) * self.activation(g)
        h = rec(o) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_Cell):
    """One step of a Gated Recurrent Unit (Cho 2014), gates in Keras's order
    update, reset, candidate.

    Args:
        units: the size of the state and output.
        reset_after: apply the reset gate after the recurrent matmul
            (Keras 3's default, True); the bias then has shape `(2, 3 * units)`.
        The other arguments as for `LSTMCell` (without `unit_forget_bias`).
    """

    gates = 3
    kind = "gru"

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=False):
        h = states[0] if isinstance(states, (list, tuple)) else states
        h_rec = h
        if training and self.dropout > 0:
            inputs = inputs * self._dropout_mask(inputs, self.dropout)
        if training and self.recurrent_dropout > 0:
            h_rec = h * self._dropout_mask(h, self.recurrent_dropout)
        u = self.units
        b_in = b_rec = None
        if self.bias is not None:
            b_in, b_rec = (self.bias[0], self.bias[1]) if self.reset_after else (self.bias, None)
        x = ops.matmul(inputs, self.kernel)
        if b_in is not None:
            x = x + b_in
        if self.reset_after:
            inner = ops.matmul(h_rec, self.recurrent_kernel)
            if b_rec is not None:
                inner = inner + b_rec
        else:
            inner = ops.matmul(h_rec, self.recurrent_kernel[:, : 2 * u])
        rec = self.recurrent_activation
        z = rec(x[:, :u] + inner[:, :u])
        r = rec(x[:, u : 2 * u] + inner[:, u : 2 * u])
        if self.reset_after:
            recurrent_h = r * inner[:, 2 * u :]
        else:
            recurrent_h = ops.matmul(r * h_rec, self.recurrent_kernel[:, 2 * u :])
        hh = self.activation(x[:, 2 * u :] + recurrent_h)
        out = z * h + (1 - z) * hh
        return out, [out]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}
