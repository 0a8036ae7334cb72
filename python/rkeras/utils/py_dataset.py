"""`PyDataset`: a dataset defined by `__len__` and `__getitem__`."""


class PyDataset:
    """Base class for Python datasets, as `keras.utils.PyDataset`.

    Subclasses implement `__len__` (the number of batches) and
    `__getitem__(index)` (a batch `(x, y)` or `(x, y, sample_weight)`), and
    may implement `on_epoch_end`.

    Args:
        workers, use_multiprocessing, max_queue_size: accepted for Keras
            compatibility; batches are produced in the calling thread.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def on_epoch_end(self):
        """Called after each epoch (e.g. to reshuffle)."""

    @property
    def num_batches(self):
        return len(self)


Sequence = PyDataset
