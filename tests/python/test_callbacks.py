"""Keras's standard training callbacks: EarlyStopping, ReduceLROnPlateau,
LearningRateScheduler, TerminateOnNaN and CSVLogger, driven by real `fit`s."""

import math

import numpy as np
import pytest

import rkeras as keras
from rkeras import layers
from rkeras.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ReduceLROnPlateau,
    TerminateOnNaN,
)

rng = np.random.default_rng(5)
X = rng.normal(size=(32, 4)).astype("float32")
Y = (X @ rng.normal(size=(4, 1))).astype("float32")
X_VAL = rng.normal(size=(8, 4)).astype("float32")
Y_VAL = (X_VAL @ rng.normal(size=(4, 1))).astype("float32")
LR = float(np.float32(0.1))  # the learning rate as the float32 Variable holds it


def regressor(lr=0.1, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [layers.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(1)]
    )
    model.compile(keras.optimizers.SGD(learning_rate=lr), "mse")
    return model


class Inject(Callback):
    """Writes `values[epoch]` into the epoch logs under `key`; it must come
    before the callback under test, which then sees the crafted value."""

    def __init__(self, key, values):
        super().__init__()
        self.key = key
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def fit(model, callbacks, epochs=10, **kwargs):
    kwargs.setdefault("batch_size", 8)
    return model.fit(X, Y, epochs=epochs, verbose=0, callbacks=callbacks, **kwargs)


# ---------------------------------------------------------------- EarlyStopping


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    stop = EarlyStopping(monitor="score", mode="min", patience=2)
    history = fit(regressor(), [Inject("score", [5, 4, 3, 3.5, 3.2, 3.1, 1, 1, 1, 1]), stop])
    assert history.epoch == [0, 1, 2, 3, 4]
    assert stop.stopped_epoch == 4
    assert stop.best == 3
    assert stop.best_epoch == 2
    assert stop.wait == 2


def test_early_stopping_patience_zero_stops_at_first_non_improvement():
    stop = EarlyStopping(monitor="score", mode="min")
    history = fit(regressor(), [Inject("score", [3, 2, 2, 1, 0, 0, 0, 0, 0, 0]), stop])
    # Equal is not an improvement.
    assert history.epoch == [0, 1, 2]
    assert stop.stopped_epoch == 2


def test_early_stopping_auto_mode_maximises_accuracy_and_minimises_loss():
    seq = [0.5, 0.6, 0.55, 0.58, 0.7, 0.8, 0.9, 0.9, 0.9, 0.9]
    stop = EarlyStopping(monitor="val_accuracy", patience=2)
    history = fit(regressor(), [Inject("val_accuracy", seq), stop])
    assert history.epoch == [0, 1, 2, 3]
    assert stop.best == 0.6
    # The same sequence read as a loss stops at once: 0.6 > 0.5.
    stop = EarlyStopping(monitor="val_loss", patience=0)
    history = fit(regressor(), [Inject("val_loss", seq), stop])
    assert history.epoch == [0, 1]
    assert stop.best == 0.5
    for name in ["auc", "val_precision", "recall"]:
        stop = EarlyStopping(monitor=name, patience=0)
        history = fit(regressor(), [Inject(name, [1.0, 2.0, 3.0, 2.0, 0, 0]), stop], epochs=6)
        assert history.epoch == [0, 1, 2, 3], name


def test_early_stopping_auto_mode_rejects_an_unknown_direction():
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        fit(regressor(), [Inject("zork", [1.0] * 10), EarlyStopping(monitor="zork")])


def test_early_stopping_unknown_mode_falls_back_to_auto():
    with pytest.warns(UserWarning, match="EarlyStopping mode sideways is unknown"):
        stop = EarlyStopping(monitor="score_acc", mode="sideways")
    assert stop.mode == "auto"


def test_early_stopping_min_delta():
    stop = EarlyStopping(monitor="score", mode="min", patience=1, min_delta=0.1)
    history = fit(regressor(), [Inject("score", [1.0, 0.95, 0.5, 0.4, 0, 0, 0, 0, 0, 0]), stop])
    assert history.epoch == [0, 1]
    assert stop.best == 1.0
    stop = EarlyStopping(monitor="score", mode="max", patience=1, min_delta=-0.1)
    history = fit(regressor(), [Inject("score", [1.0, 1.05, 1.2, 1.25, 0, 0, 0, 0, 0, 0]), stop])
    # min_delta is taken as an absolute value.
    assert stop.min_delta == 0.1
    assert history.epoch == [0, 1]


def test_early_stopping_baseline_stops_when_baseline_is_not_beaten():
    seq = [0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 1, 1, 1, 1]
    with_baseline = EarlyStopping(monitor="score", mode="min", patience=2, baseline=0.5)
    history = fit(regressor(), [Inject("score", seq), with_baseline])
    assert history.epoch == [0, 1]
    without = EarlyStopping(monitor="score", mode="min", patience=2)
    history = fit(regressor(), [Inject("score", seq), without])
    assert history.epoch == [0, 1, 2]


