"""Layers and models: building, weights, configs, graphs, summaries."""

import numpy as np
import pytest

import rkeras as keras
from rkeras import layers

rng = np.random.default_rng(5)


def test_dense_matches_numpy_and_builds_on_first_call():
    layer = layers.Dense(4, activation="relu")
    assert not layer.built
    x = rng.normal(size=(3, 5)).astype("float32")
    y = np.asarray(layer(x))
    assert layer.built and [w.shape for w in layer.weights] == [(5, 4), (4,)]
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(y, np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-6)
    assert np.all(bias == 0)
    limit = np.sqrt(6 / (5 + 4))
    assert np.abs(kernel).max() <= limit
    assert layer.count_params() == 24


def test_sequential_forms_agree():
    a = keras.Sequential([layers.Input((3,)), layers.Dense(2)])
    b = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    c = keras.Sequential()
    c.add(layers.Input((3,)))
    c.add(layers.Dense(2))
    d = keras.Sequential([layers.Dense(2)])  # deferred build
    x = rng.normal(size=(4, 3)).astype("float32")
    d(x)
    for model in (a, b, c, d):
        model.set_weights(a.get_weights())
        np.testing.assert_allclose(np.asarray(model(x)), np.asarray(a(x)), rtol=1e-6)
        assert len(model.layers) == 1
    c.add(layers.Dense(5))
    assert c(x).shape == (4, 5)
    popped = c.pop()
    assert isinstance(popped, layers.Dense) and c(x).shape == (4, 2)


def test_functional_multi_input_multi_output_shared_and_residual():
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    shared = layers.Dense(4, name="shared")
    ha, hb = shared(a), shared(b)
    merged = layers.Add()([ha, hb])
    residual = merged + a
    out1 = layers.Dense(2, name="out1")(residual)
    out2 = layers.Dense(1, name="out2")(layers.Concatenate()([ha, hb]))
    model = keras.Model(inputs=[a, b], outputs=[out1, out2])
    xa = rng.normal(size=(3, 4)).astype("float32")
    xb = rng.normal(size=(3, 4)).astype("float32")
    y1, y2 = model([xa, xb])
    w, bias = shared.get_weights()
    merged_np = (xa @ w + bias) + (xb @ w + bias) + xa
    k1, b1 = model.get_layer("out1").get_weights()
    np.testing.assert_allclose(np.asarray(y1), merged_np @ k1 + b1, rtol=1e-5, atol=1e-5)
    assert y2.shape == (3, 1)
    assert model.get_layer("shared") is shared
    assert [t.shape for t in model.outputs] == [(None, 2), (None, 1)]
    dict_model = keras.Model(inputs={"a": a, "b": b}, outputs={"y": out1})
    out = dict_model({"a": xa, "b": xb})
    np.testing.assert_allclose(np.asarray(out["y"]), np.asarray(y1), rtol=1e-6)


def test_nested_model_as_layer():
    inner = keras.Sequential([layers.Input((3,)), layers.Dense(3, activation="tanh")])
    x = keras.Input((3,))
    outer = keras.Model(x, layers.Dense(1)(inner(x)))
    data = rng.normal(size=(2, 3)).astype("float32")
    k, b = outer.layers[-1].get_weights()
    np.testing.assert_allclose(
        np.asarray(outer(data)), np.asarray(inner(data)) @ k + b, rtol=1e-5, atol=1e-6
    )
    assert len(outer.trainable_weights) == 4


def test_subclassed_model_and_custom_layer_tracking():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

        def call(self, inputs):
            return inputs * self.scale

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [layers.Dense(3), Scale()]
            self.head = layers.Dense(1)

        def call(self, inputs, training=None):
            x = inputs
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    net = Net()
    assert net(rng.normal(size=(2, 4)).astype("float32")).shape == (2, 1)
    assert len(net.weights) == 5 and len(net.trainable_weights) == 5
    net.blocks[0].trainable = False
    assert len(net.trainable_weights) == 3 and len(net.non_trainable_weights) == 2
    net.trainable = False
    assert net.trainable_weights == [] and all(not layer.trainable for layer in net.layers)


def test_regularization_losses_and_activity_regularizer():
    layer = layers.Dense(
        2, kernel_regularizer=keras.regularizers.L2(0.1), activity_regularizer="l1"
    )
    x = rng.normal(size=(3, 4)).astype("float32")
    y = np.asarray(layer(x))
    kernel = layer.get_weights()[0]
    got = sorted(float(v) for v in layer.losses)
    want = sorted([0.1 * float((kernel**2).sum()), 0.01 * float(np.abs(y).sum()) / 3])
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_batch_normalization_training_and_inference():
    bn = layers.BatchNormalization(momentum=0.5)
    x = rng.normal(2.0, 3.0, size=(16, 3)).astype("float32")
    y_train = np.asarray(bn(x, training=True))
    np.testing.assert_allclose(
        y_train, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-4, atol=1e-4
    )
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * x.var(0), rtol=1e-5)
    y_infer = np.asarray(bn(x, training=False))
    mm, mv = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    np.testing.assert_allclose(y_infer, (x - mm) / np.sqrt(mv + 1e-3), rtol=1e-4, atol=1e-4)


