"""`compile`, `fit`, `evaluate`, `predict` and their one-batch forms."""

import numpy as np

from rkeras import ops
from rkeras.callbacks.callback_list import CallbackList
from rkeras.gradient_tape import GradientTape
from rkeras.trainers import data_adapter
from rkeras.trainers.compile_utils import CompileLoss, CompileMetrics, sparse_label_check
from rkeras.trainers.compiled_step import CompiledStep
from rkeras.utils import tree


def _verbose(verbose):
    return 1 if verbose == "auto" else verbose


def _floats(logs):
    return {key: float(value) for key, value in logs.items()}


class Trainer:
    """Training and inference for `Model`."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self.run_eagerly = False
        self.jit_compile = "auto"
        self._compiled_train_body = None
        self._compiled_test_body = CompiledStep(self._test_body)
        self._compiled_predict_body = CompiledStep(self._predict_body)

    # ----- compile --------------------------------------------------------

    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Configures the model for training.

        Args:
            optimizer: an optimizer name (`"adam"`) or instance.
            loss: a loss name, function or `Loss`; a list or dict for
                models with several outputs.
            loss_weights: scalar weights of each output's loss.
            metrics: metrics to report (`"accuracy"` resolves to the right
                accuracy for the loss); lists or dicts per output.
            weighted_metrics: metrics that use `sample_weight`.
            run_eagerly: run every step op by op from Python. By default
                (and with `jit_compile` true or `"auto"`), `fit`,
                `evaluate` and `predict` record the built-in train, test
                and predict steps once per input shape and replay their
                kernels in Rust; as with `jax.jit`, Python code inside a
                step then runs only while it is recorded. A model that
                defines its own step runs that step eagerly.
            jit_compile: `False` runs eagerly, as `run_eagerly=True` does.
            steps_per_execution, auto_scale_loss: accepted for Keras
                compatibility.
        """
        from rkeras import metrics as metrics_module
        from rkeras import optimizers

        self.optimizer = optimizers.get(optimizer)
        names = self._output_names()
        self.loss = loss
        self._compile_loss = CompileLoss(loss, loss_weights, names) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, names, loss)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.run_eagerly = run_eagerly
        self.jit_compile = jit_compile
        self._compiled_train_body = CompiledStep(self._train_body)
        self._compiled_test_body = CompiledStep(self._test_body)
        self._compiled_predict_body = CompiledStep(self._predict_body)
        self.compiled = True
        self._compile_config = {
            "optimizer": optimizer,
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
        }

    def _output_names(self):
        outputs = getattr(self, "_outputs_struct", None)
        if outputs is None and getattr(self, "_graph", None) is not None:
            outputs = self._graph._outputs_struct
        if outputs is None:
            return ["output"]
        if isinstance(outputs, dict):
            return list(outputs)
        flat = tree.flatten(outputs)
        return [t._keras_history[0].name for t in flat] if len(flat) > 1 else ["output"]

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before calling `{method}()`.")

    @property
    def metrics(self):
        """The loss tracker and the compiled metrics."""
        out = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
        if self._compile_loss is not None and self._compile_loss.trackers:
            out.extend(t for t in self._compile_loss.trackers if t is not None)
        if self._compile_metrics is not None:
            out.extend(self._compile_metrics.metric_objects)
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    # ----- steps ----------------------------------------------------------

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus the layers' regularization losses."""
        total = None
        if self._compile_loss is not None and y is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        for extra in self.losses:
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError(
                "No loss to compute. Provide a `loss` argument in `compile()` (and targets `y`)."
            )
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics and returns their current results."""
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        return {m.name: m.result() for m in self.metrics}

    def _batch_size(self, x):
        first = tree.flatten(x)[0]
        return first.shape[0] if first.ndim else 1

    def train_step(self, data):
        """One optimizer step on a batch `(x, y, sample_weight)`."""
        (grads, logs), trainable = self._train_body(data)
        self._apply(grads, trainable)
        return logs

    def _train_body(self, data):
        """A train step up to the optimizer: `((grads, logs), trainable)`.
        Metrics read only `y_pred`, so updating them before the optimizer
        step gives what Keras reports."""
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        # Read after the forward pass: a subclassed model creates its weights
        # on its first call.
        trainable = self.trainable_weights
        self._loss_tracker.update_state(loss, sample_weight=self._batch_size(x))
        grads = tape.gradient(loss, trainable) if trainable else []
        return (grads, self.compute_metrics(x, y, y_pred, sample_weight)), trainable

    def _apply(self, grads, trainable):
        if trainable:
            self.optimizer.apply_gradients(zip(grads, trainable, strict=True))

    def _runs_compiled(self, step):
        """Whether the built-in `step` ("train_step", ...) replays a
        recorded plan: not when the model runs eagerly or defines its own."""
        if self.run_eagerly or self.jit_compile is False:
            return False
        return getattr(type(self), step) is getattr(Trainer, step)

    def _train_function(self, data):
        """The step `fit` and `train_on_batch` run."""
        if not self._runs_compiled("train_step"):
            return self.train_step(data)
        (grads, logs), trainable, updated = self._compiled_train_body(
            data, self.optimizer._engine_step
        )
        if updated:
            self.optimizer._engine_step_done()
        else:
            self._apply(grads, trainable)
        return logs

    def _test_body(self, data):
        return ([], self.test_step(data)), []

    def _predict_body(self, data):
        return ([], self.predict_step(data)), []

    def _test_function(self, data):
        """The step `evaluate` and validation run."""
        return self._inference(self.test_step, self._compiled_test_body, data)

    def _predict_function(self, data):
        """The step `predict` runs."""
        return self._inference(self.predict_step, self._compiled_predict_body, data)

    def _inference(self, step, compiled, data):
        """`step(data)`, replayed from its plan when the model runs compiled."""
        if not self._runs_compiled(step.__name__):
            return step(data)
        return compiled(data)[0][1]

    def test_step(self, data):
        """Loss and metrics on a batch, without training."""
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=self._batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = data_adapter.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ----- loops ----------------------------------------------------------

    def _check_labels(self, x, y):
        if self._compile_loss is None or y is None:
            return
        names = self._compile_loss.output_names
        dims = self._output_dims(names)
        for loss, y_out, dim in zip(
            self._compile_loss.losses, _as_outputs(y, names), dims, strict=False
        ):
            sparse_label_check(loss, y_out, dim)

    def _output_dims(self, names):
        """The last dimension of each output, in `names` order."""
        structure = getattr(self, "_outputs_struct", None)
        if structure is None and getattr(self, "_graph", None) is not None:
            structure = self._graph._outputs_struct
        if structure is None:
            return [None] * len(names)
        if isinstance(structure, dict):
            outputs = [structure[name] for name in names]
        else:
            outputs = tree.flatten(structure)
        return [t.shape[-1] if t.shape else None for t in outputs]

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Trains the model for `epochs` passes over the data.

        Args:
            x: inputs (NumPy arrays, lists/dicts of arrays, a generator of
                `(x, y)` batches or a `PyDataset`).
            y: targets, for array inputs.
            batch_size: samples per step (32 by default).
            epochs: number of passes over the data.
            verbose: `"auto"`/1 (progress bar), 2 (one line per epoch), 0.
            callbacks: a list of `Callback`s.
            validation_split: fraction of array data (taken from the end)
                held out for validation.
            validation_data: `(x_val, y_val)` or `(x_val, y_val, sw)`.
            shuffle: whether to shuffle array data each epoch.
            class_weight: a dict weighting the loss per class index.
            sample_weight: per-sample weights.
            initial_epoch: the epoch to start from (to resume training).
            steps_per_epoch: steps per epoch (default: all the data).
            validation_steps, validation_batch_size, validation_freq: as in Keras.

        Returns:
            A `History` whose `history` maps each metric to its per-epoch values.
        """
        self._assert_compiled("fit")
        verbose = _verbose(verbose)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapter.split_for_validation(
                x, y, sample_weight, validation_split
            )
        self._check_labels(x, y)
        train = data_adapter.make_batches(
            x, y, sample_weight, batch_size, steps_per_epoch, shuffle, class_weight
        )
        val = None
        if validation_data is not None:
            vx, vy, vsw = data_adapter.unpack_x_y_sample_weight(
                tuple(validation_data) if isinstance(validation_data, list) else validation_data
            )
            val = data_adapter.make_batches(
                vx, vy, vsw, validation_batch_size or batch_size, validation_steps
            )
        callbacks = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=train.num_batches,
        )
        self.stop_training = False
        self._compiled_train_body.forget_unless(self.trainable_weights)
        self._initial_epoch = None
        callbacks.on_train_begin()
        # BackupAndRestore may resume from a later epoch.
        if self._initial_epoch is not None:
            initial_epoch = self._initial_epoch
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            logs = {}
            for step, batch in enumerate(train.batches()):
                callbacks.on_train_batch_begin(step)
                logs = self._train_function(batch)
                callbacks.on_train_batch_end(step, _sorted(logs))
                if self.stop_training:
                    break
            epoch_logs = _floats(_sorted(self.get_metrics_result()))
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_evaluation(val, callbacks)
                epoch_logs.update({f"val_{k}": v for k, v in _sorted(val_logs).items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callbacks.on_train_end(epoch_logs)
        return self.history

    def _run_evaluation(self, batches, callbacks):
        self.reset_metrics()
        callbacks.on_test_begin()
        logs = {}
        for step, batch in enumerate(batches.batches()):
            callbacks.on_test_batch_begin(step)
            logs = self._test_function(batch)
            callbacks.on_test_batch_end(step, _sorted(logs))
        logs = _floats(self.get_metrics_result())
        callbacks.on_test_end(_sorted(logs))
        return logs

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        **kwargs,
    ):
        """Returns the loss and metrics on data.

        Returns:
            The scalar loss when no metrics were compiled; otherwise
            `[loss, *metrics]` in compile order, or a dict with
            `return_dict=True`.
        """
        self._assert_compiled("evaluate")
        verbose = _verbose(verbose)
        self._check_labels(x, y)
        batches = data_adapter.make_batches(x, y, sample_weight, batch_size, steps)
        callbacks = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=batches.num_batches,
        )
        logs = self._run_evaluation(batches, callbacks)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Runs the model on `x` batch by batch; returns NumPy arrays."""
        verbose = _verbose(verbose)
        batches = data_adapter.make_batches(x, None, None, batch_size, steps)
        callbacks = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=batches.num_batches,
        )
        callbacks.on_predict_begin()
        outputs = []
        for step, batch in enumerate(batches.batches()):
            callbacks.on_predict_batch_begin(step)
            out = self._predict_function(batch)
            outputs.append(tree.map_structure(np.asarray, out))
            callbacks.on_predict_batch_end(step, {"outputs": out})
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError("`predict` got no batches: the input has no samples.")
        flat = [tree.flatten(o) for o in outputs]
        joined = [np.concatenate([f[i] for f in flat]) for i in range(len(flat[0]))]
        return tree.pack_sequence_as(outputs[0], joined)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns the loss and metrics."""
        self._assert_compiled("train_on_batch")
        self._check_labels(x, y)
        self.reset_metrics()
        batch = next(
            iter(
                data_adapter.ArrayBatches(
                    x,
                    y,
                    sample_weight,
                    batch_size=len(tree.flatten(x)[0]),
                    class_weight=class_weight,
                ).batches()
            )
        )
        logs = _floats(self._train_function(batch))
        return _result(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics on one batch."""
        self._assert_compiled("test_on_batch")
        self.reset_metrics()
        batch = next(
            iter(
                data_adapter.ArrayBatches(
                    x, y, sample_weight, batch_size=len(tree.flatten(x)[0])
                ).batches()
            )
        )
        logs = _floats(self._test_function(batch))
        return _result(logs, return_dict)

    def predict_on_batch(self, x):
        """The model's output on one batch, as NumPy."""
        x = tree.map_structure(ops.convert_to_tensor, x)
        return tree.map_structure(np.asarray, self(x, training=False))


def _sorted(logs):
    return {key: logs[key] for key in sorted(logs)}


def _result(logs, return_dict):
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _as_outputs(y, names):
    if isinstance(y, dict):
        return [y.get(name) for name in names]
    if len(names) > 1 and isinstance(y, (list, tuple)):
        return list(y)
    return [y]
