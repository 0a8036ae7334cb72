"""Compiled steps: a step's kernels recorded once, then replayed in Rust.

The first call with a given input signature (structure, shapes and dtypes)
runs eagerly, so layers are built and lazily created state exists. The
second records the kernels while running eagerly; from the third on, the
Rust plan replays them with no Python per op. As with `jax.jit`, Python
side effects inside the step run only while recording, and Python values
it reads are frozen then; random draws take a fresh key from their seed
generator on every replay. A step the engine cannot replay (it reads
tensor values on the host, creates variables, ...) stays eager for that
signature; `fallback_reasons` says why.
"""

from rkeras import _core
from rkeras.utils import tree

_Tensor = _core.Tensor


def _signature(structure):
    """What a plan is recorded for: the structure, shapes and dtypes."""
    if isinstance(structure, (list, tuple)):
        return (type(structure), *(_signature(s) for s in structure))
    if isinstance(structure, dict):
        return (dict, *((k, _signature(structure[k])) for k in sorted(structure)))
    if isinstance(structure, _Tensor):
        return (structure.shape, structure.dtype)
    return (type(structure),)


def _inputs(data):
    """The tensors a plan takes: the leaves of `data`, less absent ones
    (their place is part of the signature)."""
    return [leaf for leaf in tree.flatten(data) if leaf is not None]


def _packer(structure):
    """A function that rebuilds `structure` from an iterator over leaves
    in `tree.flatten` order (dicts keep their own key order)."""
    if isinstance(structure, (list, tuple)):
        kind, parts = type(structure), [_packer(s) for s in structure]
        return lambda leaves: kind([part(leaves) for part in parts])
    if isinstance(structure, dict):
        keys, order = list(structure), sorted(structure)
        parts = [_packer(structure[key]) for key in order]

        def pack(leaves):
            filled = {key: part(leaves) for key, part in zip(order, parts, strict=True)}
            return {key: filled[key] for key in keys}

        return pack
    return next


class _Recorded:
    __slots__ = ("plan", "pack", "num_leaves", "positions", "gradient_outputs", "variables")

    def __init__(self, plan, outputs, positions, variables):
        self.plan = plan
        self.pack = _packer(outputs)
        self.num_leaves = len(tree.flatten(outputs))
        # Where the plan's outputs go among the leaves (the others are None).
        self.positions = positions
        self.variables = variables
        # The plan outputs that are the gradients (the first leaves), when
        # every variable has one.
        gradients = outputs[0]
        if all(g is not None for g in gradients):
            self.gradient_outputs = list(range(len(gradients)))
        else:
            self.gradient_outputs = None

    def replay(self, inputs, engine_step):
        """`(outputs, variables, updated)`: with `updated`, the replay has
        applied the optimizer step and the gradients are `None`."""
        update = None
        if engine_step is not None and self.gradient_outputs:
            update = engine_step(self.variables)
        if update is None:
            values = self.plan.run(inputs)
        else:
            values = self.plan.run_and_update(inputs, self.gradient_outputs, *update)
        leaves = [None] * self.num_leaves
        for position, value in zip(self.positions, values, strict=True):
            leaves[position] = value
        return self.pack(iter(leaves)), self.variables, update is not None


class CompiledStep:
    """Runs a train step's `body(data) -> ((gradients, rest), variables)`
    through recorded plans: `gradients` holds one gradient (or `None`) per
    variable, `rest` is any structure of tensors, and `variables` (kept from
    the recording) are returned by every replay.

    Called with `engine_step`, a function of the variables that returns the
    arguments of their optimizer update (or `None`), a replay also applies
    that update in the same engine call.
    """

    def __init__(self, body):
        self.body = body
        self._plans = {}
        self._seen = set()
        self.fallback_reasons = {}

    def forget_unless(self, variables):
        """Drops the plans recorded for other variables than `variables`
        (a layer was frozen or unfrozen since)."""
        ids = [id(v) for v in variables]
        for key, recorded in list(self._plans.items()):
            if [id(v) for v in recorded.variables] != ids:
                del self._plans[key]
                self._seen.discard(key)

    def __call__(self, data, engine_step=None):
        """`(outputs, variables, updated)`, as `_Recorded.replay`."""
        key = _signature(data)
        recorded = self._plans.get(key)
        if recorded is not None:
            return recorded.replay(_inputs(data), engine_step)
        if key in self.fallback_reasons:
            return (*self.body(data), False)
        if key not in self._seen:
            self._seen.add(key)
            return (*self.body(data), False)
        return (*self._record(key, data), False)

    def _record(self, key, data):
        inputs = _inputs(data)
        if not all(isinstance(x, _Tensor) for x in inputs):
            self.fallback_reasons[key] = "the step's inputs are not all tensors"
            return self.body(data)
        try:
            _core.begin_trace(inputs)
        except ValueError as e:
            self.fallback_reasons[key] = str(e)
            return self.body(data)
        try:
            outputs, variables = self.body(data)
        except BaseException:
            _core.abort_trace()
            raise
        leaves = tree.flatten(outputs)
        positions = [i for i, leaf in enumerate(leaves) if leaf is not None]
        if not all(isinstance(leaves[i], _Tensor) for i in positions):
            _core.abort_trace()
            self.fallback_reasons[key] = "the step returns values that are not tensors"
            return outputs, variables
        try:
            plan = _core.finish_trace([leaves[i] for i in positions])
        except NotImplementedError as e:
            self.fallback_reasons[key] = str(e)
            return outputs, variables
        self._plans[key] = _Recorded(plan, outputs, positions, variables)
        return outputs, variables
