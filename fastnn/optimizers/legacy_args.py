"""TF 2.x (tf.keras 2) optimizer argument spellings that tutorials still use, accepted with a DeprecationWarning as
tf.keras 2 did: `lr=` (now `learning_rate=`), `decay=` (Keras 2's time-based decay: the step's rate is
`lr / (1 + decay · iterations)`, which is `schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)`, so it
saves and loads like any schedule) and `epsilon=None` (the default epsilon)."""
import functools
import numbers
import warnings

from .schedules import InverseTimeDecay, LearningRateSchedule

__all__ = ["accept_legacy_arguments"]


def _warn(old, new):
    warnings.warn(f"`{old}` is a deprecated argument (tf.keras 2): use {new}", DeprecationWarning, stacklevel=3)


def accept_legacy_arguments(init):
    """Wrap an optimizer's `__init__` so it takes the TF 2.x spellings (see the module docstring)."""
    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        cls_name = type(self).__name__
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            if "learning_rate" in kwargs or args:
                raise TypeError(f"{cls_name}() received both `lr` and `learning_rate`: pass only `learning_rate`. "
                                f"Received: lr={lr!r}")
            _warn("lr", "`learning_rate`")
            kwargs["learning_rate"] = lr
        decay = kwargs.pop("decay", None)
        if decay is not None:
            if isinstance(decay, bool) or not isinstance(decay, numbers.Real) or not 0 <= decay < float("inf"):
                raise ValueError(f"`decay` must be a non-negative number. Received: decay={decay!r}")
            _warn("decay", "learning_rate=fastnn.optimizers.schedules.InverseTimeDecay(lr, 1, decay)")
        if "epsilon" in kwargs and kwargs["epsilon"] is None:
            del kwargs["epsilon"]  # tf.keras 2 read None as its default epsilon (backend.epsilon(), 1e-7)
            _warn("epsilon=None", "a number (the default is 1e-7)")
        init(self, *args, **kwargs)
        if decay:
            lr = self._learning_rate
            if isinstance(lr, LearningRateSchedule) or callable(lr):
                raise ValueError(f"`decay` cannot be combined with a learning-rate schedule in {cls_name}: put "
                                 f"the decay in the schedule. Received: decay={decay!r}")
            self.learning_rate = InverseTimeDecay(float(lr), decay_steps=1, decay_rate=float(decay))
    wrapper._fastnn_legacy_arguments = True
    return wrapper
