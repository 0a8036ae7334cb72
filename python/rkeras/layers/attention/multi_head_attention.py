"""`MultiHeadAttention` (Vaswani et al., 2017), with Keras's weight layout:
projections `query`, `key`, `value` of shape `(dim, heads, head_dim)` and
an output projection `(heads, value_dim, out_dim)`."""

import math

import numpy as np

from rkeras import constraints, initializers, ops, regularizers
from rkeras import random as rk_random
from rkeras.layers.layer import Layer

# What masked scores get before the softmax (Keras's large negative).
_LARGE_NEGATIVE = -1e9


def _maybe(serialize, obj):
    return None if obj is None else serialize(obj)


class _HeadProjection(Layer):
    """`x @ kernel + bias` contracting the last axis of `x` with the first
    `in_axes` axes of the kernel (Keras's EinsumDense for these shapes)."""

    def __init__(self, kernel_shape, bias_shape, in_axes, weight_args, **kwargs):
        super().__init__(**kwargs)
        self.kernel_shape, self.bias_shape, self.in_axes = kernel_shape, bias_shape, in_axes
        # (initializer, regularizer, constraint) for the kernel and the bias.
        self.weight_args = weight_args
        self.supports_masking = True

    def build(self, input_shape):
        (k_init, k_reg, k_con), (b_init, b_reg, b_con) = self.weight_args
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_shape,
            initializer=k_init,
            regularizer=k_reg,
            constraint=k_con,
        )
        self.bias = None
        if self.bias_shape is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=self.bias_shape,
                initializer=b_init,
                regularizer=b_reg,
                constraint=b_con,
            )
        self.built = True

    def call(self, inputs):
        k = self.kernel_shape
        contracted = math.prod(k[: self.in_axes])
        lead = tuple(inputs.shape[: inputs.ndim - self.in_axes])
        flat = ops.reshape(inputs, (-1, contracted))
        out = ops.matmul(flat, ops.reshape(self.kernel, (contracted, -1)))
        out = ops.reshape(out, lead + tuple(k[self.in_axes :]))
        return out if self.bias is None else out + self.bias


