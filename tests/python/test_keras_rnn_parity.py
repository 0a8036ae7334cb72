"""Recurrent models against real Keras 3: rkeras saves each model
before training, Keras loads the file and trains it, rkeras trains its own
copy, and History, weights and predictions must agree; Keras's trained
files load back in rkeras and predict the same."""

import numpy as np
import pytest
from keras_training_parity import check_keras_file, check_training, train_in_both

import rkeras as keras
from rkeras import layers

rng = np.random.default_rng(5)


def lstm_regressor():
    return (
        keras.Sequential([keras.Input((7, 3)), layers.LSTM(6), layers.Dense(1)]),
        keras.optimizers.Adam(0.01),
        "mse",
    )


def stacked_gru():
    return (
        keras.Sequential(
            [
                keras.Input((6, 3)),
                layers.GRU(5, return_sequences=True),
                layers.GRU(4, go_backwards=True),
                layers.Dense(3, activation="softmax"),
            ]
        ),
        keras.optimizers.Adam(0.01),
        "sparse_categorical_crossentropy",
    )


def gru_reset_before_and_simple_rnn():
    return (
        keras.Sequential(
            [
                keras.Input((6, 3)),
                layers.GRU(4, reset_after=False, return_sequences=True),
                layers.SimpleRNN(3, activation="relu"),
                layers.Dense(1),
            ]
        ),
        keras.optimizers.SGD(0.05, momentum=0.9),
        "mse",
    )


def bidirectional():
    return (
        keras.Sequential(
            [
                keras.Input((6, 3)),
                layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
                layers.Bidirectional(layers.GRU(3), merge_mode="sum"),
                layers.Dense(2),
            ]
        ),
        keras.optimizers.RMSprop(0.01),
        "mse",
    )


def masked_sequence_tagger():
    return (
        keras.Sequential(
            [
                keras.Input((7,), dtype="int32"),
                layers.Embedding(20, 4, mask_zero=True),
                layers.LSTM(5, return_sequences=True),
                layers.TimeDistributed(layers.Dense(2)),
            ]
        ),
        keras.optimizers.Adam(0.01),
        "mse",
    )


def masked_bidirectional_classifier():
    return (
        keras.Sequential(
            [
                keras.Input((7,), dtype="int32"),
                layers.Embedding(20, 4, mask_zero=True),
                layers.Bidirectional(layers.LSTM(3)),
                layers.Dense(1, activation="sigmoid"),
            ]
        ),
        keras.optimizers.Adam(0.01),
        "binary_crossentropy",
    )


def returned_states():
    inputs = keras.Input((5, 3))
    out, h, c = layers.LSTM(4, return_state=True)(inputs)
    x = layers.Concatenate()([out, h, c])
    return keras.Model(inputs, layers.Dense(2)(x)), keras.optimizers.Adam(0.01), "mse"


MODELS = {
    "lstm_regressor": lstm_regressor,
    "stacked_gru": stacked_gru,
    "gru_reset_before_and_simple_rnn": gru_reset_before_and_simple_rnn,
    "bidirectional": bidirectional,
    "masked_sequence_tagger": masked_sequence_tagger,
    "masked_bidirectional_classifier": masked_bidirectional_classifier,
    "returned_states": returned_states,
}


def dataset(model, loss):
    shape = model.inputs[0].shape[1:]
    if model.inputs[0].dtype == "int32":
        x = rng.integers(1, 20, size=(16, *shape)).astype("int32")
        lengths = rng.integers(2, shape[0] + 1, size=16)
        x[np.arange(shape[0]) >= lengths[:, None]] = 0  # padded tails
    else:
        x = rng.standard_normal((16, *shape)).astype("float32")
    out = model.outputs[0].shape[1:]
    if loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, out[-1], size=(16,)).astype("int32")
    elif loss == "binary_crossentropy":
        y = rng.integers(0, 2, size=(16, 1)).astype("float32")
    else:
        y = rng.standard_normal((16, *out)).astype("float32")
    return x, y


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return train_in_both(tmp_path_factory.mktemp("rnn_parity"), MODELS, dataset)


@pytest.mark.parametrize("name", list(MODELS))
def test_training_matches_keras(trained, name):
    check_training(trained, name)


@pytest.mark.parametrize("name", list(MODELS))
def test_keras_files_load_in_rkeras(trained, name):
    check_keras_file(trained, name)
