"""`BackupAndRestore`: resume an interrupted `fit` where it stopped."""

import json
import os
import random
import shutil

import numpy as np

from rkeras.callbacks.callback import Callback
from rkeras.random import SeedGenerator


def _seed_generators(model):
    """Every SeedGenerator held by the model's layers, in a stable order."""
    found, seen = [], set()

    def visit(layer):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        for name in sorted(vars(layer)):
            value = vars(layer)[name]
            if isinstance(value, SeedGenerator):
                found.append(value)
        for sub in layer._layers:
            visit(sub)

    visit(model)
    return found


def _python_state():
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


class BackupAndRestore(Callback):
    """Backs up the training state at the end of each epoch, so that a
    `fit` interrupted and started again resumes from the last completed
    epoch with the same results.

    The backup holds the weights, the optimizer state, the epoch, and the
    random state (Python's, NumPy's, and every layer's SeedGenerator), so
    shuffling and dropout continue exactly as if there had been no
    interruption.

    Args:
        backup_dir: a directory for the backup (created if needed).
        save_freq: `"epoch"` (only epoch backups are supported).
        delete_checkpoint: delete the backup when training ends normally.
    """

    def __init__(
        self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True
    ):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch":
            raise NotImplementedError("BackupAndRestore supports save_freq='epoch' only")
        self.backup_dir = os.fspath(backup_dir)
        self.delete_checkpoint = delete_checkpoint
        self._weights = os.path.join(self.backup_dir, "latest.weights.h5")
        self._state = os.path.join(self.backup_dir, "training_state.json")

    def on_train_begin(self, logs=None):
        if not (os.path.exists(self._weights) and os.path.exists(self._state)):
            return
        with open(self._state) as f:
            state = json.load(f)
        self.model.load_weights(self._weights)
        version, internal, gauss = state["python_random"]
        random.setstate((version, tuple(internal), gauss))
        name, keys, pos, has_gauss, cached = state["numpy_random"]
        np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
        from rkeras import random as rk_random

        rk_random.global_seed_generator().seed, rk_random.global_seed_generator().counter = state[
            "global_seed_generator"
        ]
        for generator, (seed, counter) in zip(
            _seed_generators(self.model), state["seed_generators"], strict=False
        ):
            generator.seed, generator.counter = seed, counter
        self.model._initial_epoch = state["epoch"] + 1

    def on_epoch_end(self, epoch, logs=None):
        from rkeras import random as rk_random

        os.makedirs(self.backup_dir, exist_ok=True)
        self.model.save_weights(self._weights)
        name, keys, pos, has_gauss, cached = np.random.get_state()
        generator = rk_random.global_seed_generator()
        state = {
            "epoch": epoch,
            "python_random": _python_state(),
            "numpy_random": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)],
            "global_seed_generator": [generator.seed, generator.counter],
            "seed_generators": [[g.seed, g.counter] for g in _seed_generators(self.model)],
        }
        tmp = self._state + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.replace(tmp, self._state)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
