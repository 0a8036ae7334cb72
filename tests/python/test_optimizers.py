"""Optimizers against a NumPy float64 transcription of Keras 3's update
rules: several steps on variables of different shapes with fixed
gradients, every optimizer and option."""

import math

import numpy as np
import pytest

import rkeras
from rkeras import ops, optimizers
from rkeras.backend.variable import Variable
from rkeras.optimizers import schedules

SHAPES = [(3, 4), (4,), (2, 2, 3)]
STEPS = 5


def make_vars(device="cpu"):
    rng = np.random.default_rng(0)
    values = [rng.uniform(-1, 1, s).astype("float32") for s in SHAPES]
    names = ["kernel", "bias", "filters"]
    with rkeras.device(device):
        variables = [
            Variable(v, name=n, path=f"layer/{n}") for v, n in zip(values, names, strict=True)
        ]
    for v in variables:
        assert v.device.startswith(device)
    return values, variables


def make_grads():
    rng = np.random.default_rng(1)
    return [[rng.normal(0, 0.5, s).astype("float32") for s in SHAPES] for _ in range(STEPS)]


# -- the reference ----------------------------------------------------------


def ref_lr(lr, it):
    if callable(lr):
        return lr(it)
    return lr


def reference(rule, cfg, values, grads_seq):
    """Keras 3's `apply` in float64: unscale, clip, weight decay, rule."""
    w = [v.astype("float64") for v in values]
    state = [{} for _ in w]
    u_product = 1.0
    for it, grads in enumerate(grads_seq):
        t = it + 1
        lr = ref_lr(cfg.get("learning_rate"), it)
        g = [x.astype("float64") for x in grads]
        if cfg.get("loss_scale_factor"):
            g = [x / cfg["loss_scale_factor"] for x in g]
        if cfg.get("clipnorm"):
            c = cfg["clipnorm"]
            g = [x * c / max(np.sqrt(np.sum(x * x)), c) for x in g]
        elif cfg.get("global_clipnorm"):
            c = cfg["global_clipnorm"]
            norm = np.sqrt(sum(np.sum(x * x) for x in g))
            g = [x * c * min(1 / norm, 1 / c) for x in g]
        elif cfg.get("clipvalue"):
            c = cfg["clipvalue"]
            g = [np.clip(x, -c, c) for x in g]
        wd = cfg.get("weight_decay")
        if rule == "nadam":
            u_product *= cfg["beta_1"] * (1 - 0.5 * 0.96**t)
        for i in range(len(w)):
            if wd is not None and i not in cfg.get("no_decay", ()):
                w[i] = w[i] - w[i] * wd * lr
            w[i] = RULES[rule](w[i], g[i], state[i], cfg, lr, t, u_product)
    return w, state


def zeros_like(s, key, x, init=0.0):
    if key not in s:
        s[key] = np.full_like(x, init)
    return s[key]


def sgd(w, g, s, cfg, lr, t, _):
    mu = cfg["momentum"]
    if mu == 0:
        return w - lr * g
    m = mu * zeros_like(s, "momentum", w) - lr * g
    s["momentum"] = m
    if cfg["nesterov"]:
        return w + mu * m - lr * g
    return w + m


def adam(w, g, s, cfg, lr, t, _):
    b1, b2, eps = cfg["beta_1"], cfg["beta_2"], cfg["epsilon"]
    alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
    m = zeros_like(s, "momentum", w)
    v = zeros_like(s, "velocity", w)
    m = m + (g - m) * (1 - b1)
    v = v + (g * g - v) * (1 - b2)
    s["momentum"], s["velocity"] = m, v
    if cfg.get("amsgrad"):
        s["velocity_hat"] = np.maximum(zeros_like(s, "velocity_hat", w), v)
        v = s["velocity_hat"]
    return w - alpha * m / (np.sqrt(v) + eps)


def rmsprop(w, g, s, cfg, lr, t, _):
    rho, eps, mu = cfg["rho"], cfg["epsilon"], cfg["momentum"]
    v = rho * zeros_like(s, "velocity", w) + (1 - rho) * g * g
    s["velocity"] = v
    if cfg["centered"]:
        mg = rho * zeros_like(s, "average_gradient", w) + (1 - rho) * g
        s["average_gradient"] = mg
        denom = v - mg * mg + eps
    else:
        denom = v + eps
    inc = lr * g / np.sqrt(denom)
    if mu > 0:
        s["momentum"] = mu * zeros_like(s, "momentum", w) + inc
        return w - s["momentum"]
    return w - inc


def adagrad(w, g, s, cfg, lr, t, _):
    acc = zeros_like(s, "accumulator", w, cfg["initial_accumulator_value"]) + g * g
    s["accumulator"] = acc
    return w - lr * g / np.sqrt(acc + cfg["epsilon"])


