"""The shared harness of the `test_keras_*_parity.py` files: rkeras saves
each model before training, real Keras 3 loads that file and trains it,
rkeras trains its own copy, and the two must agree; Keras's trained file
must load back in rkeras."""

import json

import numpy as np
from test_keras_round_trip import run_keras

import rkeras as keras


def train_in_both(tmp, models, dataset):
    """Trains every model of `models` (name -> build() returning `(model,
    optimizer, loss)`) for 3 epochs in rkeras and in Keras; returns what the
    checks below take."""
    ours = {}
    for name, build in models.items():
        keras.utils.set_random_seed(0)
        model, optimizer, loss = build()
        model.compile(optimizer, loss)
        x, y = dataset(model, loss)
        model.save(tmp / f"{name}.keras")
        before = model.predict(x, verbose=0)
        xs = x if isinstance(x, list) else [x]
        np.savez(tmp / f"{name}_data.npz", y=y, **{f"x{i}": v for i, v in enumerate(xs)})
        history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        ours[name] = (model, x, history.history["loss"], before)
    theirs = run_keras(
        f"""
        import json, numpy as np, keras
        out = {{}}
        for name in {list(models)!r}:
            model = keras.saving.load_model(name + ".keras")
            d = np.load(name + "_data.npz")
            xs = [d[k] for k in sorted(k for k in d.files if k.startswith("x"))]
            x = xs[0] if len(xs) == 1 else xs
            np.save(name + "_keras_pred_before.npy", model.predict(x, verbose=0))
            h = model.fit(x, d["y"], batch_size=8, epochs=3, shuffle=False, verbose=0)
            np.savez(name + "_keras_weights.npz", *model.get_weights())
            np.save(name + "_keras_pred.npy", model.predict(x, verbose=0))
            model.save(name + "_by_keras.keras")
            out[name] = h.history["loss"]
        print(json.dumps(out))
        """,
        tmp,
    )
    return tmp, ours, theirs


def check_training(trained, name):
    """Same predictions from the same file, then the same History, weights
    and predictions after training."""
    tmp, ours, theirs = trained
    model, x, losses, before = ours[name]
    np.testing.assert_allclose(
        before, np.load(tmp / f"{name}_keras_pred_before.npy"), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(losses, theirs[name], rtol=2e-4, atol=1e-5)
    weights = np.load(tmp / f"{name}_keras_weights.npz")
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, weights[f"arr_{i}"], rtol=1e-3, atol=2e-4, err_msg=f"w{i}")
    pred = np.load(tmp / f"{name}_keras_pred.npy")
    np.testing.assert_allclose(model.predict(x, verbose=0), pred, rtol=1e-3, atol=2e-4)


def check_keras_file(trained, name):
    """Keras's trained file loads in rkeras and predicts what Keras did."""
    tmp, ours, _ = trained
    x = ours[name][1]
    loaded = keras.models.load_model(tmp / f"{name}_by_keras.keras")
    pred = np.load(tmp / f"{name}_keras_pred.npy")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), pred, rtol=1e-5, atol=1e-5)
    config = json.loads(loaded.to_json())
    assert config["class_name"] in ("Sequential", "Functional")
