"""Layers, as `keras.layers`."""

from rkeras.layers.activations.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from rkeras.layers.core.activation import Activation, Identity, Lambda
from rkeras.layers.core.dense import Dense
from rkeras.layers.core.embedding import Embedding
from rkeras.layers.core.input_layer import Input, InputLayer
from rkeras.layers.core.masking import Masking
from rkeras.layers.layer import Layer
from rkeras.layers.merging.base_merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)
from rkeras.layers.normalization.batch_normalization import BatchNormalization
from rkeras.layers.normalization.layer_normalization import LayerNormalization
from rkeras.layers.preprocessing.rescaling import Normalization, Rescaling
from rkeras.layers.regularization.dropout import Dropout, GaussianNoise
from rkeras.layers.reshaping.flatten import Flatten, Permute, RepeatVector, Reshape


def add(inputs, **kwargs):
    """Functional form of `Add`."""
    return Add(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)
