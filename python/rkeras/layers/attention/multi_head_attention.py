"""`MultiHeadAttention` (Vaswani et al., 2017), built as Keras builds it:
`EinsumDense` projections `query`, `key`, `value` with kernels
`(dim, heads, head_dim)` and an output projection `attention_output` with
kernel `(heads, value_dim, *output_shape)`, and einsum equations for the
scores and their combination over any set of attention axes."""

import math
import string

import numpy as np

from rkeras import constraints, initializers, ops, regularizers
from rkeras import random as rk_random
from rkeras.backend.keras_tensor import KerasTensor
from rkeras.layers.core.einsum_dense import EinsumDense
from rkeras.layers.layer import Layer

# What masked scores become before the softmax (Keras's for float32).
_LARGE_NEGATIVE = -1e9


class MultiHeadAttention(Layer):
    """Multi-head attention: each head attends from `query` to `key` and
    mixes `value`, and the heads are projected back to the query's size.

    Scores are `query·key / sqrt(key_dim)` per head; positions the combined
    mask forbids get -1e9 before the softmax. The weights live in four
    `EinsumDense` sublayers, `query`, `key`, `value` and `attention_output`,
    as in Keras.

    Args:
        num_heads: the number of heads.
        key_dim: the size of each head for query and key.
        value_dim: the size of each head for value (default `key_dim`).
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        output_shape: the last dim(s) of the output (default: the query's
            feature size); an int or a tuple.
        attention_axes: the axes attention runs over (default: all but the
            batch and feature axes); the others are treated as batch axes.
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: for the projections.
        seed: seed of the dropout.

    Call arguments:
        query: `(B, T, dim)` (or `(B, *axes, dim)`).
        value: `(B, S, dim)`.
        key: `(B, S, dim)`; default `value`.
        query_mask, value_mask, key_mask: boolean `(B, T)` / `(B, S)` masks,
            filled in from the inputs' Keras masks when not given.
        attention_mask: boolean, broadcastable to `(B, T, S)` (for several
            attention axes `(B, *others, *T axes, *S axes)`); True where
            attention is allowed. ANDed with the masks above.
        return_attention_scores: also return the probabilities, shaped
            `(B, *others, num_heads, *T axes, *S axes)`.
        training: whether dropout runs.
        use_causal_mask: forbid attending to later positions (along axis 1).

    Returns:
        The output `(B, *query axes, *output_shape)`, carrying the query's
        Keras mask, and the scores when asked for.
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        seed=None,
        use_gate=False,
        sliding_window=None,
        **kwargs,
    ):
        kwargs.pop("flash_attention", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if use_gate or sliding_window is not None:
            raise NotImplementedError(
                "MultiHeadAttention(use_gate=True) and `sliding_window` are not built yet in "
                "rkeras."
            )
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim if value_dim else key_dim
        self.dropout = dropout
        self.use_bias = use_bias
        self.output_shape_arg = output_shape
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        self.attention_axes = tuple(attention_axes) if attention_axes is not None else None
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self.seed_generator = rk_random.SeedGenerator(seed)
        self.supports_masking = True

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        query_shape = tuple(query_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        self._build_shapes = {
            "query_shape": _listed(query_shape),
            "value_shape": _listed(value_shape),
            "key_shape": _listed(key_shape),
        }
        h, kd, vd = self.num_heads, self.key_dim, self.value_dim
        self.query_dense = self._projection(query_shape, (h, kd), "query")
        self.key_dense = self._projection(key_shape, (h, kd), "key")
        self.value_dense = self._projection(value_shape, (h, vd), "value")
        rank = len(query_shape) + 1  # of the projected tensors
        axes = self.attention_axes
        axes = tuple(range(1, rank - 2)) if axes is None else tuple(a % (rank - 1) for a in axes)
        # Keras keeps the resolved axes (and writes them in the config).
        self.attention_axes = axes
        self._dot_equation, self._combine_equation = _attention_equations(rank, axes)
        out = self.output_shape_arg
        out = (
            (query_shape[-1],)
            if out is None
            else (out if isinstance(out, (tuple, list)) else (out,))
        )
        self._output_dims = tuple(out)
        self.output_dense = self._projection(
            (*query_shape[:-1], h, vd), self._output_dims, "attention_output", bound=2
        )
        self.built = True

    def _projection(self, input_shape, out_dims, name, bound=1):
        """An `EinsumDense` contracting the last `bound` axes of an input of
        `input_shape` into `out_dims`, with Keras's equation and bias axes."""
        free = len(input_shape) - bound
        letters = string.ascii_lowercase
        kept, contracted = letters[:free], letters[free : free + bound]
        produced = letters[free + bound : free + bound + len(out_dims)]
        layer = EinsumDense(
            f"{kept}{contracted},{contracted}{produced}->{kept}{produced}",
            output_shape=[None] * (free - 1) + list(out_dims),
            bias_axes=produced if self.use_bias else None,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            name=name,
        )
        layer.build(input_shape)
        return layer

    def _check_shapes(self, query_shape, value_shape, key_shape):
        """Keras's shape rules, as ValueErrors naming this layer."""
        where = f"MultiHeadAttention layer '{self.name}'"
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"{where}: all dimensions of `value` and `key`, except the last one, must be "
                f"equal. Received: value_shape={tuple(value_shape)} and "
                f"key_shape={tuple(key_shape)}"
            )
        if len(query_shape) < 3 or len(query_shape) != len(value_shape):
            raise ValueError(
                f"{where}: `query` and `value` must have the same rank, at least 3 "
                f"(batch, attention axes..., features). Received: query_shape="
                f"{tuple(query_shape)} and value_shape={tuple(value_shape)}"
            )
        axes = self.attention_axes or ()
        rank = len(query_shape)
        if any(not -rank <= a < rank or a % rank in (0, rank - 1) for a in axes):
            raise ValueError(
                f"{where}: attention_axes {tuple(axes)} must name axes between the batch and "
                f"the feature axis of inputs of rank {rank}"
            )

    def _maybe_build(self, input_shape):
        if not self.built:
            self.build(input_shape)

    def get_build_config(self):
        """The shapes `build` saw, as Keras writes them."""
        return {"shapes_dict": dict(self._build_shapes)} if self.built else None

    def build_from_config(self, config):
        shapes = config.get("shapes_dict", config)
        self.build(**{k: None if v is None else tuple(v) for k, v in shapes.items()})

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise ValueError(f"Layer '{self.name}' needs both `query` and `value` inputs")
        if not self.built:
            self.build(*(None if t is None else tuple(t.shape) for t in (query, value, key)))
        return super().__call__(query, value, key, **kwargs)

    def _combined_mask(
        self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
    ):
        """Keras's mask: `query_mask (B, T, 1)`, `value_mask` and `key_mask`
        `(B, 1, S)`, the causal `(1, T, S)` and `attention_mask`, combined
        with AND (None when there is none)."""
        mask = None

        def both(a, b):
            return b if a is None else ops.logical_and(a, b)

        if query_mask is not None:
            mask = ops.expand_dims(ops.cast(query_mask, "bool"), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                mask = both(mask, ops.expand_dims(ops.cast(m, "bool"), -2))
        if use_causal_mask:
            t, s = query.shape[1], value.shape[1]
            mask = both(mask, ops.convert_to_tensor(np.tril(np.ones((1, t, s), bool))))
        if attention_mask is not None:
            mask = both(mask, ops.cast(attention_mask, "bool"))
        return mask

    def _masked_softmax(self, scores, mask, zero_masked):
        """Softmax over the key attention axes, masked positions set to a
        large negative score first. With `zero_masked` they then get
        probability 0, so a row with nothing to attend to is all zeros (Keras's
        `Softmax` layer); without, such a row is uniform (the fused
        `dot_product_attention` Keras uses otherwise)."""
        n_axes = len(self.attention_axes)
        if mask is not None:
            # Heads (and any other missing axes) enter before the query axes.
            while mask.ndim < scores.ndim:
                mask = ops.expand_dims(mask, -2 * n_axes - 1)
            _check_broadcast(self.name, mask.shape, scores.shape)
            # `where(mask, scores, -1e9)` as arithmetic on a 0/1 mask: exact
            # for finite scores, and broadcasting products are much faster
            # than a broadcasting select here.
            keep = ops.cast(mask, scores.dtype)
            scores = scores * keep + (1.0 - keep) * _LARGE_NEGATIVE
        shape = tuple(scores.shape)
        flat = ops.reshape(scores, (*shape[: len(shape) - n_axes], -1))
        probs = ops.reshape(ops.softmax(flat, axis=-1), shape)
        if mask is not None and zero_masked:
            probs = probs * keep
        return probs

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        key = value if key is None else key
        query, value, key = (ops.convert_to_tensor(t) for t in (query, value, key))
        self._check_shapes(tuple(query.shape), tuple(value.shape), tuple(key.shape))
        if not query.shape[0] == value.shape[0] == key.shape[0]:
            raise ValueError(
                f"MultiHeadAttention layer '{self.name}': `query`, `value` and `key` must have "
                f"the same batch size. Received: query_shape={tuple(query.shape)}, "
                f"value_shape={tuple(value.shape)}, key_shape={tuple(key.shape)}"
            )
        mask = self._combined_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
        q = self.query_dense(query) * (1.0 / math.sqrt(self.key_dim))
        k = self.key_dense(key)
        v = self.value_dense(value)
        scores = ops.einsum(self._dot_equation, k, q)
        # Keras 3.15 (JAX) takes its fused attention path unless dropout is
        # set, scores are returned or the inputs are not rank 3, and only
        # its other path zeroes fully masked rows: follow it to match.
        fused = self.dropout == 0 and not return_attention_scores and query.ndim == 3
        probs = self._masked_softmax(scores, mask, zero_masked=not fused)
        weights = probs
        if training and self.dropout > 0:
            weights = rk_random.dropout(probs, self.dropout, seed=self.seed_generator)
        out = self.output_dense(ops.einsum(self._combine_equation, weights, v))
        if return_attention_scores:
            return out, probs
        return out

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        out = self.output_shape_arg
        out = (
            (query_shape[-1],)
            if out is None
            else (out if isinstance(out, (tuple, list)) else (out,))
        )
        return tuple(query_shape[:-1]) + tuple(out)

    def compute_output_spec(self, query, value, key=None, return_attention_scores=False, **kwargs):
        key = value if key is None else key
        out = KerasTensor(self.compute_output_shape(query.shape, value.shape), self.dtype)
        if not return_attention_scores:
            return out
        q, k, axes = tuple(query.shape), tuple(key.shape), self.attention_axes
        others = [q[d] for d in range(1, len(q) - 1) if d not in axes]
        scores = (q[0], *others, self.num_heads, *(q[a] for a in axes), *(k[a] for a in axes))
        return out, KerasTensor(scores, self.dtype)

    def compute_mask(self, inputs, previous_mask):
        return previous_mask

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "use_gate": False,
            "output_shape": self.output_shape_arg,
            "attention_axes": self.attention_axes,
            "sliding_window": None,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }


def _listed(shape):
    return None if shape is None else list(shape)


def _check_broadcast(name, mask_shape, scores_shape):
    for m, d in zip(mask_shape, scores_shape, strict=True):
        if m not in (1, d):
            raise ValueError(
                f"MultiHeadAttention layer '{name}': the attention mask of shape "
                f"{tuple(mask_shape)} (after adding the heads axis) does not broadcast to the "
                f"attention scores of shape {tuple(scores_shape)} (batch, ..., heads, query "
                "axes..., key axes...)"
            )


def _attention_equations(rank, axes):
    """Keras's einsum equations over projected tensors of `rank` (batch,
    other axes, attention axes, heads, channels): key·query → scores
    `(batch, others, heads, query axes, key axes)`, and scores·value →
    `(batch, others, attention axes, heads, channels)`."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch = [i for i in range(rank - 1) if i not in axes]  # includes the heads axis
    source = list(target)
    for n, a in enumerate(axes):
        source[a] = letters[rank + n]
    source = "".join(source)
    product = (
        "".join(target[i] for i in batch)
        + "".join(target[a] for a in axes)
        + "".join(source[a] for a in axes)
    )
    return f"{source},{target}->{product}", f"{product},{source}->{target}"
