"""`Attention` (Luong-style dot product) and `AdditiveAttention`
(Bahdanau-style)."""

import numpy as np

from rkeras import ops
from rkeras import random as rk_random
from rkeras.backend.keras_tensor import KerasTensor
from rkeras.layers.layer import Layer


def _transposed(x):
    """`x` with its last two axes swapped."""
    perm = list(range(x.ndim))
    perm[-2:] = perm[-1], perm[-2]
    return ops.transpose(x, perm)


class Attention(Layer):
    """Dot-product attention: `softmax(query @ key^T) @ value`.

    Args:
        use_scale: learn a scalar `scale` multiplying the scores.
        score_mode: `"dot"` (default) or `"concat"` (the scores are
            `concat_score_weight * sum(tanh(query + key))`).
        dropout: dropout rate on the attention probabilities.
        seed: seed of the dropout.

    Call arguments:
        inputs: `[query (B, Tq, dim), value (B, Tv, dim)]` or with a third
            `key (B, Tv, dim)` (default: value).
        mask: `[query_mask (B, Tq), value_mask (B, Tv)]`; masked values get
            no attention and masked queries output zeros.
        return_attention_scores: also return the `(B, Tq, Tv)` scores.
        training: whether dropout runs.
        use_causal_mask: forbid attending to later positions.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                "Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                f"Received: score_mode={score_mode}"
            )
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self.seed_generator = rk_random.SeedGenerator(seed)
        self.supports_masking = True

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones"
            )
        self.built = True

    def _check_inputs(self, inputs, mask=None):
        """Keras's rules for the input and mask lists, naming this layer."""
        where = f"{type(self).__name__} layer '{self.name}'"
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{where} must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs}."
            )
        if len(inputs) not in (2, 3):
            raise ValueError(
                f"{where} accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None and (not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3)):
            raise ValueError(
                f"{where} mask must be a list of length 2 or 3, namely [query_mask, "
                f"value_mask]. Received: mask={mask}."
            )

    def _check_shapes(self, query, value, key):
        """The shapes the scores and their product with `value` need."""
        q, v, k = (tuple(t.shape) for t in (query, value, key))
        if (
            len(q) < 3
            or not len(q) == len(v) == len(k)
            or q[:-2] != k[:-2]
            or v[:-2] != k[:-2]
            or q[-1] != k[-1]
            or v[-2] != k[-2]
        ):
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' expects query (*batch, Tq, dim), "
                f"value (*batch, Tv, value_dim) and key (*batch, Tv, dim). Received: "
                f"query_shape={q}, value_shape={v}, key_shape={k}"
            )

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, _transposed(key))
            return scores * self.scale if self.scale is not None else scores
        summed = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)
        if self.scale is not None:
            summed = summed * self.scale
        return self.concat_score_weight * ops.sum(ops.tanh(summed), axis=-1)

    def call(
        self,
        inputs,
        mask=None,
        training=False,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        self._check_inputs(inputs, mask)
        query, value = (ops.convert_to_tensor(t) for t in inputs[:2])
        key = ops.convert_to_tensor(inputs[2]) if len(inputs) > 2 else value
        self._check_shapes(query, value, key)
        query_mask = mask[0] if mask is not None else None
        value_mask = mask[1] if mask is not None else None
        scores = self._scores(query, key)
        keep = None
        if value_mask is not None:
            keep = ops.expand_dims(ops.cast(value_mask, "bool"), -2)
        if use_causal_mask:
            causal = ops.convert_to_tensor(np.tril(np.ones(tuple(scores.shape[-2:]), bool)))
            keep = causal if keep is None else ops.logical_and(keep, causal)
        if keep is not None:
            # Keras's `where(keep, scores, scores - 1e9)`, as arithmetic.
            scores = scores - 1e9 * (1.0 - ops.cast(keep, scores.dtype))
        weights = ops.softmax(scores, axis=-1)
        dropped = weights
        if training and self.dropout > 0:
            dropped = rk_random.dropout(weights, self.dropout, seed=self.seed_generator)
        result = ops.matmul(dropped, value)
        if query_mask is not None:
            keep_query = ops.cast(ops.cast(query_mask, "bool"), result.dtype)
            result = result * ops.expand_dims(keep_query, -1)
        if return_attention_scores:
            return result, weights
        return result

    def compute_mask(self, inputs, previous_mask):
        if previous_mask is None or previous_mask[0] is None:
            return None
        return ops.convert_to_tensor(previous_mask[0])

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def compute_output_spec(self, inputs, return_attention_scores=False, **kwargs):
        self._check_inputs(inputs, kwargs.get("mask"))
        shapes = [tuple(t.shape) for t in inputs]
        out = KerasTensor(self.compute_output_shape(shapes), self.dtype)
        if not return_attention_scores:
            return out
        return out, KerasTensor((*shapes[0][:-1], shapes[-1][-2]), self.dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }


class AdditiveAttention(Attention):
    """Additive attention: scores `sum(scale * tanh(query + key))`.

    Args:
        use_scale: learn a per-feature `scale` (default True).
        dropout: dropout rate on the attention probabilities.

    Call arguments: as for `Attention`.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(
                name="scale", shape=(input_shape[0][-1],), initializer="glorot_uniform"
            )
        self.built = True

    def _scores(self, query, key):
        summed = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))
        if self.scale is not None:
            summed = summed * self.scale
        return ops.sum(summed, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.pop("score_mode")
        return config
