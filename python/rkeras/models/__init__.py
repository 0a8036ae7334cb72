"""Models, as `keras.models`."""

from rkeras.models.functional import Functional
from rkeras.models.model import Model
from rkeras.models.sequential import Sequential
from rkeras.saving.keras_file import load_model
