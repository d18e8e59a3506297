"""fastnn.utils — small helpers users reach for (`Progbar`, `set_random_seed`)."""
from .progbar import Progbar
from .. import random as _random

__all__ = ["Progbar", "set_random_seed"]


def set_random_seed(seed):
    """Seed fastnn's random ops, initializers, dropout and fit's shuffling (`keras.utils.set_random_seed`)."""
    _random.set_seed(seed)
