"""Convolutional models against real Keras 3: rkeras saves each model
before training, Keras loads the file and trains it, rkeras trains its own
copy, and History, weights and predictions must agree; Keras's trained
files load back in rkeras and predict the same."""

import json

import numpy as np
import pytest
from test_keras_round_trip import run_keras

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
    """Trains every model in rkeras and in Keras (from rkeras's file)."""
    tmp = tmp_path_factory.mktemp("conv_parity")
    ours = {}
    for name, build in MODELS.items():
        keras.utils.set_random_seed(0)
        model, optimizer, loss = build()
        model.compile(optimizer, loss)
        x, y = dataset(model, loss)
        model.save(tmp / f"{name}.keras")
        np.savez(tmp / f"{name}_data.npz", x=x, y=y)
        history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        ours[name] = (model, x, history.history["loss"])
    theirs = run_keras(
        f"""
        import json, numpy as np, keras
        out = {{}}
        for name in {list(MODELS)!r}:
            model = keras.saving.load_model(name + ".keras")
            d = np.load(name + "_data.npz")
            h = model.fit(d["x"], d["y"], batch_size=8, epochs=3, shuffle=False, verbose=0)
            np.savez(name + "_keras_weights.npz", *model.get_weights())
            np.save(name + "_keras_pred.npy", model.predict(d["x"], verbose=0))
            model.save(name + "_by_keras.keras")
            out[name] = h.history["loss"]
        print(json.dumps(out))
        """,
        tmp,
    )
    return tmp, ours, theirs


@pytest.mark.parametrize("name", list(MODELS))
def test_training_matches_keras(trained, name):
    tmp, ours, theirs = trained
    model, x, losses = ours[name]
    np.testing.assert_allclose(losses, theirs[name], rtol=2e-4, atol=1e-5)
    weights = np.load(tmp / f"{name}_keras_weights.npz")
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, weights[f"arr_{i}"], rtol=1e-3, atol=2e-4, err_msg=f"w{i}")
    pred = np.load(tmp / f"{name}_keras_pred.npy")
    np.testing.assert_allclose(model.predict(x, verbose=0), pred, rtol=1e-3, atol=2e-4)


@pytest.mark.parametrize("name", list(MODELS))
def test_keras_files_load_in_rkeras(trained, name):
    tmp, ours, _ = trained
    _, x, _ = ours[name]
    loaded = keras.models.load_model(tmp / f"{name}_by_keras.keras")
    pred = np.load(tmp / f"{name}_keras_pred.npy")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), pred, rtol=1e-5, atol=1e-5)
    config = json.loads(loaded.to_json())
    assert config["class_name"] in ("Sequential", "Functional")
