"""ops.pad in every supported mode, and the one-argument ops.where."""

import numpy as np
import pytest

import rkeras
from rkeras import ops

rng = np.random.default_rng(8)


@pytest.mark.parametrize("device", ["cpu", "gpu"])
@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("pad_width", [((1, 2), (0, 3)), ((4, 5), (2, 0)), ((0, 0), (7, 1))])
def test_pad_modes_match_numpy(device, mode, pad_width):
    x = rng.normal(size=(3, 4)).astype("float32")
    with rkeras.device(device):
        got = np.asarray(ops.pad(x, pad_width, mode=mode))
    np.testing.assert_array_equal(got, np.pad(x, pad_width, mode=mode))


def test_pad_gradient_adds_up_at_the_source_positions():
    x = rkeras.Variable(rng.normal(size=(5,)).astype("float32"))
    weights = rng.normal(size=(9,)).astype("float32")
    with rkeras.GradientTape() as tape:
        y = ops.sum(ops.pad(x, ((2, 2),), mode="reflect") * weights)
    grad = np.asarray(tape.gradient(y, x))
    # d/dx of sum(w * pad(x)): each source collects the weights of its copies.
    source = np.pad(np.arange(5), ((2, 2),), mode="reflect")
    np.testing.assert_allclose(grad, np.bincount(source, weights, minlength=5), rtol=1e-6)


def test_pad_mode_errors():
    with pytest.raises(NotImplementedError, match="linear_ramp"):
        ops.pad(np.ones(3), ((1, 1),), mode="linear_ramp")
    with pytest.raises(ValueError, match="unknown mode"):
        ops.pad(np.ones(3), ((1, 1),), mode="mirror")
    with pytest.raises(ValueError, match="constant_values"):
        ops.pad(np.ones(3), ((1, 1),), mode="edge", constant_values=2.0)


def test_where_with_only_a_condition_gives_nonzero_indices():
    cond = rng.normal(size=(3, 4)) > 0
    got = ops.where(cond)
    want = np.nonzero(cond)
    assert len(got) == 2
    for g, w in zip(got, want, strict=True):
        assert g.dtype == "int32"
        np.testing.assert_array_equal(np.asarray(g), w)
    with pytest.raises(ValueError, match="both should be"):
        ops.where(cond, 1.0)
