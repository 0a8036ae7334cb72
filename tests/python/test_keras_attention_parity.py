"""Attention and GroupNormalization models against real Keras 3: rkeras saves each model
before training, Keras loads the file and trains it, rkeras trains its own
copy, and History, weights and predictions must agree; Keras's trained
files load back in rkeras and predict the same."""

import numpy as np
import pytest
from keras_training_parity import check_keras_file, check_training, train_in_both

import rkeras as keras
from rkeras import layers

rng = np.random.default_rng(5)


def self_attention():
    inputs = keras.Input((6, 8))
    x = layers.MultiHeadAttention(2, 4)(inputs, inputs, use_causal_mask=True)
    x = layers.LayerNormalization()(layers.Add()([x, inputs]))
    x = layers.Flatten()(x)
    return (
        keras.Model(inputs, layers.Dense(3, activation="softmax")(x)),
        (keras.optimizers.Adam(0.01)),
        "sparse_categorical_crossentropy",
    )


def cross_attention_with_mask_input():
    query = keras.Input((5, 6))
    value = keras.Input((7, 4))
    allowed = keras.Input((5, 7), dtype="bool")
    x = layers.MultiHeadAttention(3, 2, output_shape=5)(query, value, attention_mask=allowed)
    x = layers.GlobalAveragePooling1D()(x)
    model = keras.Model([query, value, allowed], layers.Dense(2)(x))
    # SGD, not Adam: the key bias's true gradient is zero (a shift shared by
    # all keys cancels in the softmax), and Adam would scale its rounding
    # noise up to full-size steps that no two implementations share.
    return model, keras.optimizers.SGD(0.1), "mse"


def masked_self_attention():
    tokens = keras.Input((6,), dtype="int32")
    x = layers.Embedding(20, 8, mask_zero=True)(tokens)
    x = layers.MultiHeadAttention(2, 4, use_bias=False)(x, x)
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(tokens, layers.Dense(1)(x)), keras.optimizers.Adam(0.01), "mse"


def padded_rows_and_output_shape():
    # Flatten keeps the padded query rows, whose attention is fully masked:
    # Keras's softmax gives them zero probabilities. (No value_dim here: with
    # value_dim != key_dim Keras 3.15's JAX fast path fails to build.)
    tokens = keras.Input((5,), dtype="int32")
    x = layers.Embedding(20, 6, mask_zero=True)(tokens)
    x = layers.MultiHeadAttention(2, 3, output_shape=4)(x, x)
    return (
        keras.Model(tokens, layers.Dense(1)(layers.Flatten()(x))),
        keras.optimizers.SGD(0.1),
        "mse",
    )


def attention_over_one_axis():
    inputs = keras.Input((3, 4, 6))
    x = layers.MultiHeadAttention(2, 3, attention_axes=(2,))(inputs, inputs)
    x = layers.EinsumDense("abcd,de->abce", (3, 4, 2), bias_axes="e", activation="relu")(x)
    return (
        keras.Model(inputs, layers.Dense(2)(layers.Flatten()(x))),
        keras.optimizers.SGD(0.1),
        "mse",
    )


def luong_and_bahdanau():
    query = keras.Input((4, 5))
    value = keras.Input((6, 5))
    a = layers.Attention(use_scale=True, score_mode="concat")([query, value])
    b = layers.AdditiveAttention()([query, value, value])
    c = layers.Attention()([query, value], use_causal_mask=False)
    x = layers.Flatten()(layers.Concatenate()([a, b, c]))
    return keras.Model([query, value], layers.Dense(2)(x)), keras.optimizers.Adam(0.01), "mse"


def group_normalized_cnn():
    return (
        keras.Sequential(
            [
                keras.Input((6, 6, 4)),
                layers.Conv2D(8, 3),
                layers.GroupNormalization(4),
                layers.GlobalAveragePooling2D(),
                layers.Dense(2),
            ]
        ),
        keras.optimizers.Adam(0.01),
        "mse",
    )


MODELS = {
    "self_attention": self_attention,
    "cross_attention_with_mask_input": cross_attention_with_mask_input,
    "masked_self_attention": masked_self_attention,
    "padded_rows_and_output_shape": padded_rows_and_output_shape,
    "attention_over_one_axis": attention_over_one_axis,
    "luong_and_bahdanau": luong_and_bahdanau,
    "group_normalized_cnn": group_normalized_cnn,
}


def _input(tensor):
    shape = tensor.shape[1:]
    if tensor.dtype == "int32":
        x = rng.integers(1, 20, size=(16, *shape)).astype("int32")
        lengths = rng.integers(2, shape[0] + 1, size=16)
        x[np.arange(shape[0]) >= lengths[:, None]] = 0
        return x
    if tensor.dtype == "bool":
        allowed = rng.random((16, *shape)) < 0.7
        allowed[..., 0] = True
        return allowed
    return rng.standard_normal((16, *shape)).astype("float32")


def dataset(model, loss):
    xs = [_input(t) for t in model.inputs]
    x = xs[0] if len(xs) == 1 else xs
    out = model.outputs[0].shape[-1]
    if loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, out, size=(16,)).astype("int32")
    else:
        y = rng.standard_normal((16, out)).astype("float32")
    return x, y


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return train_in_both(tmp_path_factory.mktemp("attention_parity"), MODELS, dataset)


@pytest.mark.parametrize("name", list(MODELS))
def test_training_matches_keras(trained, name):
    check_training(trained, name)


@pytest.mark.parametrize("name", list(MODELS))
def test_keras_files_load_in_rkeras(trained, name):
    check_keras_file(trained, name)