def adadelta(w, g, s, cfg, lr, t, _):
    rho, eps = cfg["rho"], cfg["epsilon"]
    ag = rho * zeros_like(s, "accumulated_grad", w) + (1 - rho) * g * g
    ad = zeros_like(s, "accumulated_delta_var", w)
    delta = -np.sqrt(ad + eps) * g / np.sqrt(ag + eps)
    s["accumulated_grad"] = ag
    s["accumulated_delta_var"] = rho * ad + (1 - rho) * delta * delta
    return w + lr * delta


def adamax(w, g, s, cfg, lr, t, _):
    b1, b2, eps = cfg["beta_1"], cfg["beta_2"], cfg["epsilon"]
    m = zeros_like(s, "momentum", w)
    m = m + (g - m) * (1 - b1)
    u = np.maximum(b2 * zeros_like(s, "norm", w), np.abs(g))
    s["momentum"], s["norm"] = m, u
    return w - lr * m / ((1 - b1**t) * (u + eps))


def nadam(w, g, s, cfg, lr, t, u_product):
    b1, b2, eps = cfg["beta_1"], cfg["beta_2"], cfg["epsilon"]
    u_t = b1 * (1 - 0.5 * 0.96**t)
    u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
    m = zeros_like(s, "momentum", w)
    v = zeros_like(s, "velocity", w)
    m = m + (g - m) * (1 - b1)
    v = v + (g * g - v) * (1 - b2)
    s["momentum"], s["velocity"] = m, v
    m_hat = u_t1 * m / (1 - u_product * u_t1) + (1 - u_t) * g / (1 - u_product)
    v_hat = v / (1 - b2**t)
    return w - m_hat * lr / (np.sqrt(v_hat) + eps)


def lion(w, g, s, cfg, lr, t, _):
    b1, b2 = cfg["beta_1"], cfg["beta_2"]
    m = zeros_like(s, "momentum", w)
    w = w - lr * np.sign(m * b1 + g * (1 - b1))
    s["momentum"] = m * b2 + g * (1 - b2)
    return w


RULES = {
    "sgd": sgd,
    "adam": adam,
    "adamw": adam,
    "rmsprop": rmsprop,
    "adagrad": adagrad,
    "adadelta": adadelta,
    "adamax": adamax,
    "nadam": nadam,
    "lion": lion,
}

