"""The shared part of the optimizers' docstrings."""

base_optimizer_keyword_args = """name: String. The name to use
            for momentum accumulator weights created by
            the optimizer.
        weight_decay: Float. If set, weight decay is applied.
        clipnorm: Float. If set, the gradient of each weight is individually
            clipped so that its norm is no higher than this value.
        clipvalue: Float. If set, the gradient of each weight is clipped to be
            no higher than this value.
        global_clipnorm: Float. If set, the gradient of all weights is clipped
            so that their global norm is no higher than this value.
        use_ema: Boolean, defaults to `False`. If `True`, an exponential
            moving average (EMA) of the model's weights is kept.
        ema_momentum: Float, defaults to 0.99. Only used if `use_ema=True`.
        ema_overwrite_frequency: Int or None, defaults to None. Only used if
            `use_ema=True`. Every `ema_overwrite_frequency` steps the model
            variables are overwritten by their moving average.
        loss_scale_factor: Float or `None`. If a float, the gradients are
            divided by it before the update.
        gradient_accumulation_steps: Int or `None`. If an int, variables are
            updated every `gradient_accumulation_steps` steps, with the mean
            of the gradients since the last update.
"""


def fill(cls):
    """Substitutes the shared keyword-argument docs into `cls.__doc__`."""
    if cls.__doc__ is not None:
        cls.__doc__ = cls.__doc__.replace(
            "{{base_optimizer_keyword_args}}", base_optimizer_keyword_args
        )
    return cls
