"""Float64 NumPy references of the attention layers, written without the
einsum equations the layers use: multi-head attention moves the attention
axes next to each other and attends over their flattened positions."""

import math

import numpy as np

LARGE_NEGATIVE = -1e9


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _flatten_attention_axes(x, axes):
    """`(B, *dims, H, D)` → `(B, *others, H, prod(attention dims), D)`."""
    others = [d for d in range(1, x.ndim - 2) if d not in axes]
    moved = x.transpose(0, *others, x.ndim - 2, *axes, x.ndim - 1)
    lead = moved.shape[: 2 + len(others)]
    return moved.reshape(*lead, -1, x.shape[-1]), others


def mha(
    weights,
    query,
    value,
    key=None,
    *,
    key_dim,
    axes=None,
    mask=None,
    use_bias=True,
    zero_masked_rows=True,
):
    """Keras's multi-head attention: the output and the `(B, *others, H,
    *T dims, *S dims)` probabilities. `mask` is Keras's combined mask
    (True = attend), broadcast after inserting the heads axis; a fully
    masked row gets zero probabilities or (`zero_masked_rows=False`, Keras's
    fused path) uniform ones."""
    key = value if key is None else key
    if use_bias:
        wq, bq, wk, bk, wv, bv, wo, bo = weights
    else:
        wq, wk, wv, wo = weights
        bq = bk = bv = bo = 0.0
    rank = query.ndim
    axes = tuple(range(1, rank - 1)) if axes is None else tuple(a % rank for a in axes)
    qh = np.tensordot(query, wq, 1) + bq
    kh = np.tensordot(key, wk, 1) + bk
    vh = np.tensordot(value, wv, 1) + bv
    qf, others = _flatten_attention_axes(qh / math.sqrt(key_dim), axes)
    kf, _ = _flatten_attention_axes(kh, axes)
    vf, _ = _flatten_attention_axes(vh, axes)
    scores = qf @ np.swapaxes(kf, -1, -2)  # (B, *others, H, T, S)
    t_dims = [query.shape[a] for a in axes]
    s_dims = [key.shape[a] for a in axes]
    full = (*scores.shape[:-2], *t_dims, *s_dims)
    keep = None
    if mask is not None:
        mask = np.asarray(mask, bool)
        while mask.ndim < len(full):
            mask = np.expand_dims(mask, -2 * len(axes) - 1)
        keep = np.broadcast_to(mask, full).reshape(scores.shape)
        scores = np.where(keep, scores, LARGE_NEGATIVE)
    probs = softmax(scores)
    if keep is not None and zero_masked_rows:
        probs = np.where(keep, probs, 0.0)
    heads = probs @ vf  # (B, *others, H, T, Dv)
    heads = heads.reshape(*heads.shape[:-2], *t_dims, heads.shape[-1])
    # Back to (B, *dims, H, Dv): each original axis from where it moved.
    n = len(others)
    where = {d: 1 + i for i, d in enumerate(others)} | {a: n + 2 + i for i, a in enumerate(axes)}
    heads = heads.transpose(0, *(where[d] for d in range(1, rank - 1)), n + 1, heads.ndim - 1)
    out = np.tensordot(heads, wo, 2) + bo
    return out, probs.reshape(full)


def attention(query, value, key=None, *, score, q_mask=None, v_mask=None, causal=False):
    """Keras's `Attention`/`AdditiveAttention` given the raw `score(q, k)`."""
    key = value if key is None else key
    scores = score(query, key)
    keep = np.ones(scores.shape, bool)
    if v_mask is not None:
        keep &= np.asarray(v_mask, bool)[..., None, :]
    if causal:
        keep &= np.tril(np.ones(scores.shape[-2:], bool))
    weights = softmax(np.where(keep, scores, scores - 1e9))
    out = weights @ value
    if q_mask is not None:
        out = np.where(np.asarray(q_mask, bool)[..., None], out, 0.0)
    return out, weights
