"""`TensorBoard`: event files of the training metrics, through the
`tensorboard` package's own writer and protobufs."""

import os
import time

import numpy as np

from rkeras.callbacks.callback import Callback


def _writer_modules():
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as e:
        raise ImportError(
            "The TensorBoard callback writes event files with the `tensorboard` package: "
            "pip install tensorboard"
        ) from e
    return EventFileWriter, event_pb2, summary_pb2


class TensorBoard(Callback):
    """Writes metrics (and optionally weight histograms) for TensorBoard.

    As Keras does, training values go to `log_dir/train` and validation
    values to `log_dir/validation`, under tags like `epoch_loss`.

    Args:
        log_dir: the directory of the event files.
        histogram_freq: write weight histograms every this many epochs
            (0: never).
        write_graph: write the model's layer graph (one node per layer, with
            edges from the layers that feed it) for TensorBoard's Graphs tab.
        write_images: accepted for Keras compatibility.
        update_freq: `"epoch"`, `"batch"` or an integer number of batches
            between training-metric writes.
    """

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
    ):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._writers = {}
        self._batches = 0

    def _writer(self, name):
        if name not in self._writers:
            writer_cls, _, _ = _writer_modules()
            directory = os.path.join(self.log_dir, name)
            os.makedirs(directory, exist_ok=True)
            self._writers[name] = writer_cls(directory)
        return self._writers[name]

    def _scalars(self, name, values, step):
        _, event_pb2, summary_pb2 = _writer_modules()
        summary = summary_pb2.Summary(
            value=[
                summary_pb2.Summary.Value(tag=tag, simple_value=float(value))
                for tag, value in values.items()
            ]
        )
        self._writer(name).add_event(
            event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary)
        )

    def _histograms(self, epoch):
        _, event_pb2, summary_pb2 = _writer_modules()
        values = []
        for variable in self.model.weights:
            data = np.asarray(variable, dtype="float64").ravel()
            if data.size == 0:
                continue
            counts, edges = np.histogram(data, bins=30)
            histogram = summary_pb2.HistogramProto(
                min=float(data.min()),
                max=float(data.max()),
                num=float(data.size),
                sum=float(data.sum()),
                sum_squares=float((data**2).sum()),
                bucket_limit=[float(e) for e in edges[1:]],
                bucket=[float(c) for c in counts],
            )
            values.append(summary_pb2.Summary.Value(tag=variable.path, histo=histogram))
        self._writer("train").add_event(
            event_pb2.Event(
                wall_time=time.time(), step=epoch, summary=summary_pb2.Summary(value=values)
            )
        )

    def on_train_begin(self, logs=None):
        if self.write_graph:
            self._write_graph()

    def _write_graph(self):
        from tensorboard.compat.proto import graph_pb2

        _, event_pb2, _ = _writer_modules()
        graph = graph_pb2.GraphDef()
        model = self.model
        source = getattr(model, "_graph", None) or model
        nodes = getattr(source, "_nodes", None)
        if nodes is None:
            # Subclassed models: their layers in order, as a chain.
            previous = None
            for layer in model.layers:
                node = graph.node.add(name=layer.name, op=type(layer).__name__)
                if previous is not None:
                    node.input.append(previous)
                previous = layer.name
        else:
            added = set()
            for call in nodes:
                if call.layer.name in added:
                    continue
                added.add(call.layer.name)
                node = graph.node.add(name=call.layer.name, op=type(call.layer).__name__)
                for t in call.input_tensors:
                    node.input.append(t._keras_history[0].name)
        self._writer("train").add_event(
            event_pb2.Event(wall_time=time.time(), graph_def=graph.SerializeToString())
        )

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if isinstance(self.update_freq, int) and self._batches % self.update_freq == 0:
            self._scalars(
                "train", {f"batch_{k}": v for k, v in (logs or {}).items()}, self._batches
            )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {f"epoch_{k}": v for k, v in logs.items() if not k.startswith("val_")}
        validation = {f"epoch_{k[4:]}": v for k, v in logs.items() if k.startswith("val_")}
        if train:
            self._scalars("train", train, epoch)
        if validation:
            self._scalars("validation", validation, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
