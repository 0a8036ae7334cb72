"""Automatic object names, as Keras makes them (`dense`, `dense_1`, ...)."""

import re
from collections import defaultdict

_counters = defaultdict(int)


def to_snake_case(name):
    """`"BatchNormalization"` -> `"batch_normalization"`, `"Conv2D"` ->
    `"conv2d"` (digits do not start a word, as in Keras)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(prefix):
    """Returns `prefix`, then `prefix_1`, `prefix_2`, ... on later calls."""
    count = _counters[prefix]
    _counters[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def reset():
    """Forgets every name given so far (`clear_session`)."""
    _counters.clear()
