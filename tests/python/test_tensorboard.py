"""TensorBoard event files, read back with tensorboard's own reader."""

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import rkeras as keras


def test_epoch_scalars_batch_scalars_and_histograms(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.rand(64, 4).astype("float32")
    y = (x.sum(1) > 2).astype("int32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(
        x,
        y,
        epochs=3,
        batch_size=16,
        validation_split=0.25,
        verbose=0,
        callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=1, update_freq="batch")],
    )
    train = EventAccumulator(str(tmp_path / "train"), size_guidance={"scalars": 0}).Reload()
    validation = EventAccumulator(str(tmp_path / "validation")).Reload()
    losses = [e.value for e in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-6)
    assert [e.step for e in train.Scalars("epoch_accuracy")] == [0, 1, 2]
    val_losses = [e.value for e in validation.Scalars("epoch_loss")]
    np.testing.assert_allclose(val_losses, history.history["val_loss"], rtol=1e-6)
    assert len(train.Scalars("batch_loss")) == 9
    histograms = train.Tags()["histograms"]
    assert any(tag.endswith("kernel") for tag in histograms)


def test_graph_of_layers_is_written(tmp_path):
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    h = keras.layers.Concatenate(name="join")([a, b])
    out = keras.layers.Dense(1, name="head")(keras.layers.Dense(4, name="hidden")(h))
    model = keras.Model([a, b], out)
    model.compile("sgd", "mse")
    model.fit(
        [np.ones((8, 3)), np.ones((8, 2))],
        np.ones((8, 1)),
        epochs=1,
        verbose=0,
        callbacks=[keras.callbacks.TensorBoard(tmp_path)],
    )
    graph = EventAccumulator(str(tmp_path / "train")).Reload().Graph()
    inputs = {node.name: list(node.input) for node in graph.node}
    assert inputs["join"] == ["a", "b"]
    assert inputs["hidden"] == ["join"] and inputs["head"] == ["hidden"]
    assert {node.op for node in graph.node} >= {"InputLayer", "Concatenate", "Dense"}
