"""`EinsumDense`: a dense layer whose kernel and bias shapes, and the
contraction with the input, are given by an einsum equation."""

import copy
import re

from rkeras import activations, constraints, initializers, ops, regularizers
from rkeras.layers.layer import Layer


class EinsumDense(Layer):
    """A dense layer computing `activation(einsum(equation, inputs, kernel) + bias)`.

    The equation names the input's axes, the kernel's axes and the output's
    axes, e.g. `"abc,cd->abd"` is a `Dense` on the last axis of a rank-3
    input and `"abc,cde->abde"` projects it into `(d, e)` heads. An ellipsis
    may stand for leading (`"...b,bc->...c"`) or trailing input axes.

    Args:
        equation: the einsum equation `input,kernel->output`.
        output_shape: the output's shape without the batch axis (an int for
            rank-2 outputs); `None` marks a dimension taken from the input.
        activation: activation function (default: none, linear).
        bias_axes: the output labels the bias spans (e.g. `"de"`); `None`
            (default) for no bias.
        kernel_initializer: initializer of the kernel (`"glorot_uniform"`),
            whose fans count the kernel's contracted and produced axes.
        bias_initializer: initializer of the bias (`"zeros"`).
        kernel_regularizer, bias_regularizer: penalties on the weights.
        activity_regularizer: penalty on the output.
        kernel_constraint, bias_constraint: projections after updates.

    Example:

    >>> layer = EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")
    >>> layer(np.zeros((2, 5, 16), "float32")).shape
    (2, 5, 4, 8)
    """

    def __init__(
        self,
        equation,
        output_shape,
        activation=None,
        bias_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        **kwargs,
    ):
        kwargs.pop("quantization_config", None)
        kwargs.pop("gptq_unpacked_column_size", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank:
            raise NotImplementedError(
                f"EinsumDense layer '{self.name}': LoRA (lora_rank={lora_rank}) is not built yet "
                "in rkeras"
            )
        self.equation = equation
        self.partial_output_shape = (
            (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        )
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.full_output_shape = None
        self.supports_masking = True

    def build(self, input_shape):
        spec = _analyze(
            self.name, self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape
        )
        kernel_shape, bias_shape, self.full_output_shape, input_axes, output_axes = spec
        self._input_shape = tuple(input_shape)
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling):
            init = copy.copy(init)
            init.fan_axes = (input_axes, output_axes)
        self.kernel = self.add_weight(
            name="kernel",
            shape=tuple(kernel_shape),
            initializer=init,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=tuple(bias_shape),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def call(self, inputs, training=None):
        inputs = ops.convert_to_tensor(inputs)
        expected = self._input_shape
        shape = tuple(inputs.shape)
        compatible = len(shape) == len(expected) and all(
            e is None or e == s for e, s in zip(expected[1:], shape[1:], strict=True)
        )
        if not compatible:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: it was built for '
                f"inputs of shape {expected}, but received input with shape {shape}"
            )
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(
            _analyze(
                self.name,
                self.equation,
                self.bias_axes,
                tuple(input_shape),
                self.partial_output_shape,
            )[2]
        )

    def get_config(self):
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }


# The three equation forms Keras's EinsumDense accepts (`0` stands for `...`).
_FORMS = [
    (r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
    (r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
    (r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False),
]


def _analyze(name, equation, bias_axes, input_shape, output_shape):
    """`(kernel_shape, bias_shape, full_output_shape, input_axes,
    output_axes)` for `equation` on `input_shape`, as Keras derives them."""
    flat = equation.replace(" ", "").replace("...", "0")
    matches = [(re.fullmatch(p, flat), left) for p, left in _FORMS]
    match, left_elided = next(((m, left) for m, left in matches if m), (None, False))
    if match is None:
        raise ValueError(
            f"EinsumDense layer '{name}': invalid equation '{equation}'. Equations must be in "
            "the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
        )
    in_spec, kernel_spec, out_spec = match.groups()
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided > 0 and "0" not in flat):
        raise ValueError(
            f"EinsumDense layer '{name}': equation '{equation}' names {len(in_spec)} input axes "
            f"but the input has shape {input_shape}"
        )
    # The full output shape: the batch axis, the elided axes and the given dims.
    full = [input_shape[0], *output_shape]
    if left_elided:
        full[1:1] = input_shape[1:elided]
        in_axis = {c: i + elided for i, c in enumerate(in_spec)}
        out_axis = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        full += input_shape[len(input_shape) - elided :] if elided else []
        in_axis = {c: i for i, c in enumerate(in_spec)}
        out_axis = {c: i for i, c in enumerate(out_spec)}
    if len(full) != len(out_spec) + elided:
        expected = len(out_spec) if left_elided else len(out_spec) - 1
        raise ValueError(
            f"EinsumDense layer '{name}': output_shape {output_shape} does not fit the output "
            f"'{out_spec}' of equation '{equation}' (expected {expected} dims)"
        )
    for c in in_spec:
        if c in out_axis:
            size, out = input_shape[in_axis[c]], full[out_axis[c]]
            if out is not None and out != size:
                raise ValueError(
                    f"EinsumDense layer '{name}': input shape and output shape do not match at "
                    f"shared dimension '{c}'. Input shape is {size}, and output shape is {out}."
                )
            full[out_axis[c]] = size
    for c in out_spec:
        if c not in in_spec and c not in kernel_spec:
            raise ValueError(
                f"EinsumDense layer '{name}': dimension '{c}' of the output '{out_spec}' is in "
                f"neither the input spec '{in_spec}' nor the weight spec '{kernel_spec}'"
            )
    kernel_shape, input_axes, output_axes = [], [], []
    for i, c in enumerate(kernel_spec):
        if c in out_axis:
            kernel_shape.append(full[out_axis[c]])
            output_axes.append(i)
        elif c in in_axis:
            kernel_shape.append(input_shape[in_axis[c]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"EinsumDense layer '{name}': weight dimension '{c}' is in neither the input "
                f"spec '{in_spec}' nor the output spec '{out_spec}'"
            )
    if any(d is None for d in kernel_shape):
        raise ValueError(
            f"EinsumDense layer '{name}': the kernel shape {tuple(kernel_shape)} of equation "
            f"'{equation}' has undefined dimensions for input shape {input_shape}"
        )
    bias_shape = _bias_shape(name, bias_axes, out_spec, full, elided, left_elided)
    return kernel_shape, bias_shape, full, input_axes, output_axes


def _bias_shape(name, bias_axes, out_spec, full, elided, left_elided):
    """The bias spans the output from its first bias label on, with size 1
    on the labels it does not cover (so it broadcasts), as in Keras."""
    if bias_axes is None:
        return None
    offset = elided if left_elided else 0
    size = {c: full[i + offset] for i, c in enumerate(out_spec)}
    for c in bias_axes:
        if c not in out_spec:
            raise ValueError(
                f"EinsumDense layer '{name}': bias dimension '{c}' was requested, but is not "
                f"part of the output spec '{out_spec}'"
            )
    first = min(out_spec.index(c) for c in bias_axes)
    shape = [size[c] if c in bias_axes else 1 for c in out_spec[first:]]
    return shape + ([] if left_elided else [1] * elided)
