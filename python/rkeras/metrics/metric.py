"""The `Metric` base class: state variables, update, result, reset."""

from rkeras import initializers
from rkeras.backend.variable import Variable
from rkeras.utils.naming import to_snake_case, uniquify

# Dtypes the engine stores as float32 (its only float compute dtype).
_FLOAT32_ALIASES = ("float64", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16")


def standardize_dtype(dtype):
    """A metric's compute dtype from a string, a dtype, a policy or its config."""
    if dtype is None:
        return "float32"
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name", "float32")
    name = getattr(dtype, "name", dtype)
    name = str(name)
    if name in _FLOAT32_ALIASES:
        return "float32"
    return name


class Metric:
    """Encapsulates metric logic and state.

    A metric keeps its running statistics in non-trainable variables that
    live on the engine's device: `update_state()` adds a batch to them,
    `result()` computes the metric's value from them as a tensor (nothing
    is read back to the host until the caller converts it), and
    `reset_state()` starts over.

    Subclasses create their state in `__init__` with `self.add_variable()`
    and implement `update_state()` and `result()`.

    Args:
        dtype: the dtype of the metric's computations (default `"float32"`).
        name: the metric's name (by default the class name in snake case,
            made unique).

    Example:

    ```python
    class BinaryTruePositives(Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(
                shape=(), initializer="zeros", name="true_positives"
            )

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = ops.logical_and(ops.cast(y_true, "bool"), ops.cast(y_pred, "bool"))
            self.true_positives.assign_add(ops.sum(ops.cast(hits, self.dtype)))

        def result(self):
            return self.true_positives
    ```
    """

    def __init__(self, dtype=None, name=None):
        object.__setattr__(self, "_variables", [])
        object.__setattr__(self, "_metrics", [])
        object.__setattr__(self, "_initial_values", [])
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self._dtype = standardize_dtype(dtype)

    # ----- tracking -------------------------------------------------------

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and value is not self and hasattr(self, "_metrics"):
            if not any(value is m for m in self._metrics):
                self._metrics.append(value)
        object.__setattr__(self, name, value)

    def _check_super_called(self):
        if not hasattr(self, "_variables"):
            raise RuntimeError(
                "You forgot to call `super().__init__()` in the `__init__()` method. Go add it!"
            )

    # ----- state ----------------------------------------------------------

    @property
    def dtype(self):
        """The dtype of the metric's computations, e.g. `"float32"`."""
        return self._dtype

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Creates a non-trainable state variable owned by this metric.

        Args:
            shape: the variable's shape.
            initializer: an initializer, its name (e.g. `"zeros"`), or a
                callable `initializer(shape, dtype)`.
            dtype: the variable's dtype (default: the metric's dtype).
            aggregation: how replicas combine the variable (kept for Keras
                compatibility).
            name: the variable's name.

        Returns:
            The new `rkeras.Variable`.
        """
        self._check_super_called()
        shape = tuple(int(d) for d in shape) if shape is not None else ()
        dtype = standardize_dtype(dtype) if dtype is not None else self.dtype
        init = initializers.get(initializer)
        value = init(shape, dtype=dtype) if callable(init) else init
        path = f"{self.name.replace('/', '>')}/{name}" if name else None
        variable = Variable(
            value,
            shape=shape,
            dtype=dtype,
            trainable=False,
            aggregation=aggregation,
            synchronization="on_read",
            name=name,
            path=path,
        )
        self._variables.append(variable)
        # Variables are updated in place; a separate copy keeps the start value.
        self._initial_values.append(Variable(variable.value, trainable=False))
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Alias of `add_variable` (Keras 2 name)."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        """The metric's state variables, then those of its sub-metrics."""
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    def reset_state(self):
        """Resets every state variable to its initial value.

        Called between epochs and between evaluations.
        """
        for variable, initial in zip(self._variables, self._initial_values, strict=True):
            variable.assign(initial.value)
        for metric in self._metrics:
            metric.reset_state()

    def update_state(self, *args, **kwargs):
        """Accumulates statistics for the metric."""
        raise NotImplementedError

    def result(self):
        """Computes the current value of the metric.

        Returns:
            A scalar tensor (or a tensor or dict of tensors for metrics with
            several values).
        """
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    # ----- config ---------------------------------------------------------

    def get_config(self):
        """The metric's constructor arguments, as a JSON-friendly dict."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """Creates a metric from the dict `get_config()` returned."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    def __str__(self):
        return self.__repr__()
