"""The fused recurrence (SimpleRNN, LSTM, GRU both ways) against float64
NumPy recurrences, with masks, go_backwards and zero outputs for masked
steps; gradients of every input against finite differences; cpu and gpu."""

import numpy as np
import pytest
from conftest import assert_close, check_grad, f32

import rkeras
from rkeras import _core

ACT = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0),
    "hard_sigmoid": lambda z: np.clip(z / 6 + 0.5, 0, 1),
    "linear": lambda z: z,
}


def ref_step(kind, x_t, states, w, u_mat, bias, act, rec, reset_after):
    h = states[0]
    units = h.shape[1]
    if kind == "simple":
        return [act(x_t @ w + h @ u_mat + (0 if bias is None else bias))]
    if kind == "lstm":
        z = x_t @ w + h @ u_mat + (0 if bias is None else bias)
        i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
        c = rec(f) * states[1] + rec(i) * act(g)
        return [rec(o) * act(c), c]
    b_in, b_rec = (0, 0) if bias is None else ((bias[0], bias[1]) if reset_after else (bias, 0))
    xp = x_t @ w + b_in
    if reset_after:
        inner = h @ u_mat + b_rec
        z = rec(xp[:, :units] + inner[:, :units])
        r = rec(xp[:, units : 2 * units] + inner[:, units : 2 * units])
        hh = act(xp[:, 2 * units :] + r * inner[:, 2 * units :])
    else:
        inner = h @ u_mat[:, : 2 * units]
        z = rec(xp[:, :units] + inner[:, :units])
        r = rec(xp[:, units : 2 * units] + inner[:, units:])
        hh = act(xp[:, 2 * units :] + (r * h) @ u_mat[:, 2 * units :])
    return [z * h + (1 - z) * hh]


def ref_recurrence(
    kind,
    x,
    states,
    w,
    u_mat,
    bias,
    mask=None,
    go_backwards=False,
    zero_output=False,
    act="tanh",
    rec="sigmoid",
    reset_after=True,
):
    act, rec = ACT[act], ACT[rec]
    steps = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    outputs = []
    for t in steps:
        new = ref_step(kind, x[:, t], states, w, u_mat, bias, act, rec, reset_after)
        if mask is None:
            states, out = new, new[0]
        else:
            m = mask[:, t : t + 1]
            out = np.where(m, new[0], 0.0 if zero_output else states[0])
            states = [np.where(m, n, s) for n, s in zip(new, states, strict=True)]
        outputs.append(out)
    return np.stack(outputs, axis=1), states


CASES = [
    # kind, gates, reset_after, activation, recurrent activation
    ("simple", 1, True, "tanh", "sigmoid"),
    ("simple", 1, True, "relu", "sigmoid"),
    ("lstm", 4, True, "tanh", "sigmoid"),
    ("lstm", 4, True, "tanh", "hard_sigmoid"),
    ("gru", 3, True, "tanh", "sigmoid"),
    ("gru", 3, False, "tanh", "sigmoid"),
]


def make(kind, gates, reset_after, rng, b=3, t=5, f=4, u=3):
    x = f32(rng.standard_normal((b, t, f)))
    states = [f32(rng.standard_normal((b, u)) * 0.5) for _ in range(2 if kind == "lstm" else 1)]
    w = f32(rng.standard_normal((f, gates * u)) * 0.5)
    u_mat = f32(rng.standard_normal((u, gates * u)) * 0.5)
    bias_shape = (2, gates * u) if kind == "gru" and reset_after else (gates * u,)
    bias = f32(rng.standard_normal(bias_shape) * 0.5)
    return x, states, w, u_mat, bias


def masks(b=3, t=5):
    mask = np.ones((b, t), bool)
    mask[0, 3:] = False  # trailing padding
    mask[1, 0] = False  # leading padding
    mask[-1, 2] = False  # a hole
    return mask


