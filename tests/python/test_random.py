"""rkeras.random: seeding semantics and distributions."""

import numpy as np
import pytest

import rkeras
from rkeras import ops
from rkeras import random as rr


@pytest.mark.parametrize(
    "draw",
    [
        lambda s: rr.normal((50,), seed=s),
        lambda s: rr.uniform((50,), seed=s),
        lambda s: rr.truncated_normal((50,), seed=s),
        lambda s: rr.randint((50,), 0, 100, seed=s),
        lambda s: rr.dropout(np.ones((50,), np.float32), 0.5, seed=s),
        lambda s: rr.shuffle(np.arange(50), seed=s),
    ],
    ids=["normal", "uniform", "truncated_normal", "randint", "dropout", "shuffle"],
)
def test_int_seed_is_stateless_and_seeds_differ(draw):
    a, b, c = draw(7).numpy(), draw(7).numpy(), draw(8).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_seed_generator_replays_and_advances():
    g1 = rr.SeedGenerator(42)
    a1 = rr.normal((20,), seed=g1).numpy()
    a2 = rr.normal((20,), seed=g1).numpy()
    assert not np.array_equal(a1, a2)
    g2 = rr.SeedGenerator(42)
    np.testing.assert_array_equal(rr.normal((20,), seed=g2).numpy(), a1)
    np.testing.assert_array_equal(rr.normal((20,), seed=g2).numpy(), a2)
    g3 = rr.SeedGenerator(43)
    assert not np.array_equal(rr.normal((20,), seed=g3).numpy(), a1)


def test_seed_generator_bad_seed():
    with pytest.raises(ValueError):
        rr.SeedGenerator("abc")
    with pytest.raises(ValueError):
        rr.normal((2,), seed="abc")


def test_set_random_seed_reproduces_global_sequence():
    rkeras.utils.set_random_seed(123)
    a = [rr.normal((10,)).numpy() for _ in range(3)]
    u = rr.uniform((5,)).numpy()
    rkeras.utils.set_random_seed(123)
    b = [rr.normal((10,)).numpy() for _ in range(3)]
    v = rr.uniform((5,)).numpy()
    for x, y in zip(a, b, strict=True):
        assert x.tobytes() == y.tobytes()
    assert u.tobytes() == v.tobytes()
    assert not np.array_equal(a[0], a[1])
    rkeras.utils.set_random_seed(124)
    assert not np.array_equal(rr.normal((10,)).numpy(), a[0])


def test_set_random_seed_seeds_numpy():
    rkeras.utils.set_random_seed(5)
    x = np.random.rand(3)
    rkeras.utils.set_random_seed(5)
    np.testing.assert_array_equal(np.random.rand(3), x)


N = 200_000


@pytest.mark.parametrize("mean,std", [(0.0, 1.0), (3.0, 0.5), (-2.0, 4.0)])
def test_normal_moments(mean, std):
    x = rr.normal((N,), mean=mean, stddev=std, seed=1).numpy().astype(np.float64)
    assert x.dtype == np.float64
    se = std / np.sqrt(N)
    assert abs(x.mean() - mean) < 5 * se
    assert abs(x.std() - std) < 0.01 * std
    z = (x - mean) / std
    assert abs(np.mean(z**3)) < 0.03
    assert abs(np.mean(z**4) - 3) < 0.06
    assert 0.68 < np.mean(np.abs(z) < 1) < 0.686


def test_normal_shape_dtype():
    x = rr.normal((2, 3, 4), seed=0)
    assert x.shape == (2, 3, 4)
    assert x.dtype == "float32"


@pytest.mark.parametrize("lo,hi", [(0.0, 1.0), (-3.0, 5.0)])
def test_uniform_moments(lo, hi):
    x = rr.uniform((N,), minval=lo, maxval=hi, seed=2).numpy().astype(np.float64)
    assert x.min() >= lo and x.max() < hi
    width = hi - lo
    assert abs(x.mean() - (lo + hi) / 2) < 5 * width / np.sqrt(12 * N)
    assert abs(x.var() - width**2 / 12) < 0.01 * width**2 / 12
    hist, _ = np.histogram(x, bins=10, range=(lo, hi))
    assert np.all(np.abs(hist / N - 0.1) < 0.005)


def test_truncated_normal():
    mean, std = 1.0, 2.0
    x = rr.truncated_normal((N,), mean=mean, stddev=std, seed=3).numpy()
    x = x.astype(np.float64)
    assert np.all(np.abs(x - mean) <= 2 * std + 1e-5)
    # A standard normal truncated at +-2 has std 0.8796.
    assert abs(x.mean() - mean) < 0.02
    assert abs(x.std() - 0.8796 * std) < 0.01 * std
    assert np.mean(np.abs(x - mean) > 1.9 * std) > 0


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_randint(dtype):
    x = rr.randint((N,), -3, 7, dtype=dtype, seed=4)
    assert x.dtype == dtype
    v = x.numpy()
    assert v.min() == -3 and v.max() == 6
    counts = np.bincount(v + 3, minlength=10)
    assert np.all(np.abs(counts / N - 0.1) < 0.005)


def test_randint_default_dtype():
    assert rr.randint((3,), 0, 2, seed=0).dtype == "int32"


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout(rate):
    x = np.full((N,), 2.0, np.float32)
    y = rr.dropout(x, rate, seed=5).numpy()
    kept = y != 0
    assert abs(1 - kept.mean() - rate) < 0.005
    np.testing.assert_allclose(y[kept], 2.0 / (1 - rate), rtol=1e-6)
    assert abs(y.mean() - 2.0) < 0.03


def test_dropout_rate_zero_is_identity():
    x = np.arange(10, dtype=np.float32)
    np.testing.assert_array_equal(rr.dropout(x, 0.0, seed=1).numpy(), x)


def test_dropout_noise_shape_broadcasts():
    x = np.ones((64, 8, 16), np.float32)
    y = rr.dropout(x, 0.5, noise_shape=(64, 1, 16), seed=6).numpy()
    # The mask is shared along axis 1.
    assert np.all(y == y[:, :1, :])
    assert 0.35 < (y[:, 0, :] == 0).mean() < 0.65
    z = rr.dropout(x, 0.5, noise_shape=(1, 8, 1), seed=6).numpy()
    assert np.all(z == z[:1, :, :1])


@pytest.mark.parametrize("axis", [0, 1])
def test_shuffle_is_permutation(axis):
    x = np.arange(60).reshape(6, 10).astype(np.float32)
    y = rr.shuffle(x, axis=axis, seed=9).numpy()
    assert y.shape == x.shape
    assert not np.array_equal(x, y)
    if axis == 0:
        rows = sorted(map(tuple, y))
        assert rows == sorted(map(tuple, x))
    else:
        cols = sorted(map(tuple, y.T))
        assert cols == sorted(map(tuple, x.T))


def test_shuffle_1d():
    x = ops.arange(100)
    y = rr.shuffle(x, seed=1).numpy()
    assert sorted(y.tolist()) == list(range(100))
    assert y.tolist() != list(range(100))
