"""conv, conv_transpose, depthwise_conv, separable_conv, max_pool and
average_pool against float64 NumPy references (outputs and finite
differences), on cpu and gpu, and against real Keras 3's ops."""

import itertools

import numpy as np
import pytest
from conftest import assert_close, check_grad, f32
from test_keras_round_trip import run_keras

import rkeras
from rkeras import ops


def same_pads(length, kernel, stride, dilation):
    span = dilation * (kernel - 1) + 1
    out = -(-length // stride)
    total = max((out - 1) * stride + span - length, 0)
    return (total // 2, total - total // 2)


def resolve(x_spatial, kernel, strides, dilation, padding):
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if padding == "causal":
        return [(dilation[0] * (kernel[0] - 1), 0)]
    return [same_pads(*a) for a in zip(x_spatial, kernel, strides, dilation, strict=True)]


def windows(x, kernel, strides, dilation, pads, fill=0.0):
    """Yields (tap, view) with view[n, *o, c] = padded x at position o's tap."""
    nd = x.ndim - 2
    x = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill)
    out = [
        (x.shape[1 + d] - dilation[d] * (kernel[d] - 1) - 1) // strides[d] + 1 for d in range(nd)
    ]
    for tap in np.ndindex(*kernel):
        index = tuple(
            slice(
                tap[d] * dilation[d],
                tap[d] * dilation[d] + strides[d] * (out[d] - 1) + 1,
                strides[d],
            )
            for d in range(nd)
        )
        yield tap, x[(slice(None), *index)]


def ref_conv(x, k, strides, dilation, padding):
    nd = x.ndim - 2
    kernel, (k_in, c_out) = k.shape[:nd], k.shape[nd:]
    groups = x.shape[-1] // k_in
    per_group = c_out // groups
    pads = resolve(x.shape[1:-1], kernel, strides, dilation, padding)
    y = 0.0
    for tap, view in windows(x, kernel, strides, dilation, pads):
        parts = [
            view[..., g * k_in : (g + 1) * k_in] @ k[tap][:, g * per_group : (g + 1) * per_group]
            for g in range(groups)
        ]
        y = y + np.concatenate(parts, axis=-1)
    return y


def ref_depthwise(x, k, strides, dilation, padding):
    nd = x.ndim - 2
    pads = resolve(x.shape[1:-1], k.shape[:nd], strides, dilation, padding)
    y = 0.0
    for tap, view in windows(x, k.shape[:nd], strides, dilation, pads):
        y = y + view[..., :, None] * k[tap]
    return y.reshape(*y.shape[:-2], -1)


def ref_conv_transpose_valid(x, k, strides, dilation, output_padding):
    """The scatter form: input position i, tap t writes output i*s + t*d."""
    nd = x.ndim - 2
    kernel = k.shape[:nd]
    span = [dilation[d] * (kernel[d] - 1) + 1 for d in range(nd)]
    out = [
        (x.shape[1 + d] - 1) * strides[d] + max(span[d], strides[d]) + output_padding[d]
        for d in range(nd)
    ]
    out = [
        o
        if output_padding[d] == 0
        else (x.shape[1 + d] - 1) * strides[d] + span[d] + output_padding[d]
        for d, o in enumerate(out)
    ]
    y = np.zeros((x.shape[0], *out, k.shape[nd]))
    for pos in np.ndindex(*x.shape[1:-1]):
        for tap in np.ndindex(*kernel):
            at = tuple(pos[d] * strides[d] + tap[d] * dilation[d] for d in range(nd))
            y[(slice(None), *at)] += x[(slice(None), *pos)] @ k[tap].T
    return y


def ref_pool(x, size, strides, padding, kind):
    nd = x.ndim - 2
    dil = [1] * nd
    pads = resolve(x.shape[1:-1], size, strides, dil, padding)
    if kind == "max":
        return np.max([v for _, v in windows(x, size, strides, dil, pads, -np.inf)], axis=0)
    total = sum(v for _, v in windows(x, size, strides, dil, pads))
    count = sum(v for _, v in windows(np.ones_like(x[:1, ..., :1]), size, strides, dil, pads))
    return total / count


CONV_CASES = [
    # (x shape, kernel shape, strides, dilation, padding)
    ((2, 9, 3), (3, 3, 4), (1,), (1,), "valid"),
    ((2, 9, 3), (3, 3, 4), (2,), (1,), "same"),
    ((2, 10, 2), (3, 2, 3), (1,), (2,), "causal"),
    ((2, 7, 8, 3), (3, 3, 3, 5), (1, 1), (1, 1), "valid"),
    ((1, 7, 8, 3), (3, 2, 3, 4), (2, 3), (1, 1), "same"),
    ((2, 8, 7, 2), (3, 3, 2, 3), (1, 1), (2, 1), "same"),
    ((2, 6, 6, 4), (3, 3, 2, 6), (1, 1), (1, 1), "valid"),  # 2 groups
    ((2, 6, 6, 4), (2, 2, 1, 4), (2, 2), (1, 1), "same"),  # 4 groups
    ((2, 5, 5, 3), (1, 1, 3, 4), (1, 1), (1, 1), "valid"),  # 1x1
    ((1, 4, 5, 6, 2), (2, 3, 2, 2, 3), (1, 2, 1), (1, 1, 2), "same"),
    ((2, 4, 4, 4, 1), (3, 3, 3, 1, 2), (1, 1, 1), (1, 1, 1), "valid"),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_matches_numpy(case, device, rng):
    xs, ks, strides, dilation, padding = case
    x, k = f32(rng.standard_normal(xs)), f32(rng.standard_normal(ks))
    y = ops.conv(x.astype("f4"), k.astype("f4"), strides, padding, dilation_rate=dilation)
    assert_close(y, ref_conv(x, k, strides, dilation, padding), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", CONV_CASES[:9], ids=str)
def test_conv_gradients(case, device, rng):
    xs, ks, strides, dilation, padding = case
    xs = (1, *xs[1:])
    x, k = rng.standard_normal(xs), rng.standard_normal(ks)
    check_grad(
        lambda a, b: ops.conv(a, b, strides, padding, dilation_rate=dilation),
        lambda a, b: ref_conv(a, b, strides, dilation, padding),
        [x, k],
        rng,
    )


def test_conv_channels_first(device, rng):
    x, k = f32(rng.standard_normal((2, 3, 6, 7))), f32(rng.standard_normal((3, 2, 3, 4)))
    y = ops.conv(x.astype("f4"), k.astype("f4"), 2, "same", data_format="channels_first")
    expected = ref_conv(x.transpose(0, 2, 3, 1), k, (2, 2), (1, 1), "same").transpose(0, 3, 1, 2)
    assert_close(y, expected, rtol=1e-4, atol=1e-4)


DEPTHWISE_CASES = [
    ((2, 9, 3), (3, 3, 2), (1,), (1,), "valid"),
    ((2, 7, 6, 3), (3, 3, 3, 2), (2, 1), (1, 1), "same"),
    ((1, 8, 8, 2), (3, 2, 2, 1), (1, 1), (2, 2), "valid"),
]


@pytest.mark.parametrize("case", DEPTHWISE_CASES, ids=str)
def test_depthwise_conv(case, device, rng):
    xs, ks, strides, dilation, padding = case
    x, k = f32(rng.standard_normal(xs)), f32(rng.standard_normal(ks))
    y = ops.depthwise_conv(x.astype("f4"), k.astype("f4"), strides, padding, dilation_rate=dilation)
    assert_close(y, ref_depthwise(x, k, strides, dilation, padding), rtol=1e-4, atol=1e-4)
    x1 = x[:1]
    check_grad(
        lambda a, b: ops.depthwise_conv(a, b, strides, padding, dilation_rate=dilation),
        lambda a, b: ref_depthwise(a, b, strides, dilation, padding),
        [x1, k],
        rng,
    )


def test_separable_conv(device, rng):
    x = f32(rng.standard_normal((2, 6, 7, 3)))
    dk, pk = f32(rng.standard_normal((3, 3, 3, 2))), f32(rng.standard_normal((1, 1, 6, 4)))
    y = ops.separable_conv(x.astype("f4"), dk.astype("f4"), pk.astype("f4"), 1, "same")
    expected = ref_conv(ref_depthwise(x, dk, (1, 1), (1, 1), "same"), pk, (1, 1), (1, 1), "valid")
    assert_close(y, expected, rtol=1e-4, atol=1e-4)


TRANSPOSE_CASES = [
    # (x shape, kernel shape (*K, Cout, Cin), strides, dilation, output_padding)
    ((2, 5, 3), (3, 4, 3), (2,), (1,), None),
    ((2, 5, 3), (2, 4, 3), (3,), (1,), None),  # stride beyond the kernel
    ((2, 4, 5, 2), (3, 3, 3, 2), (2, 2), (1, 1), (1, 0)),
    ((1, 4, 4, 2), (3, 2, 2, 2), (1, 1), (2, 1), None),
    ((1, 3, 3, 2, 2), (2, 2, 2, 3, 2), (2, 1, 2), (1, 1, 1), None),
]


@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=str)
def test_conv_transpose_valid_matches_scatter_reference(case, device, rng):
    xs, ks, strides, dilation, extra = case
    x, k = f32(rng.standard_normal(xs)), f32(rng.standard_normal(ks))
    nd = len(strides)
    y = ops.conv_transpose(
        x.astype("f4"), k.astype("f4"), strides, "valid", extra, dilation_rate=dilation
    )
    expected = ref_conv_transpose_valid(x, k, strides, dilation, extra or (0,) * nd)
    assert_close(y, expected, rtol=1e-4, atol=1e-4)
    check_grad(
        lambda a, b: ops.conv_transpose(a, b, strides, "valid", extra, dilation_rate=dilation),
        lambda a, b: ref_conv_transpose_valid(a, b, strides, dilation, extra or (0,) * nd),
        [x[:1], k],
        rng,
    )


def test_conv_transpose_is_the_adjoint_of_conv(device, rng):
    """<conv(y, k), x> == <y, conv_transpose(x, k)> for same padding."""
    for shape, stride in itertools.product([(7, 6), (8, 8)], [1, 2]):
        k = rng.standard_normal((3, 3, 2, 4)).astype("f4")  # conv: 2 -> 4 channels
        y = rng.standard_normal((2, *shape, 2)).astype("f4")
        out = ops.conv(y, k, stride, "same")
        x = rng.standard_normal(out.shape).astype("f4")
        back = ops.conv_transpose(x, k, stride, "same")
        if back.shape != y.shape:  # "same" transposes give L * stride
            continue
        lhs = float(np.sum(out.numpy().astype("f8") * x))
        rhs = float(np.sum(y.astype("f8") * back.numpy()))
        np.testing.assert_allclose(lhs, rhs, rtol=1e-4)


POOL_CASES = [
    ((2, 9, 3), (3,), (2,), "valid"),
    ((2, 9, 3), (2,), (2,), "same"),
    ((2, 7, 8, 3), (2, 2), (2, 2), "valid"),
    ((2, 7, 8, 3), (3, 3), (2, 2), "same"),
    ((1, 5, 6, 2), (3, 2), (1, 1), "same"),
    ((1, 4, 5, 6, 2), (2, 2, 3), (2, 2, 2), "same"),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_pooling(case, kind, device, rng):
    xs, size, strides, padding = case
    x = f32(rng.standard_normal(xs))
    fn = ops.max_pool if kind == "max" else ops.average_pool
    assert_close(
        fn(x.astype("f4"), size, strides, padding), ref_pool(x, size, strides, padding, kind)
    )
    check_grad(
        lambda a: fn(a, size, strides, padding),
        lambda a: ref_pool(a, size, strides, padding, kind),
        [x[:1]],
        rng,
    )


def test_max_pool_gradient_goes_to_each_windows_first_maximum(device):
    """As in Keras's backends, ties do not share the gradient: each window
    sends its whole gradient to its first maximal tap, NaN beating numbers."""
    x = np.array([1, 3, 3, 2, 5, 5, np.nan, 0], "f4").reshape(1, 8, 1)
    g = np.array([10, 20, 30, 40, 50, 60, 70], "f4").reshape(1, 7, 1)
    xt = ops.convert_to_tensor(x)
    with rkeras.GradientTape() as tape:
        tape.watch(xt)
        y = ops.max_pool(xt, 2, strides=1)
        loss = ops.sum(y * g)
    np.testing.assert_array_equal(ops.convert_to_numpy(y).ravel(), [3, 3, 3, 5, 5, np.nan, np.nan])
    grad = ops.convert_to_numpy(tape.gradient(loss, xt)).ravel()
    np.testing.assert_array_equal(grad, [0, 10 + 20, 30, 0, 40 + 50, 0, 60 + 70, 0])


def test_max_pool_gradient_of_gradient_is_linear_in_the_upstream(device, rng):
    """The routing's own backward (gradients of gradients) gathers at the
    same maxima: <route(g), u> == <g, gather(u)>."""
    x = ops.convert_to_tensor(rng.standard_normal((2, 6, 5, 3)).astype("f4"))
    g = ops.convert_to_tensor(rng.standard_normal((2, 3, 3, 3)).astype("f4"))
    u = rng.standard_normal((2, 6, 5, 3)).astype("f4")
    with rkeras.GradientTape() as outer:
        outer.watch(g)
        with rkeras.GradientTape() as inner:
            inner.watch(x)
            y = ops.max_pool(x, (3, 2), strides=2, padding="same")
        routed = inner.gradient(y, x, output_gradients=g)
        paired = ops.sum(routed * u)
    gathered = outer.gradient(paired, g)
    lhs = float(np.sum(ops.convert_to_numpy(routed).astype("f8") * u))
    rhs = float(np.sum(ops.convert_to_numpy(g).astype("f8") * ops.convert_to_numpy(gathered)))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-5)
    # With u = x the gathered values are the pooled maxima themselves.
    with rkeras.GradientTape() as outer:
        outer.watch(g)
        with rkeras.GradientTape() as inner:
            inner.watch(x)
            y = ops.max_pool(x, (3, 2), strides=2, padding="same")
        paired = ops.sum(inner.gradient(y, x, output_gradients=g) * x)
    assert_close(outer.gradient(paired, g), ops.convert_to_numpy(y))


def test_pool_strides_default_to_the_pool_size_and_channels_first(rng):
    x = rng.standard_normal((2, 3, 6, 6)).astype("f4")
    y = ops.max_pool(x, 2, data_format="channels_first")
    expected = ref_pool(x.transpose(0, 2, 3, 1).astype("f8"), (2, 2), (2, 2), "valid", "max")
    assert_close(y, expected.transpose(0, 3, 1, 2))


def test_meta_device_gives_shapes_only():
    with rkeras.device("meta"):
        x = ops.zeros((4, 28, 28, 1))
        k = ops.zeros((3, 3, 1, 32))
        y = ops.conv(x, k)
        assert y.shape == (4, 26, 26, 32) and y.device == "meta"
        assert ops.max_pool(y, 2).shape == (4, 13, 13, 32)
        assert ops.conv_transpose(y, ops.zeros((3, 3, 8, 32)), 2, "same").shape == (4, 52, 52, 8)


def zeros(*shape):
    return np.zeros(shape, "f4")


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: ops.conv(zeros(1, 4, 4, 3), zeros(5, 5, 3, 2)), "larger"),
        (lambda: ops.conv(zeros(1, 4, 4, 3), zeros(3, 3, 2, 2)), "multiple"),
        (lambda: ops.conv(zeros(4, 4), zeros(3, 3, 2, 2)), "rank"),
        (lambda: ops.conv(zeros(1, 4, 4, 3), zeros(3, 3, 2)), "rank"),
        (lambda: ops.conv(zeros(1, 4, 4, 1), zeros(2, 2, 1, 1), 0), "strides"),
        (lambda: ops.conv(zeros(1, 4, 4, 1), zeros(2, 2, 1, 1), (1, 2, 3)), "strides"),
        (lambda: ops.conv(zeros(1, 4, 4, 1), zeros(2, 2, 1, 1), 1, "full"), "padding"),
        (lambda: ops.max_pool(zeros(1, 4, 4, 1), 5), "larger"),
        (lambda: ops.max_pool(zeros(1, 4, 4, 1), 2, strides=0, padding="same"), "strides"),
        (lambda: ops.depthwise_conv(zeros(1, 4, 4, 3), zeros(2, 2, 2, 1)), "channels"),
        (lambda: ops.conv_transpose(zeros(1, 4, 4, 3), zeros(2, 2, 2, 2)), "channels"),
        (
            lambda: ops.conv(zeros(1, 4, 4, 1), zeros(2, 2, 1, 1), data_format="nhwc"),
            "data_format",
        ),
    ],
)
def test_bad_arguments_raise_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_ops_match_real_keras(tmp_path, rng):
    cases = {
        "conv_same_s2": ((2, 7, 8, 3), (3, 3, 3, 4), dict(strides=2, padding="same")),
        "conv_same_dil": ((2, 8, 7, 2), (3, 3, 2, 3), dict(padding="same", dilation_rate=2)),
        "conv_groups": ((2, 6, 6, 4), (3, 3, 2, 6), dict(padding="same")),
        "conv1d_s3": ((2, 11, 3), (4, 3, 2), dict(strides=3, padding="same")),
        "conv3d": ((1, 5, 4, 6, 2), (2, 3, 2, 2, 3), dict(strides=(2, 1, 2), padding="same")),
        "t_same_s2": ((2, 4, 5, 3), (3, 3, 2, 3), dict(strides=2, padding="same")),
        "t_same_k4": ((2, 4, 4, 3), (4, 4, 2, 3), dict(strides=2, padding="same")),
        "t_valid_s3": ((2, 4, 3), (2, 2, 3), dict(strides=3, padding="valid")),
        "t_same_op": (
            (1, 3, 4, 2),
            (3, 3, 2, 2),
            dict(strides=2, padding="same", output_padding=1),
        ),
        "t_dil": ((1, 5, 5, 2), (3, 3, 2, 2), dict(padding="same", dilation_rate=2)),
        "dw": ((2, 7, 6, 3), (3, 3, 3, 2), dict(strides=2, padding="same")),
    }
    pools = {
        "max_same": ((2, 7, 8, 3), dict(pool_size=(3, 3), strides=(2, 2), padding="same")),
        "avg_same": ((2, 7, 8, 3), dict(pool_size=(3, 3), strides=(2, 2), padding="same")),
        "avg1d": ((2, 9, 2), dict(pool_size=(2,), strides=(2,), padding="same")),
        "max3d": ((1, 5, 4, 6, 2), dict(pool_size=(2, 2, 2), strides=(2, 2, 2))),
    }
    arrays = {}
    for name, (xs, ks, _) in cases.items():
        arrays[f"{name}_x"] = rng.standard_normal(xs).astype("f4")
        arrays[f"{name}_k"] = rng.standard_normal(ks).astype("f4")
    for name, (xs, _) in pools.items():
        arrays[f"{name}_x"] = rng.standard_normal(xs).astype("f4")
    np.savez(tmp_path / "inputs.npz", **arrays)
    (tmp_path / "cases.repr").write_text(
        repr(({k: v[2] for k, v in cases.items()}, {k: v[1] for k, v in pools.items()}))
    )
    run_keras(
        """
        import ast, json, numpy as np, keras
        d = np.load("inputs.npz")
        cases, pools = ast.literal_eval(open("cases.repr").read())
        out = {}
        for name, kw in cases.items():
            fn = (keras.ops.conv_transpose if name.startswith("t_") else
                  keras.ops.depthwise_conv if name.startswith("dw") else keras.ops.conv)
            out[name] = np.asarray(fn(d[name + "_x"], d[name + "_k"], **kw))
        for name, kw in pools.items():
            fn = keras.ops.max_pool if name.startswith("max") else keras.ops.average_pool
            out[name] = np.asarray(fn(d[name + "_x"], **kw))
        np.savez("keras_out.npz", **out)
        print(json.dumps("ok"))
        """,
        tmp_path,
    )
    theirs = np.load(tmp_path / "keras_out.npz")
    for name, (_, _, kw) in cases.items():
        fn = (
            ops.conv_transpose
            if name.startswith("t_")
            else ops.depthwise_conv
            if name.startswith("dw")
            else ops.conv
        )
        ours = fn(arrays[f"{name}_x"], arrays[f"{name}_k"], **kw).numpy()
        assert ours.shape == theirs[name].shape, name
        np.testing.assert_allclose(ours, theirs[name], rtol=1e-4, atol=1e-4, err_msg=name)
    for name, (_, kw) in pools.items():
        fn = ops.max_pool if name.startswith("max") else ops.average_pool
        ours = fn(arrays[f"{name}_x"], **kw).numpy()
        np.testing.assert_allclose(ours, theirs[name], rtol=1e-5, atol=1e-6, err_msg=name)
