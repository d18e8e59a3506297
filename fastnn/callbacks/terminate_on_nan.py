"""`TerminateOnNaN`: stop training at the first NaN or infinite batch loss."""
import math

from .callback import Callback

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch loss is NaN or infinite (the batch's update has already been applied).

    Example:

    >>> model.fit(x, y, epochs=10, callbacks=[fastnn.callbacks.TerminateOnNaN()])
    """

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
