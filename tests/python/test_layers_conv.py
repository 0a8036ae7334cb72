"""Convolution, pooling and spatial layers: shapes, errors naming the layer
and shapes, configs, masks, dropout, and the same results on cpu and gpu.
(Numerics against NumPy are in test_ops_conv.py; against Keras in
test_keras_conv_parity.py.)"""

import numpy as np
import pytest
from conftest import assert_close

import rkeras as keras
from rkeras import layers

rng = np.random.default_rng(17)


@pytest.mark.parametrize(
    "layer,shape,expected",
    [
        (layers.Conv1D(4, 3, padding="causal", dilation_rate=2), (2, 10, 3), (2, 10, 4)),
        (layers.Conv2D(5, (3, 2), strides=2, padding="same"), (2, 9, 8, 3), (2, 5, 4, 5)),
        (layers.Conv2D(5, 3, data_format="channels_first"), (2, 3, 9, 8), (2, 5, 7, 6)),
        (layers.Conv3D(2, 2), (1, 4, 5, 6, 3), (1, 3, 4, 5, 2)),
        (layers.Conv2DTranspose(4, 3, strides=2), (2, 5, 4, 3), (2, 11, 9, 4)),
        (layers.Conv2DTranspose(4, 3, strides=2, padding="same"), (2, 5, 4, 3), (2, 10, 8, 4)),
        (layers.Conv1DTranspose(2, 2, strides=3, output_padding=1), (1, 4, 2), (1, 12, 2)),
        (layers.DepthwiseConv2D(3, depth_multiplier=3), (2, 6, 6, 2), (2, 4, 4, 6)),
        (layers.SeparableConv1D(4, 3, padding="same"), (2, 7, 3), (2, 7, 4)),
        (layers.MaxPooling2D(3, strides=2, padding="same"), (2, 7, 8, 3), (2, 4, 4, 3)),
        (layers.AveragePooling3D(2), (1, 5, 4, 4, 2), (1, 2, 2, 2, 2)),
        (layers.GlobalAveragePooling2D(keepdims=True), (2, 5, 4, 3), (2, 1, 1, 3)),
        (layers.GlobalMaxPooling1D(data_format="channels_first"), (2, 3, 6), (2, 3)),
        (layers.ZeroPadding2D(((1, 2), (0, 3))), (2, 4, 4, 1), (2, 7, 7, 1)),
        (layers.Cropping3D(1), (1, 4, 5, 6, 2), (1, 2, 3, 4, 2)),
        (layers.UpSampling2D((2, 3), interpolation="bilinear"), (1, 3, 2, 2), (1, 6, 6, 2)),
        (layers.UpSampling1D(3), (2, 4, 2), (2, 12, 2)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, layers.Layer) else None,
)
def test_output_shapes_eager_and_symbolic(layer, shape, expected):
    out = layer(rng.standard_normal(shape).astype("float32"))
    assert tuple(out.shape) == expected
    symbolic = layer.compute_output_shape((None, *shape[1:]))
    assert tuple(symbolic) == (None, *expected[1:])


def test_conv_layer_weights_follow_keras():
    conv = layers.Conv2D(6, 3, groups=2)
    conv.build((None, 8, 8, 4))
    assert [(w.name, tuple(w.shape)) for w in conv.weights] == [
        ("kernel", (3, 3, 2, 6)),
        ("bias", (6,)),
    ]
    sep = layers.SeparableConv2D(5, 3, depth_multiplier=2)
    sep.build((None, 8, 8, 3))
    assert [(w.name, tuple(w.shape)) for w in sep.weights] == [
        ("depthwise_kernel", (3, 3, 3, 2)),
        ("pointwise_kernel", (1, 1, 6, 5)),
        ("bias", (5,)),
    ]
    transpose = layers.Conv2DTranspose(4, 2)
    transpose.build((None, 8, 8, 3))
    assert tuple(transpose.kernel.shape) == (2, 2, 4, 3)


def test_configs_round_trip():
    for layer in [
        layers.Conv1D(3, 2, padding="causal", use_bias=False),
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=1, activation="relu"),
        layers.DepthwiseConv2D(3, depth_multiplier=2),
        layers.SeparableConv2D(4, 3, padding="same"),
        layers.MaxPooling1D(3, strides=1),
        layers.GlobalAveragePooling3D(keepdims=True),
        layers.ZeroPadding3D(2),
        layers.Cropping1D((1, 2)),
        layers.UpSampling2D(interpolation="bilinear"),
        layers.SpatialDropout2D(0.3, seed=1),
    ]:
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize(
    "make,shape,message",
    [
        (lambda: layers.Conv2D(4, 5), (2, 4, 4, 3), r"larger than the input.*\(2, 4, 4, 3\)"),
        (lambda: layers.Conv2D(4, 3), (2, 8, 3), r"expected ndim=4, found ndim=3"),
        (lambda: layers.MaxPooling2D(5), (1, 4, 4, 1), r"larger than the input"),
        (lambda: layers.Conv2D(4, 3, groups=2), (2, 8, 8, 3), r"divisible by the number of groups"),
        (lambda: layers.Cropping2D(3), (1, 5, 5, 1), r"leaves nothing"),
    ],
)
def test_shape_errors_name_layer_and_shapes(make, shape, message):
    layer = make()
    with pytest.raises(ValueError, match=message):
        layer(np.zeros(shape, "float32"))


