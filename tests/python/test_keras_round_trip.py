"""Round trips with real Keras 3 (JAX backend), which the test environment
installs: rkeras's .keras files load in Keras and predict the same, and
Keras's files written here load in rkeras. Keras runs in a subprocess so the
two packages never share a process."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import rkeras as keras

rng = np.random.default_rng(9)


def run_keras(code, tmp_path):
    script = tmp_path / "keras_side.py"
    script.write_text(textwrap.dedent(code))
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def mlp():
    m = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.1),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(3, activation="softmax"),
        ],
        name="mlp",
    )
    m.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def functional():
    a = keras.Input((6,), name="features_a")
    b = keras.Input((4,), name="features_b")
    x = keras.layers.Concatenate(name="concat")([a, b])
    x = keras.layers.Dense(12, activation="tanh", name="hidden")(x)
    x = keras.layers.LayerNormalization(name="norm")(x)
    residual = keras.layers.Add(name="residual")([x, keras.layers.Dense(12, name="skip")(x)])
    out = keras.layers.Dense(2, name="head")(residual)
    m = keras.Model([a, b], out, name="two_input_net")
    m.compile("rmsprop", "mse", metrics=["mae"])
    return m


def embedding_model():
    m = keras.Sequential(
        [
            keras.Input((5,), dtype="int32"),
            keras.layers.Embedding(20, 4),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ],
        name="emb",
    )
    m.compile("sgd", "mse")
    return m


CASES = {
    "mlp": (mlp, lambda: [rng.normal(size=(16, 8)).astype("float32")], lambda: np.arange(16) % 3),
    "functional": (
        functional,
        lambda: [
            rng.normal(size=(16, 6)).astype("float32"),
            rng.normal(size=(16, 4)).astype("float32"),
        ],
        lambda: rng.normal(size=(16, 2)).astype("float32"),
    ),
    "embedding": (
        embedding_model,
        lambda: [rng.integers(0, 20, size=(16, 5)).astype("int32")],
        lambda: rng.normal(size=(16, 1)).astype("float32"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_loads_rkeras_files(case, tmp_path):
    build, make_x, make_y = CASES[case]
    model = build()
    x, y = make_x(), make_y()
    model.fit(x if len(x) > 1 else x[0], y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "model.keras")
    for i, xi in enumerate(x):
        np.save(tmp_path / f"x{i}.npy", xi)
    expected = model.predict(x if len(x) > 1 else x[0], verbose=0)
    got = run_keras(
        f"""
        import json, numpy as np, keras
        m = keras.saving.load_model("model.keras")
        x = [np.load(f"x{{i}}.npy") for i in range({len(x)})]
        y = m.predict(x if len(x) > 1 else x[0], verbose=0)
        print(json.dumps({{"y": y.tolist(), "iterations": int(m.optimizer.iterations),
                           "name": m.name}}))
    """,
        tmp_path,
    )
    np.testing.assert_allclose(np.array(got["y"]), expected, rtol=1e-5, atol=1e-6)
    assert got["iterations"] == int(model.optimizer.iterations)
    assert got["name"] == model.name


def test_rkeras_loads_files_keras_writes(tmp_path):
    got = run_keras(
        """
        import json, numpy as np, keras
        keras.utils.set_random_seed(0)
        a = keras.Input((6,), name="a"); b = keras.Input((4,), name="b")
        shared = keras.layers.Dense(5, name="shared")
        h = keras.layers.Concatenate()([shared(keras.layers.Dense(5)(a)),
                                         keras.layers.Dense(5)(b)])
        h = keras.layers.BatchNormalization()(keras.layers.Dropout(0.2)(h))
        out = {"p": keras.layers.Dense(2, activation="softmax", name="p")(h),
               "r": keras.layers.Dense(1, name="r")(h)}
        m = keras.Model([a, b], out, name="k_written")
        m.compile("adam", {"p": "sparse_categorical_crossentropy", "r": "mse"})
        xa = np.random.rand(32, 6).astype("float32"); xb = np.random.rand(32, 4).astype("float32")
        m.fit([xa, xb], {"p": np.arange(32) % 2, "r": np.random.rand(32, 1)}, epochs=2,
              verbose=0)
        m.save("k.keras")
        np.save("xa.npy", xa); np.save("xb.npy", xb)
        y = m.predict([xa, xb], verbose=0)
        print(json.dumps({"p": y["p"].tolist(), "r": y["r"].tolist(),
                          "iterations": int(m.optimizer.iterations)}))
    """,
        tmp_path,
    )
    model = keras.models.load_model(tmp_path / "k.keras")
    y = model.predict([np.load(tmp_path / "xa.npy"), np.load(tmp_path / "xb.npy")], verbose=0)
    np.testing.assert_allclose(y["p"], np.array(got["p"]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y["r"], np.array(got["r"]), rtol=1e-5, atol=1e-5)
    assert int(model.optimizer.iterations) == got["iterations"]


def test_legacy_h5_written_by_rkeras_loads_in_keras_and_rkeras(tmp_path):
    model = mlp()
    x = rng.normal(size=(16, 8)).astype("float32")
    model.fit(x, np.arange(16) % 3, epochs=2, verbose=0)
    model.save(tmp_path / "legacy.h5")
    np.save(tmp_path / "x.npy", x)
    expected = model.predict(x, verbose=0)
    again = keras.models.load_model(tmp_path / "legacy.h5")
    np.testing.assert_array_equal(again.predict(x, verbose=0), expected)
    assert int(again.optimizer.iterations) == 2
    got = run_keras(
        """
        import json, numpy as np, keras
        m = keras.saving.load_model("legacy.h5")
        y = m.predict(np.load("x.npy"), verbose=0)
        print(json.dumps({"y": y.tolist(), "iterations": int(m.optimizer.iterations)}))
    """,
        tmp_path,
    )
    np.testing.assert_allclose(np.array(got["y"]), expected, rtol=1e-5, atol=1e-6)
    assert got["iterations"] == 2
