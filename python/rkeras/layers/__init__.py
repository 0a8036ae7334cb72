"""Layers, as `keras.layers`."""

from rkeras.layers.activations.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from rkeras.layers.attention.attention import AdditiveAttention, Attention
from rkeras.layers.attention.multi_head_attention import MultiHeadAttention
from rkeras.layers.convolutional.conv import Conv1D, Conv2D, Conv3D
from rkeras.layers.convolutional.conv_transpose import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
)
from rkeras.layers.convolutional.depthwise_conv import (
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
)
from rkeras.layers.core.activation import Activation, Identity, Lambda
from rkeras.layers.core.dense import Dense
from rkeras.layers.core.einsum_dense import EinsumDense
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
from rkeras.layers.normalization.group_normalization import GroupNormalization
from rkeras.layers.normalization.layer_normalization import LayerNormalization
from rkeras.layers.pooling.base_pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from rkeras.layers.pooling.global_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
from rkeras.layers.preprocessing.rescaling import Normalization, Rescaling
from rkeras.layers.regularization.dropout import Dropout, GaussianNoise
from rkeras.layers.regularization.spatial_dropout import (
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from rkeras.layers.reshaping.flatten import Flatten, Permute, RepeatVector, Reshape
from rkeras.layers.reshaping.spatial import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from rkeras.layers.rnn.cells import GRUCell, LSTMCell, SimpleRNNCell
from rkeras.layers.rnn.layers import GRU, LSTM, SimpleRNN
from rkeras.layers.rnn.rnn import RNN, StackedRNNCells
from rkeras.layers.rnn.wrappers import Bidirectional, TimeDistributed

# Keras's aliases.
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose = Conv2DTranspose
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
)


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