@pytest.mark.parametrize("zero_output", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_outputs_and_states(case, masked, go_backwards, zero_output, device, rng):
    kind, gates, reset_after, act, rec = case
    x, states, w, u_mat, bias = make(kind, gates, reset_after, rng)
    mask = masks() if masked else None
    seq, finals = _core.recurrence(
        kind,
        x.astype("f4"),
        [s.astype("f4") for s in states],
        w.astype("f4"),
        u_mat.astype("f4"),
        bias.astype("f4"),
        mask,
        act,
        rec,
        go_backwards,
        zero_output,
        reset_after,
    )
    want_seq, want_states = ref_recurrence(
        kind, x, states, w, u_mat, bias, mask, go_backwards, zero_output, act, rec, reset_after
    )
    assert_close(seq, want_seq, rtol=1e-5, atol=1e-5)
    for got, want in zip(finals, want_states, strict=True):
        assert_close(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradients_of_every_input(case, masked, device, rng):
    kind, gates, reset_after, act, rec = case
    x, states, w, u_mat, bias = make(kind, gates, reset_after, rng, b=2, t=4, f=3, u=2)
    mask = masks(2, 4) if masked else None
    n = len(states)
    out_r = f32(rng.standard_normal((2, 4, 2)))
    state_r = [f32(rng.standard_normal((2, 2))) for _ in range(n)]

    def weighted(seq, finals, mul, total):
        value = total(mul(seq, out_r))
        for s, r in zip(finals, state_r, strict=True):
            value = value + total(mul(s, r))
        return value

    def ours(xx, *rest):
        from rkeras import ops

        seq, finals = _core.recurrence(
            kind,
            xx,
            list(rest[:n]),
            rest[n],
            rest[n + 1],
            rest[n + 2],
            mask,
            act,
            rec,
            True,
            False,
            reset_after,
        )
        return weighted(seq, finals, ops.multiply, ops.sum)

    def reference(xx, *rest):
        seq, finals = ref_recurrence(
            kind,
            xx,
            list(rest[:n]),
            rest[n],
            rest[n + 1],
            rest[n + 2],
            mask,
            True,
            False,
            act,
            rec,
            reset_after,
        )
        return weighted(seq, finals, np.multiply, np.sum)

    check_grad(ours, reference, [x, *states, w, u_mat, bias], rng, rtol=2e-3, atol=2e-4)


def test_shape_errors_name_the_shapes(rng):
    x, states, w, u_mat, bias = make("lstm", 4, True, rng)
    with pytest.raises(ValueError, match=r"expected kernel \(4, 12\)"):
        _core.recurrence("lstm", x, states, w[:, :8], u_mat, bias)
    with pytest.raises(ValueError, match="initial state"):
        _core.recurrence("lstm", x, states[:1], w, u_mat, bias)
    with pytest.raises(ValueError, match="mask must have shape"):
        _core.recurrence("lstm", x, states, w, u_mat, bias, np.ones((3, 4), bool))
    with pytest.raises(ValueError, match="no fused kernel"):
        _core.recurrence("lstm", x, states, w, u_mat, bias, None, "softsign")


def test_degenerate_shapes():
    with pytest.raises(ValueError, match="at least one unit"):
        _core.recurrence(
            "lstm",
            np.zeros((2, 3, 4), "f4"),
            [np.zeros((2, 0), "f4")] * 2,
            np.zeros((4, 0), "f4"),
            np.zeros((0, 0), "f4"),
        )
    seq, states = _core.recurrence(
        "lstm",
        np.zeros((0, 3, 4), "f4"),
        [np.zeros((0, 2), "f4")] * 2,
        np.zeros((4, 8), "f4"),
        np.zeros((2, 8), "f4"),
    )
    assert tuple(seq.shape) == (0, 3, 2) and [tuple(s.shape) for s in states] == [(0, 2)] * 2


def test_long_fused_lstm_gradients_match_the_step_by_step_path(rng):
    """Enough rows for several thread blocks and enough steps for several of
    the backward's chunks (20 steps each, the last one partial): the fused
    kernel's gradients equal the op-by-op path's, which an all-true mask
    selects."""
    from rkeras import ops

    b, t, f, u = 40, 45, 5, 6
    x, states, w, u_mat, bias = make("lstm", 4, True, rng, b, t, f, u)
    r_seq, r_h, r_c = (f32(rng.standard_normal(s)) for s in [(b, t, u), (b, u), (b, u)])

    def gradients(mask):
        xs = [ops.convert_to_tensor(a.astype("f4")) for a in [x, *states, w, u_mat, bias]]
        with rkeras.GradientTape() as tape:
            for v in xs:
                tape.watch(v)
            seq, (h, c) = _core.recurrence(
                "lstm", xs[0], xs[1:3], xs[3], xs[4], xs[5], mask, "tanh", "sigmoid", True
            )
            loss = ops.sum(seq * r_seq) + ops.sum(h * r_h) + ops.sum(c * r_c)
        return [ops.convert_to_numpy(g) for g in tape.gradient(loss, xs)]

    fused = gradients(None)
    stepwise = gradients(np.ones((b, t), bool))
    for i, (got, want) in enumerate(zip(fused, stepwise, strict=True)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=f"gradient {i}")
