"""GradientTape semantics: watching, variables, source structures,
accumulation, persistence, stop_recording, nesting, output_gradients."""

import numpy as np
import pytest
from conftest import numeric_grad

import rkeras
from rkeras import ops


def T(x):
    return ops.convert_to_tensor(np.asarray(x, dtype=np.float32))


def test_readme_example(rng):
    x = rng.standard_normal((4, 5)).astype(np.float32)
    w0 = rng.standard_normal((5, 3)).astype(np.float32)
    w = rkeras.Variable(w0)
    with rkeras.GradientTape() as tape:
        y = ops.sum(ops.square(ops.softmax(ops.matmul(T(x), w))))
    (g,) = tape.gradient(y, [w])
    assert g.shape == (5, 3)

    def f(wv):
        z = x.astype(np.float64) @ wv
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return np.sum(np.square(e / e.sum(axis=-1, keepdims=True)))

    (want,) = numeric_grad(f, [w0.astype(np.float64)], 1.0)
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-3, atol=1e-5)


def test_watch_plain_tensor():
    x = T([1.0, 2.0, 3.0])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(x * x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2, 4, 6])


def test_unwatched_tensor_gives_none():
    x = T([1.0, 2.0])
    with rkeras.GradientTape() as tape:
        y = ops.sum(x * x)
    assert tape.gradient(y, x) is None


def test_watch_nested_structure():
    a, b = T([1.0]), T([2.0])
    with rkeras.GradientTape() as tape:
        tape.watch([a, {"k": b}])
        y = ops.sum(a * b)
    ga, gb = tape.gradient(y, [a, b])
    assert ga.numpy().tolist() == [2.0]
    assert gb.numpy().tolist() == [1.0]


def test_trainable_variables_are_watched():
    v = rkeras.Variable([1.0, 2.0])
    frozen = rkeras.Variable([3.0, 4.0], trainable=False)
    with rkeras.GradientTape() as tape:
        y = ops.sum(v * frozen)
    gv, gf = tape.gradient(y, [v, frozen])
    np.testing.assert_allclose(gv.numpy(), [3.0, 4.0])
    assert gf is None


def test_non_trainable_variable_can_be_watched():
    frozen = rkeras.Variable([3.0, 4.0], trainable=False)
    with rkeras.GradientTape() as tape:
        tape.watch(frozen)
        y = ops.sum(frozen * frozen)
    np.testing.assert_allclose(tape.gradient(y, frozen).numpy(), [6.0, 8.0])


def test_watch_accessed_variables_false():
    v = rkeras.Variable([1.0, 2.0])
    with rkeras.GradientTape(watch_accessed_variables=False) as tape:
        y = ops.sum(v * v)
    assert tape.gradient(y, v) is None


def test_sources_structures():
    a, b, c = rkeras.Variable([1.0]), rkeras.Variable([2.0]), rkeras.Variable([3.0])
    with rkeras.GradientTape(persistent=True) as tape:
        y = ops.sum(a * 10 + b * 20 + c * 30)
    lst = tape.gradient(y, [a, b, c])
    assert isinstance(lst, list)
    assert [g.numpy().item() for g in lst] == [10, 20, 30]
    tup = tape.gradient(y, (a, b))
    assert isinstance(tup, tuple)
    assert [g.numpy().item() for g in tup] == [10, 20]
    nested = tape.gradient(y, [a, [b, (c,)]])
    assert nested[0].numpy().item() == 10
    assert nested[1][0].numpy().item() == 20
    assert isinstance(nested[1][1], tuple)
    assert nested[1][1][0].numpy().item() == 30
    d = tape.gradient(y, {"z": a, "a": c, "m": [b]})
    assert set(d) == {"z", "a", "m"}
    assert d["z"].numpy().item() == 10
    assert d["a"].numpy().item() == 30
    assert d["m"][0].numpy().item() == 20
    single = tape.gradient(y, b)
    assert single.numpy().item() == 20


def test_fan_out_accumulates():
    x = T([1.0, -2.0, 3.0])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(x * x + ops.sin(x) + x)
    xv = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 2 * xv + np.cos(xv) + 1, rtol=1e-6)


def test_same_tensor_twice_in_one_op():
    x = T([3.0])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = ops.multiply(x, x)
    assert tape.gradient(y, x).numpy().tolist() == [6.0]


