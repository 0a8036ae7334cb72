"""`SimpleRNN`, `LSTM` and `GRU`: an `RNN` over their built-in cell, with
the cell's arguments on the layer as Keras has them."""

from rkeras import regularizers
from rkeras.layers.rnn.cells import GRUCell, LSTMCell, SimpleRNNCell
from rkeras.layers.rnn.rnn import RNN

_RNN_ARGS = (
    "return_sequences",
    "return_state",
    "go_backwards",
    "stateful",
    "unroll",
    "zero_output_for_mask",
)
_LAYER_ARGS = (
    "name",
    "dtype",
    "trainable",
    "input_shape",
    "batch_size",
    "batch_input_shape",
    "input_dim",
)


class _CellLayer(RNN):
    cell_class = None

    def __init__(self, units, activity_regularizer=None, **kwargs):
        rnn_args = {k: kwargs.pop(k) for k in _RNN_ARGS if k in kwargs}
        layer_args = {k: kwargs.pop(k) for k in _LAYER_ARGS if k in kwargs}
        kwargs.pop("use_cudnn", None)
        kwargs.pop("time_major", None)
        cell = self.cell_class(units, name=self.cell_name, dtype=layer_args.get("dtype"), **kwargs)
        super().__init__(cell, activity_regularizer=activity_regularizer, **rnn_args, **layer_args)

    def __getattr__(self, name):
        # The cell's arguments read as the layer's (`lstm.units`, ...).
        cell = self.__dict__.get("cell")
        if cell is not None and not name.startswith("_") and hasattr(cell, name):
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self):
        config = super().get_config()
        config.pop("cell")
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config.pop("cell", None)
        return cls(**config)


class SimpleRNN(_CellLayer):
    """Fully-connected RNN whose output is fed back as its input.

    Args:
        units: the size of the output and state.
        activation: `"tanh"` by default.
        use_bias, the initializers (`"glorot_uniform"` kernel,
        `"orthogonal"` recurrent kernel, `"zeros"` bias), regularizers and
        constraints, dropout, recurrent_dropout, seed: as `SimpleRNNCell`.
        return_sequences, return_state, go_backwards, stateful, unroll: as
            `RNN`.

    Example:

    ```python
    x = np.random.random((32, 10, 8))
    y = keras.layers.SimpleRNN(4)(x)  # (32, 4)
    ```
    """

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"


class LSTM(_CellLayer):
    """Long Short-Term Memory layer (Hochreiter 1997).

    Args:
        units: the size of the output and states.
        activation: `"tanh"`; recurrent_activation: `"sigmoid"`.
        unit_forget_bias: start the forget gate's bias at 1 (True).
        The other arguments as for `SimpleRNN`.

    Example:

    ```python
    x = np.random.random((32, 10, 8))
    out, h, c = keras.layers.LSTM(4, return_sequences=True, return_state=True)(x)
    ```
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"


class GRU(_CellLayer):
    """Gated Recurrent Unit (Cho 2014).

    Args:
        units: the size of the output and state.
        reset_after: apply the reset gate after the recurrent matmul (True,
            Keras 3's default and cuDNN's convention).
        The other arguments as for `LSTM` (without `unit_forget_bias`).
    """

    cell_class = GRUCell
    cell_name = "gru_cell"
