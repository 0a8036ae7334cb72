"""Tensor operations with Keras 3's ``keras.ops`` names and semantics.

Every function accepts tensors, Variables, NumPy arrays, Python numbers and
nested lists, broadcasts like NumPy, and is differentiable under a
``GradientTape`` where the math allows.
"""

from rkeras._core import (
    abs,
    absolute,
    add,
    all,
    any,
    arange,
    argmax,
    argmin,
    average_pool,
    broadcast_to,
    cast,
    ceil,
    clip,
    concatenate,
    conv,
    conv_transpose,
    convert_to_numpy,
    convert_to_tensor,
    cos,
    cumsum,
    depthwise_conv,
    divide,
    divide_no_nan,
    dot,
    elu,
    equal,
    erf,
    exp,
    expand_dims,
    expm1,
    eye,
    flip,
    floor,
    full,
    full_like,
    gelu,
    greater,
    greater_equal,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    leaky_relu,
    less,
    less_equal,
    log,
    log1p,
    log_softmax,
    logical_and,
    logical_not,
    logical_or,
    logsumexp,
    matmul,
    max,
    max_pool,
    maximum,
    mean,
    min,
    minimum,
    multiply,
    negative,
    not_equal,
    one_hot,
    ones,
    ones_like,
    pad,
    power,
    prod,
    reciprocal,
    relu,
    relu6,
    repeat,
    reshape,
    round,
    selu,
    separable_conv,
    sigmoid,
    sign,
    silu,
    sin,
    softmax,
    softplus,
    softsign,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    stop_gradient,
    subtract,
    sum,
    swish,
    take,
    take_along_axis,
    tanh,
    tile,
    transpose,
    var,
    zeros,
    zeros_like,
)
from rkeras._core import (
    sparse_categorical_crossentropy as _sparse_categorical_crossentropy,
)
from rkeras._core import (
    where as _where_pair,
)
from rkeras.ops.einsum_ops import einsum


def where(condition, x1=None, x2=None):
    """`x1` where `condition` is true, else `x2` (broadcast together).

    With only `condition`, returns the indices of its nonzero elements, one
    int32 tensor per axis (as NumPy's `nonzero`); that result's shape depends
    on the data, so it is computed on the host.
    """
    if x1 is None and x2 is None:
        import numpy as np

        positions = np.nonzero(np.asarray(convert_to_tensor(condition)))
        return tuple(convert_to_tensor(p.astype("int32")) for p in positions)
    if x1 is None or x2 is None:
        raise ValueError(
            "`x1` and `x2` either both should be `None` or both should have non-None value."
        )
    return _where_pair(condition, x1, x2)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per-sample cross-entropy between integer labels and class scores.

    Args:
        target: integer class labels, with `output`'s shape without `axis`.
        output: logits (`from_logits=True`) or probabilities, which are
            renormalised along `axis` and clipped to
            `[epsilon, 1 - epsilon]` (`rkeras.config.epsilon()`).
        from_logits: whether `output` holds logits.
        axis: the class axis of `output`.

    Returns:
        The losses, shaped as `target`.
    """
    from rkeras import config

    return _sparse_categorical_crossentropy(target, output, from_logits, axis, config.epsilon())


def true_divide(x1, x2):
    """Divides elementwise (the same as ``divide``)."""
    return divide(x1, x2)


def shape(x):
    """The shape of `x` as a tuple of ints."""
    return tuple(convert_to_tensor(x).shape)


def ndim(x):
    """The number of dimensions of `x`."""
    return convert_to_tensor(x).ndim


def size(x):
    """The number of elements of `x`."""
    return convert_to_tensor(x).size


def dtype(x):
    """The dtype name of `x`, e.g. ``"float32"``."""
    return convert_to_tensor(x).dtype


def is_tensor(x):
    """Whether `x` is an rkeras tensor."""
    from rkeras._core import Tensor

    return isinstance(x, Tensor)


__all__ = [
    "average_pool",
    "conv",
    "conv_transpose",
    "depthwise_conv",
    "max_pool",
    "separable_conv",
    "abs",
    "absolute",
    "add",
    "all",
    "any",
    "arange",
    "argmax",
    "argmin",
    "broadcast_to",
    "cast",
    "ceil",
    "clip",
    "concatenate",
    "convert_to_numpy",
    "convert_to_tensor",
    "cos",
    "cumsum",
    "divide",
    "divide_no_nan",
    "dot",
    "dtype",
    "einsum",
    "elu",
    "equal",
    "erf",
    "exp",
    "expand_dims",
    "expm1",
    "eye",
    "flip",
    "floor",
    "full",
    "full_like",
    "gelu",
    "greater",
    "greater_equal",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "is_tensor",
    "leaky_relu",
    "less",
    "less_equal",
    "log",
    "log1p",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "multiply",
    "ndim",
    "negative",
    "not_equal",
    "one_hot",
    "ones",
    "ones_like",
    "pad",
    "power",
    "prod",
    "reciprocal",
    "relu",
    "relu6",
    "repeat",
    "reshape",
    "round",
    "selu",
    "shape",
    "sigmoid",
    "sign",
    "silu",
    "sin",
    "size",
    "softmax",
    "sparse_categorical_crossentropy",
    "softplus",
    "softsign",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "stop_gradient",
    "subtract",
    "sum",
    "swish",
    "take",
    "take_along_axis",
    "tanh",
    "tile",
    "transpose",
    "true_divide",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