def test_mismatched_channels_after_build():
    conv = layers.Conv2D(4, 3, name="my_conv")
    conv(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r'"my_conv".*value 3.*\(1, 5, 5, 2\)'):
        conv(np.zeros((1, 5, 5, 2), "float32"))


def test_argument_errors():
    with pytest.raises(ValueError, match="strides > 1"):
        layers.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="filters"):
        layers.Conv1D(0, 3)
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(4, 3, padding="causal")
    with pytest.raises(NotImplementedError, match="bicubic"):
        layers.UpSampling2D(interpolation="bicubic")


def test_global_average_pooling_1d_averages_unmasked_steps():
    x = np.zeros((2, 5), "int32")
    x[0, :3] = [3, 4, 5]
    x[1, :1] = [7]
    emb = layers.Embedding(10, 4, mask_zero=True)
    pooled = layers.GlobalAveragePooling1D()(emb(x))
    table = emb.embeddings.numpy()
    expected = np.stack([table[[3, 4, 5]].mean(0), table[[7]].mean(0)])
    assert_close(pooled, expected)


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((4, 6, 6, 8), "float32")
    out = layers.SpatialDropout2D(0.5, seed=3)(x, training=True).numpy()
    per_channel = out.reshape(4, 36, 8)
    assert np.all(per_channel == per_channel[:, :1, :])  # one draw per map
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert 0 < np.count_nonzero(per_channel[:, 0, :]) < 32
    np.testing.assert_array_equal(layers.SpatialDropout2D(0.5)(x), x)


def test_bilinear_upsampling_interpolates_between_pixels():
    x = np.array([0.0, 1.0, 3.0], "float32").reshape(1, 3, 1, 1)
    out = layers.UpSampling2D((2, 1), interpolation="bilinear")(x).numpy().ravel()
    # Half-pixel centres: output i samples input (i + 0.5) / 2 - 0.5, clamped.
    np.testing.assert_allclose(out, [0.0, 0.25, 0.75, 1.5, 2.5, 3.0])


def test_cnn_trains_the_same_on_gpu(device):
    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            layers.Conv2D(3, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2DTranspose(2, 2, strides=2),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),
        ]
    )
    model.compile(keras.optimizers.SGD(0.1), "mse")
    x = rng.standard_normal((8, 8, 8, 2)).astype("float32")
    y = rng.standard_normal((8, 2)).astype("float32")
    with keras.device("cpu"):
        start = model.get_weights()
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    assert model.weights[0].device.startswith(device)
    with keras.device("cpu"):
        reference = keras.models.clone_model(model)
        reference.set_weights(start)
        reference.compile(keras.optimizers.SGD(0.1), "mse")
        expected = reference.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-4)