def test_early_stopping_start_from_epoch():
    seq = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    stop = EarlyStopping(monitor="score", mode="min", start_from_epoch=2)
    history = fit(regressor(), [Inject("score", seq), stop])
    assert history.epoch == [0, 1, 2, 3]
    assert stop.best == 3
    stop = EarlyStopping(monitor="score", mode="min")
    assert fit(regressor(), [Inject("score", seq), stop]).epoch == [0, 1]


def test_early_stopping_restores_the_best_weights(capsys):
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    model = regressor()
    stop = EarlyStopping(
        monitor="score", mode="min", patience=2, restore_best_weights=True, verbose=1
    )
    seq = [3, 1, 2, 2, 0, 0, 0, 0, 0, 0]
    history = fit(model, [Inject("score", seq), record, stop])
    assert history.epoch == [0, 1, 2, 3]
    assert stop.best_epoch == 1
    restored = model.get_weights()
    for got, want in zip(restored, snapshots[1], strict=True):
        np.testing.assert_array_equal(got, want)
    assert not all(np.array_equal(a, b) for a, b in zip(restored, snapshots[3], strict=True))
    out = capsys.readouterr().out
    assert out == (
        "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"
    )


def test_early_stopping_keeps_last_weights_without_restore():
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    model = regressor()
    stop = EarlyStopping(monitor="score", mode="min", patience=2)
    fit(model, [Inject("score", [3, 1, 2, 2, 0, 0, 0, 0, 0, 0]), record, stop])
    for got, want in zip(model.get_weights(), snapshots[-1], strict=True):
        np.testing.assert_array_equal(got, want)


def test_early_stopping_silent_by_default(capsys):
    fit(regressor(), [Inject("score", [1, 2, 3] + [0] * 7), EarlyStopping("score", mode="min")])
    assert capsys.readouterr().out == ""


