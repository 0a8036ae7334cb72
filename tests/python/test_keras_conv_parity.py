"""Convolutional models against real Keras 3: rkeras saves each model
before training, Keras loads the file and trains it, rkeras trains its own
copy, and History, weights and predictions must agree; Keras's trained
files load back in rkeras and predict the same."""

import numpy as np
import pytest
from keras_training_parity import check_keras_file, check_training, train_in_both

import rkeras as keras
from rkeras import layers

rng = np.random.default_rng(5)


def image_classifier():
    return (
        keras.Sequential(
            [
                keras.Input((12, 12, 2)),
                layers.Conv2D(4, 3, activation="relu"),
                layers.MaxPooling2D(),
                layers.Conv2D(6, 3, strides=2, padding="same", activation="tanh"),
                layers.Flatten(),
                layers.Dense(3, activation="softmax"),
            ]
        ),
        keras.optimizers.Adam(0.01),
        "sparse_categorical_crossentropy",
    )


def causal_sequence_model():
    return (
        keras.Sequential(
            [
                keras.Input((16, 3)),
                layers.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="tanh"),
                layers.Conv1D(6, 2, groups=2, padding="same"),
                layers.AveragePooling1D(2, padding="same"),
                layers.GlobalAveragePooling1D(),
                layers.Dense(1),
            ]
        ),
        keras.optimizers.SGD(0.05, momentum=0.9),
        "mse",
    )


def grouped_padded_model():
    inputs = keras.Input((9, 10, 4))
    x = layers.ZeroPadding2D(((1, 0), (2, 1)))(inputs)
    x = layers.Conv2D(8, (3, 2), groups=4, activation="relu")(x)
    x = layers.AveragePooling2D(3, strides=2, padding="same")(x)
    x = layers.Cropping2D(((1, 0), (0, 1)))(x)
    x = layers.GlobalMaxPooling2D()(x)
    return keras.Model(inputs, layers.Dense(2)(x)), keras.optimizers.RMSprop(0.01), "mae"


def upsampling_model():
    return (
        keras.Sequential(
            [
                keras.Input((5, 4, 3)),
                layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu"),
                layers.UpSampling2D(interpolation="bilinear"),
                layers.Conv2D(2, 3, strides=3),
                layers.Flatten(),
                layers.Dense(2),
            ]
        ),
        keras.optimizers.Adam(0.01),
        "mse",
    )


def separable_model():
    return (
        keras.Sequential(
            [
                keras.Input((10, 10, 3)),
                layers.DepthwiseConv2D(3, depth_multiplier=2, activation="relu"),
                layers.SeparableConv2D(5, 3, padding="same", depth_multiplier=2),
                layers.GlobalAveragePooling2D(),
                layers.Dense(3, activation="softmax"),
            ]
        ),
        keras.optimizers.Adam(0.01),
        "sparse_categorical_crossentropy",
    )


def volume_model():
    return (
        keras.Sequential(
            [
                keras.Input((6, 6, 5, 2)),
                layers.Conv3D(3, 2, activation="relu"),
                layers.MaxPooling3D(2, padding="same"),
                layers.UpSampling3D(2),
                layers.GlobalMaxPooling3D(),
                layers.Dense(1),
            ]
        ),
        keras.optimizers.SGD(0.05),
        "mse",
    )


def channels_first_model():
    return (
        keras.Sequential(
            [
                keras.Input((2, 9, 8)),
                layers.Conv2D(4, 3, data_format="channels_first", activation="relu"),
                layers.MaxPooling2D(2, data_format="channels_first"),
                layers.Flatten(data_format="channels_first"),
                layers.Dense(3, activation="softmax"),
            ]
        ),
        keras.optimizers.Adam(0.01),
        "sparse_categorical_crossentropy",
    )


def transposed_1d_model():
    return (
        keras.Sequential(
            [
                keras.Input((7, 2)),
                layers.Conv1DTranspose(3, 3, strides=2, activation="tanh"),
                layers.ZeroPadding1D((1, 2)),
                layers.UpSampling1D(2),
                layers.Cropping1D((2, 1)),
                layers.DepthwiseConv1D(3, depth_multiplier=2),
                layers.SeparableConv1D(2, 3, padding="same"),
                layers.MaxPooling1D(),
                layers.Flatten(),
                layers.Dense(1),
            ]
        ),
        keras.optimizers.Adam(0.01),
        "mse",
    )


MODELS = {
    "image_classifier": image_classifier,
    "causal_sequence": causal_sequence_model,
    "grouped_padded": grouped_padded_model,
    "upsampling": upsampling_model,
    "separable": separable_model,
    "volume": volume_model,
    "channels_first": channels_first_model,
    "transposed_1d": transposed_1d_model,
}


def dataset(model, loss):
    x = rng.standard_normal((16, *model.inputs[0].shape[1:])).astype("float32")
    out = model.outputs[0].shape[-1]
    if loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, out, size=(16,)).astype("int32")
    else:
        y = rng.standard_normal((16, out)).astype("float32")
    return x, y


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return train_in_both(tmp_path_factory.mktemp("conv_parity"), MODELS, dataset)


@pytest.mark.parametrize("name", list(MODELS))
def test_training_matches_keras(trained, name):
    check_training(trained, name)


@pytest.mark.parametrize("name", list(MODELS))
def test_keras_files_load_in_rkeras(trained, name):
    check_keras_file(trained, name)
