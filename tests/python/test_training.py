"""compile / fit / evaluate / predict: Keras's behaviour, logs and errors."""

import re

import numpy as np
import pytest

import rkeras as keras
from rkeras import layers

rng = np.random.default_rng(11)
X = rng.normal(size=(64, 5)).astype("float32")
Y_CLASS = (X[:, 0] + X[:, 1] > 0).astype("int32") + (X[:, 2] > 1).astype("int32")
Y_REG = (X @ rng.normal(size=(5, 1))).astype("float32")


def classifier(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            layers.Input((5,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_fit_returns_history_with_keras_keys():
    model = classifier()
    history = model.fit(X, Y_CLASS, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.epoch == [0, 1, 2]
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 3}
    assert model.history is history
    assert all(isinstance(v, float) for values in history.history.values() for v in values)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_evaluate_matches_a_manual_computation():
    model = classifier()
    model.fit(X, Y_CLASS, epochs=2, verbose=0)
    loss, acc = model.evaluate(X, Y_CLASS, batch_size=64, verbose=0)
    probs = model.predict(X, verbose=0)
    want_loss = -np.log(np.clip(probs[np.arange(64), Y_CLASS], 1e-7, 1 - 1e-7)).mean()
    np.testing.assert_allclose(loss, want_loss, rtol=1e-5)
    np.testing.assert_allclose(acc, (probs.argmax(1) == Y_CLASS).mean(), rtol=1e-6)
    as_dict = model.evaluate(X, Y_CLASS, verbose=0, return_dict=True)
    assert list(as_dict) == ["loss", "accuracy"]


def test_batch_methods_and_predict_batches():
    model = classifier()
    before = model.predict_on_batch(X[:8])
    logs = model.train_on_batch(X[:8], Y_CLASS[:8], return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert not np.allclose(model.predict_on_batch(X[:8]), before)
    loss, _ = model.test_on_batch(X[:8], Y_CLASS[:8])
    assert np.isfinite(loss)
    np.testing.assert_allclose(
        model.predict(X, batch_size=7, verbose=0),
        model.predict(X, batch_size=64, verbose=0),
        rtol=1e-5,
    )


def test_validation_data_and_freq():
    model = classifier()
    history = model.fit(
        X[:48],
        Y_CLASS[:48],
        validation_data=(X[48:], Y_CLASS[48:]),
        epochs=4,
        validation_freq=2,
        verbose=0,
    )
    assert len(history.history["val_loss"]) == 2


def test_sample_and_class_weights_change_the_loss():
    model = classifier()
    base = model.evaluate(X, Y_CLASS, verbose=0)[0]
    weights = np.where(Y_CLASS == 0, 0.0, 1.0).astype("float32")
    weighted = model.evaluate(X, Y_CLASS, sample_weight=weights, verbose=0)[0]
    probs = model.predict(X, verbose=0)
    per_sample = -np.log(np.clip(probs[np.arange(64), Y_CLASS], 1e-7, 1))
    np.testing.assert_allclose(weighted, (per_sample * weights).mean(), rtol=1e-5)
    assert weighted != base
    model.fit(X, Y_CLASS, class_weight={0: 0.0, 1: 1.0, 2: 1.0}, epochs=1, verbose=0)


def test_generators_and_pydataset():
    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return X[i * 16 : (i + 1) * 16], Y_CLASS[i * 16 : (i + 1) * 16]

    model = classifier()
    history = model.fit(Batches(), epochs=2, verbose=0)
    assert history.params["steps"] == 4

    def gen():
        while True:
            for i in range(4):
                yield X[i * 16 : (i + 1) * 16], Y_CLASS[i * 16 : (i + 1) * 16]

    model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
    assert model.predict(Batches(), verbose=0).shape == (64, 3)


def test_multi_output_losses_metrics_and_weights():
    inp = keras.Input((5,))
    hidden = layers.Dense(8, activation="relu")(inp)
    cls = layers.Dense(3, activation="softmax", name="cls")(hidden)
    reg = layers.Dense(1, name="reg")(hidden)
    model = keras.Model(inp, [cls, reg])
    model.compile(
        "sgd",
        loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
        loss_weights={"cls": 1.0, "reg": 0.5},
        metrics={"cls": ["accuracy"], "reg": ["mae"]},
    )
    history = model.fit(X, [Y_CLASS, Y_REG], epochs=1, verbose=0)
    assert {"loss", "cls_loss", "reg_loss", "cls_accuracy", "reg_mae"} <= set(history.history)
    logs = model.evaluate(X, [Y_CLASS, Y_REG], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], logs["cls_loss"] + 0.5 * logs["reg_loss"], rtol=1e-5)


def test_callbacks_see_every_hook_in_order():
    calls = []

    class Recorder(keras.callbacks.Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                calls.append(name)
            return super().__getattribute__(name)

    model = classifier()
    model.fit(
        X, Y_CLASS, batch_size=32, epochs=2, validation_split=0.5, callbacks=[Recorder()], verbose=0
    )
    hooks = [c for c in calls if c not in ("on_batch_begin", "on_batch_end")]
    assert hooks[0] == "on_train_begin" and hooks[-1] == "on_train_end"
    assert hooks.count("on_epoch_begin") == 2 and hooks.count("on_train_batch_end") == 2
    assert hooks.count("on_test_batch_end") == 2


def test_stop_training_from_a_callback():
    class StopAfterOne(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    history = classifier().fit(X, Y_CLASS, epochs=10, callbacks=[StopAfterOne()], verbose=0)
    assert history.epoch == [0]


ESC = re.compile(r"\x1b\[[0-9;]*m")


def test_progress_bar_layouts(capsys):
    model = classifier()
    model.fit(X, Y_CLASS, batch_size=32, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    final = ESC.sub("", out.split("\r")[-1])
    assert re.match(
        r"2/2 ━{20} \d+s \d+(ms|us|s)/step - accuracy: \d\.\d{4} - loss: "
        r"\d\.\d{4}",
        final,
    ), final
    model.fit(X, Y_CLASS, batch_size=32, epochs=1, verbose=2)
    line = capsys.readouterr().out.strip()
    assert re.fullmatch(
        r"2/2 - \d+s - \d+(ms|us|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}", line
    ), line
    model.fit(X, Y_CLASS, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
    model.predict(X, verbose=2)
    assert re.fullmatch(r"2/2 - \d+s - \d+(ms|us|s)/step", capsys.readouterr().out.strip())


def test_bad_input_raises_keras_style_errors():
    model = classifier()
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 5"):
        model.fit(np.ones((8, 4), "float32"), np.zeros(8, "int32"), verbose=0)
    with pytest.raises(
        ValueError, match="Data cardinality is ambiguous.*'x' sizes: 64.*'y' sizes: 60"
    ):
        model.fit(X, Y_CLASS[:60], verbose=0)
    with pytest.raises(ValueError, match="outside the valid range of \\[0, 3\\)"):
        model.fit(X, np.full(64, 3, "int32"), verbose=0)
    fresh = keras.Sequential([layers.Input((5,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="You must call `compile\\(\\)` before calling `fit"):
        fresh.fit(X, Y_REG, verbose=0)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        fresh.compile(optimizer="sgdd", loss="mse")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        fresh.compile(optimizer="sgd", loss="msee")
    fresh.compile(optimizer="sgd", loss="mse", metrics=["accuracyy"])
    with pytest.raises(ValueError, match="accuracyy"):
        fresh.fit(X, Y_REG, verbose=0)


def test_custom_training_loop():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([layers.Input((5,)), layers.Dense(1)])
    optimizer = keras.optimizers.SGD(learning_rate=0.05)
    loss_fn = keras.losses.MeanSquaredError()
    losses = []
    for _ in range(30):
        with keras.GradientTape() as tape:
            loss = loss_fn(Y_REG, model(X, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        losses.append(float(loss))
    assert losses[-1] < 0.1 * losses[0]


def test_digits_mlp_reaches_95_percent():
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.images.astype("float32")
    y = digits.target
    keras.utils.set_random_seed(42)
    order = np.random.permutation(len(y))
    x, y = x[order], y[order]
    # Standardized pixels, as one scales MNIST before this model.
    x = (x - x[:1400].mean()) / x[:1400].std()
    x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]
    model = keras.Sequential(
        [
            layers.Flatten(input_shape=[8, 8]),
            layers.Dense(300, activation="relu"),
            layers.Dense(100, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=30, validation_data=(x_test, y_test), verbose=0)
    _, test_acc = model.evaluate(x_test, y_test, verbose=0)
    assert test_acc >= 0.95
    assert model.predict(x_test, verbose=0).shape == (len(y_test), 10)