def test_early_stopping_on_real_val_loss():
    # Validation targets of the opposite sign: the better the model fits the
    # training data, the higher val_loss goes, so training stops at once.
    model = regressor(lr=0.05)
    stop = EarlyStopping(patience=1)
    history = fit(model, [stop], validation_data=(X, -Y))
    val = history.history["val_loss"]
    assert val[1] > val[0]
    assert history.epoch == [0, 1]
    assert stop.stopped_epoch == 1
    assert stop.best == val[0]
    # With patience 3 it runs three epochs past the best (epoch 0).
    stop = EarlyStopping(patience=3, restore_best_weights=True)
    model = regressor(lr=0.05)
    first = []
    record = LambdaCallback(on_epoch_end=lambda e, logs: first.append(model.get_weights()))
    history = fit(model, [record, stop], validation_data=(X, -Y))
    assert history.epoch == [0, 1, 2, 3]
    for got, want in zip(model.get_weights(), first[0], strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(
        model.evaluate(X, -Y, verbose=0), history.history["val_loss"][0], rtol=1e-5
    )


def test_early_stopping_runs_all_epochs_while_loss_improves():
    model = regressor(lr=0.01)
    stop = EarlyStopping(monitor="loss")
    history = fit(model, [stop], epochs=5)
    assert np.all(np.diff(history.history["loss"]) < 0)
    assert history.epoch == [0, 1, 2, 3, 4]
    assert stop.stopped_epoch == 0


def test_early_stopping_warns_when_monitor_is_missing():
    stop = EarlyStopping(monitor="val_missing", mode="min")
    with pytest.warns(UserWarning) as record:
        history = fit(regressor(), [stop], epochs=3)
    assert history.epoch == [0, 1, 2]
    messages = [str(w.message) for w in record]
    assert (
        messages
        == [
            "Early stopping conditioned on metric `val_missing` which is not available. "
            "Available metrics are: loss"
        ]
        * 3
    )


def test_early_stopping_instance_is_reusable():
    stop = EarlyStopping(monitor="score", mode="min", patience=1)
    fit(regressor(), [Inject("score", [1, 2, 3] + [0] * 7), stop])
    assert stop.stopped_epoch == 1
    history = fit(regressor(), [Inject("score", [5, 4, 3, 2, 1, 0, 0, 0, 0, 0]), stop])
    assert history.epoch == list(range(7))
    assert stop.stopped_epoch == 6
    assert stop.best == 0


# ------------------------------------------------------------ ReduceLROnPlateau


def test_reduce_lr_on_plateau_reduces_at_the_right_epochs(capsys):
    model = regressor()
    reduce = ReduceLROnPlateau(monitor="score", factor=0.5, patience=2, verbose=1)
    history = fit(model, [Inject("score", [1.0] * 6), reduce], epochs=6)
    # `learning_rate` is logged before the reduction of that epoch.
    lrs = history.history["learning_rate"]
    assert lrs == pytest.approx([LR, LR, LR, LR * 0.5, LR * 0.5, LR * 0.25], rel=1e-6)
    assert float(np.asarray(model.optimizer.learning_rate)) == pytest.approx(LR * 0.25, rel=1e-6)
    out = capsys.readouterr().out
    first = LR * 0.5
    second = float(np.float32(first)) * 0.5
    assert out == (
        f"\nEpoch 3: ReduceLROnPlateau reducing learning rate to {first}.\n"
        f"\nEpoch 5: ReduceLROnPlateau reducing learning rate to {second}.\n"
    )


def test_reduce_lr_on_plateau_waits_while_improving_and_honours_min_delta():
    reduce = ReduceLROnPlateau(monitor="score", factor=0.5, patience=1, min_delta=0.1)
    seq = [1.0, 0.8, 0.75, 0.5, 0.5]
    history = fit(regressor(), [Inject("score", seq), reduce], epochs=5)
    # 0.75 is not 0.1 better than 0.8: reduce at epoch 2; 0.5 improves; 0.5 again: reduce.
    lrs = history.history["learning_rate"]
    assert lrs == pytest.approx([LR, LR, LR, LR / 2, LR / 2], rel=1e-6)
    assert float(np.asarray(regressor().optimizer.learning_rate)) == pytest.approx(LR)


def test_reduce_lr_on_plateau_cooldown():
    reduce = ReduceLROnPlateau(monitor="score", factor=0.5, patience=1, cooldown=2)
    history = fit(regressor(), [Inject("score", [1.0] * 7), reduce], epochs=7)
    # Reductions at the ends of epochs 1, 3 and 5: the epoch that ends the
    # cooldown counts towards patience again.
    want = [LR, LR, LR / 2, LR / 2, LR / 4, LR / 4, LR / 8]
    assert history.history["learning_rate"] == pytest.approx(want, rel=1e-6)
    # Without a cooldown it reduces every epoch once patience is reached.
    reduce = ReduceLROnPlateau(monitor="score", factor=0.5, patience=1)
    history = fit(regressor(), [Inject("score", [1.0] * 4), reduce], epochs=4)
    assert history.history["learning_rate"] == pytest.approx([LR, LR, LR / 2, LR / 4], rel=1e-6)


def test_reduce_lr_on_plateau_min_lr():
    model = regressor()
    reduce = ReduceLROnPlateau(monitor="score", factor=0.1, patience=1, min_lr=0.005)
    history = fit(model, [Inject("score", [1.0] * 5), reduce], epochs=5)
    want = [LR, LR, LR / 10, 0.005, 0.005]
    assert history.history["learning_rate"] == pytest.approx(want, rel=1e-6)


def test_reduce_lr_on_plateau_auto_mode_maximises_acc():
    reduce = ReduceLROnPlateau(monitor="val_acc", patience=1)
    history = fit(regressor(), [Inject("val_acc", [0.1, 0.2, 0.3, 0.4]), reduce], epochs=4)
    assert history.history["learning_rate"] == pytest.approx([LR] * 4, rel=1e-6)
    reduce = ReduceLROnPlateau(monitor="val_acc", mode="min", patience=1)
    history = fit(regressor(), [Inject("val_acc", [0.1, 0.2, 0.3, 0.4]), reduce], epochs=4)
    assert history.history["learning_rate"] == pytest.approx([LR, LR, LR / 10, LR / 100], rel=1e-5)


def test_reduce_lr_on_plateau_logs_learning_rate_after_sorted_keys():
    history = fit(regressor(), [ReduceLROnPlateau()], epochs=2, validation_data=(X_VAL, Y_VAL))
    assert list(history.history) == ["loss", "val_loss", "learning_rate"]
    assert all(isinstance(v, float) for v in history.history["learning_rate"])


def test_reduce_lr_on_plateau_rejects_factor_and_warns_on_missing_monitor():
    with pytest.raises(ValueError, match="does not support a factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on metric"):
        history = fit(regressor(), [ReduceLROnPlateau(monitor="val_loss")], epochs=2)
    assert history.history["learning_rate"] == pytest.approx([LR, LR], rel=1e-6)


# -------------------------------------------------------- LearningRateScheduler


def test_learning_rate_scheduler_sets_and_logs_the_rate(capsys):
    seen = []

    def schedule(epoch, lr):
        seen.append((epoch, lr))
        return 0.1 / (epoch + 1)

    model = regressor(lr=0.5)
    history = fit(model, [LearningRateScheduler(schedule, verbose=1)], epochs=3)
    assert [e for e, _ in seen] == [0, 1, 2]
    assert [lr for _, lr in seen] == pytest.approx([0.5, 0.1, 0.05], rel=1e-6)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3], rel=1e-6)
    assert list(history.history) == ["loss", "learning_rate"]
    out = capsys.readouterr().out
    assert out == "".join(
        f"\nEpoch {e + 1}: LearningRateScheduler setting learning rate to {0.1 / (e + 1)}.\n"
        for e in range(3)
    )


