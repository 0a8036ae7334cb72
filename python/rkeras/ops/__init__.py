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
    broadcast_to,
    cast,
    ceil,
    clip,
    concatenate,
    convert_to_numpy,
    convert_to_tensor,
    cos,
    cumsum,
    divide,
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
    where,
    zeros,
    zeros_like,
)


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
