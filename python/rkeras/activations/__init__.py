"""Activation functions by name, as `keras.activations`."""

from rkeras import ops


def linear(x):
    """The identity."""
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's optional slope, cap and threshold."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    x = ops.convert_to_tensor(x)
    positive = ops.where(x > threshold, x, 0.0)
    if max_value is not None:
        positive = ops.minimum(positive, max_value)
    if negative_slope:
        return positive + ops.where(x > threshold, 0.0, (x - threshold) * negative_slope)
    return positive


def softmax(x, axis=-1):
    """Softmax along `axis`."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return ops.log_softmax(x, axis=axis)


def gelu(x, approximate=False):
    """GELU; as an activation string, Keras uses the exact form."""
    return ops.gelu(x, approximate=approximate)


def elu(x, alpha=1.0):
    return ops.elu(x, alpha=alpha)


def leaky_relu(x, negative_slope=0.2):
    return ops.leaky_relu(x, negative_slope=negative_slope)


def exponential(x):
    return ops.exp(x)


def mish(x):
    return x * ops.tanh(ops.softplus(x))


def hard_tanh(x):
    return ops.clip(x, -1.0, 1.0)


def log_sigmoid(x):
    return -ops.softplus(-ops.convert_to_tensor(x))


def celu(x, alpha=1.0):
    x = ops.convert_to_tensor(x)
    return ops.relu(x) + ops.minimum(0.0, alpha * ops.expm1(x / alpha))


def squareplus(x, b=4):
    x = ops.convert_to_tensor(x)
    return (x + ops.sqrt(ops.square(x) + b)) / 2


def tanh_shrink(x):
    x = ops.convert_to_tensor(x)
    return x - ops.tanh(x)


sigmoid = ops.sigmoid
tanh = ops.tanh
selu = ops.selu
softplus = ops.softplus
softsign = ops.softsign
silu = ops.silu
swish = ops.silu
relu6 = ops.relu6
hard_sigmoid = ops.hard_sigmoid
hard_silu = ops.hard_silu
hard_swish = ops.hard_silu

_BY_NAME = {
    name: fn
    for name, fn in {
        "linear": linear,
        "relu": relu,
        "softmax": softmax,
        "log_softmax": log_softmax,
        "gelu": gelu,
        "elu": elu,
        "leaky_relu": leaky_relu,
        "exponential": exponential,
        "mish": mish,
        "hard_tanh": hard_tanh,
        "log_sigmoid": log_sigmoid,
        "celu": celu,
        "squareplus": squareplus,
        "tanh_shrink": tanh_shrink,
        "sigmoid": sigmoid,
        "tanh": tanh,
        "selu": selu,
        "softplus": softplus,
        "softsign": softsign,
        "silu": silu,
        "swish": swish,
        "relu6": relu6,
        "hard_sigmoid": hard_sigmoid,
        "hard_silu": hard_silu,
        "hard_swish": hard_swish,
    }.items()
}
_NAME_OF = {}
for _name, _fn in _BY_NAME.items():
    _NAME_OF.setdefault(id(_fn), _name)


def get(identifier):
    """An activation function from a name, a callable or `None` (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(
                f"Could not interpret activation function identifier: {identifier!r}. "
                f"Expected one of {sorted(_BY_NAME)}"
            )
        return fn
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation):
    """The name Keras writes in configs for `activation`."""
    name = _NAME_OF.get(id(activation))
    if name is not None:
        return name
    return getattr(activation, "__name__", repr(activation))


def deserialize(config):
    return get(config)
