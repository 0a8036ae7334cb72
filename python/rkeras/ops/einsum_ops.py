"""`ops.einsum`, built on transpose, reshape, sum and (batched) matmul, so
it runs on every device and differentiates through the tape without a
kernel of its own.

Each pair of operands becomes one matmul: labels shared and kept are batch
axes (NumPy broadcasting applies to them), labels shared and dropped are
contracted, and the rest are the matmul's rows and columns. Labels that
only one operand carries and the output drops are summed first."""

import math
import string

from rkeras._core import convert_to_tensor, matmul, reshape, transpose
from rkeras._core import sum as _sum


def einsum(subscripts, *operands):
    """Evaluates the Einstein summation `subscripts` on `operands`.

    Supports explicit (`"ij,jk->ik"`) and implicit (`"ij,jk"`) outputs,
    ellipses (`"...ij,...jk->...ik"`) with NumPy broadcasting, any number of
    operands (contracted left to right) and size-1 broadcasting between
    operands. A label repeated within one operand (diagonals and traces,
    `"ii->i"`) is not supported and raises `NotImplementedError`.

    Args:
        subscripts: the equation, e.g. `"btd,dhk->bthk"`.
        *operands: the tensors, one per comma-separated input term.

    Returns:
        The result tensor, with axes in the output term's order.
    """
    if not isinstance(subscripts, str):
        raise ValueError(f"einsum: `subscripts` must be a string. Received: {subscripts!r}")
    tensors = [convert_to_tensor(x) for x in operands]
    inputs, output = _parse(subscripts, [t.ndim for t in tensors])
    _check_label_sizes(subscripts, inputs, tensors)
    if len(tensors) == 1:
        return _arrange(tensors[0], inputs[0], output)
    acc, acc_labels = tensors[0], inputs[0]
    for i in range(1, len(tensors)):
        needed = set(output).union(*inputs[i + 1 :])
        acc, acc_labels = _contract_pair(
            acc, acc_labels, tensors[i], inputs[i], needed, output if i == len(tensors) - 1 else ""
        )
    return _arrange(acc, acc_labels, output)


def _parse(subscripts, ranks):
    """Input and output label strings with every `...` expanded into
    letters of its own (right-aligned across operands, as NumPy broadcasts)."""
    equation = subscripts.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ranks):
        raise ValueError(
            f"einsum: '{subscripts}' has {len(terms)} input term(s) but {len(ranks)} operand(s) "
            "were given"
        )
    used = set(equation) - {".", ",", "-", ">"}
    bad = sorted(c for c in used if c not in string.ascii_letters)
    if bad:
        raise ValueError(f"einsum: invalid subscript(s) {bad} in '{subscripts}'; use letters")
    spare = [c for c in string.ascii_letters if c not in used]
    ellipsis_rank = 0
    for term, rank in zip(terms, ranks, strict=True):
        if "..." in term:
            ellipsis_rank = max(ellipsis_rank, rank - len(term.replace("...", "")))
    ellipsis = "".join(spare[:ellipsis_rank])
    inputs = []
    for term, rank in zip(terms, ranks, strict=True):
        explicit = len(term.replace("...", ""))
        if "..." in term:
            term = term.replace("...", ellipsis[ellipsis_rank - (rank - explicit) :])
        if len(term) != rank:
            raise ValueError(
                f"einsum: term '{term}' of '{subscripts}' has {len(term)} labels but its operand "
                f"has rank {rank}"
            )
        inputs.append(term)
    if arrow:
        output = rhs.replace("...", ellipsis)
    else:
        counts = {c: "".join(inputs).count(c) for c in set("".join(inputs))}
        output = ellipsis + "".join(
            sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis)
        )
    for term in [*inputs, output]:
        repeated = sorted({c for c in term if term.count(c) > 1})
        if repeated:
            raise NotImplementedError(
                f"einsum: '{subscripts}' repeats label(s) {repeated} within one term (a diagonal "
                "or trace); rkeras's einsum does not support that yet"
            )
    missing = sorted(set(output) - set("".join(inputs)))
    if missing:
        raise ValueError(
            f"einsum: output label(s) {missing} of '{subscripts}' appear in no input term"
        )
    return inputs, output


def _check_label_sizes(subscripts, inputs, tensors):
    """Operands must agree on every label's size, or have size 1 there."""
    sizes = {}
    for labels, t in zip(inputs, tensors, strict=True):
        for label, size in zip(labels, t.shape, strict=True):
            known = sizes.get(label, 1)
            if size != 1 and known != 1 and size != known:
                raise ValueError(
                    f"einsum: label '{label}' of '{subscripts}' has size {known} in one operand "
                    f"and {size} in another; operand shapes: {[tuple(x.shape) for x in tensors]}"
                )
            sizes[label] = max(known, size)


def _sum_out(x, labels, keep):
    """Sums the axes whose labels are not in `keep`."""
    axes = tuple(i for i, c in enumerate(labels) if c not in keep)
    if not axes:
        return x, labels
    return _sum(x, axis=axes), "".join(c for c in labels if c in keep)


def _permuted(x, labels, order):
    perm = [labels.index(c) for c in order]
    return x if perm == list(range(len(perm))) else transpose(x, perm)


def _first_position(order, labels, other):
    """Where the first label only `labels` has sits in `order`."""
    own = [order.index(c) for c in labels if c not in other and c in order]
    return min(own, default=len(order))


def _contract_pair(a, la, b, lb, needed, order):
    """`a` and `b` combined into the labels of either that `needed` (the
    later operands and the output) still uses; `order` is the output's
    labels when this is the last pair."""
    a, la = _sum_out(a, la, needed | set(lb))
    b, lb = _sum_out(b, lb, needed | set(la))
    if _first_position(order, lb, la) < _first_position(order, la, lb):
        # `b`'s own labels come first in the result: make them the matmul's
        # rows, so the product needs no transpose afterwards.
        a, la, b, lb = b, lb, a, la
    batch = [c for c in la if c in lb and c in needed]
    contracted = [c for c in la if c in lb and c not in needed]
    rows = [c for c in la if c not in lb]
    cols = [c for c in lb if c not in la]

    def dims(x, labels, chosen):
        return [x.shape[labels.index(c)] for c in chosen]

    # A contracted label of size 1 in one operand broadcasts: sum it out of
    # the other first so both sides agree.
    for c in contracted:
        if a.shape[la.index(c)] != b.shape[lb.index(c)]:
            if a.shape[la.index(c)] == 1:
                b = _sum(b, axis=lb.index(c), keepdims=True)
            else:
                a = _sum(a, axis=la.index(c), keepdims=True)
    row_dims, col_dims = dims(a, la, rows), dims(b, lb, cols)
    n_inner = math.prod(dims(a, la, contracted))
    a2 = reshape(
        _permuted(a, la, batch + rows + contracted),
        (*dims(a, la, batch), math.prod(row_dims), n_inner),
    )
    b2 = reshape(
        _permuted(b, lb, batch + contracted + cols),
        (*dims(b, lb, batch), n_inner, math.prod(col_dims)),
    )
    product = matmul(a2, b2)
    out_shape = (*product.shape[: len(batch)], *row_dims, *col_dims)
    return reshape(product, out_shape), "".join(batch + rows + cols)


def _arrange(x, labels, output):
    x, labels = _sum_out(x, labels, set(output))
    return _permuted(x, labels, output)
