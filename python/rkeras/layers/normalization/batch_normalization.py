"""`BatchNormalization`: normalize with batch statistics while training and
moving averages at inference."""

from rkeras import constraints, initializers, ops, regularizers
from rkeras.layers.layer import Layer


class BatchNormalization(Layer):
    """Normalizes inputs to mean 0 and variance 1 over the batch.

    While training it uses the batch's mean and variance and updates
    `moving_mean = moving_mean * momentum + mean * (1 - momentum)` (and the
    same for the variance); at inference it uses the moving averages.

    Args:
        axis: the features axis (default -1).
        momentum: momentum of the moving averages (0.99).
        epsilon: added to the variance (1e-3).
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: for the weights.
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        synchronized=False,
        **kwargs,
    ):
        for key in ("renorm", "renorm_clipping", "renorm_momentum"):
            kwargs.pop(key, None)
        super().__init__(**kwargs)
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = synchronized
        self.supports_masking = True

    def build(self, input_shape):
        axis = self.axis % len(input_shape)
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the "
                f"layer received an input with shape {input_shape}."
            )
        self._axis = axis
        shape = (dim,)
        self.gamma = (
            self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
            if self.center
            else None
        )
        self.moving_mean = self.add_weight(
            name="moving_mean",
            shape=shape,
            initializer=self.moving_mean_initializer,
            trainable=False,
        )
        self.moving_variance = self.add_weight(
            name="moving_variance",
            shape=shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
        )
        self.built = True

    def _broadcast(self, v, ndim):
        shape = [1] * ndim
        shape[self._axis] = -1
        return ops.reshape(v, shape)

    def call(self, inputs, training=None, mask=None):
        ndim = inputs.ndim
        reduce_axes = tuple(i for i in range(ndim) if i != self._axis)
        if training:
            mean = ops.mean(inputs, axis=reduce_axes)
            variance = ops.var(inputs, axis=reduce_axes)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean * m + ops.stop_gradient(mean) * (1.0 - m))
            self.moving_variance.assign(
                self.moving_variance * m + ops.stop_gradient(variance) * (1.0 - m)
            )
        else:
            mean, variance = self.moving_mean, self.moving_variance
        inv = 1.0 / ops.sqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * self.gamma
        offset = -mean * inv
        if self.beta is not None:
            offset = offset + self.beta
        return inputs * self._broadcast(inv, ndim) + self._broadcast(offset, ndim)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        def ser(module, obj):
            return None if obj is None else module.serialize(obj)

        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": ser(regularizers, self.beta_regularizer),
            "gamma_regularizer": ser(regularizers, self.gamma_regularizer),
            "beta_constraint": ser(constraints, self.beta_constraint),
            "gamma_constraint": ser(constraints, self.gamma_constraint),
            "synchronized": self.synchronized,
        }
