"""Nested structures (lists, tuples, dicts) of leaves."""


def flatten(structure):
    """The leaves of `structure` in order (dicts by sorted key)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    """`structure` with `fn` applied to every leaf."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def pack_sequence_as(structure, leaves):
    """Rebuilds `structure` from a flat list of leaves."""
    iterator = iter(leaves)

    def pack(s):
        if isinstance(s, (list, tuple)):
            return type(s)(pack(item) for item in s)
        if isinstance(s, dict):
            return {key: pack(s[key]) for key in sorted(s)}
        return next(iterator)

    return pack(structure)


def is_nested(structure):
    return isinstance(structure, (list, tuple, dict))
