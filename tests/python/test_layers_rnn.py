"""RNN layers: the Rust time loop against the step-by-step cell path,
custom and stacked cells, stateful layers, dropout, masks, configs, errors
and the GPU. (Numerics against NumPy are in test_ops_rnn.py; against Keras
in test_keras_rnn_parity.py.)"""

import numpy as np
import pytest
from conftest import assert_close

import rkeras as keras
from rkeras import layers, ops

rng = np.random.default_rng(23)


class PlainLSTMCell(layers.LSTMCell):
    """A subclass runs the step-by-step path (it may change `call`)."""


# (batch, features, units): 40 and 37 rows run in blocks on threads; 24
# units give whole 32-column register blocks of the step products, 5 only
# ragged ones, and 37 rows ragged row blocks.
@pytest.mark.parametrize("batch, features, units", [(3, 4, 5), (40, 4, 5), (37, 19, 24)])
@pytest.mark.parametrize("mask", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_fused_loop_matches_the_cell_stepping(batch, features, units, mask, go_backwards):
    x = rng.standard_normal((batch, 6, features)).astype("float32")
    m = np.ones((batch, 6), bool)
    m[0, 4:] = False
    fused = layers.LSTM(units, return_sequences=True, go_backwards=go_backwards)
    stepped = layers.RNN(PlainLSTMCell(units), return_sequences=True, go_backwards=go_backwards)
    fused.build(x.shape)
    stepped.build(x.shape)
    stepped.set_weights(fused.get_weights())
    kwargs = {"mask": m} if mask else {}
    assert_close(stepped(x, **kwargs), fused(x, **kwargs), rtol=1e-5, atol=1e-6)
    weight = rng.standard_normal((batch, 6, units)).astype("float32")
    grads = []
    for layer in (stepped, fused):
        inputs = ops.convert_to_tensor(x)
        with keras.GradientTape() as tape:
            tape.watch(inputs)
            loss = ops.sum(layer(inputs, **kwargs) * weight)
        grads.append(tape.gradient(loss, [inputs, *layer.trainable_weights]))
    for got, want in zip(grads[1], grads[0], strict=True):
        assert_close(got, want.numpy(), rtol=1e-4, atol=1e-5)


def test_custom_and_stacked_cells():
    class MinimalCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent = self.add_weight(shape=(self.units, self.units), name="recurrent")

        def call(self, inputs, states):
            h = ops.matmul(inputs, self.kernel) + ops.matmul(states[0], self.recurrent)
            return h, [h]

    x = rng.standard_normal((2, 5, 3)).astype("float32")
    cell = MinimalCell(4)
    out = layers.RNN(cell)(x)
    k, r = cell.kernel.numpy(), cell.recurrent.numpy()
    h = np.zeros((2, 4))
    for t in range(5):
        h = x[:, t] @ k + h @ r
    assert_close(out, h, rtol=1e-4, atol=1e-5)
    stacked = layers.RNN([layers.GRUCell(4), layers.LSTMCell(3)], return_state=True)
    out, *states = stacked(x)
    assert tuple(out.shape) == (2, 3)
    assert [tuple(s.shape) for s in states] == [(2, 4), (2, 3), (2, 3)]


def test_initial_state_and_return_state():
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    lstm = layers.LSTM(3, return_state=True)
    h0 = rng.standard_normal((2, 3)).astype("float32")
    c0 = rng.standard_normal((2, 3)).astype("float32")
    out, h, c = lstm(x, initial_state=[h0, c0])
    assert_close(out, h.numpy())
    other, _, _ = lstm(x)
    assert not np.allclose(out.numpy(), other.numpy())
    with pytest.raises(ValueError, match="initial state"):
        lstm(x, initial_state=[h0])


def test_stateful_layer_carries_states_between_batches():
    x = rng.standard_normal((2, 6, 3)).astype("float32")
    whole = layers.GRU(4, return_sequences=True)
    halves = layers.GRU(4, return_sequences=True, stateful=True)
    whole.build(x.shape)
    halves.build(x.shape)
    halves.set_weights(whole.get_weights())
    first, second = halves(x[:, :3]), halves(x[:, 3:])
    assert_close(ops.concatenate([first, second], axis=1), whole(x).numpy(), atol=1e-6)
    halves.reset_states()
    assert_close(halves(x[:, :3]), first.numpy())


def test_dropout_is_fixed_across_time_and_off_at_inference():
    x = np.ones((4, 5, 6), "float32")
    layer = layers.SimpleRNN(3, dropout=0.5, recurrent_dropout=0.3, seed=1)
    inference = layer(x)
    assert_close(layer(x), inference.numpy())
    trained = layer(x, training=True)
    assert not np.allclose(trained.numpy(), inference.numpy())


def test_mask_reaches_the_rnn_and_stops_after_it():
    tokens = np.array([[3, 4, 0, 0], [5, 0, 0, 0]])
    emb = layers.Embedding(10, 3, mask_zero=True)
    seq = layers.LSTM(2, return_sequences=True)(emb(tokens))
    np.testing.assert_array_equal(np.asarray(seq._keras_mask), tokens != 0)
    last = layers.LSTM(2)(emb(tokens))
    assert last._keras_mask is None
    # The last output of a padded sequence is its last real step's.
    steps = layers.LSTM(2, return_sequences=True)
    full = steps(emb(tokens))
    assert_close(full[:, -1], np.stack([full[0, 1].numpy(), full[1, 0].numpy()]))


def test_configs_round_trip():
    for layer in [
        layers.LSTM(3, return_sequences=True, unit_forget_bias=False, dropout=0.1),
        layers.GRU(2, reset_after=False, go_backwards=True),
        layers.SimpleRNN(4, activation="relu", stateful=True),
        layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode="ave"),
        layers.TimeDistributed(layers.Dense(3)),
        layers.RNN(layers.GRUCell(2), return_state=True),
    ]:
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_weights_and_errors():
    lstm = layers.LSTM(4)
    lstm.build((None, 5, 3))
    bias = lstm.cell.bias.numpy()
    np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    assert lstm.units == 4 and lstm.count_params() == 4 * 4 * (3 + 4 + 1)
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.GRU(2)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="units"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")


def test_lstm_trains_the_same_on_gpu(device):
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((5, 3)), layers.LSTM(4), layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    x = rng.standard_normal((8, 5, 3)).astype("float32")
    y = rng.standard_normal((8, 1)).astype("float32")
    with keras.device("cpu"):
        start = model.get_weights()
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    assert model.weights[0].device.startswith(device)
    with keras.device("cpu"):
        reference = keras.models.clone_model(model)
        reference.set_weights(start)
        reference.compile(keras.optimizers.Adam(0.01), "mse")
        expected = reference.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-4)