def test_unconnected_source_is_none():
    x, z = T([1.0]), T([2.0])
    with rkeras.GradientTape() as tape:
        tape.watch([x, z])
        y = x * 2
    gx, gz = tape.gradient(y, [x, z])
    assert gx.numpy().tolist() == [2.0]
    assert gz is None


def test_integer_path_is_not_differentiable():
    x = T([1.5, 2.5])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.cast(ops.argmax(x), "float32") * x)
    g = tape.gradient(y, x)
    np.testing.assert_allclose(g.numpy(), [1.0, 1.0])


def test_non_persistent_tape_can_be_used_once():
    x = T([2.0])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = x * x * x
    assert len(tape) > 0
    assert tape.gradient(y, x).numpy().tolist() == [12.0]
    assert len(tape) == 0
    with pytest.raises((ValueError, RuntimeError)):
        tape.gradient(y, x)


def test_persistent_tape_works_twice():
    x = T([2.0])
    with rkeras.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * x
    assert tape.persistent
    assert tape.gradient(y, x).numpy().tolist() == [4.0]
    assert tape.gradient(z, x).numpy().tolist() == [12.0]
    assert tape.gradient(z, x).numpy().tolist() == [12.0]
    assert len(tape) > 0


def test_stop_recording():
    x = T([2.0])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = y * x
        w = y + z
    # z is a constant to the tape: dw/dx = dy/dx = 2x.
    assert tape.gradient(w, x).numpy().tolist() == [4.0]


def test_ops_after_exit_are_not_recorded():
    x = T([2.0])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    z = y * x
    assert tape.gradient(z, x) is None


def test_stop_gradient_blocks_flow():
    x = T([2.0])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = ops.stop_gradient(x * x) * x
    assert tape.gradient(y, x).numpy().tolist() == [4.0]


def test_nested_tapes_second_derivative():
    xv = np.array([0.5, -1.0, 2.0], np.float32)
    x = T(xv)
    with rkeras.GradientTape() as outer:
        outer.watch(x)
        with rkeras.GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(x**3)
        dy = inner.gradient(y, x)
    d2 = outer.gradient(dy, x)
    np.testing.assert_allclose(dy.numpy(), 3 * xv**2, rtol=1e-6)
    np.testing.assert_allclose(d2.numpy(), 6 * xv, rtol=1e-6)


def test_nested_tapes_with_variable():
    v = rkeras.Variable([1.5])
    with rkeras.GradientTape() as outer:
        with rkeras.GradientTape() as inner:
            y = ops.sin(v) * v
        dy = inner.gradient(y, v)
    d2 = outer.gradient(dy, v)
    x = 1.5
    np.testing.assert_allclose(dy.numpy(), [np.cos(x) * x + np.sin(x)], rtol=1e-5)
    np.testing.assert_allclose(d2.numpy(), [2 * np.cos(x) - x * np.sin(x)], rtol=1e-5)


def test_output_gradients(rng):
    xv = rng.standard_normal((3, 4)).astype(np.float32)
    seed = rng.standard_normal((3, 4)).astype(np.float32)
    x = T(xv)
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = ops.exp(x)
    g = tape.gradient(y, x, output_gradients=T(seed))
    np.testing.assert_allclose(g.numpy(), seed * np.exp(xv), rtol=1e-6)


def test_non_scalar_target_sums():
    x = T([1.0, 2.0])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = ops.stack([x * 2, x * 3])
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [5.0, 5.0])


def test_target_is_source():
    x = T([1.0, 2.0])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
    np.testing.assert_allclose(tape.gradient(x, x).numpy(), [1.0, 1.0])


def test_gradient_dtype_and_shape_match_source(rng):
    v = rkeras.Variable(rng.standard_normal((2, 3)).astype(np.float32))
    b = rkeras.Variable(np.zeros((3,), np.float32))
    with rkeras.GradientTape() as tape:
        y = ops.mean(ops.relu(v + b))
    gv, gb = tape.gradient(y, [v, b])
    assert gv.shape == (2, 3) and gb.shape == (3,)
    assert gv.dtype == "float32" and gb.dtype == "float32"


def test_bad_source_type():
    x = T([1.0])
    with rkeras.GradientTape() as tape:
        tape.watch(x)
        y = x * 2
    with pytest.raises(TypeError):
        tape.gradient(y, "x")
