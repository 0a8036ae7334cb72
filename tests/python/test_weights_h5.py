"""`.weights.h5` in Keras 3's layout: Keras's own files load, rkeras's
files have Keras's paths, and round trips are exact."""

import pathlib
import zipfile

import h5py
import numpy as np
import pytest

import rkeras as keras

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "keras3"


def _mlp():
    return keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ],
        name="mlp",
    )


def test_load_keras_weights_and_optimizer_state():
    io_data = np.load(FIXTURES / "mlp_io.npz")
    model = _mlp()
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    model.load_weights(FIXTURES / "mlp.weights.h5")
    np.testing.assert_allclose(
        model.predict(io_data["x"], verbose=0), io_data["y"], rtol=1e-5, atol=1e-6
    )
    with h5py.File(FIXTURES / "mlp.weights.h5", "r") as f:
        stored = [np.asarray(f["optimizer/vars"][str(i)]) for i in range(10)]
    values = [np.asarray(v) for v in model.optimizer.variables]
    assert int(values[0]) == 2
    for got, want in zip(values[1:], stored[1:], strict=True):
        np.testing.assert_array_equal(got, want)


def test_load_keras_functional_weights(tmp_path):
    io_data = np.load(FIXTURES / "functional_io.npz")
    a = keras.Input((6,), name="features_a")
    b = keras.Input((4,), name="features_b")
    x = keras.layers.Concatenate()([a, b])
    x = keras.layers.Dense(12, activation="relu")(x)
    x = keras.layers.Dropout(0.25)(x)
    x = keras.layers.BatchNormalization()(x)
    model = keras.Model([a, b], keras.layers.Dense(2)(x))
    data = zipfile.ZipFile(FIXTURES / "functional.keras").read("model.weights.h5")
    path = tmp_path / "f.weights.h5"
    path.write_bytes(data)
    model.load_weights(path)
    np.testing.assert_allclose(
        model.predict([io_data["x_a"], io_data["x_b"]], verbose=0),
        io_data["y"],
        rtol=1e-5,
        atol=1e-5,
    )


def test_saved_file_has_keras_paths_and_round_trips(tmp_path):
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.random.rand(16, 8).astype("float32")
    model.fit(x, np.arange(16) % 3, epochs=1, verbose=0)
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        names = []
        f.visit(names.append)
        assert {
            "layers/dense/vars/0",
            "layers/dense/vars/1",
            "layers/dense_1/vars/0",
            "optimizer/vars/0",
            "optimizer/vars/9",
            "vars",
        } <= set(names)
        assert f["layers/dense_1/vars"].attrs["name"] == model.layers[1].name
        assert f["optimizer/vars"].attrs["name"] == model.optimizer.name
    fresh = _mlp()
    fresh.compile("adam", "sparse_categorical_crossentropy")
    fresh.load_weights(path)
    for a, b in zip(model.get_weights(), fresh.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(model.optimizer.variables, fresh.optimizer.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not list(tmp_path.glob("*.tmp"))


def test_shape_mismatch_names_the_layer_and_shapes(tmp_path):
    path = tmp_path / "m.weights.h5"
    _mlp().save_weights(path)
    other = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(5, name="wide"), keras.layers.Dense(3)]
    )
    with pytest.raises(ValueError, match=r"Layer 'wide'.*\(16,\)|Layer 'wide'.*\(8, 16\)"):
        other.load_weights(path)
    with pytest.warns(UserWarning, match="Skipping"):
        other.load_weights(path, skip_mismatch=True)
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        other.save_weights(tmp_path / "x.h5")
    (tmp_path / "bad.weights.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="Could not read weights file"):
        other.load_weights(tmp_path / "bad.weights.h5")
