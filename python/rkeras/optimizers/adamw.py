"""AdamW: Adam with decoupled weight decay."""

from rkeras.optimizers import _doc
from rkeras.optimizers.adam import Adam


@_doc.fill
class AdamW(Adam):
    """Optimizer that implements the AdamW algorithm.

    AdamW optimization is a stochastic gradient descent method that is based
    on adaptive estimation of first-order and second-order moments with an
    added method to decay weights per the techniques discussed in the paper,
    'Decoupled Weight Decay Regularization' by Loshchilov, Hutter et al.,
    2019. Before each Adam step, `w = w - w * weight_decay * learning_rate`.

    Args:
        learning_rate: A float, a
            `keras.optimizers.schedules.LearningRateSchedule` instance, or
            a callable that takes no arguments and returns the actual value
            to use. The learning rate. Defaults to `0.001`.
        weight_decay: Float. The weight decay. Defaults to `0.004`.
        beta_1: The exponential decay rate for the 1st moment estimates.
            Defaults to `0.9`.
        beta_2: The exponential decay rate for the 2nd moment estimates.
            Defaults to `0.999`.
        epsilon: A small constant for numerical stability. Defaults to
            `1e-7`.
        amsgrad: Boolean. Whether to apply AMSGrad variant of this
            algorithm. Defaults to `False`.
        {{base_optimizer_keyword_args}}
    """

    _update_kind = "adamw"

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
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
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
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
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