CASES = [
    ("sgd", optimizers.SGD, {}),
    ("sgd", optimizers.SGD, {"momentum": 0.9}),
    ("sgd", optimizers.SGD, {"momentum": 0.9, "nesterov": True}),
    ("adam", optimizers.Adam, {}),
    ("adam", optimizers.Adam, {"learning_rate": 0.05, "amsgrad": True}),
    ("adamw", optimizers.AdamW, {"learning_rate": 0.05}),
    ("adamw", optimizers.AdamW, {"learning_rate": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("rmsprop", optimizers.RMSprop, {}),
    ("rmsprop", optimizers.RMSprop, {"momentum": 0.5}),
    ("rmsprop", optimizers.RMSprop, {"centered": True}),
    ("rmsprop", optimizers.RMSprop, {"momentum": 0.5, "centered": True, "rho": 0.8}),
    ("adagrad", optimizers.Adagrad, {"learning_rate": 0.1}),
    ("adagrad", optimizers.Adagrad, {"initial_accumulator_value": 0.5, "epsilon": 1e-3}),
    ("adadelta", optimizers.Adadelta, {"learning_rate": 1.0}),
    ("adamax", optimizers.Adamax, {"learning_rate": 0.02}),
    ("nadam", optimizers.Nadam, {"learning_rate": 0.02}),
    ("lion", optimizers.Lion, {"learning_rate": 0.01}),
    ("lion", optimizers.Lion, {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9}),
    # A large epsilon makes its placement (inside or outside the root) visible.
    ("adam", optimizers.Adam, {"learning_rate": 0.05, "epsilon": 0.1}),
    ("rmsprop", optimizers.RMSprop, {"epsilon": 0.1, "centered": True}),
    ("adadelta", optimizers.Adadelta, {"learning_rate": 1.0, "epsilon": 0.1}),
    ("adamax", optimizers.Adamax, {"epsilon": 0.1}),
    ("nadam", optimizers.Nadam, {"epsilon": 0.1, "beta_1": 0.8, "beta_2": 0.9}),
    ("adam", optimizers.Adam, {"learning_rate": 0.05, "clipnorm": 0.5}),
    ("sgd", optimizers.SGD, {"learning_rate": 0.1, "clipvalue": 0.2}),
    ("adam", optimizers.Adam, {"learning_rate": 0.05, "global_clipnorm": 0.7}),
    ("rmsprop", optimizers.RMSprop, {"global_clipnorm": 0.3, "momentum": 0.3}),
    ("sgd", optimizers.SGD, {"learning_rate": 0.1, "weight_decay": 0.2}),
    ("adam", optimizers.Adam, {"learning_rate": 0.05, "weight_decay": 0.05}),
    ("lion", optimizers.Lion, {"weight_decay": 0.5, "clipnorm": 0.4}),
    ("sgd", optimizers.SGD, {"momentum": 0.5, "loss_scale_factor": 8.0, "clipnorm": 1.0}),
]


def full_config(cls, kwargs):
    cfg = cls().get_config()
    cfg.update(kwargs)
    return cfg


@pytest.mark.parametrize("device", ["cpu", pytest.param("gpu", marks=pytest.mark.gpu)])
@pytest.mark.parametrize(("rule", "cls", "kwargs"), CASES)
def test_matches_the_float64_reference(rule, cls, kwargs, device):
    """On the CPU the fused kernels run; on the GPU the same rules composed
    from ops, on the device (gradients live there too)."""
    values, variables = make_vars(device)
    grads_seq = make_grads()
    opt = cls(**kwargs)
    for grads in grads_seq:
        with rkeras.device(device):
            grads = [ops.convert_to_tensor(g) for g in grads]
        opt.apply_gradients(zip(grads, variables, strict=True))
    for v in opt.variables:
        if v.name not in ("iteration", "learning_rate", "variable"):
            assert v.device.startswith(device), v.name
    cfg = full_config(cls, kwargs)
    cfg["learning_rate"] = float(np.float32(cfg["learning_rate"]))
    want, state = reference(rule, cfg, values, grads_seq)
    for v, r in zip(variables, want, strict=True):
        np.testing.assert_allclose(v.numpy(), r, rtol=1e-5, atol=1e-6)
    # The slots hold the reference's state too.
    slots = {v.name: v for v in opt.variables}
    for var, s in zip(variables, state, strict=True):
        for key, expected in s.items():
            got = slots[f"layer_{var.name}_{key}"].numpy()
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert int(opt.iterations) == STEPS


def exp_decay(it):
    return 0.1 * 0.5 ** (it / 2)


def cos_warmup(it):
    warm, decay = 2, 3
    if it < warm:
        return 0.0 + (0.2 - 0.0) * it / warm
    step = min(it, warm + decay) - warm
    return 0.2 * (0.5 * (1 + math.cos(math.pi * step / decay)))


@pytest.mark.parametrize(
    ("rule", "cls", "kwargs", "fn"),
    [
        ("sgd", optimizers.SGD, {"momentum": 0.9}, exp_decay),
        ("adam", optimizers.Adam, {}, exp_decay),
        ("rmsprop", optimizers.RMSprop, {}, cos_warmup),
        ("nadam", optimizers.Nadam, {}, cos_warmup),
    ],
)
def test_schedules_drive_the_learning_rate(rule, cls, kwargs, fn):
    sched = (
        schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
        if fn is exp_decay
        else schedules.CosineDecay(0.0, decay_steps=3, warmup_target=0.2, warmup_steps=2)
    )
    values, variables = make_vars()
    grads_seq = make_grads()
    opt = cls(learning_rate=sched, **kwargs)
    for grads in grads_seq:
        opt.apply_gradients(zip(grads, variables, strict=True))
    cfg = full_config(cls, kwargs)
    cfg["learning_rate"] = fn
    want, _ = reference(rule, cfg, values, grads_seq)
    for v, r in zip(variables, want, strict=True):
        np.testing.assert_allclose(v.numpy(), r, rtol=1e-5, atol=1e-6)
    # No learning-rate variable with a schedule: the slots start at 1.
    names = [v.name for v in opt.variables]
    assert "learning_rate" not in names
    assert names[0] == "iteration" and names[1].startswith("layer_kernel_")


def test_exclude_from_weight_decay():
    values, variables = make_vars()
    grads_seq = make_grads()
    opt = optimizers.AdamW(learning_rate=0.05, weight_decay=0.3)
    opt.exclude_from_weight_decay(var_list=[variables[1]], var_names=["filt"])
    for grads in grads_seq:
        opt.apply_gradients(zip(grads, variables, strict=True))
    cfg = full_config(optimizers.AdamW, {"learning_rate": 0.05, "weight_decay": 0.3})
    cfg["no_decay"] = (1, 2)
    want, _ = reference("adamw", cfg, values, grads_seq)
    for v, r in zip(variables, want, strict=True):
        np.testing.assert_allclose(v.numpy(), r, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["x"])
