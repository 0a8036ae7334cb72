"""The optimizer base class: state, `apply_gradients`, clipping, weight
decay, EMA, gradient accumulation and serialization, as in Keras 3.

Built-in optimizers name a fused update rule (`_update_kind`); one
`apply_gradients` call then updates every variable and its slots in ONE
engine call (`rkeras._core.optimizer_update`), with gradient unscaling,
clipping and weight decay folded into the same pass. Optimizers written
against Keras's subclassing API (`build` + `update_step`) run their
`update_step` per variable with `rkeras.ops`.
"""

import re
import warnings

from rkeras import _core, ops
from rkeras import initializers as rk_initializers
from rkeras.backend.variable import Variable
from rkeras.config import device as device_scope
from rkeras.optimizers.schedules import learning_rate_schedule
from rkeras.utils.naming import to_snake_case, uniquify


def _auto_name(class_name):
    return uniquify(to_snake_case(class_name))


class BaseOptimizer:
    """Abstract optimizer base class.

    If you intend to create your own optimization algorithm, please inherit
    from this class and override the following methods:

    - `build`: Create your optimizer-related variables, such as momentum
        variables in the SGD optimizer.
    - `update_step`: Implement your optimizer's variable updating logic.
    - `get_config`: serialization of the optimizer.

    Example:

    ```python
    class SGD(Optimizer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.momentum = 0.9

        def build(self, variables):
            super().build(variables)
            self.momentums = []
            for variable in variables:
                self.momentums.append(
                    self.add_variable_from_reference(
                        reference_variable=variable, name="momentum"
                    )
                )

        def update_step(self, gradient, variable, learning_rate):
            learning_rate = ops.cast(learning_rate, variable.dtype)
            gradient = ops.cast(gradient, variable.dtype)
            m = self.momentums[self._get_variable_index(variable)]
            self.assign(
                m,
                ops.subtract(
                    ops.multiply(m, ops.cast(self.momentum, variable.dtype)),
                    ops.multiply(gradient, learning_rate),
                ),
            )
            self.assign_add(variable, m)
    ```

    Args:
        learning_rate: A float, a
            `keras.optimizers.schedules.LearningRateSchedule` instance, or
            a callable that takes no arguments and returns the actual value
            to use.
        weight_decay: Float. If set, weight decay is applied.
        clipnorm: Float. If set, the gradient of each weight is individually
            clipped so that its norm is no higher than this value.
        clipvalue: Float. If set, the gradient of each weight is clipped to
            be no higher than this value.
        global_clipnorm: Float. If set, the gradient of all weights is
            clipped so that their global norm is no higher than this value.
        use_ema: Boolean, defaults to `False`. If `True`, an exponential
            moving average (EMA) of the model's weights is kept.
        ema_momentum: Float, defaults to 0.99. Only used if `use_ema=True`.
            `new_average = ema_momentum * old_average + (1 - ema_momentum) *
            current_variable_value`.
        ema_overwrite_frequency: Int or None, defaults to None. Only used if
            `use_ema=True`. Every `ema_overwrite_frequency` steps the model
            variables are overwritten by their moving average.
        loss_scale_factor: Float or `None`. If a float, the loss is
            multiplied by it (`scale_loss`) and the gradients divided by it.
        gradient_accumulation_steps: Int or `None`. If an int, variables are
            updated every `gradient_accumulation_steps` steps with the mean
            of the gradients since the last update.
        name: String. The name of the optimizer; by default its class name
            in snake case, made unique.
    """

    # The fused rule of `_core.optimizer_update`, or None (Python path).
    _update_kind = None

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        self._lock = False
        if kwargs.pop("decay", None) is not None:
            warnings.warn(
                "Argument `decay` is no longer supported and will be ignored.", stacklevel=2
            )
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if name is None:
            name = _auto_name(self.__class__.__name__)
        self.name = name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps:
            if not gradient_accumulation_steps >= 2:
                raise ValueError(
                    "`gradient_accumulation_steps` must be an integer >= 2. "
                    "Received: gradient_accumulation_steps="
                    f"{gradient_accumulation_steps}"
                )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(
                    "`ema_momentum` must be in the range [0, 1]. "
                    f"Received: ema_momentum={ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or "
                    f"None. Received: ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        clip_args_sum = sum(a is not None for a in [clipnorm, clipvalue, global_clipnorm])
        if clip_args_sum > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                f"be set. Received: clipnorm={clipnorm}, "
                f"clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        # The step counter and the learning rate live on the host: they are
        # read every step to resolve the update's hyperparameters.
        with device_scope("cpu"):
            self._iterations = self._make_variable(0, "iteration", "int64")
        self._track_variable(self._iterations)
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule):
            self._learning_rate = learning_rate
        elif callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if not isinstance(learning_rate, float):
                raise ValueError(
                    "Argument `learning_rate` should be float, or an instance "
                    "of LearningRateSchedule, or a callable "
                    "(that takes in the current iteration value "
                    "and returns the corresponding learning rate value). "
                    f"Received instead: learning_rate={learning_rate}"
                )
            with device_scope("cpu"):
                lr_var = self._make_variable(learning_rate, "learning_rate", "float32")
            self._track_variable(lr_var)
            self._learning_rate = lr_var

    # -- variables -----------------------------------------------------

    def _make_variable(self, value, name, dtype):
        return Variable(value, dtype=dtype, trainable=False, name=name, path=f"{self.name}/{name}")

    def __setattr__(self, name, value):
        # Variables assigned as attributes join `variables`, as in Keras.
        if (
            isinstance(value, _core.Variable)
            and "_variables" in self.__dict__
            and not any(v is value for v in self._variables)
        ):
            self._track_variable(value)
        super().__setattr__(name, value)

    def _track_variable(self, variable):
        if not any(v is variable for v in self._variables):
            self._variables.append(variable)

    def _untrack_variable(self, variable):
        self._variables = [v for v in self._variables if v is not variable]

    @property
    def iterations(self):
        """The number of steps taken (an int64 Variable named `iteration`)."""
        if self.gradient_accumulation_steps:
            steps = self.gradient_accumulation_steps
            return ops.convert_to_tensor(int(self._iterations) // steps, dtype="int64")
        return self._iterations

    @property
    def variables(self):
        """`iteration`, `learning_rate` (unless a schedule), then the slots."""
        return self._variables[:]

    def _var_key(self, variable):
        return id(variable)

    def _get_variable_index(self, variable):
        return self._trainable_variables_indices[self._var_key(variable)]

    def build(self, variables):
        """Creates the optimizer's variables for `variables` (model weights).

        Args:
            variables: the list of trainable variables to optimize.
        """
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average"
            )
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = []
        for i, variable in enumerate(variables):
            self._trainable_variables_indices[self._var_key(variable)] = i
            if self.gradient_accumulation_steps:
                self._accumulated_gradients.append(
                    self.add_variable_from_reference(variable, name="gradient_accumulator")
                )
        self._trainable_variables = variables[:]
        self.built = True

    def add_variable(
        self,
        shape,
        initializer="zeros",
        dtype=None,
        aggregation="none",
        layout=None,
        name=None,
    ):
        """Add a variable to the optimizer.

        Args:
            shape: Shape tuple for the variable. Must be fully-defined.
            initializer: Initializer object to use to populate the initial
                variable value, or string name of a built-in initializer
                (e.g. `"random_normal"`). Defaults to `"zeros"`.
            dtype: Dtype of the variable to create, e.g. `"float32"`.
                Defaults to `"float32"`.
            aggregation: accepted for Keras compatibility.
            layout: accepted for Keras compatibility.
            name: String name of the variable.

        Returns:
            An optimizer variable (a non-trainable `rkeras.Variable`).
        """
        init = rk_initializers.get(initializer)
        dtype = dtype or "float32"
        value = init(tuple(shape), dtype=dtype) if callable(init) else init
        name = name or "variable"
        variable = self._make_variable(value, name, dtype)
        self._track_variable(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """Add an optimizer variable shaped like a model variable.

        The variable is named `{reference_variable.path}_{name}` with `/`
        replaced by `_` (e.g. `dense_kernel_momentum`), and lives on the
        reference variable's device.

        Args:
            reference_variable: the model variable.
            name: the slot's name suffix (default `"var"`).
            initializer: initializer object or name; defaults to `"zeros"`.

        Returns:
            An optimizer variable.
        """
        name = name or "var"
        if hasattr(reference_variable, "path"):
            name = f"{reference_variable.path.replace('/', '_')}_{name}"
        else:
            name = f"{str(reference_variable.name).replace('/', '_').replace(':', '_')}_{name}"
        where = getattr(reference_variable, "device", None)
        if where is None:
            return self.add_variable(
                reference_variable.shape, initializer, reference_variable.dtype, name=name
            )
        with device_scope(where):
            return self.add_variable(
                reference_variable.shape, initializer, reference_variable.dtype, name=name
            )

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """Add one optimizer variable per model variable and per name.

        With several names the variables are interleaved per model variable
        (`m(kernel), v(kernel), m(bias), v(bias)`), as Keras orders them.
        A model variable with `overwrite_with_gradient=True` gets `None`.

        Args:
            trainable_variables: the model variables.
            name: a name suffix, or a list of them.
            initializer: an initializer (or one per name).

        Returns:
            A list of variables, or a tuple of lists for several names.
        """
        names = [name] if isinstance(name, str) else list(name)
        if isinstance(initializer, (list, tuple)):
            inits = list(initializer)
        else:
            inits = [initializer] * len(names)
        if len(names) != len(inits):
            raise ValueError(
                f"The number of provided names must match the number of "
                f"provided initializers.  Received name='{name}', "
                f"initializer='{initializer}'"
            )
        out = tuple([] for _ in names)
        for variable in trainable_variables:
            overwrite = getattr(variable, "overwrite_with_gradient", False)
            for i, (var_name, var_init) in enumerate(zip(names, inits, strict=False)):
                out[i].append(
                    None
                    if overwrite
                    else self.add_variable_from_reference(variable, var_name, var_init)
                )
        return out[0] if isinstance(name, str) else out

    def _check_variables_are_known(self, variables):
        for v in variables:
            if self._var_key(v) not in self._trainable_variables_indices:
                raise ValueError(
                    f"Unknown variable: {v}. This optimizer can only "
                    "be called for the variables it was originally built with. "
                    "When working with a new set of variables, you should "
                    "recreate a new optimizer instance."
                )

    def assign(self, variable, value):
        """Assign a value to a variable (`variable.assign(value)`)."""
        variable.assign(value)

    def assign_add(self, variable, value):
        """Add a value to a variable (`variable.assign_add(value)`)."""
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        """Subtract a value from a variable (`variable.assign_sub(value)`)."""
        variable.assign_sub(value)

    # -- learning rate -------------------------------------------------

    @property
    def learning_rate(self):
        """The learning rate: the `learning_rate` Variable, or the value of
        the schedule (or callable) at the current step. Settable."""
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        prev_lr_var = (
            self._learning_rate if isinstance(self._learning_rate, _core.Variable) else None
        )
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule):
            self._learning_rate = learning_rate
        elif callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if isinstance(self._learning_rate, learning_rate_schedule.LearningRateSchedule):
                raise TypeError(
                    "This optimizer was created with a `LearningRateSchedule`"
                    " object as its `learning_rate` constructor argument, "
                    "hence its learning rate is not settable. If you need the"
                    " learning rate to be settable, you should instantiate "
                    "the optimizer with a float `learning_rate` argument."
                )
            self._learning_rate.assign(learning_rate)
        if prev_lr_var is not None and not isinstance(self._learning_rate, _core.Variable):
            self._untrack_variable(prev_lr_var)

    def _get_current_learning_rate(self):
        if isinstance(self._learning_rate, learning_rate_schedule.LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if isinstance(self._learning_rate, _core.Variable):
            return self._learning_rate
        if callable(self._learning_rate):
            return self._learning_rate()
        return self._learning_rate

    def _learning_rate_value(self, iterations):
        """This step's learning rate as a float (`iterations`: the raw
        step count, as schedules see it)."""
        lr = self._learning_rate
        if isinstance(lr, learning_rate_schedule.LearningRateSchedule):
            if type(lr)._value is not learning_rate_schedule.LearningRateSchedule._value:
                return float(lr._value(float(iterations)))
            return float(lr(self._iterations))
        if isinstance(lr, _core.Variable):
            return float(lr)
        if callable(lr):
            return float(lr())
        return float(lr)

    # -- applying gradients ---------------------------------------------

    def update_step(self, gradient, variable, learning_rate):
        """Updates one variable with its gradient (the subclassing API).

        Built-in optimizers run their fused rule on this one variable.
        """
        if self._update_kind is None:
            raise NotImplementedError(
                f"Optimizer '{self.__class__.__name__}' must implement `update_step`."
            )
        i = self._get_variable_index(variable)
        it = int(self._iterations)
        hyper = self._hyper(float(learning_rate), it)
        _core.optimizer_update(
            self._update_kind, [variable], [gradient], [self._slots_of(i)], hyper
        )

    def apply_gradients(self, grads_and_vars):
        """Applies gradients to variables.

        Args:
            grads_and_vars: an iterable of `(gradient, variable)` pairs.

        Returns:
            The `iterations` variable.
        """
        grads, trainable_variables = zip(*grads_and_vars, strict=False)
        self.apply(grads, trainable_variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Updates trainable variables according to provided gradient values.

        `grads` should be a list of gradient tensors with 1:1 mapping to the
        list of variables the optimizer was built with. `trainable_variables`
        can be provided on the first call to build the optimizer.

        Args:
            grads: the gradients; `None` entries are skipped (with a
                warning), as in Keras.
            trainable_variables: the variables, in the order of `grads`.
        """
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer "
                    "must already be built on a list of variables. "
                    "Call `optimizer.build(trainable_variables)` first. "
                )
            if len(grads) != len(self._trainable_variables_indices):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the "
                    f"gradients must match `optimizer.variables` one-to-on. "
                    f"Received a list of {len(grads)} gradients, but the "
                    f"optimizer is tracking {len(self._trainable_variables)} "
                    "trainable variables."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
                self.built = True
            self._check_variables_are_known(trainable_variables)
        grads, trainable_variables = self._filter_empty_gradients(grads, trainable_variables)
        grads, trainable_variables = self._overwrite_variables_directly_with_gradients(
            grads, trainable_variables
        )
        if len(grads) > 0:
            self._backend_apply_gradients(grads, trainable_variables)
            for variable in trainable_variables:
                constraint = getattr(variable, "constraint", None)
                if constraint is not None:
                    variable.assign(constraint(variable))
        self._iterations.assign_add(1)

    def _backend_apply_gradients(self, grads, trainable_variables):
        it = int(self._iterations)
        if self.gradient_accumulation_steps:
            steps = self.gradient_accumulation_steps
            acc_grads = [
                self._accumulated_gradients[self._get_variable_index(v)]
                for v in trainable_variables
            ]
            scale = self.loss_scale_factor
            if scale is not None:
                grads = [ops.divide(g, scale) for g in grads]
            if (it + 1) % steps == 0:
                grads = [
                    ops.divide(ops.add(g, a), steps) for g, a in zip(grads, acc_grads, strict=False)
                ]
                self._update(grads, trainable_variables, it, unscaled=True)
                for a in acc_grads:
                    a.assign(ops.zeros(a.shape, dtype=a.dtype))
            else:
                for g, a in zip(grads, acc_grads, strict=False):
                    a.assign(ops.add(g, a))
        else:
            self._update(grads, trainable_variables, it)
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables, it)
            if self.ema_overwrite_frequency:
                if (self._step_count(it) + 1) % self.ema_overwrite_frequency == 0:
                    self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _step_count(self, raw_iterations):
        """`iterations` as the update rules see it."""
        if self.gradient_accumulation_steps:
            return raw_iterations // self.gradient_accumulation_steps
        return raw_iterations

    # Hooks of the fused path ------------------------------------------

    def _slot_lists(self):
        """The per-kind lists of slot variables, in the fused rule's order."""
        return []

    def _slots_of(self, index):
        return [slots[index] for slots in self._slot_lists()]

    def _rule_hyper(self):
        """The rule's own hyperparameters (betas, epsilon, ...)."""
        return {}

    def _before_update(self, step):
        """Called once per update, before it (Nadam's momentum product)."""
        return {}

    def _hyper(self, lr, raw_iterations, unscaled=False):
        step = self._step_count(raw_iterations) + 1
        hyper = {
            "learning_rate": lr,
            "step": float(step),
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm if self.clipnorm and self.clipnorm > 0 else None,
            "global_clipnorm": None,
            "clipvalue": None,
            "loss_scale_factor": None if unscaled else self.loss_scale_factor,
        }
        # Keras applies only one clipping, in this order of precedence.
        if hyper["clipnorm"] is None:
            if self.global_clipnorm and self.global_clipnorm > 0:
                hyper["global_clipnorm"] = self.global_clipnorm
            elif self.clipvalue and self.clipvalue > 0:
                hyper["clipvalue"] = self.clipvalue
        hyper.update(self._rule_hyper())
        return hyper

    def _update(self, grads, trainable_variables, raw_iterations, unscaled=False):
        lr = self._learning_rate_value(raw_iterations)
        if self._update_kind is None:
            # Keras's subclassing API: ops, one variable at a time.
            scale = None if unscaled else self.loss_scale_factor
            if scale is not None:
                grads = [ops.divide(g, scale) for g in grads]
            grads = self._clip_gradients(grads)
            self._apply_weight_decay(trainable_variables)
            learning_rate = self.learning_rate
            for g, v in zip(grads, trainable_variables, strict=False):
                self.update_step(g, v, learning_rate)
            return
        kind, variables, slots, hyper, decay = self._update_arguments(
            trainable_variables, raw_iterations, lr, unscaled
        )
        _core.optimizer_update(kind, variables, list(grads), slots, hyper, decay)

    def _update_arguments(self, trainable_variables, raw_iterations, lr, unscaled=False):
        """`(kind, variables, slots, hyper, decay)` of one fused update."""
        hyper = self._hyper(lr, raw_iterations, unscaled)
        hyper.update(self._before_update(self._step_count(raw_iterations) + 1))
        slots = [self._slots_of(self._get_variable_index(v)) for v in trainable_variables]
        decay = None
        if self.weight_decay is not None:
            decay = [self._use_weight_decay(v) for v in trainable_variables]
        return self._update_kind, list(trainable_variables), slots, hyper, decay

    def _engine_step(self, trainable_variables):
        """The arguments of this step's update of `trainable_variables`
        when one engine call does all of it, for a compiled train step that
        applies it itself (then `_engine_step_done` counts the step);
        `None` when the step needs Python (an update rule written with ops,
        gradient accumulation, EMA, constraints)."""
        if not self.built or self._update_kind is None:
            return None
        if self.gradient_accumulation_steps or self.use_ema:
            return None
        for v in trainable_variables:
            if getattr(v, "constraint", None) is not None:
                return None
            if getattr(v, "overwrite_with_gradient", False):
                return None
        self._check_variables_are_known(trainable_variables)
        it = int(self._iterations)
        return self._update_arguments(trainable_variables, it, self._learning_rate_value(it))

    def _engine_step_done(self):
        self._iterations.assign_add(1)

    def _filter_empty_gradients(self, grads, variables):
        filtered_grads = list(grads)
        filtered_vars = list(variables)
        missing = []
        for i in range(len(filtered_grads) - 1, -1, -1):
            if filtered_grads[i] is None:
                filtered_grads.pop(i)
                v = filtered_vars.pop(i)
                missing.append(getattr(v, "path", v.name))
        if not filtered_grads:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(
                "Gradients do not exist for variables "
                f"{list(reversed(missing))} when minimizing the loss."
                " If using `model.compile()`, did you forget to provide a "
                "`loss` argument?",
                stacklevel=2,
            )
        return filtered_grads, filtered_vars

    def _overwrite_variables_directly_with_gradients(self, grads, variables):
        if not any(getattr(v, "overwrite_with_gradient", False) for v in variables):
            return grads, variables
        kept_grads, kept_vars = [], []
        for g, v in zip(grads, variables, strict=False):
            if getattr(v, "overwrite_with_gradient", False):
                v.assign(g)
            else:
                kept_grads.append(g)
                kept_vars.append(v)
        return kept_grads, kept_vars

    def _clip_by_norm(self, values):
        l2norm = ops.sqrt(ops.sum(ops.square(values)))
        return ops.divide(ops.multiply(values, self.clipnorm), ops.maximum(l2norm, self.clipnorm))

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) if g is not None else g for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            v = self.clipvalue
            return [ops.clip(g, -v, v) if g is not None else g for g in grads]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables from weight decay.

        This method must be called before the optimizer's `build` method is
        called. You can set specific variables to exclude out, or set a list
        of strings as the anchor words, if any of which appear in a
        variable's name, then the variable is excluded.

        Args:
            var_list: A list of `Variable`s to exclude from weight decay.
            var_names: A list of strings. If any string in `var_names`
                appear in the model variable's name, then this model
                variable is excluded from weight decay. For example,
                `var_names=['bias']` excludes all bias variables from weight
                decay.
        """
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before "
                "the optimizer is built."
            )
        self._exclude_from_weight_decay = (
            {self._var_key(v) for v in var_list} if var_list else set()
        )
        if var_names and len(var_names) > 0:
            self._exclude_from_weight_decay_pattern = re.compile("|".join(set(var_names)))
        else:
            self._exclude_from_weight_decay_pattern = None
        self._exclude_from_weight_decay_cache = {}

    def _use_weight_decay(self, variable):
        cache = self.__dict__.setdefault("_exclude_from_weight_decay_cache", {})
        key = self._var_key(variable)
        if key in cache:
            return cache[key]
        excluded = key in getattr(self, "_exclude_from_weight_decay", set())
        pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
        if not excluded and pattern is not None:
            excluded = re.search(pattern, variable.name) is not None
        cache[key] = not excluded
        return not excluded

    def _apply_weight_decay(self, variables):
        if self.weight_decay is None:
            return
        lr = float(self._learning_rate_value(int(self._iterations)))
        for variable in variables:
            if self._use_weight_decay(variable):
                variable.assign(
                    ops.subtract(
                        variable, ops.multiply(ops.multiply(variable, self.weight_decay), lr)
                    )
                )

    # -- EMA -------------------------------------------------------------

    def _update_model_variables_moving_average(self, trainable_variables, raw_iterations=None):
        if raw_iterations is None:
            raw_iterations = int(self._iterations)
        momentum = self.ema_momentum if self._step_count(raw_iterations) != 0 else 0.0
        for var, average in zip(
            trainable_variables, self._model_variables_moving_average, strict=False
        ):
            if average is not None:
                average.assign(
                    ops.add(ops.multiply(momentum, average), ops.multiply(1.0 - momentum, var))
                )

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        if len(trainable_variables) != len(self._model_variables_moving_average):
            raise ValueError(
                f"The length of model variables ({len(trainable_variables)}) "
                "to override does not match the length of model variables "
                "stored in the optimizer "
                f"({len(self._model_variables_moving_average)}). Please "
                "check if the optimizer was called on your model."
            )
        for var, average in zip(
            trainable_variables, self._model_variables_moving_average, strict=False
        ):
            if average is not None:
                var.assign(average)

    def finalize_variable_values(self, var_list):
        """Set the final value of model's trainable variables.

        With `use_ema=True`, the model variables are replaced by their
        moving averages.

        Args:
            var_list: list of model variables.
        """
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)

    # -- state and config -----------------------------------------------

    def scale_loss(self, loss):
        """Scale the loss before computing gradients (`loss_scale_factor`)."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def set_weights(self, weights):
        """Set the weights of the optimizer."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not "
                "yet been built. Please call "
                "`optimizer.build(trainable_variables)` to create the "
                "optimizer weights before calling `set_weights()`."
            )
        for variable, weight in zip(self._variables, weights, strict=False):
            if tuple(variable.shape) != tuple(weight.shape):
                raise ValueError(
                    f"Optimizer variable {variable.name} has shape "
                    f"{tuple(variable.shape)} not compatible with provided "
                    f"weight shape {tuple(weight.shape)}."
                )
            variable.assign(weight)

    def save_own_variables(self, store):
        """Get the state of this optimizer object."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Set the state of this optimizer object."""
        if len(store.keys()) != len(self.variables):
            msg = (
                f"Skipping variable loading for optimizer '{self.name}', "
                f"because it has {len(self.variables)} variables whereas "
                f"the saved optimizer has {len(store.keys())} variables. "
            )
            if len(self.variables) == 0:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(self.variables):
            variable.assign(store[str(i)])

    def _obj_type(self):
        return "Optimizer"

    def get_config(self):
        """Returns the config of the optimizer.

        An optimizer config is a Python dictionary (serializable) containing
        the configuration of an optimizer. The same optimizer can be
        reinstantiated later (without any saved state) from this
        configuration.

        Returns:
            Python dictionary.
        """
        lr = self._learning_rate
        if isinstance(lr, learning_rate_schedule.LearningRateSchedule):
            learning_rate = learning_rate_schedule.serialize(lr)
        elif isinstance(lr, _core.Variable):
            learning_rate = float(lr)
        elif callable(lr):
            learning_rate = {
                "module": getattr(lr, "__module__", None),
                "class_name": "function",
                "config": getattr(lr, "__name__", str(lr)),
                "registered_name": getattr(lr, "__name__", None),
            }
        else:
            learning_rate = 0.5
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Creates an optimizer from its config.

        Args:
            config: A Python dictionary, typically the output of get_config.
            custom_objects: A Python dictionary mapping names to additional
                user-defined Python objects needed to recreate this
                optimizer.

        Returns:
            An optimizer instance.
        """
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            if lr.get("class_name") == "function":
                name = lr.get("registered_name") or lr.get("config")
                fn = (custom_objects or {}).get(name)
                if fn is None:
                    raise ValueError(f"Could not deserialize the learning rate function '{name}'.")
                config["learning_rate"] = fn
            else:
                config["learning_rate"] = learning_rate_schedule.deserialize(
                    lr, custom_objects=custom_objects
                )
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}, built={self.built}>"


def global_norm(value_list):
    """Computes the global norm of multiple tensors."""
    squared = [ops.sum(ops.square(v)) for v in value_list if v is not None]
    return ops.sqrt(ops.sum(ops.stack(squared)))


def clip_by_global_norm(value_list, clip_norm):
    """Scales the tensors so that their global norm is at most `clip_norm`."""
    use_norm = global_norm(value_list)
    scale = ops.multiply(clip_norm, ops.minimum(ops.divide(1.0, use_norm), 1.0 / clip_norm))
    scale = ops.add(scale, ops.subtract(use_norm, use_norm))
    return [ops.multiply(v, scale) if v is not None else v for v in value_list]
