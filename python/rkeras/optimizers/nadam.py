"""Nadam: Adam with Nesterov momentum."""

import numpy as np

from rkeras.config import device as device_scope
from rkeras.optimizers import _doc
from rkeras.optimizers.optimizer import Optimizer


@_doc.fill
class Nadam(Optimizer):
    """Optimizer that implements the Nadam algorithm.

    Much like Adam is essentially RMSprop with momentum, Nadam is Adam with
    Nesterov momentum. It follows Keras's momentum schedule
    `u_t = beta_1 * (1 - 0.5 * 0.96**t)` and keeps the running product of
    the `u_t` in a variable.

    Args:
        learning_rate: A float, a
            `keras.optimizers.schedules.LearningRateSchedule` instance, or
            a callable that takes no arguments and returns the actual value
            to use. The learning rate. Defaults to `0.001`.
        beta_1: A float value or a constant float tensor. The exponential
            decay rate for the 1st moment estimates. Defaults to `0.9`.
        beta_2: A float value or a constant float tensor. The exponential
            decay rate for the 2nd moment estimates. Defaults to `0.999`.
        epsilon: A small constant for numerical stability. Defaults to
            `1e-7`.
        {{base_optimizer_keyword_args}}
    """

    _update_kind = "nadam"

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
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
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        """Initialize optimizer variables.

        Nadam optimizer has 2 types of variables: momentums and velocities,
        plus the scalar product of the momentum schedule.

        Args:
            var_list: list of model variables to build Nadam variables on.
        """
        if self.built:
            return
        dtype = var_list[0].dtype if var_list else "float32"
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        with device_scope("cpu"):
            self._u_product = self._make_variable(1.0, "variable", dtype)

    def _slot_lists(self):
        return [self._momentums, self._velocities]

    def _before_update(self, step):
        u_t = self.beta_1 * (1.0 - 0.5 * 0.96**step)
        u_product = float(np.float32(float(self._u_product) * u_t))
        self._u_product.assign(u_product)
        return {"u_product": u_product}

    def _rule_hyper(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
