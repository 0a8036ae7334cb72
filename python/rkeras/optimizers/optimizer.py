"""`rkeras.optimizers.Optimizer`: the public optimizer base class."""

from rkeras.optimizers.base_optimizer import BaseOptimizer


class Optimizer(BaseOptimizer):
    __doc__ = BaseOptimizer.__doc__
