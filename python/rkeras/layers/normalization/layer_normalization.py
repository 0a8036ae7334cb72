"""`LayerNormalization`: normalize each sample over its feature axes."""

from rkeras import constraints, initializers, ops, regularizers
from rkeras.layers.layer import Layer


class LayerNormalization(Layer):
    """Normalizes each sample to mean 0 and variance 1 over `axis`, then
    scales by `gamma` and shifts by `beta`.

    Args:
        axis: the axis or axes to normalize over (default -1).
        epsilon: added to the variance (1e-3).
        center: whether to add `beta`.
        scale: whether to multiply by `gamma`.
        rms_scaling: normalize by the root mean square only (no centering).
    """

    def __init__(
        self,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        rms_scaling=False,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        axes = self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]
        self._axes = tuple(sorted(a % len(input_shape) for a in axes))
        shape = tuple(input_shape[a] for a in self._axes)
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
            if self.center and not self.rms_scaling
            else None
        )
        self.built = True

    def call(self, inputs):
        ndim = inputs.ndim
        shape = [inputs.shape[a] if a in self._axes else 1 for a in range(ndim)]
        if self.rms_scaling:
            rms = ops.sqrt(
                ops.mean(ops.square(inputs), axis=self._axes, keepdims=True) + self.epsilon
            )
            out = inputs / rms
        else:
            mean = ops.mean(inputs, axis=self._axes, keepdims=True)
            variance = ops.var(inputs, axis=self._axes, keepdims=True)
            out = (inputs - mean) / ops.sqrt(variance + self.epsilon)
        if self.gamma is not None:
            out = out * ops.reshape(self.gamma, shape)
        if self.beta is not None:
            out = out + ops.reshape(self.beta, shape)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        def ser(module, obj):
            return None if obj is None else module.serialize(obj)

        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": ser(regularizers, self.beta_regularizer),
            "gamma_regularizer": ser(regularizers, self.gamma_regularizer),
            "beta_constraint": ser(constraints, self.beta_constraint),
            "gamma_constraint": ser(constraints, self.gamma_constraint),
        }
