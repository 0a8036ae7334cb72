"""`GroupNormalization` (Wu & He, 2018)."""

from rkeras import constraints, initializers, ops, regularizers
from rkeras.layers.layer import Layer


class GroupNormalization(Layer):
    """Normalizes each sample over groups of channels: the channels along
    `axis` are split into `groups`, and each group is normalized to zero
    mean and unit variance over its channels and all other non-batch axes.
    `groups=1` is LayerNormalization over all axes; `groups=channels` is
    InstanceNormalization.

    Args:
        groups: the number of groups (default 32); must divide the channels.
            `-1` makes one group per channel.
        axis: the channel axis (default -1).
        epsilon: added to the variance (default 1e-3).
        center, scale: learn `beta` and `gamma` per channel.
        beta_initializer, gamma_initializer, beta_regularizer,
        gamma_regularizer, beta_constraint, gamma_constraint: for them.
    """

    def __init__(
        self,
        groups=32,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        where = f"GroupNormalization layer '{self.name}'"
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(
                f"{where}: axis {self.axis} is not a channel axis of inputs of shape "
                f"{tuple(input_shape)}"
            )
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"{where}: axis {self.axis} of input tensor should have a defined dimension but "
                f"the layer received an input with shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups:
            raise ValueError(
                f"{where}: number of groups ({self.groups}) cannot be more than the number of "
                f"channels ({channels}); input shape {tuple(input_shape)}."
            )
        if channels % self.groups:
            # Keras's wording (the channels must be a multiple of the groups).
            raise ValueError(
                f"{where}: number of groups ({self.groups}) must be a multiple of the number of "
                f"channels ({channels}); input shape {tuple(input_shape)}."
            )
        self._input_rank, self._channels = rank, channels
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=(channels,),
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=(channels,),
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        self.built = True

    def call(self, inputs):
        rank = inputs.ndim
        axis = self.axis % rank
        channels = inputs.shape[axis]
        if rank != self._input_rank or channels != self._channels:
            raise ValueError(
                f"GroupNormalization layer '{self.name}' was built for inputs of rank "
                f"{self._input_rank} with {self._channels} channels on axis {self.axis}, but "
                f"received an input of shape {tuple(inputs.shape)}"
            )
        shape = list(inputs.shape)
        grouped_shape = shape[:axis] + [self.groups, channels // self.groups] + shape[axis + 1 :]
        x = ops.reshape(inputs, grouped_shape)
        reduce = [a for a in range(1, rank + 1) if a != axis]
        mean = ops.mean(x, axis=reduce, keepdims=True)
        variance = ops.mean(ops.square(x - mean), axis=reduce, keepdims=True)
        x = ops.reshape((x - mean) / ops.sqrt(variance + self.epsilon), shape)
        broadcast = [1] * rank
        broadcast[axis] = channels
        if self.gamma is not None:
            x = x * ops.reshape(self.gamma, broadcast)
        if self.beta is not None:
            x = x + ops.reshape(self.beta, broadcast)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
