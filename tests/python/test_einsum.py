"""`ops.einsum` against NumPy's (explicit and implicit outputs, ellipses,
broadcasting, several operands) with gradients against finite
differences, and `EinsumDense` (Keras's equation forms, weight shapes, bias
axes, fans, errors), on cpu and gpu."""

import numpy as np
import pytest
from conftest import assert_close, check_grad, f32

import rkeras as keras
from rkeras import layers, ops

rng = np.random.default_rng(37)

EQUATIONS = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("abc,cde->abde", [(2, 3, 4), (4, 2, 5)]),
    ("abcd,cde->abe", [(2, 3, 4, 5), (4, 5, 6)]),
    ("aecd,abcd->acbe", [(2, 3, 4, 5), (2, 6, 4, 5)]),
    ("acbe,aecd->abcd", [(2, 4, 6, 3), (2, 3, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...a,ab->...b", [(2, 3, 4), (4, 5)]),
    ("ab->ba", [(3, 4)]),
    ("abc->", [(2, 3, 4)]),
    ("ab,cd->abcd", [(2, 3), (4, 5)]),
    ("ij,ij->i", [(3, 4), (1, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("bij,bjk->bik", [(1, 3, 4), (2, 4, 5)]),
    ("ik,jk", [(3, 1), (2, 4)]),
    ("ab,bc->c", [(3, 4), (4, 2)]),
]


@pytest.mark.parametrize("equation, shapes", EQUATIONS, ids=[e for e, _ in EQUATIONS])
def test_einsum_matches_numpy(equation, shapes, device):
    xs = [rng.standard_normal(s) for s in shapes]
    want = np.einsum(equation, *[f32(x) for x in xs])
    assert_close(ops.einsum(equation, *[x.astype("f4") for x in xs]), want, 1e-5, 1e-5)
    check_grad(lambda *a: ops.einsum(equation, *a), lambda *a: np.einsum(equation, *a), xs, rng)


def test_einsum_errors():
    with pytest.raises(NotImplementedError, match=r"'ii->i' repeats label\(s\) \['i'\]"):
        ops.einsum("ii->i", np.eye(3))
    with pytest.raises(ValueError, match=r"label 'j'.*size 4.*and 5.*\[\(3, 4\), \(5, 6\)\]"):
        ops.einsum("ij,jk->ik", np.zeros((3, 4)), np.zeros((5, 6)))
    with pytest.raises(ValueError, match=r"output label\(s\) \['k'\]"):
        ops.einsum("ij->k", np.zeros((2, 2)))
    with pytest.raises(ValueError, match="2 input term.*1 operand"):
        ops.einsum("ij,jk->ik", np.zeros((3, 4)))
    with pytest.raises(ValueError, match="term 'ijk'.*rank 2"):
        ops.einsum("ijk->i", np.zeros((3, 4)))


DENSE_CASES = [
    ("ab,bc->ac", 4, "c", (2, 3), (3, 4), (4,)),
    ("abc,cde->abde", (None, 2, 5), "de", (2, 3, 4), (4, 2, 5), (2, 5)),
    ("abcd,cde->abe", (None, 6), "e", (2, 3, 4, 5), (4, 5, 6), (6,)),
    ("...b,bc->...c", (4,), "c", (2, 3, 5), (5, 4), (4,)),
    ("abc,cd->abd", (None, 4), "b", (2, 3, 5), (5, 4), (3, 1)),
    ("ab...,bc->ac...", (4,), "c", (2, 3, 5), (3, 4), (4, 1)),
    ("abc,cd->abd", (3, 4), None, (2, 3, 5), (5, 4), None),
]


@pytest.mark.parametrize(
    "equation, out, bias_axes, in_shape, kernel_shape, bias_shape",
    DENSE_CASES,
    ids=[f"{c[0]}-{c[2]}" for c in DENSE_CASES],
)
def test_einsum_dense(equation, out, bias_axes, in_shape, kernel_shape, bias_shape, device):
    layer = layers.EinsumDense(
        equation, out, bias_axes=bias_axes, bias_initializer="random_normal", activation="tanh"
    )
    x = rng.standard_normal(in_shape)
    y = layer(x.astype("f4"))
    assert tuple(layer.kernel.shape) == kernel_shape
    assert (None if layer.bias is None else tuple(layer.bias.shape)) == bias_shape
    kernel = f32(layer.kernel.numpy())
    bias = 0.0 if layer.bias is None else f32(layer.bias.numpy())

    def reference(a):
        return np.tanh(np.einsum(equation, a, kernel) + bias)

    assert_close(y, reference(f32(x)), rtol=1e-5, atol=1e-5)
    assert tuple(y.shape) == layer.compute_output_shape(in_shape)
    check_grad(layer, reference, [x], rng)


def test_einsum_dense_kernel_fans_count_contracted_and_produced_axes():
    # glorot_uniform on a (64, 2, 8) kernel: fan_in 64, fan_out 16, as in
    # Keras 3.15 (the plain rule would use 128 and 512).
    keras.utils.set_random_seed(0)
    layer = layers.EinsumDense("abc,cde->abde", (None, 2, 8))
    layer.build((None, 5, 64))
    limit = np.sqrt(6 / (64 + 16))
    kernel = layer.kernel.numpy()
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.9 * limit


def test_einsum_dense_config_and_errors():
    layer = layers.EinsumDense(
        "abc,cd->abd", (None, 4), bias_axes="d", activation="relu", kernel_regularizer="l2"
    )
    config = layer.get_config()
    assert config["output_shape"] == (None, 4) and config["equation"] == "abc,cd->abd"
    assert layers.EinsumDense.from_config(config).get_config() == config
    with pytest.raises(ValueError, match=r"'ed'.*invalid equation 'ab->b'"):
        layers.EinsumDense("ab->b", 4, name="ed")(np.zeros((2, 3), "f4"))
    with pytest.raises(ValueError, match=r"bias dimension 'x'.*'ac'"):
        layers.EinsumDense("ab,bc->ac", 4, bias_axes="x")(np.zeros((2, 3), "f4"))
    with pytest.raises(ValueError, match=r"weight dimension 'z'"):
        layers.EinsumDense("ab,bz->ab", 3)(np.zeros((2, 3), "f4"))
    with pytest.raises(ValueError, match=r"shared dimension 'b'.*3.*5"):
        layers.EinsumDense("abc,cd->abd", (5, 4))(np.zeros((2, 3, 2), "f4"))
    dense = layers.EinsumDense("abc,cd->abd", (None, 4), name="ed")
    dense(np.zeros((2, 3, 5), "f4"))
    with pytest.raises(ValueError, match=r'"ed".*\(2, 3, 5\).*\(2, 3, 6\)'):
        dense(np.zeros((2, 3, 6), "f4"))
    with pytest.raises(NotImplementedError, match="LoRA"):
        layers.EinsumDense("ab,bc->ac", 4, lora_rank=2)