class MultiHeadAttention(Layer):
    """Multi-head attention: each head attends from `query` to `key` and
    mixes `value`, and the heads are projected back to the query's size.

    Args:
        num_heads: the number of heads.
        key_dim: the size of each head for query and key.
        value_dim: the size of each head for value (default `key_dim`).
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        output_shape: the last dim(s) of the output (default: the query's).
        attention_axes: the axes attention runs over (default: all but the
            batch and feature axes).
        kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: for the projections.
        seed: seed of the dropout.

    Call arguments:
        query `(B, T, dim)`, value `(B, S, dim)`, key (default `value`),
        query_mask, value_mask, key_mask: boolean masks of their inputs
            (filled in from Keras masks automatically),
        attention_mask: boolean `(B, T, S)`, True where attention is allowed,
        return_attention_scores: also return the `(B, heads, T, S)` scores,
        training: whether dropout runs,
        use_causal_mask: forbid attending to later positions.
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
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        h, kd, vd = self.num_heads, self.key_dim, self.value_dim
        bias = self.use_bias
        args = (
            (self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint),
            (self.bias_initializer, self.bias_regularizer, self.bias_constraint),
        )
        self._build_shapes = {
            "query_shape": _listed(query_shape),
            "value_shape": _listed(value_shape),
            "key_shape": _listed(key_shape),
        }
        self.query_dense = _HeadProjection(
            (query_shape[-1], h, kd), (h, kd) if bias else None, 1, args, name="query"
        )
        self.key_dense = _HeadProjection(
            (key_shape[-1], h, kd), (h, kd) if bias else None, 1, args, name="key"
        )
        self.value_dense = _HeadProjection(
            (value_shape[-1], h, vd), (h, vd) if bias else None, 1, args, name="value"
        )
        out = self.output_shape_arg
        out = (
            (query_shape[-1],)
            if out is None
            else (out if isinstance(out, (tuple, list)) else (out,))
        )
        self._output_dims = tuple(out)
        self.output_dense = _HeadProjection(
            (h, vd, *out), tuple(out) if bias else None, 2, args, name="attention_output"
        )
        for dense, shape in [
            (self.query_dense, query_shape),
            (self.key_dense, key_shape),
            (self.value_dense, value_shape),
        ]:
            dense.build(shape)
        self.output_dense.build(None)
        self.built = True

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

    def _attention_axes(self, rank):
        axes = self.attention_axes or tuple(range(1, rank - 1))
        return tuple(a % rank for a in axes)

    def _combined_mask(
        self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
    ):
        mask = None
        t, s = query.shape[1], value.shape[1]

        def both(a, b):
            return b if a is None else ops.logical_and(a, b)

        if query_mask is not None:
            mask = ops.expand_dims(ops.cast(query_mask, "bool"), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                mask = both(mask, ops.expand_dims(ops.cast(m, "bool"), -2))
        if use_causal_mask:
            causal = np.tril(np.ones((t, s), bool))[None]
            mask = both(mask, ops.convert_to_tensor(causal))
        if attention_mask is not None:
            mask = both(mask, ops.cast(attention_mask, "bool"))
        return mask

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
        rank = query.ndim
        axes = self._attention_axes(rank)
        q = self.query_dense(query) * (1.0 / math.sqrt(self.key_dim))
        k = self.key_dense(key)
        v = self.value_dense(value)
        # Fold the non-attention axes into the batch: (B', T, heads, dim).
        q, restore = _fold(q, axes)
        k, _ = _fold(k, axes)
        v, _ = _fold(v, axes)
        mask = self._combined_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
        if mask is not None and (rank != 3):
            raise NotImplementedError(
                "MultiHeadAttention masks on inputs of rank above 3 are not built yet in rkeras"
            )
        scores = ops.matmul(ops.transpose(q, (0, 2, 1, 3)), ops.transpose(k, (0, 2, 3, 1)))
        if mask is not None:
            keep = ops.cast(ops.expand_dims(mask, 1), "float32")
            scores = scores + (1.0 - keep) * _LARGE_NEGATIVE
        probs = ops.softmax(scores, axis=-1)
        dropped = probs
        if training and self.dropout > 0:
            dropped = rk_random.dropout(probs, self.dropout, seed=self.seed_generator)
        out = ops.transpose(ops.matmul(dropped, ops.transpose(v, (0, 2, 1, 3))), (0, 2, 1, 3))
        out = self.output_dense(restore(out))
        if return_attention_scores:
            return out, _unfold_scores(probs, query, key, axes)
        return out

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        out = self.output_shape_arg
        out = (
            (query_shape[-1],)
            if out is None
            else (out if isinstance(out, (tuple, list)) else (out,))
        )
        return tuple(query_shape[:-1]) + tuple(out)

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
            "kernel_regularizer": _maybe(regularizers.serialize, self.kernel_regularizer),
            "bias_regularizer": _maybe(regularizers.serialize, self.bias_regularizer),
            "activity_regularizer": _maybe(regularizers.serialize, self.activity_regularizer),
            "kernel_constraint": _maybe(constraints.serialize, self.kernel_constraint),
            "bias_constraint": _maybe(constraints.serialize, self.bias_constraint),
            "seed": self.seed,
        }


def _listed(shape):
    return None if shape is None else list(shape)


def _fold(x, axes):
    """`(B, *dims, H, D)` → `(B', T, H, D)` with the attention `axes`
    flattened into T and the other dims moved into the batch; returns the
    inverse too."""
    rank = x.ndim
    dims = range(1, rank - 2)
    others = [d for d in dims if d not in axes]
    perm = [0, *others, *axes, rank - 2, rank - 1]
    moved = ops.transpose(x, perm) if perm != list(range(rank)) else x
    shape = tuple(moved.shape)
    t = math.prod(x.shape[a] for a in axes)
    folded = ops.reshape(moved, (-1, t, shape[-2], shape[-1]))
    inverse = np.argsort(perm).tolist()

    def restore(y):
        y = ops.reshape(y, shape[:-1] + (y.shape[-1],))
        return ops.transpose(y, inverse) if perm != list(range(rank)) else y

    return folded, restore


def _unfold_scores(probs, query, key, axes):
    """`(B', H, T, S)` scores back to Keras's `(B, *others, H, *T dims, *S dims)`."""
    if query.ndim == 3:
        return probs
    others = [query.shape[d] for d in range(1, query.ndim - 1) if d not in axes]
    t_dims = [query.shape[a] for a in axes]
    s_dims = [key.shape[a] for a in axes]
    return ops.reshape(probs, (query.shape[0], *others, probs.shape[1], *t_dims, *s_dims))
