"""model.save to .keras: Keras 3's container and config, round trips."""

import json
import zipfile

import numpy as np
import pytest

import rkeras as keras

rng = np.random.default_rng(4)
X = rng.normal(size=(32, 8)).astype("float32")
Y = np.arange(32) % 3


def sequential():
    m = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(3, activation="softmax"),
        ],
        name="seq",
    )
    m.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(X, Y, epochs=2, verbose=0)
    return m


def test_sequential_round_trip_with_compiled_state(tmp_path):
    model = sequential()
    path = tmp_path / "seq.keras"
    model.save(path)
    assert not list(tmp_path.glob("*.tmp"))
    archive = zipfile.ZipFile(path)
    assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    config = json.loads(archive.read("config.json"))
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    layer_classes = [layer["class_name"] for layer in config["config"]["layers"]]
    assert layer_classes == ["InputLayer", "Dense", "Dropout", "BatchNormalization", "Dense"]
    dense = config["config"]["layers"][1]
    assert dense["config"]["dtype"]["class_name"] == "DTypePolicy"
    assert dense["build_config"] == {"input_shape": [None, 8]}
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 2
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_training_resumes_identically_after_a_round_trip(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="tanh"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=2, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    model.fit(X, Y, epochs=2, shuffle=False, verbose=0)
    loaded.fit(X, Y, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_functional_multi_output_round_trip(tmp_path):
    a = keras.Input((6,), name="a")
    b = keras.Input((4,), name="b")
    shared = keras.layers.Dense(5, name="shared")
    h = keras.layers.Concatenate(name="concat")(
        [shared(keras.layers.Dense(5)(a)), keras.layers.Dense(5)(b)]
    )
    h = keras.layers.Add()([h, h])
    outputs = {
        "o1": keras.layers.Dense(2, name="o1")(h),
        "o2": keras.layers.Dense(1, activation="sigmoid", name="o2")(h),
    }
    model = keras.Model([a, b], outputs, name="fn")
    model.compile("rmsprop", loss={"o1": "mse", "o2": "binary_crossentropy"})
    xa = rng.normal(size=(8, 6)).astype("float32")
    xb = rng.normal(size=(8, 4)).astype("float32")
    model.save(tmp_path / "fn.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "fn.keras").read("config.json"))
    assert config["class_name"] == "Functional"
    assert config["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["config"]["output_layers"] == {"o1": ["o1", 0, 0], "o2": ["o2", 0, 0]}
    loaded = keras.models.load_model(tmp_path / "fn.keras")
    got, want = loaded.predict([xa, xb], verbose=0), model.predict([xa, xb], verbose=0)
    for key in ("o1", "o2"):
        np.testing.assert_array_equal(got[key], want[key])


def test_save_refuses_what_it_cannot_write(tmp_path):
    inp = keras.Input((3,))
    model = keras.Model(inp, keras.layers.Dense(1)(inp) * 2.0)
    with pytest.raises(NotImplementedError, match="OpLayer"):
        model.save(tmp_path / "op.keras")
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="`.keras` extension"):
        sequential().save(tmp_path / "model.zip")


def test_custom_layers_register_and_round_trip(tmp_path):
    @keras.saving.register_keras_serializable(package="tests")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return inputs * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    model = keras.Sequential([keras.Input((3,)), Scale(3.0), keras.layers.Dense(2)])
    model.save(tmp_path / "c.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "c.keras").read("config.json"))
    assert config["config"]["layers"][1]["registered_name"] == "tests>Scale"
    loaded = keras.models.load_model(tmp_path / "c.keras")
    x = rng.normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)
    assert keras.saving.get_custom_objects()["tests>Scale"] is Scale


def test_unregistered_custom_layers_need_custom_objects(tmp_path):
    class Twice(keras.layers.Layer):
        def call(self, inputs):
            return inputs * 2

    model = keras.Sequential([keras.Input((3,)), Twice(), keras.layers.Dense(1)])
    model.save(tmp_path / "t.keras")
    with pytest.raises(ValueError, match="Could not locate class 'Twice'"):
        keras.models.load_model(tmp_path / "t.keras")
    with keras.saving.custom_object_scope({"Twice": Twice}):
        loaded = keras.models.load_model(tmp_path / "t.keras")
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)
    again = keras.models.load_model(tmp_path / "t.keras", custom_objects={"Twice": Twice})
    assert isinstance(again.layers[0], Twice)


def test_to_json_and_clone_model_give_the_architecture_with_new_weights():
    model = sequential()
    twin = keras.models.model_from_json(model.to_json())
    assert [type(layer) for layer in twin.layers] == [type(layer) for layer in model.layers]
    assert [w.shape for w in twin.weights] == [w.shape for w in model.weights]
    clone = keras.models.clone_model(model)
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    assert clone.optimizer is None


def test_serialize_and_deserialize_keras_objects():
    objects = [
        keras.layers.Dense(3, activation="relu", name="d"),
        keras.optimizers.Adam(learning_rate=0.02),
        keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5),
        keras.losses.Huber(),
        keras.metrics.AUC(num_thresholds=50),
        keras.initializers.HeNormal(seed=3),
        keras.regularizers.L2(0.5),
        keras.constraints.MaxNorm(3),
    ]
    for obj in objects:
        config = keras.saving.serialize_keras_object(obj)
        assert json.loads(json.dumps(config)) == config
        again = keras.saving.deserialize_keras_object(config)
        assert type(again) is type(obj)
        assert again.get_config() == obj.get_config()
    assert keras.saving.deserialize_keras_object("relu") is keras.activations.relu
    model = keras.models.model_from_json(sequential().to_json())
    config = keras.saving.serialize_keras_object(model)
    assert type(keras.saving.deserialize_keras_object(config)) is keras.Sequential


def test_subclassed_model_with_get_config_round_trips(tmp_path):
    @keras.saving.register_keras_serializable(package="tests")
    class TwoTower(keras.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.left = keras.layers.Dense(units, activation="relu")
            self.right = keras.layers.Dense(units, activation="tanh")
            self.head = keras.layers.Dense(1)

        def call(self, inputs, training=None):
            return self.head(keras.ops.concatenate([self.left(inputs), self.right(inputs)], -1))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = TwoTower(units=5, name="towers")
    model.compile("adam", "mse")
    x = rng.normal(size=(16, 3)).astype("float32")
    model.fit(x, x.sum(1, keepdims=True), epochs=2, verbose=0)
    model.save(tmp_path / "towers.keras")
    loaded = keras.models.load_model(tmp_path / "towers.keras")
    assert isinstance(loaded, TwoTower) and loaded.units == 5 and loaded.name == "towers"
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 2, (
        int(loaded.optimizer.iterations),
        int(model.optimizer.iterations),
    )


def test_metric_objects_and_damaged_files(tmp_path):
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(
        "adam",
        "sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)],
    )
    model.fit(X, Y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    logs = loaded.evaluate(X, Y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy", "sparse_top_k_categorical_accuracy"}
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError):
        keras.models.load_model(tmp_path / "cut.keras")
