"""Loading real Keras 3 `.keras` files (read side of the saving issue)."""

import io
import json
import pathlib
import zipfile

import h5py
import numpy as np
import pytest

import rkeras as keras

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "keras3"


def test_mlp_keras_file_predicts_and_restores_the_optimizer():
    io_data = np.load(FIXTURES / "mlp_io.npz")
    model = keras.models.load_model(FIXTURES / "mlp.keras")
    assert model.name == "mlp" and [type(layer).__name__ for layer in model.layers] == [
        "Dense",
        "Dense",
    ]
    np.testing.assert_allclose(
        model.predict(io_data["x"], verbose=0), io_data["y"], rtol=1e-5, atol=1e-6
    )
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.01, rtol=1e-6)
    data = zipfile.ZipFile(FIXTURES / "mlp.keras").read("model.weights.h5")
    with h5py.File(io.BytesIO(data), "r") as f:
        stored = [np.asarray(f["optimizer/vars"][str(i)]) for i in range(10)]
    values = [np.asarray(v) for v in model.optimizer.variables]
    assert int(values[0]) == int(stored[0]) == 2
    for got, want in zip(values[2:], stored[2:], strict=True):
        np.testing.assert_array_equal(got, want)


def test_resume_training_from_initial_weights_reproduces_keras():
    """Fixture check 4: load without compiling, load the initial weights,
    compile, fit one epoch: Keras's predictions and loss."""
    io_data = np.load(FIXTURES / "mlp_io.npz")
    model = keras.models.load_model(FIXTURES / "mlp.keras", compile=False)
    assert model.optimizer is None
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        model.compile(
            keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        model.load_weights(FIXTURES / "mlp_initial.weights.h5")
    history = model.fit(
        io_data["x_train"], io_data["y_train"], batch_size=16, epochs=1, shuffle=False, verbose=0
    )
    np.testing.assert_allclose(history.history["loss"], io_data["history_loss"], rtol=1e-5)
    np.testing.assert_allclose(
        model.predict(io_data["x"], verbose=0), io_data["y"], rtol=1e-4, atol=1e-6
    )


def test_functional_keras_file_predicts():
    io_data = np.load(FIXTURES / "functional_io.npz")
    model = keras.models.load_model(FIXTURES / "functional.keras")
    assert model.name == "two_input_net"
    assert [layer.name for layer in model.layers][:2] == ["features_a", "features_b"]
    np.testing.assert_allclose(
        model.predict([io_data["x_a"], io_data["x_b"]], verbose=0),
        io_data["y"],
        rtol=1e-5,
        atol=1e-5,
    )
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert int(model.optimizer.iterations) == 4


def test_cnn_fixture_loads_and_predicts():
    model = keras.models.load_model(FIXTURES / "cnn.keras")
    data = np.load(FIXTURES / "cnn_io.npz")
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
    ]
    assert model.layers[0].kernel.shape == (3, 3, 1, 4)
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y"], rtol=1e-5, atol=1e-6)
    assert int(model.optimizer.iterations) == 2


def test_unsupported_layers_are_named(tmp_path):
    def rename(members):
        members["config.json"] = members["config.json"].replace(b'"Dense"', b'"NoSuchLayer"')
        return members

    with pytest.raises(ValueError, match="Could not locate class 'NoSuchLayer'"):
        keras.models.load_model(_rewrite(tmp_path, "unknown.keras", rename))


def _rewrite(tmp_path, name, edit):
    source = zipfile.ZipFile(FIXTURES / "mlp.keras")
    target = tmp_path / name
    with zipfile.ZipFile(target, "w") as out:
        members = {n: source.read(n) for n in source.namelist()}
        for n, data in edit(members).items():
            out.writestr(n, data)
    return target


def test_untrusted_files_are_refused_clearly(tmp_path):
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a valid .keras file"):
        keras.models.load_model(tmp_path / "junk.keras")
    extra = _rewrite(tmp_path, "extra.keras", lambda m: {**m, "evil.py": b"print(1)"})
    with pytest.raises(ValueError, match="unexpected members"):
        keras.models.load_model(extra)
    traversal = _rewrite(tmp_path, "up.keras", lambda m: {**m, "../x": b""})
    with pytest.raises(ValueError, match="unexpected members"):
        keras.models.load_model(traversal)

    def with_lambda(members):
        config = json.loads(members["config.json"])
        config["config"]["layers"].append(
            {
                "module": "keras.layers",
                "class_name": "Lambda",
                "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {}}},
                "registered_name": None,
            }
        )
        return {**members, "config.json": json.dumps(config).encode()}

    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(_rewrite(tmp_path, "lambda.keras", with_lambda))
    with pytest.raises(ValueError, match="File format not supported"):
        keras.models.load_model(tmp_path / "model.zip")


def test_legacy_h5_model_and_weights_load():
    io_data = np.load(FIXTURES / "mlp_io.npz")
    model = keras.models.load_model(FIXTURES / "mlp.h5")
    np.testing.assert_allclose(
        model.predict(io_data["x"], verbose=0), io_data["y"], rtol=1e-5, atol=1e-6
    )
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert int(model.optimizer.iterations) == 2
    with h5py.File(FIXTURES / "mlp.h5", "r") as f:
        momentum = np.asarray(f["optimizer_weights/adam/mlp_dense_kernel_momentum"])
    np.testing.assert_array_equal(np.asarray(model.optimizer.variables[2]), momentum)
    bare = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    bare.load_weights(FIXTURES / "mlp.h5")
    np.testing.assert_allclose(
        bare.predict(io_data["x"], verbose=0), io_data["y"], rtol=1e-5, atol=1e-6
    )
    wrong = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="Layer count mismatch"):
        wrong.load_weights(FIXTURES / "mlp.h5")