def test_learning_rate_scheduler_rate_is_used_for_training():
    model = regressor()
    before = model.get_weights()
    fit(model, [LearningRateScheduler(lambda epoch, lr: 0.0)], epochs=2)
    for got, want in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(got, want)
    fit(model, [LearningRateScheduler(lambda epoch, lr: 0.01)], epochs=1)
    assert not np.array_equal(model.get_weights()[0], before[0])


def test_learning_rate_scheduler_accepts_epoch_only_schedule_and_checks_type():
    history = fit(regressor(), [LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], epochs=2)
    assert history.history["learning_rate"] == pytest.approx([0.01, 0.02], rel=1e-6)
    with pytest.raises(ValueError, match="should be a float. Got: 1"):
        fit(regressor(), [LearningRateScheduler(lambda epoch, lr: 1)], epochs=1)


# --------------------------------------------------------------- TerminateOnNaN


def test_terminate_on_nan_stops_at_the_bad_batch(capsys):
    y = Y.copy()
    y[20] = np.nan  # in batch 2 of 4 (batch size 8, no shuffling)
    batches = []
    count = LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))
    model = regressor()
    history = model.fit(
        X, y, epochs=5, batch_size=8, shuffle=False, verbose=0, callbacks=[count, TerminateOnNaN()]
    )
    assert batches == [0, 1, 2]
    assert history.epoch == [0]
    assert math.isnan(history.history["loss"][0])
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"


def test_terminate_on_nan_catches_inf_and_leaves_finite_runs_alone():
    y = Y.copy()
    y[0] = np.inf
    history = regressor().fit(
        X, y, epochs=3, batch_size=8, shuffle=False, verbose=0, callbacks=[TerminateOnNaN()]
    )
    assert history.epoch == [0]
    history = fit(regressor(), [TerminateOnNaN()], epochs=3)
    assert history.epoch == [0, 1, 2]


def test_terminate_on_nan_raise_error():
    y = Y.copy()
    y[0] = np.nan
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        regressor().fit(X, y, epochs=2, shuffle=False, verbose=0, callbacks=[TerminateOnNaN(True)])


# ------------------------------------------------------------------- CSVLogger


def test_csv_logger_writes_keras_format(tmp_path):
    path = tmp_path / "log.csv"
    history = fit(regressor(), [CSVLogger(path)], epochs=3, validation_data=(X_VAL, Y_VAL))
    h = history.history
    want = "epoch,loss,val_loss\r\n" + "".join(
        f"{e},{h['loss'][e]},{h['val_loss'][e]}\r\n" for e in range(3)
    )
    assert path.read_bytes().decode() == want


def test_csv_logger_separator_sorted_keys_and_append(tmp_path):
    path = str(tmp_path / "log.csv")
    callbacks = [ReduceLROnPlateau(monitor="loss"), CSVLogger(path, separator=";")]
    history = fit(regressor(), callbacks, epochs=2)
    h = history.history
    rows = [f"{e};{h['learning_rate'][e]};{h['loss'][e]}\r\n" for e in range(2)]
    assert open(path, newline="").read() == "epoch;learning_rate;loss\r\n" + "".join(rows)
    # append=True continues the file without a second header.
    history = fit(
        regressor(),
        [ReduceLROnPlateau(monitor="loss"), CSVLogger(path, ";", append=True)],
        epochs=1,
    )
    more = f"0;{history.history['learning_rate'][0]};{history.history['loss'][0]}\r\n"
    assert open(path, newline="").read() == "epoch;learning_rate;loss\r\n" + "".join(rows) + more
    # append=False overwrites.
    history = fit(regressor(), [CSVLogger(path, ";")], epochs=1)
    assert open(path, newline="").read() == f"epoch;loss\r\n0;{history.history['loss'][0]}\r\n"


def test_csv_logger_append_to_empty_file_writes_header_and_missing_keys_as_na(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("")
    logger = CSVLogger(path, append=True)

    def drop_score(epoch, logs):
        if epoch == 1:
            del logs["score"]

    callbacks = [Inject("score", [1.5, 2.5]), LambdaCallback(on_epoch_end=drop_score), logger]
    history = fit(regressor(), callbacks, epochs=2)
    loss = history.history["loss"]
    assert path.read_bytes().decode() == (
        f"epoch,loss,score\r\n0,{loss[0]},1.5\r\n1,{loss[1]},NA\r\n"
    )
    assert logger.csv_file.closed
