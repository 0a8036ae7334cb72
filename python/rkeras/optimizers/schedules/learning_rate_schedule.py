"""Learning-rate schedules: the learning rate as a function of the step.

The built-in schedules compute Keras 3's formulas on the host (the step is
a small integer), so an optimizer resolves its learning rate for a step
without launching device work.
"""

import math

import numpy as np

from rkeras import ops


def _step_value(step):
    """The step as a Python float (accepts ints, tensors and Variables)."""
    if isinstance(step, (int, float, np.integer, np.floating)):
        return float(step)
    return float(ops.convert_to_numpy(step))


class LearningRateSchedule:
    """The learning rate schedule base class.

    A schedule is a callable that takes the current optimizer step (the
    optimizer's `iterations`) and returns the learning rate for it. Pass one
    as an optimizer's `learning_rate`; subclasses implement `__call__(step)`
    and `get_config()`.

    Example:

    ```python
    class MyLRSchedule(rkeras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, initial_learning_rate):
            self.initial_learning_rate = initial_learning_rate

        def __call__(self, step):
            return self.initial_learning_rate / (step + 1)

        def get_config(self):
            return {"initial_learning_rate": self.initial_learning_rate}

    optimizer = rkeras.optimizers.SGD(learning_rate=MyLRSchedule(0.1))
    ```
    """

    def __call__(self, step):
        if type(self)._value is LearningRateSchedule._value:
            raise NotImplementedError(
                f"Learning rate schedule '{self.__class__.__name__}' "
                "must override `__call__(self, step)`."
            )
        return ops.convert_to_tensor(np.float32(self._value(_step_value(step))))

    def _value(self, step):
        """The learning rate at `step` (a float) as a float."""
        raise NotImplementedError

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' "
            "must override `get_config()` in order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        """Instantiates a `LearningRateSchedule` from its config.

        Args:
            config: Output of `get_config()`.

        Returns:
            A `LearningRateSchedule` instance.
        """
        return cls(**config)


def _check_decay_steps(value, name="decay_steps"):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class ExponentialDecay(LearningRateSchedule):
    """A `LearningRateSchedule` that uses an exponential decay schedule.

    Computes `initial_learning_rate * decay_rate ** (step / decay_steps)`;
    with `staircase=True` the exponent is floored, so the rate decays in
    steps.

    Args:
        initial_learning_rate: A Python float. The initial learning rate.
        decay_steps: A Python integer. Must be positive.
        decay_rate: A Python float. The decay rate.
        staircase: Boolean. If `True` decay the learning rate at discrete
            intervals.
        name: String. Optional name of the operation. Defaults to
            `"ExponentialDecay"`.

    Returns:
        A 1-arg callable learning rate schedule that takes the current
        optimizer step and outputs the decayed learning rate, a scalar
        tensor of the same type as `initial_learning_rate`.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="ExponentialDecay",
    ):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_decay_steps(self.decay_steps)

    def _value(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate**p

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """A `LearningRateSchedule` that uses a piecewise constant decay schedule.

    `values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, and `values[-1]` after the
    last boundary.

    Args:
        boundaries: A list of Python numbers with strictly increasing
            entries.
        values: A list of Python numbers, one more than `boundaries`.
        name: A string. Optional name of the operation. Defaults to
            `"PiecewiseConstant"`.

    Raises:
        ValueError: if the number of elements in the `boundaries` and
            `values` lists do not match.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        super().__init__()
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of "
                f"values. Received: boundaries={boundaries} of length "
                f"{len(boundaries)}, and values={values} "
                f"of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def _value(self, step):
        if step <= self.boundaries[0]:
            return self.values[0]
        if step > self.boundaries[-1]:
            return self.values[-1]
        for low, high, value in zip(
            self.boundaries[:-1], self.boundaries[1:], self.values[1:-1], strict=False
        ):
            if low < step <= high:
                return value
        return 0.0

    def get_config(self):
        return {
            "boundaries": self.boundaries,
            "values": self.values,
            "name": self.name,
        }


class PolynomialDecay(LearningRateSchedule):
    """A `LearningRateSchedule` that uses a polynomial decay schedule.

    Computes `(initial_learning_rate - end_learning_rate) *
    (1 - step / decay_steps) ** power + end_learning_rate`, with the step
    capped at `decay_steps`; with `cycle=True`, `decay_steps` is instead
    multiplied by `ceil(step / decay_steps)` (1 at step 0).

    Args:
        initial_learning_rate: A Python float. The initial learning rate.
        decay_steps: A Python integer. Must be positive.
        end_learning_rate: A Python float. The minimal end learning rate.
        power: A Python float. The power of the polynomial. Defaults to
            `1.0`.
        cycle: A boolean, whether it should cycle beyond decay_steps.
        name: String. Optional name of the operation. Defaults to
            `"PolynomialDecay"`.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_decay_steps(self.decay_steps)

    def _value(self, step):
        decay_steps = float(self.decay_steps)
        if self.cycle:
            multiplier = 1.0 if step == 0 else math.ceil(step / self.decay_steps)
            decay_steps *= multiplier
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * (
            1 - p
        ) ** self.power + self.end_learning_rate

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """A `LearningRateSchedule` that uses an inverse time decay schedule.

    Computes `initial_learning_rate / (1 + decay_rate * step / decay_steps)`;
    with `staircase=True`, `step / decay_steps` is floored.

    Args:
        initial_learning_rate: A Python float. The initial learning rate.
        decay_steps: How often to apply decay.
        decay_rate: A Python number. The decay rate.
        staircase: Whether to apply decay in a discrete staircase, as
            opposed to continuous, fashion.
        name: String. Optional name of the operation. Defaults to
            `"InverseTimeDecay"`.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="InverseTimeDecay",
    ):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_decay_steps(self.decay_steps)

    def _value(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class CosineDecay(LearningRateSchedule):
    """A `LearningRateSchedule` that uses a cosine decay with optional warmup.

    Without warmup (`warmup_target=None`) the rate goes from
    `initial_learning_rate` to `alpha * initial_learning_rate` over
    `decay_steps` along half a cosine. With a `warmup_target`, it first
    rises linearly from `initial_learning_rate` to `warmup_target` over
    `warmup_steps`, then decays from `warmup_target` over `decay_steps`.

    Args:
        initial_learning_rate: A Python float. The initial learning rate.
        decay_steps: A Python int. Number of steps to decay over.
        alpha: A Python float. Minimum learning rate value for decay as a
            fraction of `initial_learning_rate`.
        name: String. Optional name of the operation. Defaults to
            `"CosineDecay"`.
        warmup_target: A Python float. The target learning rate for our
            warmup phase. Defaults to `None`, meaning no warmup.
        warmup_steps: A Python int. Number of steps to warmup over.
            Defaults to 0.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_decay_steps(self.decay_steps)

    def _decay(self, step, decay_from_lr):
        completed_fraction = step / self.decay_steps
        cosine_decayed = 0.5 * (1.0 + math.cos(math.pi * completed_fraction))
        return decay_from_lr * ((1 - self.alpha) * cosine_decayed + self.alpha)

    def _value(self, step):
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            completed_fraction = step / self.warmup_steps
            delta = self.warmup_target - self.initial_learning_rate
            return delta * completed_fraction + self.initial_learning_rate
        return self._decay(step - self.warmup_steps, self.warmup_target)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """A `LearningRateSchedule` that uses a cosine decay schedule with restarts.

    SGDR (Loshchilov & Hutter, 2016): cosine decay over `first_decay_steps`,
    then restarts; each period is `t_mul` times longer than the previous
    one and starts from `m_mul` times the previous initial rate.

    Args:
        initial_learning_rate: A Python float. The initial learning rate.
        first_decay_steps: A Python integer. Number of steps to decay over.
        t_mul: A Python float. Used to derive the number of iterations in
            the i-th period.
        m_mul: A Python float. Used to derive the initial learning rate of
            the i-th period.
        alpha: A Python float. Minimum learning rate value as a fraction of
            the `initial_learning_rate`.
        name: String. Optional name of the operation. Defaults to
            `"SGDRDecay"`.
    """

    def __init__(
        self,
        initial_learning_rate,
        first_decay_steps,
        t_mul=2.0,
        m_mul=1.0,
        alpha=0.0,
        name="SGDRDecay",
    ):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_decay_steps(self.first_decay_steps, "first_decay_steps")

    def _value(self, step):
        t_mul = self._t_mul
        completed_fraction = step / self.first_decay_steps
        if t_mul == 1.0:
            i_restart = math.floor(completed_fraction)
            completed_fraction -= i_restart
        else:
            i_restart = math.floor(
                math.log(1.0 - completed_fraction * (1.0 - t_mul)) / math.log(t_mul)
            )
            sum_r = (1.0 - t_mul**i_restart) / (1.0 - t_mul)
            completed_fraction = (completed_fraction - sum_r) / t_mul**i_restart
        m_fac = self._m_mul**i_restart
        cosine_decayed = 0.5 * m_fac * (1.0 + math.cos(math.pi * completed_fraction))
        decayed = (1 - self.alpha) * cosine_decayed + self.alpha
        return self.initial_learning_rate * decayed

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


_SCHEDULES = {
    cls.__name__: cls
    for cls in (
        LearningRateSchedule,
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(learning_rate_schedule):
    """Serializes a `LearningRateSchedule` into a JSON-compatible dict.

    Args:
        learning_rate_schedule: The `LearningRateSchedule` object to
            serialize.

    Returns:
        A JSON-serializable dict (Keras's object envelope).
    """
    cls = type(learning_rate_schedule)
    builtin = _SCHEDULES.get(cls.__name__) is cls
    return {
        "module": "keras.optimizers.schedules" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize(config, custom_objects=None):
    """Instantiates a `LearningRateSchedule` object from a serialized form.

    Args:
        config: The serialized form of the `LearningRateSchedule` (a dict
            with `class_name` and `config`).
        custom_objects: A dictionary mapping class names to custom classes.

    Returns:
        A `LearningRateSchedule` object.
    """
    custom_objects = custom_objects or {}
    name = config["class_name"]
    cls = (
        custom_objects.get(name)
        or custom_objects.get(config.get("registered_name") or "")
        or _SCHEDULES.get(name)
    )
    if cls is None:
        raise ValueError(
            f"Could not interpret learning rate schedule: unknown class '{name}'. "
            f"Full object config: {config}"
        )
    return cls.from_config(dict(config.get("config") or {}))