def test_layer_normalization_and_other_layers_match_numpy():
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    ln = np.asarray(layers.LayerNormalization()(x))
    np.testing.assert_allclose(
        ln,
        (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3),
        rtol=1e-4,
        atol=1e-5,
    )
    assert layers.Flatten()(x).shape == (2, 12)
    np.testing.assert_array_equal(np.asarray(layers.Permute((2, 1))(x)), x.transpose(0, 2, 1))
    np.testing.assert_array_equal(np.asarray(layers.Reshape((4, -1))(x)), x.reshape(2, 4, 3))
    rep = np.asarray(layers.RepeatVector(3)(x[:, 0]))
    np.testing.assert_array_equal(rep, np.repeat(x[:, 0][:, None], 3, axis=1))
    np.testing.assert_allclose(np.asarray(layers.Rescaling(0.5, 1.0)(x)), x * 0.5 + 1.0)
    np.testing.assert_allclose(
        np.asarray(layers.LeakyReLU()(x)), np.where(x >= 0, x, 0.3 * x), rtol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(layers.ELU()(x)), np.where(x > 0, x, np.expm1(x)), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(np.asarray(layers.ReLU(max_value=0.5)(x)), np.clip(x, 0, 0.5))
    sm = np.asarray(layers.Softmax()(x))
    np.testing.assert_allclose(sm, np.exp(x) / np.exp(x).sum(-1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(layers.PReLU()(x)), np.maximum(x, 0), atol=1e-7)
    np.testing.assert_array_equal(np.asarray(layers.Identity()(x)), x)
    np.testing.assert_allclose(np.asarray(layers.Lambda(lambda t: t * 2)(x)), 2 * x)
    for merge, fn in [
        (layers.Subtract(), np.subtract),
        (layers.Multiply(), np.multiply),
        (layers.Average(), lambda a, b: (a + b) / 2),
        (layers.Maximum(), np.maximum),
        (layers.Minimum(), np.minimum),
    ]:
        np.testing.assert_allclose(np.asarray(merge([x, x[::-1]])), fn(x, x[::-1]), rtol=1e-6)


def test_dropout_and_gaussian_noise_only_while_training():
    x = np.ones((200, 50), "float32")
    drop = layers.Dropout(0.4, seed=1)
    np.testing.assert_array_equal(np.asarray(drop(x)), x)
    y = np.asarray(drop(x, training=True))
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.6)}
    assert abs((y == 0).mean() - 0.4) < 0.03
    noise = layers.GaussianNoise(0.5, seed=2)
    np.testing.assert_array_equal(np.asarray(noise(x)), x)
    assert abs(np.asarray(noise(x, training=True)).std() - 0.5) < 0.02


def test_embedding_and_normalization_adapt():
    emb = layers.Embedding(10, 3)
    idx = np.array([[1, 2], [9, 0]])
    out = np.asarray(emb(idx))
    np.testing.assert_array_equal(out, emb.get_weights()[0][idx])
    norm = layers.Normalization()
    data = rng.normal(5.0, 2.0, size=(100, 3)).astype("float32")
    norm.adapt(data)
    np.testing.assert_allclose(np.asarray(norm(data)).mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(np.asarray(norm(data)).std(0), 1, atol=1e-3)


def test_dot_layer_matches_numpy():
    a = rng.normal(size=(2, 3, 4)).astype("float32")
    b = rng.normal(size=(2, 5, 4)).astype("float32")
    got = np.asarray(layers.Dot(axes=(2, 2))([a, b]))
    np.testing.assert_allclose(got, np.einsum("bik,bjk->bij", a, b), rtol=1e-5, atol=1e-5)
    u = rng.normal(size=(3, 4)).astype("float32")
    v = rng.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(
        np.asarray(layers.Dot(axes=1)([u, v])), (u * v).sum(1, keepdims=True), rtol=1e-5, atol=1e-6
    )


def test_summary_prints_keras_table(capsys):
    model = keras.Sequential(
        [
            layers.Flatten(input_shape=[28, 28]),
            layers.Dense(300, activation="relu"),
            layers.Dense(100, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        name="mnist_mlp",
    )
    model.summary()
    out = capsys.readouterr().out
    assert 'Model: "mnist_mlp"' in out
    assert "(None, 784)" in out and "235,500" in out and "30,100" in out and "1,010" in out
    assert "Total params: 266,610 (1.02 MB)" in out
    assert "Non-trainable params: 0 (0.00 B)" in out


def test_config_round_trip():
    dense = layers.Dense(3, activation="tanh", use_bias=False, name="d", kernel_regularizer="l2")
    again = layers.Dense.from_config(dense.get_config())
    assert (again.units, again.use_bias, again.name) == (3, False, "d")
    assert again.get_config()["activation"] == "tanh"
    config = keras.Sequential([layers.Input((2,)), layers.Dense(1)]).get_config()
    assert [layer["class_name"] for layer in config["layers"]] == ["InputLayer", "Dense"]


def test_input_checks_name_the_layer():
    model = keras.Sequential([layers.Input((4,)), layers.Dense(2, name="first")])
    with pytest.raises(
        ValueError, match='layer "first".*expected axis -1 of input shape to have value 4'
    ):
        model(np.ones((3, 5), "float32"))
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        layers.Dense(2, bogus=1)
